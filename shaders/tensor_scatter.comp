// TensorScatter's row write (ops/TensorScatter.cpp): the cache viewed as
// [outer, ROWS, INNER], the update as [outer, SEQ, INNER]; update row s of
// each outer block goes to cache row OFFSET + s, rows at or past ROWS are
// skipped (so no value of the symbols writes outside the cache).
// One invocation per update element (TOTAL = outer * SEQ * INNER).
// Bindings: 0 = update, 1 = cache (the op's output, in place).
// tensor_scatter_f16: both stored binary16 (a KV cache under
// --precision=fp16; passes/F16Storage.cpp stores the state itself f16).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(1, SEQ, 1) X(2, INNER, 1) X(3, ROWS, 1) X(4, OFFSET, 0)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(set = 0, binding = 0) readonly buffer Upd { FLOAT_T upd[]; };
layout(set = 0, binding = 1) writeonly buffer Cache { FLOAT_T cache[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= TOTAL) return;
  uint c = i % INNER;
  uint s = (i / INNER) % SEQ;
  uint o = i / (INNER * SEQ);
  uint row = OFFSET + s;
  if (row >= ROWS) return;
  cache[(o * ROWS + row) * INNER + c] = upd[i];
}
