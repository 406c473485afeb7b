// ONNX Slice (ops/Slice.cpp) with starts, axes and steps read from their
// buffers (i64 as two little-endian words, or i32), normalized per the spec
// exactly as the shape rule does: negative values count from the end of the
// dim, then starts are clamped to [0, dim] (step > 0) or [0, dim-1] (step <
// 0). The output shape, computed at compile time, bounds every coordinate.
// Specialization constants: 0 = element count, 1 = entries in starts, 2 =
// input rank, 3 = HAS_AXES, 4 = HAS_STEPS, 5 = words per index (2 = i64,
// 1 = i32), 6..11 = output dims, 12..17 = input dims, 18..23 = input strides
// (all padded in front to six dims).
// Bindings: 0 = data, 1 = output, 2 = starts, 3 = axes, 4 = steps.
// slice_f16: data and output in fp16 storage (shaders/storage.glsl).
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(6, O0, 1) X(7, O1, 1) X(8, O2, 1) X(9, O3, 1)              \
  X(10, O4, 1) X(11, O5, 1) X(12, I0, 1) X(13, I1, 1) X(14, I2, 1)            \
  X(15, I3, 1) X(16, I4, 1) X(17, I5, 1) X(18, S0, 0) X(19, S1, 0)            \
  X(20, S2, 0) X(21, S3, 0) X(22, S4, 0) X(23, S5, 0)
#define TLC_DIMS_BINDING 5
#include "dims.glsl"
layout(constant_id = 1) const uint NIDX = 1;
layout(constant_id = 2) const uint RANK = 1;
layout(constant_id = 3) const uint HAS_AXES = 0;
layout(constant_id = 4) const uint HAS_STEPS = 0;
layout(constant_id = 5) const uint WORDS = 2;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };
layout(set = 0, binding = 2) readonly buffer Starts { uint starts[]; };
layout(set = 0, binding = 3) readonly buffer Axes { uint axes[]; };
layout(set = 0, binding = 4) readonly buffer Steps { uint steps[]; };

const int kBig = 0x40000000; // beyond any dim tlc accepts (< 2^31 elements)

// Entry k of an index buffer as a 32-bit int, saturated to +-kBig.
int toInt(uint lo, uint hi) {
  if (WORDS == 1u) return int(lo);
  if (hi == 0u && lo < 0x80000000u) return min(int(lo), kBig);
  if (hi == 0xffffffffu && lo >= 0x80000000u) return max(int(lo), -kBig);
  return (hi & 0x80000000u) != 0u ? -kBig : kBig;
}
int readStart(uint k) { return toInt(starts[k * WORDS], WORDS == 2u ? starts[k * WORDS + 1u] : 0u); }
int readAxis(uint k) { return toInt(axes[k * WORDS], WORDS == 2u ? axes[k * WORDS + 1u] : 0u); }
int readStep(uint k) { return toInt(steps[k * WORDS], WORDS == 2u ? steps[k * WORDS + 1u] : 0u); }

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= TOTAL) return;
  uint od[6] = uint[6](O0, O1, O2, O3, O4, O5);
  int idim[6] = int[6](int(I0), int(I1), int(I2), int(I3), int(I4), int(I5));
  uint str[6] = uint[6](S0, S1, S2, S3, S4, S5);
  int c[6];
  uint r = i;
  for (int d = 5; d >= 0; --d) {
    c[d] = int(r % od[d]);
    r /= od[d];
  }
  int src[6] = c;
  uint pad = 6u - RANK;
  for (uint k = 0u; k < NIDX; ++k) {
    int axis = HAS_AXES != 0u ? readAxis(k) : int(k);
    if (axis < 0) axis += int(RANK);
    uint a = uint(axis) + pad;
    int dim = idim[a];
    int step = HAS_STEPS != 0u ? readStep(k) : 1;
    int start = readStart(k);
    if (start < 0) start += dim;
    start = step > 0 ? clamp(start, 0, dim) : clamp(start, 0, dim - 1);
    src[a] = start + c[a] * step;
  }
  uint s = 0u;
  for (int d = 0; d < 6; ++d) s += uint(src[d]) * str[d];
  y[i] = x[s];
}
