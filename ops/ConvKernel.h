//===- ops/ConvKernel.h - Conv parameters, reference, kernels -*- C++ -*-===//
//
// Conv and FusedConv share everything but their epilogue: the ONNX Conv
// attribute checks, the naive CPU reference and the choice of compute
// shader. This header is that shared part.
//
// The epilogue follows onnxruntime's com.microsoft FusedConv
// (onnxruntime/core/graph/contrib_ops/contrib_defs.cc, "FusedConv"):
//   Y = activation(Conv(X, W) + B + Z)
// with Z an optional tensor of Y's shape (a residual).
//
// Kernels (chosen by lowerConvKernel from the target profile and the shape):
//   - "cpu" profile: shaders/conv2d.comp, a direct convolution with a 4x4
//     register block and no shared memory (what lavapipe runs fastest);
//   - "gpu" profile, depthwise (C/group == 1): shaders/conv2d_depthwise.comp,
//     one invocation per output element;
//   - "gpu" profile, otherwise: an implicit GEMM (M = output channels per
//     group, N = batch * OH * OW, K = C/group * KH * KW) with shared-memory
//     tiles: shaders/conv2d_igemm.comp, whose tile sizes are specialization
//     constants picked from the shape (pickIgemmTile), or, for outputs too
//     small to fill the GPU, shaders/conv2d_igemm_small.comp (useSmallIgemm).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_CONVKERNEL_H
#define TLC_OPS_CONVKERNEL_H

#include "ops/OpDef.h"
#include "ops/Window2D.h"

namespace tlc {

/// Validated parameters of a 2-D NCHW convolution. Sizes in elements.
struct ConvParams {
  int64_t n = 1, c = 1, h = 1, w = 1; // input X [N, C, H, W] (upper bounds)
  DimExpr nDim = 1, hDim = 1, wDim = 1; // N, H, W as expressions (C static)
  int64_t m = 1;                      // output channels (W dim 0)
  int64_t group = 1;
  Window2D win; // kernel, strides, pads, dilations and the output size
};

/// The output Y's type [N, M, OH, OW] (symbolic when X is).
TensorType convOutputType(const ConvParams &p);

/// Checks a Conv's inputs \p in (X, W and optionally B, all f32) and the
/// attributes auto_pad (ops/Window2D.h), dilations, group, kernel_shape, pads,
/// strides against ONNX Conv (opset 11..17). Does not check for unknown
/// attributes (the caller knows its own set). Errors say which input,
/// attribute or dim is wrong and what was expected.
llvm::Expected<ConvParams> parseConvParams(const Node &node,
                                           llvm::ArrayRef<InputInfo> in);

/// parseConvParams for a node whose shape rule already accepted \p in
/// (X, W[, B]); asserts on failure.
ConvParams convParamsFromTypes(const Node &node, llvm::ArrayRef<TensorType> in);

/// Activations a conv epilogue applies, as onnxruntime's FusedConv names
/// them (plus HardSwish, which onnxruntime fuses elsewhere). Values are the
/// ACT specialization constant of shaders/conv_activation.glsl, which every
/// conv shader includes.
enum class ConvActivation : uint32_t {
  None = 0,
  Relu = 1,        // max(x, 0)
  Sigmoid = 2,     // 1 / (1 + exp(-x))
  HardSigmoid = 3, // clamp(alpha * x + beta, 0, 1); params {alpha, beta}
  HardSwish = 4,   // x * clamp(x / 6 + 1/2, 0, 1) (ONNX HardSwish, opset 14)
  Clip = 5,        // min(max(x, lo), hi); params {lo, hi}
};

/// What runs after the convolution's sum, per output element.
struct ConvEpilogue {
  ConvActivation activation = ConvActivation::None;
  float p0 = 0.0f, p1 = 0.0f; // activation parameters (see ConvActivation)
  bool hasZ = false;          // add a tensor of Y's shape before activating
};

/// The activation's name in FusedConv's `activation` attribute ("Relu",
/// ...; "" for None).
llvm::StringRef convActivationName(ConvActivation a);

/// Parses FusedConv's `activation` name and `activation_params` list:
/// Relu and Sigmoid and HardSwish take no parameters, HardSigmoid takes
/// {alpha, beta} (default {0.2, 0.5}), Clip {min, max} (default
/// {-inf, +inf}). An absent attribute is None. Errors name the unknown
/// activation or the wrong parameter count.
llvm::Expected<ConvEpilogue> parseConvEpilogue(const Attributes &attrs);

/// Applies \p e's activation to \p v (the CPU reference of the epilogue; Z
/// is added by the caller).
float applyConvActivation(const ConvEpilogue &e, float v);

/// Naive CPU reference: y = activation(conv(x, w) + b + z), accumulating in
/// double. \p b and \p z may be null. Sizes from \p p; y is [N, M, OH, OW].
void convReferenceCompute(const ConvParams &p, const float *x, const float *w,
                          const float *b, const float *z, const ConvEpilogue &e,
                          float *y);

/// Operand indices (node operands: inputs first, then outputs) a conv
/// dispatch binds.
struct ConvOperands {
  unsigned x = 0, w = 1;
  int b = -1; // -1: no bias
  int z = -1; // -1: no residual
  unsigned y = 2;
};

/// Appends the dispatch that computes the convolution \p p with epilogue
/// \p e, for kernel target \p target. Every conv
/// shader binds 0 = X, 1 = W, 2 = B, 3 = Y, 4 = Z; an absent B or Z binds X
/// in its place, never read.
void lowerConvKernel(const ConvParams &p, const ConvEpilogue &e,
                     const ConvOperands &ops, const KernelTarget &target,
                     llvm::SmallVectorImpl<DispatchDesc> &dispatches);

/// Tile of shaders/conv2d_igemm.comp: BM output channels x BN output pixels
/// per workgroup of 256 invocations, each computing (BM/16) x (BN/16).
struct IgemmTile {
  uint32_t bm = 64, bn = 64;
};

/// Whether an implicit-GEMM convolution with an M x N output per group
/// (\p batches groups) and reduction length \p k should use
/// shaders/conv2d_igemm_small.comp (16 x 16 tiles, K split 4 ways inside the
/// workgroup): when even 32 x 32 tiles give fewer than two workgroups per SM
/// of a 132-SM GPU (H100 SXM), and K is long enough (>= 64) for the split
/// to pay. At batch 1 this takes 42 of ResNet-50's 53 convs: all of its
/// 14x14 and 7x7 stages, and the narrower convs of the 56x56 and 28x28 ones.
bool useSmallIgemm(uint64_t m, uint64_t n, uint64_t k, uint64_t batches);

/// Picks the largest tile (64x64, then 64x32 / 32x64, then 32x32) that
/// still gives at least \p minGroups workgroups for an M x N output
/// (M = output channels per group times groups counted in \p batches);
/// the smallest tile when none does. Small batch-1 feature maps (7x7 =
/// 49 pixels) thus get small tiles that keep more SMs busy.
IgemmTile pickIgemmTile(uint64_t m, uint64_t n, uint64_t batches,
                        uint64_t minGroups = 132);

} // namespace tlc

#endif // TLC_OPS_CONVKERNEL_H
