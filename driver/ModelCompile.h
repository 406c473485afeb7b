//===- driver/ModelCompile.h - A model file to a plan, as flags say -*- C++ -*-===//
//
// What `tlc compile` does between reading its flags and writing the plan,
// shared by the command line and the C API (include/tlc/tlc.h) so that both
// accept the same options and report the same errors.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_DRIVER_MODELCOMPILE_H
#define TLC_DRIVER_MODELCOMPILE_H

#include "codegen/Plan.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace tlc {

/// `tlc compile`'s flags, as text; each default is the flag's.
struct ModelCompileRequest {
  std::string modelPath; // model.yaml, .onnx, .gguf or a Hugging Face folder
  std::vector<std::string> inputShapes; // --input-shape NAME=DIMS
  std::vector<std::string> dims;        // --dim NAME=MIN..MAX
  long long maxContext = 0;             // --max-context (GGUF / HF), tokens
  bool allLogits = false;               // --all-logits
  bool dequantizeWeights = false;       // --dequantize-weights
  std::string planner = "auto";         // --planner
  std::string schedule = "memory";      // --schedule
  double planTimeLimit = 1.0;           // --plan-time-limit, seconds
  uint64_t maxBufferBytes = uint64_t(128) << 20; // --max-buffer-bytes
  unsigned alignment = 256;             // --alignment, bytes
  std::string target = "auto";          // --target
  std::string precision = "fp32";       // --precision
  llvm::raw_ostream *printIR = nullptr; // --print-ir / --print-ir-after-all
  bool printAfterAll = false;
};

/// Checks \p req's options, reads the model and compiles it (MODEL.onnx
/// through the ONNX importer, MODEL.gguf and Hugging Face folders as Llama
/// decoders, anything else as model.yaml). Errors: an option out of range
/// (the message names its flag: "--precision=fp8: expected fp32 or fp16";
/// --planner, --schedule, --target, --precision, --alignment,
/// --plan-time-limit, --input-shape, --dim, --max-context are checked before
/// the model is read),
/// and every error of the model's parser and of compileGraph (file, place,
/// node).
llvm::Expected<Plan> compileModelRequest(const ModelCompileRequest &req);

} // namespace tlc

#endif // TLC_DRIVER_MODELCOMPILE_H
