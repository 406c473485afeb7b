// 2-D convolution, NCHW, grouped and dilated (ops/Conv.cpp).
// One invocation per output element Y[n, m, oh, ow].
// Bindings: 0 = X [N,C,H,W], 1 = W [M,C/G,KH,KW], 2 = B [M] (read only when
// HAS_B), 3 = Y [N,M,OH,OW].
#version 450
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint N = 1;
layout(constant_id = 1) const uint C = 1;
layout(constant_id = 2) const uint H = 1;
layout(constant_id = 3) const uint W = 1;
layout(constant_id = 4) const uint M = 1;
layout(constant_id = 5) const uint OH = 1;
layout(constant_id = 6) const uint OW = 1;
layout(constant_id = 7) const uint KH = 1;
layout(constant_id = 8) const uint KW = 1;
layout(constant_id = 9) const uint SH = 1;
layout(constant_id = 10) const uint SW = 1;
layout(constant_id = 11) const uint PT = 0;
layout(constant_id = 12) const uint PL = 0;
layout(constant_id = 13) const uint DH = 1;
layout(constant_id = 14) const uint DW = 1;
layout(constant_id = 15) const uint G = 1;
layout(constant_id = 16) const uint HAS_B = 0;
layout(constant_id = 17) const uint TOTAL = 1;
layout(set = 0, binding = 0) readonly buffer XBuf { float x[]; };
layout(set = 0, binding = 1) readonly buffer WBuf { float w[]; };
layout(set = 0, binding = 2) readonly buffer BBuf { float b[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf { float y[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (i >= TOTAL) return;
  uint ow = i % OW;
  uint t = i / OW;
  uint oh = t % OH;
  t /= OH;
  uint m = t % M;
  uint n = t / M;
  const uint CG = C / G;
  uint c0 = (m / (M / G)) * CG;
  // Signed window origin: may start in the padding.
  int ih0 = int(oh * SH) - int(PT);
  int iw0 = int(ow * SW) - int(PL);
  float acc = HAS_B != 0u ? b[m] : 0.0;
  for (uint c = 0u; c < CG; ++c) {
    uint xBase = (n * C + c0 + c) * H * W;
    uint wBase = (m * CG + c) * KH * KW;
    for (uint u = 0u; u < KH; ++u) {
      int ih = ih0 + int(u * DH);
      if (ih < 0 || ih >= int(H)) continue;
      for (uint v = 0u; v < KW; ++v) {
        int iw = iw0 + int(v * DW);
        if (iw < 0 || iw >= int(W)) continue;
        acc += x[xBase + uint(ih) * W + uint(iw)] * w[wBase + u * KW + v];
      }
    }
  }
  y[i] = acc;
}
