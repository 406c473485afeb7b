// ONNX Cast on the device (ops/Cast.cpp): one invocation per element, over
// 32-bit words (an i64 is two words, low first; BOOL is held as i64 0/1).
// Specialization constants: 0 TOTAL (elements), 1 SRC (0 f32, 1 i32,
// 2 i64), 2 DST (0 f32, 1 i32, 2 i64, 3 BOOL). Float to integer truncates
// toward zero; values out of the target's range are undefined (as in ONNX).
// Bindings: 0 = X, 1 = Y.
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#define TLC_DIMS(X) X(0, TOTAL, 1)
#define TLC_DIMS_BINDING 2
#include "dims.glsl"
layout(constant_id = 1) const uint SRC = 0;
layout(constant_id = 2) const uint DST = 0;
layout(set = 0, binding = 0) readonly buffer X { uint x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { uint y[]; };

const float TWO32 = 4294967296.0;

// The i64 (lo, hi) as the nearest float: the magnitude's words are
// converted separately, so a negative value is negated first.
float i64ToFloat(uint lo, uint hi) {
  bool neg = int(hi) < 0;
  if (neg) {
    lo = ~lo + 1u;
    hi = ~hi + (lo == 0u ? 1u : 0u);
  }
  float m = float(hi) * TWO32 + float(lo);
  return neg ? -m : m;
}

void store(uint e, float f, int i, uint lo, uint hi, bool isFloat) {
  if (DST == 0u) {
    y[e] = floatBitsToUint(isFloat ? f : (SRC == 2u ? i64ToFloat(lo, hi) : float(i)));
  } else if (DST == 1u) {
    y[e] = isFloat ? uint(int(trunc(f))) : lo;
  } else if (DST == 2u) {
    if (isFloat) {
      float t = trunc(f);
      if (abs(t) < 2147483648.0) {
        lo = uint(int(t));
        hi = t < 0.0 ? 0xffffffffu : 0u;
      } else {
        // |t| >= 2^31 is a multiple of 256, and so is t mod 2^32 (exact).
        float h = floor(t / TWO32);
        lo = uint(t - h * TWO32);
        hi = uint(int(h));
      }
    }
    y[2u * e] = lo;
    y[2u * e + 1u] = hi;
  } else {
    bool nz = isFloat ? f != 0.0 : (lo | hi) != 0u;
    y[2u * e] = nz ? 1u : 0u;
    y[2u * e + 1u] = 0u;
  }
}

void main() {
  uint e = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (e >= TOTAL) return;
  if (SRC == 0u) {
    store(e, uintBitsToFloat(x[e]), 0, 0u, 0u, true);
  } else if (SRC == 1u) {
    int v = int(x[e]);
    store(e, 0.0, v, uint(v), v < 0 ? 0xffffffffu : 0u, false);
  } else {
    uint lo = x[2u * e], hi = x[2u * e + 1u];
    store(e, 0.0, int(lo), lo, hi, false);
  }
}
