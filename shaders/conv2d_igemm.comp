// 2-D convolution as an implicit GEMM, for GPUs (ops/ConvKernel.h).
// Per group g: Y_g[m][p] = sum_k A[m][k] * B[k][p], with
//   m in [0, M/G)            output channel within the group,
//   p in [0, N*OH*OW)        output pixel (image, row, column),
//   k in [0, C/G*KH*KW)      (input channel, kernel row, kernel column),
//   A[m][k] = W[g*M/G + m][k] (W is already [M][C/G*KH*KW] row-major),
//   B[k][p] = X[img][g*C/G + c][oh*SH - PT + u*DH][ow*SW - PL + v*DW]
//             (zero in the padding), gathered on the fly ("im2col" never
//             materialized).
// A 1x1, stride-1, unpadded conv makes B a plain [C][H*W] matrix: with the
// geometry in specialization constants the gather folds to that.
// Tiling: each workgroup of 256 invocations (16 x 16) computes a BM x BN
// tile of Y_g, each invocation (BM/16) x (BN/16) outputs strided by 16 so
// that shared-memory reads are conflict-free and stores coalesce. K is
// walked in steps of 16: the next step's A and B elements are loaded into
// registers while the current step's tile is multiplied from shared memory.
// Epilogue (FusedConv): y = act(sum + B + Z); Z is read at the element
// written (it may be Y's own memory).
// Workgroup order: pixel tile fastest, then channel tile, then group; the
// linear workgroup index spills from x into y past 65535 (setGrid1D).
// Bindings: 0 = X [N,C,H,W], 1 = W [M,C/G,KH,KW], 2 = B [M] (read only when
// HAS_B), 3 = Y [N,M,OH,OW], 4 = Z [N,M,OH,OW] (read only when HAS_Z).
// conv2d_igemm_f16: X, W, B, Y and Z stored as binary16
// (shaders/storage.glsl); shared memory and sums stay f32.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
// Dims (shaders/dims.glsl); the kernel geometry (KH, KW, SH, SW, DH, DW,
// G), fixed by the weights and attributes, stays specialization constants,
// as do the tile sizes BM, BN (array sizes).
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
layout(constant_id = 22) const uint BM = 64; // 32 or 64
layout(constant_id = 23) const uint BN = 64; // 32 or 64
layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T x[]; };
layout(set = 0, binding = 1) readonly buffer WBuf { FLOAT_T w[]; };
layout(set = 0, binding = 2) readonly buffer BBuf { FLOAT_T b[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf { FLOAT_T y[]; };
layout(set = 0, binding = 4) readonly buffer ZBuf { FLOAT_T z[]; };

const uint BK = 16u;
const uint TM = BM / 16u; // outputs per invocation along m
const uint TN = BN / 16u; // outputs per invocation along p
TLC_CONST uint CG = C / G;
TLC_CONST uint MG = M / G;
const uint KHW = KH * KW;
TLC_CONST uint K = CG * KHW;
TLC_CONST uint OHW = OH * OW;
TLC_CONST uint NPIX = N * OHW;
TLC_CONST uint TILES_N = (NPIX + BN - 1u) / BN;
TLC_CONST uint TILES_M = (MG + BM - 1u) / BM;
const uint AS = BM + 1u; // padded row of As: loads of one k-row spread banks

shared float As[BK * AS]; // [k][m]
shared float Bs[BK * BN]; // [k][p]

#include "conv_activation.glsl"

void main() {
  uint wg = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (wg >= TILES) return; // whole workgroup: no barrier is skipped by half
  uint lid = gl_LocalInvocationID.x;
  uint tx = lid % 16u, ty = lid / 16u;
  uint tn = wg % TILES_N;
  uint t = wg / TILES_N;
  uint tm = t % TILES_M;
  uint g = t / TILES_M;
  uint m0 = tm * BM, p0 = tn * BN;

  // The B elements this invocation loads: element e = lid + 256*i of the
  // BK x BN tile is (k = e / BN, p = e % BN). Since 256 is a multiple of
  // BN, p is the same for every i: decompose that pixel once.
  uint bp = lid % BN, bk0 = lid / BN;
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
  // The A elements: e = lid + 256*i is (m = e / BK, k = e % BK).
  uint ak = lid % BK, am0 = lid / BK;

  float aReg[TM];
  float bReg[TN];
  float acc[TM * TN];
  for (uint i = 0u; i < TM * TN; ++i) acc[i] = 0.0;

  uint steps = (K + BK - 1u) / BK;
  // Loads step s's elements into aReg and bReg.
  #define LOAD_STEP(s)                                                      \
  {                                                                         \
    uint k0 = (s) * BK;                                                     \
    for (uint i = 0u; i < TM; ++i) {                                        \
      uint m = m0 + am0 + i * (256u / BK);                                  \
      uint k = k0 + ak;                                                     \
      aReg[i] = (m < MG && k < K) ? float(w[(g * MG + m) * K + k]) : 0.0;   \
    }                                                                       \
    for (uint i = 0u; i < TN; ++i) {                                        \
      uint k = k0 + bk0 + i * (256u / BN);                                  \
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

  LOAD_STEP(0u)
  for (uint s = 0u; s < steps; ++s) {
    barrier(); // every invocation is done reading the previous step's tile
    for (uint i = 0u; i < TM; ++i) As[ak * AS + am0 + i * (256u / BK)] = aReg[i];
    for (uint i = 0u; i < TN; ++i) Bs[(bk0 + i * (256u / BN)) * BN + bp] = bReg[i];
    barrier();
    if (s + 1u < steps) LOAD_STEP(s + 1u)
    for (uint kk = 0u; kk < BK; ++kk) {
      float a[TM];
      float bv[TN];
      for (uint i = 0u; i < TM; ++i) a[i] = As[kk * AS + ty + 16u * i];
      for (uint j = 0u; j < TN; ++j) bv[j] = Bs[kk * BN + tx + 16u * j];
      for (uint i = 0u; i < TM; ++i)
        for (uint j = 0u; j < TN; ++j) acc[i * TN + j] += a[i] * bv[j];
    }
  }

  for (uint j = 0u; j < TN; ++j) {
    uint p = p0 + tx + 16u * j;
    if (p >= NPIX) continue;
    uint im = p / OHW;
    uint pr = p - im * OHW;
    for (uint i = 0u; i < TM; ++i) {
      uint m = m0 + ty + 16u * i;
      if (m >= MG) continue;
      uint mg = g * MG + m;
      uint idx = (im * M + mg) * OHW + pr;
      float v = acc[i * TN + j];
      if (HAS_B != 0u) v += float(b[mg]);
      if (HAS_Z != 0u) v += float(z[idx]);
      y[idx] = STORE(activate(v));
    }
  }
}
