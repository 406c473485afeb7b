// Matrix-vector product for one row of A (a decoded token's projection):
//   Y [1, N] = ALPHA * A [1, K] * B^T + BETA * C      B = W [N, K], row-major
// Every element of W is read once and by one invocation, in runs of 16
// bytes along its row, so the dispatch streams W at the memory's rate; A
// (K values) is read by every workgroup and stays in cache.
// A workgroup of 128 invocations computes ROWS consecutive outputs: the
// T = 128 / ROWS invocations of one output stride along its row, four
// 16-byte loads in flight each (binary16 weights), then sum their partials through a shared-memory tree
// (a fixed order, so results do not depend on the subgroup size).
// Workgroups loop over rows beyond the dispatched count.
// VEC: 0 = scalar loads; 1 = vec4 (K % 4 == 0); 2 = eight binary16 values
// per 16-byte load (gemv_f16 only, K % 8 == 0).
// C (HAS_C) is read at column n as C[n * C_SN] (0: broadcast): a bias, or
// the residual a GemmResidual adds (ops/GemmKernel.h: lowerGemv).
// Specialization constants: 0 = N, 1 = K (TLC_DIMS), 2 = ALPHA_BITS,
// 3 = BETA_BITS, 4 = HAS_C, 5 = C_SN, 6 = VEC, 7 = ROWS (1..128, a power of
// two). Bindings: 0 = A, 1 = W, 2 = C (read only when HAS_C), 3 = Y.
// gemv_f16: A, W, C and Y stored as binary16 (shaders/storage.glsl); sums
// stay f32.
// tlc-variant: f16 TLC_F16
// tlc-variant: dyn TLC_DYN
#version 450
#extension GL_GOOGLE_include_directive : require
#include "storage.glsl"
#define WG 128u
layout(local_size_x = 128) in;
#define TLC_DIMS(X) X(0, N, 1) X(1, K, 1)
#define TLC_DIMS_BINDING 4
#include "dims.glsl"
layout(constant_id = 2) const uint ALPHA_BITS = 0x3f800000; // 1.0
layout(constant_id = 3) const uint BETA_BITS = 0;
layout(constant_id = 4) const uint HAS_C = 0;
layout(constant_id = 5) const uint C_SN = 1;
layout(constant_id = 6) const uint VEC = 0;
layout(constant_id = 7) const uint ROWS = 4;

layout(set = 0, binding = 0) readonly buffer ABuf { FLOAT_T a[]; };
layout(set = 0, binding = 0) readonly buffer ABuf4 { VEC4_T a4[]; };
layout(set = 0, binding = 0) readonly buffer ABuf8 { uvec4 a8[]; };
layout(set = 0, binding = 1) readonly buffer WBuf { FLOAT_T w[]; };
layout(set = 0, binding = 1) readonly buffer WBuf4 { VEC4_T w4[]; };
layout(set = 0, binding = 1) readonly buffer WBuf8 { uvec4 w8[]; };
layout(set = 0, binding = 2) readonly buffer CBuf { FLOAT_T c[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf { FLOAT_T y[]; };

shared float red[WG];

// Dot product of eight binary16 values packed in x and in v.
float dot8(uvec4 x, uvec4 v) {
  float s = 0.0;
  for (uint j = 0u; j < 4u; ++j) {
    vec2 p = unpackHalf2x16(x[j]), q = unpackHalf2x16(v[j]);
    s += p.x * q.x + p.y * q.y;
  }
  return s;
}

// This invocation's part of row `row` of W times A.
float partialDot(uint row, uint lane, uint T) {
  float s = 0.0;
  if (VEC == 2u) {
    uint n8 = K / 8u, base = row * n8, i = lane;
    // Four independent 16-byte loads of W in flight per iteration.
    for (; i + 3u * T < n8; i += 4u * T) {
      uvec4 w0 = w8[base + i], w1 = w8[base + i + T],
            w2 = w8[base + i + 2u * T], w3 = w8[base + i + 3u * T];
      s += (dot8(a8[i], w0) + dot8(a8[i + T], w1)) +
           (dot8(a8[i + 2u * T], w2) + dot8(a8[i + 3u * T], w3));
    }
    for (; i < n8; i += T)
      s += dot8(a8[i], w8[base + i]);
  } else if (VEC == 1u) {
    uint n4 = K / 4u, base = row * n4, i = lane;
    vec4 acc = vec4(0.0);
    for (; i + T < n4; i += 2u * T)
      acc += vec4(a4[i]) * vec4(w4[base + i]) +
             vec4(a4[i + T]) * vec4(w4[base + i + T]);
    if (i < n4)
      acc += vec4(a4[i]) * vec4(w4[base + i]);
    s = (acc.x + acc.y) + (acc.z + acc.w);
  } else {
    for (uint i = lane; i < K; i += T)
      s += float(a[i]) * float(w[row * K + i]);
  }
  return s;
}

void main() {
  const uint T = WG / ROWS;
  uint me = gl_LocalInvocationID.x, lane = me % T, r = me / T;
  float alpha = uintBitsToFloat(ALPHA_BITS), beta = uintBitsToFloat(BETA_BITS);
  for (uint row0 = gl_WorkGroupID.x * ROWS; row0 < N;
       row0 += gl_NumWorkGroups.x * ROWS) {
    uint row = row0 + r;
    red[me] = row < N ? partialDot(row, lane, T) : 0.0;
    barrier();
    for (uint h = T / 2u; h > 0u; h >>= 1u) {
      if (lane < h)
        red[me] += red[me + h];
      barrier();
    }
    if (lane == 0u && row < N) {
      float v = alpha * red[me];
      if (HAS_C != 0u)
        v += beta * float(c[row * C_SN]);
      y[row] = STORE(v);
    }
    barrier(); // red is rewritten by the next rows
  }
}
