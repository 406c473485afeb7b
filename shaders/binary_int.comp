// Integer elementwise binary ops with numpy broadcasting (ops/Binary.h):
// binary.comp's index space (six coordinates, per-input strides in
// elements, 0 along broadcast dims) over i32 or i64 elements. An i64 is two
// 32-bit words, low first; arithmetic wraps modulo 2^32 or 2^64 (the
// reference refuses overflow when it folds).
// OP (constant 1): 0 = add, 1 = mul, 2 = sub, 5 = max, 6 = min (the
// BinaryOpCode values). WIDE (constant 20): 0 = i32, 1 = i64. ITEMS
// (constant 21) elements per invocation, at a stride of the whole grid.
// Bindings: 0 = A, 1 = B, 2 = Y (Y may be A's or B's memory: each
// invocation reads only the words it writes).
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
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 20) const uint WIDE = 0;
layout(constant_id = 21) const uint ITEMS = 1;
layout(set = 0, binding = 0) readonly buffer ABuf { uint a[]; };
layout(set = 0, binding = 1) readonly buffer BBuf { uint b[]; };
layout(set = 0, binding = 2) writeonly buffer YBuf { uint y[]; };

uvec2 inputOffsets(uint e) {
  uint r = e;
  uint i5 = r % D5; r /= D5;
  uint i4 = r % D4; r /= D4;
  uint i3 = r % D3; r /= D3;
  uint i2 = r % D2; r /= D2;
  uint i1 = r % D1;
  uint i0 = r / D1;
  return uvec2(i0 * SA0 + i1 * SA1 + i2 * SA2 + i3 * SA3 + i4 * SA4 + i5 * SA5,
               i0 * SB0 + i1 * SB1 + i2 * SB2 + i3 * SB3 + i4 * SB4 + i5 * SB5);
}

// (lo, hi) of a 64-bit two's-complement value.
bool less64(uvec2 x, uvec2 v) {
  if (x.y != v.y) return int(x.y) < int(v.y);
  return x.x < v.x;
}

uvec2 apply64(uvec2 x, uvec2 v) {
  if (OP == 0u) {
    uint carry;
    uint lo = uaddCarry(x.x, v.x, carry);
    return uvec2(lo, x.y + v.y + carry);
  }
  if (OP == 2u) {
    uint borrow;
    uint lo = usubBorrow(x.x, v.x, borrow);
    return uvec2(lo, x.y - v.y - borrow);
  }
  if (OP == 1u) {
    uint hi, lo;
    umulExtended(x.x, v.x, hi, lo);
    return uvec2(lo, hi + x.x * v.y + x.y * v.x);
  }
  if (OP == 5u) return less64(x, v) ? v : x;
  return less64(x, v) ? x : v; // 6: min
}

int apply32(int x, int v) {
  if (OP == 0u) return x + v;
  if (OP == 2u) return x - v;
  if (OP == 1u) return x * v;
  if (OP == 5u) return max(x, v);
  return min(x, v);
}

void main() {
  uint first = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  uint stride = gl_NumWorkGroups.x * gl_NumWorkGroups.y * 256u;
  for (uint k = 0u; k < ITEMS; ++k) {
    uint i = first + k * stride;
    if (i >= TOTAL) return;
    uvec2 o = inputOffsets(i);
    if (WIDE != 0u) {
      uvec2 r = apply64(uvec2(a[2u * o.x], a[2u * o.x + 1u]),
                        uvec2(b[2u * o.y], b[2u * o.y + 1u]));
      y[2u * i] = r.x;
      y[2u * i + 1u] = r.y;
    } else {
      y[i] = uint(apply32(int(a[o.x]), int(b[o.y])));
    }
  }
}
