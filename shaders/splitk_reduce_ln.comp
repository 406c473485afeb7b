// Split-K reduction with a LayerNormalization epilogue (ops/SplitKReduce.cpp,
// layer_norm = 1): per row of Y [M, N],
//   Y[row]  = sum_{s < S} P[s, row] + BETA * C[row] (+ Z[row])
//   YN[row] = (Y[row] - mean) * inversesqrt(var + EPS) * SCALE + LN_B
// mean and var over the row's N elements (ONNX LayerNormalization, axis -1):
// the residual stream and the next layer's normalized input in one dispatch,
// where a transformer otherwise runs a reduction and a LayerNormalization.
// Workgroup r (of M) owns row r; its invocations step through the row's
// vec4s (VEC4: N % 4 == 0) or elements, sum in f32, and reduce the row sum,
// then the sum of squared deviations, with subgroupAdd and one shared slot
// per subgroup (two passes over the row, as shaders/layernorm.comp, for the
// same precision). Each invocation re-reads only the Y elements it wrote.
// Needs subgroup arithmetic (the "gpu" profile; runtime/ShaderCheck.cpp).
// Specialization constants: 0 = S, 1 = M, 2 = N, 3 = HAS_C, 4 = C_SM,
// 5 = C_SN, 6 = BETA (f32 bits), 7 = HAS_Z, 8 = VEC4, 9 = EPS (f32 bits),
// 10 = HAS_LN_B.
// Bindings: 0 = P, 1 = C, 2 = Z, 3 = SCALE, 4 = LN_B (each bound to P and
// unread when absent), 5 = Y, 6 = YN.
// splitk_reduce_ln_f16: every binding stored as binary16
// (shaders/storage.glsl); sums and statistics stay f32, computed (as an
// unfused LayerNormalization would) from Y as stored.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
#define WG 256u
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, S, 1) X(1, M, 1) X(2, N, 1) X(4, C_SM, 0) X(5, C_SN, 0)
#define TLC_DIMS_BINDING 7
#include "dims.glsl"
layout(constant_id = 3) const uint HAS_C = 0;
layout(constant_id = 6) const uint BETA_BITS = 0x3f800000; // 1.0
layout(constant_id = 7) const uint HAS_Z = 0;
layout(constant_id = 8) const uint VEC4 = 0;
layout(constant_id = 9) const uint EPS_BITS = 0;
layout(constant_id = 10) const uint HAS_LN_B = 0;
layout(set = 0, binding = 0) readonly buffer PBuf { FLOAT_T p[]; };
layout(set = 0, binding = 0) readonly buffer PBuf4 { VEC4_T p4[]; };
layout(set = 0, binding = 1) readonly buffer CBuf { FLOAT_T c[]; };
layout(set = 0, binding = 2) readonly buffer ZBuf { FLOAT_T z[]; };
layout(set = 0, binding = 2) readonly buffer ZBuf4 { VEC4_T z4[]; };
layout(set = 0, binding = 3) readonly buffer SBuf { FLOAT_T scale[]; };
layout(set = 0, binding = 4) readonly buffer BBuf { FLOAT_T lnb[]; };
layout(set = 0, binding = 5) buffer YBuf { FLOAT_T y[]; };
layout(set = 0, binding = 5) buffer YBuf4 { VEC4_T y4[]; };
layout(set = 0, binding = 6) writeonly buffer YNBuf { FLOAT_T yn[]; };
layout(set = 0, binding = 6) writeonly buffer YNBuf4 { VEC4_T yn4[]; };

shared float red[WG];

float groupSum(float v) {
  float s = subgroupAdd(v);
  if (subgroupElect()) red[gl_SubgroupID] = s;
  barrier();
  float total = 0.0;
  for (uint i = 0u; i < gl_NumSubgroups; ++i) total += red[i];
  barrier();
  return total;
}

float bias(uint row, uint col) {
  return uintBitsToFloat(BETA_BITS) * float(c[row * C_SM + col * C_SN]);
}

void main() {
  uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (row >= M) return; // uniform across the workgroup
  uint lid = gl_LocalInvocationID.x;
  const uint MN = M * N;
  const uint W = VEC4 != 0u ? N / 4u : N; // units (vec4s or floats) per row
  uint base = row * W;

  // Y and the row sum.
  float sum = 0.0;
  for (uint u = lid; u < W; u += WG) {
    if (VEC4 != 0u) {
      vec4 v = vec4(p4[base + u]);
      for (uint s = 1u; s < S; ++s) v += vec4(p4[s * (MN / 4u) + base + u]);
      if (HAS_C != 0u)
        for (uint e = 0u; e < 4u; ++e) v[e] += bias(row, 4u * u + e);
      if (HAS_Z != 0u) v += vec4(z4[base + u]);
      v = vec4(STORE4(v)); // the statistics are of Y as stored
      y4[base + u] = STORE4(v);
      sum += (v.x + v.y) + (v.z + v.w);
    } else {
      float v = float(p[base + u]);
      for (uint s = 1u; s < S; ++s) v += float(p[s * MN + base + u]);
      if (HAS_C != 0u) v += bias(row, u);
      if (HAS_Z != 0u) v += float(z[base + u]);
      v = float(STORE(v));
      y[base + u] = STORE(v);
      sum += v;
    }
  }
  float mean = groupSum(sum) / float(N);

  float q = 0.0;
  for (uint u = lid; u < W; u += WG) {
    if (VEC4 != 0u) {
      vec4 d = vec4(y4[base + u]) - mean;
      q += dot(d, d);
    } else {
      float d = float(y[base + u]) - mean;
      q += d * d;
    }
  }
  float inv = inversesqrt(groupSum(q) / float(N) + uintBitsToFloat(EPS_BITS));

  for (uint u = lid; u < W; u += WG) {
    if (VEC4 != 0u) {
      vec4 v = (vec4(y4[base + u]) - mean) * inv;
      for (uint e = 0u; e < 4u; ++e) {
        uint col = 4u * u + e;
        v[e] = v[e] * float(scale[col]) +
               (HAS_LN_B != 0u ? float(lnb[col]) : 0.0);
      }
      yn4[base + u] = STORE4(v);
    } else {
      float v = (float(y[base + u]) - mean) * inv * float(scale[u]);
      if (HAS_LN_B != 0u) v += float(lnb[u]);
      yn[base + u] = STORE(v);
    }
  }
}
