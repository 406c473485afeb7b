// The fused activation of the conv kernels' epilogue (conv2d,
// conv2d_depthwise, conv2d_igemm, conv2d_igemm_small): y = activate(acc).
// The including shader declares the specialization constants ACT (the
// ConvActivation code, ops/ConvKernel.h), P0_BITS and P1_BITS (f32 bits of
// the activation's parameters) before including this file. ACT codes:
// 0 none, 1 Relu, 2 Sigmoid, 3 HardSigmoid (alpha p0, beta p1),
// 4 HardSwish, 5 Clip (min p0, max p1).
float activate(float v) {
  float p0 = uintBitsToFloat(P0_BITS), p1 = uintBitsToFloat(P1_BITS);
  if (ACT == 1u) return max(v, 0.0);
  if (ACT == 2u) return 1.0 / (1.0 + exp(-v));
  if (ACT == 3u) return clamp(p0 * v + p1, 0.0, 1.0);
  if (ACT == 4u) return v * clamp(v / 6.0 + 0.5, 0.0, 1.0);
  if (ACT == 5u) return min(max(v, p0), p1);
  return v;
}
