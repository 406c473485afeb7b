// StorageCast (ops/StorageCast.cpp): converts a tensor between f32 and
// binary16 storage at the edges of the fp16 part of a plan. This build reads
// f32 and writes f16 (round to nearest even, the Vulkan rule for
// OpFConvert); the `to_f32` build reads f16 and writes f32 (exact).
// VEC4 (constant 1) = 1 when N is a multiple of 4: each invocation converts 4
// consecutive elements. Bindings: 0 = X, 1 = Y.
// tlc-variant: to_f32 TO_F32
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_16bit_storage : require
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, N, 1)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(constant_id = 1) const uint VEC4 = 0;
#ifdef TO_F32
#define IN_T float16_t
#define IN4_T f16vec4
#define OUT_T float
#define OUT4_T vec4
#else
#define IN_T float
#define IN4_T vec4
#define OUT_T float16_t
#define OUT4_T f16vec4
#endif
layout(set = 0, binding = 0) readonly buffer XBuf { IN_T x[]; };
layout(set = 0, binding = 1) writeonly buffer YBuf { OUT_T y[]; };
layout(set = 0, binding = 0) readonly buffer XBuf4 { IN4_T x4[]; };
layout(set = 0, binding = 1) writeonly buffer YBuf4 { OUT4_T y4[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (VEC4 != 0u) {
    if (i < N / 4u) y4[i] = OUT4_T(x4[i]);
  } else if (i < N) {
    y[i] = OUT_T(x[i]);
  }
}
