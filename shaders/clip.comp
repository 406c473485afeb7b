// ONNX Clip (ops/Clip.cpp): y[i] = min(max(x[i], lo), hi), with lo and hi
// read from one-element buffers so that they may be weights or computed.
// Specialization constants: 0 = element count, 1 = HAS_MAX (0: binding 3 is
// not read and hi is +inf).
// Bindings: 0 = X, 1 = Y, 2 = min, 3 = max.
// clip_f16: fp16 storage of all four (shaders/storage.glsl), f32 arithmetic.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, N, 1)
#define TLC_DIMS_BINDING 4
#include "dims.glsl"
layout(constant_id = 1) const uint HAS_MAX = 0;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };
layout(set = 0, binding = 2) readonly buffer Lo { FLOAT_T lo[]; };
layout(set = 0, binding = 3) readonly buffer Hi { FLOAT_T hi[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= N) return;
  float v = max(float(x[i]), float(lo[0]));
  if (HAS_MAX != 0u) v = min(v, float(hi[0]));
  y[i] = STORE(v);
}
