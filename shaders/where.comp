// ONNX Where (ops/Where.cpp): y = condition ? x : y elementwise with numpy
// broadcasting, rank <= 6, indexed as shaders/binary.comp (six coordinates,
// D0 outermost; each input through its own strides, 0 along broadcast
// dims). Values move as 32-bit words, so one build serves f32, i32 and i64.
// Specialization constants: 0 TOTAL, 1 COND_WORDS (the condition's words an
// element: 1 for i32, 2 for i64; any nonzero word is true), 2 WORDS (a
// value's: 1 for f32 and i32, 2 for i64), 3-8 dims, 9-14 the condition's
// strides, 15-20 X's, 21-26 Y's (elements).
// Bindings: 0 = condition, 1 = X, 2 = Y, 3 = output.
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(3, D0, 1) X(4, D1, 1) X(5, D2, 1) X(6, D3, 1) X(7, D4, 1)  \
  X(8, D5, 1) X(9, SC0, 0) X(10, SC1, 0) X(11, SC2, 0) X(12, SC3, 0)          \
  X(13, SC4, 0) X(14, SC5, 0) X(15, SX0, 0) X(16, SX1, 0) X(17, SX2, 0)       \
  X(18, SX3, 0) X(19, SX4, 0) X(20, SX5, 0) X(21, SY0, 0) X(22, SY1, 0)       \
  X(23, SY2, 0) X(24, SY3, 0) X(25, SY4, 0) X(26, SY5, 0)
#define TLC_DIMS_BINDING 4
#include "dims.glsl"
layout(constant_id = 1) const uint COND_WORDS = 2u;
layout(constant_id = 2) const uint WORDS = 1u;
layout(set = 0, binding = 0) readonly buffer CBuf { uint c[]; };
layout(set = 0, binding = 1) readonly buffer XBuf { uint x[]; };
layout(set = 0, binding = 2) readonly buffer YBuf { uint y[]; };
layout(set = 0, binding = 3) writeonly buffer OBuf { uint o[]; };

void main() {
  uint e = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (e >= TOTAL) return;
  uint d[6] = uint[6](D0, D1, D2, D3, D4, D5);
  uint sc[6] = uint[6](SC0, SC1, SC2, SC3, SC4, SC5);
  uint sx[6] = uint[6](SX0, SX1, SX2, SX3, SX4, SX5);
  uint sy[6] = uint[6](SY0, SY1, SY2, SY3, SY4, SY5);
  uint r = e, ic = 0u, ix = 0u, iy = 0u;
  for (int k = 5; k >= 0; --k) {
    uint q = r % d[k];
    r /= d[k];
    ic += q * sc[k];
    ix += q * sx[k];
    iy += q * sy[k];
  }
  bool cond = c[COND_WORDS * ic] != 0u ||
              (COND_WORDS == 2u && c[2u * ic + 1u] != 0u);
  for (uint w = 0u; w < WORDS; ++w)
    o[WORDS * e + w] = cond ? x[WORDS * ix + w] : y[WORDS * iy + w];
}
