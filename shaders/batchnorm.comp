// ONNX BatchNormalization, inference (ops/BatchNormalization.cpp):
//   y = (x - mean[c]) / sqrt(var[c] + eps) * scale[c] + b[c]
// with c = (i / INNER) % C. Specialization constants: 0 = element count,
// 1 = C, 2 = INNER (elements per (n, c) plane), 3 = epsilon (f32 bits).
// Bindings: 0 = X, 1 = scale, 2 = B, 3 = mean, 4 = var, 5 = Y.
// batchnorm_f16: X, scale, B, mean and Y stored as binary16
// (shaders/storage.glsl); var stays f32, since a variance is a square and
// overflows binary16 (65504) for activations beyond ~256.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, N, 1) X(1, C, 1) X(2, INNER, 1)
#define TLC_DIMS_BINDING 6
#include "dims.glsl"
layout(constant_id = 3) const uint EPS_BITS = 0;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) readonly buffer Scale { FLOAT_T scale[]; };
layout(set = 0, binding = 2) readonly buffer Bias { FLOAT_T bias[]; };
layout(set = 0, binding = 3) readonly buffer Mean { FLOAT_T mean[]; };
layout(set = 0, binding = 4) readonly buffer Var { float var_[]; };
layout(set = 0, binding = 5) writeonly buffer Y { FLOAT_T y[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= N) return;
  uint c = (i / INNER) % C;
  float inv = 1.0 / sqrt(var_[c] + uintBitsToFloat(EPS_BITS));
  float v = (float(x[i]) - float(mean[c])) * inv * float(scale[c]);
  y[i] = STORE(v + float(bias[c]));
}
