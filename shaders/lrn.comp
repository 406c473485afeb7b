// ONNX LRN (ops/LRN.cpp) over [N, C, S] (S: the spatial dims flattened):
// one invocation per element sums the squares of the channels
// c - floor((size-1)/2) .. c + ceil((size-1)/2) (clipped to [0, C)) at the
// same n and spatial position, and writes
//   x / (bias + alpha / size * sum)^beta.
// Specialization constants: 0 TOTAL, 1 C, 2 S, 3 SIZE, 4 ALPHA, 5 BETA,
// 6 BIAS (floats as f32 bits). Bindings: 0 = X, 1 = Y.
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#define TLC_DIMS(X) X(0, TOTAL, 1) X(1, C, 1) X(2, S, 1)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(constant_id = 3) const uint SIZE = 1;
layout(constant_id = 4) const uint ALPHA_BITS = 0;
layout(constant_id = 5) const uint BETA_BITS = 0;
layout(constant_id = 6) const uint BIAS_BITS = 0;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };

void main() {
  uint e = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (e >= TOTAL) return;
  uint s = e % S;
  uint c = (e / S) % C;
  uint base = e - c * S; // channel 0 at the same n and position
  int lo = max(0, int(c) - int((SIZE - 1u) / 2u));
  int hi = min(int(C) - 1, int(c) + int(SIZE / 2u));
  float sum = 0.0;
  for (int k = lo; k <= hi; ++k) {
    float v = x[base + uint(k) * S];
    sum += v * v;
  }
  float alpha = uintBitsToFloat(ALPHA_BITS), beta = uintBitsToFloat(BETA_BITS);
  float bias = uintBitsToFloat(BIAS_BITS);
  y[e] = x[e] / pow(bias + alpha / float(SIZE) * sum, beta);
}
