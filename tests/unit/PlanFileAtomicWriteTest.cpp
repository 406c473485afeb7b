//===- tests/unit/PlanFileAtomicWriteTest.cpp - ir/AtomicFile -------------===//
//
// The atomic writer behind every output file (.tlp, .npy, .safetensors):
// content replaced only on success, the old file untouched and no temporary
// left behind on every failure, errors prefixed with the destination path.
//
//===----------------------------------------------------------------------===//
#include "ir/AtomicFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;

namespace {

std::string errText(Error e) { return e ? toString(std::move(e)) : ""; }

struct Dir {
  SmallString<128> path;
  Dir() { EXPECT_FALSE(sys::fs::createUniqueDirectory("tlc-atomic", path)); }
  ~Dir() { sys::fs::remove_directories(path); }
  std::string file(StringRef name) const { return (path + "/" + name).str(); }
  /// Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
         it.increment(ec))
      out.push_back(it->path().substr(path.size() + 1));
    std::sort(out.begin(), out.end());
    return out;
  }
};

std::string contents(StringRef path) {
  auto buf = MemoryBuffer::getFile(path);
  return buf ? (*buf)->getBuffer().str() : "<missing>";
}

TEST(PlanFileAtomicWrite, ReplacesContentOnSuccess) {
  Dir d;
  std::string p = d.file("out.bin");
  ASSERT_EQ(errText(writeFileAtomically(p, ArrayRef<uint8_t>{'a', 'b'})), "");
  EXPECT_EQ(contents(p), "ab");
  ASSERT_EQ(errText(writeFileAtomically(p, [](raw_ostream &os) {
              os << "second";
              return Error::success();
            })),
            "");
  EXPECT_EQ(contents(p), "second");
  ASSERT_EQ(errText(writeFileAtomically(p, ArrayRef<uint8_t>{})), "");
  EXPECT_EQ(contents(p), "");
  EXPECT_EQ(d.entries(), std::vector<std::string>{"out.bin"});
}

TEST(PlanFileAtomicWrite, WriterErrorKeepsOldFileAndRemovesTemporary) {
  Dir d;
  std::string p = d.file("out.bin");
  ASSERT_EQ(errText(writeFileAtomically(p, ArrayRef<uint8_t>{'o', 'k'})), "");
  std::string msg = errText(writeFileAtomically(p, [](raw_ostream &os) {
    os << "half of the new cont";
    return createStringError(inconvertibleErrorCode(), "encoder failed");
  }));
  EXPECT_EQ(msg, p + ": encoder failed");
  EXPECT_EQ(contents(p), "ok");
  EXPECT_EQ(d.entries(), std::vector<std::string>{"out.bin"});
}

TEST(PlanFileAtomicWrite, RenameFailureRemovesTemporary) {
  Dir d;
  // The destination is a non-empty directory: rename(2) must fail.
  std::string p = d.file("taken");
  ASSERT_FALSE(sys::fs::create_directory(p));
  ASSERT_EQ(errText(writeFileAtomically(p + "/inner", ArrayRef<uint8_t>{})),
            "");
  std::string msg = errText(writeFileAtomically(p, ArrayRef<uint8_t>{'x'}));
  EXPECT_NE(msg.find(p + ": cannot rename temporary file into place"),
            std::string::npos)
      << msg;
  EXPECT_EQ(d.entries(), std::vector<std::string>{"taken"});
}

TEST(PlanFileAtomicWrite, MissingDirectoryAndEmptyName) {
  std::string msg =
      errText(writeFileAtomically("/nonexistent/x.bin", ArrayRef<uint8_t>{}));
  EXPECT_NE(msg.find("/nonexistent/x.bin: cannot create temporary file"),
            std::string::npos)
      << msg;
  EXPECT_EQ(errText(writeFileAtomically("", ArrayRef<uint8_t>{})),
            "empty output file name");
}

} // namespace
