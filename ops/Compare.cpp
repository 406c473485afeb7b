//===- ops/Compare.cpp - Equal, Less, LessOrEqual, Greater, GreaterOrEqual -===//
//
// ONNX comparisons (opset 16): two inputs of one dtype, numpy broadcasting,
// a boolean out (held as i64 0/1, as tlc holds ONNX booleans). f32 inputs
// compare as IEEE-754 floats (NaN compares false). They fold when their
// inputs are constant (GPT-2's causal mask, when its length is fixed) and
// otherwise run shaders/compare.comp (output rank <= 6), which And, Or, Xor
// and Not (ops/Logical.cpp) share.
//
//===----------------------------------------------------------------------===//
#include "ops/BooleanBinary.h"
#include "ops/Binary.h"
#include "ops/Broadcast.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

enum class Comparison { Equal, Less, LessOrEqual, Greater, GreaterOrEqual };

static Comparison comparisonOf(StringRef op) {
  return op == "Equal"         ? Comparison::Equal
         : op == "Less"        ? Comparison::Less
         : op == "LessOrEqual" ? Comparison::LessOrEqual
         : op == "Greater"     ? Comparison::Greater
                               : Comparison::GreaterOrEqual;
}

template <typename T> static bool compare(Comparison c, T x, T y) {
  switch (c) {
  case Comparison::Equal:
    return x == y;
  case Comparison::Less:
    return x < y;
  case Comparison::LessOrEqual:
    return x <= y;
  case Comparison::Greater:
    return x > y;
  case Comparison::GreaterOrEqual:
    return x >= y;
  }
  return false;
}

Error inferBooleanBinaryTypes(const Node &node, ArrayRef<InputInfo> in,
                              SmallVectorImpl<TensorType> &out,
                              DTypeSet allowed) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  for (unsigned i = 0; i < 2; ++i)
    if (Error e = checkDType(in, i, i == 0 ? "A" : "B", allowed))
      return e;
  if (in[0].type.dtype != in[1].type.dtype)
    return opError("inputs have dtypes " + dtypeName(in[0].type.dtype) +
                   " and " + dtypeName(in[1].type.dtype));
  Expected<SymShape> s = broadcastShapes(in[0].type.dims(), in[1].type.dims());
  if (!s)
    return s.takeError();
  if (s->size() > kBinaryMaxRank)
    return opError("the output has rank " + Twine(s->size()) +
                   "; at most " + Twine(kBinaryMaxRank) + " supported");
  out.push_back(TensorType::withDims(DType::I64, *s));
  return Error::success();
}

DispatchDesc lowerBooleanOp(BooleanOpCode code, const TensorType &a,
                            const TensorType &b, const TensorType &out,
                            unsigned y) {
  SymShape od = out.dims();
  BinaryLayout l = coalesceBinary(od, broadcastStrides(a.dims(), od),
                                  broadcastStrides(b.dims(), od));
  DispatchDesc d;
  d.shader = "compare";
  DimExpr n = out.numElementsExpr();
  d.specConstants = spec::u32s({0, uint32_t(code)});
  setDim(d, 0, n);
  setBroadcastConstants(d, l.dims, {l.sa, l.sb}, 2, {8, 14});
  uint32_t dtype = a.dtype == DType::F32 ? 0u : a.dtype == DType::I32 ? 1u : 2u;
  d.specConstants.push_back(spec::u32(dtype)); // 20: DTYPE
  d.operands = {0, code == BooleanOpCode::Not ? 0u : 1u, y};
  d.writes = {2};
  setGrid1D(d, n, 256);
  return d;
}

static Error compareInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  return inferBooleanBinaryTypes(node, in, out, kDataDTypes);
}

static Error compareReference(const Node &node,
                              ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  Comparison c = comparisonOf(node.op);
  const HostTensor &a = *in[0], &b = *in[1];
  const Shape &os = out[0].type.shape;
  std::vector<int64_t> ia = broadcastIndices(a.type.shape, os);
  std::vector<int64_t> ib = broadcastIndices(b.type.shape, os);
  bool isFloat = a.type.dtype == DType::F32;
  for (size_t i = 0; i < ia.size(); ++i)
    out[0].setInt(int64_t(i),
                  isFloat ? compare(c, a.f32()[ia[i]], b.f32()[ib[i]])
                          : compare(c, a.intAt(ia[i]), b.intAt(ib[i])));
  return Error::success();
}

/// Comparisons of shape values (an exporter's Equal(shape, -1)): decided
/// where the two expressions' difference has one sign over the whole range,
/// refused where it has not.
static Error compareFoldSymbolic(const Node &node, ArrayRef<SymTensor> in,
                                 MutableArrayRef<SymTensor> out) {
  Comparison c = comparisonOf(node.op);
  if (in[0].type.dtype == DType::F32)
    return opError("f32 comparisons do not fold over symbols");
  std::vector<int64_t> ia = broadcastIndices(in[0].type.shape, out[0].type.shape);
  std::vector<int64_t> ib = broadcastIndices(in[1].type.shape, out[0].type.shape);
  for (size_t i = 0; i < ia.size(); ++i) {
    const DimExpr &x = in[0].elems[size_t(ia[i])], &y = in[1].elems[size_t(ib[i])];
    DimExpr d = x - y;
    int64_t lo = d.lowerBound(), hi = d.upperBound();
    bool result;
    if (d.isConstant()) {
      result = compare(c, d.constant(), int64_t(0));
    } else if (compare(c, lo, int64_t(0)) == compare(c, hi, int64_t(0)) &&
               (c != Comparison::Equal || lo > 0 || hi < 0)) {
      // One sign over [lo, hi] decides Less/Greater...; Equal is decided
      // (false) only when 0 lies outside.
      result = compare(c, lo, int64_t(0));
    } else {
      return opError("cannot decide " + x.str() + " against " + y.str() +
                     " for every value of the symbols");
    }
    out[0].elems[i] = int64_t(result);
  }
  return Error::success();
}

template <BooleanOpCode Code>
static void compareLower(const Node &, ArrayRef<TensorType> in,
                         ArrayRef<TensorType> out, const KernelTarget &,
                         SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerBooleanOp(Code, in[0], in[1], out[0], 2));
}

#define TLC_COMPARISON(NAME)                                                   \
  const OpDef k##NAME##Op = withSymbolicFold(                                  \
      symbolicOp({#NAME, compareInferTypes, compareReference,                  \
                  compareLower<BooleanOpCode::NAME>, /*memory=*/{},            \
                  /*referenceDTypes=*/kDataDTypes,                             \
                  /*deviceDTypes=*/{DType::I64}}),                             \
      compareFoldSymbolic);
TLC_COMPARISON(Equal)
TLC_COMPARISON(Less)
TLC_COMPARISON(LessOrEqual)
TLC_COMPARISON(Greater)
TLC_COMPARISON(GreaterOrEqual)
#undef TLC_COMPARISON

} // namespace tlc
