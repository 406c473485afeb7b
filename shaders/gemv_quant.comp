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
// Every workgroup first puts x * gamma (or x) into shared memory (K floats),
// reducing x.x on the way. Then the T = 128 / ROWS invocations of one
// output row read the row's bytes in 16-byte chunks (one load each where
// rows are 16-byte aligned, ROW_STRIDE % 16 == 0; four 4-byte loads
// otherwise), each chunk holding parts of at most two blocks, decode them
// in registers against xs, and sum through a shared-memory tree (a fixed
// order: results do not depend on the subgroup size). Every weight byte is
// read once; workgroups loop over rows beyond the dispatched count.
// Specialization constants: 0 = N_0 (TLC_DIMS), 1 = K (a multiple of 32;
// sizes the shared array), 2 = N_1, 3 = N_2, 4 = EPS_BITS (f32), 5 = QTYPE,
// 6 = ROWS (1..128, a power of two), 7 = ROW_STRIDE (bytes between rows,
// a multiple of 4). Bindings: 0 = x, 1 = gamma, 2 = H (written), then W_j
// (32-bit words), Y_j for each j (3 = W_0, 4 = Y_0, 5 = W_1, 6 = Y_1,
// 7 = W_2, 8 = Y_2 as G allows); PLAIN: 0 = x, 1 = W_0, 2 = Z (a residual
// added when HAS_Z, constant 8: QuantizedGemm's input Z), 3 = Y_0.
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
const uint ROW_BYTES = K / 32u * BLOCK_BYTES;
const bool ALIGNED16 = ROW_STRIDE % 16u == 0u;

layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T x[]; };
#ifdef PLAIN
#define WEIGHT(j, wb, yb)                                                      \
  layout(set = 0, binding = wb) readonly buffer W##j { uint w##j[]; };         \
  layout(set = 0, binding = wb) readonly buffer W4_##j { uvec4 w4_##j[]; };    \
  layout(set = 0, binding = yb) writeonly buffer Y##j { FLOAT_T y##j[]; };
WEIGHT(0, 1, 3)
layout(set = 0, binding = 2) readonly buffer ZBuf { FLOAT_T z[]; };
#else
layout(set = 0, binding = 1) readonly buffer GBuf { FLOAT_T g[]; };
layout(set = 0, binding = 2) writeonly buffer HBuf { FLOAT_T h[]; };
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
#endif

shared float xs[K];
shared float red[WG];

#define QD_NAME rowDot0
#define QD_CHUNK chunk0
#define QD_SCALE scaleOf0
#define QW(i) w0[i]
#define QW4(i) w4_0[i]
#include "gemv_quant_row.glsl"
#undef QD_NAME
#undef QD_CHUNK
#undef QD_SCALE
#undef QW
#undef QW4
#if G_COUNT >= 2
#define QD_NAME rowDot1
#define QD_CHUNK chunk1
#define QD_SCALE scaleOf1
#define QW(i) w1[i]
#define QW4(i) w4_1[i]
#include "gemv_quant_row.glsl"
#undef QD_NAME
#undef QD_CHUNK
#undef QD_SCALE
#undef QW
#undef QW4
#endif
#if G_COUNT >= 3
#define QD_NAME rowDot2
#define QD_CHUNK chunk2
#define QD_SCALE scaleOf2
#define QW(i) w2[i]
#define QW4(i) w4_2[i]
#include "gemv_quant_row.glsl"
#undef QD_NAME
#undef QD_CHUNK
#undef QD_SCALE
#undef QW
#undef QW4
#endif

// This invocation's part of xs . dequant(W_j[n]).
float rowDot(uint j, uint n, uint lane, uint T) {
#if G_COUNT >= 2
  if (j == 1u) return rowDot1(n, lane, T);
#endif
#if G_COUNT >= 3
  if (j == 2u) return rowDot2(n, lane, T);
#endif
  return rowDot0(n, lane, T);
}

void storeRow(uint j, uint n, float v) {
  if (j == 0u) y0[n] = STORE(v);
#if G_COUNT >= 2
  else if (j == 1u) y1[n] = STORE(v);
#endif
#if G_COUNT >= 3
  else y2[n] = STORE(v);
#endif
}

void main() {
  uint me = gl_LocalInvocationID.x;
  float inv = 1.0;
#ifdef PLAIN
  for (uint i = me; i < K; i += WG)
    xs[i] = float(x[i]);
  barrier();
#else
  float sq = 0.0;
  for (uint i = me; i < K; i += WG) {
    float v = float(x[i]);
    sq += v * v;
    xs[i] = v * float(g[i]);
  }
  red[me] = sq;
  barrier();
  for (uint hh = WG / 2u; hh > 0u; hh >>= 1u) {
    if (me < hh)
      red[me] += red[me + hh];
    barrier();
  }
  inv = inversesqrt(red[0] / float(K) + uintBitsToFloat(EPS_BITS));
  if (gl_WorkGroupID.x == 0u)
    for (uint i = me; i < K; i += WG)
      h[i] = STORE(xs[i] * inv);
  barrier(); // red is reused below
#endif
  const uint T = WG / ROWS;
  const uint total = N0 + (G >= 2u ? N1 : 0u) + (G >= 3u ? N2 : 0u);
  uint lane = me % T, r = me / T;
  for (uint row0 = gl_WorkGroupID.x * ROWS; row0 < total;
       row0 += gl_NumWorkGroups.x * ROWS) {
    uint row = row0 + r, j = 0u, n = row;
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
    red[me] = row < total ? rowDot(j, n, lane, T) : 0.0;
    barrier();
    for (uint hh = T / 2u; hh > 0u; hh >>= 1u) {
      if (lane < hh)
        red[me] += red[me + hh];
      barrier();
    }
    if (lane == 0u && row < total) {
      float v = red[me] * inv;
#ifdef PLAIN
      if (HAS_Z != 0u)
        v += float(z[n]);
#endif
      storeRow(j, n, v);
    }
#ifdef SWIGLU
    if (lane == 0u && j == 0u && row + 1u < total) {
      // The up row is the next one: its sum sits T slots further.
      float gate = red[me] * inv, up = red[me + T] * inv;
      act[n] = STORE(gate * (1.0 / (1.0 + exp(-gate))) * up);
    }
#endif
    barrier(); // red is rewritten by the next rows
  }
}
