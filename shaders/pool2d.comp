// 2-D max / average pooling, NCHW (ops/Pool2D.h).
// One invocation per output element Y[nc, oh, ow]. MODE 0 = max (padding
// ignored), 1 = average (divides by the number of input elements in the
// window, or with COUNT_PAD by the window clipped to the padded input).
// Bindings: 0 = X [NC,H,W], 1 = Y [NC,OH,OW].
// pool2d_f16: fp16 storage (shaders/storage.glsl), f32 arithmetic.
// tlc-variant: f16 TLC_F16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint NC = 1;
layout(constant_id = 1) const uint H = 1;
layout(constant_id = 2) const uint W = 1;
layout(constant_id = 3) const uint OH = 1;
layout(constant_id = 4) const uint OW = 1;
layout(constant_id = 5) const uint KH = 1;
layout(constant_id = 6) const uint KW = 1;
layout(constant_id = 7) const uint SH = 1;
layout(constant_id = 8) const uint SW = 1;
layout(constant_id = 9) const uint PT = 0;
layout(constant_id = 10) const uint PL = 0;
layout(constant_id = 11) const uint PB = 0;
layout(constant_id = 12) const uint PR = 0;
layout(constant_id = 13) const uint DH = 1;
layout(constant_id = 14) const uint DW = 1;
layout(constant_id = 15) const uint MODE = 0;
layout(constant_id = 16) const uint COUNT_PAD = 0;
layout(constant_id = 17) const uint TOTAL = 1;
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
