// Fused attention for one query row (a decoded token, SQ = 1): the same
// operation, operands and constants as shaders/attention.comp, which runs
// for SQ >= 2 (ops/FusedAttention.cpp gates the two on SQ). attention.comp
// tiles BR query rows per workgroup; with one row, all but one of its rows
// idle and each row's few lanes walk the whole cache. Here the whole
// workgroup serves the row of one (b, h):
//   - keys are taken WG at a time (a chunk): invocation t computes the
//     score of key t of the chunk (a D-long dot product, Q from shared
//     memory), the chunk's max and sum come from shared-memory trees, and
//     the running max m and sum l are rescaled as in FlashAttention's
//     online softmax (T. Dao et al., NeurIPS 2022, Algorithm 1);
//   - for the output, invocation t owns vec4 column t % DV4 of the keys
//     t / DV4, t / DV4 + KG, ... of the chunk (KG = WG / DV4 key groups),
//     and the KG partial rows are summed through shared memory at the end.
// Sums are taken in a fixed order, so results do not depend on the
// subgroup size. The grid is one workgroup per (b, h).
// Split keys (flash-decoding; T. Dao et al., "Flash-Decoding for long-
// context inference", 2023): with SPLITS > 1 the grid has SPLITS
// workgroups per (b, h), workgroup s taking keys [s * per, (s + 1) * per),
// per = ceil(keys / SPLITS), and each writes its running max m, sum l and
// unnormalized output row as 32-bit words at P_WORD + ((b * H + h) *
// SPLITS + s) * (DV + 2) of the Y binding, past every element Y holds for
// one query row (the plan sizes Y for the range's largest query count;
// ops/FusedAttention.cpp checks the room); attention_decode_combine.comp
// then writes Y.
// Constants as attention.comp (0 = WG is this kernel's workgroup size;
// 1..3, 36, 37 unused); WG must be a power of two >= DV4. 41 = SPLITS,
// 42 = P_WORD.
// Bindings: 0 = Q, 1 = K, 2 = V, 3 = mask (unread when HAS_MASK = 0), 4 = Y.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint BR = 1;
layout(constant_id = 2) const uint BC = 1;
layout(constant_id = 3) const uint TPR = 1;
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
layout(constant_id = 36) const uint ACC = 1;
layout(constant_id = 37) const uint CPT = 1;
layout(constant_id = 39) const uint KV_GROUP = 1;
layout(constant_id = 40) const uint CAUSAL = 0;
layout(constant_id = 41) const uint SPLITS = 1;
layout(constant_id = 42) const uint P_WORD = 0;

layout(set = 0, binding = 0) readonly buffer QBuf { FLOAT_T qg[]; };
layout(set = 0, binding = 1) readonly buffer KBuf { FLOAT_T kg[]; };
layout(set = 0, binding = 2) readonly buffer VBuf { FLOAT_T vg[]; };
#ifdef TLC_F16
// The same K and V as eight and four binary16 values a load (fast paths
// below, taken where rows are contiguous and aligned).
layout(set = 0, binding = 1) readonly buffer KBuf8 { uvec4 kg8[]; };
layout(set = 0, binding = 2) readonly buffer VBuf4 { uvec2 vg4[]; };
#endif
layout(set = 0, binding = 3) readonly buffer MBuf { float mg[]; };
layout(set = 0, binding = 4) writeonly buffer YBuf { FLOAT_T yg[]; };
layout(set = 0, binding = 4) writeonly buffer YWords { uint yw[]; };

const uint D4 = (D + 3u) / 4u;   // head size in vec4s (zero-padded)
const uint DV4 = (DV + 3u) / 4u; // value width in vec4s (zero-padded)
const uint KG = WG / DV4;        // key groups of the output accumulation
shared vec4 qs[D4];
shared float ps[WG];  // exp(score - running max) of the chunk's keys
shared float red[WG]; // reduction tree
shared vec4 vred[WG]; // partial output rows

#define ROW4(buf, base, sd, d4, n)                                           \
  vec4(4u * d4 + 0u < n ? float(buf[base + (4u * d4 + 0u) * sd]) : 0.0,    \
       4u * d4 + 1u < n ? float(buf[base + (4u * d4 + 1u) * sd]) : 0.0,    \
       4u * d4 + 2u < n ? float(buf[base + (4u * d4 + 2u) * sd]) : 0.0,    \
       4u * d4 + 3u < n ? float(buf[base + (4u * d4 + 3u) * sd]) : 0.0)

// Max (isMax) or sum of v over the workgroup; every invocation gets it.
float reduceAll(float v, bool isMax) {
  uint t = gl_LocalInvocationID.x;
  red[t] = v;
  barrier();
  for (uint h = WG / 2u; h > 0u; h >>= 1u) {
    if (t < h)
      red[t] = isMax ? max(red[t], red[t + h]) : red[t] + red[t + h];
    barrier();
  }
  float r = red[0];
  barrier(); // red is rewritten by the next reduction
  return r;
}

void main() {
  uint g = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (g >= B * H * SPLITS) return; // uniform across the workgroup
  uint split = g % SPLITS;
  g /= SPLITS;
  uint b = g / H, h = g % H;
  uint t = gl_LocalInvocationID.x;
  float scale = uintBitsToFloat(SCALE_BITS);
  const float NEG_INF = uintBitsToFloat(0xff800000u);

  uint qBase = Q_OFF + b * Q_SB + h * Q_SH;
  for (uint d4 = t; d4 < D4; d4 += WG)
    qs[d4] = ROW4(qg, qBase, Q_SD, d4, D);
  uint kBase = K_OFF + b * K_SB + (h / KV_GROUP) * K_SH;
  uint vBase = V_OFF + b * V_SB + (h / KV_GROUP) * V_SH;
  uint mBase = b * M_SB + h * M_SH;
  // The row is query 0: a causal mask hides keys past KEY_LIMIT.
  uint kAll = KEY_LIMIT == 0xffffffffu ? SK : min(SK, KEY_LIMIT + 1u);
  uint per = (kAll + SPLITS - 1u) / SPLITS;
  uint kBegin = min(kAll, split * per);
  uint kEnd = min(kAll, kBegin + per);
  uint d4 = t % DV4, grp = t / DV4;
#ifdef TLC_F16
  // K rows of contiguous, 16-byte aligned binary16 values: 16-byte loads
  // (8 per 64-value row instead of 64 scalar ones); V rows likewise with
  // 8-byte loads of the four values an invocation owns.
  bool k8 = K_SD == 1u && D % 8u == 0u && kBase % 8u == 0u && K_SS % 8u == 0u;
  bool v4 = V_SD == 1u && DV % 4u == 0u && vBase % 4u == 0u && V_SS % 4u == 0u;
#else
  const bool k8 = false, v4 = false;
#endif
  barrier(); // qs

  float m = NEG_INF, l = 0.0;
  vec4 acc = vec4(0.0);
  for (uint kb = kBegin; kb < kEnd; kb += WG) {
    uint c = kb + t;
    float s = NEG_INF;
    if (c < kEnd) {
      uint kRow = kBase + c * K_SS;
      float dotv = 0.0;
#ifdef TLC_F16
      if (k8) {
        for (uint i = 0u; i < D / 8u; ++i) {
          uvec4 w = kg8[kRow / 8u + i];
          dotv += dot(qs[2u * i], vec4(unpackHalf2x16(w.x), unpackHalf2x16(w.y))) +
                  dot(qs[2u * i + 1u],
                      vec4(unpackHalf2x16(w.z), unpackHalf2x16(w.w)));
        }
      } else
#endif
      for (uint i = 0u; i < D4; ++i)
        dotv += dot(qs[i], ROW4(kg, kRow, K_SD, i, D));
      s = dotv * scale;
      if (HAS_MASK != 0u) s += mg[mBase + c * M_SK];
    }
    float mb = max(m, reduceAll(s, true));
    // While every score so far is -inf nothing is accumulated.
    bool live = mb != NEG_INF;
    float p = live && s != NEG_INF ? exp(s - mb) : 0.0;
    ps[t] = p;
    float alpha = live ? exp(m - mb) : 1.0;
    l = l * alpha + reduceAll(p, false); // its barriers publish ps
    acc *= alpha;
    uint nc = min(WG, kEnd - kb);
    if (grp < KG) {
#ifdef TLC_F16
      if (v4) {
        for (uint j = grp; j < nc; j += KG) {
          uvec2 w = vg4[(vBase + (kb + j) * V_SS) / 4u + d4];
          acc += ps[j] * vec4(unpackHalf2x16(w.x), unpackHalf2x16(w.y));
        }
      } else
#endif
      for (uint j = grp; j < nc; j += KG)
        acc += ps[j] * ROW4(vg, vBase + (kb + j) * V_SS, V_SD, d4, DV);
    }
    m = mb;
    barrier(); // ps is rewritten by the next chunk
  }

  vred[t] = grp < KG ? acc : vec4(0.0);
  barrier();
  if (t >= DV4) return;
  vec4 sum = vec4(0.0);
  for (uint j = 0u; j < KG; ++j) sum += vred[j * DV4 + t];
  if (SPLITS > 1u) {
    uint p = P_WORD + ((b * H + h) * SPLITS + split) * (DV + 2u);
    if (t == 0u) {
      yw[p] = floatBitsToUint(m);
      yw[p + 1u] = floatBitsToUint(l);
    }
    for (uint e = 0u; e < 4u; ++e)
      if (4u * t + e < DV) yw[p + 2u + 4u * t + e] = floatBitsToUint(sum[e]);
    return;
  }
  float inv = 1.0 / l; // l = 0 (every key masked) gives NaN, as softmax does
  uint yBase = Y_OFF + b * Y_SB + h * Y_SH;
  for (uint e = 0u; e < 4u; ++e) {
    uint d = 4u * t + e;
    if (d < DV) yg[yBase + d * Y_SD] = STORE(sum[e] * inv);
  }
}
