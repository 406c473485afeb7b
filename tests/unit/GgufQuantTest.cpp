//===- tests/unit/GgufQuantTest.cpp - ggml block formats, by hand ---------===//
//
// Q8_0, Q4_0 and Q6_K blocks built byte by byte with known values, decoded
// by ir/GgufQuant.cpp, and every element compared with the value it must
// have. The Q6_K blocks are packed the way ggml's quantizer packs them
// (src/ggml-quants.c, quantize_row_q6_K_ref: in each half of 128, ql[l]
// takes values l and l+64, ql[l+32] values l+32 and l+96, qh[l] the high
// bits of all four), a different statement of the layout than the decoder's
// per-element formula. Also: bf16 rounding, and the naive quantizers.
//
//===----------------------------------------------------------------------===//
#include "ir/GgufQuant.h"
#include "ir/Half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

using namespace llvm;
using namespace tlc;

namespace {

void putHalf(uint8_t *p, uint16_t h) {
  p[0] = uint8_t(h & 0xff);
  p[1] = uint8_t(h >> 8);
}

GgufTensor tensorOver(const std::vector<uint8_t> &bytes, GgmlType type,
                      uint64_t elems) {
  GgufTensor t;
  t.name = "t";
  t.type = type;
  t.dims = {elems};
  t.numElements = elems;
  t.numBytes = bytes.size();
  t.data = bytes;
  return t;
}

TEST(GgufQuantTest, Q8_0BlockByHand) {
  uint8_t block[34];
  putHalf(block, 0x3800); // 0.5
  for (int i = 0; i < 32; ++i)
    block[2 + i] = uint8_t(int8_t(i - 16));
  float out[32];
  dequantizeQ8_0Block(block, out);
  for (int i = 0; i < 32; ++i)
    EXPECT_EQ(out[i], 0.5f * float(i - 16)) << "element " << i;
  block[2] = uint8_t(int8_t(-128)); // the full int8 range is decoded
  dequantizeQ8_0Block(block, out);
  EXPECT_EQ(out[0], -64.0f);
}

TEST(GgufQuantTest, Q4_0BlockByHand) {
  uint8_t block[18];
  putHalf(block, 0x3400); // 0.25
  // Byte j: low nibble j (element j), high nibble 15 - j (element j + 16).
  for (int j = 0; j < 16; ++j)
    block[2 + j] = uint8_t(j | ((15 - j) << 4));
  float out[32];
  dequantizeQ4_0Block(block, out);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 0.25f * float(j - 8)) << "element " << j;
    EXPECT_EQ(out[j + 16], 0.25f * float(7 - j)) << "element " << j + 16;
  }
}

/// One Q6_K super-block of the 6-bit codes \p L (0..63), \p scales, \p d,
/// packed as ggml's quantize_row_q6_K_ref packs them.
std::vector<uint8_t> packQ6_K(const uint8_t L[256], const int8_t scales[16],
                              uint16_t d) {
  std::vector<uint8_t> b(210, 0);
  uint8_t *ql = b.data(), *qh = b.data() + 128;
  for (int j = 0; j < 256; j += 128) {
    for (int l = 0; l < 32; ++l) {
      ql[l] = uint8_t((L[j + l] & 0xf) | ((L[j + l + 64] & 0xf) << 4));
      ql[l + 32] = uint8_t((L[j + l + 32] & 0xf) | ((L[j + l + 96] & 0xf) << 4));
      qh[l] = uint8_t((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
                      ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
    }
    ql += 64;
    qh += 32;
  }
  std::memcpy(b.data() + 192, scales, 16);
  putHalf(b.data() + 208, d);
  return b;
}

TEST(GgufQuantTest, Q6_KBlockByHand) {
  uint8_t L[256];
  for (int i = 0; i < 256; ++i)
    L[i] = uint8_t((i * 5 + 3) % 64);
  int8_t scales[16];
  for (int s = 0; s < 16; ++s)
    scales[s] = int8_t(s * 3 - 20);
  std::vector<uint8_t> block = packQ6_K(L, scales, 0x3000); // d = 0.125
  float out[256];
  dequantizeQ6_KBlock(block.data(), out);
  for (int i = 0; i < 256; ++i)
    EXPECT_EQ(out[i], 0.125f * float(scales[i / 16]) * float(L[i] - 32))
        << "element " << i;
  // Spot checks written out: element 0 has code 3, scale -20; element 255
  // has code (255*5+3) % 64 = 62, scale 25.
  EXPECT_EQ(out[0], 0.125f * -20 * (3 - 32));
  EXPECT_EQ(out[255], 0.125f * 25 * (62 - 32));
}

TEST(GgufQuantTest, Q6_KExtremesAndSecondBlock) {
  uint8_t L0[256], L1[256];
  int8_t s0[16], s1[16];
  for (int i = 0; i < 256; ++i) {
    L0[i] = i % 2 ? 63 : 0; // codes -32 and +31
    L1[i] = uint8_t(255 - i) % 64;
  }
  for (int s = 0; s < 16; ++s) {
    s0[s] = s % 2 ? 127 : -128;
    s1[s] = int8_t(s);
  }
  std::vector<uint8_t> bytes = packQ6_K(L0, s0, 0x3c00); // d = 1
  std::vector<uint8_t> b1 = packQ6_K(L1, s1, 0xb800);    // d = -0.5
  bytes.insert(bytes.end(), b1.begin(), b1.end());
  Expected<std::vector<float>> v =
      dequantize(tensorOver(bytes, GgmlType::Q6_K, 512));
  ASSERT_TRUE(bool(v)) << toString(v.takeError());
  for (int i = 0; i < 256; ++i) {
    EXPECT_EQ((*v)[i], float(s0[i / 16]) * float(int(L0[i]) - 32)) << i;
    EXPECT_EQ((*v)[256 + i], -0.5f * float(s1[i / 16]) * float(int(L1[i]) - 32))
        << 256 + i;
  }
}

TEST(GgufQuantTest, DequantizeChecksTheDataSize) {
  std::vector<uint8_t> bytes(33);
  Expected<std::vector<float>> v =
      dequantize(tensorOver(bytes, GgmlType::Q8_0, 32));
  ASSERT_FALSE(bool(v));
  EXPECT_NE(toString(v.takeError()).find("33 data bytes for 32 elements of "
                                         "Q8_0; expected 34"),
            std::string::npos);
}

TEST(GgufQuantTest, UnsupportedTypeIsNamed) {
  std::vector<uint8_t> bytes(176);
  GgufTensor t = tensorOver(bytes, GgmlType::Q5_K, 256);
  t.name = "blk.0.ffn_up.weight";
  Expected<std::vector<float>> v = dequantize(t);
  ASSERT_FALSE(bool(v));
  EXPECT_EQ(toString(v.takeError()),
            "tensor 'blk.0.ffn_up.weight' has type Q5_K (13), which tlc does "
            "not support; supported: F32, F16, BF16, Q8_0, Q4_0, Q6_K");
}

TEST(GgufQuantTest, Bf16RoundsToNearestEven) {
  auto bits = [](float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    return x;
  };
  auto fromBits = [](uint32_t x) {
    float f;
    std::memcpy(&f, &x, 4);
    return f;
  };
  EXPECT_EQ(floatToBf16(1.0f), 0x3f80);
  EXPECT_EQ(floatToBf16(1.0f / 3.0f), 0x3eab); // 0x3eaaaaab rounds up
  EXPECT_EQ(floatToBf16(fromBits(0x3f808000)), 0x3f80); // tie, even below
  EXPECT_EQ(floatToBf16(fromBits(0x3f818000)), 0x3f82); // tie, even above
  EXPECT_EQ(floatToBf16(fromBits(0x7f7fffff)), 0x7f80); // max -> inf
  EXPECT_EQ(floatToBf16(-INFINITY), 0xff80);
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(NAN))));
  EXPECT_EQ(bits(bf16ToFloat(0xc040)), 0xc0400000u); // -3
}

TEST(GgufQuantTest, Q8_0QuantizerIsExactOnItsGrid) {
  // max |x| = 127 gives d = 1 exactly: integers come back exactly.
  std::vector<float> x(64);
  for (int i = 0; i < 64; ++i)
    x[i] = float((i * 37) % 255 - 127);
  x[5] = 127;
  x[40] = -127;
  Expected<std::vector<uint8_t>> q = quantizeQ8_0(x);
  ASSERT_TRUE(bool(q)) << toString(q.takeError());
  ASSERT_EQ(q->size(), 68u);
  EXPECT_EQ((*q)[0] | ((*q)[1] << 8), 0x3c00); // d = 1.0
  Expected<std::vector<float>> back =
      dequantize(tensorOver(*q, GgmlType::Q8_0, 64));
  ASSERT_TRUE(bool(back));
  for (int i = 0; i < 64; ++i)
    EXPECT_EQ((*back)[i], x[i]) << i;
}

TEST(GgufQuantTest, Q4_0QuantizerIsExactOnItsGrid) {
  // The largest magnitude is -8: d = 1, and -8..7 come back exactly.
  std::vector<float> x(32);
  for (int i = 0; i < 32; ++i)
    x[i] = float(i % 16 - 8);
  Expected<std::vector<uint8_t>> q = quantizeQ4_0(x);
  ASSERT_TRUE(bool(q)) << toString(q.takeError());
  EXPECT_EQ((*q)[0] | ((*q)[1] << 8), 0x3c00);
  EXPECT_EQ((*q)[2], 0x00); // elements 0 and 16: nibbles 0 and 0
  Expected<std::vector<float>> back =
      dequantize(tensorOver(*q, GgmlType::Q4_0, 32));
  ASSERT_TRUE(bool(back));
  for (int i = 0; i < 32; ++i)
    EXPECT_EQ((*back)[i], x[i]) << i;
}

TEST(GgufQuantTest, QuantizersStayWithinHalfAStep) {
  std::vector<float> x(256);
  for (int i = 0; i < 256; ++i)
    x[i] = std::sin(0.37f * float(i)) * float(1 + i % 7);
  for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q4_0}) {
    Expected<std::vector<uint8_t>> q = encodeGgmlValues(t, x);
    ASSERT_TRUE(bool(q));
    Expected<std::vector<float>> back = dequantize(tensorOver(*q, t, 256));
    ASSERT_TRUE(bool(back));
    unsigned blockBytes = t == GgmlType::Q8_0 ? 34 : 18;
    for (int i = 0; i < 256; ++i) {
      const uint8_t *blk = q->data() + (i / 32) * blockBytes;
      float d = std::fabs(halfToFloat(uint16_t(blk[0] | (blk[1] << 8))));
      // Half a step, plus the clamp at +7 steps for Q4_0 (one more step).
      float bound = t == GgmlType::Q8_0 ? 0.5f * d * 1.01f : d * 1.01f;
      EXPECT_LE(std::fabs((*back)[i] - x[i]), bound)
          << ggmlTypeDescription(uint32_t(t)) << " element " << i;
    }
  }
}

TEST(GgufQuantTest, QuantizerErrors) {
  std::vector<float> x(33, 1.0f);
  Expected<std::vector<uint8_t>> q = quantizeQ8_0(x);
  ASSERT_FALSE(bool(q));
  EXPECT_NE(toString(q.takeError()).find("33 values are not a whole number"),
            std::string::npos);
  x.resize(32);
  x[3] = NAN;
  q = quantizeQ4_0(x);
  ASSERT_FALSE(bool(q));
  EXPECT_NE(toString(q.takeError()).find("value 3 is not finite"),
            std::string::npos);
  x[3] = 1e10f;
  q = quantizeQ8_0(x);
  ASSERT_FALSE(bool(q));
  EXPECT_NE(toString(q.takeError()).find("block 0: the scale overflows "
                                         "float16"),
            std::string::npos);
  Expected<std::vector<uint8_t>> k = encodeGgmlValues(GgmlType::Q6_K, x);
  ASSERT_FALSE(bool(k));
  EXPECT_NE(toString(k.takeError()).find("cannot encode values as Q6_K (14)"),
            std::string::npos);
}

} // namespace
