//===- fuzz/FuzzOnnx.cpp - libFuzzer target: ONNX importer and front end --===//
//
// Feeds arbitrary bytes to importOnnxBytes (ir/onnx/OnnxImporter.h): the
// protobuf parse, the ONNX checker and version converter, the importer's
// own checks (dtypes, attributes, optional inputs, dynamic dims). A model
// that imports is then compiled by compileGraph (pool planner, no device):
// constant folding, every op's shape rule and attribute checks, fusion,
// planning and codegen. Every input must give a Plan or an llvm::Error; a
// crash, sanitizer report, leak or timeout is a bug.
//
//===----------------------------------------------------------------------===//
#include "driver/Pipeline.h"
#include "ir/onnx/OnnxImporter.h"

#include "llvm/Support/Error.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<tlc::Graph> g =
      tlc::importOnnxBytes(llvm::ArrayRef<uint8_t>(data, size), "fuzz.onnx");
  if (!g) {
    llvm::consumeError(g.takeError());
    return 0;
  }
  tlc::CompileOptions opts;
  opts.planner = "pool"; // the arena search spends its budget per input
  llvm::Expected<tlc::Plan> plan = tlc::compileGraph(std::move(*g), opts);
  if (!plan)
    llvm::consumeError(plan.takeError());
  return 0;
}
