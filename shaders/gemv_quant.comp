// Matrix-vector products of one row x [K] with GGUF block-quantized weights
// (ops/RMSNormGemm.cpp, ops/QuantizedGemm.cpp), for a decoded token:
//   Y_j [1, N_j] = xs * dequant(W_j)^T,   j < G (1, 2 or 3 weights),
// with xs = x * inversesqrt(sum(x^2) / K + EPS) * gamma (the RMS
// normalization of RMSNormGemm; the normalized row is also written to H by
// workgroup 0) or, in the plain build (PLAIN: QuantizedGemm), xs = x.
// Block layouts (ggml's src/ggml-common.h, docs/gguf.md):
//   QTYPE 0, q8_0: 34 bytes per 32 values: f16 d, int8 q[32]; v = d * q;
//   QTYPE 1, q4_0: 18 bytes per 32 values: f16 d, qs[16]; value i < 16 is
//                  the low nibble of qs[i], value i + 16 the high one;
//                  v = d * (nibble - 8).
// A row is read in units of U blocks: U = 8 where rows are 16-byte aligned
// (K % 256 == 0; 272 or 144 bytes, PV = 17 or 9 independent 16-byte
// loads), else U = 2 (68 or 36 bytes, 32-bit loads; the words past the
// row's stride read as 0, and a last unit of one block skips the other).
// Every block then sits at the same place in every unit. A row's NU units
// go to NU consecutive invocations, one each (ROWS * NU <= 128: the
// lowering's quantGemvRows), which load all of the unit's words at once and
// decode its blocks fully unrolled: every byte's place is a constant, and a
// quant becomes a float without a conversion instruction (its bits put in
// the mantissa of a float whose unit is the quant's lowest bit, then that
// float's offset subtracted: exact). The loads are issued before the
// prologue, which they overlap: every workgroup puts x * gamma (or x) into
// shared memory as vec4s, zero past K and padded by one vec4 a unit
// (invocations of one row read different banks), summing x.x on the way.
// A row's partial sums (and x.x's) are added in a fixed order (results do
// not depend on the subgroup size). Every weight byte is read once;
// workgroups loop over rows beyond the dispatched count.
// Specialization constants: 0 = N_0 (TLC_DIMS), 1 = K (a multiple of 32;
// sizes the shared array), 2 = N_1, 3 = N_2, 4 = EPS_BITS (f32), 5 = QTYPE,
// 6 = ROWS (1..128, with ROWS * NU <= 128 and even for SWIGLU;
// ops/QuantType.h: quantGemvRows), 7 =
// ROW_STRIDE (bytes between rows, a multiple of 4). Bindings: 0 = x, 1 =
// gamma, 2 = H (written), then W_j (32-bit words), Y_j for each j (3 = W_0,
// 4 = Y_0, 5 = W_1, 6 = Y_1, 7 = W_2, 8 = Y_2 as G allows); PLAIN: 0 = x,
// 1 = W_0, 2 = Z (a residual added when HAS_Z, constant 8: QuantizedGemm's
// input Z), 3 = Y_0.
// Builds: G = 1 (base), G2, G3, PLAIN; TLC_F16 for binary16 storage of x,
// gamma, H and Y (sums stay f32). SWIGLU (with G2: a Llama FFN's gate W_0
// and up W_1, N_0 = N_1): rows interleave (row 2n is gate n, 2n + 1 up n)
// and the gate row's invocation also writes act[n] = silu(gate) * up
// (binding 7, ops/RMSNormGemm.cpp's output A).
// tlc-variant: f16 TLC_F16
// tlc-variant: g2 G2
// tlc-variant: g2_f16 G2 TLC_F16
// tlc-variant: g3 G3
// tlc-variant: swiglu G2 SWIGLU
// tlc-variant: swiglu_f16 G2 SWIGLU TLC_F16
// tlc-variant: g3_f16 G3 TLC_F16
// tlc-variant: plain PLAIN
// tlc-variant: plain_f16 PLAIN TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "storage.glsl"
#define WG 128u
layout(local_size_x = 128) in;
#if defined(G3)
#define G_COUNT 3
#define TLC_DIMS_BINDING 9
#elif defined(G2) && defined(SWIGLU)
#define G_COUNT 2
#define TLC_DIMS_BINDING 8
#elif defined(G2)
#define G_COUNT 2
#define TLC_DIMS_BINDING 7
#elif defined(PLAIN)
#define G_COUNT 1
#define TLC_DIMS_BINDING 4
#else
#define G_COUNT 1
#define TLC_DIMS_BINDING 5
#endif
#define TLC_DIMS(X) X(0, N0, 1)
#include "dims.glsl"
const uint G = G_COUNT;
layout(constant_id = 1) const uint K = 32;
layout(constant_id = 2) const uint N1 = 0;
layout(constant_id = 3) const uint N2 = 0;
layout(constant_id = 4) const uint EPS_BITS = 0x358637bd; // 1e-6
layout(constant_id = 5) const uint QTYPE = 0;
layout(constant_id = 6) const uint ROWS = 8;
layout(constant_id = 7) const uint ROW_STRIDE = 36;
#ifdef PLAIN
layout(constant_id = 8) const uint HAS_Z = 0; // add residual z[n]
#endif

const uint BLOCK_BYTES = QTYPE == 0u ? 34u : 18u;
const uint NB = K / 32u; // blocks of a row
// 16-byte aligned rows (K % 256 == 0) are read in units of 8 blocks (272
// or 144 bytes: whole 16-byte words), others in units of 2 (68 or 36
// bytes: whole 32-bit words).
const bool ALIGNED16 = ROW_STRIDE % 16u + NB % 8u == 0u; // both 0
const uint U = ALIGNED16 ? 8u : 2u;        // blocks of a unit
const uint UNIT_BYTES = U * BLOCK_BYTES;
const uint UW = UNIT_BYTES / 4u;           // its 32-bit words
const uint UV = UNIT_BYTES / 16u;          // its 16-byte words (ALIGNED16)
const uint NU = (NB + U - 1u) / U;         // units of a row
const uint XP = 8u * U + 1u; // vec4s of xs a unit: 8 U and one of padding

layout(set = 0, binding = 0) readonly buffer XBuf4 { VEC4_T x4[]; };
#ifdef PLAIN
#define WEIGHT(j, wb, yb)                                                      \
  layout(set = 0, binding = wb) readonly buffer W##j { uint w##j[]; };         \
  layout(set = 0, binding = wb) readonly buffer W4_##j { uvec4 w4_##j[]; };    \
  layout(set = 0, binding = yb) writeonly buffer Y##j { FLOAT_T y##j[]; };
WEIGHT(0, 1, 3)
layout(set = 0, binding = 2) readonly buffer ZBuf { FLOAT_T z[]; };
#else
layout(set = 0, binding = 1) readonly buffer GBuf4 { VEC4_T g4[]; };
layout(set = 0, binding = 2) writeonly buffer HBuf4 { VEC4_T h4[]; };
#define WEIGHT(j, wb, yb)                                                      \
  layout(set = 0, binding = wb) readonly buffer W##j { uint w##j[]; };         \
  layout(set = 0, binding = wb) readonly buffer W4_##j { uvec4 w4_##j[]; };    \
  layout(set = 0, binding = yb) writeonly buffer Y##j { FLOAT_T y##j[]; };
WEIGHT(0, 3, 4)
#if G_COUNT >= 2
WEIGHT(1, 5, 6)
#endif
#if G_COUNT >= 3
WEIGHT(2, 7, 8)
#endif
#ifdef SWIGLU
layout(set = 0, binding = 7) writeonly buffer ABuf { FLOAT_T act[]; };
#endif
shared vec4 sq4[WG / 4u]; // x.x, one partial sum an invocation
#endif

shared vec4 xs4[NU * XP]; // xs[i] at xs4[i / (32 U) * XP + i % (32 U) / 4]
shared float red[WG];

uint wv[68]; // one unit of weight bytes (UW words)

#define QD_LOAD loadUnit0
#define QW(i) w0[i]
#define QW4(i) w4_0[i]
#include "gemv_quant_row.glsl"
#undef QD_LOAD
#undef QW
#undef QW4
#if G_COUNT >= 2
#define QD_LOAD loadUnit1
#define QW(i) w1[i]
#define QW4(i) w4_1[i]
#include "gemv_quant_row.glsl"
#undef QD_LOAD
#undef QW
#undef QW4
#endif
#if G_COUNT >= 3
#define QD_LOAD loadUnit2
#define QW(i) w2[i]
#define QW4(i) w4_2[i]
#include "gemv_quant_row.glsl"
#undef QD_LOAD
#undef QW
#undef QW4
#endif

// Unit u of row n of W_j into wv.
void loadUnit(uint j, uint n, uint u) {
#if G_COUNT >= 2
  if (j == 1u) {
    loadUnit1(n, u);
    return;
  }
#endif
#if G_COUNT >= 3
  if (j == 2u) {
    loadUnit2(n, u);
    return;
  }
#endif
  loadUnit0(n, u);
}

// The quant at byte pos of wv (pos a constant once unrolled), exactly: its
// bits moved into the low mantissa bits of a float whose unit is their
// lowest bit (exponent 23 - shift), then the float's offset subtracted.
// q8_0: the int8 plus 128 (xor 0x80) is that byte.
float q8At(uint pos) {
  uint u = wv[pos / 4u] ^ 0x80808080u, k = pos % 4u;
  if (k >= 2u)
    u >>= 16u;
  return (k & 1u) == 0u
             ? uintBitsToFloat((u & 0xffu) | 0x4b000000u) - 8388736.0
             : uintBitsToFloat((u & 0xff00u) | 0x47000000u) - 32896.0;
}

// q4_0: the low (hi = 0) or high nibble of byte pos, minus 8.
float q4At(uint pos, uint hi) {
  uint u = wv[pos / 4u], k = pos % 4u;
  if (k >= 2u)
    u >>= 16u;
  uint sh = 8u * (k & 1u) + 4u * hi; // 0, 4, 8 or 12
  return uintBitsToFloat((u & (0xfu << sh)) | ((150u - sh) << 23u)) -
         (float(1u << (23u - sh)) + 8.0);
}

// xs . dequant(unit u, in wv) over its first nb blocks (U but in a row's
// last unit).
float decodeUnit(uint u, uint nb) {
  float s = 0.0;
  [[unroll]] for (uint b = 0u; b < U; ++b) {
    uint st = b * BLOCK_BYTES, xb = u * XP + b * 8u;
    vec2 dd = unpackHalf2x16(wv[st / 4u]);
    float d = (st & 2u) != 0u ? dd.y : dd.x;
    float acc = 0.0;
    if (QTYPE == 0u) {
      [[unroll]] for (uint i = 0u; i < 8u; ++i) {
        vec4 xv = xs4[xb + i];
        uint q = st + 2u + 4u * i;
        acc += (xv.x * q8At(q) + xv.y * q8At(q + 1u)) +
               (xv.z * q8At(q + 2u) + xv.w * q8At(q + 3u));
      }
    } else {
      [[unroll]] for (uint i = 0u; i < 4u; ++i) {
        vec4 lo = xs4[xb + i], hi = xs4[xb + 4u + i];
        uint q = st + 2u + 4u * i;
        acc += ((lo.x * q4At(q, 0u) + hi.x * q4At(q, 1u)) +
                (lo.y * q4At(q + 1u, 0u) + hi.y * q4At(q + 1u, 1u))) +
               ((lo.z * q4At(q + 2u, 0u) + hi.z * q4At(q + 2u, 1u)) +
                (lo.w * q4At(q + 3u, 0u) + hi.w * q4At(q + 3u, 1u)));
      }
    }
    // A block past the row (its scale may be padding) adds nothing.
    s += b < nb ? d * acc : 0.0;
  }
  return s;
}

#ifndef PLAIN
// inversesqrt(x.x / K + EPS) from the invocations' partial sums.
float normInv() {
  vec4 a = vec4(0.0);
  for (uint i = 0u; i < WG / 4u; ++i)
    a += sq4[i];
  return inversesqrt(((a.x + a.y) + (a.z + a.w)) / float(K) +
                     uintBitsToFloat(EPS_BITS));
}
#endif

void storeRow(uint j, uint n, float v) {
  if (j == 0u) y0[n] = STORE(v);
#if G_COUNT >= 2
  else if (j == 1u) y1[n] = STORE(v);
#endif
#if G_COUNT >= 3
  else y2[n] = STORE(v);
#endif
}

// Output row `row` (numbered across the G outputs) as weight j, row n.
void splitRow(uint row, out uint j, out uint n) {
  j = 0u;
  n = row;
#ifdef SWIGLU
  j = row & 1u; // rows interleaved: gate n, up n
  n = row >> 1u;
#else
  if (G >= 2u && n >= N0) {
    n -= N0;
    j = 1u;
    if (G >= 3u && n >= N1) {
      n -= N1;
      j = 2u;
    }
  }
#endif
}

// The sum of the NU partial sums of the workgroup's row r, in lane order.
float rowSum(uint r) {
  float t = 0.0;
  for (uint i = 0u; i < NU; ++i)
    t += red[r * NU + i];
  return t;
}

void main() {
  // NU invocations a row (ROWS * NU <= WG), one unit each.
  const uint total = N0 + (G >= 2u ? N1 : 0u) + (G >= 3u ? N2 : 0u);
  uint me = gl_LocalInvocationID.x, lane = me % NU, r = me / NU;
  float inv = 1.0;
  for (uint row0 = gl_WorkGroupID.x * ROWS; row0 < total;
       row0 += gl_NumWorkGroups.x * ROWS) {
    uint row = row0 + r, j, n;
    splitRow(row, j, n);
    bool mine = r < ROWS && row < total;
    // The unit's loads, in flight during the prologue at the first rows.
    if (mine)
      loadUnit(j, n, lane);
    if (row0 == gl_WorkGroupID.x * ROWS) { // uniform: the first rows
#ifdef PLAIN
      for (uint i4 = me; i4 < NU * 8u * U; i4 += WG) {
        vec4 v = vec4(0.0);
        if (i4 < K / 4u)
          v = vec4(x4[i4]);
        xs4[i4 + i4 / (8u * U)] = v;
      }
      barrier();
#else
      float sq = 0.0;
      for (uint i4 = me; i4 < NU * 8u * U; i4 += WG) {
        vec4 v = vec4(0.0);
        if (i4 < K / 4u) {
          vec4 xv = vec4(x4[i4]);
          sq += dot(xv, xv);
          v = xv * vec4(g4[i4]);
        }
        xs4[i4 + i4 / (8u * U)] = v;
      }
      sq4[me / 4u][me % 4u] = sq;
      barrier();
      if (lane == 0u || gl_WorkGroupID.x == 0u)
        inv = normInv();
      if (gl_WorkGroupID.x == 0u)
        for (uint i4 = me; i4 < K / 4u; i4 += WG)
          h4[i4] = STORE4(xs4[i4 + i4 / (8u * U)] * inv);
#endif
    }
    red[me] = mine ? decodeUnit(lane, min(U, NB - U * lane)) : 0.0;
    barrier();
    if (lane == 0u && mine) {
      float v = rowSum(r) * inv;
#ifdef PLAIN
      if (HAS_Z != 0u)
        v += float(z[n]);
#endif
      storeRow(j, n, v);
#ifdef SWIGLU
      if (j == 0u && row + 1u < total) {
        // The up row is the next one (ROWS is even), summed the same way.
        float up = rowSum(r + 1u) * inv;
        act[n] = STORE(v * (1.0 / (1.0 + exp(-v))) * up);
      }
#endif
    }
    barrier(); // red is rewritten by the next rows
  }
}
