// RMS normalization of each row of a [ROWS, COLS] tensor
// (ops/RMSNormalization.cpp, ONNX opset 23): workgroup r reduces the row's
// sum of squares and writes x * inversesqrt(sum / COLS + EPS) * scale, with
// column c reading scale[(c / SCALE_INNER) % SCALE_N] (scale broadcast over
// the normalized dims).
// Two builds of this source, as shaders/layernorm.comp:
//   - rmsnorm: the reduction is a shared-memory tree (Vulkan 1.1 core);
//   - rmsnorm_subgroup (SUBGROUP): each subgroup reduces with subgroupAdd
//     (GL_KHR_shader_subgroup_arithmetic), then one shared slot per
//     subgroup. The runtime refuses a plan using it on a device without
//     subgroup arithmetic in compute shaders (runtime/ShaderCheck.cpp).
// Both sum in a fixed order for a given subgroup size, so results do not
// vary from run to run.
// Specialization constants: 0 = ROWS, 1 = COLS, 2 = SCALE_N,
// 3 = SCALE_INNER, 4 = epsilon (f32 bits). Bindings: 0 = X, 1 = scale,
// 2 = Y.
// rmsnorm_f16 and rmsnorm_subgroup_f16 (TLC_F16): fp16 storage
// (shaders/storage.glsl), f32 arithmetic and shared memory.
// tlc-variant: subgroup SUBGROUP
// tlc-variant: f16 TLC_F16
// tlc-variant: subgroup_f16 SUBGROUP TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
#ifdef SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
#define WG 128u
layout(local_size_x = 128) in;
#define TLC_DIMS(X)                                                           \
  X(0, ROWS, 1) X(1, COLS, 1) X(2, SCALE_N, 1) X(3, SCALE_INNER, 1)
#define TLC_DIMS_BINDING 3
#include "dims.glsl"
layout(constant_id = 4) const uint EPS_BITS = 0;
layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T x[]; };
layout(set = 0, binding = 1) readonly buffer SBuf { FLOAT_T scale[]; };
layout(set = 0, binding = 2) writeonly buffer YBuf { FLOAT_T y[]; };

shared float red[WG];

// Sum of v over the workgroup; every invocation gets the result.
float groupSum(float v) {
  uint lid = gl_LocalInvocationID.x;
#ifdef SUBGROUP
  float s = subgroupAdd(v);
  if (subgroupElect()) red[gl_SubgroupID] = s;
  barrier();
  float total = 0.0;
  for (uint i = 0u; i < gl_NumSubgroups; ++i) total += red[i];
#else
  red[lid] = v;
  barrier();
  for (uint s = WG / 2u; s > 0u; s >>= 1) {
    if (lid < s) red[lid] += red[lid + s];
    barrier();
  }
  float total = red[0];
#endif
  barrier();
  return total;
}

void main() {
  uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (row >= ROWS) return; // uniform across the workgroup
  uint lid = gl_LocalInvocationID.x;
  uint base = row * COLS;

  float q = 0.0;
  for (uint c = lid; c < COLS; c += WG) {
    float v = float(x[base + c]);
    q += v * v;
  }
  float inv = inversesqrt(groupSum(q) / float(COLS) + uintBitsToFloat(EPS_BITS));

  for (uint c = lid; c < COLS; c += WG)
    y[base + c] = STORE(float(x[base + c]) * inv *
                        float(scale[(c / SCALE_INNER) % SCALE_N]));
}
