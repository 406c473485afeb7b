//===- tests/unit/TokenizerInProcessTest.cpp - The tokenizer beside ONNX --===//
//
// tlc_tokenizer in a program that links ONNX and the system libprotobuf
// (this one), as the tlc executable does: the reason tlc encodes by itself
// rather than through Debian's libsentencepiece, whose own protobuf aborts
// such a process (docs/tokenizer.md). Checks that libprotobuf is loaded and
// libsentencepiece is not, and that tiny_tok.gguf encodes and decodes
// cases.json as Python's sentencepiece did. The full comparison with the
// library is tests/tokenizer/, a program of its own.
//
//===----------------------------------------------------------------------===//
#include "ir/Gguf.h"
#include "tokenizer/LlamaTokenizer.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>
#include <link.h>

#include <string>
#include <vector>

using namespace llvm;
using namespace tlc;

namespace {

/// Whether a shared object whose path contains \p name is loaded.
bool sharedObjectLoaded(const char *name) {
  struct Query {
    const char *name;
    bool found;
  } q{name, false};
  dl_iterate_phdr(
      [](dl_phdr_info *info, size_t, void *data) {
        auto *q = static_cast<Query *>(data);
        if (info->dlpi_name && std::string(info->dlpi_name).find(q->name) !=
                                   std::string::npos)
          q->found = true;
        return 0;
      },
      &q);
  return q.found;
}

TEST(TokenizerInProcess, BesideProtobufEncodesAsSentencePiece) {
  EXPECT_TRUE(sharedObjectLoaded("libprotobuf.so"));
  EXPECT_FALSE(sharedObjectLoaded("libsentencepiece"));

  const std::string dir = TLC_SOURCE_DIR "/tests/data/tokenizer/";
  Expected<GgufFile> file = readGgufFile(dir + "tiny_tok.gguf");
  ASSERT_TRUE(bool(file)) << toString(file.takeError());
  Expected<LlamaTokenizer> tok = LlamaTokenizer::fromGguf(*file);
  ASSERT_TRUE(bool(tok)) << toString(tok.takeError());

  auto buf = MemoryBuffer::getFile(dir + "cases.json");
  ASSERT_TRUE(bool(buf));
  Expected<json::Value> v = json::parse((*buf)->getBuffer());
  ASSERT_TRUE(bool(v)) << toString(v.takeError());
  size_t checked = 0;
  for (const char *group : {"held_out", "edge_cases"})
    for (const json::Value &c : *v->getAsObject()->getArray(group)) {
      const json::Object &o = *c.getAsObject();
      std::string text = o.getString("text")->str();
      std::vector<int32_t> expected;
      for (const json::Value &id : *o.getArray("ids"))
        expected.push_back(int32_t(*id.getAsInteger()));
      SCOPED_TRACE(o.getString("name")->str());
      Expected<std::vector<int32_t>> ids = tok->encode(text, false);
      ASSERT_TRUE(bool(ids)) << toString(ids.takeError());
      EXPECT_EQ(*ids, expected);
      Expected<std::string> decoded = tok->decode(*ids);
      ASSERT_TRUE(bool(decoded)) << toString(decoded.takeError());
      EXPECT_EQ(*decoded, o.getString("decoded")->str());
      ++checked;
    }
  EXPECT_EQ(checked, 225u);
}

} // namespace
