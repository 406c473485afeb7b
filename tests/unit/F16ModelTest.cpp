//===- tests/unit/F16ModelTest.cpp - Whole models with fp16 storage -------===//
//
// `--precision=fp16` end to end on lavapipe (validation on): the tiny GPT-2
// of tests/data/peer against PyTorch's logits, for both kernel targets, and
// the ONNX test models against onnxruntime's outputs shipped beside them.
// Storage rounds every tensor to 11 significant bits, so the bound is 1e-2
// relative L2 (the f32 plans meet 1e-4); each plan must hold f16 tensors.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include "ir/Npy.h"
#include "ir/onnx/OnnxImporter.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace tlc;
using namespace llvm;

namespace {

const std::string kData = std::string(TLC_SOURCE_DIR) + "/tests/data/";

/// Compiles ONNX \p model with fp16 storage for \p target, runs it on
/// \p input and returns output 0's bytes; the plan must hold f16 tensors.
std::vector<uint8_t> runOnnxF16(const std::string &model, const NpyArray &input,
                                const char *target,
                                const ModelParseOptions &parse = {}) {
  Expected<Graph> g = importOnnxFile(model, parse);
  EXPECT_TRUE(bool(g)) << toString(g.takeError());
  if (!g)
    return {};
  CompileOptions opts;
  opts.floatStorage = DType::F16;
  opts.target = cantFail(kernelTargetByName(target));
  Expected<Plan> plan = compileGraph(std::move(*g), opts);
  EXPECT_TRUE(bool(plan)) << toString(plan.takeError());
  if (!plan)
    return {};
  size_t f16 = 0;
  for (const PlanTensor &t : plan->tensors)
    f16 += t.type.dtype == DType::F16;
  EXPECT_GT(f16, 0u) << model;
  DeviceOptions dopts;
  dopts.validation = true;
  auto dev = Device::create(dopts);
  EXPECT_TRUE(bool(dev)) << toString(dev.takeError());
  if (!dev)
    return {};
  auto loaded = LoadedPlan::load(**dev, *plan);
  EXPECT_TRUE(bool(loaded)) << toString(loaded.takeError());
  if (!loaded)
    return {};
  EXPECT_FALSE(bool((*loaded)->setInput(0, input.bytes)));
  EXPECT_FALSE(bool((*loaded)->run()));
  ArrayRef<uint8_t> out = (*loaded)->output(0);
  EXPECT_EQ((*dev)->counters().validationMessages, 0u);
  return std::vector<uint8_t>(out.begin(), out.end());
}

TEST(F16Model, TinyGpt2MatchesPytorch) {
  Expected<NpyArray> ids = readNpy(kData + "peer/gpt2_tiny_input_ids.npy");
  ASSERT_TRUE(bool(ids)) << toString(ids.takeError());
  Expected<NpyArray> want = readNpy(kData + "peer/gpt2_tiny_logits.npy");
  ASSERT_TRUE(bool(want)) << toString(want.takeError());
  for (const char *target : {"cpu", "gpu"}) {
    std::vector<uint8_t> got =
        runOnnxF16(kData + "peer/gpt2_tiny.onnx", *ids, target);
    ASSERT_EQ(got.size(), want->bytes.size()) << target;
    double err = tlc::testing::relativeL2Bytes(got, want->bytes);
    EXPECT_LE(err, 1e-2) << target;
    RecordProperty(std::string("rel_l2_") + target, std::to_string(err));
  }
}

TEST(F16Model, OnnxModelsMatchTheirExpectedOutputs) {
  // onnxruntime's outputs, shipped with the models; inputs bound to the
  // shapes of the .npy files.
  for (const char *name : {"conv_bn_relu", "opset13_mlp", "shape_chain"}) {
    std::string base = kData + "onnx/" + name;
    Expected<NpyArray> in = readNpy(base + ".input.npy");
    ASSERT_TRUE(bool(in)) << toString(in.takeError());
    Expected<NpyArray> want = readNpy(base + ".expected.npy");
    ASSERT_TRUE(bool(want)) << toString(want.takeError());
    ModelParseOptions parse;
    if (std::string(name) != "opset13_mlp")
      parse.inputShapes["x"] = Shape(in->shape.begin(), in->shape.end());
    std::vector<uint8_t> got = runOnnxF16(base + ".onnx", *in, "cpu", parse);
    ASSERT_EQ(got.size(), want->bytes.size()) << name;
    EXPECT_LE(tlc::testing::relativeL2Bytes(got, want->bytes), 1e-2) << name;
  }
}

} // namespace
