//===- tests/unit/OnnxImportTest.cpp - ONNX models end to end -------------===//
//
// The models of tools/make_onnx_testdata.py imported, simplified, compiled
// and run on the default Vulkan device (validation on), against the outputs
// numpy computed when the models were made; `tlc import`'s YAML compiles to a
// byte-identical plan; malformed files (every truncation, every flipped byte)
// give errors naming the file, never a crash.
//
//===----------------------------------------------------------------------===//
#include "ir/Npy.h"
#include "ir/onnx/ModelWriter.h"
#include "ir/onnx/OnnxImporter.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace tlc;
using namespace llvm;

namespace {

std::string dataPath(StringRef name) {
  return (Twine(TLC_SOURCE_DIR) + "/tests/data/onnx/" + name).str();
}

Device *device() {
  static std::unique_ptr<Device> dev;
  if (!dev) {
    DeviceOptions opts;
    opts.validation = true;
    auto d = Device::create(opts);
    if (!d) {
      ADD_FAILURE() << toString(d.takeError());
      return nullptr;
    }
    dev = std::move(*d);
  }
  return dev.get();
}

struct ModelCase {
  const char *name;
  const char *shape; // "" or NAME=DIMS
};

ModelParseOptions parseOptions(const ModelCase &c) {
  ModelParseOptions opts;
  if (*c.shape) {
    auto [name, dims] = StringRef(c.shape).split('=');
    opts.inputShapes[name.str()] = cantFail(parseShapeString(dims));
  }
  return opts;
}

/// Runs \p plan on the device with \p input as graph input 0; returns output
/// 0 as floats.
std::vector<float> runPlan(const Plan &plan, const NpyArray &input) {
  Device *dev = device();
  if (!dev)
    return {};
  uint64_t before = dev->counters().validationMessages;
  auto loaded = LoadedPlan::load(*dev, plan);
  if (!loaded) {
    ADD_FAILURE() << toString(loaded.takeError());
    return {};
  }
  EXPECT_FALSE(bool((*loaded)->setInput(0, input.bytes)));
  if (Error e = (*loaded)->run()) {
    ADD_FAILURE() << toString(std::move(e));
    return {};
  }
  ArrayRef<uint8_t> out = (*loaded)->output(0);
  std::vector<float> f(out.size() / 4);
  std::memcpy(f.data(), out.data(), f.size() * 4);
  loaded->reset();
  EXPECT_EQ(dev->counters().validationMessages - before, 0u);
  return f;
}

std::vector<uint8_t> planBytes(const Plan &plan, StringRef dir,
                               StringRef name) {
  SmallString<256> path(dir);
  sys::path::append(path, name);
  EXPECT_FALSE(bool(writePlanFile(plan, path)));
  auto buf = MemoryBuffer::getFile(path, false, false);
  if (!buf)
    return {};
  return std::vector<uint8_t>((*buf)->getBufferStart(),
                              (*buf)->getBufferEnd());
}

class OnnxModels : public ::testing::TestWithParam<ModelCase> {};

TEST_P(OnnxModels, DeviceMatchesNumpy) {
  const ModelCase &c = GetParam();
  Expected<Graph> g =
      importOnnxFile(dataPath(std::string(c.name) + ".onnx"), parseOptions(c));
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  Expected<Plan> plan = compileGraph(std::move(*g), CompileOptions());
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  // Only compute ops remain: no Shape, Gather, BatchNormalization, ... (their
  // shaders do not exist, so every dispatch names a real shader).
  for (const PlanCommand &cmd : plan->commands) {
    if (cmd.kind == CommandKind::Dispatch) {
      EXPECT_LT(cmd.shader, plan->shaders.size());
    }
  }
  auto input = readNpy(dataPath(std::string(c.name) + ".input.npy"));
  auto expected = readNpy(dataPath(std::string(c.name) + ".expected.npy"));
  ASSERT_TRUE(bool(input)) << toString(input.takeError());
  ASSERT_TRUE(bool(expected)) << toString(expected.takeError());
  std::vector<float> got = runPlan(*plan, *input);
  std::vector<float> want(expected->bytes.size() / 4);
  std::memcpy(want.data(), expected->bytes.data(), want.size() * 4);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(plan->tensors[plan->outputs[0]].type.shape, expected->shape);
  double maxErr = 0, maxRef = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    maxErr = std::max(maxErr, std::fabs(double(got[i]) - double(want[i])));
    maxRef = std::max(maxRef, std::fabs(double(want[i])));
  }
  EXPECT_LE(maxErr, 1e-5 * std::max(maxRef, 1.0)) << "max |ref| " << maxRef;
}

TEST_P(OnnxModels, ImportedYamlCompilesToTheSamePlan) {
  const ModelCase &c = GetParam();
  SmallString<128> dir;
  ASSERT_FALSE(bool(sys::fs::createUniqueDirectory("tlc-onnx-import", dir)));
  std::string onnx = dataPath(std::string(c.name) + ".onnx");
  Expected<Graph> g = importOnnxFile(onnx, parseOptions(c));
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  SmallString<256> yaml(dir), weights(dir);
  sys::path::append(yaml, "model.yaml");
  sys::path::append(weights, "model.safetensors");
  ASSERT_FALSE(bool(writeModel(*g, yaml, weights)));

  CompileOptions opts;
  Expected<Plan> direct = compileGraph(std::move(*g), opts);
  ASSERT_TRUE(bool(direct)) << toString(direct.takeError());
  Expected<Plan> viaYaml = compileModelFile(yaml, {}, opts);
  ASSERT_TRUE(bool(viaYaml)) << toString(viaYaml.takeError());
  EXPECT_EQ(planBytes(*direct, dir, "a.tlp"), planBytes(*viaYaml, dir, "b.tlp"));
  sys::fs::remove_directories(dir);
}

INSTANTIATE_TEST_SUITE_P(Models, OnnxModels,
                         ::testing::Values(ModelCase{"conv_bn_relu",
                                                     "x=2x3x8x8"},
                                           ModelCase{"shape_chain",
                                                     "x=2x3x4x4"},
                                           ModelCase{"opset13_mlp", ""}));

TEST(OnnxImport, KeepsNamesAttributesAndBindsShapes) {
  ModelParseOptions opts;
  opts.inputShapes["x"] = {5, 3, 8, 8};
  Expected<Graph> g = importOnnxFile(dataPath("conv_bn_relu.onnx"), opts);
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  ASSERT_EQ(g->nodes.size(), 3u);
  EXPECT_EQ(g->nodes[0].name, "Conv_0");
  EXPECT_EQ(g->nodes[1].op, "BatchNormalization");
  EXPECT_NEAR(cantFail(g->nodes[1].attrs.getFloat("epsilon", 0)), 1e-3, 1e-9);
  EXPECT_EQ(cantFail(g->nodes[0].attrs.getInts("pads", {})),
            (std::vector<int64_t>{1, 1, 1, 1}));
  ASSERT_EQ(g->inputs.size(), 1u);
  EXPECT_EQ(g->value(g->inputs[0]).type.shape, (Shape{5, 3, 8, 8}));
  auto w = g->lookup("conv.weight");
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(g->value(*w).kind, ValueKind::Weight);
  EXPECT_EQ(g->value(*w).data.size(), 4u * 3 * 3 * 3 * 4);
}

TEST(OnnxImport, OpsetConversionAndInitializersListedAsInputs) {
  Expected<Graph> g = importOnnxFile(dataPath("opset13_mlp.onnx"));
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  // Initializers also listed as inputs are weights, not inputs.
  ASSERT_EQ(g->inputs.size(), 1u);
  EXPECT_EQ(g->value(g->inputs[0]).name, "x");
}

std::string importError(StringRef file, ModelParseOptions opts = {}) {
  Expected<Graph> g = importOnnxFile(dataPath(file), opts);
  if (g)
    return "";
  return toString(g.takeError());
}

TEST(OnnxImport, ErrorsNameTheFileAndThePlace) {
  EXPECT_NE(importError("bad_truncated.onnx").find("bad_truncated.onnx: not a "
                                                   "valid ONNX model"),
            std::string::npos);
  EXPECT_NE(importError("bad_checker.onnx").find("ONNX checker rejects"),
            std::string::npos);
  EXPECT_NE(importError("bad_opset.onnx").find("from opset 99"),
            std::string::npos);
  EXPECT_NE(importError("bad_unbound_dim.onnx")
                .find("input 'x': dimension 0 ('batch') is dynamic"),
            std::string::npos);
  EXPECT_NE(importError("bad_custom_domain.onnx")
                .find("node 'node_0' (com.example.MyRelu)"),
            std::string::npos);
  ModelParseOptions wrong;
  wrong.inputShapes["x"] = {2, 4, 8, 8};
  EXPECT_NE(importError("conv_bn_relu.onnx", wrong)
                .find("dimension 1 is 4 but the model fixes it to 3"),
            std::string::npos);
  ModelParseOptions unknown;
  unknown.inputShapes["nope"] = {1};
  EXPECT_NE(importError("conv_bn_relu.onnx", unknown)
                .find("--input-shape names 'nope'"),
            std::string::npos);
  EXPECT_NE(importError("does_not_exist.onnx").find("cannot read model"),
            std::string::npos);
}

std::vector<uint8_t> fileBytes(StringRef path) {
  auto buf = MemoryBuffer::getFile(path, false, false);
  if (!buf)
    return {};
  return std::vector<uint8_t>((*buf)->getBufferStart(),
                              (*buf)->getBufferEnd());
}

TEST(OnnxImport, EveryTruncationIsAnError) {
  std::vector<uint8_t> bytes = fileBytes(dataPath("conv_bn_relu.onnx"));
  ASSERT_FALSE(bytes.empty());
  ModelParseOptions opts;
  opts.inputShapes["x"] = {1, 3, 8, 8};
  for (size_t n = 0; n < bytes.size(); ++n) {
    Expected<Graph> g =
        importOnnxBytes(ArrayRef<uint8_t>(bytes).take_front(n), "t.onnx", opts);
    ASSERT_FALSE(bool(g)) << "prefix of " << n << " bytes was accepted";
    std::string msg = toString(g.takeError());
    EXPECT_EQ(msg.rfind("t.onnx: ", 0), 0u) << msg;
  }
}

TEST(OnnxImport, FlippedBytesNeverCrash) {
  std::vector<uint8_t> bytes = fileBytes(dataPath("shape_chain.onnx"));
  ASSERT_FALSE(bytes.empty());
  ModelParseOptions opts;
  opts.inputShapes["x"] = {2, 3, 4, 4};
  size_t accepted = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> b = bytes;
    b[i] ^= 0x5A;
    Expected<Graph> g = importOnnxBytes(b, "f.onnx", opts);
    if (!g) {
      std::string msg = toString(g.takeError());
      EXPECT_EQ(msg.rfind("f.onnx: ", 0), 0u) << msg;
      continue;
    }
    ++accepted;
    // What imports must compile or fail cleanly.
    CompileOptions copts;
    copts.planner = "pool";
    Expected<Plan> plan = compileGraph(std::move(*g), copts);
    if (!plan)
      consumeError(plan.takeError());
  }
  // Most flips hit weight bytes, which import fine.
  EXPECT_GT(accepted, 0u);
}

} // namespace
