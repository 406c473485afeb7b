// ONNX Reduce* (ops/Reduce.cpp): one invocation per output element folds the
// box of reduced input elements in f32 (row-major order), then finishes it.
// OP (constant 21), as ReduceKind in ops/Reduce.cpp:
//   0 Sum, 1 Mean (sum x 1 / count), 2 Max, 3 Min, 4 Prod, 5 L1 (sum |x|),
//   6 L2 (sqrt of the sum of x^2), 7 LogSum (log of the sum),
//   8 LogSumExp (m + log sum exp(x - m), m the box's max: the max pass first
//   keeps exp from overflowing), 9 SumSquare (sum x^2), 10 InvStdDev
//   (1 / sqrt(var + EPS), var the biased variance about the box's mean, in
//   two passes: LayerNormalization's InvStdDev output).
// Specialization constants: 0 = output elements, 1 = elements per box, 2 =
// 1 / count (f32 bits, Mean), 3..8 = output dims with reduced dims kept as 1,
// 9..14 = box dims (1 where not reduced), 15..20 = input strides; all padded
// in front to six dims; 21 = OP; 22 = EPS (f32 bits, InvStdDev).
// Bindings: 0 = data, 1 = reduced.
// reduce_subgroup (SUBGROUP), for large boxes: one workgroup of 64 per
// output element; its invocations stride through the box, then a subgroup
// operation and one shared slot per subgroup (as shaders/layernorm.comp).
// reduce_f16 and reduce_subgroup_f16 (TLC_F16): fp16 storage
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
layout(constant_id = 21) const uint OP = 1u;
layout(constant_id = 22) const uint EPS_BITS = 0u;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };

const uint SUM = 0u, MEAN = 1u, MAX = 2u, MIN = 3u, PROD = 4u, L1 = 5u,
           L2 = 6u, LOGSUM = 7u, LOGSUMEXP = 8u, SUMSQUARE = 9u,
           INVSTDDEV = 10u;
// What boxFold applies to each element first: OP's own map (x, |x|, x^2),
// exp(x - shift) or (x - shift)^2.
const uint PRE_OP = 0u, PRE_EXP = 1u, PRE_SQDEV = 2u;
// How the box's elements combine: by +, max, min or *.
const uint ADD = 0u, MAXC = 1u, MINC = 2u, MULC = 3u;
const uint COMBINE = OP == MAX ? MAXC : OP == MIN ? MINC
                     : OP == PROD ? MULC : ADD;

float identityOf(uint c) {
  if (c == MAXC) return uintBitsToFloat(0xff800000u); // -inf
  if (c == MINC) return uintBitsToFloat(0x7f800000u); // +inf
  return c == MULC ? 1.0 : 0.0;
}

float combine(uint c, float a, float b) {
  if (c == MAXC) return max(a, b);
  if (c == MINC) return min(a, b);
  return c == MULC ? a * b : a + b;
}

#ifdef SUBGROUP
shared float red[64];

// The whole workgroup's combination of v, returned to every invocation.
float workgroupCombine(uint c, float v) {
  float part = c == MAXC ? subgroupMax(v) : c == MINC ? subgroupMin(v)
             : c == MULC ? subgroupMul(v) : subgroupAdd(v);
  if (subgroupElect()) red[gl_SubgroupID] = part;
  barrier();
  float r = identityOf(c);
  for (uint g = 0u; g < gl_NumSubgroups; ++g) r = combine(c, r, red[g]);
  barrier(); // red is written again by a second pass
  return r;
}
#endif

// The combination, under c, of pre(x) over this invocation's share of the
// box at base (every STEP-th element from lid).
float boxFold(uint c, uint base, uint lid, uint STEP, uint pre, float shift) {
  uint b[6] = uint[6](B0, B1, B2, B3, B4, B5);
  uint s[6] = uint[6](S0, S1, S2, S3, S4, S5);
  float acc = identityOf(c);
  for (uint j = lid; j < COUNT; j += STEP) {
    uint q = j, off = base;
    for (int d = 5; d >= 0; --d) {
      off += (q % b[d]) * s[d];
      q /= b[d];
    }
    float v = float(x[off]);
    if (pre == PRE_EXP) v = exp(v - shift);
    else if (pre == PRE_SQDEV) v = (v - shift) * (v - shift);
    else if (OP == L1) v = abs(v);
    else if (OP == L2 || OP == SUMSQUARE) v = v * v;
    acc = combine(c, acc, v);
  }
  return acc;
}

// A sum over the box divided by its element count.
float perElement(float sum) {
#ifdef TLC_DYN
  return INV_BITS == 0u ? sum / float(COUNT) : sum * uintBitsToFloat(INV_BITS);
#else
  return sum * uintBitsToFloat(INV_BITS);
#endif
}

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
  uint s[6] = uint[6](S0, S1, S2, S3, S4, S5);
  uint r = i, base = 0u;
  for (int d = 5; d >= 0; --d) {
    base += (r % k[d]) * s[d];
    r /= k[d];
  }
  // LogSumExp and InvStdDev fold twice: the max (the mean) first.
  float shift = 0.0;
  if (OP == LOGSUMEXP || OP == INVSTDDEV) {
    uint c = OP == LOGSUMEXP ? MAXC : ADD;
    shift = boxFold(c, base, lid, STEP, PRE_OP, 0.0);
#ifdef SUBGROUP
    shift = workgroupCombine(c, shift);
#endif
    if (OP == INVSTDDEV) shift = perElement(shift);
  }
  uint pre = OP == LOGSUMEXP ? PRE_EXP : OP == INVSTDDEV ? PRE_SQDEV : PRE_OP;
  float acc = boxFold(COMBINE, base, lid, STEP, pre, shift);
#ifdef SUBGROUP
  acc = workgroupCombine(COMBINE, acc);
  if (lid != 0u) return;
#endif
  float v = acc;
  if (OP == MEAN) {
    v = perElement(acc);
  } else if (OP == INVSTDDEV) {
    v = inversesqrt(perElement(acc) + uintBitsToFloat(EPS_BITS));
  } else if (OP == L2) {
    v = sqrt(acc);
  } else if (OP == LOGSUM) {
    v = log(acc);
  } else if (OP == LOGSUMEXP) {
    // A box of -inf (or +inf) has no finite shift: its result is the shift.
    v = isinf(shift) ? shift : shift + log(acc);
  }
  y[i] = STORE(v);
}
