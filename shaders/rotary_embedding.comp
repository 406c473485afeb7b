// Rotary position embedding (ops/RotaryEmbedding.cpp, ONNX opset 23), one
// invocation per output element e. X is [B, H, S, D] (SEQ_MAJOR = 0) or
// [B, S, H, D] (SEQ_MAJOR = 1: a 3-D X split into heads); element d of a
// head with d < 2 * HALF is one half of the pair it belongs to,
//   (i, i + HALF) (INTERLEAVED = 0) or (2i, 2i + 1) (INTERLEAVED = 1),
// and gets x1 * c - x2 * s (first) or x1 * s + x2 * c (second), with
// c = cos[p, i], s = sin[p, i] for the token's cache row p; other elements
// are copied. p is position_ids[b, s] (POS_MODE = 1), position_ids[0, s]
// (POS_MODE = 2), b * S + s (POS_MODE = 0: the caches are [B, S, HALF]) or
// POS_OFF + s (POS_MODE = 3: attribute position_offset, tables [MAXPOS,
// HALF], clamped like ids).
// Positions are i64 (two 32-bit words, little-endian) and are clamped to
// [0, MAXPOS - 1] so that no id reads outside the caches.
// Specialization constants: 0 = TOTAL, 1 = S, 2 = H, 3 = MAXPOS (the
// caches' rows), 4 = D, 5 = HALF, 6 = INTERLEAVED, 7 = SEQ_MAJOR,
// 8 = POS_MODE, 9 = POS_OFF. Bindings: 0 = X, 1 = cos_cache, 2 = sin_cache,
// 3 = position_ids (cos_cache again, unread, when POS_MODE is 0 or 3),
// 4 = Y.
// rotary_embedding_f16: X, the caches and Y in fp16 storage
// (shaders/storage.glsl), f32 arithmetic.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(1, S, 1) X(2, H, 1) X(3, MAXPOS, 1) X(9, POS_OFF, 0)
#define TLC_DIMS_BINDING 5
#include "dims.glsl"
layout(constant_id = 4) const uint D = 2;
layout(constant_id = 5) const uint HALF = 1;
layout(constant_id = 6) const uint INTERLEAVED = 0;
layout(constant_id = 7) const uint SEQ_MAJOR = 0;
layout(constant_id = 8) const uint POS_MODE = 1;
layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T x[]; };
layout(set = 0, binding = 1) readonly buffer CosBuf { FLOAT_T cosc[]; };
layout(set = 0, binding = 2) readonly buffer SinBuf { FLOAT_T sinc[]; };
layout(set = 0, binding = 3) readonly buffer PosBuf { int pos[]; };
layout(set = 0, binding = 4) writeonly buffer YBuf { FLOAT_T y[]; };

// Cache row of position id k (element k of position_ids), clamped to
// [0, MAXPOS - 1]: a negative id reads row 0, one >= MAXPOS the last row.
uint cacheRow(uint k) {
  int lo = pos[2u * k];
  int hi = pos[2u * k + 1u];
  if (hi < 0) return 0u;
  if (hi > 0) return MAXPOS - 1u; // >= 2^32
  return min(uint(lo), MAXPOS - 1u);
}

void main() {
  uint e = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (e >= TOTAL) return;
  uint d = e % D;
  if (d >= 2u * HALF) { // past the rotary dims: unchanged
    y[e] = x[e];
    return;
  }
  uint t = e / D; // head-row index: (b, h, s) or (b, s, h)
  uint s = SEQ_MAJOR == 1u ? (t / H) % S : t % S;
  uint b = t / (H * S);
  uint row;
  if (POS_MODE == 0u)
    row = b * S + s;
  else if (POS_MODE == 3u)
    row = min(POS_OFF + s, MAXPOS - 1u);
  else
    row = cacheRow(POS_MODE == 1u ? b * S + s : s);

  bool first;
  uint i, lo;
  if (INTERLEAVED == 1u) {
    i = d >> 1;
    first = (d & 1u) == 0u;
    lo = e - (d & 1u);
  } else {
    first = d < HALF;
    i = first ? d : d - HALF;
    lo = e - d + i;
  }
  uint hi = lo + (INTERLEAVED == 1u ? 1u : HALF);
  float c = float(cosc[row * HALF + i]);
  float sn = float(sinc[row * HALF + i]);
  float x1 = float(x[lo]), x2 = float(x[hi]);
  y[e] = STORE(first ? x1 * c - x2 * sn : x1 * sn + x2 * c);
}
