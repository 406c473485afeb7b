// ONNX ArgMax and ArgMin (ops/ArgMax.cpp). The input is viewed as
// [outer, L, inner]; invocation r (of TOTAL = outer * inner) scans the L
// elements from (r / INNER) * L * INNER + r % INNER with stride INNER and
// writes the index of the largest (IS_MIN: smallest) one as an i64: two
// 32-bit words, little-endian, the high one 0. Ties go to the first index,
// or the last with SELECT_LAST.
// Specialization constants: 0 = TOTAL, 1 = L, 2 = INNER, 3 = IS_MIN,
// 4 = SELECT_LAST.
// Bindings: 0 = X, 1 = Y (i64).
// argmax_f16: X in fp16 storage (shaders/storage.glsl).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 64) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(1, L, 1) X(2, INNER, 1)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(constant_id = 3) const uint IS_MIN = 0u;
layout(constant_id = 4) const uint SELECT_LAST = 0u;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { uint y[]; };

void main() {
  uint r = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (r >= TOTAL) return;
  uint base = (r / INNER) * L * INNER + r % INNER;
  float best = float(x[base]);
  uint at = 0u;
  for (uint l = 1u; l < L; ++l) {
    float v = float(x[base + l * INNER]);
    // Compared as "v better than best" (or as good, for the last index).
    float a = IS_MIN != 0u ? best : v, b = IS_MIN != 0u ? v : best;
    if (a > b || (SELECT_LAST != 0u && a == b)) {
      best = v;
      at = l;
    }
  }
  y[2u * r] = at;
  y[2u * r + 1u] = 0u;
}
