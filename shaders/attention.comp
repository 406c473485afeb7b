// Fused scaled dot-product attention (ops/FusedAttention.cpp):
//   Y[b,h] = softmax(SCALE * Q[b,h] K[b,h]^T + mask[b,h]) V[b,h]
// FlashAttention's online softmax (T. Dao et al., "FlashAttention: Fast and
// Memory-Efficient Exact Attention with IO-Awareness", NeurIPS 2022,
// Algorithm 1): keys are visited in blocks of BC; each query row keeps its
// running max m, its running sum l of exp(s - m) and its unnormalized
// output, rescaled by exp(m_old - m_new) whenever the max grows. The scores
// never reach memory and any Sk works.
//
// Workgroup g (of ceil(SQ / BR) * B * H, linear index wg.x + wg.y * num.x)
// handles BR query rows of one (b, h). Invocation t serves row t / TPR and
// lane t % TPR of it: it computes the row's scores for keys lane,
// lane + TPR, ... of a block (CPT = ceil(BC / TPR) of them), then their
// exp(s - m) once into ps, and accumulates output vec4s lane, lane + TPR,
// ... (ACC = ceil(DV4 / TPR) vec4 registers). The Q rows and each K and V
// block are staged in shared memory as vec4s, zero-padded to D4 = ceil(D/4)
// (and DV4) vec4s so that any head size works; Q and K rows are padded by
// one more vec4 so that the 8 invocations of a 128-bit access phase read
// different banks.
//
// Only core GLSL 450 is used: barrier() in uniform control flow (every
// branch around a barrier depends on the workgroup index alone), no
// subgroup operations, so the kernel is correct for any subgroup size
// (lavapipe's 8, NVIDIA's 32). Shared memory: 16 * ((BR + BC) * (D4 + 1) +
// BC * DV4) + 8 * BR * BC bytes, which the lowering keeps within the
// target's limit.
//
// Operands are strided views (ops/FusedAttention.h, AttentionView): element
// (b, h, s, d) of Q is q[Q_OFF + b*Q_SB + h*Q_SH + s*Q_SS + d*Q_SD], and
// likewise Y, and K and V at head h / KV_GROUP; the mask element
// (b, h, i, j) is mask[b*M_SB + h*M_SH + i*M_SQ + j*M_SK] (strides 0 on
// broadcast dims).
// Bindings: 0 = Q source, 1 = K source, 2 = V source, 3 = mask (bound to
// another input and unread when HAS_MASK = 0), 4 = Y.
// attention_f16: Q, K, V and Y in fp16 storage (shaders/storage.glsl); the
// mask stays f32 (-1e30 and the like exceed binary16), shared memory and
// arithmetic too.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 128;  // BR * TPR
layout(constant_id = 1) const uint BR = 16;   // query rows per workgroup
layout(constant_id = 2) const uint BC = 32;   // keys per block
layout(constant_id = 3) const uint TPR = 8;   // invocations per query row
// D and DV size the shared arrays (D4, DV4), so they, like the tiling
// (WG, BR, BC, TPR, ACC, CPT), stay specialization constants in the dyn build.
// KEY_LIMIT (constant 38): keys j > i + KEY_LIMIT of row i are masked
// (ops/FusedAttention.h, key_limit; checked against the constant mask at
// compile time): key blocks past the workgroup's last row's limit are
// skipped (a causal mask halves the work). 0xffffffff: visit every key.
#define TLC_DIMS(X)                                                           \
  X(4, B, 1) X(5, H, 1) X(6, SQ, 1) X(7, SK, 1) X(12, Q_OFF, 0)               \
  X(13, Q_SB, 0) X(14, Q_SH, 0) X(15, Q_SS, 0) X(16, Q_SD, 0)                 \
  X(17, K_OFF, 0) X(18, K_SB, 0) X(19, K_SH, 0) X(20, K_SS, 0)                \
  X(21, K_SD, 0) X(22, V_OFF, 0) X(23, V_SB, 0) X(24, V_SH, 0)                \
  X(25, V_SS, 0) X(26, V_SD, 0) X(27, Y_OFF, 0) X(28, Y_SB, 0)                \
  X(29, Y_SH, 0) X(30, Y_SS, 0) X(31, Y_SD, 0) X(32, M_SB, 0) X(33, M_SH, 0)  \
  X(34, M_SQ, 0) X(35, M_SK, 0) X(38, KEY_LIMIT, 0xffffffffu)
#define TLC_DIMS_BINDING 5
#include "dims.glsl"
layout(constant_id = 8) const uint D = 1;
layout(constant_id = 9) const uint DV = 1;
layout(constant_id = 10) const uint SCALE_BITS = 0x3f800000u; // 1.0
layout(constant_id = 11) const uint HAS_MASK = 0;
layout(constant_id = 36) const uint ACC = 2;  // ceil(ceil(DV / 4) / TPR)
layout(constant_id = 37) const uint CPT = 4;  // ceil(BC / TPR)
// Grouped-query attention: query head h reads K and V head h / KV_GROUP.
layout(constant_id = 39) const uint KV_GROUP = 1;
// CAUSAL = 1: key j is hidden from query row i when j > i + KEY_LIMIT (a
// decoder's causal mask without a mask tensor; KEY_LIMIT is then the
// number of cached positions before the queries, possibly a run-time
// value).
layout(constant_id = 40) const uint CAUSAL = 0;

layout(set = 0, binding = 0) readonly buffer QBuf { FLOAT_T qg[]; };
layout(set = 0, binding = 1) readonly buffer KBuf { FLOAT_T kg[]; };
layout(set = 0, binding = 2) readonly buffer VBuf { FLOAT_T vg[]; };
layout(set = 0, binding = 3) readonly buffer MBuf { float mg[]; };
layout(set = 0, binding = 4) writeonly buffer YBuf { FLOAT_T yg[]; };

const uint D4 = (D + 3u) / 4u;   // head size in vec4s (zero-padded)
const uint DV4 = (DV + 3u) / 4u; // value width in vec4s (zero-padded)
const uint DP4 = D4 + 1u;        // padded row of qs and ks, in vec4s
shared vec4 qs[BR * DP4];
shared vec4 ks[BC * DP4];
shared vec4 vs[BC * DV4];
shared float ss[BR * BC]; // scores of the block
shared float ps[BR * BC]; // exp(score - running max)

/// Element d (< 4 * D4) of the operand row at \p base with stride \p sd in
/// \p buf, 0 past \p n elements.
#define ROW4(buf, base, sd, d4, n)                                           \
  vec4(4u * d4 + 0u < n ? float(buf[base + (4u * d4 + 0u) * sd]) : 0.0,             \
       4u * d4 + 1u < n ? float(buf[base + (4u * d4 + 1u) * sd]) : 0.0,             \
       4u * d4 + 2u < n ? float(buf[base + (4u * d4 + 2u) * sd]) : 0.0,             \
       4u * d4 + 3u < n ? float(buf[base + (4u * d4 + 3u) * sd]) : 0.0)

void main() {
  uint nqb = (SQ + BR - 1u) / BR;
  uint g = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (g >= nqb * B * H) return; // uniform across the workgroup
  uint qb = g % nqb;
  uint bh = g / nqb;
  uint b = bh / H;
  uint h = bh % H;
  uint t = gl_LocalInvocationID.x;
  uint r = t / TPR;    // this invocation's row in the block
  uint lane = t % TPR; // and its lane in the row
  uint row0 = qb * BR;
  float scale = uintBitsToFloat(SCALE_BITS);
  const float NEG_INF = uintBitsToFloat(0xff800000u);

  uint qBase = Q_OFF + b * Q_SB + h * Q_SH;
  for (uint i = t; i < BR * D4; i += WG) {
    uint rr = i / D4, d4 = i % D4;
    uint q = row0 + rr;
    qs[rr * DP4 + d4] =
        q < SQ ? ROW4(qg, qBase + q * Q_SS, Q_SD, d4, D) : vec4(0.0);
  }
  uint kBase = K_OFF + b * K_SB + (h / KV_GROUP) * K_SH;
  uint vBase = V_OFF + b * V_SB + (h / KV_GROUP) * V_SH;
  uint mBase = b * M_SB + h * M_SH + (row0 + r) * M_SQ;
  bool rowValid = row0 + r < SQ;

  float m = NEG_INF; // running max of this row
  float l = 0.0;     // running sum of exp(s - m)
  vec4 acc[ACC];     // output columns 4 * (lane + a * TPR) + 0..3
  for (uint a = 0u; a < ACC; ++a) acc[a] = vec4(0.0);

  // Uniform across the workgroup (row0 is), so the barriers in the loop
  // stay in uniform control flow.
  uint kEnd = KEY_LIMIT == 0xffffffffu ? SK : min(SK, row0 + BR + KEY_LIMIT);
  for (uint kb = 0u; kb < kEnd; kb += BC) {
    uint nc = min(BC, SK - kb); // keys in this block
    barrier(); // the previous block's readers are done with ks, vs, ps
    for (uint i = t; i < BC * D4; i += WG) {
      uint c = i / D4, d4 = i % D4;
      ks[c * DP4 + d4] = c < nc
          ? ROW4(kg, kBase + (kb + c) * K_SS, K_SD, d4, D) : vec4(0.0);
    }
    for (uint i = t; i < BC * DV4; i += WG) {
      uint c = i / DV4, d4 = i % DV4;
      vs[i] = c < nc ? ROW4(vg, vBase + (kb + c) * V_SS, V_SD, d4, DV)
                     : vec4(0.0);
    }
    barrier();
    // Scores of keys lane + j*TPR, j < CPT: each q vec4 loaded once from
    // shared memory serves CPT keys.
    float dot4[CPT];
    for (uint j = 0u; j < CPT; ++j) dot4[j] = 0.0;
    for (uint d4 = 0u; d4 < D4; ++d4) {
      vec4 qd = qs[r * DP4 + d4];
      for (uint j = 0u; j < CPT; ++j) {
        uint c = min(lane + j * TPR, BC - 1u);
        dot4[j] += dot(qd, ks[c * DP4 + d4]);
      }
    }
    for (uint j = 0u; j < CPT; ++j) {
      uint c = lane + j * TPR;
      if (c >= BC) break;
      float s = NEG_INF;
      if (c < nc && rowValid) {
        s = dot4[j] * scale;
        if (HAS_MASK != 0u) s += mg[mBase + (kb + c) * M_SK];
        if (CAUSAL != 0u && kb + c > row0 + r + KEY_LIMIT) s = NEG_INF;
      }
      ss[r * BC + c] = s;
    }
    barrier();
    float mb = m;
    for (uint c = 0u; c < nc; ++c) mb = max(mb, ss[r * BC + c]);
    // While every score so far is -inf (a fully masked prefix) nothing is
    // accumulated: p = 0 and the state stays zero.
    bool live = mb != NEG_INF;
    for (uint j = 0u; j < CPT; ++j) {
      uint c = lane + j * TPR;
      if (c < nc) ps[r * BC + c] = live ? exp(ss[r * BC + c] - mb) : 0.0;
    }
    float alpha = live ? exp(m - mb) : 1.0;
    for (uint a = 0u; a < ACC; ++a) acc[a] *= alpha;
    barrier();
    float lsum = 0.0;
    for (uint c = 0u; c < nc; ++c) {
      float p = ps[r * BC + c];
      lsum += p;
      for (uint a = 0u; a < ACC; ++a) {
        uint d4 = min(lane + a * TPR, DV4 - 1u);
        acc[a] += p * vs[c * DV4 + d4];
      }
    }
    l = l * alpha + lsum;
    m = mb;
  }

  if (!rowValid) return; // after the last barrier
  uint yBase = Y_OFF + b * Y_SB + h * Y_SH + (row0 + r) * Y_SS;
  float inv = 1.0 / l; // l = 0 (every key masked with -inf) gives NaN, as softmax does
  for (uint a = 0u; a < ACC; ++a) {
    uint d4 = lane + a * TPR;
    for (uint e = 0u; e < 4u; ++e) {
      uint d = 4u * d4 + e;
      if (d4 < DV4 && d < DV) yg[yBase + d * Y_SD] = STORE(acc[a][e] * inv);
    }
  }
}
