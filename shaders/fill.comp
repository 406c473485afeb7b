// Fills a buffer with a constant (ops/Identity.cpp: Dropout's mask of
// ones, an i64 1 per element): 32-bit word i gets LO when i is even, HI
// when odd, so one pattern covers 32-bit values (LO = HI) and 64-bit ones
// (their low and high words).
// Specialization constants: 0 = N (words), 1 = LO, 2 = HI.
// Bindings: 0 = Y.
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#define TLC_DIMS(X) X(0, N, 1)
#define TLC_DIMS_BINDING 1
#include "dims.glsl"
layout(constant_id = 1) const uint LO = 0u;
layout(constant_id = 2) const uint HI = 0u;
layout(set = 0, binding = 0) writeonly buffer Y { uint y[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= N) return;
  y[i] = (i & 1u) == 0u ? LO : HI;
}
