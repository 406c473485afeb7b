//===- tests/unit/FuzzRegressionTest.cpp - Inputs found by the fuzzers ----===//
//
// Regression tests for the libFuzzer targets in fuzz/ (docs/hardening.md).
// Every file under tests/bad/fuzz/TARGET/ is an input that once crashed,
// hung or misbehaved in the reader TARGET fuzzes; each must now be rejected
// with an llvm::Error that names the file, and must not crash (this binary
// also runs under ASan+UBSan in `make test-sanitize`). Inputs too large to
// keep as files (deep nesting) are generated here.
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"
#include "ir/Gguf.h"
#include "ir/ModelParser.h"
#include "ir/Npy.h"
#include "ir/Safetensors.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

using namespace llvm;
using namespace tlc;

namespace {

std::string errText(Error e) { return toString(std::move(e)); }

/// The files of tests/bad/fuzz/<target>/, sorted; empty if there is none.
std::vector<std::string> fuzzInputs(StringRef target) {
  SmallString<256> dir(TLC_SOURCE_DIR "/tests/bad/fuzz/");
  sys::path::append(dir, target);
  std::vector<std::string> files;
  std::error_code ec;
  for (sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    if (sys::fs::is_regular_file(it->path()))
      files.push_back(it->path());
  std::sort(files.begin(), files.end());
  return files;
}

/// Reads each input of \p target and hands its bytes and name to \p check,
/// which returns the reader's error (or success).
void checkAllRejected(
    StringRef target,
    std::function<Error(ArrayRef<uint8_t>, StringRef)> read) {
  for (const std::string &path : fuzzInputs(target)) {
    SCOPED_TRACE(path);
    auto buf = MemoryBuffer::getFile(path, /*IsText=*/false,
                                     /*RequiresNullTerminator=*/false);
    ASSERT_TRUE(bool(buf)) << buf.getError().message();
    ArrayRef<uint8_t> bytes(
        reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()),
        (*buf)->getBufferSize());
    StringRef name = sys::path::filename(path);
    Error err = read(bytes, name);
    ASSERT_TRUE(bool(err)) << "accepted";
    std::string msg = errText(std::move(err));
    EXPECT_NE(msg.find(name.str()), std::string::npos) << msg;
  }
}

TEST(FuzzRegression, ModelParserInputs) {
  checkAllRejected("model_parser", [](ArrayRef<uint8_t> b, StringRef name) {
    StringRef text(reinterpret_cast<const char *>(b.data()), b.size());
    auto g = parseModelString(text, name, TLC_SOURCE_DIR "/fuzz");
    return g ? Error::success() : g.takeError();
  });
}

TEST(FuzzRegression, SafetensorsInputs) {
  checkAllRejected("safetensors", [](ArrayRef<uint8_t> b, StringRef name) {
    auto f = readSafetensorsBytes(b, name);
    return f ? Error::success() : f.takeError();
  });
}

TEST(FuzzRegression, NpyInputs) {
  checkAllRejected("npy", [](ArrayRef<uint8_t> b, StringRef name) {
    auto a = readNpyBytes(b, name);
    return a ? Error::success() : a.takeError();
  });
}

TEST(FuzzRegression, PlanInputs) {
  checkAllRejected("plan", [](ArrayRef<uint8_t> b, StringRef name) {
    auto p = readPlanBytes(b, name);
    return p ? Error::success() : p.takeError();
  });
}

TEST(FuzzRegression, GgufInputs) {
  checkAllRejected("gguf", [](ArrayRef<uint8_t> b, StringRef name) {
    auto f = readGgufBytes(b, name);
    return f ? Error::success() : f.takeError();
  });
}

/// yaml-cpp recurses once (or more) per nesting level; 100,000 levels of
/// flow or block nesting must give a located error, not a stack overflow.
TEST(FuzzRegression, DeepYamlNestingIsAnError) {
  struct Case {
    const char *what;
    std::string text;
  };
  std::string block;
  for (int i = 0; i < 3000; ++i)
    block += std::string(i, ' ') + "a:\n";
  std::vector<Case> cases = {
      {"flow sequences", std::string(100000, '[')},
      {"flow mappings", std::string(100000, '{')},
      {"inputs value",
       "tlc: 1\nname: deep\ninputs: " + std::string(100000, '[') + "\n"},
      {"block mappings", block},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    auto g = parseModelString(c.text, "deep.yaml", TLC_SOURCE_DIR "/fuzz");
    ASSERT_FALSE(bool(g));
    std::string msg = errText(g.takeError());
    EXPECT_EQ(msg.rfind("deep.yaml:", 0), 0u) << msg;
    EXPECT_NE(msg.find("nesting too deep"), std::string::npos) << msg;
  }
}

} // namespace
