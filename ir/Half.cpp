//===- ir/Half.cpp - IEEE 754 binary16 conversions ------------------------===//
//
// Bit-level conversion; tests/unit/HalfTest.cpp checks it against LLVM's
// APFloat on every binary16 and on f32 values around each rounding boundary.
//
//===----------------------------------------------------------------------===//
#include "ir/Half.h"

#include <cstring>

namespace tlc {

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  uint16_t sign = uint16_t((x >> 16) & 0x8000u);
  uint32_t exp = (x >> 23) & 0xffu;
  uint32_t frac = x & 0x7fffffu;
  if (exp == 0xffu) // infinity, or NaN kept quiet
    return uint16_t(sign | 0x7c00u | (frac ? 0x200u | (frac >> 13) : 0u));
  int32_t e = int32_t(exp) - 127 + 15; // binary16 biased exponent
  if (e >= 31)
    return uint16_t(sign | 0x7c00u);
  uint32_t mant = frac | 0x800000u; // 24 significant bits
  uint32_t shift;                   // bits dropped from mant
  if (e <= 0) {
    if (e < -10) // below half the smallest subnormal (2^-25): zero
      return sign;
    shift = uint32_t(14 - e); // subnormal: 13 + (1 - e)
    e = 0;
  } else {
    shift = 13;
    mant &= 0x7fffffu; // the implicit bit goes to the exponent field
  }
  uint32_t kept = mant >> shift;
  uint32_t rest = mant & ((1u << shift) - 1u);
  uint32_t half = 1u << (shift - 1);
  uint32_t h = (uint32_t(e) << 10) + kept;
  // Round to nearest, ties to even; a carry out of the fraction correctly
  // bumps the exponent (up to infinity).
  if (rest > half || (rest == half && (kept & 1u)))
    ++h;
  return uint16_t(sign | h);
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t frac = h & 0x3ffu;
  uint32_t x;
  if (exp == 0x1fu) {
    x = sign | 0x7f800000u | (frac << 13);
  } else if (exp != 0) {
    x = sign | ((exp - 15 + 127) << 23) | (frac << 13);
  } else if (frac == 0) {
    x = sign;
  } else { // subnormal: normalize
    int e = -1;
    do {
      frac <<= 1;
      ++e;
    } while (!(frac & 0x400u));
    x = sign | (uint32_t(127 - 15 - e) << 23) | ((frac & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &x, sizeof f);
  return f;
}

} // namespace tlc
