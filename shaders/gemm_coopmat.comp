// fp16 matrix multiply on tensor cores (VK_NV_cooperative_matrix):
//   Y = A * B,  A [M, K] and B [K, N] fp16 row-major, Y [M, N] fp32,
// accumulated in fp32. Used by the GEMM benchmark (bench/gpu/gemm_bench.cpp)
// on devices with the extension; tlc's ops are f32-only, so no lowering
// emits it yet.
//
// Structure (as the f32 gemm_tiled.comp, with 16x16x16 cooperative-matrix
// multiply-adds in place of scalar FMAs; see the GL_NV_cooperative_matrix
// extension spec and NVIDIA's vk_cooperative_matrix_perf sample):
//   - a workgroup of WGM x WGN subgroups computes a BM x BN block of Y,
//     BM = WGM * FM * 16, BN = WGN * FN * FRAG_N, stepping through K in
//     slabs of BK;
//   - each subgroup owns an FM*16 x FN*FRAG_N block: FM x FN fp32
//     accumulator matrices of 16 x FRAG_N (4 x 4 of 16 x 16 by default),
//     B fragments of 16 x FRAG_N, each fp16 fragment loaded from
//     shared memory feeding FN (A) or FM (B) multiply-adds;
//   - slabs are staged in shared memory as uvec4 (8 halves) with rows padded
//     by PAD uvec4s (1: the 8 rows of a 16-byte-per-row fragment read fall
//     in distinct banks for the row lengths used here); the next slab is read from global memory into registers
//     while the current one is multiplied, then stored into the other shared
//     buffer (NBUF = 2) or, after a barrier, over the current one (NBUF = 1).
// Requirements (checked by the host): subgroup size 32, invocations
// WGM * WGN * 32 (constant 5); M % BM == 0, N % BN == 0, K % BK == 0; BM * BK
// and BK * BN multiples of 8 * invocations; shared memory
// 16 * NBUF * (BM * (BK / 8 + PAD) + BK * (BN / 8 + PAD)) bytes (with
// TRANS_B: 16 * NBUF * (BM + BN) * (BK / 8 + PAD)) within the device's limit.
// Bindings: 0 = A, 1 = B (K x N, or N x K with TRANS_B; fp16 read as
// uvec4), 2 = Y (f32).
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require

layout(local_size_x_id = 5) in;
#define TLC_DIMS(X)                                                           \
  X(0, M, 128) X(1, N, 128) X(2, K, 32)
#define TLC_DIMS_BINDING 3
#include "dims.glsl"
layout(constant_id = 3) const uint WGM = 2; // subgroups along M
layout(constant_id = 4) const uint WGN = 2; // subgroups along N
// 1: fragments are loaded straight from global memory (no shared staging),
// relying on the caches; for comparison in the benchmark.
layout(constant_id = 6) const uint DIRECT = 0;
layout(constant_id = 7) const uint BK = 32;  // k per slab (multiple of 16)
layout(constant_id = 9) const uint GROUP_M = 1; // block rows per sweep
layout(constant_id = 8) const uint NBUF = 2; // shared slabs: 2, or 1 (two
                                              // barriers per slab, half the
                                              // shared memory)
layout(constant_id = 10) const uint FM = 4;  // 16x16 matrices per subgroup
layout(constant_id = 11) const uint FN = 4;  // along M and along N
layout(constant_id = 12) const uint PAD = 1; // uvec4s after each shared row
// Columns of the B and accumulator matrices: 16, or 8 (the shape of one
// mma.m16n8k16 instruction; both are offered by NVIDIA's driver).
layout(constant_id = 13) const uint FRAG_N = 16;
// 1: B is given transposed, N x K row-major (as the weights of a linear
// layer are), staged N-major like A and loaded column-major, so that every
// fragment is read along its contiguous k.
layout(constant_id = 14) const uint TRANS_B = 0;
// Where the time goes (gemm_bench --probe; Y is then wrong): 0 the GEMM;
// 1 no global reads after the first slab (fragments and multiply-adds from
// shared memory only); 2 multiply-adds only (fragments loaded once);
// 3 global reads and shared stores only (no fragments, no multiply-adds).
layout(constant_id = 15) const uint PROBE = 0;
// Order of the multiply-adds: B fragments in groups of JBLOCK (0: all FN),
// each group multiplied with every A fragment before the next; 1 is
// B-fragment-major.
layout(constant_id = 16) const uint JBLOCK = 0;
const uint JB = JBLOCK == 0u ? FN : JBLOCK;

layout(set = 0, binding = 0) readonly buffer ABuf { uvec4 a[]; };
layout(set = 0, binding = 1) readonly buffer BBuf { uvec4 b[]; };
layout(set = 0, binding = 2) writeonly buffer YBuf { float y[]; };

const uint BM = WGM * FM * 16u;
const uint BN = WGN * FN * FRAG_N;
const uint THREADS = WGM * WGN * 32u;
// Shared row strides in uvec4 (8 halves), PAD uvec4s of padding per row.
const uint ASTRIDE = BK / 8u + PAD;
const uint BSTRIDE = TRANS_B != 0u ? BK / 8u + PAD : BN / 8u + PAD;
const uint BROWS = TRANS_B != 0u ? BN : BK; // shared rows of one B slab
shared uvec4 As[NBUF * BM * ASTRIDE];
shared uvec4 Bs[NBUF * BROWS * BSTRIDE];

const uint LOADS_A = BM * BK / 8u / THREADS;
const uint LOADS_B = BK * BN / 8u / THREADS;
uvec4 stageA[LOADS_A];
uvec4 stageB[LOADS_B];

// Reads slab k0 of the block (m0, n0) into registers: uvec4 q of this
// invocation is the slab's uvec4 number q * THREADS + tid, row-major.
void loadSlab(uint m0, uint n0, uint k0, uint tid) {
  [[unroll]] for (uint q = 0u; q < LOADS_A; ++q) {
    uint idx = q * THREADS + tid;
    uint r = idx / (BK / 8u), c = idx % (BK / 8u);
    stageA[q] = a[((m0 + r) * K + k0) / 8u + c];
  }
  [[unroll]] for (uint q = 0u; q < LOADS_B; ++q) {
    uint idx = q * THREADS + tid;
    if (TRANS_B != 0u) {
      uint r = idx / (BK / 8u), c = idx % (BK / 8u);
      stageB[q] = b[((n0 + r) * K + k0) / 8u + c];
    } else {
      uint r = idx / (BN / 8u), c = idx % (BN / 8u);
      stageB[q] = b[((k0 + r) * N + n0) / 8u + c];
    }
  }
}

void storeSlab(uint buf, uint tid) {
  [[unroll]] for (uint q = 0u; q < LOADS_A; ++q) {
    uint idx = q * THREADS + tid;
    uint r = idx / (BK / 8u), c = idx % (BK / 8u);
    As[(buf * BM + r) * ASTRIDE + c] = stageA[q];
  }
  [[unroll]] for (uint q = 0u; q < LOADS_B; ++q) {
    uint idx = q * THREADS + tid;
    uint cols = TRANS_B != 0u ? BK / 8u : BN / 8u;
    uint r = idx / cols, c = idx % cols;
    Bs[(buf * BROWS + r) * BSTRIDE + c] = stageB[q];
  }
}

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint warp = gl_SubgroupID;
  const uint wm = warp / WGN, wn = warp % WGN;
  // Grouped block order for L2 reuse, as in gemm_tiled.comp.
  uint tm = gl_WorkGroupID.y, tn = gl_WorkGroupID.x;
  if (GROUP_M > 1u) {
    uint tilesM = M / BM, tilesN = N / BN;
    uint pid = tm * tilesN + tn, span = GROUP_M * tilesN;
    uint first = (pid / span) * GROUP_M;
    uint rows = min(tilesM - first, GROUP_M);
    tm = first + (pid % span) % rows;
    tn = (pid % span) / rows;
  }
  const uint m0 = tm * BM, n0 = tn * BN;
  const uint slabs = K / BK;

  fcoopmatNV<32, gl_ScopeSubgroup, 16, FRAG_N> acc[FM][FN];
  [[unroll]] for (uint i = 0u; i < FM; ++i)
    [[unroll]] for (uint j = 0u; j < FN; ++j)
      acc[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, 16, FRAG_N>(0.0);

  if (DIRECT != 0u) {
    for (uint k0 = 0u; k0 < K; k0 += 16u) {
      fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> fa[FM];
      fcoopmatNV<16, gl_ScopeSubgroup, 16, FRAG_N> fb[FN];
      [[unroll]] for (uint i = 0u; i < FM; ++i)
        coopMatLoadNV(fa[i], a,
                      ((m0 + wm * FM * 16u + i * 16u) * K + k0) / 8u,
                      K / 8u, false);
      [[unroll]] for (uint j = 0u; j < FN; ++j) {
        uint col = n0 + wn * FN * FRAG_N + j * FRAG_N;
        if (TRANS_B != 0u)
          coopMatLoadNV(fb[j], b, (col * K + k0) / 8u, K / 8u, true);
        else
          coopMatLoadNV(fb[j], b, (k0 * N + col) / 8u, N / 8u, false);
      }
      [[unroll]] for (uint i = 0u; i < FM; ++i)
        [[unroll]] for (uint j = 0u; j < FN; ++j)
          acc[i][j] = coopMatMulAddNV(fa[i], fb[j], acc[i][j]);
    }
  } else if (PROBE == 2u) {
    loadSlab(m0, n0, 0u, tid);
    storeSlab(0u, tid);
    barrier();
    fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> fa[FM];
    fcoopmatNV<16, gl_ScopeSubgroup, 16, FRAG_N> fb[FN];
    [[unroll]] for (uint i = 0u; i < FM; ++i)
      coopMatLoadNV(fa[i], As, (wm * FM * 16u + i * 16u) * ASTRIDE,
                    ASTRIDE, false);
    [[unroll]] for (uint j = 0u; j < FN; ++j)
      coopMatLoadNV(fb[j], Bs, (wn * FN * FRAG_N + j * FRAG_N) / 8u,
                    BSTRIDE, false);
    for (uint k0 = 0u; k0 < K; k0 += 16u)
      [[unroll]] for (uint x = 0u; x < FM * FN; ++x) {
        uint r = x % (FM * JB);
        uint i = r / JB;
        uint j = x / (FM * JB) * JB + r % JB;
        acc[i][j] = coopMatMulAddNV(fa[i], fb[j], acc[i][j]);
      }
  } else {
    loadSlab(m0, n0, 0u, tid);
    storeSlab(0u, tid);
    barrier();
    for (uint s = 0u; s < slabs; ++s) {
      uint cur = NBUF == 2u ? s % 2u : 0u;
      if (s + 1u < slabs && PROBE != 1u && PROBE != 2u)
        loadSlab(m0, n0, (s + 1u) * BK, tid);
      if (PROBE != 3u) {
        [[unroll]] for (uint kk = 0u; kk < BK; kk += 16u) {
          fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> fa[FM];
          fcoopmatNV<16, gl_ScopeSubgroup, 16, FRAG_N> fb[FN];
          [[unroll]] for (uint i = 0u; i < FM; ++i)
            coopMatLoadNV(fa[i], As,
                          (cur * BM + wm * FM * 16u + i * 16u) * ASTRIDE +
                              kk / 8u,
                          ASTRIDE, false);
          [[unroll]] for (uint j = 0u; j < FN; ++j) {
            uint col = wn * FN * FRAG_N + j * FRAG_N;
            if (TRANS_B != 0u)
              coopMatLoadNV(fb[j], Bs, (cur * BN + col) * BSTRIDE + kk / 8u,
                            BSTRIDE, true);
            else
              coopMatLoadNV(fb[j], Bs, (cur * BK + kk) * BSTRIDE + col / 8u,
                            BSTRIDE, false);
          }
          [[unroll]] for (uint x = 0u; x < FM * FN; ++x) {
            uint r = x % (FM * JB);
            uint i = r / JB;
            uint j = x / (FM * JB) * JB + r % JB;
            acc[i][j] = coopMatMulAddNV(fa[i], fb[j], acc[i][j]);
          }
        }
      }
      if (s + 1u < slabs && PROBE != 1u && PROBE != 2u) {
        if (NBUF == 1u)
          barrier(); // every subgroup is done reading the only slab
        storeSlab(NBUF == 2u ? 1u - cur : 0u, tid);
      }
      barrier();
    }
  }

  [[unroll]] for (uint i = 0u; i < FM; ++i)
    [[unroll]] for (uint j = 0u; j < FN; ++j) {
      uint row = m0 + wm * FM * 16u + i * 16u;
      uint col = n0 + wn * FN * FRAG_N + j * FRAG_N;
      coopMatStoreNV(acc[i][j], y, row * N + col, N, false);
    }
}
