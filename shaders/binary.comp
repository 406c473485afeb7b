// Elementwise binary ops with numpy broadcasting (ops/Binary.h), rank <= 6.
// One invocation per output element; the output index is split into six
// coordinates (D0 outermost) and each input is read through its own
// strides, 0 along broadcast dims. OP: 0 = add, 1 = mul, 2 = sub,
// 3 = div, 4 = pow (GLSL pow is undefined for x < 0: negative bases with an
// integral exponent are computed as |x|^y with the sign of an odd y).
// Bindings: 0 = A, 1 = B, 2 = Y.
#version 450
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint TOTAL = 1;
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 2) const uint D0 = 1;
layout(constant_id = 3) const uint D1 = 1;
layout(constant_id = 4) const uint D2 = 1;
layout(constant_id = 5) const uint D3 = 1;
layout(constant_id = 6) const uint D4 = 1;
layout(constant_id = 7) const uint D5 = 1;
layout(constant_id = 8) const uint SA0 = 0;
layout(constant_id = 9) const uint SA1 = 0;
layout(constant_id = 10) const uint SA2 = 0;
layout(constant_id = 11) const uint SA3 = 0;
layout(constant_id = 12) const uint SA4 = 0;
layout(constant_id = 13) const uint SA5 = 0;
layout(constant_id = 14) const uint SB0 = 0;
layout(constant_id = 15) const uint SB1 = 0;
layout(constant_id = 16) const uint SB2 = 0;
layout(constant_id = 17) const uint SB3 = 0;
layout(constant_id = 18) const uint SB4 = 0;
layout(constant_id = 19) const uint SB5 = 0;
layout(set = 0, binding = 0) readonly buffer ABuf { float a[]; };
layout(set = 0, binding = 1) readonly buffer BBuf { float b[]; };
layout(set = 0, binding = 2) writeonly buffer YBuf { float y[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= TOTAL) return;
  uint r = i;
  uint i5 = r % D5; r /= D5;
  uint i4 = r % D4; r /= D4;
  uint i3 = r % D3; r /= D3;
  uint i2 = r % D2; r /= D2;
  uint i1 = r % D1;
  uint i0 = r / D1;
  uint ia = i0 * SA0 + i1 * SA1 + i2 * SA2 + i3 * SA3 + i4 * SA4 + i5 * SA5;
  uint ib = i0 * SB0 + i1 * SB1 + i2 * SB2 + i3 * SB3 + i4 * SB4 + i5 * SB5;
  float va = a[ia], vb = b[ib];
  float res;
  if (OP == 0u) res = va + vb;
  else if (OP == 1u) res = va * vb;
  else if (OP == 2u) res = va - vb;
  else if (OP == 3u) res = va / vb;
  else {
    if (vb == 0.0) res = 1.0;
    else if (va < 0.0) {
      // Integral exponent: |x|^y, negated for odd y; otherwise NaN.
      if (floor(vb) != vb) res = uintBitsToFloat(0x7fc00000u);
      else {
        res = exp2(vb * log2(-va));
        if (mod(vb, 2.0) == 1.0) res = -res;
      }
    } else res = pow(va, vb);
  }
  y[i] = res;
}
