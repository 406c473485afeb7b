//===- tests/unit/SafetensorsTest.cpp - safetensors read/write ------------===//
//
// The reader against a file encoded independently (tools/make_bad_inputs.py
// writes tests/bad/ok.safetensors with Python's json and struct), write/read
// round trips of every dtype, writer errors, and robustness: every
// truncation is rejected and no corruption crashes the reader.
//
//===----------------------------------------------------------------------===//
#include "ir/Safetensors.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llvm;
using namespace tlc;

namespace {

std::string errText(Error e) { return e ? toString(std::move(e)) : ""; }

template <typename T> std::vector<uint8_t> bytesOf(std::vector<T> v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  memcpy(b.data(), v.data(), b.size());
  return b;
}

TEST(Safetensors, ReadsTheIndependentlyEncodedBaseline) {
  Expected<SafetensorsFile> f =
      readSafetensors(TLC_SOURCE_DIR "/tests/bad/ok.safetensors");
  ASSERT_TRUE(bool(f)) << toString(f.takeError());
  ASSERT_EQ(f->tensors.size(), 2u);
  // In data order: conv1.weight [0, 72), conv1.bias [72, 80).
  EXPECT_EQ(f->tensors[0].name, "conv1.weight");
  EXPECT_EQ(f->tensors[1].name, "conv1.bias");
  const SafetensorsTensor *w = f->find("conv1.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, DType::F32);
  EXPECT_EQ(w->shape, (Shape{2, 1, 3, 3}));
  ASSERT_EQ(w->data.size(), 72u);
  const SafetensorsTensor *b = f->find("conv1.bias");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->shape, (Shape{2}));
  // The script's data: element i of the section is 0.125 * i - 1.
  for (int i = 0; i < 20; ++i) {
    const std::vector<uint8_t> &d = i < 18 ? w->data : b->data;
    float v;
    memcpy(&v, d.data() + 4 * (i < 18 ? i : i - 18), 4);
    EXPECT_EQ(v, 0.125f * i - 1.0f) << "element " << i;
  }
  EXPECT_EQ(f->metadata.size(), 1u);
  EXPECT_EQ(f->metadata.at("format"), "pt");
  EXPECT_EQ(f->find("nope"), nullptr);
}

TEST(Safetensors, RoundTripsEveryDType) {
  SmallString<128> dir;
  ASSERT_FALSE(sys::fs::createUniqueDirectory("tlc-st", dir));
  std::string path = (dir + "/t.safetensors").str();
  std::vector<SafetensorsTensor> ts = {
      {"a.weight", DType::F32, {2, 3}, bytesOf<float>({1, -2, 3.5f, 0, 1e-30f, -7})},
      {"half", DType::F16, {3}, bytesOf<uint16_t>({0x3c00, 0xc100, 0x7bff})},
      {"idx", DType::I32, {1, 1, 2}, bytesOf<int32_t>({-1, 2147483647})},
      {"big", DType::I64, {}, bytesOf<int64_t>({-5000000000ll})},
  };
  std::map<std::string, std::string> meta = {{"format", "pt"},
                                             {"note", "quotes \" and \\"}};
  ASSERT_EQ(errText(writeSafetensors(path, ts, meta)), "");

  auto buf = MemoryBuffer::getFile(path, false, false);
  ASSERT_TRUE(bool(buf));
  uint64_t n = support::endian::read64le((*buf)->getBufferStart());
  EXPECT_EQ(n % 8, 0u) << "data section must be 8-byte aligned";
  EXPECT_EQ((*buf)->getBufferSize(), 8 + n + 24 + 6 + 8 + 8);

  Expected<SafetensorsFile> f = readSafetensors(path);
  ASSERT_TRUE(bool(f)) << toString(f.takeError());
  ASSERT_EQ(f->tensors.size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(f->tensors[i].name, ts[i].name);
    EXPECT_EQ(f->tensors[i].dtype, ts[i].dtype);
    EXPECT_EQ(f->tensors[i].shape, ts[i].shape);
    EXPECT_EQ(f->tensors[i].data, ts[i].data);
  }
  EXPECT_EQ(f->metadata, meta);
  sys::fs::remove_directories(dir);
}

TEST(Safetensors, WriterRejectsInconsistentTensors) {
  std::vector<SafetensorsTensor> dup = {
      {"a", DType::F32, {1}, bytesOf<float>({1})},
      {"a", DType::F32, {1}, bytesOf<float>({2})}};
  auto e1 = encodeSafetensors(dup);
  ASSERT_FALSE(bool(e1));
  EXPECT_NE(toString(e1.takeError()).find("tensor 'a': duplicate tensor name"),
            std::string::npos);
  std::vector<SafetensorsTensor> shortData = {
      {"w", DType::I64, {2, 2}, bytesOf<int64_t>({1, 2, 3})}};
  auto e2 = encodeSafetensors(shortData);
  ASSERT_FALSE(bool(e2));
  EXPECT_NE(toString(e2.takeError())
                .find("tensor 'w': has 24 bytes of data but shape 2x2xi64 "
                      "needs 32"),
            std::string::npos);
  // Nothing is written for an invalid tensor list.
  Error e3 = writeSafetensors("/tmp/tlc-never-written.safetensors", shortData);
  EXPECT_NE(errText(std::move(e3)).find("/tmp/tlc-never-written.safetensors: "),
            std::string::npos);
  EXPECT_FALSE(sys::fs::exists("/tmp/tlc-never-written.safetensors"));
}

TEST(Safetensors, DeeplyNestedHeaderIsAnErrorNotAStackOverflow) {
  // Two million '[' would make a recursive JSON parser overflow the stack.
  std::string header(2000000, '[');
  std::vector<uint8_t> bytes(8);
  support::endian::write64le(bytes.data(), header.size());
  bytes.insert(bytes.end(), header.begin(), header.end());
  auto r = readSafetensorsBytes(bytes, "deep.safetensors");
  ASSERT_FALSE(bool(r));
  EXPECT_EQ(toString(r.takeError()),
            "deep.safetensors: byte offset 24: JSON header nested deeper "
            "than 16 levels");
  // Brackets inside strings do not count.
  std::string quoted = "{\"__metadata__\": {\"k\": \"" +
                       std::string(100, '[') + "\\\"" + "\"}}";
  std::vector<uint8_t> ok(8);
  support::endian::write64le(ok.data(), quoted.size());
  ok.insert(ok.end(), quoted.begin(), quoted.end());
  auto q = readSafetensorsBytes(ok, "q.safetensors");
  ASSERT_TRUE(bool(q)) << toString(q.takeError());
  EXPECT_EQ(q->metadata.at("k"), std::string(100, '[') + "\"");
}

TEST(Safetensors, TruncationsAreRejectedAndCorruptionNeverCrashes) {
  std::vector<SafetensorsTensor> ts = {
      {"x", DType::F32, {2, 2}, bytesOf<float>({1, 2, 3, 4})},
      {"y", DType::I32, {3}, bytesOf<int32_t>({5, 6, 7})}};
  Expected<std::vector<uint8_t>> good = encodeSafetensors(ts, {{"k", "v"}});
  ASSERT_TRUE(bool(good));
  ASSERT_TRUE(bool(readSafetensorsBytes(*good, "m.safetensors")));
  for (size_t len = 0; len < good->size(); ++len) {
    auto r = readSafetensorsBytes(makeArrayRef(*good).take_front(len),
                                  "m.safetensors");
    ASSERT_FALSE(bool(r)) << "length " << len << " accepted";
    std::string msg = toString(r.takeError());
    EXPECT_EQ(msg.rfind("m.safetensors: ", 0), 0u) << msg;
  }
  // Every byte value at every position: the reader accepts or rejects, and
  // an accepted file still satisfies the size invariants.
  for (size_t i = 0; i < good->size(); ++i)
    for (unsigned x : {0x01u, 0x20u, 0x80u, 0xffu}) {
      std::vector<uint8_t> bad = *good;
      bad[i] ^= uint8_t(x);
      auto r = readSafetensorsBytes(bad, "m.safetensors");
      if (!r) {
        consumeError(r.takeError());
        continue;
      }
      for (const SafetensorsTensor &t : r->tensors)
        EXPECT_EQ(t.data.size(),
                  uint64_t(TensorType{t.dtype, t.shape}.byteSize()));
    }
}

} // namespace

TEST(Safetensors, Bf16IsWidenedToF32Exactly) {
  // Hugging Face checkpoints are mostly BF16: the reader widens each value
  // to the F32 with the same high 16 bits (1.0, -2.5 and 3.140625 are
  // exact in BF16).
  std::string header =
      R"({"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::vector<uint8_t> bytes(8);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    bytes[size_t(i)] = uint8_t(n >> (8 * i));
  bytes.insert(bytes.end(), header.begin(), header.end());
  for (uint16_t h : {uint16_t(0x3f80), uint16_t(0xc020), uint16_t(0x4049)}) {
    bytes.push_back(uint8_t(h & 0xff));
    bytes.push_back(uint8_t(h >> 8));
  }
  llvm::Expected<SafetensorsFile> f = readSafetensorsBytes(bytes, "bf16");
  ASSERT_TRUE(bool(f)) << llvm::toString(f.takeError());
  ASSERT_EQ(f->tensors.size(), 1u);
  const SafetensorsTensor &t = f->tensors[0];
  EXPECT_EQ(t.dtype, DType::F32);
  ASSERT_EQ(t.data.size(), 12u);
  float v[3];
  std::memcpy(v, t.data.data(), sizeof v);
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -2.5f);
  EXPECT_EQ(v[2], 3.140625f);
}
