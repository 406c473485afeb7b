// 2-D convolution, NCHW, grouped and dilated (ops/Conv.cpp).
// Register tiling: each invocation computes a block of 4 output channels
// (within one group) x 4 consecutive output columns of one output row, so
// every loaded input element feeds 4 multiply-adds and every loaded weight
// 4 more. Blocks that stick out past the group's channels or the row's end
// compute on clamped (valid) indices and skip those stores. Input elements
// in the padding read a clamped address and are replaced by zero.
// Invocation order, fastest first: column block, row, channel block, group,
// image.
// Epilogue (FusedConv, ops/ConvKernel.h): y = act(sum + B + Z), Z read only
// when HAS_Z, at the element written (Z may be Y's own memory).
// Bindings: 0 = X [N,C,H,W], 1 = W [M,C/G,KH,KW], 2 = B [M] (read only when
// HAS_B), 3 = Y [N,M,OH,OW], 4 = Z [N,M,OH,OW] (read only when HAS_Z).
// conv2d_f16: X, W, B, Y and Z stored as binary16 (shaders/storage.glsl).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 64) in;
// Dims (shaders/dims.glsl); the kernel geometry (KH, KW, SH, SW, DH, DW,
// G), fixed by the weights and attributes, stays specialization constants.
#define TLC_DIMS(X)                                                           \
  X(0, N, 1) X(1, C, 1) X(2, H, 1) X(3, W, 1) X(4, M, 1) X(5, OH, 1)          \
  X(6, OW, 1) X(11, PT, 0) X(12, PL, 0)                                       \
  X(17, TOTAL, 1) /* invocations (blocks) */
#define TLC_DIMS_BINDING 5
#include "dims.glsl"
layout(constant_id = 7) const uint KH = 1;
layout(constant_id = 8) const uint KW = 1;
layout(constant_id = 9) const uint SH = 1;
layout(constant_id = 10) const uint SW = 1;
layout(constant_id = 13) const uint DH = 1;
layout(constant_id = 14) const uint DW = 1;
layout(constant_id = 15) const uint G = 1;
layout(constant_id = 16) const uint HAS_B = 0;
layout(constant_id = 18) const uint ACT = 0;    // ConvActivation
layout(constant_id = 19) const uint P0_BITS = 0;
layout(constant_id = 20) const uint P1_BITS = 0;
layout(constant_id = 21) const uint HAS_Z = 0;
layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T x[]; };
layout(set = 0, binding = 1) readonly buffer WBuf { FLOAT_T w[]; };
layout(set = 0, binding = 2) readonly buffer BBuf { FLOAT_T b[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf { FLOAT_T y[]; };
layout(set = 0, binding = 4) readonly buffer ZBuf { FLOAT_T z[]; };

TLC_CONST uint CG = C / G;           // input channels per group
TLC_CONST uint MG = M / G;           // output channels per group
TLC_CONST uint OWB = (OW + 3u) / 4u; // column blocks per row
TLC_CONST uint MB = (MG + 3u) / 4u;  // channel blocks per group

#include "conv_activation.glsl"

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (i >= TOTAL) return;
  uint owb = i % OWB;
  uint t = i / OWB;
  uint oh = t % OH;
  t /= OH;
  uint mb = t % MB;
  t /= MB;
  uint g = t % G;
  uint n = t / G;

  uint ms[4];
  float acc[4][4];
  for (uint j = 0u; j < 4u; ++j) {
    ms[j] = g * MG + min(mb * 4u + j, MG - 1u);
    float bias = HAS_B != 0u ? float(b[ms[j]]) : 0.0;
    for (uint p = 0u; p < 4u; ++p) acc[j][p] = bias;
  }
  int iw0 = int(owb * 4u * SW) - int(PL);
  int ih0 = int(oh * SH) - int(PT);
  for (uint c = 0u; c < CG; ++c) {
    uint xBase = (n * C + g * CG + c) * H * W;
    for (uint u = 0u; u < KH; ++u) {
      int ih = ih0 + int(u * DH);
      if (ih < 0 || ih >= int(H)) continue;
      uint rowBase = xBase + uint(ih) * W;
      for (uint v = 0u; v < KW; ++v) {
        float xv[4];
        for (uint p = 0u; p < 4u; ++p) {
          int iw = iw0 + int(p * SW + v * DW);
          float val = float(x[rowBase + uint(clamp(iw, 0, int(W) - 1))]);
          xv[p] = (iw >= 0 && iw < int(W)) ? val : 0.0;
        }
        for (uint j = 0u; j < 4u; ++j) {
          float wv = float(w[((ms[j] * CG + c) * KH + u) * KW + v]);
          for (uint p = 0u; p < 4u; ++p) acc[j][p] += wv * xv[p];
        }
      }
    }
  }
  for (uint j = 0u; j < 4u; ++j) {
    if (mb * 4u + j >= MG) break;
    uint yRow = ((n * M + ms[j]) * OH + oh) * OW;
    for (uint p = 0u; p < 4u; ++p) {
      uint ow = owb * 4u + p;
      if (ow >= OW) continue;
      float v = acc[j][p];
      if (HAS_Z != 0u) v += float(z[yRow + ow]);
      y[yRow + ow] = STORE(activate(v));
    }
  }
}
