// Rows of a block-quantized table, decoded (ops/QuantizedGather.cpp: a
// token embedding kept as GGUF blocks): Y[j, :] = dequant(W)[idx[j], :].
// W is N_ROWS rows of K values in GGUF blocks (shaders/ggml_blocks.glsl),
// rows ROW_STRIDE bytes apart (the row's blocks rounded up to 4 bytes),
// read as 32-bit words. One invocation per UNIT values of an output row
// (TOTAL = N * K / UNIT). Indices are i64 (IDX64 = 1: two words, the high
// one only checked to be the sign extension of the low one) or i32;
// negative ones count from the end, and an index outside [-N_ROWS, N_ROWS)
// gives a row of zeros, as gather.comp.
// Constants: 0 = TOTAL, 1 = N (indices), 2 = K, 3 = N_ROWS (TLC_DIMS),
// 4 = QTYPE, 5 = IDX64. Bindings: 0 = W (bytes), 1 = indices, 2 = Y.
// quant_gather_f16: Y stored as binary16 (shaders/storage.glsl).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X) X(0, TOTAL, 1) X(1, N, 1) X(2, K, 32) X(3, N_ROWS, 1)
#define TLC_DIMS_BINDING 3
#include "dims.glsl"
layout(constant_id = 4) const uint QTYPE = 0;
layout(constant_id = 5) const uint IDX64 = 1;
layout(set = 0, binding = 0) readonly buffer WBuf { uint w[]; };
layout(set = 0, binding = 1) readonly buffer Idx { int idx[]; };
layout(set = 0, binding = 2) writeonly buffer YBuf { FLOAT_T y[]; };

#include "ggml_blocks.glsl"

void main() {
  uint e = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (e >= TOTAL) return;
  uint unitsPerRow = K / UNIT;
  uint j = e / unitsPerRow, u = e % unitsPerRow;
  uint b = u / UNITS_PER_BLOCK, s = u % UNITS_PER_BLOCK;
  int k;
  bool valid;
  if (IDX64 == 1u) {
    k = idx[2u * j];
    valid = idx[2u * j + 1u] == (k < 0 ? -1 : 0);
  } else {
    k = idx[j];
    valid = true;
  }
  if (k < 0) k += int(N_ROWS);
  valid = valid && k >= 0 && k < int(N_ROWS);
  float v[16];
  for (uint t = 0u; t < UNIT; ++t) v[t] = 0.0;
  uint rowStride = (K / BLOCK_ELEMS * BLOCK_BYTES + 3u) & ~3u;
  if (valid) decodeUnit(uint(k) * rowStride, b, s, v);
  uint base = j * K + b * BLOCK_ELEMS;
  for (uint t = 0u; t < UNIT; ++t) y[base + unitValueIndex(s, t)] = STORE(v[t]);
}
