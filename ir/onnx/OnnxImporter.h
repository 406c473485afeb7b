//===- ir/onnx/OnnxImporter.h - ONNX model -> Graph -------------*- C++ -*-===//
//
// Reads an ONNX ModelProto (https://onnx.ai/onnx/repo-docs/IR.html) with
// protobuf, validates it with the ONNX checker, converts it to opset 17 with
// the ONNX version converter when needed, and builds a tlc Graph: graph inputs
// (bound to static shapes), initializers and Constant nodes as weights, and
// one Node per remaining ONNX node, with ONNX op names and attributes kept.
// The compiler's simplification passes (constant folding, BatchNormalization
// folding, no-op removal) then reduce what exporters emit to tlc's ops.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_ONNX_ONNXIMPORTER_H
#define TLC_IR_ONNX_ONNXIMPORTER_H

#include "ir/Graph.h"
#include "ir/ModelParser.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace tlc {

/// The ONNX opset (default domain) tlc's ops follow.
constexpr int kOnnxTargetOpset = 17;

/// Imports the ONNX model at \p path. opts.inputShapes binds input shapes
/// (NAME -> dims; the rank must match and static dims must agree). Every
/// error starts with the path and names the field, node or tensor at fault:
///  - an unreadable file, or bytes that are not a ModelProto (truncated or
///    garbage);
///  - a model the ONNX checker rejects (its message is quoted);
///  - a default-domain opset the version converter cannot bring to 17, or a
///    node of another domain ("node 'n' (com.microsoft.Foo): ...");
///  - external data (tensors stored in files beside the model, which this
///    reads: OnnxExternalData.h) with a bad location, offset or length;
///  - initializers with f16/f64/string/... dtypes, or sizes that disagree
///    with their dims;
///  - a dynamic input dimension (dim_param or no dim_value) that
///    --input-shape does not bind, naming the input and the dimension;
///  - --input-shape naming no input, or disagreeing with a static dim;
///  - attributes of kinds tlc cannot hold (GRAPH, STRINGS, TENSORS, ...),
///    naming the node and attribute;
///  - node inputs that are omitted (an empty name, or a 0-element constant
///    at an optional position) before a present one when tlc knows no
///    default for them, 0-element constants at required positions, and
///    Resize nodes with both or neither of scales and sizes
///    (OnnxOptionalInputs.h); inputs that name no tensor.
/// Softmax, LogSoftmax and Hardmax of opsets 5-12 are made explicit before
/// the version converter runs (OnnxLegacySoftmax.h).
llvm::Expected<Graph> importOnnxFile(llvm::StringRef path,
                                     const ModelParseOptions &opts = {});

/// Same, from the serialized ModelProto in \p bytes; \p fileName is used in
/// messages. External data is refused here (no directory to read it from).
llvm::Expected<Graph> importOnnxBytes(llvm::ArrayRef<uint8_t> bytes,
                                      llvm::StringRef fileName,
                                      const ModelParseOptions &opts = {});

} // namespace tlc

#endif // TLC_IR_ONNX_ONNXIMPORTER_H
