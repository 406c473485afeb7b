//===- ops/CumSum.cpp - CumSum: running sums along one axis ---------------===//
//
// ONNX CumSum (opset 14): x and axis (a compile-time constant integer
// scalar, negative counts from the end; moved into the attribute `axis` by
// passes/ConstantFolding.cpp, since the lowering sees types only).
// Attributes exclusive (0: element i's sum includes it; 1: only those before
// it) and reverse (1: sums run from the end). On the device
// (shaders/cumsum.comp, one invocation per line, in order): f32 sums in
// f32, i32 and i64 in two's complement with wrap (as NumPy and the
// reference); RoBERTa's position ids are a CumSum of the padding mask.
//
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {
namespace {

/// The normalized axis: input 1 or the attribute.
Expected<int64_t> cumsumAxis(const Node &node, ArrayRef<InputInfo> in) {
  int64_t a;
  if (in.size() > 1) {
    if (node.attrs.has("axis"))
      return opError("axis given both as attribute and as input 1");
    Expected<std::vector<int64_t>> v = readIntInput(in, 1, "axis");
    if (!v)
      return v.takeError();
    if (v->size() != 1)
      return opError("input 1 (axis) has " + Twine(v->size()) +
                     " elements; expected 1");
    a = (*v)[0];
  } else {
    if (!node.attrs.has("axis"))
      return opError("input 1 (axis) is required");
    Expected<int64_t> v = node.attrs.getInt("axis", 0);
    if (!v)
      return v.takeError();
    a = *v;
  }
  return normalizeAxis(a, int64_t(in[0].type.rank()), "axis");
}

Error cumsumInferTypes(const Node &node, ArrayRef<InputInfo> in,
                       SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axis", "exclusive", "reverse"}))
    return e;
  if (Error e = checkInputCount(in, 1, 2))
    return e;
  if (Error e = checkDType(in, 0, "x", kDataDTypes))
    return e;
  if (Error e = checkFits32(in[0].type, "input 0 (x)"))
    return e;
  if (in[0].type.rank() < 1)
    return opError("x must have rank >= 1, got a scalar");
  if (Error e = cumsumAxis(node, in).takeError())
    return e;
  for (const char *flag : {"exclusive", "reverse"})
    if (Error e = getFlagAttr(node, flag, false).takeError())
      return e;
  out.push_back(in[0].type);
  return Error::success();
}

struct Lines {
  int64_t outer = 1, len = 1, inner = 1;
};

Lines linesOf(const Shape &s, int64_t axis) {
  Lines l;
  for (int64_t d = 0; d < int64_t(s.size()); ++d)
    (d < axis ? l.outer : d == axis ? l.len : l.inner) *= s[size_t(d)];
  return l;
}

Error cumsumReference(const Node &node, ArrayRef<const HostTensor *> in,
                      MutableArrayRef<HostTensor> out) {
  SmallVector<InputInfo, 2> info;
  for (const HostTensor *h : in)
    info.push_back({h->type, h->bytes()});
  int64_t axis = verifiedValue(cumsumAxis(node, info));
  bool exclusive = verifiedValue(getFlagAttr(node, "exclusive", false));
  bool reverse = verifiedValue(getFlagAttr(node, "reverse", false));
  Lines l = linesOf(in[0]->type.shape, axis);
  bool isFloat = in[0]->type.dtype == DType::F32;
  for (int64_t o = 0; o < l.outer; ++o)
    for (int64_t i = 0; i < l.inner; ++i) {
      double sum = 0;
      uint64_t isum = 0;
      for (int64_t j = 0; j < l.len; ++j) {
        int64_t at = (o * l.len + (reverse ? l.len - 1 - j : j)) * l.inner + i;
        double v = isFloat ? double(in[0]->f32()[at]) : 0.0;
        uint64_t iv = isFloat ? 0 : uint64_t(in[0]->intAt(at));
        if (!exclusive) {
          sum += v;
          isum += iv;
        }
        if (isFloat)
          out[0].f32()[at] = float(sum);
        else
          out[0].setInt(at, int64_t(isum));
        if (exclusive) {
          sum += v;
          isum += iv;
        }
      }
    }
  return Error::success();
}

void cumsumLower(const Node &node, ArrayRef<TensorType> in,
                 ArrayRef<TensorType>, const KernelTarget &,
                 SmallVectorImpl<DispatchDesc> &d) {
  SmallVector<InputInfo, 1> info{{in[0], {}}};
  int64_t axis = verifiedValue(cumsumAxis(node, info));
  SymShape s = in[0].dims();
  DimExpr outer = 1, inner = 1;
  for (int64_t k = 0; k < int64_t(s.size()); ++k)
    if (k < axis)
      outer *= s[size_t(k)];
    else if (k > axis)
      inner *= s[size_t(k)];
  DispatchDesc c;
  c.shader = "cumsum";
  DimExpr lines = outer * inner;
  setDim(c, 0, lines);
  setDim(c, 1, s[size_t(axis)]);
  setDim(c, 2, inner);
  c.specConstants.push_back(spec::u32(
      verifiedValue(getFlagAttr(node, "exclusive", false)) ? 1u : 0u));
  c.specConstants.push_back(
      spec::u32(verifiedValue(getFlagAttr(node, "reverse", false)) ? 1u : 0u));
  DType t = in[0].dtype;
  c.specConstants.push_back(
      spec::u32(t == DType::I32 ? 1u : t == DType::I64 ? 2u : 0u));
  c.operands = {0, 1};
  c.writes = {1};
  setGrid1D(c, lines, 64);
  d.push_back(c);
}

} // namespace

const OpDef kCumSumOp = symbolicOp({"CumSum", cumsumInferTypes,
                                    cumsumReference, cumsumLower,
                                    /*memory=*/{},
                                    /*referenceDTypes=*/kDataDTypes,
                                    /*deviceDTypes=*/kDataDTypes});

} // namespace tlc
