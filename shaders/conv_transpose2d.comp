// ONNX ConvTranspose, 2-D NCHW (ops/ConvTranspose.cpp), in gather form: the
// output element (n, m, y, x) sums x[n, c, ih, iw] * w[c, m % MG, a, b] over
// the channels c of m's group and the kernel taps (a, b) with
//   ih * SH = y + PT - a * DH,  iw * SW = x + PL - b * DW
// exactly divisible and inside the input. Accumulates in f32.
// Bindings: 0 = X, 1 = W, 2 = B, 3 = Y.
// conv_transpose2d_f16: X, W, B and Y stored as binary16
// (shaders/storage.glsl).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 64) in;
// Dims (shaders/dims.glsl); the kernel geometry (KH, KW, SH, SW, DH, DW,
// GROUP), fixed by the weights and attributes, stays specialization
// constants.
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(1, C, 1) X(2, H, 1) X(3, W, 1) X(4, M, 1) X(5, OH, 1)      \
  X(6, OW, 1) X(13, PT, 0) X(14, PL, 0)
#define TLC_DIMS_BINDING 4
#include "dims.glsl"
layout(constant_id = 7) const uint KH = 1;
layout(constant_id = 8) const uint KW = 1;
layout(constant_id = 9) const uint SH = 1;
layout(constant_id = 10) const uint SW = 1;
layout(constant_id = 11) const uint DH = 1;
layout(constant_id = 12) const uint DW = 1;
layout(constant_id = 15) const uint GROUP = 1;
layout(constant_id = 16) const uint HAS_BIAS = 0;
layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T xin[]; };
layout(set = 0, binding = 1) readonly buffer WBuf { FLOAT_T wt[]; };
layout(set = 0, binding = 2) readonly buffer BBuf { FLOAT_T bias[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf { FLOAT_T yout[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (i >= TOTAL) return;
  uint ox = i % OW;
  uint r = i / OW;
  uint oy = r % OH;
  r /= OH;
  uint m = r % M;
  uint n = r / M;
  uint CG = C / GROUP, MG = M / GROUP;
  uint g = m / MG, mm = m % MG;
  float acc = 0.0;
  for (uint a = 0u; a < KH; ++a) {
    int ty = int(oy) + int(PT) - int(a * DH);
    if (ty < 0 || ty % int(SH) != 0) continue;
    uint ih = uint(ty) / SH;
    if (ih >= H) continue;
    for (uint b = 0u; b < KW; ++b) {
      int tx = int(ox) + int(PL) - int(b * DW);
      if (tx < 0 || tx % int(SW) != 0) continue;
      uint iw = uint(tx) / SW;
      if (iw >= W) continue;
      for (uint cc = 0u; cc < CG; ++cc) {
        uint c = g * CG + cc;
        acc += float(xin[((n * C + c) * H + ih) * W + iw]) *
               float(wt[((c * MG + mm) * KH + a) * KW + b]);
      }
    }
  }
  if (HAS_BIAS != 0u) acc += float(bias[m]);
  yout[i] = STORE(acc);
}
