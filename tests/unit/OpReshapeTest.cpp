//===- tests/unit/OpReshapeTest.cpp - Flatten and Reshape -----------------===//
//
// Shape rules (0 copies a dim, -1 is inferred, negative Flatten axes) and
// their errors (non-constant shape, counts that differ, two -1s), and the
// device copy against the CPU reference.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::OpOperand;

namespace {

using tt::expectDeviceMatchesReference;
using tt::f32;
using tt::kTolerance;
using tt::shapeRule;
using tt::tensor;

void expectContains(const std::string &msg, StringRef part) {
  EXPECT_NE(msg.find(part.str()), std::string::npos)
      << "message: '" << msg << "', expected to contain '" << part.str() << "'";
}

/// Runs Reshape's shape rule on data of \p in with the constant target
/// \p target (allowzero \p allowZero); returns the error message or "".
std::string reshapeRule(Shape in, std::vector<int64_t> target,
                        TensorType *out = nullptr, int64_t allowZero = 0) {
  std::vector<uint8_t> bytes(target.size() * 8);
  if (!target.empty())
    std::memcpy(bytes.data(), target.data(), bytes.size());
  Node node;
  node.op = "Reshape";
  node.outputs = {0};
  if (allowZero)
    node.attrs.values["allowzero"] = allowZero;
  std::vector<InputInfo> infos = {
      {f32(in), {}}, {TensorType{DType::I64, {int64_t(target.size())}}, bytes}};
  SmallVector<TensorType, 1> outs;
  if (Error e = lookupOp("Reshape")->inferTypes(node, infos, outs))
    return toString(std::move(e));
  if (out)
    *out = outs[0];
  return "";
}

/// The i64 shape operand of Reshape, as a weight.
OpOperand shapeOperand(std::vector<int64_t> dims) {
  HostTensor t(TensorType{DType::I64, {int64_t(dims.size())}});
  for (size_t i = 0; i < dims.size(); ++i)
    t.setInt(int64_t(i), dims[i]);
  return {t, true};
}

TEST(OpFlatten, ShapeRule) {
  std::vector<TensorType> out;
  Attributes a;
  for (auto [axis, expected] :
       std::vector<std::pair<int64_t, Shape>>{{0, {1, 1485}},
                                              {1, {3, 495}},
                                              {2, {15, 99}},
                                              {4, {1485, 1}},
                                              {-1, {135, 11}},
                                              {-4, {1, 1485}}}) {
    a.values["axis"] = axis;
    EXPECT_EQ(shapeRule("Flatten", a, {f32({3, 5, 9, 11})}, &out), "");
    EXPECT_EQ(out[0], f32(expected)) << "axis " << axis;
  }
  a.values["axis"] = int64_t(5);
  expectContains(shapeRule("Flatten", a, {f32({3, 5, 9, 11})}), "'axis' is 5");
  a.values["axis"] = int64_t(-5);
  expectContains(shapeRule("Flatten", a, {f32({3, 5, 9, 11})}),
                 "expected a value in [-4, 4]");
}

TEST(OpReshape, ShapeRule) {
  TensorType out;
  EXPECT_EQ(reshapeRule({3, 5, 9, 11}, {0, -1, 11}, &out), "");
  EXPECT_EQ(out, f32({3, 45, 11}));
  EXPECT_EQ(reshapeRule({3, 5, 9, 11}, {-1}, &out), "");
  EXPECT_EQ(out, f32({1485}));
  EXPECT_EQ(reshapeRule({7, 13}, {13, 7}, &out), "");
  EXPECT_EQ(out, f32({13, 7}));
  expectContains(reshapeRule({7, 13}, {10, 10}), "shape has 100 elements");
  expectContains(reshapeRule({7, 13}, {-1, -1}), "more than one -1");
  expectContains(reshapeRule({7, 13}, {-1, 5}), "not divisible by 5");
  expectContains(reshapeRule({7, 13}, {91, 1, 0}), "has rank 2");
  expectContains(reshapeRule({7, 13}, {-2, 91}), "shape[0] is -2");
  expectContains(reshapeRule({7, 13}, {0, 13}, nullptr, 1), "allowzero=1");

  // The shape must be a constant.
  Node node;
  node.op = "Reshape";
  node.outputs = {0};
  SmallVector<TensorType, 1> outs;
  std::vector<InputInfo> notConst = {{f32({7, 13}), {}},
                                     {TensorType{DType::I64, {2}}, {}}};
  Error e = lookupOp("Reshape")->inferTypes(node, notConst, outs);
  ASSERT_TRUE(bool(e));
  expectContains(toString(std::move(e)), "compile-time constant");
  std::vector<InputInfo> wrongType = {{f32({7, 13}), {}}, {f32({2}), {}}};
  e = lookupOp("Reshape")->inferTypes(node, wrongType, outs);
  ASSERT_TRUE(bool(e));
  expectContains(toString(std::move(e)), "expected i64");
}

TEST(OpReshape, ReferenceKeepsData) {
  HostTensor x = tt::randomTensor({3, 5, 9, 11}, 1);
  auto y = tt::runReference("Reshape", Attributes(),
                            {{x}, shapeOperand({0, -1, 11})});
  ASSERT_TRUE(bool(y)) << toString(y.takeError());
  EXPECT_EQ((*y)[0].type, f32({3, 45, 11}));
  EXPECT_EQ((*y)[0].f32(), x.f32());
}

TEST(OpFlatten, Device) {
  Attributes a;
  a.values["axis"] = int64_t(-2);
  expectDeviceMatchesReference("Flatten", a,
                               {{tt::randomTensor({3, 5, 9, 11}, 2)}});
}

TEST(OpReshape, Device) {
  expectDeviceMatchesReference(
      "Reshape", Attributes(),
      {{tt::randomTensor({3, 5, 9, 11}, 3)}, shapeOperand({0, -1, 11})});
}

} // namespace
