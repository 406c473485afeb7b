// ONNX BatchNormalization, inference (ops/BatchNormalization.cpp):
//   y = (x - mean[c]) / sqrt(var[c] + eps) * scale[c] + b[c]
// with c = (i / INNER) % C. Specialization constants: 0 = element count,
// 1 = C, 2 = INNER (elements per (n, c) plane), 3 = epsilon (f32 bits).
// Bindings: 0 = X, 1 = scale, 2 = B, 3 = mean, 4 = var, 5 = Y.
#version 450
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint N = 1;
layout(constant_id = 1) const uint C = 1;
layout(constant_id = 2) const uint INNER = 1;
layout(constant_id = 3) const uint EPS_BITS = 0;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Scale { float scale[]; };
layout(set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(set = 0, binding = 3) readonly buffer Mean { float mean[]; };
layout(set = 0, binding = 4) readonly buffer Var { float var_[]; };
layout(set = 0, binding = 5) writeonly buffer Y { float y[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= N) return;
  uint c = (i / INNER) % C;
  float inv = 1.0 / sqrt(var_[c] + uintBitsToFloat(EPS_BITS));
  y[i] = (x[i] - mean[c]) * inv * scale[c] + bias[c];
}
