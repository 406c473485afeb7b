// Y [M, N] = A [M, K] * dequant(W)^T with W block-quantized in GGUF layout
// (ops/QuantizedGemm.cpp): row n of W is K values in blocks of
//   QTYPE 0, q8_0: 34 bytes per 32 values: f16 d, int8 q[32]; v = d * q;
//   QTYPE 1, q4_0: 18 bytes per 32 values: f16 d, qs[16]; value j < 16 is
//                  the low nibble of qs[j], value j + 16 its high nibble;
//                  v = d * (nibble - 8);
//   QTYPE 2, q6_k: 210 bytes per 256 values: ql[128], qh[64], int8
//                  scales[16], f16 d; v = d * scales[i / 16] * (q6 - 32)
// (ggml's src/ggml-common.h and dequantize_row_* in src/ggml-quants.c;
// docs/gguf.md), rows ROW_STRIDE bytes apart (the row's blocks rounded up
// to 4 bytes). W is read as 32-bit words, blocks start on 2-byte
// boundaries, so no 8- or 16-bit storage is needed; values are decoded in
// registers and never written back.
//
// A workgroup of WG invocations computes an MR x NR tile of Y (rows m0..,
// columns n0..), looping over tiles past the dispatched grid. K is split
// into units of UNIT values (8 for q8_0 and q4_0, a quarter block; 16 for
// q6_k, one scale's run): invocation i takes units i, i + WG, ...,
// decodes each unit of the NR rows of W once and multiplies it with the MR
// rows of A (vec4 loads), then the MR x NR partial sums are reduced over
// the workgroup CHUNK at a time: a shared-memory tree in the base build,
// subgroupAdd plus one shared slot per subgroup in quant_gemm_subgroup
// (GL_KHR_shader_subgroup_arithmetic; the runtime refuses it on a device
// without subgroup arithmetic). Sums run in a fixed order for a given
// subgroup size. For M = 1 (a decoded token) this is a GEMV in which each
// weight byte is read once.
// Specialization constants: 0 = M, 1 = N, 2 = K (TLC_DIMS), 3 = QTYPE,
// 4 = MR (1..8), 5 = NR (1..4). Bindings: 0 = A (f32), 1 = W (bytes), 2 = Y.
// quant_gemm_f16 (and _subgroup_f16): A and Y stored as binary16
// (shaders/storage.glsl, --precision=fp16); sums stay f32.
// tlc-variant: subgroup SUBGROUP
// tlc-variant: f16 TLC_F16
// tlc-variant: subgroup_f16 SUBGROUP TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#ifdef SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
#define WG 128u
layout(local_size_x = 128) in;
#define TLC_DIMS(X) X(0, M, 1) X(1, N, 1) X(2, K, 32)
#define TLC_DIMS_BINDING 3
#include "dims.glsl"
#include "storage.glsl"
layout(constant_id = 3) const uint QTYPE = 0;
layout(constant_id = 4) const uint MR = 1;
layout(constant_id = 5) const uint NR = 4;
layout(set = 0, binding = 0) readonly buffer ABuf { VEC4_T a4[]; };
layout(set = 0, binding = 1) readonly buffer WBuf { uint w[]; };
layout(set = 0, binding = 2) writeonly buffer YBuf { FLOAT_T y[]; };

#define MAXACC 32 // MR * NR at most
#define CHUNK 8u  // partial sums reduced per round
shared float red[CHUNK * WG];

#include "ggml_blocks.glsl"
const uint NACC = MR * NR;

void main() {
  uint lid = gl_LocalInvocationID.x;
  uint rowStride = (K / BLOCK_ELEMS * BLOCK_BYTES + 3u) & ~3u;
  uint units = K / UNIT, kVec = K / 4u;
  uint colTiles = (N + NR - 1u) / NR, rowTiles = (M + MR - 1u) / MR;
  // A's vec4s for unit (b, s): aBase + j * aStep, j < UNIT / 4.
  uint aStep = QTYPE == 1u ? 4u : 1u;
  for (uint ct = gl_WorkGroupID.x; ct < colTiles; ct += gl_NumWorkGroups.x) {
    for (uint rt = gl_WorkGroupID.y; rt < rowTiles; rt += gl_NumWorkGroups.y) {
      uint n0 = ct * NR, m0 = rt * MR;
      uint nc = min(NR, N - n0), nr = min(MR, M - m0);
      float acc[MAXACC];
      for (uint e = 0u; e < NACC; ++e) acc[e] = 0.0;
      for (uint u = lid; u < units; u += WG) {
        uint b = u / UNITS_PER_BLOCK, s = u % UNITS_PER_BLOCK;
        uint aBase = QTYPE == 0u ? b * 8u + 2u * s
                   : (QTYPE == 1u ? b * 8u + s : b * 64u + 4u * s);
        for (uint c = 0u; c < NR; ++c) {
          if (c < nc) {
            float v[16];
            decodeUnit((n0 + c) * rowStride, b, s, v);
            for (uint r = 0u; r < MR; ++r) {
              if (r < nr) {
                uint ai = (m0 + r) * kVec + aBase;
                float sum = 0.0;
                for (uint j = 0u; j < UNIT / 4u; ++j)
                  sum += dot(vec4(a4[ai + j * aStep]),
                             vec4(v[4u * j], v[4u * j + 1u], v[4u * j + 2u],
                                  v[4u * j + 3u]));
                acc[r * NR + c] += sum;
              }
            }
          }
        }
      }
      // Reduce the NACC partial sums over the workgroup, CHUNK at a time;
      // invocation j < CHUNK writes sum e0 + j.
      for (uint e0 = 0u; e0 < NACC; e0 += CHUNK) {
        uint cnt = min(CHUNK, NACC - e0);
#ifdef SUBGROUP
        for (uint j = 0u; j < CHUNK; ++j) {
          if (j < cnt) {
            float sg = subgroupAdd(acc[e0 + j]);
            if (subgroupElect()) red[j * WG + gl_SubgroupID] = sg;
          }
        }
        barrier();
        float total = 0.0;
        if (lid < cnt)
          for (uint i = 0u; i < gl_NumSubgroups; ++i) total += red[lid * WG + i];
#else
        for (uint j = 0u; j < CHUNK; ++j)
          if (j < cnt) red[j * WG + lid] = acc[e0 + j];
        barrier();
        for (uint half_ = WG / 2u; half_ > 0u; half_ >>= 1) {
          if (lid < half_)
            for (uint j = 0u; j < CHUNK; ++j)
              if (j < cnt) red[j * WG + lid] += red[j * WG + lid + half_];
          barrier();
        }
        float total = lid < cnt ? red[lid * WG] : 0.0;
#endif
        if (lid < cnt) {
          uint r = (e0 + lid) / NR, c = (e0 + lid) % NR;
          if (r < nr && c < nc) y[(m0 + r) * N + n0 + c] = STORE(total);
        }
        barrier();
      }
    }
  }
}
