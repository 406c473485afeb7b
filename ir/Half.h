//===- ir/Half.h - IEEE 754 binary16 conversions -----------------*- C++ -*-===//
//
// `--precision=fp16` stores float tensors as IEEE 754-2008 binary16 (1 sign,
// 5 exponent, 10 fraction bits). Weights are converted once, at compile
// time, with these functions; the shaders convert with the hardware's
// OpFConvert, which Vulkan requires to round to nearest even as well
// (Vulkan 1.3 spec, "Precision and Operation of SPIR-V Instructions").
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_HALF_H
#define TLC_IR_HALF_H

#include <cstdint>

namespace tlc {

/// Largest finite binary16 value, 65504.
constexpr float kHalfMax = 65504.0f;

/// The binary16 nearest to \p f, ties to even (IEEE 754-2008 section 4.3.1):
/// magnitudes from 65520 up become infinity, below 2^-25 zero (signed);
/// subnormals are produced; NaN stays NaN (quiet, payload truncated).
uint16_t floatToHalf(float f);

/// Exact value of the binary16 \p h as f32 (every binary16 is an f32).
float halfToFloat(uint16_t h);

/// \p f rounded to binary16 and back: what an fp16 tensor holds for f.
inline float roundToHalf(float f) { return halfToFloat(floatToHalf(f)); }

} // namespace tlc

#endif // TLC_IR_HALF_H
