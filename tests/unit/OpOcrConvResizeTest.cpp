//===- tests/unit/OpOcrConvResizeTest.cpp - ConvTranspose, Resize ---------===//
//
// ConvTranspose: shape-rule errors, the CPU reference (scatter form) against
// hand-computed values, the gather-form shader against it. Resize: errors,
// the reference against the ONNX documentation's examples, the shader
// against the reference for every mode (relative L2 <= 1e-5).
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

struct Info {
  TensorType type;
  std::vector<uint8_t> bytes;
};
Info in(TensorType t) { return {std::move(t), {}}; }
Info f32s(std::vector<float> v) {
  Info r{f32({int64_t(v.size())}), {}};
  r.bytes.resize(v.size() * 4);
  if (!v.empty()) // memcpy from an empty vector's null data() is UB (UBSan)
    std::memcpy(r.bytes.data(), v.data(), r.bytes.size());
  return r;
}
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

OpOperand weightF32(std::vector<float> v) {
  int64_t n = int64_t(v.size());
  return {tensor({n}, std::move(v)), true};
}
OpOperand weightI64(std::vector<int64_t> v) {
  HostTensor t(TensorType{DType::I64, {int64_t(v.size())}});
  for (size_t i = 0; i < v.size(); ++i)
    t.setInt(int64_t(i), v[i]);
  return {t, true};
}

Attributes
ints(std::initializer_list<std::pair<const char *, std::vector<int64_t>>> l) {
  Attributes a;
  for (auto &p : l)
    a.values[p.first] = p.second;
  return a;
}

TEST(OpOcrConvTranspose, ShapeRule) {
  std::vector<TensorType> out;
  // in 5, stride 2, k 3, pads 1+1, output_padding 1: 2*4 + 1 + 3 - 2 = 10.
  Attributes a = ints({{"strides", {2, 2}},
                       {"pads", {1, 1, 1, 1}},
                       {"output_padding", {1, 1}}});
  EXPECT_EQ(shapeRule("ConvTranspose", a,
                      {in(f32({2, 6, 5, 7})), in(f32({6, 4, 3, 3}))}, &out),
            "");
  EXPECT_EQ(out[0], f32({2, 4, 10, 14}));
  Attributes g = ints({{"group", {}}});
  g.values["group"] = int64_t(2);
  EXPECT_EQ(
      shapeRule("ConvTranspose", g,
                {in(f32({1, 6, 5, 5})), in(f32({6, 3, 3, 3})), in(f32({6}))},
                &out),
      "");
  EXPECT_EQ(out[0], f32({1, 6, 7, 7}));
  Attributes os = ints({{"output_shape", {10, 10}}});
  expectContains(shapeRule("ConvTranspose", os,
                           {in(f32({1, 6, 5, 5})), in(f32({6, 3, 3, 3}))}),
                 "'output_shape' is not supported");
  expectContains(shapeRule("ConvTranspose", Attributes(),
                           {in(f32({1, 6, 5, 5})), in(f32({5, 3, 3, 3}))}),
                 "W dim 0 is 5");
  expectContains(shapeRule("ConvTranspose", ints({{"output_padding", {2, 0}}}),
                           {in(f32({1, 6, 5, 5})), in(f32({6, 3, 3, 3}))}),
                 "'output_padding'[0] is 2");
  expectContains(shapeRule("ConvTranspose", ints({{"pads", {3, 0, 3, 0}}}),
                           {in(f32({1, 6, 1, 5})), in(f32({6, 3, 3, 3}))}),
                 "output height is");
  expectContains(
      shapeRule("ConvTranspose", Attributes(),
                {in(f32({1, 6, 5, 5})), in(f32({6, 3, 3, 3})), in(f32({4}))}),
      "one per output channel (3)");
  expectContains(shapeRule("ConvTranspose", Attributes(),
                           {in(f32({6, 5, 5})), in(f32({6, 3, 3, 3}))}),
                 "rank 4");
  expectContains(
      shapeRule("ConvTranspose", Attributes(), {in(f32({1, 6, 5, 5}))}),
      "expected 2 or 3");
}

TEST(OpOcrConvTranspose, ReferenceAndDevice) {
  // 1x1 input 2x2, kernel 2x2 of ones, stride 2: each input fills its block.
  auto y = tt::runReference("ConvTranspose", ints({{"strides", {2, 2}}}),
                            {{tensor({1, 1, 2, 2}, {1, 2, 3, 4})},
                             {tensor({1, 1, 2, 2}, {1, 1, 1, 1}), true}});
  ASSERT_TRUE(bool(y)) << toString(y.takeError());
  EXPECT_EQ((*y)[0].f32().vec(), (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4,
                                              4, 3, 3, 4, 4}));
  // Stride 1, 2x2 ones: overlapping windows add.
  auto z = tt::runReference(
      "ConvTranspose", Attributes(),
      {{tensor({1, 1, 1, 2}, {1, 2})}, {tensor({1, 1, 1, 2}, {1, 1}), true}});
  ASSERT_TRUE(bool(z)) << toString(z.takeError());
  EXPECT_EQ((*z)[0].f32().vec(), (std::vector<float>{1, 3, 2}));
  expectDeviceMatchesReference("ConvTranspose",
                               ints({{"strides", {2, 2}},
                                     {"pads", {1, 0, 1, 1}},
                                     {"output_padding", {1, 0}}}),
                               {{tt::randomTensor({2, 6, 5, 7}, 101)},
                                {tt::randomTensor({6, 4, 3, 3}, 102), true},
                                {tt::randomTensor({4}, 103), true}});
  Attributes g = ints({{"strides", {3, 2}}, {"dilations", {2, 1}}});
  g.values["group"] = int64_t(3);
  expectDeviceMatchesReference("ConvTranspose", g,
                               {{tt::randomTensor({1, 6, 4, 5}, 104)},
                                {tt::randomTensor({6, 1, 2, 3}, 105), true}});
}

Attributes
strs(std::initializer_list<std::pair<const char *, const char *>> l) {
  Attributes a;
  for (auto &p : l)
    a.values[p.first] = std::string(p.second);
  return a;
}

TEST(OpOcrResize, ShapeRule) {
  std::vector<TensorType> out;
  Info x = in(f32({1, 3, 5, 7}));
  Info roi = f32s({});
  roi.type = f32({1});
  roi.bytes.assign(4, 0);
  EXPECT_EQ(
      shapeRule("Resize", Attributes(), {x, roi, f32s({1, 1, 1.5f, 2})}, &out),
      "");
  EXPECT_EQ(out[0], f32({1, 3, 7, 14}));
  // With sizes, the scales input is a placeholder and ignored.
  EXPECT_EQ(shapeRule("Resize", Attributes(),
                      {x, roi, f32s({1, 1, 1, 1}), i64s({1, 3, 9, 4})}, &out),
            "");
  EXPECT_EQ(out[0], f32({1, 3, 9, 4}));
  expectContains(shapeRule("Resize", Attributes(),
                           {x, roi, f32s({1, 1, 1, 1}), i64s({1, 3, 9})}),
                 "sizes has 3 entries");
  expectContains(shapeRule("Resize", strs({{"mode", "cubic"}}),
                           {x, roi, f32s({1, 1, 2, 2})}),
                 "'mode' is 'cubic'");
  expectContains(shapeRule("Resize",
                           strs({{"coordinate_transformation_mode",
                                  "tf_crop_and_resize"}}),
                           {x, roi, f32s({1, 1, 2, 2})}),
                 "supported: half_pixel");
  expectContains(shapeRule("Resize", strs({{"nearest_mode", "up"}}),
                           {x, roi, f32s({1, 1, 2, 2})}),
                 "'nearest_mode' is 'up'");
  expectContains(
      shapeRule("Resize", Attributes(), {x, roi, f32s({1, 2, 2, 2})}),
      "only the last two dims");
  expectContains(shapeRule("Resize", Attributes(), {x, roi, f32s({1, 1, 2})}),
                 "expected one per dim");
  expectContains(
      shapeRule("Resize", Attributes(), {x, roi, f32s({1, 1, 0, 2})}),
      "expected a finite value > 0");
  expectContains(shapeRule("Resize", Attributes(), {x, roi, in(f32({4}))}),
                 "compile-time constant");
  expectContains(shapeRule("Resize", Attributes(), {x}),
                 "neither scales nor sizes");
  expectContains(
      shapeRule("Resize", Attributes(), {in(f32({5})), roi, f32s({2})}),
      "rank 2 to 6");
  Attributes ex;
  ex.values["exclude_outside"] = int64_t(1);
  expectContains(shapeRule("Resize", ex, {x, roi, f32s({1, 1, 2, 2})}),
                 "'exclude_outside' is 1");
}

TEST(OpOcrResize, ReferenceMatchesSpecExamples) {
  OpOperand roi{tensor({1}, std::vector<float>(1, 0.0f)), true};
  // ONNX Resize docs, resize_upsample_scales_nearest: [[1,2],[3,4]] x (2, 3).
  auto y = tt::runReference(
      "Resize", Attributes(),
      {{tensor({1, 1, 2, 2}, {1, 2, 3, 4})}, roi, weightF32({1, 1, 2, 3})});
  ASSERT_TRUE(bool(y)) << toString(y.takeError());
  EXPECT_EQ((*y)[0].f32().vec(),
            (std::vector<float>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
  // resize_upsample_scales_linear (half_pixel), first row.
  auto l = tt::runReference(
      "Resize", strs({{"mode", "linear"}}),
      {{tensor({1, 1, 2, 2}, {1, 2, 3, 4})}, roi, weightF32({1, 1, 2, 2})});
  ASSERT_TRUE(bool(l)) << toString(l.takeError());
  std::vector<float> row(l->at(0).f32().begin(), l->at(0).f32().begin() + 4);
  EXPECT_EQ(row, (std::vector<float>{1, 1.25f, 1.75f, 2}));
  // resize_upsample_scales_linear_align_corners, first row.
  auto a = tt::runReference(
      "Resize",
      strs({{"mode", "linear"},
            {"coordinate_transformation_mode", "align_corners"}}),
      {{tensor({1, 1, 2, 2}, {1, 2, 3, 4})}, roi, weightF32({1, 1, 2, 2})});
  ASSERT_TRUE(bool(a)) << toString(a.takeError());
  EXPECT_NEAR(a->at(0).f32()[1], 1.0f + 1.0f / 3.0f, 1e-6);
  EXPECT_NEAR(a->at(0).f32()[2], 1.0f + 2.0f / 3.0f, 1e-6);
}

TEST(OpOcrResize, DeviceEveryMode) {
  OpOperand roi{tensor({1}, std::vector<float>(1, 0.0f)), true};
  OpOperand x{tt::randomTensor({2, 3, 5, 7}, 111)};
  for (const char *mode : {"nearest", "linear"})
    for (const char *ctm :
         {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"}) {
      Attributes a =
          strs({{"mode", mode}, {"coordinate_transformation_mode", ctm}});
      expectDeviceMatchesReference("Resize", a,
                                   {x, roi, weightF32({1, 1, 2, 3})});
      expectDeviceMatchesReference("Resize", a,
                                   {x, roi, weightF32({1, 1, 1.5f, 0.6f})});
      expectDeviceMatchesReference(
          "Resize", a,
          {x, roi, weightF32({1, 1, 1, 1}), weightI64({2, 3, 9, 4})});
    }
  for (const char *nm :
       {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"})
    expectDeviceMatchesReference("Resize", strs({{"nearest_mode", nm}}),
                                 {x, roi, weightF32({1, 1, 2.5f, 1.75f})});
}

} // namespace
