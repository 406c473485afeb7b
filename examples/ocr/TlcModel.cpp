//===- examples/ocr/TlcModel.cpp - One ONNX model run by tlc --------------===//
#include "examples/ocr/TlcModel.h"

#include "ir/onnx/OnnxImporter.h"
#include "driver/Pipeline.h"

#include <cstring>

using namespace llvm;

namespace ocr {

Expected<std::unique_ptr<TlcModel>>
TlcModel::create(tlc::Device &device, StringRef path,
                 ArrayRef<int64_t> inputShape) {
  // PP-OCR's exports name their only input "x"; the importer's error names
  // the input of a model that differs.
  tlc::ModelParseOptions parse;
  parse.inputShapes["x"] = tlc::Shape(inputShape.begin(), inputShape.end());
  Expected<tlc::Graph> g = tlc::importOnnxFile(path, parse);
  if (!g)
    return g.takeError();
  if (g->inputs.size() != 1 || g->outputs.empty())
    return createStringError(inconvertibleErrorCode(),
                             "%s: expected one input and at least one output, "
                             "found %zu and %zu",
                             path.str().c_str(), g->inputs.size(),
                             g->outputs.size());
  tlc::CompileOptions opts;
  Expected<tlc::Plan> plan = tlc::compileGraph(std::move(*g), opts);
  if (!plan)
    return plan.takeError();
  Expected<std::unique_ptr<tlc::LoadedPlan>> loaded =
      tlc::LoadedPlan::load(device, *plan);
  if (!loaded)
    return createStringError(inconvertibleErrorCode(), "%s: %s",
                             path.str().c_str(),
                             toString(loaded.takeError()).c_str());
  auto m = std::unique_ptr<TlcModel>(new TlcModel());
  m->path_ = path.str();
  m->plan_ = std::move(*loaded);
  return std::move(m);
}

Expected<Tensor> TlcModel::run(const Tensor &input) {
  const tlc::Plan &plan = plan_->plan();
  const tlc::PlanTensor &in = plan.tensors[plan.inputs[0]];
  if (ArrayRef<int64_t>(in.type.shape) != ArrayRef<int64_t>(input.shape))
    return createStringError(inconvertibleErrorCode(),
                             "%s: input shape differs from the compiled %s",
                             path_.c_str(), in.type.shapeStr().c_str());
  ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(input.data.data()),
                          input.data.size() * sizeof(float));
  if (Error e = plan_->setInput(0, bytes))
    return std::move(e);
  if (Error e = plan_->run())
    return std::move(e);
  const tlc::PlanTensor &out = plan.tensors[plan.outputs[0]];
  ArrayRef<uint8_t> ob = plan_->output(0);
  Tensor t;
  t.shape.assign(out.type.shape.begin(), out.type.shape.end());
  t.data.resize(ob.size() / sizeof(float));
  std::memcpy(t.data.data(), ob.data(), t.data.size() * sizeof(float));
  return t;
}

} // namespace ocr
