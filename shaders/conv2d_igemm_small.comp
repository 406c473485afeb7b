// 2-D convolution as an implicit GEMM with 16 x 16 output tiles and the K
// loop split across the workgroup, for GPUs (ops/ConvKernel.h). The same
// GEMM as shaders/conv2d_igemm.comp (see there for A, B and the gather);
// this variant is for convolutions whose output is too small to give every
// SM a workgroup of 64 x 64 or 32 x 32 tiles, at batch 1 the 14x14 and 7x7
// maps with their long K (up to 512*3*3 = 4608): each workgroup computes a
// 16 x 16 tile, so there are 4 to 16 times more workgroups, and keeps its 256
// invocations busy by giving each of 4 slices of 64 invocations every 4th
// step of 16 along K (2 x 2 outputs per invocation). The slices' partial
// sums are added in shared memory, in a fixed order, before the epilogue.
// Epilogue (FusedConv): y = act(sum + B + Z); Z is read at the element
// written (it may be Y's own memory).
// Workgroup order: pixel tile fastest, then channel tile, then group; the
// linear workgroup index spills from x into y past 65535 (setGrid1D).
// Bindings: 0 = X [N,C,H,W], 1 = W [M,C/G,KH,KW], 2 = B [M] (read only when
// HAS_B), 3 = Y [N,M,OH,OW], 4 = Z [N,M,OH,OW] (read only when HAS_Z).
// conv2d_igemm_small_f16: X, W, B, Y and Z stored as binary16
// (shaders/storage.glsl); shared memory and sums stay f32.
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
  X(17, TILES, 1) /* workgroups with work */
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

const uint T = 16u;     // tile edge (M and N)
const uint BK = 16u;    // K per step
const uint SLICES = 4u; // K slices per workgroup, 64 invocations each
TLC_CONST uint CG = C / G;
TLC_CONST uint MG = M / G;
const uint KHW = KH * KW;
TLC_CONST uint K = CG * KHW;
TLC_CONST uint OHW = OH * OW;
TLC_CONST uint NPIX = N * OHW;
TLC_CONST uint TILES_N = (NPIX + T - 1u) / T;
TLC_CONST uint TILES_M = (MG + T - 1u) / T;
TLC_CONST uint STEPS = (K + BK - 1u) / BK;
TLC_CONST uint ROUNDS = (STEPS + SLICES - 1u) / SLICES;
const uint AS = T + 1u; // padded row of As

shared float As[SLICES * BK * AS]; // [slice][k][m]
shared float Bs[SLICES * BK * T];  // [slice][k][p]
shared float Red[SLICES * T * T];  // [slice][m][p] partial sums

#include "conv_activation.glsl"

void main() {
  uint wg = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (wg >= TILES) return; // whole workgroup: no barrier is skipped by half
  uint lid = gl_LocalInvocationID.x;
  uint slice = lid / 64u, l = lid % 64u;
  uint tx = l % 8u, ty = l / 8u; // 2 x 2 outputs: (ty + 8i, tx + 8j)
  uint tn = wg % TILES_N;
  uint t = wg / TILES_N;
  uint tm = t % TILES_M;
  uint g = t / TILES_M;
  uint m0 = tm * T, p0 = tn * T;

  // Elements e = l + 64*i (i < 4) of the slice's 16 x 16 A and B tiles:
  // A (k = e % 16, m = e / 16), B (p = e % 16, k = e / 16).
  uint ak = l % 16u, am0 = l / 16u;
  uint bp = l % 16u, bk0 = l / 16u;
  uint pix = p0 + bp;
  bool pixOk = pix < NPIX;
  uint pc = min(pix, NPIX - 1u);
  uint img = pc / OHW;
  uint prem = pc - img * OHW;
  uint ohp = prem / OW;
  uint owp = prem - ohp * OW;
  int ih0 = int(ohp * SH) - int(PT);
  int iw0 = int(owp * SW) - int(PL);
  uint xImg = (img * C + g * CG) * H * W;
  uint aBase = g * MG;

  float aReg[4];
  float bReg[4];
  float acc[4] = float[4](0.0, 0.0, 0.0, 0.0);

  // Loads this slice's elements of K step s (zeros past K).
  #define LOAD_STEP(s)                                                      \
  {                                                                         \
    uint k0 = (s) * BK;                                                     \
    for (uint i = 0u; i < 4u; ++i) {                                        \
      uint m = m0 + am0 + 4u * i;                                           \
      uint k = k0 + ak;                                                     \
      aReg[i] = (m < MG && k < K) ? float(w[(aBase + m) * K + k]) : 0.0;    \
    }                                                                       \
    for (uint i = 0u; i < 4u; ++i) {                                        \
      uint k = k0 + bk0 + 4u * i;                                           \
      float v = 0.0;                                                        \
      if (pixOk && k < K) {                                                 \
        uint c = k / KHW;                                                   \
        uint r = k - c * KHW;                                               \
        uint u = r / KW;                                                    \
        uint vv = r - u * KW;                                               \
        int ih = ih0 + int(u * DH);                                         \
        int iw = iw0 + int(vv * DW);                                        \
        if (ih >= 0 && ih < int(H) && iw >= 0 && iw < int(W))               \
          v = float(x[xImg + (c * H + uint(ih)) * W + uint(iw)]);           \
      }                                                                     \
      bReg[i] = v;                                                          \
    }                                                                       \
  }

  uint aOff = slice * BK * AS, bOff = slice * BK * T;
  LOAD_STEP(slice)
  for (uint r = 0u; r < ROUNDS; ++r) {
    barrier(); // every invocation is done reading the previous round's tiles
    for (uint i = 0u; i < 4u; ++i) As[aOff + ak * AS + am0 + 4u * i] = aReg[i];
    for (uint i = 0u; i < 4u; ++i) Bs[bOff + (bk0 + 4u * i) * T + bp] = bReg[i];
    barrier();
    if (r + 1u < ROUNDS) LOAD_STEP((r + 1u) * SLICES + slice)
    for (uint kk = 0u; kk < BK; ++kk) {
      float a0 = As[aOff + kk * AS + ty], a1 = As[aOff + kk * AS + ty + 8u];
      float b0 = Bs[bOff + kk * T + tx], b1 = Bs[bOff + kk * T + tx + 8u];
      acc[0] += a0 * b0;
      acc[1] += a0 * b1;
      acc[2] += a1 * b0;
      acc[3] += a1 * b1;
    }
  }

  uint rOff = slice * T * T;
  Red[rOff + ty * T + tx] = acc[0];
  Red[rOff + ty * T + tx + 8u] = acc[1];
  Red[rOff + (ty + 8u) * T + tx] = acc[2];
  Red[rOff + (ty + 8u) * T + tx + 8u] = acc[3];
  barrier();
  // Invocation lid finishes output (m0 + lid / 16, p0 + lid % 16).
  uint mm = lid / T, pp = lid % T;
  uint m = m0 + mm, p = p0 + pp;
  if (m >= MG || p >= NPIX) return;
  float v = Red[mm * T + pp];
  for (uint s = 1u; s < SLICES; ++s) v += Red[s * T * T + mm * T + pp];
  uint mg = g * MG + m;
  uint im = p / OHW;
  uint idx = (im * M + mg) * OHW + (p - im * OHW);
  if (HAS_B != 0u) v += float(b[mg]);
  if (HAS_Z != 0u) v += float(z[idx]);
  y[idx] = STORE(activate(v));
}
