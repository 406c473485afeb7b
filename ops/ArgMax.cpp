//===- ops/ArgMax.cpp - ArgMax and ArgMin along one axis ------------------===//
//
// ONNX ArgMax and ArgMin (opset 13): the index (i64) of the largest
// (smallest) element along `axis` (default 0, negative counts from the
// end); keepdims (default 1) keeps that dim as 1; select_last_index
// (default 0) takes the last of equal extremes instead of the first. f32 on
// the device (shaders/argmax.comp, one invocation per output element); i32
// and i64 inputs fold at compile time.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {
namespace {

/// The axis of \p node for an input of rank \p rank, or an error.
Expected<int64_t> argAxis(const Node &node, int64_t rank) {
  Expected<int64_t> a = node.attrs.getInt("axis", 0);
  if (!a)
    return a.takeError();
  return normalizeAxis(*a, rank, "axis");
}

Error argInferTypes(const Node &node, ArrayRef<InputInfo> in,
                    SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axis", "keepdims", "select_last_index"}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkDType(in, 0, "data", kDataDTypes))
    return e;
  if (Error e = checkFits32(in[0].type, "input 0 (data)"))
    return e;
  SymShape s = in[0].type.dims();
  if (s.empty())
    return opError("input 0 (data) must have rank >= 1, got a scalar");
  Expected<int64_t> axis = argAxis(node, int64_t(s.size()));
  if (!axis)
    return axis.takeError();
  Expected<bool> keep = getFlagAttr(node, "keepdims", true);
  if (!keep)
    return keep.takeError();
  if (Error e = getFlagAttr(node, "select_last_index", false).takeError())
    return e;
  SymShape o;
  for (size_t d = 0; d < s.size(); ++d)
    if (int64_t(d) != *axis)
      o.push_back(s[d]);
    else if (*keep)
      o.push_back(1);
  out.push_back(TensorType::withDims(DType::I64, o));
  return Error::success();
}

template <bool IsMin>
Error argReference(const Node &node, ArrayRef<const HostTensor *> in,
                   MutableArrayRef<HostTensor> out) {
  const Shape &s = in[0]->type.shape;
  int64_t axis = verifiedValue(argAxis(node, int64_t(s.size())));
  bool last = verifiedValue(getFlagAttr(node, "select_last_index", false));
  int64_t outer = 1, len = s[size_t(axis)], inner = 1;
  for (size_t d = 0; d < s.size(); ++d)
    (int64_t(d) < axis ? outer : inner) *= int64_t(d) == axis ? 1 : s[d];
  bool isFloat = in[0]->type.dtype == DType::F32;
  auto at = [&](int64_t i) {
    return isFloat ? double(in[0]->f32()[i]) : double(in[0]->intAt(i));
  };
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t base = o * len * inner + i, best = 0;
      for (int64_t l = 1; l < len; ++l) {
        double v = at(base + l * inner), b = at(base + best * inner);
        bool better = IsMin ? v < b : v > b;
        if (better || (last && v == b))
          best = l;
      }
      out[0].setInt(o * inner + i, best);
    }
  return Error::success();
}

template <bool IsMin>
void argLower(const Node &node, ArrayRef<TensorType> in,
              ArrayRef<TensorType> out, const KernelTarget &,
              SmallVectorImpl<DispatchDesc> &d) {
  SymShape s = in[0].dims();
  int64_t axis = verifiedValue(argAxis(node, int64_t(s.size())));
  bool last = verifiedValue(getFlagAttr(node, "select_last_index", false));
  DimExpr inner = 1;
  for (size_t i = size_t(axis) + 1; i < s.size(); ++i)
    inner *= s[i];
  DispatchDesc c;
  c.shader = "argmax";
  DimExpr n = out[0].numElementsExpr();
  setDim(c, 0, n);
  setDim(c, 1, s[size_t(axis)]);
  setDim(c, 2, inner);
  c.specConstants.push_back(spec::u32(IsMin ? 1u : 0u)); // 3: IS_MIN
  c.specConstants.push_back(spec::u32(last ? 1u : 0u));  // 4: SELECT_LAST
  c.operands = {0, 1};
  c.writes = {1};
  setGrid1D(c, n, 64);
  d.push_back(c);
}

template <bool IsMin> OpDef argOp(const char *name) {
  OpDef def = symbolicOp(
      {name, argInferTypes, argReference<IsMin>, argLower<IsMin>});
  def.referenceDTypes = kDataDTypes;
  def.deviceDTypes = {DType::I64};
  return def;
}

} // namespace

const OpDef kArgMaxOp = argOp<false>("ArgMax");
const OpDef kArgMinOp = argOp<true>("ArgMin");

} // namespace tlc
