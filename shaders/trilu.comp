// ONNX Trilu (ops/Trilu.cpp): y = x where the element's column j and row i
// (the last two dims) satisfy j - i >= K (UPPER) or j - i <= K (lower),
// else 0.
// Specialization constants: 0 = element count, 1 = rows, 2 = columns,
// 3 = K (i32: the lowering clamps k to [-rows, columns], which keeps every
// comparison's outcome), 4 = UPPER (0 or 1).
// Bindings: 0 = X, 1 = Y.
// trilu_f16: fp16 storage (shaders/storage.glsl).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, N, 1) X(1, ROWS, 1) X(2, COLS, 1)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(constant_id = 3) const int K = 0;
layout(constant_id = 4) const uint UPPER = 1u;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= N) return;
  int col = int(i % COLS), row = int((i / COLS) % ROWS);
  bool keep = UPPER != 0u ? col - row >= K : col - row <= K;
  y[i] = keep ? x[i] : STORE(0.0);
}
