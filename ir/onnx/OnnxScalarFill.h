//===- ir/onnx/OnnxScalarFill.h - ConstantOfShape of no dims ----*- C++ -*-===//
//
// ONNX ConstantOfShape with an empty shape input (a 1-D tensor of 0
// elements) makes a scalar: torch.onnx seeds GPT-2's causal mask that way
// (ConstantOfShape(Constant([])) with a boolean fill). tlc has no empty
// tensors, so the importer rewrites each such node, on the ModelProto and
// before omitted inputs are resolved (OnnxOptionalInputs.h), into a Constant
// whose value is the fill value as a rank-0 tensor (default: f32 0, as the
// ONNX spec of ConstantOfShape says), and drops the empty Constant nodes
// that nothing reads any more.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_ONNX_ONNXSCALARFILL_H
#define TLC_IR_ONNX_ONNXSCALARFILL_H

#include <onnx/onnx_pb.h>

namespace tlc {

/// Rewrites every default-domain ConstantOfShape of \p model whose input is
/// an empty constant (an initializer or a Constant node holding 0 elements)
/// into a Constant holding its fill value as a scalar. A fill value that is
/// not one element is left for the importer to report. Returns the number
/// of nodes rewritten.
unsigned rewriteScalarConstantOfShape(onnx::ModelProto &model);

} // namespace tlc

#endif // TLC_IR_ONNX_ONNXSCALARFILL_H
