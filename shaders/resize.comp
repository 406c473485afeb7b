// ONNX Resize on the last two dims (ops/Resize.cpp): nearest or bilinear,
// four coordinate transformation modes, four nearest rounding modes. The
// source coordinate is computed in f32 in the same order as the CPU
// reference.
// Specialization constants: 0 = output elements, 1, 2 = input H, W, 3, 4 =
// output H, W, 5 = LINEAR, 6 = coordinate mode (0 half_pixel, 1 asymmetric,
// 2 align_corners, 3 pytorch_half_pixel), 7 = nearest mode (0
// round_prefer_floor, 1 round_prefer_ceil, 2 floor, 3 ceil), 8 = scales
// read from binding 2 (entries RANK-2, RANK-1), else 10, 11 (f32 bits), 9 =
// rank of X.
// Bindings: 0 = X, 1 = Y, 2 = scales.
// resize_f16: fp16 storage of X and Y (shaders/storage.glsl), f32
// arithmetic; scales stay f32 so that coordinates match the f32 build.
// The dyn builds (TLC_DYN, shaders/dims.glsl) read constants 0..4 from
// binding 3. A scale is a float the runtime cannot compute, so there
// SCALE_H_BITS = 0 (SCALE_W_BITS = 0) means: the scale is float(OH) /
// float(IH) (float(OW) / float(IW)), as ops/Resize.cpp derives it from
// given sizes; other values are used as in the static build.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
layout(local_size_x = 256) in;
#define TLC_DIMS(X)                                                           \
  X(0, TOTAL, 1) X(1, IH, 1) X(2, IW, 1) X(3, OH, 1) X(4, OW, 1)
#define TLC_DIMS_BINDING 3
#include "dims.glsl"
layout(constant_id = 5) const uint LINEAR = 0;
layout(constant_id = 6) const uint COORD = 0;
layout(constant_id = 7) const uint NEAREST = 0;
layout(constant_id = 8) const uint BUF_SCALES = 0;
layout(constant_id = 9) const uint RANK = 4;
layout(constant_id = 10) const uint SCALE_H_BITS = 0x3f800000u;
layout(constant_id = 11) const uint SCALE_W_BITS = 0x3f800000u;
layout(set = 0, binding = 0) readonly buffer X { FLOAT_T x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { FLOAT_T y[]; };
layout(set = 0, binding = 2) readonly buffer Scales { float scales[]; };

float sourceCoord(float o, float scale, uint inN, uint outN) {
  if (COORD == 0u) return (o + 0.5) / scale - 0.5;
  if (COORD == 3u) return outN > 1u ? (o + 0.5) / scale - 0.5 : 0.0;
  if (COORD == 2u) {
    // Given scales: the unfloored resized length in * scale (ops/Resize.cpp).
    float len = BUF_SCALES != 0u ? float(inN) * scale : float(outN);
    return outN == 1u ? 0.0 : o * float(inN - 1u) / (len - 1.0);
  }
  return o / scale;
}

int nearestIndex(float c, uint n) {
  float f = floor(c);
  float r;
  if (NEAREST == 0u) r = (c - f == 0.5) ? f : floor(c + 0.5);
  else if (NEAREST == 1u) r = floor(c + 0.5);
  else if (NEAREST == 2u) r = f;
  else r = ceil(c);
  return clamp(int(r), 0, int(n) - 1);
}

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= TOTAL) return;
  uint ox = i % OW;
  uint r = i / OW;
  uint oy = r % OH;
  uint plane = (r / OH) * IH * IW;
  float sh = BUF_SCALES != 0u ? scales[RANK - 2u] : uintBitsToFloat(SCALE_H_BITS);
  float sw = BUF_SCALES != 0u ? scales[RANK - 1u] : uintBitsToFloat(SCALE_W_BITS);
#ifdef TLC_DYN
  if (BUF_SCALES == 0u && SCALE_H_BITS == 0u) sh = float(OH) / float(IH);
  if (BUF_SCALES == 0u && SCALE_W_BITS == 0u) sw = float(OW) / float(IW);
#endif
  float cy = sourceCoord(float(oy), sh, IH, OH);
  float cx = sourceCoord(float(ox), sw, IW, OW);
  float v;
  if (LINEAR == 0u) {
    v = float(x[plane + uint(nearestIndex(cy, IH)) * IW + uint(nearestIndex(cx, IW))]);
  } else {
    float fy = floor(cy), fx = floor(cx);
    float ry = cy - fy, rx = cx - fx;
    int y0 = clamp(int(fy), 0, int(IH) - 1), y1 = clamp(int(fy) + 1, 0, int(IH) - 1);
    int x0 = clamp(int(fx), 0, int(IW) - 1), x1 = clamp(int(fx) + 1, 0, int(IW) - 1);
    float top = (1.0 - rx) * float(x[plane + uint(y0) * IW + uint(x0)]) +
                rx * float(x[plane + uint(y0) * IW + uint(x1)]);
    float bot = (1.0 - rx) * float(x[plane + uint(y1) * IW + uint(x0)]) +
                rx * float(x[plane + uint(y1) * IW + uint(x1)]);
    v = (1.0 - ry) * top + ry * bot;
  }
  y[i] = STORE(v);
}
