// Batched, tiled matrix multiply (ops/GemmKernel.h, used by Gemm and MatMul):
//   Y[b] = ALPHA * op(A[b]) * op(B[b]) + BETA * C
// Each 16x16 workgroup computes one 16x16 output tile, staging 16x16 tiles
// of A and B in shared memory. Workgroups loop over tiles and batches beyond
// the dispatched group counts (which are capped at 65535).
// Bindings: 0 = A, 1 = B, 2 = C (read only when HAS_C), 3 = Y.
#version 450
#define TILE 16u
layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 0) const uint M = 1;
layout(constant_id = 1) const uint N = 1;
layout(constant_id = 2) const uint K = 1;
layout(constant_id = 3) const uint TRANS_A = 0;
layout(constant_id = 4) const uint TRANS_B = 0;
layout(constant_id = 5) const uint ALPHA_BITS = 0x3f800000; // 1.0
layout(constant_id = 6) const uint BETA_BITS = 0;
layout(constant_id = 7) const uint HAS_C = 0;
layout(constant_id = 8) const uint C_SM = 0;
layout(constant_id = 9) const uint C_SN = 0;
layout(constant_id = 10) const uint BATCH = 1;
layout(constant_id = 11) const uint BD0 = 1;
layout(constant_id = 12) const uint BD1 = 1;
layout(constant_id = 13) const uint BD2 = 1;
layout(constant_id = 14) const uint BD3 = 1;
layout(constant_id = 15) const uint AS0 = 0;
layout(constant_id = 16) const uint AS1 = 0;
layout(constant_id = 17) const uint AS2 = 0;
layout(constant_id = 18) const uint AS3 = 0;
layout(constant_id = 19) const uint BS0 = 0;
layout(constant_id = 20) const uint BS1 = 0;
layout(constant_id = 21) const uint BS2 = 0;
layout(constant_id = 22) const uint BS3 = 0;
layout(set = 0, binding = 0) readonly buffer ABuf { float a[]; };
layout(set = 0, binding = 1) readonly buffer BBuf { float b[]; };
layout(set = 0, binding = 2) readonly buffer CBuf { float c[]; };
layout(set = 0, binding = 3) writeonly buffer YBuf { float y[]; };

shared float tileA[TILE][TILE + 1u];
shared float tileB[TILE][TILE + 1u];

float loadA(uint base, uint row, uint k) {
  if (row >= M || k >= K) return 0.0;
  return TRANS_A != 0u ? a[base + k * M + row] : a[base + row * K + k];
}

float loadB(uint base, uint k, uint col) {
  if (k >= K || col >= N) return 0.0;
  return TRANS_B != 0u ? b[base + col * K + k] : b[base + k * N + col];
}

void main() {
  const float alpha = uintBitsToFloat(ALPHA_BITS);
  const float beta = uintBitsToFloat(BETA_BITS);
  const uint tilesM = (M + TILE - 1u) / TILE;
  const uint tilesN = (N + TILE - 1u) / TILE;
  uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y;
  for (uint bt = gl_WorkGroupID.z; bt < BATCH; bt += gl_NumWorkGroups.z) {
    uint i3 = bt % BD3, r = bt / BD3;
    uint i2 = r % BD2; r /= BD2;
    uint i1 = r % BD1;
    uint i0 = r / BD1;
    uint aBase = i0 * AS0 + i1 * AS1 + i2 * AS2 + i3 * AS3;
    uint bBase = i0 * BS0 + i1 * BS1 + i2 * BS2 + i3 * BS3;
    uint yBase = bt * M * N;
    for (uint tm = gl_WorkGroupID.y; tm < tilesM; tm += gl_NumWorkGroups.y) {
      for (uint tn = gl_WorkGroupID.x; tn < tilesN; tn += gl_NumWorkGroups.x) {
        uint row = tm * TILE + ly, col = tn * TILE + lx;
        float acc = 0.0;
        for (uint k0 = 0u; k0 < K; k0 += TILE) {
          tileA[ly][lx] = loadA(aBase, row, k0 + lx);
          tileB[ly][lx] = loadB(bBase, k0 + ly, col);
          barrier();
          for (uint kk = 0u; kk < TILE; ++kk)
            acc += tileA[ly][kk] * tileB[kk][lx];
          barrier();
        }
        if (row < M && col < N) {
          float v = alpha * acc;
          if (HAS_C != 0u) v += beta * c[row * C_SM + col * C_SN];
          y[yBase + row * N + col] = v;
        }
      }
    }
  }
}
