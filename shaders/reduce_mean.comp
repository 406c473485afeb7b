// ONNX ReduceMean (ops/ReduceMean.cpp): one invocation per output element
// sums the box of reduced input elements in f32 (row-major order) and scales
// by 1 / count.
// Specialization constants: 0 = output elements, 1 = elements per box, 2 =
// 1 / count (f32 bits), 3..8 = output dims with reduced dims kept as 1,
// 9..14 = box dims (1 where not reduced), 15..20 = input strides; all padded
// in front to six dims.
// Bindings: 0 = data, 1 = reduced.
// reduce_mean_subgroup (SUBGROUP), for large boxes: one workgroup of 64 per
// output element; its invocations stride through the box, then subgroupAdd
// and one shared slot per subgroup (as shaders/layernorm.comp).
// reduce_mean_f16 and reduce_mean_subgroup_f16 (TLC_F16): fp16 storage
// (shaders/storage.glsl), f32 arithmetic and shared memory.
// The dyn builds (TLC_DYN, shaders/dims.glsl) read constants 0, 1 and 3..20
// from binding 2. 1 / count is a float the runtime cannot compute, so there
// INV_BITS = 0 means: divide the sum by COUNT (a box with symbolic dims);
// any other INV_BITS scales by it as in the static build.
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
layout(local_size_x = 64) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(1, COUNT, 1) X(3, K0, 1) X(4, K1, 1) X(5, K2, 1)           \
  X(6, K3, 1) X(7, K4, 1) X(8, K5, 1) X(9, B0, 1) X(10, B1, 1) X(11, B2, 1)   \
  X(12, B3, 1) X(13, B4, 1) X(14, B5, 1) X(15, S0, 0) X(16, S1, 0)            \
  X(17, S2, 0) X(18, S3, 0) X(19, S4, 0) X(20, S5, 0)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(constant_id = 2) const uint INV_BITS = 0x3f800000u;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };

#ifdef SUBGROUP
shared float red[64];
#endif

void main() {
#ifdef SUBGROUP
  uint i = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  uint lid = gl_LocalInvocationID.x;
  const uint STEP = 64u;
#else
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  const uint lid = 0u, STEP = 1u;
#endif
  if (i >= TOTAL) return; // uniform across the workgroup in the SUBGROUP build
  uint k[6] = uint[6](K0, K1, K2, K3, K4, K5);
  uint b[6] = uint[6](B0, B1, B2, B3, B4, B5);
  uint s[6] = uint[6](S0, S1, S2, S3, S4, S5);
  uint r = i, base = 0u;
  for (int d = 5; d >= 0; --d) {
    base += (r % k[d]) * s[d];
    r /= k[d];
  }
  float sum = 0.0;
  for (uint j = lid; j < COUNT; j += STEP) {
    uint q = j, off = base;
    for (int d = 5; d >= 0; --d) {
      off += (q % b[d]) * s[d];
      q /= b[d];
    }
    sum += float(x[off]);
  }
#ifdef SUBGROUP
  float part = subgroupAdd(sum);
  if (subgroupElect()) red[gl_SubgroupID] = part;
  barrier();
  if (lid != 0u) return;
  sum = 0.0;
  for (uint g = 0u; g < gl_NumSubgroups; ++g) sum += red[g];
#endif
#ifdef TLC_DYN
  if (INV_BITS == 0u) {
    y[i] = STORE(sum / float(COUNT));
    return;
  }
#endif
  y[i] = STORE(sum * uintBitsToFloat(INV_BITS));
}
