//===- fuzz/FuzzModelParser.cpp - libFuzzer target: model.yaml parser -----===//
//
// Feeds arbitrary text to parseModelString (ir/ModelParser.h) with a fixed
// base directory holding no weights file, so that models naming weights fail
// at the file lookup and every other path (YAML syntax, keys, kinds, shapes,
// dtypes, names, the graph checks) is exercised. Every input must give a
// Graph or an llvm::Error; a crash, sanitizer report, leak or timeout is a
// bug. The weights reader itself is fuzzed by fuzz_safetensors.
//
//===----------------------------------------------------------------------===//
#include "ir/ModelParser.h"

#include "llvm/Support/Error.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  // A directory that exists and holds no .safetensors file.
  llvm::Expected<tlc::Graph> g = tlc::parseModelString(
      text, "fuzz.yaml", TLC_SOURCE_DIR "/fuzz");
  if (!g)
    llvm::consumeError(g.takeError());
  return 0;
}
