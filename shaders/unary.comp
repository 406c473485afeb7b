// Elementwise unary ops: y[i] = f(x[i]).
// Specialization constants: 0 = element count, 1 = operation (ops/Unary.h),
// 2 and 3 = float parameters P0, P1 as IEEE-754 bit patterns (HardSigmoid's
// alpha and beta, the attributes of ops/UnaryMath.cpp), 4 = VEC4 (1: the count is a multiple of 4 and every
// access is a 16-byte vec4, the widest load a GPU coalesces per lane),
// 5 = ITEMS, elements (or vec4s) per invocation, read at a stride of the
// whole grid so that each load instruction stays coalesced across a
// subgroup. The defaults (VEC4 = 0, ITEMS = 1) are one float per invocation.
// x and y may be the same memory (in place): each invocation reads only what
// it writes.
// unary_f16: fp16 storage (shaders/storage.glsl), f32 arithmetic.
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
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 2) const uint P0_BITS = 0;
layout(constant_id = 3) const uint P1_BITS = 0;
layout(constant_id = 4) const uint VEC4 = 0;
layout(constant_id = 5) const uint ITEMS = 1;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };
layout(set = 0, binding = 0) readonly buffer X4 { VEC4_T x4[]; };
layout(set = 0, binding = 1) writeonly buffer Y4 { VEC4_T y4[]; };

vec4 f(vec4 v) {
  const float P0 = uintBitsToFloat(P0_BITS), P1 = uintBitsToFloat(P1_BITS);
  if (OP == 1u) v = max(v, vec4(0.0));
  else if (OP == 2u) v = 1.0 / (1.0 + exp(-v));
  else if (OP == 3u)
    v = clamp(P0 * v + P1, 0.0, 1.0);
  else if (OP == 4u) v = v * clamp(v / 6.0 + 0.5, 0.0, 1.0);
  else if (OP == 5u) v = sqrt(v);
  // 6-33: ops/UnaryMath.cpp
  else if (OP == 6u) v = -v;
  else if (OP == 7u) v = abs(v);
  else if (OP == 8u) v = exp(v);
  else if (OP == 9u) v = log(v);
  else if (OP == 10u) v = 1.0 / v;
  else if (OP == 11u) v = floor(v);
  else if (OP == 12u) v = ceil(v);
  else if (OP == 13u) v = roundEven(v);
  else if (OP == 14u) v = sign(v);
  else if (OP == 15u) v = sin(v);
  else if (OP == 16u) v = cos(v);
  else if (OP == 17u) v = tan(v);
  // asin and acos through two-argument atan: lavapipe's asin is off by 4e-4
  // (the Vulkan spec leaves their precision to the implementation's atan).
  else if (OP == 18u) v = atan(v, sqrt(1.0 - v * v));
  else if (OP == 19u) v = atan(sqrt(1.0 - v * v), v);
  else if (OP == 20u) v = atan(v);
  else if (OP == 21u) v = sinh(v);
  else if (OP == 22u) v = cosh(v);
  else if (OP == 23u) v = asinh(v);
  else if (OP == 24u) v = acosh(v);
  else if (OP == 25u) v = atanh(v);
  else if (OP == 26u) v = v / (1.0 + abs(v));
  else if (OP == 27u)
    v = mix(log(1.0 + exp(min(v, vec4(20.0)))), v, greaterThan(v, vec4(20.0)));
  else if (OP == 28u)
    v = mix(v, P0 * (exp(v) - 1.0), lessThan(v, vec4(0.0)));
  else if (OP == 29u) v = mix(v, P0 * v, lessThan(v, vec4(0.0)));
  else if (OP == 30u)
    v = P1 * mix(v, P0 * exp(v) - P0, lessThanEqual(v, vec4(0.0)));
  else if (OP == 31u) v = mix(vec4(0.0), v, greaterThan(v, vec4(P0)));
  else if (OP == 32u)
    v = max(v, vec4(0.0)) + min(vec4(0.0), P0 * (exp(v / P0) - 1.0));
  else if (OP == 33u)
    v = mix(mix(vec4(0.0), v - P0, greaterThan(v, vec4(P1))), v + P0,
            lessThan(v, vec4(-P1)));
  else if (OP == 34u) v = P0 * v;
  return v;
}

void main() {
  uint first = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  uint stride = gl_NumWorkGroups.x * gl_NumWorkGroups.y * 256u;
  if (VEC4 != 0u) {
    uint n4 = N / 4u;
    for (uint k = 0u; k < ITEMS; ++k) {
      uint i = first + k * stride;
      if (i >= n4) return;
      if (OP == 0u) y4[i] = x4[i];
      else y4[i] = STORE4(f(vec4(x4[i])));
    }
  } else {
    for (uint k = 0u; k < ITEMS; ++k) {
      uint i = first + k * stride;
      if (i >= N) return;
      y[i] = STORE(f(vec4(float(x[i]))).x);
    }
  }
}
