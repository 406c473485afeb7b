// Gemm / MatMul on tensor cores for fp16 storage (--precision=fp16 with the
// "gpu-nv" kernel target; lowering: ops/GemmCoopMat.h):
//   Y = alpha * A * op(B) + beta * C,  A [M, K], B [K, N] (or [N, K] with
//   TRANS_B), C read at [row * C_SM + col * C_SN], Y [M, N],
// all stored as binary16, products accumulated in f32 by VK_NV_cooperative_
// matrix 16x16x16 multiply-adds (GL_NV_cooperative_matrix).
// A workgroup of 4 subgroups (2 x 2, subgroup size 32) computes a 64 x 64
// block of Y, each subgroup 32 x 32 as 2 x 2 accumulators, stepping through
// K in slabs of BK (constant 34: 32 or 64) staged in shared memory as uvec4 (8 halves; rows padded
// by one uvec4); the next slab is read into registers while the current one
// is multiplied. Rows and columns past M and N, and k past K, are staged as
// zeros, so any M and N work; K must be a multiple of 8 (16-byte loads of
// A, and of B with TRANS_B); B [K, N] rows are read as 16-byte loads when N
// is a multiple of 8, else element by element (GPT-2's N = 50257). The accumulators go through shared memory
// (f32) to an epilogue that adds beta * C and stores binary16 within bounds.
// Constants 0..22 are gemm.comp's (TRANS_A must be 0; batch offsets of A
// and B multiples of 8 halves; C only with one batch entry), 33 is
// gemm_tiled.comp's KSLICE: split-K partial products, batch entry bt
// multiplying k in [bt * KSLICE, min(K, (bt + 1) * KSLICE)) (the batch
// strides point A and B at the slice) into Y[bt] (ops/GemmSplitK.cpp).
// Bindings: 0 = A, 1 = B, 2 = C (A again, unread, without HAS_C), 3 = Y
// (may be C's memory: each element is read and written by one invocation).
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require

layout(local_size_x = 128) in;
#define TLC_DIMS(X)                                                           \
  X(0, M, 1) X(1, N, 1) X(2, K, 8) X(8, C_SM, 0) X(9, C_SN, 0)                \
  X(10, BATCH, 1) X(11, BD0, 1) X(12, BD1, 1) X(13, BD2, 1) X(14, BD3, 1)     \
  X(15, AS0, 0) X(16, AS1, 0) X(17, AS2, 0) X(18, AS3, 0) X(19, BS0, 0)       \
  X(20, BS1, 0) X(21, BS2, 0) X(22, BS3, 0)                                   \
  X(33, KSLICE, 0) /* k per batch entry; 0: K */
#define TLC_DIMS_BINDING 4
#include "dims.glsl"
layout(constant_id = 4) const uint TRANS_B = 0;
layout(constant_id = 5) const float ALPHA = 1.0;
layout(constant_id = 6) const float BETA = 0.0;
layout(constant_id = 7) const uint HAS_C = 0;
layout(constant_id = 34) const uint BK = 64;     // k per slab: 32 or 64

// The uvec4 views stage 16-byte loads; the float16_t views declare the
// storage (the compiler reads each binding's element type from the SPIR-V).
layout(set = 0, binding = 0) readonly buffer ABuf { uvec4 a[]; };
layout(set = 0, binding = 0) readonly buffer AHalf { float16_t aHalf[]; };
layout(set = 0, binding = 1) readonly buffer BBuf { uvec4 b[]; };
layout(set = 0, binding = 1) readonly buffer BHalf { float16_t bHalf[]; };
layout(set = 0, binding = 2) readonly buffer CBuf { float16_t c[]; };
layout(set = 0, binding = 3) buffer YBuf { float16_t y[]; };

const uint BM = 64u, BN = 64u, THREADS = 128u;
const uint ASTRIDE = BK / 8u + 1u;                          // uvec4 per A row
const uint BSTRIDE = TRANS_B != 0u ? BK / 8u + 1u : BN / 8u + 1u;
const uint BROWS = TRANS_B != 0u ? BN : BK;
const uint CSTRIDE = BN + 4u;                               // floats per row
shared uvec4 As[BM * ASTRIDE];
shared uvec4 Bs[BROWS * BSTRIDE];
shared float Cs[BM * CSTRIDE];

const uint LOADS = BM * BK / 8u / THREADS; // uvec4s of A, and of B
uvec4 stageA[LOADS];
uvec4 stageB[LOADS];

// Element offsets of batch entry bt's A and B (half units).
uvec2 batchOffsets(uint bt) {
  uint i3 = bt % BD3, r = bt / BD3;
  uint i2 = r % BD2; r /= BD2;
  uint i1 = r % BD1, i0 = r / BD1;
  return uvec2(i0 * AS0 + i1 * AS1 + i2 * AS2 + i3 * AS3,
               i0 * BS0 + i1 * BS1 + i2 * BS2 + i3 * BS3);
}

// Reads slab k0 (k < kEnd) of block (m0, n0) into registers; aOff, bOff:
// the batch entry's offsets.
void loadSlab(uint m0, uint n0, uint k0, uint kEnd, uint aOff, uint bOff,
              uint tid) {
  [[unroll]] for (uint q = 0u; q < LOADS; ++q) {
    uint idx = q * THREADS + tid;
    uint r = idx / (BK / 8u), col = idx % (BK / 8u);
    uint m = m0 + r, k = k0 + col * 8u;
    stageA[q] = (m < M && k < kEnd) ? a[(aOff + m * K + k) / 8u] : uvec4(0u);
    if (TRANS_B != 0u) {
      uint n = n0 + r;
      stageB[q] = (n < N && k < kEnd) ? b[(bOff + n * K + k) / 8u] : uvec4(0u);
    } else {
      uint kr = k0 + idx / (BN / 8u), n = n0 + (idx % (BN / 8u)) * 8u;
      if (N % 8u == 0u) {
        stageB[q] = (kr < kEnd && n < N) ? b[(bOff + kr * N + n) / 8u]
                                           : uvec4(0u);
      } else { // rows not 16-byte aligned (e.g. N = 50257): element loads
        float16_t h[8];
        [[unroll]] for (uint t = 0u; t < 8u; ++t)
          h[t] = (kr < kEnd && n + t < N) ? bHalf[bOff + kr * N + n + t]
                                          : float16_t(0.0);
        stageB[q] = uvec4(packFloat2x16(f16vec2(h[0], h[1])),
                          packFloat2x16(f16vec2(h[2], h[3])),
                          packFloat2x16(f16vec2(h[4], h[5])),
                          packFloat2x16(f16vec2(h[6], h[7])));
      }
    }
  }
}

void storeSlab(uint tid) {
  [[unroll]] for (uint q = 0u; q < LOADS; ++q) {
    uint idx = q * THREADS + tid;
    As[(idx / (BK / 8u)) * ASTRIDE + idx % (BK / 8u)] = stageA[q];
    uint cols = TRANS_B != 0u ? BK / 8u : BN / 8u;
    Bs[(idx / cols) * BSTRIDE + idx % cols] = stageB[q];
  }
}

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint warp = tid / 32u; // subgroup size 32 (NVIDIA)
  const uint wm = warp / 2u, wn = warp % 2u;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;

  for (uint bt = gl_WorkGroupID.z; bt < BATCH; bt += gl_NumWorkGroups.z) {
    uvec2 off = batchOffsets(bt);
    uint kEnd = KSLICE == 0u ? K : min(KSLICE, K - bt * KSLICE);
    fcoopmatNV<32, gl_ScopeSubgroup, 16, 16> acc[2][2];
    [[unroll]] for (uint i = 0u; i < 2u; ++i)
      [[unroll]] for (uint j = 0u; j < 2u; ++j)
        acc[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>(0.0);

    const uint slabs = (kEnd + BK - 1u) / BK;
    loadSlab(m0, n0, 0u, kEnd, off.x, off.y, tid);
    storeSlab(tid);
    barrier();
    for (uint s = 0u; s < slabs; ++s) {
      if (s + 1u < slabs)
        loadSlab(m0, n0, (s + 1u) * BK, kEnd, off.x, off.y, tid);
      [[unroll]] for (uint kk = 0u; kk < BK; kk += 16u) {
        fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> fa[2];
        fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> fb[2];
        [[unroll]] for (uint i = 0u; i < 2u; ++i)
          coopMatLoadNV(fa[i], As, (wm * 32u + i * 16u) * ASTRIDE + kk / 8u,
                        ASTRIDE, false);
        [[unroll]] for (uint j = 0u; j < 2u; ++j) {
          uint col = wn * 32u + j * 16u;
          if (TRANS_B != 0u)
            coopMatLoadNV(fb[j], Bs, col * BSTRIDE + kk / 8u, BSTRIDE, true);
          else
            coopMatLoadNV(fb[j], Bs, kk * BSTRIDE + col / 8u, BSTRIDE, false);
        }
        [[unroll]] for (uint i = 0u; i < 2u; ++i)
          [[unroll]] for (uint j = 0u; j < 2u; ++j)
            acc[i][j] = coopMatMulAddNV(fa[i], fb[j], acc[i][j]);
      }
      barrier(); // every subgroup is done reading the slab
      if (s + 1u < slabs) {
        storeSlab(tid);
        barrier();
      }
    }

    [[unroll]] for (uint i = 0u; i < 2u; ++i)
      [[unroll]] for (uint j = 0u; j < 2u; ++j)
        coopMatStoreNV(acc[i][j], Cs,
                       (wm * 32u + i * 16u) * CSTRIDE + wn * 32u + j * 16u,
                       CSTRIDE, false);
    barrier();
    uint yOff = bt * M * N;
    for (uint e = tid; e < BM * BN; e += THREADS) {
      uint r = e / BN, col = e % BN;
      uint row = m0 + r, n = n0 + col;
      if (row >= M || n >= N)
        continue;
      float v = ALPHA * Cs[r * CSTRIDE + col];
      if (HAS_C != 0u)
        v += BETA * float(c[row * C_SM + n * C_SN]);
      y[yOff + row * N + n] = float16_t(v);
    }
    barrier(); // Cs is rewritten by the next batch entry
  }
}
