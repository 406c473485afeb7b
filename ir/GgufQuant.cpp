//===- ir/GgufQuant.cpp - ggml types decoded on the CPU -------------------===//
//
// Written from the block layouts of ggml's src/ggml-common.h and the
// element order of src/ggml-quants.c (dequantize_row_q8_0, _q4_0, _q6_K);
// docs/gguf.md restates them. One element at a time, for clarity: this is
// the reference, not the fast path.
//
//===----------------------------------------------------------------------===//
#include "ir/GgufQuant.h"
#include "ir/Half.h"

#include "llvm/Support/Endian.h"

#include <cassert>
#include <cmath>
#include <cstring>

using namespace llvm;

namespace tlc {

namespace {

constexpr unsigned kQ8_0Bytes = 34, kQ4_0Bytes = 18;

uint16_t le16(const uint8_t *p) { return support::endian::read16le(p); }

void putLe16(std::vector<uint8_t> &out, uint16_t v) {
  out.push_back(uint8_t(v & 0xff));
  out.push_back(uint8_t(v >> 8));
}

Error quantError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg.str());
}

/// Checks \p x for quantizing in blocks of 32.
Error checkQuantInput(ArrayRef<float> x, StringRef type) {
  if (x.size() % 32 != 0)
    return quantError(Twine(type) + ": " + Twine(x.size()) +
                      " values are not a whole number of 32-value blocks");
  for (size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]))
      return quantError(Twine(type) + ": value " + Twine(i) +
                        " is not finite");
  return Error::success();
}

/// The f16 scale \p d as stored, and as f32; errors when it overflows f16.
Expected<uint16_t> halfScale(float d, StringRef type, size_t block) {
  uint16_t h = floatToHalf(d);
  if (std::isinf(halfToFloat(h)))
    return quantError(Twine(type) + ": block " + Twine(block) +
                      ": the scale overflows float16");
  return h;
}

} // namespace

float bf16ToFloat(uint16_t h) {
  uint32_t x = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

uint16_t floatToBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) // NaN: keep it a quiet NaN
    return uint16_t((x >> 16) | 0x40u);
  // Round to nearest, ties to even: add 0x7fff plus the kept LSB.
  return uint16_t((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

void dequantizeQ8_0Block(const uint8_t *block, float *out) {
  float d = halfToFloat(le16(block));
  for (unsigned i = 0; i < 32; ++i)
    out[i] = d * float(int8_t(block[2 + i]));
}

void dequantizeQ4_0Block(const uint8_t *block, float *out) {
  float d = halfToFloat(le16(block));
  const uint8_t *qs = block + 2;
  for (unsigned i = 0; i < 32; ++i) {
    int nibble = i < 16 ? qs[i] & 0x0f : qs[i - 16] >> 4;
    out[i] = float(nibble - 8) * d;
  }
}

void dequantizeQ6_KBlock(const uint8_t *block, float *out) {
  const uint8_t *ql = block;       // [128]
  const uint8_t *qh = block + 128; // [64]
  const int8_t *scales = reinterpret_cast<const int8_t *>(block + 192); // [16]
  float d = halfToFloat(le16(block + 208));
  // Element i lies in half h = i / 128 of the super-block, in quarter
  // k = (i % 128) / 32 of that half, at position l = i % 32. Its low 4 bits
  // are the low (k < 2) or high (k >= 2) nibble of ql[64h + 32(k % 2) + l],
  // its high 2 bits are bits 2k, 2k+1 of qh[32h + l], and its scale is
  // scales[i / 16] (ggml-quants.c, dequantize_row_q6_K).
  for (unsigned i = 0; i < 256; ++i) {
    unsigned h = i / 128, k = (i % 128) / 32, l = i % 32;
    uint8_t lowByte = ql[64 * h + 32 * (k % 2) + l];
    unsigned low = k < 2 ? lowByte & 0x0f : lowByte >> 4;
    unsigned high = (qh[32 * h + l] >> (2 * k)) & 3;
    int q = int(low | (high << 4)) - 32;
    out[i] = d * float(scales[i / 16]) * float(q);
  }
}

std::optional<uint64_t> quantizedRowBytes(GgmlType type, int64_t k) {
  if (type != GgmlType::Q8_0 && type != GgmlType::Q4_0 &&
      type != GgmlType::Q6_K)
    return std::nullopt;
  const GgmlTypeInfo *info = ggmlTypeInfo(uint32_t(type));
  if (k < 1 || k % info->blockElems != 0)
    return std::nullopt;
  return uint64_t(k) / info->blockElems * info->blockBytes;
}

std::optional<uint64_t> quantizedRowStride(GgmlType type, int64_t k) {
  std::optional<uint64_t> bytes = quantizedRowBytes(type, k);
  if (!bytes)
    return std::nullopt;
  return (*bytes + 3) / 4 * 4;
}

Expected<std::vector<uint8_t>> padQuantizedRows(GgmlType type, int64_t rows,
                                                int64_t k,
                                                ArrayRef<uint8_t> data) {
  std::optional<uint64_t> bytes = quantizedRowBytes(type, k);
  if (!bytes)
    return quantError("rows of " + Twine(k) + " values of " +
                      ggmlTypeDescription(uint32_t(type)) +
                      " cannot be kept quantized: expected Q8_0, Q4_0 or "
                      "Q6_K and a row length that is a multiple of the block");
  if (rows < 0 || uint64_t(rows) * *bytes != data.size())
    return quantError(Twine(data.size()) + " bytes for " + Twine(rows) +
                      " rows of " + Twine(*bytes) + " bytes");
  uint64_t stride = *quantizedRowStride(type, k);
  if (stride == *bytes)
    return std::vector<uint8_t>(data.begin(), data.end());
  std::vector<uint8_t> out(size_t(uint64_t(rows) * stride), 0);
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(out.data() + uint64_t(r) * stride,
                data.data() + uint64_t(r) * *bytes, size_t(*bytes));
  return out;
}

Error checkTlcSupports(const GgufTensor &t) {
  if (ggmlTypeSupportedByTlc(t.type))
    return Error::success();
  return createStringError(
      inconvertibleErrorCode(),
      "tensor '%s' has type %s, which tlc does not support; supported: %s",
      t.name.c_str(), ggmlTypeDescription(uint32_t(t.type)).c_str(),
      ggmlTypesSupportedByTlc().str().c_str());
}

Expected<std::vector<float>> dequantize(const GgufTensor &t) {
  if (Error e = checkTlcSupports(t))
    return std::move(e);
  const GgmlTypeInfo *info = ggmlTypeInfo(uint32_t(t.type));
  if (t.numElements % info->blockElems != 0 ||
      t.numElements / info->blockElems * info->blockBytes != t.numBytes ||
      t.data.size() != t.numBytes)
    return createStringError(
        inconvertibleErrorCode(),
        "tensor '%s': %zu data bytes for %llu elements of %s; expected "
        "%llu",
        t.name.c_str(), t.data.size(), (unsigned long long)t.numElements,
        info->name.str().c_str(),
        (unsigned long long)(t.numElements / info->blockElems *
                             info->blockBytes));
  std::vector<float> out(t.numElements);
  const uint8_t *p = t.data.data();
  uint64_t blocks = t.numElements / info->blockElems;
  for (uint64_t b = 0; b < blocks; ++b, p += info->blockBytes) {
    float *y = out.data() + b * info->blockElems;
    switch (t.type) {
    case GgmlType::F32: {
      uint32_t x = support::endian::read32le(p);
      std::memcpy(y, &x, 4);
      break;
    }
    case GgmlType::F16: *y = halfToFloat(le16(p)); break;
    case GgmlType::BF16: *y = bf16ToFloat(le16(p)); break;
    case GgmlType::Q8_0: dequantizeQ8_0Block(p, y); break;
    case GgmlType::Q4_0: dequantizeQ4_0Block(p, y); break;
    case GgmlType::Q6_K: dequantizeQ6_KBlock(p, y); break;
    default: break; // refused by checkTlcSupports
    }
  }
  return out;
}

void dequantizeQuantizedRow(GgmlType type, const uint8_t *row, int64_t k,
                            float *out) {
  assert((type == GgmlType::Q8_0 || type == GgmlType::Q4_0 ||
          type == GgmlType::Q6_K) &&
         "not a block-quantized type");
  const GgmlTypeInfo *info = ggmlTypeInfo(uint32_t(type));
  for (int64_t b = 0; b < k / int64_t(info->blockElems); ++b) {
    const uint8_t *block = row + b * info->blockBytes;
    float *dst = out + b * info->blockElems;
    if (type == GgmlType::Q8_0)
      dequantizeQ8_0Block(block, dst);
    else if (type == GgmlType::Q4_0)
      dequantizeQ4_0Block(block, dst);
    else
      dequantizeQ6_KBlock(block, dst);
  }
}

Expected<std::vector<uint8_t>> quantizeQ8_0(ArrayRef<float> x) {
  if (Error e = checkQuantInput(x, "Q8_0"))
    return std::move(e);
  std::vector<uint8_t> out;
  out.reserve(x.size() / 32 * kQ8_0Bytes);
  for (size_t b = 0; b < x.size() / 32; ++b) {
    ArrayRef<float> v = x.slice(b * 32, 32);
    float amax = 0;
    for (float f : v)
      amax = std::max(amax, std::fabs(f));
    Expected<uint16_t> dh = halfScale(amax / 127.0f, "Q8_0", b);
    if (!dh)
      return dh.takeError();
    float d = halfToFloat(*dh);
    putLe16(out, *dh);
    for (float f : v) {
      float q = d == 0 ? 0.0f : std::round(f / d);
      out.push_back(uint8_t(int8_t(std::min(127.0f, std::max(-127.0f, q)))));
    }
  }
  return out;
}

Expected<std::vector<uint8_t>> quantizeQ4_0(ArrayRef<float> x) {
  if (Error e = checkQuantInput(x, "Q4_0"))
    return std::move(e);
  std::vector<uint8_t> out;
  out.reserve(x.size() / 32 * kQ4_0Bytes);
  for (size_t b = 0; b < x.size() / 32; ++b) {
    ArrayRef<float> v = x.slice(b * 32, 32);
    float m = 0;
    for (float f : v)
      if (std::fabs(f) > std::fabs(m))
        m = f;
    Expected<uint16_t> dh = halfScale(m / -8.0f, "Q4_0", b);
    if (!dh)
      return dh.takeError();
    float d = halfToFloat(*dh);
    putLe16(out, *dh);
    uint8_t q[32];
    for (unsigned i = 0; i < 32; ++i) {
      float n = d == 0 ? 8.0f : std::round(v[i] / d) + 8.0f;
      q[i] = uint8_t(std::min(15.0f, std::max(0.0f, n)));
    }
    for (unsigned i = 0; i < 16; ++i)
      out.push_back(uint8_t(q[i] | (q[i + 16] << 4)));
  }
  return out;
}

Expected<std::vector<uint8_t>> encodeGgmlValues(GgmlType type,
                                                ArrayRef<float> x) {
  std::vector<uint8_t> out;
  switch (type) {
  case GgmlType::F32:
    for (float f : x) {
      uint32_t b;
      std::memcpy(&b, &f, 4);
      for (unsigned k = 0; k < 4; ++k)
        out.push_back(uint8_t(b >> (8 * k)));
    }
    return out;
  case GgmlType::F16:
    for (float f : x)
      putLe16(out, floatToHalf(f));
    return out;
  case GgmlType::BF16:
    for (float f : x)
      putLe16(out, floatToBf16(f));
    return out;
  case GgmlType::Q8_0: return quantizeQ8_0(x);
  case GgmlType::Q4_0: return quantizeQ4_0(x);
  default:
    return createStringError(inconvertibleErrorCode(),
                             "tlc cannot encode values as %s; it encodes F32, "
                             "F16, BF16, Q8_0 and Q4_0",
                             ggmlTypeDescription(uint32_t(type)).c_str());
  }
}

} // namespace tlc
