// ONNX CumSum (ops/CumSum.cpp). The input is viewed as [outer, L, inner];
// invocation r (of LINES = outer * inner) scans the L elements from
// (r / INNER) * L * INNER + r % INNER with stride INNER in f32, forwards or
// (REVERSE) backwards, writing each running sum after (inclusive) or before
// (EXCLUSIVE) adding its element.
// Specialization constants: 0 = LINES, 1 = L, 2 = INNER, 3 = EXCLUSIVE,
// 4 = REVERSE.
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
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };

void main() {
  uint r = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (r >= LINES) return;
  uint base = (r / INNER) * L * INNER + r % INNER;
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
