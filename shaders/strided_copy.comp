// Strided copy of a box of up to six dims (ops/StridedCopy.h):
//   dst[DB + sum c_k * DS_k] = src[SB + sum c_k * SS_k]
// One invocation per box element; D0 is the outermost dim. Strides and bases
// are signed 32-bit (bit patterns in the specialization constants).
// Bindings: 0 = source, 1 = destination.
// strided_copy_f16: 16-bit float elements (shaders/storage.glsl), for the
// float tensors of Transpose, Concat and Split under --precision=fp16.
// tlc-variant: f16 TLC_F16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint TOTAL = 1;
layout(constant_id = 1) const uint D0 = 1;
layout(constant_id = 2) const uint D1 = 1;
layout(constant_id = 3) const uint D2 = 1;
layout(constant_id = 4) const uint D3 = 1;
layout(constant_id = 5) const uint D4 = 1;
layout(constant_id = 6) const uint D5 = 1;
layout(constant_id = 7) const int SS0 = 0;
layout(constant_id = 8) const int SS1 = 0;
layout(constant_id = 9) const int SS2 = 0;
layout(constant_id = 10) const int SS3 = 0;
layout(constant_id = 11) const int SS4 = 0;
layout(constant_id = 12) const int SS5 = 0;
layout(constant_id = 13) const int SB = 0;
layout(constant_id = 14) const int DS0 = 0;
layout(constant_id = 15) const int DS1 = 0;
layout(constant_id = 16) const int DS2 = 0;
layout(constant_id = 17) const int DS3 = 0;
layout(constant_id = 18) const int DS4 = 0;
layout(constant_id = 19) const int DS5 = 0;
layout(constant_id = 20) const int DB = 0;
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
