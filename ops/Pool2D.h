//===- ops/Pool2D.h - Shared parts of MaxPool and AveragePool ---*- C++ -*-===//
//
// MaxPool (opset 12) and AveragePool (opset 11, unchanged in 17) over 2-D
// NCHW inputs share their attributes (kernel_shape, strides, pads,
// ceil_mode), their output-size rule (ops/Window2D.h), their CPU reference
// and one shader, shaders/pool2d.comp, which takes the mode as a
// specialization constant.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_POOL2D_H
#define TLC_OPS_POOL2D_H

#include "ops/OpDef.h"
#include "ops/Window2D.h"

namespace tlc {

/// Pooling modes; the values are the MODE specialization constant of
/// shaders/pool2d.comp.
enum class PoolMode : uint32_t { Max = 0, Average = 1 };

/// Validated pooling parameters of one node.
struct Pool2DParams {
  PoolMode mode = PoolMode::Max;
  int64_t n = 1, c = 1, h = 1, w = 1; // input [N, C, H, W] (upper bounds)
  SymShape x;                         // input dims as expressions
  Window2D win;
  bool ceilMode = false;
  bool countIncludePad = false; // AveragePool only
};

/// Parses and checks a pooling node: one f32 NCHW input, kernel_shape
/// (required, 2 entries >= 1), strides, pads (each smaller than the kernel,
/// as onnxruntime requires), ceil_mode (0/1), dilations (MaxPool only),
/// storage_order (MaxPool, 0 only), count_include_pad (AveragePool, 0/1).
/// Errors say which attribute is wrong and why.
llvm::Expected<Pool2DParams> parsePool2D(const Node &node, PoolMode mode,
                                         llvm::ArrayRef<TensorType> inputs);

/// Shape rule shared by both pools (outputs [N, C, oH, oW]).
llvm::Error inferPool2DTypes(const Node &node, PoolMode mode,
                             llvm::ArrayRef<InputInfo> in,
                             llvm::SmallVectorImpl<TensorType> &out);

/// Naive CPU reference. Max: the largest input in the window (padding is
/// ignored, -inf for a window that covers no input). Average: the sum over
/// the input elements in the window divided by their count, or, with
/// count_include_pad, by the window size clipped to the padded input (the
/// PyTorch/onnxruntime convention for windows that ceil_mode extends).
void referencePool2D(const Pool2DParams &p, const HostTensor &x,
                     HostTensor &y);

/// One dispatch of shaders/pool2d.comp: binding 0 = input, 1 = output.
DispatchDesc lowerPool2D(const Pool2DParams &p);

} // namespace tlc

#endif // TLC_OPS_POOL2D_H
