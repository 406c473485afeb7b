// The reduction of split-key attention for one query row
// (shaders/attention_decode.comp with SPLITS > 1): for each (b, h), the
// SPLITS partial results (m_s, l_s, o_s[DV]) at word P_WORD + ((b * H + h)
// * SPLITS + s) * (DV + 2) of the Y binding combine into
//   M = max_s m_s,  L = sum_s l_s exp(m_s - M),
//   Y[b, h, 0, d] = sum_s o_s[d] exp(m_s - M) / L
// (the online softmax's rescaling, once per split). Every key masked gives
// L = 0 and NaN, as softmax does. One workgroup per (b, h), invocation d
// for column d (columns past 64 looped).
// Constants: 4 = B, 5 = H, 27 = Y_OFF, 28 = Y_SB, 29 = Y_SH, 31 = Y_SD
// (TLC_DIMS, as attention.comp), 9 = DV, 41 = SPLITS, 42 = P_WORD.
// Binding 0 = Y (the partials read, row 0 written).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 64) in;
#define TLC_DIMS(X)                                                           \
  X(4, B, 1) X(5, H, 1) X(27, Y_OFF, 0) X(28, Y_SB, 0) X(29, Y_SH, 0)         \
  X(31, Y_SD, 0)
#define TLC_DIMS_BINDING 1
#include "dims.glsl"
layout(constant_id = 9) const uint DV = 1;
layout(constant_id = 41) const uint SPLITS = 2;
layout(constant_id = 42) const uint P_WORD = 0;

layout(set = 0, binding = 0) buffer YBuf { FLOAT_T yg[]; };
layout(set = 0, binding = 0) buffer YWords { uint yw[]; };

void main() {
  uint g = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (g >= B * H) return;
  uint b = g / H, h = g % H;
  uint p0 = P_WORD + g * SPLITS * (DV + 2u);
  float mx = uintBitsToFloat(0xff800000u);
  for (uint s = 0u; s < SPLITS; ++s)
    mx = max(mx, uintBitsToFloat(yw[p0 + s * (DV + 2u)]));
  float l = 0.0;
  for (uint s = 0u; s < SPLITS; ++s) {
    uint p = p0 + s * (DV + 2u);
    l += uintBitsToFloat(yw[p + 1u]) * exp(uintBitsToFloat(yw[p]) - mx);
  }
  uint yBase = Y_OFF + b * Y_SB + h * Y_SH;
  for (uint d = gl_LocalInvocationID.x; d < DV; d += 64u) {
    float o = 0.0;
    for (uint s = 0u; s < SPLITS; ++s) {
      uint p = p0 + s * (DV + 2u);
      o += uintBitsToFloat(yw[p + 2u + d]) * exp(uintBitsToFloat(yw[p]) - mx);
    }
    yg[yBase + d * Y_SD] = STORE(o / l);
  }
}
