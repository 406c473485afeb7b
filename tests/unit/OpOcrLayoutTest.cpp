//===- tests/unit/OpOcrLayoutTest.cpp - PP-OCR data-movement ops ----------===//
//
// Transpose, Concat, Slice, Squeeze and Unsqueeze: every shape-rule error,
// CPU references against hand-computed values (Slice's negative and clamped
// starts/ends and negative steps as the ONNX spec's examples define them),
// and the shaders against the CPU references on odd shapes (relative L2 <=
// 1e-5; these ops move data, so the results are in fact exact).
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

constexpr double kTolerance = 1e-5; // relative L2, device vs reference

TensorType f32(Shape s) { return TensorType{DType::F32, std::move(s)}; }

HostTensor tensor(Shape shape, std::vector<float> data) {
  return HostTensor::f32(std::move(shape), std::move(data));
}

/// A 1-D i64 weight operand holding \p v.
OpOperand ints(std::vector<int64_t> v) {
  HostTensor t(TensorType{DType::I64, {int64_t(v.size())}});
  for (size_t i = 0; i < v.size(); ++i)
    t.setInt(int64_t(i), v[i]);
  return {t, true};
}

/// Shape-rule inputs: a type with no data, or a constant i64 list.
struct Info {
  TensorType type;
  std::vector<uint8_t> bytes;
};
Info in(TensorType t) { return {std::move(t), {}}; }
Info i64s(std::vector<int64_t> v) {
  Info r{TensorType{DType::I64, {int64_t(v.size())}}, {}};
  r.bytes.resize(v.size() * 8);
  std::memcpy(r.bytes.data(), v.data(), r.bytes.size());
  return r;
}

std::string shapeRule(StringRef op, const Attributes &attrs,
                      const std::vector<Info> &infos,
                      std::vector<TensorType> *out = nullptr) {
  const OpDef *def = lookupOp(op);
  if (!def)
    return "no such op";
  Node node;
  node.op = op.str();
  node.attrs = attrs;
  node.outputs = {0};
  std::vector<InputInfo> ii;
  for (const Info &i : infos)
    ii.push_back({i.type, i.bytes});
  SmallVector<TensorType, 2> outs;
  if (Error e = def->inferTypes(node, ii, outs))
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

std::vector<float> ref1(StringRef op, const Attributes &attrs,
                        const std::vector<OpOperand> &operands,
                        Shape *shape = nullptr) {
  auto y = tt::runReference(op, attrs, operands);
  if (!y) {
    ADD_FAILURE() << toString(y.takeError());
    return {};
  }
  if (shape)
    *shape = (*y)[0].type.shape;
  return (*y)[0].f32();
}

Attributes intsAttr(StringRef name, std::vector<int64_t> v) {
  Attributes a;
  a.values[name.str()] = v;
  return a;
}
Attributes intAttr(StringRef name, int64_t v) {
  Attributes a;
  a.values[name.str()] = v;
  return a;
}

std::vector<float> iota(int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = float(i);
  return v;
}

TEST(OpOcrTranspose, ShapeRule) {
  std::vector<TensorType> out;
  EXPECT_EQ(shapeRule("Transpose", Attributes(), {in(f32({3, 5, 7}))}, &out),
            "");
  EXPECT_EQ(out[0], f32({7, 5, 3}));
  EXPECT_EQ(shapeRule("Transpose", intsAttr("perm", {1, 2, 0}),
                      {in(f32({3, 5, 7}))}, &out),
            "");
  EXPECT_EQ(out[0], f32({5, 7, 3}));
  expectContains(
      shapeRule("Transpose", intsAttr("perm", {0, 0, 1}), {in(f32({3, 5, 7}))}),
      "not a permutation");
  expectContains(
      shapeRule("Transpose", intsAttr("perm", {0, 3, 1}), {in(f32({3, 5, 7}))}),
      "not a permutation");
  expectContains(
      shapeRule("Transpose", intsAttr("perm", {1, 0}), {in(f32({3, 5, 7}))}),
      "expected 3");
  expectContains(
      shapeRule("Transpose", Attributes(), {in(f32({1, 1, 1, 1, 1, 1, 2}))}),
      "exceeds the supported maximum");
  expectContains(shapeRule("Transpose", intAttr("perm", 1), {in(f32({3}))}),
                 "perm");
  // i64 folds; f16 is a storage format, never an input.
  expectContains(
      shapeRule("Transpose", Attributes(), {in(TensorType{DType::F16, {3}})}),
      "expected f32, i32 or i64");
  expectContains(shapeRule("Transpose", Attributes(), {}), "expected 1");
}

TEST(OpOcrTranspose, ReferenceAndDevice) {
  Shape s;
  std::vector<float> y =
      ref1("Transpose", Attributes(), {{tensor({2, 3}, iota(6))}}, &s);
  EXPECT_EQ(s, (Shape{3, 2}));
  EXPECT_EQ(y, (std::vector<float>{0, 3, 1, 4, 2, 5}));
  expectDeviceMatchesReference("Transpose", Attributes(),
                               {{tt::randomTensor({3, 5, 9, 11}, 41)}});
  expectDeviceMatchesReference("Transpose", intsAttr("perm", {0, 2, 3, 1}),
                               {{tt::randomTensor({3, 5, 9, 11}, 42)}});
  expectDeviceMatchesReference("Transpose",
                               intsAttr("perm", {5, 0, 4, 1, 3, 2}),
                               {{tt::randomTensor({2, 3, 1, 5, 4, 3}, 43)}});
}

TEST(OpOcrConcat, ShapeRule) {
  std::vector<TensorType> out;
  EXPECT_EQ(
      shapeRule("Concat", intAttr("axis", -2),
                {in(f32({3, 5, 7})), in(f32({3, 2, 7})), in(f32({3, 1, 7}))},
                &out),
      "");
  EXPECT_EQ(out[0], f32({3, 8, 7}));
  expectContains(shapeRule("Concat", Attributes(), {in(f32({3}))}),
                 "'axis' is required");
  expectContains(shapeRule("Concat", intAttr("axis", 0), {}),
                 "at least 1 input");
  expectContains(shapeRule("Concat", intAttr("axis", 3), {in(f32({3, 5, 7}))}),
                 "expected a value in [-3, 2]");
  expectContains(shapeRule("Concat", intAttr("axis", 1),
                           {in(f32({3, 5, 7})), in(f32({3, 5}))}),
                 "has rank 2");
  expectContains(shapeRule("Concat", intAttr("axis", 1),
                           {in(f32({3, 5, 7})), in(f32({3, 5, 8}))}),
                 "at dim 2");
  expectContains(shapeRule("Concat", intAttr("axis", 0), {in(f32({}))}),
                 "rank >= 1");
  expectContains(shapeRule("Concat", intAttr("axis", 0),
                           {in(f32({3})), in(TensorType{DType::I64, {3}})}),
                 "input 1 has dtype i64; input 0 has f32");
}

TEST(OpOcrConcat, ReferenceAndDevice) {
  Shape s;
  std::vector<float> y =
      ref1("Concat", intAttr("axis", 1),
           {{tensor({2, 2}, {0, 1, 2, 3})}, {tensor({2, 1}, {9, 8})}}, &s);
  EXPECT_EQ(s, (Shape{2, 3}));
  EXPECT_EQ(y, (std::vector<float>{0, 1, 9, 2, 3, 8}));
  for (int64_t axis : {0, 1, -1, 2, -4})
    expectDeviceMatchesReference("Concat", intAttr("axis", axis),
                                 {{tt::randomTensor({3, 5, 7, 9}, 51)},
                                  {tt::randomTensor({3, 5, 7, 9}, 52), true},
                                  {tt::randomTensor({3, 5, 7, 9}, 53)}});
  expectDeviceMatchesReference("Concat", intAttr("axis", 1),
                               {{tt::randomTensor({3, 5, 7}, 54)},
                                {tt::randomTensor({3, 2, 7}, 55)},
                                {tt::randomTensor({3, 11, 7}, 56)}});
  expectDeviceMatchesReference("Concat", intAttr("axis", 0),
                               {{tt::randomTensor({13}, 57)}});
}

TEST(OpOcrSqueeze, ShapeRule) {
  std::vector<TensorType> out;
  EXPECT_EQ(shapeRule("Squeeze", Attributes(), {in(f32({1, 3, 1, 5}))}, &out),
            "");
  EXPECT_EQ(out[0], f32({3, 5}));
  EXPECT_EQ(shapeRule("Squeeze", Attributes(),
                      {in(f32({1, 3, 1, 5})), i64s({-2})}, &out),
            "");
  EXPECT_EQ(out[0], f32({1, 3, 5}));
  expectContains(
      shapeRule("Squeeze", Attributes(), {in(f32({1, 3, 1, 5})), i64s({1})}),
      "its size is 3, not 1");
  expectContains(shapeRule("Squeeze", Attributes(),
                           {in(f32({1, 3, 1, 5})), i64s({0, -4})}),
                 "twice");
  expectContains(
      shapeRule("Squeeze", Attributes(), {in(f32({1, 3})), i64s({2})}),
      "expected a value in [-2, 1]");
  expectContains(shapeRule("Squeeze", Attributes(),
                           {in(f32({1, 3})), in(TensorType{DType::I64, {1}})}),
                 "compile-time constant");
  expectContains(
      shapeRule("Squeeze", Attributes(), {in(f32({1, 3})), in(f32({1}))}),
      "expected i64 or i32");
  Info shortBytes = i64s({0});
  shortBytes.bytes.pop_back();
  expectContains(
      shapeRule("Squeeze", Attributes(), {in(f32({1, 3})), shortBytes}),
      "expected 8");
  expectContains(shapeRule("Squeeze", Attributes(), {}), "expected 1 or 2");
}

TEST(OpOcrUnsqueeze, ShapeRule) {
  std::vector<TensorType> out;
  EXPECT_EQ(shapeRule("Unsqueeze", Attributes(),
                      {in(f32({3, 5})), i64s({0, -1})}, &out),
            "");
  EXPECT_EQ(out[0], f32({1, 3, 5, 1}));
  EXPECT_EQ(shapeRule("Unsqueeze", Attributes(),
                      {in(f32({3, 5})), i64s({1, 3})}, &out),
            "");
  EXPECT_EQ(out[0], f32({3, 1, 5, 1}));
  expectContains(
      shapeRule("Unsqueeze", Attributes(), {in(f32({3, 5})), i64s({1, -3})}),
      "twice");
  expectContains(
      shapeRule("Unsqueeze", Attributes(), {in(f32({3, 5})), i64s({3})}),
      "expected a value in [-3, 2]");
  expectContains(shapeRule("Unsqueeze", Attributes(), {in(f32({3, 5}))}),
                 "expected 2");
}

TEST(OpOcrSqueeze, DeviceAsGraphOutput) {
  OpOperand x{tt::randomTensor({1, 3, 1, 5}, 61)};
  Shape s;
  EXPECT_EQ(ref1("Squeeze", Attributes(), {x}, &s), x.tensor.f32().vec());
  EXPECT_EQ(s, (Shape{3, 5}));
  expectDeviceMatchesReference("Squeeze", Attributes(), {x});
  expectDeviceMatchesReference("Squeeze", Attributes(), {x, ints({2})});
  expectDeviceMatchesReference(
      "Unsqueeze", Attributes(),
      {{tt::randomTensor({3, 5, 7}, 62)}, ints({0, 4})});
}

TEST(OpOcrSlice, ShapeRuleErrors) {
  std::vector<TensorType> out;
  TensorType x = f32({20, 10, 5});
  EXPECT_EQ(shapeRule("Slice", Attributes(),
                      {in(x), i64s({0, 0}), i64s({3, 10}), i64s({0, 1}),
                       i64s({1, 1})},
                      &out),
            "");
  EXPECT_EQ(out[0], f32({3, 10, 5}));
  expectContains(shapeRule("Slice", Attributes(),
                           {in(x), i64s({0}), i64s({3}), i64s({0}), i64s({0})}),
                 "steps[0] is 0");
  expectContains(
      shapeRule("Slice", Attributes(), {in(x), i64s({0, 1}), i64s({3})}),
      "same length");
  expectContains(
      shapeRule("Slice", Attributes(), {in(x), i64s({5}), i64s({5})}),
      "selects no element");
  expectContains(shapeRule("Slice", Attributes(),
                           {in(x), i64s({0, 0}), i64s({3, 3}), i64s({1, -2})}),
                 "twice");
  expectContains(shapeRule("Slice", Attributes(),
                           {in(x), i64s({0}), i64s({3}), i64s({3})}),
                 "expected a value in [-3, 2]");
  expectContains(shapeRule("Slice", Attributes(),
                           {in(x), i64s({0, 0, 0, 0}), i64s({1, 1, 1, 1})}),
                 "rank 3");
  expectContains(shapeRule("Slice", Attributes(),
                           {in(x), in(TensorType{DType::I64, {1}}), i64s({1})}),
                 "compile-time constant");
  Info i32{TensorType{DType::I32, {1}}, {1, 0, 0, 0}};
  expectContains(shapeRule("Slice", Attributes(), {in(x), i64s({0}), i32}),
                 "starts has i64");
  expectContains(shapeRule("Slice", Attributes(), {in(x), i64s({0})}),
                 "expected 3 to 5");
  expectContains(
      shapeRule("Slice", Attributes(), {in(f32({})), i64s({0}), i64s({1})}),
      "rank 1 to 6");
}

TEST(OpOcrSlice, ReferenceMatchesSpecExamples) {
  // ONNX Slice documentation, examples 1 and 2.
  OpOperand data{tensor({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8})};
  Shape s;
  EXPECT_EQ(ref1("Slice", Attributes(),
                 {data, ints({1, 0}), ints({2, 3}), ints({0, 1}), ints({1, 2})},
                 &s),
            (std::vector<float>{5, 7}));
  EXPECT_EQ(s, (Shape{1, 2}));
  EXPECT_EQ(
      ref1("Slice", Attributes(), {data, ints({0, 1}), ints({-1, 1000})}, &s),
      (std::vector<float>{2, 3, 4}));
  EXPECT_EQ(s, (Shape{1, 3}));
  // Negative step: reversed, start clamped to dim-1.
  EXPECT_EQ(ref1("Slice", Attributes(),
                 {data, ints({100}), ints({-1000}), ints({1}), ints({-1})}),
            (std::vector<float>{4, 3, 2, 1, 8, 7, 6, 5}));
  EXPECT_EQ(ref1("Slice", Attributes(),
                 {data, ints({-1}), ints({0}), ints({-1}), ints({-2})}),
            (std::vector<float>{4, 2, 8, 6}));
}

TEST(OpOcrSlice, Device) {
  OpOperand x{tt::randomTensor({7, 9, 11}, 71)};
  expectDeviceMatchesReference("Slice", Attributes(),
                               {x, ints({1, -5}), ints({6, 1000})});
  expectDeviceMatchesReference("Slice", Attributes(),
                               {x, ints({-1, 100, 2}), ints({-1000, 0, 9}),
                                ints({2, 0, -2}), ints({-3, -2, 3})});
  expectDeviceMatchesReference("Slice", Attributes(),
                               {x, ints({3}), ints({7}), ints({-1})});
  expectDeviceMatchesReference("Slice", Attributes(),
                               {{tt::randomTensor({3, 2, 5, 4, 3, 7}, 72)},
                                ints({1, 1}),
                                ints({3, 6}),
                                ints({0, 5}),
                                ints({1, 2})});
}

} // namespace
