//===- tests/unit/OpOcrReduceTest.cpp - ReduceMean, BatchNormalization ----===//
//
// Shape-rule errors, CPU references against values computed by hand from
// the ONNX definitions, and the shaders against the CPU references on odd
// shapes (relative L2 <= 1e-5).
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::OpOperand;

namespace {

constexpr double kTolerance = 1e-5; // relative L2, device vs reference

TensorType f32(Shape s) { return TensorType{DType::F32, std::move(s)}; }

HostTensor tensor(Shape shape, std::vector<float> data) {
  return HostTensor::f32(std::move(shape), std::move(data));
}

std::string shapeRule(StringRef op, const Attributes &attrs,
                      std::vector<TensorType> types,
                      std::vector<TensorType> *out = nullptr,
                      unsigned outputs = 1) {
  const OpDef *def = lookupOp(op);
  if (!def)
    return "no such op";
  Node node;
  node.op = op.str();
  node.attrs = attrs;
  for (unsigned i = 0; i < outputs; ++i)
    node.outputs.push_back(i);
  std::vector<InputInfo> infos;
  for (const TensorType &t : types)
    infos.push_back({t, {}});
  SmallVector<TensorType, 2> outs;
  if (Error e = def->inferTypes(node, infos, outs))
    return toString(std::move(e));
  if (out)
    out->assign(outs.begin(), outs.end());
  return "";
}

void expectContains(const std::string &msg, StringRef part) {
  EXPECT_NE(msg.find(part.str()), std::string::npos)
      << "message: '" << msg << "', expected to contain '" << part.str() << "'";
}

using tt::expectDeviceMatchesReference;

Attributes reduceAttrs(std::vector<int64_t> axes, int64_t keepdims) {
  Attributes a;
  a.values["axes"] = axes;
  a.values["keepdims"] = keepdims;
  return a;
}

TEST(OpOcrReduceMean, ShapeRule) {
  std::vector<TensorType> out;
  EXPECT_EQ(shapeRule("ReduceMean", Attributes(), {f32({3, 5, 7})}, &out), "");
  EXPECT_EQ(out[0], f32({1, 1, 1}));
  EXPECT_EQ(
      shapeRule("ReduceMean", reduceAttrs({-1, 0}, 0), {f32({3, 5, 7})}, &out),
      "");
  EXPECT_EQ(out[0], f32({5}));
  EXPECT_EQ(
      shapeRule("ReduceMean", reduceAttrs({1}, 1), {f32({3, 5, 7})}, &out), "");
  EXPECT_EQ(out[0], f32({3, 1, 7}));
  expectContains(
      shapeRule("ReduceMean", reduceAttrs({1, -2}, 1), {f32({3, 5, 7})}),
      "twice");
  expectContains(shapeRule("ReduceMean", reduceAttrs({3}, 1), {f32({3, 5, 7})}),
                 "expected a value in [-3, 2]");
  expectContains(shapeRule("ReduceMean", reduceAttrs({0}, 2), {f32({3, 5, 7})}),
                 "'keepdims' is 2");
  expectContains(shapeRule("ReduceMean", Attributes(), {f32({})}),
                 "rank 1 to 6");
  Attributes noop;
  noop.values["noop_with_empty_axes"] = int64_t(1);
  expectContains(shapeRule("ReduceMean", noop, {f32({3})}),
                 "unknown attribute 'noop_with_empty_axes'");
  expectContains(
      shapeRule("ReduceMean", Attributes(), {TensorType{DType::I64, {3}}}),
      "only f32");
}

TEST(OpOcrReduceMean, ReferenceAndDevice) {
  auto y = tt::runReference("ReduceMean", reduceAttrs({1}, 0),
                            {{tensor({2, 3}, {1, 2, 6, -1, 0, 4})}});
  ASSERT_TRUE(bool(y)) << toString(y.takeError());
  EXPECT_EQ((*y)[0].f32().vec(), (std::vector<float>{3, 1}));
  OpOperand x{tt::randomTensor({3, 5, 9, 11}, 81)};
  expectDeviceMatchesReference("ReduceMean", Attributes(), {x});
  expectDeviceMatchesReference("ReduceMean", reduceAttrs({-1}, 1), {x});
  expectDeviceMatchesReference("ReduceMean", reduceAttrs({2, 3}, 1), {x});
  expectDeviceMatchesReference("ReduceMean", reduceAttrs({0, 2}, 0), {x});
}

std::vector<OpOperand> bnOperands(Shape x, uint32_t seed) {
  int64_t c = x[1];
  return {{tt::randomTensor(x, seed)},
          {tt::randomTensor({c}, seed + 1, 0.5f, 2.0f), true},
          {tt::randomTensor({c}, seed + 2), true},
          {tt::randomTensor({c}, seed + 3), true},
          {tt::randomTensor({c}, seed + 4, 0.1f, 3.0f), true}};
}

TEST(OpOcrBatchNorm, ShapeRule) {
  std::vector<TensorType> out;
  auto types = [](Shape x, Shape p) {
    return std::vector<TensorType>{f32(x), f32(p), f32(p), f32(p), f32(p)};
  };
  EXPECT_EQ(shapeRule("BatchNormalization", Attributes(),
                      types({2, 3, 5, 7}, {3}), &out),
            "");
  EXPECT_EQ(out[0], f32({2, 3, 5, 7}));
  expectContains(
      shapeRule("BatchNormalization", Attributes(), types({2, 3, 5, 7}, {4})),
      "expected [3]");
  expectContains(shapeRule("BatchNormalization", Attributes(), types({3}, {3})),
                 "rank >= 2");
  Attributes train;
  train.values["training_mode"] = int64_t(1);
  expectContains(shapeRule("BatchNormalization", train, types({2, 3}, {3})),
                 "only inference");
  Attributes eps;
  eps.values["epsilon"] = -1.0;
  expectContains(shapeRule("BatchNormalization", eps, types({2, 3}, {3})),
                 "'epsilon'");
  expectContains(
      shapeRule("BatchNormalization", Attributes(), {f32({2, 3}), f32({3})}),
      "expected 5");
  expectContains(shapeRule("BatchNormalization", Attributes(),
                           types({2, 3}, {3}), nullptr, 3),
                 "training mode");
}

TEST(OpOcrBatchNorm, ReferenceAndDevice) {
  // x = 3, mean 1, var 3, eps 1: (3 - 1) / 2 * scale 0.5 + b 1 = 1.5.
  Attributes eps;
  eps.values["epsilon"] = 1.0;
  auto y = tt::runReference("BatchNormalization", eps,
                            {{tensor({1, 1, 1}, {3})},
                             {tensor({1}, {0.5f})},
                             {tensor({1}, {1})},
                             {tensor({1}, {1})},
                             {tensor({1}, {3})}});
  ASSERT_TRUE(bool(y)) << toString(y.takeError());
  EXPECT_EQ((*y)[0].f32().vec(), (std::vector<float>{1.5f}));
  expectDeviceMatchesReference("BatchNormalization", Attributes(),
                               bnOperands({3, 5, 9, 11}, 91));
  expectDeviceMatchesReference("BatchNormalization", eps,
                               bnOperands({7, 13}, 96));
}

} // namespace
