//===- ops/UnaryMath.cpp - Elementwise math and activation ops ------------===//
//
// ONNX elementwise ops of one f32 input (opset 17 semantics), each a row of
// kUnaryMath: name, shaders/unary.comp operation code, CPU reference (in
// double) and up to two float attributes with their defaults, passed to the
// shader as P0 and P1.
//
//   Neg, Abs, Exp, Log, Reciprocal, Floor, Ceil, Sign;
//   Round: halves to even (ONNX Round; C's nearbyint in the default
//     rounding mode, GLSL roundEven);
//   Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh;
//   Softsign x / (1 + |x|); Softplus log(1 + exp(x)) (x above 20: x);
//   Elu(alpha = 1): x < 0 ? alpha (exp(x) - 1) : x;
//   LeakyRelu(alpha = 0.01): x < 0 ? alpha x : x;
//   Selu(alpha = 1.67326..., gamma = 1.05070...): gamma (x <= 0 ?
//     alpha exp(x) - alpha : x);
//   ThresholdedRelu(alpha = 1): x > alpha ? x : 0;
//   Celu(alpha = 1): max(0, x) + min(0, alpha (exp(x / alpha) - 1));
//   Shrink(bias = 0, lambd = 0.5): x < -lambd ? x + bias : x > lambd ?
//     x - bias : 0.
//
// Out-of-domain inputs (Log of a negative, Acosh below 1) give NaN, as
// IEEE-754 and the ONNX reference implementation do.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace llvm;

namespace tlc {
namespace {

struct UnaryMath {
  const char *name;
  UnaryOpCode code;
  double (*fn)(double x, double p0, double p1);
  const char *attr0 = nullptr; // P0's attribute, or null
  double default0 = 0;
  const char *attr1 = nullptr; // P1's attribute, or null
  double default1 = 0;
};

/// ONNX Selu's defaults (the operator's documentation, to f32 precision).
constexpr double kSeluAlpha = 1.67326319217681884765625;
constexpr double kSeluGamma = 1.05070102214813232421875;

const UnaryMath kUnaryMath[] = {
    {"Neg", UnaryOpCode::Neg, [](double x, double, double) { return -x; }},
    {"Abs", UnaryOpCode::Abs,
     [](double x, double, double) { return std::fabs(x); }},
    {"Exp", UnaryOpCode::Exp,
     [](double x, double, double) { return std::exp(x); }},
    {"Log", UnaryOpCode::Log,
     [](double x, double, double) { return std::log(x); }},
    {"Reciprocal", UnaryOpCode::Reciprocal,
     [](double x, double, double) { return 1.0 / x; }},
    {"Floor", UnaryOpCode::Floor,
     [](double x, double, double) { return std::floor(x); }},
    {"Ceil", UnaryOpCode::Ceil,
     [](double x, double, double) { return std::ceil(x); }},
    {"Round", UnaryOpCode::Round,
     [](double x, double, double) { return std::nearbyint(x); }},
    {"Sign", UnaryOpCode::Sign,
     [](double x, double, double) {
       return x > 0 ? 1.0 : x < 0 ? -1.0 : x; // 0 and NaN stay
     }},
    {"Sin", UnaryOpCode::Sin,
     [](double x, double, double) { return std::sin(x); }},
    {"Cos", UnaryOpCode::Cos,
     [](double x, double, double) { return std::cos(x); }},
    {"Tan", UnaryOpCode::Tan,
     [](double x, double, double) { return std::tan(x); }},
    {"Asin", UnaryOpCode::Asin,
     [](double x, double, double) { return std::asin(x); }},
    {"Acos", UnaryOpCode::Acos,
     [](double x, double, double) { return std::acos(x); }},
    {"Atan", UnaryOpCode::Atan,
     [](double x, double, double) { return std::atan(x); }},
    {"Sinh", UnaryOpCode::Sinh,
     [](double x, double, double) { return std::sinh(x); }},
    {"Cosh", UnaryOpCode::Cosh,
     [](double x, double, double) { return std::cosh(x); }},
    {"Asinh", UnaryOpCode::Asinh,
     [](double x, double, double) { return std::asinh(x); }},
    {"Acosh", UnaryOpCode::Acosh,
     [](double x, double, double) { return std::acosh(x); }},
    {"Atanh", UnaryOpCode::Atanh,
     [](double x, double, double) { return std::atanh(x); }},
    {"Softsign", UnaryOpCode::Softsign,
     [](double x, double, double) { return x / (1.0 + std::fabs(x)); }},
    {"Softplus", UnaryOpCode::Softplus,
     [](double x, double, double) {
       return x > 20.0 ? x : std::log1p(std::exp(x));
     }},
    {"Elu", UnaryOpCode::Elu,
     [](double x, double a, double) { return x < 0 ? a * std::expm1(x) : x; },
     "alpha", 1.0},
    {"LeakyRelu", UnaryOpCode::LeakyRelu,
     [](double x, double a, double) { return x < 0 ? a * x : x; }, "alpha",
     0.01},
    {"Selu", UnaryOpCode::Selu,
     [](double x, double a, double g) {
       return g * (x <= 0 ? a * std::exp(x) - a : x);
     },
     "alpha", kSeluAlpha, "gamma", kSeluGamma},
    {"ThresholdedRelu", UnaryOpCode::ThresholdedRelu,
     [](double x, double a, double) { return x > a ? x : 0.0; }, "alpha",
     1.0},
    {"Celu", UnaryOpCode::Celu,
     [](double x, double a, double) {
       return std::max(0.0, x) + std::min(0.0, a * std::expm1(x / a));
     },
     "alpha", 1.0},
    {"Shrink", UnaryOpCode::Shrink,
     [](double x, double bias, double lambd) {
       return x < -lambd ? x + bias : x > lambd ? x - bias : 0.0;
     },
     "bias", 0.0, "lambd", 0.5},
};

/// P0 and P1 of \p node for row \p m: its attributes as f32 (the shape rule
/// has checked they are finite f32 values), or the defaults.
std::pair<float, float> params(const UnaryMath &m, const Node &node) {
  float p0 = m.attr0 ? float(cantFail(node.attrs.getFloat(m.attr0, m.default0)))
                     : 0.0f;
  float p1 = m.attr1 ? float(cantFail(node.attrs.getFloat(m.attr1, m.default1)))
                     : 0.0f;
  return {p0, p1};
}

template <size_t I>
Error inferTypes(const Node &node, ArrayRef<InputInfo> in,
                 SmallVectorImpl<TensorType> &out) {
  const UnaryMath &m = kUnaryMath[I];
  SmallVector<StringRef, 2> known;
  for (const char *attr : {m.attr0, m.attr1}) {
    if (!attr)
      continue;
    known.push_back(attr);
    Expected<double> v = node.attrs.getFloat(attr, 0.0);
    if (!v)
      return v.takeError();
    if (!std::isfinite(float(*v)))
      return opError("attribute '" + Twine(attr) + "' is " +
                     formatv("{0}", *v).str() + "; expected a finite f32 value");
  }
  if (m.code == UnaryOpCode::Celu && float(params(m, node).first) == 0.0f)
    return opError("attribute 'alpha' is 0; Celu divides by it");
  llvm::sort(known);
  return inferUnaryTypesWithAttrs(node, in, out, known);
}

template <size_t I>
Error reference(const Node &node, ArrayRef<const HostTensor *> in,
                MutableArrayRef<HostTensor> out) {
  const UnaryMath &m = kUnaryMath[I];
  auto [p0, p1] = params(m, node);
  ArrayRef<float> x = in[0]->f32();
  MutableArrayRef<float> y = out[0].f32();
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = float(m.fn(double(x[i]), double(p0), double(p1)));
  return Error::success();
}

template <size_t I>
void lower(const Node &node, ArrayRef<TensorType>, ArrayRef<TensorType> out,
           const KernelTarget &, SmallVectorImpl<DispatchDesc> &d) {
  const UnaryMath &m = kUnaryMath[I];
  auto [p0, p1] = params(m, node);
  d.push_back(lowerUnary(m.code, out[0].numElementsExpr(), p0, p1));
}

template <size_t I> OpDef unaryMathOp() {
  return symbolicOp({kUnaryMath[I].name,
                     inferTypes<I>,
                     reference<I>,
                     lower<I>,
                     {/*isView=*/false, /*inPlaceInputs=*/{0}}});
}

} // namespace

const OpDef kNegOp = unaryMathOp<0>();
const OpDef kAbsOp = unaryMathOp<1>();
const OpDef kExpOp = unaryMathOp<2>();
const OpDef kLogOp = unaryMathOp<3>();
const OpDef kReciprocalOp = unaryMathOp<4>();
const OpDef kFloorOp = unaryMathOp<5>();
const OpDef kCeilOp = unaryMathOp<6>();
const OpDef kRoundOp = unaryMathOp<7>();
const OpDef kSignOp = unaryMathOp<8>();
const OpDef kSinOp = unaryMathOp<9>();
const OpDef kCosOp = unaryMathOp<10>();
const OpDef kTanOp = unaryMathOp<11>();
const OpDef kAsinOp = unaryMathOp<12>();
const OpDef kAcosOp = unaryMathOp<13>();
const OpDef kAtanOp = unaryMathOp<14>();
const OpDef kSinhOp = unaryMathOp<15>();
const OpDef kCoshOp = unaryMathOp<16>();
const OpDef kAsinhOp = unaryMathOp<17>();
const OpDef kAcoshOp = unaryMathOp<18>();
const OpDef kAtanhOp = unaryMathOp<19>();
const OpDef kSoftsignOp = unaryMathOp<20>();
const OpDef kSoftplusOp = unaryMathOp<21>();
const OpDef kEluOp = unaryMathOp<22>();
const OpDef kLeakyReluOp = unaryMathOp<23>();
const OpDef kSeluOp = unaryMathOp<24>();
const OpDef kThresholdedReluOp = unaryMathOp<25>();
const OpDef kCeluOp = unaryMathOp<26>();
const OpDef kShrinkOp = unaryMathOp<27>();

// Each definition names its own row.
static_assert(sizeof(kUnaryMath) / sizeof(kUnaryMath[0]) == 28,
              "one k<Name>Op above per row of kUnaryMath");

} // namespace tlc
