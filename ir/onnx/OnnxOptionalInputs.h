//===- ir/onnx/OnnxOptionalInputs.h - Omitted ONNX inputs -------*- C++ -*-===//
//
// ONNX lets a node leave an optional input out: an empty name in its input
// list, or (the convention of exporters for opsets 10-12, e.g. Resize's roi
// and scales, which onnxruntime follows) a tensor with 0 elements. tlc's
// nodes take positional inputs and tlc has no empty tensors, so the importer
// resolves every omitted input on the ModelProto, before building the graph:
//
//  1. an input that names a 0-element constant (initializer or Constant
//     node) at a position the op's schema declares optional is omitted;
//  2. ops with a canonical tlc form are rewritten to it. Resize:
//     X, roi, scales, sizes -> X, scales (f32) or X, sizes (i64); roi is
//     only read by tf_crop_and_resize, which tlc's Resize rejects;
//  3. an omitted input before a present one whose ONNX default is a
//     constant is filled with that constant: Clip's min (lowest f32) and
//     max (highest f32);
//  4. trailing omitted inputs are dropped;
//  5. 0-element constants that no input reads any more are removed.
//
// What is left, an omitted input before a present one without a default or
// a 0-element constant at a required position, is an error naming the node,
// the input position and the schema's name for it.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_ONNX_ONNXOPTIONALINPUTS_H
#define TLC_IR_ONNX_ONNXOPTIONALINPUTS_H

#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

#include <cstdint>

namespace tlc {

/// Applies the steps of the file header to every default-domain node of
/// \p model, whose default-domain opset is \p opset (the importer calls it
/// after converting to opset 17; the schemas of that opset say which inputs
/// are optional). Nodes of ops without a schema are left alone (the compiler
/// reports unknown ops). Errors (their text has no file name; the caller
/// adds it):
///  - `node 'N' (Resize): ...` when both or neither of scales and sizes is
///    given (ONNX Resize-13: exactly one);
///  - `node 'N' (Op): input I ('name') is omitted but input J ('name') is
///    given; ...` when tlc has no default for the omitted input;
///  - `node 'N' (Op): input I ('name') is 'T', an empty tensor (a dim of
///    0); ...` when a 0-element constant sits at a required position.
llvm::Error resolveOptionalInputs(onnx::ModelProto &model, int64_t opset);

} // namespace tlc

#endif // TLC_IR_ONNX_ONNXOPTIONALINPUTS_H
