//===- fuzz/FuzzTlir.cpp - libFuzzer target: the IR text parser -----------===//
//
// Feeds arbitrary text to parseGraphText (ir/TextParser.h). Every input
// must give a Graph or an llvm::Error; a crash, sanitizer report or leak is
// a bug. A graph that parses must also print to text that parses again and
// prints the same (printing is a fixed point after one round: floats print
// with %g), or the target aborts.
//
//===----------------------------------------------------------------------===//
#include "ir/TextParser.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <string>

static std::string print(const tlc::Graph &g) {
  std::string s;
  llvm::raw_string_ostream os(s);
  tlc::PrintOptions po;
  po.inlineConstants = true;
  tlc::printGraph(g, os, po);
  return os.str();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<tlc::Graph> g = tlc::parseGraphText(text, "fuzz.tlir");
  if (!g) {
    llvm::consumeError(g.takeError());
    return 0;
  }
  std::string once = print(*g);
  llvm::Expected<tlc::Graph> g2 = tlc::parseGraphText(once, "once.tlir");
  if (!g2) {
    llvm::errs() << "printed text does not parse: "
                 << llvm::toString(g2.takeError()) << "\n" << once;
    std::abort();
  }
  std::string twice = print(*g2);
  llvm::Expected<tlc::Graph> g3 = tlc::parseGraphText(twice, "twice.tlir");
  if (!g3) {
    llvm::consumeError(g3.takeError());
    std::abort();
  }
  if (print(*g3) != twice) {
    llvm::errs() << "printing is not a fixed point:\n" << twice;
    std::abort();
  }
  return 0;
}
