//===- examples/ocr/TlcModel.h - One ONNX model run by tlc ------*- C++ -*-===//
//
// Imports an ONNX model (ir/onnx/OnnxImporter.h) with its single input bound
// to a static shape or to a range of shapes (docs/shape-ranges.md), compiles
// it with tlc's pipeline (driver/Pipeline.h) and loads the plan on a Vulkan
// device (runtime/Runtime.h). Each run copies one input tensor in (of any
// shape in the range) and the first output, at its actual shape, out.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_EXAMPLES_OCR_TLCMODEL_H
#define TLC_EXAMPLES_OCR_TLCMODEL_H

#include "examples/ocr/Preprocess.h"
#include "ir/ShapeSpec.h"
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
         const tlc::Shape &inputShape);
  /// Same with the input's shape a tlc::ShapeSpec, whose ranges (e.g. width
  /// 32..1280) make one plan serve every shape in them.
  static llvm::Expected<std::unique_ptr<TlcModel>>
  create(tlc::Device &device, llvm::StringRef path,
         const tlc::ShapeSpec &inputShape);

  /// Runs on \p input (of the compiled shape, or any shape in the compiled
  /// range) and returns output 0 at its actual shape. Errors: an input
  /// outside the plan's shapes (the runtime names the dim and the range),
  /// or the runtime's errors.
  llvm::Expected<Tensor> run(const Tensor &input);

private:
  std::string path_;
  std::unique_ptr<tlc::LoadedPlan> plan_;
};

} // namespace ocr

#endif // TLC_EXAMPLES_OCR_TLCMODEL_H
