// Strided copy of a box of up to six dims (ops/StridedCopy.h):
//   dst[DB + sum c_k * DS_k] = src[SB + sum c_k * SS_k]
// One invocation per box element; D0 is the outermost dim. Strides and bases
// are signed 32-bit (bit patterns in the specialization constants).
// Bindings: 0 = source, 1 = destination.
// strided_copy_f16: 16-bit float elements (shaders/storage.glsl), for the
// float tensors of Transpose, Concat and Split under --precision=fp16.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(1, D0, 1) X(2, D1, 1) X(3, D2, 1) X(4, D3, 1) X(5, D4, 1)  \
  X(6, D5, 1)
#define TLC_IDIMS(X)                                                          \
  X(7, SS0, 0) X(8, SS1, 0) X(9, SS2, 0) X(10, SS3, 0) X(11, SS4, 0)          \
  X(12, SS5, 0) X(13, SB, 0) X(14, DS0, 0) X(15, DS1, 0) X(16, DS2, 0)        \
  X(17, DS3, 0) X(18, DS4, 0) X(19, DS5, 0) X(20, DB, 0)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(set = 0, binding = 0) readonly buffer Src { FLOAT_T src[]; };
layout(set = 0, binding = 1) writeonly buffer Dst { FLOAT_T dst[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= TOTAL) return;
  uint r = i;
  int c5 = int(r % D5); r /= D5;
  int c4 = int(r % D4); r /= D4;
  int c3 = int(r % D3); r /= D3;
  int c2 = int(r % D2); r /= D2;
  int c1 = int(r % D1);
  int c0 = int(r / D1);
  int s = SB + c0 * SS0 + c1 * SS1 + c2 * SS2 + c3 * SS3 + c4 * SS4 + c5 * SS5;
  int d = DB + c0 * DS0 + c1 * DS1 + c2 * DS2 + c3 * DS3 + c4 * DS4 + c5 * DS5;
  dst[d] = src[s];
}
