// Softmax, LogSoftmax and Hardmax along one axis (ops/Softmax.cpp). The
// input is viewed as [outer, L, inner]; workgroup r (of ROWS = outer*inner)
// handles the row of L elements starting at (r / INNER) * L * INNER +
// r % INNER with stride INNER: it reduces the max, then (MODE 0, Softmax)
// the sum of exp(x - max), in shared memory, and writes exp(x - max) / sum;
// MODE 1 (LogSoftmax) writes x - max - log(sum); MODE 2 (Hardmax) reduces
// the first index holding the max instead and writes 1 there, 0 elsewhere.
// Two builds, as shaders/layernorm.comp: softmax reduces in shared-memory
// trees; softmax_subgroup (SUBGROUP) with subgroupMax / subgroupAdd and one
// shared slot per subgroup.
// Bindings: 0 = X, 1 = Y. Constant 3 = MODE.
// softmax_f16 and softmax_subgroup_f16 (TLC_F16): fp16 storage
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
  X(0, ROWS, 1) X(1, L, 1) X(2, INNER, 1)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(constant_id = 3) const uint MODE = 0u;
layout(set = 0, binding = 0) readonly buffer XBuf { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer YBuf { FLOAT_T y[]; };

shared float red[WG];

// Max (IS_MAX) or sum of v over the workgroup; every invocation gets it.
float groupReduce(float v, bool IS_MAX) {
  uint lid = gl_LocalInvocationID.x;
#ifdef SUBGROUP
  float s = IS_MAX ? subgroupMax(v) : subgroupAdd(v);
  if (subgroupElect()) red[gl_SubgroupID] = s;
  barrier();
  float total = red[0];
  for (uint i = 1u; i < gl_NumSubgroups; ++i)
    total = IS_MAX ? max(total, red[i]) : total + red[i];
#else
  red[lid] = v;
  barrier();
  for (uint s = WG / 2u; s > 0u; s >>= 1) {
    if (lid < s) red[lid] = IS_MAX ? max(red[lid], red[lid + s]) : red[lid] + red[lid + s];
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
  uint base = (row / INNER) * L * INNER + row % INNER;

  float mx = uintBitsToFloat(0xff800000u); // -inf
  for (uint l = lid; l < L; l += WG) mx = max(mx, float(x[base + l * INNER]));
  mx = groupReduce(mx, true);

  if (MODE == 2u) {
    // The first index of the max: the max of -index over the indices that
    // hold it (exact in f32 for rows below 2^24 elements).
    float first = uintBitsToFloat(0xff800000u);
    for (uint l = lid; l < L; l += WG)
      if (float(x[base + l * INNER]) == mx) first = max(first, -float(l));
    uint at = uint(-groupReduce(first, true));
    for (uint l = lid; l < L; l += WG)
      y[base + l * INNER] = STORE(l == at ? 1.0 : 0.0);
    return;
  }
  float sum = 0.0;
  for (uint l = lid; l < L; l += WG) sum += exp(float(x[base + l * INNER]) - mx);
  sum = groupReduce(sum, false);
  if (MODE == 1u) {
    // (x - max) is exact near the max; folding max + log(sum) first would
    // round away the small differences of large inputs.
    float lse = log(sum);
    for (uint l = lid; l < L; l += WG)
      y[base + l * INNER] = STORE((float(x[base + l * INNER]) - mx) - lse);
    return;
  }
  float inv = 1.0 / sum;
  for (uint l = lid; l < L; l += WG)
    y[base + l * INNER] = STORE(exp(float(x[base + l * INNER]) - mx) * inv);
}
