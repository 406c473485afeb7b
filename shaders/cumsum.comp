// ONNX CumSum (ops/CumSum.cpp). The input is viewed as [outer, L, inner];
// invocation r (of LINES = outer * inner) scans the L elements from
// (r / INNER) * L * INNER + r % INNER with stride INNER in f32, forwards or
// (REVERSE) backwards, writing each running sum after (inclusive) or before
// (EXCLUSIVE) adding its element.
// Specialization constants: 0 = LINES, 1 = L, 2 = INNER, 3 = EXCLUSIVE,
// 4 = REVERSE, 5 = INT (0 f32; 1 i32 and 2 i64, in the f32 build only: the
// elements' words move through the float buffers bit for bit, i64 as two
// words, low first, summed with carry, wrapping).
// Bindings: 0 = X, 1 = Y.
// cumsum_f16: fp16 storage (shaders/storage.glsl), f32 sums.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 64) in;
#define TLC_DIMS(X) X(0, LINES, 1) X(1, L, 1) X(2, INNER, 1)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(constant_id = 3) const uint EXCLUSIVE = 0u;
layout(constant_id = 4) const uint REVERSE = 0u;
layout(constant_id = 5) const uint INT = 0u;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };

#ifndef TLC_F16
// The integer scan: the running sum as (lo, hi) words.
void scanInts(uint base) {
  uvec2 sum = uvec2(0u);
  for (uint j = 0u; j < L; ++j) {
    uint at = base + (REVERSE != 0u ? L - 1u - j : j) * INNER;
    uvec2 v = INT == 1u ? uvec2(floatBitsToUint(x[at]), 0u)
                        : uvec2(floatBitsToUint(x[2u * at]),
                                floatBitsToUint(x[2u * at + 1u]));
    uvec2 before = sum;
    uint carry;
    sum.x = uaddCarry(sum.x, v.x, carry);
    sum.y += v.y + carry;
    uvec2 w = EXCLUSIVE != 0u ? before : sum;
    if (INT == 1u) {
      y[at] = uintBitsToFloat(w.x);
    } else {
      y[2u * at] = uintBitsToFloat(w.x);
      y[2u * at + 1u] = uintBitsToFloat(w.y);
    }
  }
}
#endif

void main() {
  uint r = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (r >= LINES) return;
  uint base = (r / INNER) * L * INNER + r % INNER;
#ifndef TLC_F16
  if (INT != 0u) {
    scanInts(base);
    return;
  }
#endif
  float sum = 0.0;
  for (uint j = 0u; j < L; ++j) {
    uint l = REVERSE != 0u ? L - 1u - j : j;
    uint at = base + l * INNER;
    float v = float(x[at]);
    if (EXCLUSIVE != 0u) {
      y[at] = STORE(sum);
      sum += v;
    } else {
      sum += v;
      y[at] = STORE(sum);
    }
  }
}
