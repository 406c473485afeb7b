// Elementwise unary ops: y[i] = f(x[i]).
// Specialization constants: 0 = element count, 1 = operation (ops/Unary.h),
// 2 and 3 = float parameters P0, P1 as IEEE-754 bit patterns (HardSigmoid's
// alpha and beta), 4 = VEC4 (1: the count is a multiple of 4 and every
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
  if (OP == 1u) v = max(v, vec4(0.0));
  else if (OP == 2u) v = 1.0 / (1.0 + exp(-v));
  else if (OP == 3u)
    v = clamp(uintBitsToFloat(P0_BITS) * v + uintBitsToFloat(P1_BITS), 0.0, 1.0);
  else if (OP == 4u) v = v * clamp(v / 6.0 + 0.5, 0.0, 1.0);
  else if (OP == 5u) v = sqrt(v);
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
