// Comparisons and boolean logic with numpy broadcasting (ops/Compare.cpp,
// ops/Logical.cpp), rank <= 6, indexed as shaders/binary.comp: the output
// index is split into six coordinates (D0 outermost) and each input is read
// through its own strides, 0 along broadcast dims.
// OP: 0 = Equal, 1 = Less, 2 = LessOrEqual, 3 = Greater, 4 =
// GreaterOrEqual (inputs of DTYPE: 0 f32, 1 i32, 2 i64 as two 32-bit words,
// little-endian, compared as signed), 5 = And, 6 = Or, 7 = Xor, 8 = Not (B
// unread) on booleans held as i64 (any nonzero word is true).
// The output is a boolean held as i64: words 1 or 0, then 0.
// Specialization constants: 0 TOTAL, 1 OP, 2-7 dims, 8-13 A's strides,
// 14-19 B's (elements), 20 DTYPE.
// Bindings: 0 = A, 1 = B, 2 = Y.
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(2, D0, 1) X(3, D1, 1) X(4, D2, 1) X(5, D3, 1) X(6, D4, 1)  \
  X(7, D5, 1) X(8, SA0, 0) X(9, SA1, 0) X(10, SA2, 0) X(11, SA3, 0)           \
  X(12, SA4, 0) X(13, SA5, 0) X(14, SB0, 0) X(15, SB1, 0) X(16, SB2, 0)       \
  X(17, SB3, 0) X(18, SB4, 0) X(19, SB5, 0)
#define TLC_DIMS_BINDING 3
#include "dims.glsl"
layout(constant_id = 1) const uint OP = 0u;
layout(constant_id = 20) const uint DTYPE = 0u;
layout(set = 0, binding = 0) readonly buffer ABuf { uint a[]; };
layout(set = 0, binding = 1) readonly buffer BBuf { uint b[]; };
layout(set = 0, binding = 2) writeonly buffer YBuf { uint y[]; };

// -1, 0 or 1 as x is below, equal to or above z (x, z: element indices of
// A and B). f32 NaN compares unordered: every comparison but != is false,
// which the caller gets from `unordered`.
int order(uint i, uint j, out bool unordered) {
  unordered = false;
  if (DTYPE == 0u) {
    float x = uintBitsToFloat(a[i]), z = uintBitsToFloat(b[j]);
    unordered = isnan(x) || isnan(z);
    return x < z ? -1 : x > z ? 1 : 0;
  }
  if (DTYPE == 1u) {
    int x = int(a[i]), z = int(b[j]);
    return x < z ? -1 : x > z ? 1 : 0;
  }
  int xh = int(a[2u * i + 1u]), zh = int(b[2u * j + 1u]);
  if (xh != zh) return xh < zh ? -1 : 1;
  uint xl = a[2u * i], zl = b[2u * j];
  return xl < zl ? -1 : xl > zl ? 1 : 0;
}

bool truth(bool isA, uint i) {
  return isA ? (a[2u * i] | a[2u * i + 1u]) != 0u
             : (b[2u * i] | b[2u * i + 1u]) != 0u;
}

void main() {
  uint e = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (e >= TOTAL) return;
  uint d[6] = uint[6](D0, D1, D2, D3, D4, D5);
  uint sa[6] = uint[6](SA0, SA1, SA2, SA3, SA4, SA5);
  uint sb[6] = uint[6](SB0, SB1, SB2, SB3, SB4, SB5);
  uint r = e, ia = 0u, ib = 0u;
  for (int k = 5; k >= 0; --k) {
    uint c = r % d[k];
    r /= d[k];
    ia += c * sa[k];
    ib += c * sb[k];
  }
  bool v;
  if (OP <= 4u) {
    bool unordered;
    int o = order(ia, ib, unordered);
    v = OP == 0u ? o == 0 : OP == 1u ? o < 0 : OP == 2u ? o <= 0
      : OP == 3u ? o > 0 : o >= 0;
    v = v && !unordered;
  } else {
    bool x = truth(true, ia);
    bool z = OP == 8u ? false : truth(false, ib);
    v = OP == 5u ? x && z : OP == 6u ? x || z : OP == 7u ? x != z : !x;
  }
  y[2u * e] = v ? 1u : 0u;
  y[2u * e + 1u] = 0u;
}
