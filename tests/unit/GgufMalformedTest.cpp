//===- tests/unit/GgufMalformedTest.cpp - GGUF reader on broken bytes -----===//
//
// Every prefix of a small valid GGUF file (metadata of several types, an
// array of strings, nested arrays, three tensors) must be refused with an
// error that names the byte offset; so must every single-byte corruption of
// the header and counts that points past the file. One mutation per check,
// with its exact message, is in tests/bad/ (GgufBadInputsTest); this test
// sweeps positions.
//
//===----------------------------------------------------------------------===//
#include "ir/Gguf.h"
#include "ir/GgufWriter.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;

namespace {

std::vector<uint8_t> smallFile() {
  using V = GgufValue;
  std::vector<V> strs = {V::ofString("<s>"), V::ofString("a")};
  std::vector<V> inner = {V::ofI32(1), V::ofI32(2)};
  Expected<V> tokens = V::ofArray(GgufValueType::String, strs);
  Expected<V> in = V::ofArray(GgufValueType::Int32, inner);
  EXPECT_TRUE(tokens && in);
  Expected<V> nested = V::ofArray(GgufValueType::Array, {*in, *in});
  EXPECT_TRUE(bool(nested));
  std::vector<GgufKeyValue> kv = {
      {"general.architecture", V::ofString("llama")},
      {"llama.block_count", V::ofU32(1)},
      {"llama.flag", V::ofBool(true)},
      {"llama.eps", V::ofF32(1e-5f)},
      {"tokenizer.ggml.tokens", *tokens},
      {"t.nested", *nested},
  };
  std::vector<GgufTensorData> t(3);
  t[0] = {"a", {4, 2}, GgmlType::F32, std::vector<uint8_t>(32, 1)};
  t[1] = {"b", {32}, GgmlType::Q8_0, std::vector<uint8_t>(34, 2)};
  t[2] = {"c", {32, 1, 1}, GgmlType::Q4_0, std::vector<uint8_t>(18, 3)};
  Expected<std::vector<uint8_t>> b = encodeGguf(kv, t);
  EXPECT_TRUE(bool(b));
  return b ? *b : std::vector<uint8_t>();
}

void expectRefusedWithOffset(ArrayRef<uint8_t> bytes, const std::string &why) {
  Expected<GgufFile> f = readGgufBytes(bytes, "m.gguf");
  if (f) {
    ADD_FAILURE() << why << ": accepted";
    return;
  }
  std::string msg = toString(f.takeError());
  EXPECT_EQ(msg.rfind("m.gguf: byte offset ", 0), 0u) << why << ": " << msg;
}

TEST(GgufMalformedTest, EveryTruncationIsRefused) {
  std::vector<uint8_t> ok = smallFile();
  ASSERT_TRUE(bool(readGgufBytes(ok, "ok.gguf")));
  for (size_t n = 0; n < ok.size(); ++n)
    expectRefusedWithOffset(ArrayRef<uint8_t>(ok).take_front(n),
                            "prefix of " + std::to_string(n) + " bytes");
}

TEST(GgufMalformedTest, HugeCountsAndLengthsAreRefusedBeforeAllocating) {
  std::vector<uint8_t> ok = smallFile();
  // Overwrite each 8-byte little-endian field that can hold a count or a
  // length with values past the file: the header counts, the first key's
  // length, the token array's length.
  auto with64 = [&](size_t at, uint64_t v) {
    std::vector<uint8_t> b = ok;
    for (int k = 0; k < 8; ++k)
      b[at + k] = uint8_t(v >> (8 * k));
    return b;
  };
  for (uint64_t v : {uint64_t(1000), uint64_t(1) << 20, ~uint64_t(0),
                     uint64_t(1) << 63})
    for (size_t at : {size_t(8), size_t(16), size_t(24)}) {
      std::vector<uint8_t> b = with64(at, v);
      expectRefusedWithOffset(b, "field at " + std::to_string(at) + " = " +
                                     std::to_string(v));
    }
}

TEST(GgufMalformedTest, DeepArrayNestingIsAnErrorNotARecursion) {
  // One key whose value is 100,000 arrays nested in each other (12 bytes
  // each): refused at the 9th level, long before the stack could run out.
  std::vector<uint8_t> b = {'G', 'G', 'U', 'F', 3, 0, 0, 0};
  auto le = [&](uint64_t v, int n) {
    for (int k = 0; k < n; ++k)
      b.push_back(uint8_t(v >> (8 * k)));
  };
  le(0, 8); // tensors
  le(1, 8); // key/values
  le(4, 8);
  b.insert(b.end(), {'d', 'e', 'e', 'p'});
  le(uint32_t(GgufValueType::Array), 4);
  for (int i = 0; i < 100000; ++i) {
    le(uint32_t(GgufValueType::Array), 4);
    le(1, 8);
  }
  Expected<GgufFile> f = readGgufBytes(b, "deep.gguf");
  ASSERT_FALSE(bool(f));
  std::string msg = toString(f.takeError());
  EXPECT_NE(msg.find("deep.gguf: byte offset 136: metadata 'deep'[0][0][0][0]"
                     "[0][0][0][0]: arrays nested deeper than 8 levels"),
            std::string::npos)
      << msg;
}

TEST(GgufMalformedTest, TrailingBytesAreIgnored) {
  // Like ggml: the data section ends at the last tensor's padded end.
  std::vector<uint8_t> b = smallFile();
  b.insert(b.end(), 100, 0xee);
  EXPECT_TRUE(bool(readGgufBytes(b, "t.gguf")));
}

} // namespace
