// ONNX Pad (ops/Pad.cpp), rank <= 6 (dims padded in front with 1). Output
// element o reads input coordinate i = o - B (B: the pads at the start of
// each dim, negative for a crop); where i leaves [0, n) MODE decides:
// 0 constant (the value in binding 2, or 0 without one), 1 reflect (the
// mirror image about the edge element, pads < n), 2 edge (the nearest edge
// element).
// Specialization constants: 0 TOTAL, 1-6 output dims, 7-12 input dims,
// 13-18 B (i32), 19 MODE, 20 HAS_VALUE.
// Bindings: 0 = X, 1 = Y, 2 = constant value (X again, unread, without one).
// pad_f16: fp16 storage (shaders/storage.glsl).
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
#define TLC_IDIMS(X)                                                          \
  X(13, B0, 0) X(14, B1, 0) X(15, B2, 0) X(16, B3, 0) X(17, B4, 0)            \
  X(18, B5, 0)
#define TLC_DIMS_BINDING 3
#include "dims.glsl"
layout(constant_id = 19) const uint MODE = 0u;
layout(constant_id = 20) const uint HAS_VALUE = 0u;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };
layout(set = 0, binding = 2) readonly buffer V { FLOAT_T value[]; };

void main() {
  uint e = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (e >= TOTAL) return;
  uint od[6] = uint[6](O0, O1, O2, O3, O4, O5);
  uint nd[6] = uint[6](N0, N1, N2, N3, N4, N5);
  int b[6] = int[6](B0, B1, B2, B3, B4, B5);
  uint r = e, src = 0u, stride = 1u;
  bool outside = false;
  for (int k = 5; k >= 0; --k) {
    int i = int(r % od[k]) - b[k];
    r /= od[k];
    int n = int(nd[k]);
    if (i < 0 || i >= n) {
      if (MODE == 0u) outside = true;
      else if (MODE == 1u) i = i < 0 ? -i : 2 * (n - 1) - i;
      else i = clamp(i, 0, n - 1);
    }
    src += uint(max(i, 0)) * stride;
    stride *= nd[k];
  }
  if (outside)
    y[e] = HAS_VALUE != 0u ? value[0] : STORE(0.0);
  else
    y[e] = x[src];
}
