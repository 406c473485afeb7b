//===- ir/onnx/OnnxExternalData.h - Tensors stored beside the model -*- C++ -*-===//
//
// Protobuf caps a message at 2 GiB, so ONNX keeps the data of large models
// (regnet_y_128gf, vit_h_14, LLMs) in files beside the .onnx: a tensor with
// data_location EXTERNAL lists "location" (a path relative to the model's
// directory), "offset" and "length" (bytes; default: from 0 to the end of
// the file) and an optional "checksum" (onnx/onnx.proto, TensorProto
// external_data; https://onnx.ai/onnx/repo-docs/ExternalData.html).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_ONNX_ONNXEXTERNALDATA_H
#define TLC_IR_ONNX_ONNXEXTERNALDATA_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

namespace tlc {

/// Reads the external data of every initializer and Constant-node tensor of
/// \p model (the file \p modelPath, whose directory the locations are
/// relative to) into the tensor's raw_data and marks it stored inline, so
/// that the checker, the version converter and the importer see ordinary
/// tensors. Errors name the model file, the tensor and what is wrong: a
/// location that is absolute or leaves the model's directory (".."), a file
/// that cannot be read, an offset or length outside the file or not
/// integers, an unknown key. Returns the number of tensors read.
llvm::Expected<unsigned> loadExternalData(onnx::ModelProto &model,
                                          llvm::StringRef modelPath);

} // namespace tlc

#endif // TLC_IR_ONNX_ONNXEXTERNALDATA_H
