// Split-K reduction and GEMM epilogue (ops/SplitKReduce.cpp):
//   Y[i] = sum_{s < S} P[s * MN + i] + BETA * C[row * C_SM + col * C_SN]
//          (+ Z[i])
// for i = row * N + col < MN. P holds the S partial products of a split-K
// GEMM (shaders/gemm_tiled.comp with KSLICE), C the optional bias
// (broadcast through strides, 0 along broadcast dims) and Z the optional
// residual, of Y's element count. Memory-bound: with VEC4 (N a multiple of
// 4, every bound offset a multiple of 16 bytes) each invocation moves vec4s,
// the widest load a GPU coalesces per lane. Y may be written over P[0] or Z
// in place: each invocation reads them only at the elements it writes.
// Specialization constants: 0 = S, 1 = MN, 2 = N, 3 = HAS_C, 4 = C_SM,
// 5 = C_SN, 6 = BETA (IEEE-754 bits), 7 = HAS_Z, 8 = VEC4.
// Bindings: 0 = P, 1 = C (read only when HAS_C), 2 = Z (read only when
// HAS_Z), 3 = Y. Grid: setGrid1D over MN / 4 (VEC4) or MN invocations.
// splitk_reduce_f16: P, C, Z and Y stored as binary16 (shaders/storage.glsl);
// the slices are summed in f32.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, S, 1) X(1, MN, 1) X(2, N, 1) X(4, C_SM, 0) X(5, C_SN, 0)
#define TLC_DIMS_BINDING 4
#include "dims.glsl"
layout(constant_id = 3) const uint HAS_C = 0;
layout(constant_id = 6) const uint BETA_BITS = 0x3f800000; // 1.0
layout(constant_id = 7) const uint HAS_Z = 0;
layout(constant_id = 8) const uint VEC4 = 0;
layout(set = 0, binding = 0) readonly buffer PBuf { FLOAT_T p[]; };
layout(set = 0, binding = 0) readonly buffer PBuf4 { VEC4_T p4[]; };
layout(set = 0, binding = 1) readonly buffer CBuf { FLOAT_T c[]; };
layout(set = 0, binding = 2) readonly buffer ZBuf { FLOAT_T z[]; };
layout(set = 0, binding = 2) readonly buffer ZBuf4 { VEC4_T z4[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf { FLOAT_T y[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf4 { VEC4_T y4[]; };

float bias(uint i) {
  uint row = i / N, col = i % N;
  return uintBitsToFloat(BETA_BITS) * float(c[row * C_SM + col * C_SN]);
}

void main() {
  uint i = gl_GlobalInvocationID.x +
           gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (VEC4 != 0u) {
    if (i >= MN / 4u)
      return;
    vec4 v = vec4(p4[i]);
    for (uint s = 1u; s < S; ++s)
      v += vec4(p4[s * (MN / 4u) + i]);
    if (HAS_C != 0u)
      v += vec4(bias(4u * i), bias(4u * i + 1u), bias(4u * i + 2u),
                bias(4u * i + 3u));
    if (HAS_Z != 0u)
      v += vec4(z4[i]);
    y4[i] = STORE4(v);
  } else {
    if (i >= MN)
      return;
    float v = float(p[i]);
    for (uint s = 1u; s < S; ++s)
      v += float(p[s * MN + i]);
    if (HAS_C != 0u)
      v += bias(i);
    if (HAS_Z != 0u)
      v += float(z[i]);
    y[i] = STORE(v);
  }
}
