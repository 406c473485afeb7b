// Elementwise transcendental functions that shaders/unary.comp lacks
// (ops/Tanh.cpp, ops/Erf.cpp): y[i] = f(x[i]).
// Specialization constants: 0 = element count, 1 = function: 0 tanh, 1 erf.
// tanh: GLSL's tanh on x clamped to [-15, 15] (tanh(15) rounds to 1.0 in
// f32; the clamp keeps exp() inside the builtin from overflowing to inf/inf).
// erf: Abramowitz & Stegun, Handbook of Mathematical Functions (1964),
// formula 7.1.26, |error| <= 1.5e-7, made odd for x < 0.
// Bindings: 0 = X, 1 = Y.
// unary_math_f16: fp16 storage (shaders/storage.glsl), f32 arithmetic.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, N, 1)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(constant_id = 1) const uint FN = 0;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };

#include "erf.glsl"

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= N) return;
  float v = float(x[i]);
  if (FN == 0u) v = tanh(clamp(v, -15.0, 15.0));
  else v = erfApprox(v);
  y[i] = STORE(v);
}
