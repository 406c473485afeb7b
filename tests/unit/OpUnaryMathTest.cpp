//===- tests/unit/OpUnaryMathTest.cpp - ops/UnaryMath.cpp -----------------===//
//
// The math and activation ops of one input: CPU references against values
// computed by hand (Round's halves to even, the activations' branches and
// defaults), the shader against the references on random inputs inside
// each op's domain (a vec4 shape and a scalar one, attributes given and
// defaulted), and the shape rules' errors. The ONNX node tests check the
// same ops against ONNX's own data (ctest onnx_conformance).
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

Attributes attrs(std::initializer_list<std::pair<const char *, double>> kv) {
  Attributes a;
  for (auto &[k, v] : kv)
    a.values[k] = v;
  return a;
}

std::vector<float> referenceOf(StringRef op, const Attributes &a,
                               std::vector<float> x) {
  int64_t n = int64_t(x.size());
  auto y = tt::runReference(op, a, {{tt::tensor({n}, std::move(x))}});
  if (!y) {
    ADD_FAILURE() << toString(y.takeError());
    return {};
  }
  return (*y)[0].f32().vec();
}

TEST(OpUnaryMath, ReferencesByHand) {
  EXPECT_EQ(referenceOf("Round", Attributes(), {0.5f, 1.5f, 2.5f, -0.5f, -2.5f,
                                                2.4f, -2.6f}),
            (std::vector<float>{0, 2, 2, -0.0f, -2, 2, -3}));
  EXPECT_EQ(referenceOf("Sign", Attributes(), {-3, 0, 2}),
            (std::vector<float>{-1, 0, 1}));
  EXPECT_EQ(referenceOf("LeakyRelu", Attributes(), {-2, 3}),
            (std::vector<float>{-0.02f, 3}));
  EXPECT_EQ(referenceOf("LeakyRelu", attrs({{"alpha", 0.5}}), {-2, 3}),
            (std::vector<float>{-1, 3}));
  EXPECT_EQ(referenceOf("ThresholdedRelu", Attributes(), {0.5f, 1.0f, 1.5f}),
            (std::vector<float>{0, 0, 1.5f}));
  EXPECT_EQ(referenceOf("Shrink", attrs({{"bias", 1.0}, {"lambd", 2.0}}),
                        {-3, -1, 0, 1.5f, 3}),
            (std::vector<float>{-2, 0, 0, 0, 2}));
  EXPECT_EQ(referenceOf("Softsign", Attributes(), {-1, 3}),
            (std::vector<float>{-0.5f, 0.75f}));
  std::vector<float> elu = referenceOf("Elu", Attributes(), {-1, 2});
  ASSERT_EQ(elu.size(), 2u);
  EXPECT_FLOAT_EQ(elu[0], float(std::exp(-1.0) - 1.0));
  EXPECT_EQ(elu[1], 2.0f);
  // Selu's ONNX defaults: gamma * x above 0.
  std::vector<float> selu = referenceOf("Selu", Attributes(), {1});
  ASSERT_EQ(selu.size(), 1u);
  EXPECT_FLOAT_EQ(selu[0], 1.05070102214813232421875f);
  // Out of the domain: NaN, as IEEE-754.
  std::vector<float> log = referenceOf("Log", Attributes(), {-1});
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(std::isnan(log[0]));
}

struct Case {
  const char *op;
  float lo, hi; // input range inside the op's domain
  Attributes attrs = Attributes();
};

TEST(OpUnaryMath, DeviceMatchesReference) {
  const Case cases[] = {
      {"Neg", -4, 4},
      {"Abs", -4, 4},
      {"Exp", -5, 5},
      {"Log", 0.05f, 20},
      {"Reciprocal", 0.25f, 8},
      {"Floor", -4, 4},
      {"Ceil", -4, 4},
      {"Round", -4, 4},
      {"Sign", -4, 4},
      {"Sin", -3, 3},
      {"Cos", -3, 3},
      {"Tan", -1.2f, 1.2f},
      {"Asin", -0.99f, 0.99f},
      {"Acos", -0.99f, 0.99f},
      {"Atan", -6, 6},
      {"Sinh", -4, 4},
      {"Cosh", -4, 4},
      {"Asinh", -6, 6},
      {"Acosh", 1.01f, 8},
      {"Atanh", -0.95f, 0.95f},
      {"Softsign", -6, 6},
      {"Softplus", -6, 30}, // past 20: x itself
      {"Elu", -4, 4},
      {"Elu", -4, 4, attrs({{"alpha", 0.7}})},
      {"LeakyRelu", -4, 4},
      {"LeakyRelu", -4, 4, attrs({{"alpha", 0.3}})},
      {"Selu", -4, 4},
      {"Selu", -4, 4, attrs({{"alpha", 2.0}, {"gamma", 3.0}})},
      {"ThresholdedRelu", -4, 4},
      {"ThresholdedRelu", -4, 4, attrs({{"alpha", -0.5}})},
      {"Celu", -4, 4},
      {"Celu", -4, 4, attrs({{"alpha", 2.0}})},
      {"Shrink", -4, 4},
      {"Shrink", -4, 4, attrs({{"bias", 1.5}, {"lambd", 1.0}})},
  };
  uint32_t seed = 40;
  for (const Case &c : cases) {
    SCOPED_TRACE(c.op);
    // 4 * 33 * 8 elements: vec4 accesses; 3 * 7 * 5: one float each.
    for (Shape s : {Shape{4, 33, 8}, Shape{3, 7, 5}})
      tt::expectDeviceMatchesReference(
          c.op, c.attrs, {{tt::randomTensor(s, ++seed, c.lo, c.hi)}});
  }
}

TEST(OpUnaryMath, ShapeRules) {
  auto expectError = [](StringRef op, const Attributes &a, TensorType t,
                        StringRef part) {
    std::string msg = tt::shapeRule(op, a, {std::move(t)});
    EXPECT_NE(msg.find(part.str()), std::string::npos)
        << op.str() << ": '" << msg << "' lacks '" << part.str() << "'";
  };
  expectError("Exp", attrs({{"alpha", 1.0}}), tt::f32({3}),
              "unknown attribute 'alpha'");
  expectError("Elu", attrs({{"alpha", INFINITY}}), tt::f32({3}),
              "attribute 'alpha' is INF; expected a finite f32 value");
  expectError("Selu", attrs({{"gamma", 1e300}}), tt::f32({3}),
              "attribute 'gamma'");
  expectError("Celu", attrs({{"alpha", 0.0}}), tt::f32({3}),
              "Celu divides by it");
  expectError("Neg", Attributes(), TensorType{DType::I64, {3}},
              "only f32 is supported");
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("Shrink", attrs({{"lambd", 1.0}}), {tt::f32({2, 5})},
                          &out),
            "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], tt::f32({2, 5}));
}

} // namespace
