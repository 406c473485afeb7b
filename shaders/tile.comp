// ONNX Tile (ops/Tile.cpp), rank <= 6 (dims padded in front with 1): output
// element o reads the input element at o_d mod N_d in every dim d.
// Specialization constants: 0 TOTAL, 1-6 output dims, 7-12 input dims.
// Bindings: 0 = X, 1 = Y.
// tile_f16: fp16 storage (shaders/storage.glsl).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(1, O0, 1) X(2, O1, 1) X(3, O2, 1) X(4, O3, 1) X(5, O4, 1)  \
  X(6, O5, 1) X(7, N0, 1) X(8, N1, 1) X(9, N2, 1) X(10, N3, 1) X(11, N4, 1)   \
  X(12, N5, 1)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };

void main() {
  uint e = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (e >= TOTAL) return;
  uint od[6] = uint[6](O0, O1, O2, O3, O4, O5);
  uint nd[6] = uint[6](N0, N1, N2, N3, N4, N5);
  uint r = e, src = 0u, stride = 1u;
  for (int k = 5; k >= 0; --k) {
    src += ((r % od[k]) % nd[k]) * stride;
    r /= od[k];
    stride *= nd[k];
  }
  y[e] = x[src];
}
