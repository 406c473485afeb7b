//===- examples/ocr/TlcModel.cpp - One ONNX model run by tlc --------------===//
#include "examples/ocr/TlcModel.h"

#include "ir/onnx/OnnxImporter.h"
#include "driver/Pipeline.h"

#include <cstring>

using namespace llvm;

namespace ocr {

Expected<std::unique_ptr<TlcModel>>
TlcModel::create(tlc::Device &device, StringRef path,
                 const tlc::Shape &inputShape) {
  return create(device, path, tlc::ShapeSpec(inputShape));
}

Expected<std::unique_ptr<TlcModel>>
TlcModel::create(tlc::Device &device, StringRef path,
                 const tlc::ShapeSpec &inputShape) {
  // PP-OCR's exports name their only input "x"; the importer's error names
  // the input of a model that differs.
  tlc::ModelParseOptions parse;
  parse.inputShapes["x"] = inputShape;
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
  ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(input.data.data()),
                          input.data.size() * sizeof(float));
  if (Error e = plan_->setInput(0, bytes, input.shape))
    return createStringError(inconvertibleErrorCode(), "%s: %s", path_.c_str(),
                             toString(std::move(e)).c_str());
  if (Error e = plan_->run())
    return std::move(e);
  ArrayRef<uint8_t> ob = plan_->output(0);
  std::vector<int64_t> shape = plan_->outputShape(0);
  Tensor t;
  t.shape.assign(shape.begin(), shape.end());
  t.data.resize(ob.size() / sizeof(float));
  std::memcpy(t.data.data(), ob.data(), t.data.size() * sizeof(float));
  return t;
}

} // namespace ocr
