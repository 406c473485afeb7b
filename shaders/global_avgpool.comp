// Global average pooling (ops/GlobalAveragePool.cpp): workgroup p (of
// PLANES = N*C) sums the PLANE contiguous elements of X[p] in a shared-memory
// tree reduction and writes their mean to Y[p].
// global_avgpool_subgroup (SUBGROUP): subgroupAdd, then one shared slot per
// subgroup (as shaders/layernorm.comp).
// Bindings: 0 = X [PLANES, PLANE], 1 = Y [PLANES].
// global_avgpool_f16 and global_avgpool_subgroup_f16 (TLC_F16): fp16 storage
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
#define WG 64u
layout(local_size_x = 64) in;
#define TLC_DIMS(X)                                                           \
  X(0, PLANES, 1) X(1, PLANE, 1)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer YBuf { FLOAT_T y[]; };

shared float red[WG];

void main() {
  uint p = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (p >= PLANES) return; // uniform across the workgroup
  uint lid = gl_LocalInvocationID.x;
  float sum = 0.0;
  for (uint i = lid; i < PLANE; i += WG) sum += float(x[p * PLANE + i]);
#ifdef SUBGROUP
  float s = subgroupAdd(sum);
  if (subgroupElect()) red[gl_SubgroupID] = s;
  barrier();
  if (lid == 0u) {
    float total = 0.0;
    for (uint i = 0u; i < gl_NumSubgroups; ++i) total += red[i];
    y[p] = STORE(total / float(PLANE));
  }
#else
  red[lid] = sum;
  barrier();
  for (uint s = WG / 2u; s > 0u; s >>= 1) {
    if (lid < s) red[lid] += red[lid + s];
    barrier();
  }
  if (lid == 0u) y[p] = STORE(red[0] / float(PLANE));
#endif
}
