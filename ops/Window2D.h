//===- ops/Window2D.h - Sliding-window attributes of 2-D ops ----*- C++ -*-===//
//
// Conv, MaxPool and AveragePool share the ONNX attributes that place a 2-D
// window on an NCHW input: strides, pads ([top, left, bottom, right]),
// dilations, auto_pad and the output-size formula, with ceil_mode for pools.
// This file parses and checks them once.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_WINDOW2D_H
#define TLC_OPS_WINDOW2D_H

#include "ops/OpDef.h"

namespace tlc {

/// ONNX auto_pad: explicit pads (NOTSET), none (VALID), or the pads that
/// give ceil(in / stride) outputs, split with the extra one at the end
/// (SAME_UPPER) or the start (SAME_LOWER).
enum class AutoPad { NotSet, Valid, SameUpper, SameLower };

/// A 2-D window; index 0 is H, index 1 is W. All sizes in elements.
struct Window2D {
  AutoPad autoPad = AutoPad::NotSet;
  int64_t kernel[2] = {1, 1};
  int64_t stride[2] = {1, 1};
  int64_t dilation[2] = {1, 1};
  int64_t padBegin[2] = {0, 0}; // top, left
  int64_t padEnd[2] = {0, 0};   // bottom, right
  int64_t out[2] = {1, 1};      // output spatial size, set by computeOutput
                                // (the upper bound when symbolic)
  DimExpr outDim[2] = {1, 1};   // output spatial size as an expression

  /// Extent of the dilated kernel along \p d: (kernel-1)*dilation+1.
  int64_t extent(int d) const { return (kernel[d] - 1) * dilation[d] + 1; }
};

/// Parses strides (each >= 1, default 1), pads (4 entries, each >= 0,
/// default 0), dilations (each >= 1, default 1; must be absent or all 1 when
/// \p allowDilations is false) and auto_pad (NOTSET, VALID, SAME_UPPER,
/// SAME_LOWER; pads must be absent unless NOTSET) for a kernel of \p kh x
/// \p kw. SAME pads are set by computeWindowOutput, which knows the input.
/// Errors name the attribute and entry.
llvm::Expected<Window2D> parseWindow2D(const Attributes &attrs, int64_t kh,
                                       int64_t kw, bool allowDilations);

/// Checks shared by Conv and ConvTranspose: the optional bias input 2 (B)
/// has rank 1 and \p channels (output channels) elements, and attribute
/// 'kernel_shape', when present, equals W's (input 1) spatial dims 2 and 3.
/// Errors say which check failed, with the numbers.
llvm::Error checkConvBiasAndKernel(const Node &node,
                                   llvm::ArrayRef<InputInfo> in,
                                   int64_t channels);

/// Sets w.out for an input of \p inH x \p inW, per the ONNX Conv/Pool
/// formula (https://onnx.ai/onnx/operators/onnx__MaxPool.html):
///   out = floor_or_ceil((in + padBegin + padEnd - extent) / stride) + 1
/// With ceil_mode, a last window that would start in the end padding is
/// dropped, as PyTorch and onnxruntime do. auto_pad SAME_* first sets the
/// pads to total = max(0, (ceil(in / stride) - 1) * stride + extent - in),
/// split total / 2 at the start (SAME_UPPER; the rest at the end) or at the
/// end (SAME_LOWER), per the operator definitions. Errors when the dilated
/// kernel is larger than the padded input.
llvm::Error computeWindowOutput(Window2D &w, int64_t inH, int64_t inW,
                                bool ceilMode);

/// Same for input dims that may be symbolic (docs/shape-ranges.md): sets
/// w.outDim and w.out (its upper bound). The ceil_mode rule is exact as
///   out = min(ceil(span / stride) + 1, ceil((in + padBegin) / stride))
/// (the windows that start before the end padding). Errors when the
/// dilated kernel is larger than the padded input anywhere in the range
/// (naming the dim's expression and smallest value), and for auto_pad SAME_*
/// with a symbolic spatial dim (its pads would vary over the range).
llvm::Error computeWindowOutput(Window2D &w, const DimExpr &inH,
                                const DimExpr &inW, bool ceilMode);

} // namespace tlc

#endif // TLC_OPS_WINDOW2D_H
