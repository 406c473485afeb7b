// Batched matrix multiply for GPUs (ops/GemmKernel.h, the "gpu" profile):
//   Y[b] = ALPHA * op(A[b]) * op(B[b]) + BETA * C
// Same operands and constants 0..22 as gemm.comp; the tiling is chosen at
// lowering through constants 23..32; constant 33 (KSLICE) makes the batch
// walk split-K slices.
//
// Structure (the classic shared-memory GEMM, e.g. V. Volkov and J. Demmel,
// "Benchmarking GPUs to tune dense linear algebra", SC'08, and NVIDIA's
// CUTLASS "efficient GEMM" notes):
//   - a workgroup computes a BM x BN block of Y, stepping through K in slabs
//     of BK; each slab of op(A) (BM x BK) and op(B) (BK x BN) is staged in
//     shared memory, both stored k-major (As[k][m], Bs[k][n]) so that the
//     inner loop reads contiguous vec4s;
//   - each invocation accumulates a TM x TN register block: its rows are
//     TM/4 groups of 4 consecutive rows, BM/(TM/4) apart (columns likewise),
//     so that the vec4 reads of neighbouring invocations are contiguous in
//     shared memory (no bank conflicts) and every shared load feeds 4 FMAs;
//   - two shared buffers: the next slab is loaded from global memory into
//     registers while the current one is multiplied, then stored into the
//     other buffer, one barrier per slab;
//   - global loads are vec4 along the contiguous dimension of each operand
//     when VEC_A / VEC_B say that dimension and every batch offset are
//     multiples of 4 (the lowering checks); otherwise scalar. Y is written as
//     vec4 when VEC_Y (N % 4 == 0);
//   - with GROUP_M > 1, workgroups visit blocks in groups of GROUP_M block
//     rows, for L2 reuse.
// Out-of-range rows, columns and k read zeros and are not stored, so any
// shape is correct.
// Split-K partial products (ops/GemmSplitK.cpp): with KSLICE > 0, batch
// entry bt multiplies only k in [bt * KSLICE, min(K, (bt + 1) * KSLICE)):
// the lowering points the batch strides of A and B at that slice's first
// column (row), K stays the row stride and KSLICE bounds the k loop, and
// Y[bt] receives the slice's partial product (the batch walks the slices). Workgroups loop over tiles and batches beyond the
// dispatched group counts (capped at 65535).
// Invocations per workgroup: (BM / TM) * (BN / TN), given as constant 30.
// Requirements (checked by the lowering): TM, TN multiples of 4; BM/TM and
// BN/TN divide the invocation count into whole rows; BM*BK and BN*BK
// multiples of 4 * invocations (whole vec4 loads per invocation).
// Bindings: 0 = A, 1 = B, 2 = C (read only when HAS_C), 3 = Y.
// gemm_tiled_f16: A, B, C and Y stored as binary16 (shaders/storage.glsl),
// split-K partial products included; shared memory and sums stay f32.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x_id = 30) in;
#define TLC_DIMS(X)                                                           \
  X(0, M, 1) X(1, N, 1) X(2, K, 1) X(8, C_SM, 0) X(9, C_SN, 0)                \
  X(10, BATCH, 1) X(11, BD0, 1) X(12, BD1, 1) X(13, BD2, 1) X(14, BD3, 1)     \
  X(15, AS0, 0) X(16, AS1, 0) X(17, AS2, 0) X(18, AS3, 0) X(19, BS0, 0)       \
  X(20, BS1, 0) X(21, BS2, 0) X(22, BS3, 0)                                   \
  X(33, KSLICE, 0) /* k per batch entry; 0: K */
#define TLC_DIMS_BINDING 4
#include "dims.glsl"
layout(constant_id = 3) const uint TRANS_A = 0;
layout(constant_id = 4) const uint TRANS_B = 0;
layout(constant_id = 5) const uint ALPHA_BITS = 0x3f800000; // 1.0
layout(constant_id = 6) const uint BETA_BITS = 0;
layout(constant_id = 7) const uint HAS_C = 0;
layout(constant_id = 23) const uint BM = 128; // block rows (multiple of TM)
layout(constant_id = 24) const uint BN = 128; // block columns (multiple of TN)
layout(constant_id = 25) const uint BK = 8;   // k per shared slab
layout(constant_id = 26) const uint TM = 8;   // rows per invocation
layout(constant_id = 27) const uint TN = 8;   // columns per invocation
layout(constant_id = 28) const uint VEC_A = 0; // vec4 loads of A
layout(constant_id = 29) const uint VEC_B = 0; // vec4 loads of B
layout(constant_id = 31) const uint VEC_Y = 0; // vec4 stores of Y
layout(constant_id = 32) const uint GROUP_M = 1; // block rows per sweep

layout(set = 0, binding = 0) readonly buffer ABuf { FLOAT_T a[]; };
layout(set = 0, binding = 0) readonly buffer ABuf4 { VEC4_T a4[]; };
layout(set = 0, binding = 1) readonly buffer BBuf { FLOAT_T b[]; };
layout(set = 0, binding = 1) readonly buffer BBuf4 { VEC4_T b4[]; };
layout(set = 0, binding = 2) readonly buffer CBuf { FLOAT_T c[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf { FLOAT_T y[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf4 { VEC4_T y4[]; };

const uint THREADS = (BM / TM) * (BN / TN);
// Row length of the k-major slabs in vec4s; A's rows get one vec4 of padding
// so that the transposing scalar stores of a non-transposed A spread over
// banks.
const uint AROW = BM / 4u + 1u;
const uint BROW = BN / 4u + 1u;
shared vec4 As[2u * BK * AROW];
shared vec4 Bs[2u * BK * BROW];

// Per-invocation staging of one slab: at most 8 vec4s per operand (checked
// by the lowering: BM * BK <= 32 * THREADS).
const uint LOADS_A = (BM * BK) / (4u * THREADS);
const uint LOADS_B = (BN * BK) / (4u * THREADS);
vec4 stageA[LOADS_A];
vec4 stageB[LOADS_B];

// Loads slab k0 of op(A) rows m0.. into stageA. Load q of this invocation is
// the vec4 index  q * THREADS + tid  of the slab, laid out along the
// operand's contiguous dimension (k for a plain A, m for a transposed one).
// k at or beyond kEnd (K, or the end of a split-K slice) reads zeros.
void loadA(uint aBase, uint m0, uint k0, uint kEnd, uint tid) {
  for (uint q = 0u; q < LOADS_A; ++q) {
    uint idx = q * THREADS + tid;
    vec4 v = vec4(0.0);
    if (TRANS_A == 0u) {
      uint m = m0 + idx / (BK / 4u), k = k0 + (idx % (BK / 4u)) * 4u;
      if (VEC_A != 0u) {
        if (m < M && k < kEnd) v = vec4(a4[(aBase + m * K + k) / 4u]);
      } else {
        for (uint j = 0u; j < 4u; ++j)
          if (m < M && k + j < kEnd) v[j] = float(a[aBase + m * K + k + j]);
      }
    } else {
      uint k = k0 + idx / (BM / 4u), m = m0 + (idx % (BM / 4u)) * 4u;
      if (VEC_A != 0u) {
        if (k < kEnd && m < M) v = vec4(a4[(aBase + k * M + m) / 4u]);
      } else {
        for (uint j = 0u; j < 4u; ++j)
          if (k < kEnd && m + j < M) v[j] = float(a[aBase + k * M + m + j]);
      }
    }
    stageA[q] = v;
  }
}

// Same for op(B) columns n0..: contiguous along n for a plain B, along k for
// a transposed one.
void loadB(uint bBase, uint n0, uint k0, uint kEnd, uint tid) {
  for (uint q = 0u; q < LOADS_B; ++q) {
    uint idx = q * THREADS + tid;
    vec4 v = vec4(0.0);
    if (TRANS_B == 0u) {
      uint k = k0 + idx / (BN / 4u), n = n0 + (idx % (BN / 4u)) * 4u;
      if (VEC_B != 0u) {
        if (k < kEnd && n < N) v = vec4(b4[(bBase + k * N + n) / 4u]);
      } else {
        for (uint j = 0u; j < 4u; ++j)
          if (k < kEnd && n + j < N) v[j] = float(b[bBase + k * N + n + j]);
      }
    } else {
      uint n = n0 + idx / (BK / 4u), k = k0 + (idx % (BK / 4u)) * 4u;
      if (VEC_B != 0u) {
        if (n < N && k < kEnd) v = vec4(b4[(bBase + n * K + k) / 4u]);
      } else {
        for (uint j = 0u; j < 4u; ++j)
          if (n < N && k + j < kEnd) v[j] = float(b[bBase + n * K + k + j]);
      }
    }
    stageB[q] = v;
  }
}

// Stores the staged slab into shared buffer `buf`, k-major.
void storeSlab(uint buf, uint tid) {
  for (uint q = 0u; q < LOADS_A; ++q) {
    uint idx = q * THREADS + tid;
    if (TRANS_A == 0u) {
      uint m = idx / (BK / 4u), k = (idx % (BK / 4u)) * 4u;
      for (uint j = 0u; j < 4u; ++j)
        As[(buf * BK + k + j) * AROW + m / 4u][m % 4u] = stageA[q][j];
    } else {
      uint k = idx / (BM / 4u), m4 = idx % (BM / 4u);
      As[(buf * BK + k) * AROW + m4] = stageA[q];
    }
  }
  for (uint q = 0u; q < LOADS_B; ++q) {
    uint idx = q * THREADS + tid;
    if (TRANS_B == 0u) {
      uint k = idx / (BN / 4u), n4 = idx % (BN / 4u);
      Bs[(buf * BK + k) * BROW + n4] = stageB[q];
    } else {
      uint n = idx / (BK / 4u), k = (idx % (BK / 4u)) * 4u;
      for (uint j = 0u; j < 4u; ++j)
        Bs[(buf * BK + k + j) * BROW + n / 4u][n % 4u] = stageB[q][j];
    }
  }
}

void main() {
  const float alpha = uintBitsToFloat(ALPHA_BITS);
  const float beta = uintBitsToFloat(BETA_BITS);
  const uint tilesM = (M + BM - 1u) / BM;
  const uint tilesN = (N + BN - 1u) / BN;
  const uint tid = gl_LocalInvocationID.x;
  // Position of this invocation's register block: vec4 column tx, row
  // group ty; group g of rows starts at row g * (BM / (TM / 4)).
  const uint tx = tid % (BN / TN), ty = tid / (BN / TN);
  for (uint bt = gl_WorkGroupID.z; bt < BATCH; bt += gl_NumWorkGroups.z) {
    uint i3 = bt % BD3, r = bt / BD3;
    uint i2 = r % BD2;
    r /= BD2;
    uint i1 = r % BD1;
    uint i0 = r / BD1;
    uint aBase = i0 * AS0 + i1 * AS1 + i2 * AS2 + i3 * AS3;
    uint bBase = i0 * BS0 + i1 * BS1 + i2 * BS2 + i3 * BS3;
    uint yBase = bt * M * N;
    // Split-K: this entry's slice (the lowering makes every slice
    // non-empty).
    uint kEnd = KSLICE == 0u ? K : min(KSLICE, K - bt * KSLICE);
    uint slabs = (kEnd + BK - 1u) / BK;
    for (uint tm = gl_WorkGroupID.y; tm < tilesM; tm += gl_NumWorkGroups.y) {
      for (uint tn = gl_WorkGroupID.x; tn < tilesN; tn += gl_NumWorkGroups.x) {
        // Grouped order: consecutive workgroups sweep GROUP_M block rows
        // together, so that their A rows and B columns are reused from L2
        // (the "grouped ordering" of the Triton matmul tutorial). Only set
        // when the grid covers every tile, so that the loops run once.
        uint tmS = tm, tnS = tn;
        if (GROUP_M > 1u) {
          uint pid = tm * tilesN + tn, span = GROUP_M * tilesN;
          uint first = (pid / span) * GROUP_M;
          uint rows = min(tilesM - first, GROUP_M);
          tmS = first + (pid % span) % rows;
          tnS = (pid % span) / rows;
        }
        uint m0 = tmS * BM, n0 = tnS * BN;
        vec4 acc[TM][TN / 4u];
        for (uint i = 0u; i < TM; ++i)
          for (uint j = 0u; j < TN / 4u; ++j)
            acc[i][j] = vec4(0.0);

        loadA(aBase, m0, 0u, kEnd, tid);
        loadB(bBase, n0, 0u, kEnd, tid);
        // The previous tile's last reads of buffer 0 end before this store.
        barrier();
        storeSlab(0u, tid);
        barrier();
        for (uint s = 0u; s < slabs; ++s) {
          uint cur = s % 2u;
          if (s + 1u < slabs) {
            loadA(aBase, m0, (s + 1u) * BK, kEnd, tid);
            loadB(bBase, n0, (s + 1u) * BK, kEnd, tid);
          }
          [[unroll]] for (uint kk = 0u; kk < BK; ++kk) {
            vec4 ra[TM / 4u], rb[TN / 4u];
            uint aRow = (cur * BK + kk) * AROW, bRow = (cur * BK + kk) * BROW;
            for (uint g = 0u; g < TM / 4u; ++g)
              ra[g] = As[aRow + g * (BM / TM) + ty];
            for (uint g = 0u; g < TN / 4u; ++g)
              rb[g] = Bs[bRow + g * (BN / TN) + tx];
            for (uint i = 0u; i < TM; ++i)
              for (uint j = 0u; j < TN / 4u; ++j)
                acc[i][j] = fma(vec4(ra[i / 4u][i % 4u]), rb[j], acc[i][j]);
          }
          if (s + 1u < slabs)
            storeSlab(1u - cur, tid);
          barrier();
        }

        for (uint i = 0u; i < TM; ++i) {
          uint row = m0 + (i / 4u) * (BM / (TM / 4u)) + ty * 4u + i % 4u;
          if (row >= M)
            continue;
          for (uint j = 0u; j < TN / 4u; ++j) {
            uint col = n0 + j * (BN / (TN / 4u)) + tx * 4u;
            vec4 v = alpha * acc[i][j];
            if (HAS_C != 0u)
              for (uint e = 0u; e < 4u; ++e)
                if (col + e < N)
                  v[e] += beta * float(c[row * C_SM + (col + e) * C_SN]);
            if (VEC_Y != 0u) {
              if (col < N)
                y4[(yBase + row * N + col) / 4u] = STORE4(v);
            } else {
              for (uint e = 0u; e < 4u; ++e)
                if (col + e < N)
                  y[yBase + row * N + col + e] = STORE(v[e]);
            }
          }
        }
      }
    }
  }
}
