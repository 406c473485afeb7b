//===- tests/unit/OpOcrElementwiseTest.cpp - PP-OCR elementwise ops -------===//
//
// Sigmoid, HardSigmoid, HardSwish, Sqrt, Clip, Sub, Div and Pow: shape-rule
// errors, CPU references against values computed by hand from the ONNX
// definitions, and the shaders against the CPU references on odd shapes
// (relative L2 <= 1e-5).
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

/// Runs \p op's shape rule on \p infos; returns the error message ("" on
/// success) and stores the output types in \p out.
std::string shapeRule(StringRef op, const Attributes &attrs,
                      std::vector<InputInfo> infos,
                      std::vector<TensorType> *out = nullptr) {
  const OpDef *def = lookupOp(op);
  if (!def)
    return "no such op";
  Node node;
  node.op = op.str();
  node.attrs = attrs;
  node.outputs = {0};
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

std::vector<float> ref1(StringRef op, const Attributes &attrs,
                        const std::vector<OpOperand> &operands) {
  auto y = tt::runReference(op, attrs, operands);
  if (!y) {
    ADD_FAILURE() << toString(y.takeError());
    return {};
  }
  return (*y)[0].f32();
}

const char *const kUnaryOps[] = {"Sigmoid", "HardSigmoid", "HardSwish", "Sqrt",
                                 "Clip"};

TEST(OpOcrUnary, ShapeRuleErrors) {
  std::vector<TensorType> out;
  for (const char *op : kUnaryOps) {
    EXPECT_EQ(shapeRule(op, Attributes(), {{f32({3, 5, 7}), {}}}, &out), "");
    EXPECT_EQ(out[0], f32({3, 5, 7}));
    expectContains(
        shapeRule(op, Attributes(), {{TensorType{DType::I64, {3}}, {}}}),
        "only f32");
    expectContains(shapeRule(op, Attributes(), {}), "expected 1");
    Attributes extra;
    extra.values["axis"] = int64_t(1);
    expectContains(shapeRule(op, extra, {{f32({3}), {}}}),
                   "unknown attribute 'axis'");
  }
  Attributes bad;
  bad.values["alpha"] = std::string("x");
  EXPECT_NE(shapeRule("HardSigmoid", bad, {{f32({3}), {}}}), "");
  Attributes inf;
  inf.values["beta"] = 1e300;
  expectContains(shapeRule("HardSigmoid", inf, {{f32({3}), {}}}),
                 "expected a finite f32");
  expectContains(
      shapeRule("Clip", Attributes(), {{f32({3}), {}}, {f32({2}), {}}}),
      "expected a scalar");
  expectContains(
      shapeRule("Clip", Attributes(),
                {{f32({3}), {}}, {f32({}), {}}, {f32({}), {}}, {f32({}), {}}}),
      "expected 1 to 3");
  expectContains(shapeRule("Clip", Attributes(),
                           {{f32({3}), {}}, {TensorType{DType::I64, {}}, {}}}),
                 "only f32");
}

TEST(OpOcrUnary, ReferenceMatchesHandComputed) {
  OpOperand x{tensor({5}, {-4.0f, -1.0f, 0.0f, 1.0f, 4.0f})};
  std::vector<float> s = ref1("Sigmoid", Attributes(), {x});
  ASSERT_EQ(s.size(), 5u);
  EXPECT_NEAR(s[0], 1.0 / (1.0 + std::exp(4.0)), 1e-7);
  EXPECT_EQ(s[2], 0.5f);
  EXPECT_NEAR(s[4], 1.0 / (1.0 + std::exp(-4.0)), 1e-7);
  // HardSigmoid defaults: 0.2x + 0.5 clamped: -4 -> 0 (-0.3), 1 -> 0.7.
  std::vector<float> hs = ref1("HardSigmoid", Attributes(), {x});
  EXPECT_NEAR(hs[0], 0.0f, 1e-7);
  EXPECT_NEAR(hs[1], 0.3f, 1e-7);
  EXPECT_NEAR(hs[3], 0.7f, 1e-7);
  EXPECT_NEAR(hs[4], 1.0f, 1e-7);
  Attributes ab;
  ab.values["alpha"] = 0.5;
  ab.values["beta"] = 0.25;
  std::vector<float> hs2 = ref1("HardSigmoid", ab, {x});
  EXPECT_NEAR(hs2[1], 0.0f, 1e-7);
  EXPECT_NEAR(hs2[3], 0.75f, 1e-7);
  // HardSwish: x * clamp(x/6 + 1/2): -4 -> 0, -1 -> -1/3, 1 -> 2/3, 4 -> 4.
  std::vector<float> sw = ref1("HardSwish", Attributes(), {x});
  EXPECT_NEAR(sw[0], 0.0f, 1e-7);
  EXPECT_NEAR(sw[1], -1.0f / 3.0f, 1e-7);
  EXPECT_NEAR(sw[3], 2.0f / 3.0f, 1e-7);
  EXPECT_NEAR(sw[4], 4.0f, 1e-7);
  std::vector<float> q =
      ref1("Sqrt", Attributes(), {{tensor({3}, {0.0f, 2.25f, 16.0f})}});
  EXPECT_EQ(q, (std::vector<float>{0.0f, 1.5f, 4.0f}));
  OpOperand lo{tensor({}, {-0.5f}), true}, hi{tensor({1}, {2.0f}), true};
  EXPECT_EQ(ref1("Clip", Attributes(), {x, lo, hi}),
            (std::vector<float>{-0.5f, -0.5f, 0.0f, 1.0f, 2.0f}));
  EXPECT_EQ(ref1("Clip", Attributes(), {x, lo}),
            (std::vector<float>{-0.5f, -0.5f, 0.0f, 1.0f, 4.0f}));
  EXPECT_EQ(ref1("Clip", Attributes(), {x}), x.tensor.f32().vec());
}

TEST(OpOcrUnary, DeviceMatchesReference) {
  Attributes ab;
  ab.values["alpha"] = 0.3;
  ab.values["beta"] = 0.4;
  for (const char *op : {"Sigmoid", "HardSigmoid", "HardSwish"}) {
    expectDeviceMatchesReference(
        op, Attributes(), {{tt::randomTensor({3, 5, 9, 11}, 21, -8, 8)}});
  }
  expectDeviceMatchesReference("HardSigmoid", ab,
                               {{tt::randomTensor({7, 13}, 22, -5, 5)}});
  expectDeviceMatchesReference("Sqrt", Attributes(),
                               {{tt::randomTensor({3, 5, 9, 11}, 23, 0, 9)}});
}

TEST(OpOcrUnary, DeviceClip) {
  OpOperand x{tt::randomTensor({3, 5, 9, 11}, 24, -3, 3)};
  OpOperand lo{tensor({}, {-0.5f}), true}, hi{tensor({1}, {1.25f}), true};
  expectDeviceMatchesReference("Clip", Attributes(), {x, lo, hi});
  expectDeviceMatchesReference("Clip", Attributes(), {x, lo});
  expectDeviceMatchesReference("Clip", Attributes(), {x});
  // Bounds given at run time rather than as weights.
  OpOperand loIn{tensor({}, {0.25f})}, hiIn{tensor({}, {0.5f})};
  expectDeviceMatchesReference("Clip", Attributes(), {x, loIn, hiIn});
}

const char *const kBinaryOps[] = {"Sub", "Div", "Pow"};

TEST(OpOcrBinary, ShapeRuleErrors) {
  std::vector<TensorType> out;
  for (const char *op : kBinaryOps) {
    EXPECT_EQ(shapeRule(op, Attributes(),
                        {{f32({3, 1, 9, 1}), {}}, {f32({5, 1, 11}), {}}}, &out),
              "");
    EXPECT_EQ(out[0], f32({3, 5, 9, 11}));
    expectContains(
        shapeRule(op, Attributes(), {{f32({3, 4}), {}}, {f32({5, 4}), {}}}),
        "not broadcastable");
    expectContains(shapeRule(op, Attributes(), {{f32({3}), {}}}), "expected 2");
    expectContains(
        shapeRule(op, Attributes(),
                  {{f32({3}), {}}, {TensorType{DType::I64, {3}}, {}}}),
        StringRef(op) == "Pow" ? "input 1 (B) has dtype i64; only f32"
                               : "inputs A and B have dtypes f32 and i64");
  }
}

TEST(OpOcrBinary, ReferenceMatchesHandComputed) {
  OpOperand a{tensor({2, 1}, {6, -2})};
  OpOperand b{tensor({3}, {1, 2, 3}), true};
  EXPECT_EQ(ref1("Sub", Attributes(), {a, b}),
            (std::vector<float>{5, 4, 3, -3, -4, -5}));
  EXPECT_EQ(ref1("Div", Attributes(), {a, b}),
            (std::vector<float>{6, 3, 2, -2, -1, -2.0f / 3.0f}));
  EXPECT_EQ(ref1("Pow", Attributes(), {a, b}),
            (std::vector<float>{6, 36, 216, -2, 4, -8}));
}

TEST(OpOcrBinary, DeviceMatchesReference) {
  for (const char *op : {"Sub", "Div"}) {
    expectDeviceMatchesReference(op, Attributes(),
                                 {{tt::randomTensor({7, 13}, 31)},
                                  {tt::randomTensor({7, 13}, 32, 0.5f, 2.0f)}});
    expectDeviceMatchesReference(
        op, Attributes(),
        {{tt::randomTensor({3, 1, 9, 1}, 33)},
         {tt::randomTensor({5, 1, 11}, 34, 0.5f, 2.0f), true}});
  }
  expectDeviceMatchesReference(
      "Pow", Attributes(),
      {{tt::randomTensor({3, 5, 9, 11}, 35, 0.1f, 3.0f)},
       {tt::randomTensor({9, 1}, 36, -2.0f, 2.0f), true}});
  // Negative bases with integral exponents (0 included).
  expectDeviceMatchesReference("Pow", Attributes(),
                               {{tt::randomTensor({5, 7}, 37, -3.0f, 3.0f)},
                                {tensor({7}, {0, 1, 2, 3, -1, -2, 4}), true}});
}

} // namespace
