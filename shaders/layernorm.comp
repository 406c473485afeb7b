// Layer normalization of each row of a [ROWS, COLS] tensor
// (ops/LayerNormalization.cpp): workgroup r reduces the row's sum, then the
// sum of squared deviations from the mean, and writes
// (x - mean) * inversesqrt(var + EPS) * scale + bias.
// Two builds of this source:
//   - layernorm: the reductions are shared-memory trees (Vulkan 1.1 core);
//   - layernorm_subgroup (SUBGROUP): each subgroup reduces with subgroupAdd
//     (GL_KHR_shader_subgroup_arithmetic), then one shared slot per subgroup;
//     2 barriers per reduction instead of log2(WG) + 2. The runtime refuses a
//     plan using it on a device without subgroup arithmetic in compute
//     shaders (runtime/ShaderCheck.cpp).
// Both sum in a fixed order for a given subgroup size, so results do not
// vary from run to run.
// Specialization constants: 0 = ROWS, 1 = COLS, 2 = epsilon (f32 bits),
// 3 = HAS_BIAS, 4 = CHANNELS (0: Scale and B are indexed by column, as in
// LayerNormalization; C > 0: by row % C, one value per channel, as in
// InstanceNormalization over [N*C, H*W] rows). Bindings: 0 = X, 1 = Scale,
// 2 = B (Scale again when HAS_BIAS = 0, unread), 3 = Y.
// layernorm_f16 and layernorm_subgroup_f16 (TLC_F16): fp16 storage
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
  X(0, ROWS, 1) X(1, COLS, 1)
#define TLC_DIMS_BINDING 4
#include "dims.glsl"
layout(constant_id = 2) const uint EPS_BITS = 0;
layout(constant_id = 3) const uint HAS_BIAS = 0;
layout(constant_id = 4) const uint CHANNELS = 0;
layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T x[]; };
layout(set = 0, binding = 1) readonly buffer SBuf { FLOAT_T scale[]; };
layout(set = 0, binding = 2) readonly buffer BBuf { FLOAT_T bias[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf { FLOAT_T y[]; };

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

  float s = 0.0;
  for (uint c = lid; c < COLS; c += WG) s += float(x[base + c]);
  float mean = groupSum(s) / float(COLS);

  float q = 0.0;
  for (uint c = lid; c < COLS; c += WG) {
    float d = float(x[base + c]) - mean;
    q += d * d;
  }
  float inv = inversesqrt(groupSum(q) / float(COLS) + uintBitsToFloat(EPS_BITS));

  uint channel = CHANNELS > 0u ? row % CHANNELS : 0u;
  for (uint c = lid; c < COLS; c += WG) {
    uint a = CHANNELS > 0u ? channel : c;
    float v = (float(x[base + c]) - mean) * inv * float(scale[a]);
    if (HAS_BIAS == 1u) v += float(bias[a]);
    y[base + c] = STORE(v);
  }
}
