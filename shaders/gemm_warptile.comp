// Large f32 matrix multiply with subgroup (warp) tiling, for problems whose
// M, N and K divide the block (ops/GemmLarge.h):
//   Y[b] = ALPHA * op(A[b]) * op(B[b]) + BETA * C
// Same operands and constants 0..22 as gemm.comp and gemm_tiled.comp; the
// tiling comes in constants 23..32.
//
// Structure (the shared-memory GEMM of gemm_tiled.comp, with the warp-level
// tiling of NVIDIA's CUTLASS "efficient GEMM" notes and S. Boehm's "How to
// optimize a CUDA matmul kernel for cuBLAS-like performance", kernel 10):
//   - a workgroup computes a BM x BN block of Y through slabs of BK, both
//     operands staged k-major in shared memory (As[k][m], Bs[k][n]), two
//     buffers, the next slab read into registers while the current one is
//     multiplied (one barrier per slab);
//   - each subgroup of 32 owns a WM x WN patch of the block; its lanes form
//     an LM x LN grid (LM = WM / TM, LN = WN / TN, LM * LN = 32), and each
//     lane computes TM x TN outputs as (TM/4) x (TN/4) sub-blocks of 4 x 4,
//     LM * 4 rows (LN * 4 columns) apart, so that one vec4 read from shared
//     memory is shared by LN (LM) lanes as a broadcast and the LM (LN)
//     distinct vec4s of a read are contiguous: no bank conflicts;
//   - no bounds checks: the lowering only picks this shader when M % BM,
//     N % BN and K % BK are 0 and the contiguous dimension of each operand
//     and every batch offset are multiples of 4 (vec4 loads and stores).
// One workgroup per block: groups = (N / BN, M / BM, batch), each within
// 65535 (checked by the lowering). With GROUP_M > 1 the blocks are visited
// in groups of GROUP_M block rows for L2 reuse.
// Bindings: 0 = A, 1 = B, 2 = C (read only when HAS_C), 3 = Y.
// gemm_warptile_f16: A, B, C and Y stored as binary16 (shaders/storage.glsl);
// shared memory and sums stay f32.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x_id = 30) in;
#define TLC_DIMS(X)                                                           \
  X(0, M, 128) X(1, N, 128) X(2, K, 8) X(8, C_SM, 0) X(9, C_SN, 0)            \
  X(10, BATCH, 1) X(11, BD0, 1) X(12, BD1, 1) X(13, BD2, 1) X(14, BD3, 1)     \
  X(15, AS0, 0) X(16, AS1, 0) X(17, AS2, 0) X(18, AS3, 0) X(19, BS0, 0)       \
  X(20, BS1, 0) X(21, BS2, 0) X(22, BS3, 0)
#define TLC_DIMS_BINDING 4
#include "dims.glsl"
layout(constant_id = 3) const uint TRANS_A = 0;
layout(constant_id = 4) const uint TRANS_B = 0;
layout(constant_id = 5) const uint ALPHA_BITS = 0x3f800000; // 1.0
layout(constant_id = 6) const uint BETA_BITS = 0;
layout(constant_id = 7) const uint HAS_C = 0;
layout(constant_id = 23) const uint BM = 128; // block rows
layout(constant_id = 24) const uint BN = 128; // block columns
layout(constant_id = 25) const uint BK = 8;   // k per shared slab
layout(constant_id = 26) const uint WM = 64;  // subgroup patch rows
layout(constant_id = 27) const uint WN = 32;  // subgroup patch columns
layout(constant_id = 28) const uint TM = 8;   // rows per lane
layout(constant_id = 29) const uint TN = 8;   // columns per lane
// constant 30: invocations, (BM / WM) * (BN / WN) * 32
layout(constant_id = 31) const uint GROUP_M = 8; // block rows per sweep
layout(constant_id = 32) const uint PAD = 4;     // floats after each shared row

layout(set = 0, binding = 0) readonly buffer ABuf4 { VEC4_T a4[]; };
layout(set = 0, binding = 1) readonly buffer BBuf4 { VEC4_T b4[]; };
layout(set = 0, binding = 2) readonly buffer CBuf { FLOAT_T c[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf4 { VEC4_T y4[]; };

const uint THREADS = (BM / WM) * (BN / WN) * 32u;
const uint LM = WM / TM; // lanes along M in a subgroup
const uint LN = WN / TN; // lanes along N
// Shared rows in vec4s.
const uint AROW = (BM + PAD) / 4u;
const uint BROW = (BN + PAD) / 4u;
shared vec4 As[2u * BK * AROW];
shared vec4 Bs[2u * BK * BROW];

// vec4s of one slab each invocation moves (the lowering checks that they
// are whole).
const uint LOADS_A = (BM * BK) / (4u * THREADS);
const uint LOADS_B = (BN * BK) / (4u * THREADS);
vec4 stageA[LOADS_A];
vec4 stageB[LOADS_B];

// Reads slab k0 of op(A) rows m0.. and op(B) columns n0.. into the staging
// registers; vec4 q of this invocation is number q * THREADS + tid of the
// slab, along the operand's contiguous dimension.
void loadSlab(uint aBase, uint bBase, uint m0, uint n0, uint k0, uint tid) {
  [[unroll]] for (uint q = 0u; q < LOADS_A; ++q) {
    uint idx = q * THREADS + tid;
    if (TRANS_A == 0u) {
      uint m = idx / (BK / 4u), k4 = idx % (BK / 4u);
      stageA[q] = vec4(a4[(aBase + (m0 + m) * K + k0) / 4u + k4]);
    } else {
      uint k = idx / (BM / 4u), m4 = idx % (BM / 4u);
      stageA[q] = vec4(a4[(aBase + (k0 + k) * M + m0) / 4u + m4]);
    }
  }
  [[unroll]] for (uint q = 0u; q < LOADS_B; ++q) {
    uint idx = q * THREADS + tid;
    if (TRANS_B == 0u) {
      uint k = idx / (BN / 4u), n4 = idx % (BN / 4u);
      stageB[q] = vec4(b4[(bBase + (k0 + k) * N + n0) / 4u + n4]);
    } else {
      uint n = idx / (BK / 4u), k4 = idx % (BK / 4u);
      stageB[q] = vec4(b4[(bBase + (n0 + n) * K + k0) / 4u + k4]);
    }
  }
}

// Stores the staged slab into shared buffer `buf`, k-major (operands read
// along k are transposed with scalar stores).
void storeSlab(uint buf, uint tid) {
  [[unroll]] for (uint q = 0u; q < LOADS_A; ++q) {
    uint idx = q * THREADS + tid;
    if (TRANS_A == 0u) {
      uint m = idx / (BK / 4u), k = (idx % (BK / 4u)) * 4u;
      [[unroll]] for (uint j = 0u; j < 4u; ++j)
        As[(buf * BK + k + j) * AROW + m / 4u][m % 4u] = stageA[q][j];
    } else {
      uint k = idx / (BM / 4u), m4 = idx % (BM / 4u);
      As[(buf * BK + k) * AROW + m4] = stageA[q];
    }
  }
  [[unroll]] for (uint q = 0u; q < LOADS_B; ++q) {
    uint idx = q * THREADS + tid;
    if (TRANS_B == 0u) {
      uint k = idx / (BN / 4u), n4 = idx % (BN / 4u);
      Bs[(buf * BK + k) * BROW + n4] = stageB[q];
    } else {
      uint n = idx / (BK / 4u), k = (idx % (BK / 4u)) * 4u;
      [[unroll]] for (uint j = 0u; j < 4u; ++j)
        Bs[(buf * BK + k + j) * BROW + n / 4u][n % 4u] = stageB[q][j];
    }
  }
}

void main() {
  const float alpha = uintBitsToFloat(ALPHA_BITS);
  const float beta = uintBitsToFloat(BETA_BITS);
  const uint tilesM = M / BM, tilesN = N / BN;
  const uint slabs = K / BK;
  const uint tid = gl_LocalInvocationID.x;
  const uint warp = tid / 32u, lane = tid % 32u;
  const uint wm = warp / (BN / WN), wn = warp % (BN / WN);
  const uint lm = lane / LN, ln = lane % LN;

  const uint bt = gl_WorkGroupID.z;
  uint i3 = bt % BD3, r = bt / BD3;
  uint i2 = r % BD2;
  r /= BD2;
  uint i1 = r % BD1;
  uint i0 = r / BD1;
  const uint aBase = i0 * AS0 + i1 * AS1 + i2 * AS2 + i3 * AS3;
  const uint bBase = i0 * BS0 + i1 * BS1 + i2 * BS2 + i3 * BS3;
  const uint yBase = bt * M * N;

  // Grouped order (the Triton matmul tutorial's "grouped ordering").
  uint tm = gl_WorkGroupID.y, tn = gl_WorkGroupID.x;
  if (GROUP_M > 1u) {
    uint pid = tm * tilesN + tn, span = GROUP_M * tilesN;
    uint first = (pid / span) * GROUP_M;
    uint rows = min(tilesM - first, GROUP_M);
    tm = first + (pid % span) % rows;
    tn = (pid % span) / rows;
  }
  const uint m0 = tm * BM, n0 = tn * BN;

  // This lane's first vec4 in a shared row of A and of B.
  const uint aLane = (wm * WM) / 4u + lm;
  const uint bLane = (wn * WN) / 4u + ln;

  vec4 acc[TM][TN / 4u];
  [[unroll]] for (uint i = 0u; i < TM; ++i)
    [[unroll]] for (uint j = 0u; j < TN / 4u; ++j)
      acc[i][j] = vec4(0.0);

  loadSlab(aBase, bBase, m0, n0, 0u, tid);
  storeSlab(0u, tid);
  barrier();
  for (uint s = 0u; s < slabs; ++s) {
    uint cur = s % 2u;
    if (s + 1u < slabs)
      loadSlab(aBase, bBase, m0, n0, (s + 1u) * BK, tid);
    [[unroll]] for (uint kk = 0u; kk < BK; ++kk) {
      vec4 ra[TM / 4u], rb[TN / 4u];
      uint aRow = (cur * BK + kk) * AROW + aLane;
      uint bRow = (cur * BK + kk) * BROW + bLane;
      [[unroll]] for (uint i = 0u; i < TM / 4u; ++i)
        ra[i] = As[aRow + i * LM];
      [[unroll]] for (uint j = 0u; j < TN / 4u; ++j)
        rb[j] = Bs[bRow + j * LN];
      [[unroll]] for (uint i = 0u; i < TM; ++i)
        [[unroll]] for (uint j = 0u; j < TN / 4u; ++j)
          acc[i][j] = fma(vec4(ra[i / 4u][i % 4u]), rb[j], acc[i][j]);
    }
    if (s + 1u < slabs)
      storeSlab(1u - cur, tid);
    barrier();
  }

  [[unroll]] for (uint i = 0u; i < TM; ++i) {
    uint row = m0 + wm * WM + (i / 4u) * (LM * 4u) + lm * 4u + i % 4u;
    [[unroll]] for (uint j = 0u; j < TN / 4u; ++j) {
      uint col = n0 + wn * WN + j * (LN * 4u) + ln * 4u;
      vec4 v = alpha * acc[i][j];
      if (HAS_C != 0u)
        [[unroll]] for (uint e = 0u; e < 4u; ++e)
          v[e] += beta * float(c[row * C_SM + (col + e) * C_SN]);
      y4[(yBase + row * N + col) / 4u] = STORE4(v);
    }
  }
}
