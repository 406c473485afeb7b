//===- examples/ocr/TlcModel.h - One ONNX model run by tlc ------*- C++ -*-===//
//
// Imports an ONNX model (ir/onnx/OnnxImporter.h) with its single input bound
// to a static shape, compiles it with tlc's pipeline (driver/Pipeline.h) and
// loads the plan on a Vulkan device (runtime/Runtime.h). Each run copies one
// input tensor in and the first output out.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_EXAMPLES_OCR_TLCMODEL_H
#define TLC_EXAMPLES_OCR_TLCMODEL_H

#include "examples/ocr/Preprocess.h"
#include "runtime/Runtime.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace ocr {

class TlcModel {
public:
  /// Compiles the ONNX model at \p path with its only input of shape
  /// \p inputShape (NCHW) and loads it on \p device. Errors: the importer's
  /// and the compiler's (unsupported ops name the node), a model with other
  /// than one input, or a plan the device cannot hold.
  static llvm::Expected<std::unique_ptr<TlcModel>>
  create(tlc::Device &device, llvm::StringRef path,
         llvm::ArrayRef<int64_t> inputShape);

  /// Runs on \p input (of the compiled input shape) and returns output 0.
  /// Errors when the input shape differs, or the runtime's errors.
  llvm::Expected<Tensor> run(const Tensor &input);

private:
  std::string path_;
  std::unique_ptr<tlc::LoadedPlan> plan_;
};

} // namespace ocr

#endif // TLC_EXAMPLES_OCR_TLCMODEL_H
