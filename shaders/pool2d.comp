// 2-D max / average pooling, NCHW (ops/Pool2D.h).
// One invocation per output element Y[nc, oh, ow]. MODE 0 = max (padding
// ignored), 1 = average (divides by the number of input elements in the
// window, or with COUNT_PAD by the window clipped to the padded input).
// Bindings: 0 = X [NC,H,W], 1 = Y [NC,OH,OW].
// pool2d_f16: fp16 storage (shaders/storage.glsl), f32 arithmetic.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 64) in;
// Dims (shaders/dims.glsl); the window (KH, KW, SH, SW, DH, DW) stays
// specialization constants.
#define TLC_DIMS(X)                                                           \
  X(0, NC, 1) X(1, H, 1) X(2, W, 1) X(3, OH, 1) X(4, OW, 1) X(9, PT, 0)       \
  X(10, PL, 0) X(11, PB, 0) X(12, PR, 0) X(17, TOTAL, 1)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(constant_id = 5) const uint KH = 1;
layout(constant_id = 6) const uint KW = 1;
layout(constant_id = 7) const uint SH = 1;
layout(constant_id = 8) const uint SW = 1;
layout(constant_id = 13) const uint DH = 1;
layout(constant_id = 14) const uint DW = 1;
layout(constant_id = 15) const uint MODE = 0;
layout(constant_id = 16) const uint COUNT_PAD = 0;
layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer YBuf { FLOAT_T y[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (i >= TOTAL) return;
  uint ow = i % OW;
  uint t = i / OW;
  uint oh = t % OH;
  uint nc = t / OH;
  int h0 = int(oh * SH) - int(PT);
  int w0 = int(ow * SW) - int(PL);
  uint base = nc * H * W;
  float best = uintBitsToFloat(0xff800000u); // -inf
  float sum = 0.0;
  uint count = 0u;
  for (uint u = 0u; u < KH; ++u) {
    int ih = h0 + int(u * DH);
    if (ih < 0 || ih >= int(H)) continue;
    for (uint v = 0u; v < KW; ++v) {
      int iw = w0 + int(v * DW);
      if (iw < 0 || iw >= int(W)) continue;
      float val = float(x[base + uint(ih) * W + uint(iw)]);
      best = max(best, val);
      sum += val;
      ++count;
    }
  }
  if (MODE == 0u) {
    y[i] = STORE(best);
    return;
  }
  if (COUNT_PAD != 0u) {
    int hEnd = min(h0 + int(KH), int(H + PB));
    int wEnd = min(w0 + int(KW), int(W + PR));
    count = uint((hEnd - h0) * (wEnd - w0));
  }
  y[i] = STORE(sum / float(count));
}
