//===- tests/unit/OnnxPytorchModelsTest.cpp - torch.onnx exports ----------===//
//
// Models exported from PyTorch modules by the ONNX project (Debian package
// libonnx-testdata, data/pytorch-converted: opset 6, with PyTorch's own
// inputs and outputs as TensorProto files) imported, converted to opset 17,
// simplified (BatchNormalization folding, Unsqueeze/Squeeze to views),
// compiled and run on the device (validation on); the output must match
// PyTorch's. Skipped when the package is not installed.
//
//===----------------------------------------------------------------------===//
#include "ir/onnx/OnnxImporter.h"
#include "ir/onnx/OnnxTensor.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace tlc;
using namespace llvm;

namespace {

const char *kDir = "/usr/share/libonnx-testdata/data/pytorch-converted/";

bool readTensor(const std::string &path, OnnxConstant &out) {
  auto buf = MemoryBuffer::getFile(path, false, false);
  onnx::TensorProto t;
  if (!buf || !t.ParseFromArray((*buf)->getBufferStart(),
                                int((*buf)->getBufferSize())))
    return false;
  Expected<OnnxConstant> c = decodeOnnxTensor(t);
  if (!c) {
    consumeError(c.takeError());
    return false;
  }
  out = std::move(*c);
  return true;
}

class OnnxPytorchModels : public ::testing::TestWithParam<const char *> {};

TEST_P(OnnxPytorchModels, DeviceMatchesPytorch) {
  std::string dir = std::string(kDir) + GetParam() + "/";
  if (!sys::fs::exists(dir + "model.onnx"))
    GTEST_SKIP() << dir << " not found (libonnx-testdata)";
  Expected<Graph> g = importOnnxFile(dir + "model.onnx");
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  Expected<Plan> plan = compileGraph(std::move(*g), CompileOptions());
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  ASSERT_EQ(plan->inputs.size(), 1u);
  ASSERT_EQ(plan->outputs.size(), 1u);
  OnnxConstant input, want;
  ASSERT_TRUE(readTensor(dir + "test_data_set_0/input_0.pb", input));
  ASSERT_TRUE(readTensor(dir + "test_data_set_0/output_0.pb", want));

  DeviceOptions dopts;
  dopts.validation = true;
  static std::unique_ptr<Device> dev;
  if (!dev) {
    auto d = Device::create(dopts);
    ASSERT_TRUE(bool(d)) << toString(d.takeError());
    dev = std::move(*d);
  }
  auto loaded = LoadedPlan::load(*dev, *plan);
  ASSERT_TRUE(bool(loaded)) << toString(loaded.takeError());
  ASSERT_FALSE(bool((*loaded)->setInput(0, input.data)));
  ASSERT_FALSE(bool((*loaded)->run()));
  ArrayRef<uint8_t> out = (*loaded)->output(0);
  ASSERT_EQ(plan->tensors[plan->outputs[0]].type.shape, want.type.shape);
  ASSERT_EQ(out.size(), want.data.size());
  double maxErr = 0, maxRef = 0;
  for (size_t i = 0; i < out.size() / 4; ++i) {
    float a, b;
    std::memcpy(&a, out.data() + 4 * i, 4);
    std::memcpy(&b, want.data.data() + 4 * i, 4);
    maxErr = std::max(maxErr, std::fabs(double(a) - double(b)));
    maxRef = std::max(maxRef, std::fabs(double(b)));
  }
  EXPECT_LE(maxErr, 1e-5 * std::max(maxRef, 1.0));
  EXPECT_EQ(dev->counters().validationMessages, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Pytorch, OnnxPytorchModels,
    ::testing::Values("test_AvgPool1d", "test_AvgPool2d_stride",
                      "test_BatchNorm1d_3d_input_eval",
                      "test_BatchNorm2d_eval", "test_BatchNorm3d_eval",
                      "test_Conv2d_depthwise_padded", "test_Conv2d_groups",
                      "test_Conv2d_no_bias", "test_Conv2d_strided",
                      "test_Linear", "test_MaxPool2d_stride_padding_dilation",
                      "test_ReLU", "test_softmax_lastdim"));

} // namespace
