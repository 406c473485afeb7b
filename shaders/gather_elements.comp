// ONNX GatherElements (ops/GatherElements.cpp), rank <= 6 (dims padded in
// front with 1): output element o reads data at o's coordinates with
// coordinate AXIS replaced by indices[o] (negative counts from the end; out
// of range writes 0: the device cannot report an error).
// Specialization constants: 0 TOTAL, 1-6 output dims, 7-12 data strides,
// 13 N (the data's length along the axis), 14 AXIS, 15 IDX64 (indices are
// i64: two words, low first; else i32).
// Bindings: 0 = data, 1 = indices, 2 = Y.
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(1, O0, 1) X(2, O1, 1) X(3, O2, 1) X(4, O3, 1) X(5, O4, 1)  \
  X(6, O5, 1) X(7, S0, 0) X(8, S1, 0) X(9, S2, 0) X(10, S3, 0) X(11, S4, 0)   \
  X(12, S5, 0) X(13, N, 1)
#define TLC_DIMS_BINDING 3
#include "dims.glsl"
layout(constant_id = 14) const uint AXIS = 0;
layout(constant_id = 15) const uint IDX64 = 1;
layout(set = 0, binding = 0) readonly buffer X { uint x[]; };
layout(set = 0, binding = 1) readonly buffer I { int idx[]; };
layout(set = 0, binding = 2) writeonly buffer Y { uint y[]; };

void main() {
  uint e = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (e >= TOTAL) return;
  int j;
  if (IDX64 != 0u) {
    int lo = idx[2u * e], hi = idx[2u * e + 1u];
    // Only values in [-N, N) are valid: a high word other than the low
    // word's sign is out of range.
    j = (hi == (lo < 0 ? -1 : 0)) ? lo : int(0x80000000u);
  } else {
    j = idx[e];
  }
  if (j < 0) j += int(N);
  if (j < 0 || j >= int(N)) {
    y[e] = 0u;
    return;
  }
  uint od[6] = uint[6](O0, O1, O2, O3, O4, O5);
  uint st[6] = uint[6](S0, S1, S2, S3, S4, S5);
  uint r = e, src = 0u;
  for (int k = 5; k >= 0; --k) {
    uint c = r % od[k];
    r /= od[k];
    src += (uint(k) == AXIS ? uint(j) : c) * st[k];
  }
  y[e] = x[src];
}
