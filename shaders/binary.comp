// Elementwise binary ops with numpy broadcasting (ops/Binary.h), rank <= 6.
// The output index is split into six coordinates (D0 outermost) and each
// input is read through its own strides, 0 along broadcast dims; the lowering
// merges dims first, so a same-shape operation is one dim of stride 1.
// OP: 0 = add, 1 = mul, 2 = sub, 3 = div, 4 = pow (GLSL pow is undefined for
// x < 0: negative bases with an integral exponent are computed as |x|^y with
// the sign of an odd y), 5 = max, 6 = min, 7 = prelu (ops/Variadic.cpp),
// 8 = fmod (x - y * trunc(x / y), the sign of x; ops/Mod.cpp).
// VEC4 = 1 (constant 20) when D5 is a multiple of 4 and each input's
// innermost stride is 1 (read as a vec4) or 0 (one element, splat): each
// unit of work is then 4 consecutive outputs, stored as one vec4. ITEMS
// (constant 21) units per invocation, at a stride of the whole grid.
// Bindings: 0 = A, 1 = B, 2 = Y (Y may be A's or B's memory: in place, each
// invocation reads only the elements it writes).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(2, D0, 1) X(3, D1, 1) X(4, D2, 1) X(5, D3, 1) X(6, D4, 1)  \
  X(7, D5, 1) X(8, SA0, 0) X(9, SA1, 0) X(10, SA2, 0) X(11, SA3, 0)           \
  X(12, SA4, 0) X(13, SA5, 0) X(14, SB0, 0) X(15, SB1, 0) X(16, SB2, 0)       \
  X(17, SB3, 0) X(18, SB4, 0) X(19, SB5, 0)
#define TLC_DIMS_BINDING 3
#include "dims.glsl"
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 20) const uint VEC4 = 0;
layout(constant_id = 21) const uint ITEMS = 1;
layout(set = 0, binding = 0) readonly buffer ABuf { FLOAT_T a[]; };
layout(set = 0, binding = 1) readonly buffer BBuf { FLOAT_T b[]; };
layout(set = 0, binding = 2) writeonly buffer YBuf { FLOAT_T y[]; };
layout(set = 0, binding = 0) readonly buffer ABuf4 { VEC4_T a4[]; };
layout(set = 0, binding = 1) readonly buffer BBuf4 { VEC4_T b4[]; };
layout(set = 0, binding = 2) writeonly buffer YBuf4 { VEC4_T y4[]; };

vec4 apply(vec4 va, vec4 vb) {
  if (OP == 0u) return va + vb;
  if (OP == 1u) return va * vb;
  if (OP == 2u) return va - vb;
  if (OP == 3u) return va / vb;
  if (OP == 5u) return mix(vb, va, greaterThan(va, vb));             // Max
  if (OP == 6u) return mix(vb, va, lessThan(va, vb));                // Min
  if (OP == 7u) return mix(va, vb * va, lessThan(va, vec4(0.0)));    // PRelu
  if (OP == 8u) return va - vb * trunc(va / vb);                     // Fmod
  vec4 res;
  for (int c = 0; c < 4; ++c) {
    float x = va[c], e = vb[c], r;
    if (e == 0.0) r = 1.0;
    else if (x < 0.0) {
      // Integral exponent: |x|^y, negated for odd y; otherwise NaN.
      if (floor(e) != e) r = uintBitsToFloat(0x7fc00000u);
      else {
        r = exp2(e * log2(-x));
        if (mod(e, 2.0) == 1.0) r = -r;
      }
    } else r = pow(x, e);
    res[c] = r;
  }
  return res;
}

// Element offsets of A and B for output element index e.
uvec2 inputOffsets(uint e) {
  if (D0 * D1 * D2 * D3 * D4 == 1u) return uvec2(e * SA5, e * SB5);
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

void main() {
  uint first = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  uint stride = gl_NumWorkGroups.x * gl_NumWorkGroups.y * 256u;
  uint units = VEC4 != 0u ? TOTAL / 4u : TOTAL;
  for (uint k = 0u; k < ITEMS; ++k) {
    uint i = first + k * stride;
    if (i >= units) return;
    if (VEC4 != 0u) {
      uvec2 o = inputOffsets(i * 4u);
      vec4 va = SA5 == 1u ? vec4(a4[o.x / 4u]) : vec4(float(a[o.x]));
      vec4 vb = SB5 == 1u ? vec4(b4[o.y / 4u]) : vec4(float(b[o.y]));
      y4[i] = STORE4(apply(va, vb));
    } else {
      uvec2 o = inputOffsets(i);
      y[i] = STORE(apply(vec4(float(a[o.x])), vec4(float(b[o.y]))).x);
    }
  }
}
