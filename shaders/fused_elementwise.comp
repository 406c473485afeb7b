// FusedElementwise (ops/FusedElementwise.cpp): y = program(x0..x3), each
// input broadcast to y's shape, the program a list of elementwise
// instructions (ops/FusedElementwiseProgram.h) given as specialization
// constants, so that the driver's compiler folds every branch below and
// keeps the straight-line arithmetic.
// Constants: 0 TOTAL (output elements), 1 NIN (inputs, 1-4), 2 NSTEPS
// (instructions, 1-24), 3 VEC4 (1: D5 is a multiple of 4 and every input's
// innermost stride is 0 or 1, so each unit of work is 4 outputs stored as a
// vec4), 4 ITEMS (units per invocation, at a stride of the whole grid),
// 5-10 the merged output dims D0..D5 (D0 outermost), 11-34 the element
// strides of input k along dim d at 11 + 6k + d (0 along broadcast dims),
// then three per instruction i at 35 + 3i: code (opcode | a << 8 | b << 16;
// a and b are registers, 255 the immediate p0), p0 and p1 (f32 bits).
// Registers 0..NIN-1 hold the inputs, NIN + i the result of instruction i;
// the last instruction's result is stored.
// Functions follow shaders/unary.comp, binary.comp and unary_math.comp:
// tanh clamps to [-15, 15], erf is Abramowitz & Stegun 7.1.26
// (|error| <= 1.5e-7), pow of a negative base with an integral exponent is
// |x|^y with the sign of an odd y; x^2 and x^3 by an immediate are
// multiplications.
// Bindings 0-3 = inputs (unused ones repeat input 0), 4 = Y. Y may be an
// input's memory (in place): each invocation reads what it writes first.
// fused_elementwise_f16: fp16 storage of inputs and Y (shaders/storage.glsl);
// registers and arithmetic stay f32.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
// Input k's stride along dim d is constant 11 + 6k + d.
#define TLC_STRIDES_(X, k, base)                                              \
  X(base, S##k##0, 0) X(base + 1, S##k##1, 0) X(base + 2, S##k##2, 0)         \
  X(base + 3, S##k##3, 0) X(base + 4, S##k##4, 0) X(base + 5, S##k##5, 0)
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(5, D0, 1) X(6, D1, 1) X(7, D2, 1) X(8, D3, 1) X(9, D4, 1)  \
  X(10, D5, 1)                                                                \
  TLC_STRIDES_(X, 0, 11) TLC_STRIDES_(X, 1, 17)                               \
  TLC_STRIDES_(X, 2, 23) TLC_STRIDES_(X, 3, 29)
#define TLC_DIMS_BINDING 5
#include "dims.glsl"
layout(constant_id = 1) const uint NIN = 1;
layout(constant_id = 2) const uint NSTEPS = 1;
layout(constant_id = 3) const uint VEC4 = 0;
layout(constant_id = 4) const uint ITEMS = 1;

#define SLOT(i, base) \
  layout(constant_id = base) const uint C##i = 0; \
  layout(constant_id = base + 1) const uint P##i = 0; \
  layout(constant_id = base + 2) const uint Q##i = 0;
SLOT(0, 35) SLOT(1, 38) SLOT(2, 41) SLOT(3, 44) SLOT(4, 47) SLOT(5, 50)
SLOT(6, 53) SLOT(7, 56) SLOT(8, 59) SLOT(9, 62) SLOT(10, 65) SLOT(11, 68)
SLOT(12, 71) SLOT(13, 74) SLOT(14, 77) SLOT(15, 80) SLOT(16, 83)
SLOT(17, 86) SLOT(18, 89) SLOT(19, 92) SLOT(20, 95) SLOT(21, 98)
SLOT(22, 101) SLOT(23, 104)

layout(set = 0, binding = 0) readonly buffer X0 { FLOAT_T x0[]; };
layout(set = 0, binding = 1) readonly buffer X1 { FLOAT_T x1[]; };
layout(set = 0, binding = 2) readonly buffer X2 { FLOAT_T x2[]; };
layout(set = 0, binding = 3) readonly buffer X3 { FLOAT_T x3[]; };
layout(set = 0, binding = 4) writeonly buffer Y { FLOAT_T y[]; };
layout(set = 0, binding = 0) readonly buffer X04 { VEC4_T x04[]; };
layout(set = 0, binding = 1) readonly buffer X14 { VEC4_T x14[]; };
layout(set = 0, binding = 2) readonly buffer X24 { VEC4_T x24[]; };
layout(set = 0, binding = 3) readonly buffer X34 { VEC4_T x34[]; };
layout(set = 0, binding = 4) writeonly buffer Y4 { VEC4_T y4[]; };

const uint MAX_REGS = 28u; // 4 inputs + 24 instructions
vec4 r[MAX_REGS];

#include "erf.glsl"

vec4 powOf(vec4 va, vec4 vb) {
  vec4 res;
  for (int c = 0; c < 4; ++c) {
    float x = va[c], e = vb[c], v;
    if (e == 0.0) v = 1.0;
    else if (x < 0.0) {
      if (floor(e) != e) v = uintBitsToFloat(0x7fc00000u);
      else {
        v = exp2(e * log2(-x));
        if (mod(e, 2.0) == 1.0) v = -v;
      }
    } else v = pow(x, e);
    res[c] = v;
  }
  return res;
}

vec4 operand(uint idx, float p) { return idx == 255u ? vec4(p) : r[idx]; }

// One instruction; code, pBits and qBits are specialization constants.
vec4 apply(uint code, uint pBits, uint qBits) {
  uint op = code & 255u, ia = (code >> 8) & 255u, ib = (code >> 16) & 255u;
  float p = uintBitsToFloat(pBits), q = uintBitsToFloat(qBits);
  vec4 a = operand(ia, p);
  if (op == 0u) return a + operand(ib, p);
  if (op == 1u) return a - operand(ib, p);
  if (op == 2u) return a * operand(ib, p);
  if (op == 3u) return a / operand(ib, p);
  if (op == 4u) {
    if (ib == 255u && p == 2.0) return a * a;
    if (ib == 255u && p == 3.0) return a * a * a;
    return powOf(a, operand(ib, p));
  }
  if (op == 5u) return max(a, vec4(0.0));
  if (op == 6u) return 1.0 / (1.0 + exp(-a));
  if (op == 7u) return tanh(clamp(a, -15.0, 15.0));
  if (op == 8u)
    return vec4(erfApprox(a.x), erfApprox(a.y), erfApprox(a.z), erfApprox(a.w));
  if (op == 9u) return sqrt(a);
  if (op == 10u) return a * clamp(a / 6.0 + 0.5, 0.0, 1.0);
  if (op == 11u) return clamp(p * a + q, 0.0, 1.0);
  return min(max(a, vec4(p)), vec4(q)); // 12: Clip
}

#define STEP(i) if (NSTEPS > uint(i)) r[NIN + uint(i)] = apply(C##i, P##i, Q##i);

// Element offset of input k for output coordinates c (D0..D5).
#define OFFSET(k) (c0 * S##k##0 + c1 * S##k##1 + c2 * S##k##2 + \
                   c3 * S##k##3 + c4 * S##k##4 + c5 * S##k##5)
#define LOAD(k) \
  if (NIN > uint(k)) { \
    uint o = OFFSET(k); \
    if (VEC4 == 0u) r[k] = vec4(float(x##k[o])); \
    else r[k] = S##k##5 == 1u ? vec4(x##k##4[o / 4u]) : vec4(float(x##k[o])); \
  }

void main() {
  uint first = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  uint stride = gl_NumWorkGroups.x * gl_NumWorkGroups.y * 256u;
  uint units = VEC4 != 0u ? TOTAL / 4u : TOTAL;
  for (uint it = 0u; it < ITEMS; ++it) {
    uint i = first + it * stride;
    if (i >= units) return;
    uint e = VEC4 != 0u ? i * 4u : i;
    uint c0 = 0u, c1 = 0u, c2 = 0u, c3 = 0u, c4 = 0u, c5 = e;
    if (D0 * D1 * D2 * D3 * D4 != 1u) {
      uint rest = e;
      c5 = rest % D5; rest /= D5;
      c4 = rest % D4; rest /= D4;
      c3 = rest % D3; rest /= D3;
      c2 = rest % D2; rest /= D2;
      c1 = rest % D1;
      c0 = rest / D1;
    }
    LOAD(0) LOAD(1) LOAD(2) LOAD(3)
    STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
    STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)
    STEP(16) STEP(17) STEP(18) STEP(19) STEP(20) STEP(21) STEP(22) STEP(23)
    vec4 res = r[NIN + NSTEPS - 1u];
    if (VEC4 != 0u) y4[i] = STORE4(res);
    else y[i] = STORE(res.x);
  }
}
