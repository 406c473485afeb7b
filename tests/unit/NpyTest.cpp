//===- tests/unit/NpyTest.cpp - .npy read/write ---------------------------===//
//
// The reader against files written by NumPy (tests/data/npy/, made by
// tools/make_npy_testdata.py), with expected values computed here from the
// same formulas; write/read round trips; the exact header the writer emits
// (NEP 1, version 1.0, data 64-byte aligned); and robustness: every
// truncation is rejected and no corruption crashes the reader.
//
//===----------------------------------------------------------------------===//
#include "ir/Npy.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llvm;
using namespace tlc;

namespace {

std::string errText(Error e) { return e ? toString(std::move(e)) : ""; }

NpyArray load(StringRef name) {
  Expected<NpyArray> a =
      readNpy((TLC_SOURCE_DIR "/tests/data/npy/" + name + ".npy").str());
  EXPECT_TRUE(bool(a)) << name.str() << ": "
                       << (a ? "" : toString(a.takeError()));
  return a ? std::move(*a) : NpyArray();
}

template <typename T> std::vector<T> valuesOf(const NpyArray &a) {
  std::vector<T> v(a.bytes.size() / sizeof(T));
  memcpy(v.data(), a.bytes.data(), v.size() * sizeof(T));
  return v;
}

/// Element i is i * scale + bias (tools/make_npy_testdata.py's ramp()).
template <typename T> std::vector<T> ramp(int n, double scale, double bias) {
  std::vector<T> v;
  for (int i = 0; i < n; ++i)
    v.push_back(T(i * scale + bias));
  return v;
}

template <typename T> std::vector<uint8_t> bytesOf(std::vector<T> v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  memcpy(b.data(), v.data(), b.size());
  return b;
}

TEST(Npy, ReadsFilesWrittenByNumPy) {
  NpyArray a = load("f32_2x3");
  EXPECT_EQ(a.dtype, NpyDType::F32);
  EXPECT_EQ(a.shape, (Shape{2, 3}));
  EXPECT_EQ(valuesOf<float>(a), ramp<float>(6, 0.5, -1.0));

  NpyArray s = load("f32_scalar");
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(valuesOf<float>(s), std::vector<float>{3.25f});

  NpyArray b = load("f32_1x3x4x5");
  EXPECT_EQ(b.shape, (Shape{1, 3, 4, 5}));
  EXPECT_EQ(valuesOf<float>(b), ramp<float>(60, 0.25, -7.5));

  // IEEE half bit patterns of 1.0, -2.5, 65504 (largest half), 0.5.
  NpyArray h = load("f16_4");
  EXPECT_EQ(h.dtype, NpyDType::F16);
  EXPECT_EQ(valuesOf<uint16_t>(h),
            (std::vector<uint16_t>{0x3c00, 0xc100, 0x7bff, 0x3800}));

  NpyArray i = load("i32_3x1x2");
  EXPECT_EQ(i.dtype, NpyDType::I32);
  EXPECT_EQ(i.shape, (Shape{3, 1, 2}));
  EXPECT_EQ(valuesOf<int32_t>(i), ramp<int32_t>(6, -3.0, 100.0));

  NpyArray l = load("i64_5");
  EXPECT_EQ(l.dtype, NpyDType::I64);
  EXPECT_EQ(valuesOf<int64_t>(l), ramp<int64_t>(5, 1e12, -2e12));

  NpyArray u = load("u8_2x2");
  EXPECT_EQ(u.dtype, NpyDType::U8);
  EXPECT_EQ(u.bytes, (std::vector<uint8_t>{0, 1, 254, 255}));
  EXPECT_EQ(toDType(u.dtype), std::nullopt);

  NpyArray s8 = load("i8_3");
  EXPECT_EQ(s8.dtype, NpyDType::I8);
  EXPECT_EQ(valuesOf<int8_t>(s8), (std::vector<int8_t>{-128, 0, 127}));

  // Format versions 2.0 (u32 header length) and 3.0 (UTF-8 header).
  for (StringRef v : {"f32_2x3_v2", "f32_2x3_v3"}) {
    NpyArray x = load(v);
    EXPECT_EQ(x.shape, (Shape{2, 3})) << v.str();
    EXPECT_EQ(valuesOf<float>(x), ramp<float>(6, 0.5, -1.0)) << v.str();
  }
}

TEST(Npy, WriterEmitsVersion1WithAlignedData) {
  Expected<std::vector<uint8_t>> e =
      encodeNpy(NpyDType::F32, {2, 3}, bytesOf(ramp<float>(6, 1, 0)));
  ASSERT_TRUE(bool(e));
  const std::vector<uint8_t> &b = *e;
  ASSERT_EQ(b.size(), 128u + 24u); // 71 header bytes round up to 128
  EXPECT_EQ(0, memcmp(b.data(), "\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(b[8] | (b[9] << 8), 128 - 10);
  std::string header(b.begin() + 10, b.begin() + 128);
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': "
                     "(2, 3), }";
  EXPECT_EQ(header.substr(0, dict.size()), dict);
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(header.find_first_not_of(' ', dict.size()), header.size() - 1);

  // One-element shapes need the trailing comma; scalars are ().
  auto one = encodeNpy(NpyDType::I8, {7}, std::vector<uint8_t>(7));
  ASSERT_TRUE(bool(one));
  EXPECT_NE(std::string(one->begin(), one->end()).find("'shape': (7,), }"),
            std::string::npos);
  auto scalar = encodeNpy(NpyDType::I64, {}, std::vector<uint8_t>(8));
  ASSERT_TRUE(bool(scalar));
  EXPECT_NE(std::string(scalar->begin(), scalar->end()).find("'shape': (), }"),
            std::string::npos);
  EXPECT_EQ(scalar->size() % 64, 8u);
}

TEST(Npy, RoundTripsEveryDType) {
  SmallString<128> dir;
  ASSERT_FALSE(sys::fs::createUniqueDirectory("tlc-npy", dir));
  struct Case {
    NpyDType dtype;
    Shape shape;
  };
  for (Case c : {Case{NpyDType::F32, {1, 3, 4, 5}}, Case{NpyDType::F16, {9}},
                 Case{NpyDType::I32, {2, 2}}, Case{NpyDType::I64, {}},
                 Case{NpyDType::U8, {3, 1}}, Case{NpyDType::I8, {1}}}) {
    size_t n = size_t(TensorType{DType::F32, c.shape}.numElements()) *
               npyDTypeBytes(c.dtype);
    std::vector<uint8_t> data(n);
    for (size_t i = 0; i < n; ++i)
      data[i] = uint8_t(i * 37 + 11);
    std::string path = (dir + "/a.npy").str();
    ASSERT_EQ(errText(writeNpy(path, c.dtype, c.shape, data)), "");
    Expected<NpyArray> a = readNpy(path);
    ASSERT_TRUE(bool(a)) << toString(a.takeError());
    EXPECT_EQ(a->dtype, c.dtype);
    EXPECT_EQ(a->shape, c.shape);
    EXPECT_EQ(a->bytes, data);
  }
  sys::fs::remove_directories(dir);
}

TEST(Npy, WriterErrors) {
  std::string msg = errText(writeNpy("/tmp/tlc-never.npy", NpyDType::F32,
                                     {2, 2}, std::vector<uint8_t>(12)));
  EXPECT_NE(msg.find("/tmp/tlc-never.npy: 12 bytes of data but shape (2, 2) "
                     "of '<f4' needs 16 bytes"),
            std::string::npos)
      << msg;
  EXPECT_FALSE(sys::fs::exists("/tmp/tlc-never.npy"));
  msg = errText(writeNpy("/tmp/tlc-never.npy", NpyDType::F32, {2, 0}, {}));
  EXPECT_NE(msg.find("dimension 1 is 0"), std::string::npos) << msg;
}

TEST(Npy, TruncationsAreRejectedAndCorruptionNeverCrashes) {
  Expected<std::vector<uint8_t>> good =
      encodeNpy(NpyDType::I32, {3, 2}, bytesOf(ramp<int32_t>(6, 1, 0)));
  ASSERT_TRUE(bool(good));
  for (size_t len = 0; len < good->size(); ++len) {
    auto r = readNpyBytes(makeArrayRef(*good).take_front(len), "m.npy");
    ASSERT_FALSE(bool(r)) << "length " << len << " accepted";
    std::string msg = toString(r.takeError());
    EXPECT_EQ(msg.rfind("m.npy: ", 0), 0u) << msg;
  }
  for (size_t i = 0; i < good->size(); ++i)
    for (unsigned x : {0x01u, 0x20u, 0x80u, 0xffu}) {
      std::vector<uint8_t> bad = *good;
      bad[i] ^= uint8_t(x);
      auto r = readNpyBytes(bad, "m.npy");
      if (!r) {
        consumeError(r.takeError());
        continue;
      }
      EXPECT_EQ(r->bytes.size(),
                size_t(TensorType{DType::F32, r->shape}.numElements()) *
                    npyDTypeBytes(r->dtype));
    }
}

} // namespace
