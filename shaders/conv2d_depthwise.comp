// Depthwise 2-D convolution (C/G == 1: one input channel per group, any
// channel multiplier M/G) for GPUs (ops/ConvKernel.h). One invocation per
// output element, in Y's row-major order, so neighbouring invocations read
// neighbouring input columns and write neighbouring outputs. Each output
// needs only KH*KW multiply-adds, so the kernel is bound by memory: there
// is nothing for shared-memory tiling to reuse beyond what the cache
// already catches.
// Epilogue (FusedConv): y = act(sum + B + Z); Z is read at the element
// written (it may be Y's own memory).
// Bindings: 0 = X [N,C,H,W], 1 = W [M,1,KH,KW], 2 = B [M] (read only when
// HAS_B), 3 = Y [N,M,OH,OW], 4 = Z [N,M,OH,OW] (read only when HAS_Z).
// conv2d_depthwise_f16: X, W, B, Y and Z stored as binary16
// (shaders/storage.glsl).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
// Dims (shaders/dims.glsl); the kernel geometry (KH, KW, SH, SW, DH, DW,
// G), fixed by the weights and attributes, stays specialization constants.
#define TLC_DIMS(X)                                                           \
  X(0, N, 1) X(1, C, 1) X(2, H, 1) X(3, W, 1) X(4, M, 1) X(5, OH, 1)          \
  X(6, OW, 1) X(11, PT, 0) X(12, PL, 0)                                       \
  X(17, TOTAL, 1) /* output elements */
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
layout(constant_id = 18) const uint ACT = 0;   // ConvActivation
layout(constant_id = 19) const uint P0_BITS = 0;
layout(constant_id = 20) const uint P1_BITS = 0;
layout(constant_id = 21) const uint HAS_Z = 0;
layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T x[]; };
layout(set = 0, binding = 1) readonly buffer WBuf { FLOAT_T w[]; };
layout(set = 0, binding = 2) readonly buffer BBuf { FLOAT_T b[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf { FLOAT_T y[]; };
layout(set = 0, binding = 4) readonly buffer ZBuf { FLOAT_T z[]; };

TLC_CONST uint MG = M / G; // channel multiplier

#include "conv_activation.glsl"

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= TOTAL) return;
  uint ow = i % OW;
  uint t = i / OW;
  uint oh = t % OH;
  t /= OH;
  uint m = t % M;
  uint n = t / M;
  uint c = m / MG; // the group's one input channel
  uint xBase = (n * C + c) * H * W;
  uint wBase = m * KH * KW;
  int ih0 = int(oh * SH) - int(PT);
  int iw0 = int(ow * SW) - int(PL);
  float acc = 0.0;
  for (uint u = 0u; u < KH; ++u) {
    int ih = ih0 + int(u * DH);
    if (ih < 0 || ih >= int(H)) continue;
    for (uint v = 0u; v < KW; ++v) {
      int iw = iw0 + int(v * DW);
      if (iw < 0 || iw >= int(W)) continue;
      acc += float(x[xBase + uint(ih) * W + uint(iw)]) *
             float(w[wBase + u * KW + v]);
    }
  }
  if (HAS_B != 0u) acc += float(b[m]);
  if (HAS_Z != 0u) acc += float(z[i]);
  y[i] = STORE(activate(acc));
}
