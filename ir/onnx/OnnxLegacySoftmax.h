//===- ir/onnx/OnnxLegacySoftmax.h - Softmax before opset 13 ----*- C++ -*-===//
//
// Before opset 13, Softmax, LogSoftmax and Hardmax coerce their input to 2-D
// at `axis` (default 1) and normalize over the flattened trailing dims; from
// opset 13 on they normalize along the one axis `axis` (default -1). ONNX
// 1.12's version converter (adapt_softmax_12_13) needs the input's rank to
// bridge the two, and ONNX shape inference cannot give it when the exporter
// computes shapes at run time (Shape -> Slice -> Concat -> Reshape, as
// Paddle2ONNX does), so the conversion of such models fails.
//
// This rewrite makes the coercion explicit in the old opset, before the
// converter runs, so that the converter needs no shapes:
//   y = Reshape(Op(Flatten(x, axis), axis = 1), Shape(x))
// with the Flatten output declared rank 2 in value_info (the one fact the
// adapter reads). tlc folds Shape to a constant and runs Flatten and Reshape
// as views, so the rewrite costs no dispatch.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_ONNX_ONNXLEGACYSOFTMAX_H
#define TLC_IR_ONNX_ONNXLEGACYSOFTMAX_H

#include <onnx/onnx_pb.h>

#include <cstdint>

namespace tlc {

/// Rewrites every default-domain Softmax, LogSoftmax and Hardmax node of
/// \p model, whose default-domain opset is \p opset, as described in the
/// file header. Does nothing unless 5 <= opset < 13 (Reshape takes its
/// shape as an input from opset 5). The rewritten op node keeps its name;
/// the new tensors and nodes get names derived from its output, made
/// unique. Cannot fail: the rewrite is valid for any such node (a node
/// without exactly one input and one output is left for the checker).
/// Semantics: ONNX Operators, Softmax-11 and Softmax-13.
void makeLegacySoftmaxExplicit(onnx::ModelProto &model, int64_t opset);

} // namespace tlc

#endif // TLC_IR_ONNX_ONNXLEGACYSOFTMAX_H
