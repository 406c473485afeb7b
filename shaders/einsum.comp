// ONNX Einsum (ops/Einsum.cpp): one invocation per output element, which
// sums over the summed indices the product of the inputs' elements.
// Indices 0..NOUT-1 are the output's dims (row-major), NOUT..7 the summed
// ones (unused slots have size 1). Specialization constants: 0 TOTAL
// (output elements), 1 SUMN (product of the summed sizes), 2-9 index sizes,
// 10-17 each index's element stride in A, 18-25 in B (0 where absent or
// broadcast), 26 NOUT, 27 NIN (1: B is not read).
// Bindings: 0 = A, 1 = B, 2 = Y.
// einsum_f16: fp16 storage (shaders/storage.glsl).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 64) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(1, SUMN, 1) X(2, S0, 1) X(3, S1, 1) X(4, S2, 1)            \
  X(5, S3, 1) X(6, S4, 1) X(7, S5, 1) X(8, S6, 1) X(9, S7, 1) X(10, A0, 0)    \
  X(11, A1, 0) X(12, A2, 0) X(13, A3, 0) X(14, A4, 0) X(15, A5, 0)            \
  X(16, A6, 0) X(17, A7, 0) X(18, B0, 0) X(19, B1, 0) X(20, B2, 0)            \
  X(21, B3, 0) X(22, B4, 0) X(23, B5, 0) X(24, B6, 0) X(25, B7, 0)
#define TLC_DIMS_BINDING 3
#include "dims.glsl"
layout(constant_id = 26) const uint NOUT = 1;
layout(constant_id = 27) const uint NIN = 2;
layout(set = 0, binding = 0) readonly buffer A { FLOAT_T a[]; };
layout(set = 0, binding = 1) readonly buffer B { FLOAT_T b[]; };
layout(set = 0, binding = 2) writeonly buffer Y { FLOAT_T y[]; };

void main() {
  uint e = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (e >= TOTAL) return;
  uint sz[8] = uint[8](S0, S1, S2, S3, S4, S5, S6, S7);
  uint sa[8] = uint[8](A0, A1, A2, A3, A4, A5, A6, A7);
  uint sb[8] = uint[8](B0, B1, B2, B3, B4, B5, B6, B7);
  uint r = e, offA = 0u, offB = 0u;
  for (int k = int(NOUT) - 1; k >= 0; --k) {
    uint i = r % sz[k];
    r /= sz[k];
    offA += i * sa[k];
    offB += i * sb[k];
  }
  float acc = 0.0;
  for (uint s = 0u; s < SUMN; ++s) {
    uint q = s, pa = offA, pb = offB;
    for (int k = 7; k >= int(NOUT); --k) {
      uint i = q % sz[k];
      q /= sz[k];
      pa += i * sa[k];
      pb += i * sb[k];
    }
    float p = float(a[pa]);
    if (NIN == 2u) p *= float(b[pb]);
    acc += p;
  }
  y[e] = FLOAT_T(acc);
}
