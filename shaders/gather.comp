// Gather along one axis (ops/Gather.cpp). Data is viewed as [outer, A,
// inner], the output as [outer, N, inner]; output element (o, j, i) reads
// data (o, idx[j], i). Indices are i64 (IDX64 = 1: two 32-bit words, little-
// endian, the high word only checked to be the sign extension of the low
// one) or i32; negative ones count from the end of the axis, and an index
// outside [-A, A) gives 0.
// Row chunks (ops/GatherRowChunks.cpp: a table too large for one binding,
// split along axis 0 into separate tensors): with CHUNK_TOTAL > 0 the data
// holds rows [CHUNK_BEGIN, CHUNK_BEGIN + A) of an axis of CHUNK_TOTAL rows;
// indices are resolved against CHUNK_TOTAL, elements whose row lies in
// another chunk are left to that chunk's dispatch, and the chunk with
// CHUNK_BEGIN = 0 writes the 0 of an out-of-range index.
// Bindings: 0 = data (f32), 1 = indices, 2 = output (f32).
// gather_f16: data and output in fp16 storage (shaders/storage.glsl).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(1, A, 1) X(2, INNER, 1) X(3, N, 1)
#define TLC_DIMS_BINDING 3
#include "dims.glsl"
layout(constant_id = 4) const uint IDX64 = 1;
layout(constant_id = 5) const uint CHUNK_TOTAL = 0; // 0: data is the whole axis
layout(constant_id = 6) const uint CHUNK_BEGIN = 0;
layout(set = 0, binding = 0) readonly buffer Data { FLOAT_T data[]; };
layout(set = 0, binding = 1) readonly buffer Idx { int idx[]; };
layout(set = 0, binding = 2) writeonly buffer Out { FLOAT_T y[]; };

void main() {
  uint e = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (e >= TOTAL) return;
  uint i = e % INNER;
  uint j = (e / INNER) % N;
  uint o = e / (INNER * N);
  int k;
  bool valid;
  if (IDX64 == 1u) {
    k = idx[2u * j];
    valid = idx[2u * j + 1u] == (k < 0 ? -1 : 0);
  } else {
    k = idx[j];
    valid = true;
  }
  if (CHUNK_TOTAL != 0u) {
    if (k < 0) k += int(CHUNK_TOTAL);
    valid = valid && k >= 0 && k < int(CHUNK_TOTAL);
    if (!valid && CHUNK_BEGIN != 0u) return; // chunk 0 writes the 0
    k -= int(CHUNK_BEGIN);
    if (valid && (k < 0 || k >= int(A))) return; // another chunk's row
  }
  if (k < 0) k += int(A);
  valid = valid && k >= 0 && k < int(A);
  // Through f32: a float16_t constant would need the Float16 capability,
  // which 16-bit storage alone does not grant.
  y[e] = STORE(valid ? float(data[(o * A + uint(k)) * INNER + i]) : 0.0);
}
