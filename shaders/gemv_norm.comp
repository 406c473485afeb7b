// A decoded token's RMS normalization and the projections that read it, in
// one dispatch (ops/NormGemm.cpp):
//   h = x * inversesqrt(sum(x^2) / K + EPS) * gamma        x, gamma: [K]
//   Y_j [1, N_j] = h * W_j^T                  W_j = [N_j, K], row-major,
// for j < G (1, 2 or 3 weights: a Llama block's Q, K and V, or its gate
// and up projections). Rows of the G outputs are numbered one after the
// other (row r of Y_1 is row N_0 + r); a workgroup of 128 invocations
// computes ROWS consecutive rows: the T = 128 / ROWS invocations of one row
// stride along it, four 16-byte loads of W in flight each, accumulating
// both x.(gamma W_j[n]) and x.x (every row's invocations read all of x,
// which stays in cache), then sum both through a shared-memory tree (a
// fixed order: results do not depend on the subgroup size). Every element
// of the weights is read once, so the dispatch streams them at the
// memory's rate, and h is never stored.
// VEC: 0 = scalar loads; 1 = vec4 (K % 4 == 0); 2 = eight binary16 values
// per 16-byte load (f16 builds only, K % 8 == 0).
// Specialization constants: 0 = N_0, 1 = K (TLC_DIMS), 2 = N_1, 3 = N_2,
// 4 = EPS_BITS (f32), 5 = VEC, 6 = ROWS (1..128, a power of two).
// Bindings: 0 = x, 1 = gamma, 2 = H (h, written by workgroup 0: the
// normalized row, which the op also outputs), then W_j, Y_j for each j
// (3 = W_0, 4 = Y_0, 5 = W_1, 6 = Y_1, 7 = W_2, 8 = Y_2 as G allows).
// Builds: G = 1 (base), G2, G3; TLC_F16 for binary16 storage of every
// operand (sums stay f32). SWIGLU (with G2, a Llama FFN's gate W_0 and up
// W_1, N_0 = N_1): rows interleave (row 2n is gate n, 2n + 1 up n) and the
// gate row's invocation also writes act[n] = silu(gate) * up (binding 7,
// ops/RMSNormGemm.cpp's output A).
// tlc-variant: f16 TLC_F16
// tlc-variant: g2 G2
// tlc-variant: g2_f16 G2 TLC_F16
// tlc-variant: g3 G3
// tlc-variant: swiglu G2 SWIGLU
// tlc-variant: swiglu_f16 G2 SWIGLU TLC_F16
// tlc-variant: g3_f16 G3 TLC_F16
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
#else
#define G_COUNT 1
#define TLC_DIMS_BINDING 5
#endif
#define TLC_DIMS(X) X(0, N0, 1) X(1, K, 1)
#include "dims.glsl"
const uint G = G_COUNT;
layout(constant_id = 2) const uint N1 = 0;
layout(constant_id = 3) const uint N2 = 0;
layout(constant_id = 4) const uint EPS_BITS = 0x358637bd; // 1e-6
layout(constant_id = 5) const uint VEC = 0;
layout(constant_id = 6) const uint ROWS = 4;

layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T x[]; };
layout(set = 0, binding = 0) readonly buffer XBuf4 { VEC4_T x4[]; };
layout(set = 0, binding = 0) readonly buffer XBuf8 { uvec4 x8[]; };
layout(set = 0, binding = 1) readonly buffer GBuf { FLOAT_T g[]; };
layout(set = 0, binding = 1) readonly buffer GBuf4 { VEC4_T g4[]; };
layout(set = 0, binding = 1) readonly buffer GBuf8 { uvec4 g8[]; };
layout(set = 0, binding = 2) writeonly buffer HBuf { FLOAT_T h[]; };
#define WEIGHT(j, wb, yb)                                                      \
  layout(set = 0, binding = wb) readonly buffer W##j { FLOAT_T w##j[]; };      \
  layout(set = 0, binding = wb) readonly buffer W4_##j { VEC4_T w4_##j[]; };   \
  layout(set = 0, binding = wb) readonly buffer W8_##j { uvec4 w8_##j[]; };    \
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

shared float red[WG];
shared float redSq[WG];

// Eight binary16 values packed in a uvec4, as f32.
void unpack8(uvec4 v, out vec4 lo, out vec4 hi) {
  lo = vec4(unpackHalf2x16(v.x), unpackHalf2x16(v.y));
  hi = vec4(unpackHalf2x16(v.z), unpackHalf2x16(v.w));
}

// x[i] * gamma[i] for the eight values of 16-byte load i, and x.x into sq.
void scaledX8(uint i, out vec4 lo, out vec4 hi, inout float sq) {
  vec4 xl, xh, gl, gh;
  unpack8(x8[i], xl, xh);
  unpack8(g8[i], gl, gh);
  sq += dot(xl, xl) + dot(xh, xh);
  lo = xl * gl;
  hi = xh * gh;
}

float dot8(vec4 lo, vec4 hi, uvec4 w) {
  vec4 wl, wh;
  unpack8(w, wl, wh);
  return dot(lo, wl) + dot(hi, wh);
}

#define PD_NAME partialDots0
#define PD_W8(i) w8_0[i]
#define PD_W4(i) vec4(w4_0[i])
#define PD_W1(i) float(w0[i])
#include "gemv_norm_dots.glsl"
#undef PD_NAME
#undef PD_W8
#undef PD_W4
#undef PD_W1
#if G_COUNT >= 2
#define PD_NAME partialDots1
#define PD_W8(i) w8_1[i]
#define PD_W4(i) vec4(w4_1[i])
#define PD_W1(i) float(w1[i])
#include "gemv_norm_dots.glsl"
#undef PD_NAME
#undef PD_W8
#undef PD_W4
#undef PD_W1
#endif
#if G_COUNT >= 3
#define PD_NAME partialDots2
#define PD_W8(i) w8_2[i]
#define PD_W4(i) vec4(w4_2[i])
#define PD_W1(i) float(w2[i])
#include "gemv_norm_dots.glsl"
#undef PD_NAME
#undef PD_W8
#undef PD_W4
#undef PD_W1
#endif

// This invocation's parts of (x * gamma) . W_j[n] and of x . x.
vec2 partialDots(uint j, uint n, uint lane, uint T) {
#if G_COUNT >= 2
  if (j == 1u) return partialDots1(n, lane, T);
#endif
#if G_COUNT >= 3
  if (j == 2u) return partialDots2(n, lane, T);
#endif
  return partialDots0(n, lane, T);
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
  const uint T = WG / ROWS;
  const uint total = N0 + (G >= 2u ? N1 : 0u) + (G >= 3u ? N2 : 0u);
  uint me = gl_LocalInvocationID.x, lane = me % T, r = me / T;
  float eps = uintBitsToFloat(EPS_BITS);
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
    vec2 p = row < total ? partialDots(j, n, lane, T) : vec2(0.0);
    red[me] = p.x;
    redSq[me] = p.y;
    barrier();
    for (uint h = T / 2u; h > 0u; h >>= 1u) {
      if (lane < h) {
        red[me] += red[me + h];
        redSq[me] += redSq[me + h];
      }
      barrier();
    }
    if (lane == 0u && row < total)
      storeRow(j, n, red[me] * inversesqrt(redSq[me] / float(K) + eps));
#ifdef SWIGLU
    if (lane == 0u && j == 0u && row + 1u < total) {
      // The up row is the next one: its sums sit T slots further.
      float inv = inversesqrt(redSq[me] / float(K) + eps);
      float gate = red[me] * inv, up = red[me + T] * inv;
      act[n] = STORE(gate * (1.0 / (1.0 + exp(-gate))) * up);
    }
#endif
    if (row0 == 0u) {
      // Workgroup 0, first rows: every row's lanes summed all of x.x.
      float inv = inversesqrt(redSq[0] / float(K) + eps);
      for (uint i = me; i < K; i += WG)
        h[i] = STORE(float(x[i]) * inv * float(g[i]));
    }
    barrier(); // red is rewritten by the next rows
  }
}
