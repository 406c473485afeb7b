//===- ops/Reduce.cpp - ReduceSum, ReduceMean, ReduceMax, ... -------------===//
//
// The ONNX reductions over axes (opset 13, unchanged through 17): ReduceSum,
// ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
// ReduceLogSum, ReduceLogSumExp and ReduceSumSquare. Attributes: axes
// (default: every dim; negative counts from the end; no duplicates) and
// keepdims (default 1: reduced dims stay as 1; 0: they are dropped).
// ReduceSum takes its axes as an optional second input instead (a
// compile-time constant, i64; opset 18 does the same for every reduction,
// so each accepts both forms) and has noop_with_empty_axes: with no axes
// (absent or empty) and noop_with_empty_axes = 1 the output is the input.
// passes/ConstantFolding.cpp moves a constant axes input into the attribute,
// so the lowering reads the attribute only.
//
// f32 input of rank 1 to 6 on the device; Sum, Max, Min and Prod also fold
// i32 and i64 (shape arithmetic) at compile time. Shader: shaders/reduce.comp
// (OP = ReduceKind), one invocation per output element folding its box in
// f32, row-major (the CPU reference accumulates in f64, i64 for integers).
//
//===----------------------------------------------------------------------===//
#include "ops/Reduce.h"
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <cmath>
#include <limits>

using namespace llvm;

namespace tlc {

namespace {

/// Whether \p k folds integer tensors too (its result is an integer).
constexpr bool foldsIntegers(ReduceKind k) {
  return k == ReduceKind::Sum || k == ReduceKind::Max ||
         k == ReduceKind::Min || k == ReduceKind::Prod;
}

/// The axes a node lists: the attribute, or input 1 when present (ReduceSum
/// since opset 13). std::nullopt when neither lists any (absent or empty).
Expected<std::optional<std::vector<int64_t>>>
listedAxes(const Node &node, ArrayRef<InputInfo> in) {
  std::vector<int64_t> axes;
  if (in.size() > 1) {
    if (node.attrs.has("axes"))
      return opError("axes given both as attribute and as input 1");
    Expected<std::vector<int64_t>> v = readIntInput(in, 1, "axes");
    if (!v)
      return v.takeError();
    axes = std::move(*v);
  } else if (node.attrs.has("axes")) {
    Expected<std::vector<int64_t>> v = node.attrs.getInts("axes", {});
    if (!v)
      return v.takeError();
    axes = std::move(*v);
  }
  if (axes.empty())
    return std::optional<std::vector<int64_t>>();
  return std::optional<std::vector<int64_t>>(std::move(axes));
}

/// Which dims of a rank-\p rank input the node reduces (none for a ReduceSum
/// no-op), or an error for bad axes / flags.
Expected<SmallVector<bool, 6>> reducedDims(const Node &node,
                                           ArrayRef<InputInfo> in,
                                           int64_t rank) {
  Expected<std::optional<std::vector<int64_t>>> axes = listedAxes(node, in);
  if (!axes)
    return axes.takeError();
  Expected<bool> noop = getFlagAttr(node, "noop_with_empty_axes", false);
  if (!noop)
    return noop.takeError();
  SmallVector<bool, 6> r(size_t(rank), !*noop);
  if (!*axes)
    return r;
  r.assign(size_t(rank), false);
  for (int64_t a : **axes) {
    Expected<int64_t> ax = normalizeAxis(a, rank, "axes");
    if (!ax)
      return ax.takeError();
    if (r[*ax])
      return opError("axes lists dim " + Twine(*ax) + " twice");
    r[*ax] = true;
  }
  return r;
}

template <ReduceKind K>
Error reduceInferTypes(const Node &node, ArrayRef<InputInfo> in,
                       SmallVectorImpl<TensorType> &out) {
  bool withNoop = K == ReduceKind::Sum;
  if (Error e = withNoop ? checkKnownAttrs(node, {"axes", "keepdims",
                                                  "noop_with_empty_axes"})
                         : checkKnownAttrs(node, {"axes", "keepdims"}))
    return e;
  if (Error e = checkInputCount(in, 1, 2))
    return e;
  if (Error e = foldsIntegers(K) ? checkDType(in, 0, "data", kDataDTypes)
                                 : checkF32(in, 0, "data"))
    return e;
  if (Error e = checkFits32(in[0].type, "input 0 (data)"))
    return e;
  SymShape s = in[0].type.dims();
  if (s.empty() || s.size() > kReduceMaxRank)
    return opError("input 0 (data) " + in[0].type.str() +
                   " must have rank 1 to " + Twine(kReduceMaxRank));
  Expected<bool> keep = getFlagAttr(node, "keepdims", true);
  if (!keep)
    return keep.takeError();
  Expected<SmallVector<bool, 6>> r = reducedDims(node, in, int64_t(s.size()));
  if (!r)
    return r.takeError();
  SymShape o;
  for (size_t d = 0; d < s.size(); ++d) {
    if (!(*r)[d])
      o.push_back(s[d]);
    else if (*keep)
      o.push_back(1);
  }
  out.push_back(TensorType::withDims(in[0].type.dtype, o));
  return Error::success();
}

/// The input types and bytes of a reference call, for reducedDims.
SmallVector<InputInfo, 2> infosOf(ArrayRef<const HostTensor *> in) {
  SmallVector<InputInfo, 2> r;
  for (const HostTensor *h : in)
    r.push_back({h->type, h->bytes()});
  return r;
}

/// Folds \p vals (one box) as K does, in double: the f32 reference.
template <ReduceKind K> double foldBox(ArrayRef<double> vals) {
  double m = -std::numeric_limits<double>::infinity();
  for (double v : vals)
    m = std::max(m, v);
  double acc = K == ReduceKind::Max   ? -std::numeric_limits<double>::infinity()
               : K == ReduceKind::Min ? std::numeric_limits<double>::infinity()
               : K == ReduceKind::Prod ? 1.0
                                       : 0.0;
  for (double v : vals) {
    switch (K) {
    case ReduceKind::Max: acc = std::max(acc, v); break;
    case ReduceKind::Min: acc = std::min(acc, v); break;
    case ReduceKind::Prod: acc *= v; break;
    case ReduceKind::L1: acc += std::fabs(v); break;
    case ReduceKind::L2:
    case ReduceKind::SumSquare: acc += v * v; break;
    case ReduceKind::LogSumExp: acc += std::exp(v - m); break;
    default: acc += v; break;
    }
  }
  switch (K) {
  case ReduceKind::Mean: return acc / double(vals.size());
  case ReduceKind::L2: return std::sqrt(acc);
  case ReduceKind::LogSum: return std::log(acc);
  case ReduceKind::LogSumExp: return std::isinf(m) ? m : m + std::log(acc);
  default: return acc;
  }
}

/// Folds integer \p vals as K (Sum, Max, Min, Prod) does.
template <ReduceKind K> int64_t foldIntBox(ArrayRef<int64_t> vals) {
  int64_t acc = K == ReduceKind::Max   ? std::numeric_limits<int64_t>::min()
                : K == ReduceKind::Min ? std::numeric_limits<int64_t>::max()
                : K == ReduceKind::Prod ? 1
                                        : 0;
  for (int64_t v : vals) {
    // Unsigned arithmetic wraps as two's complement, as the onnx reference
    // (NumPy) does, instead of overflowing.
    if (K == ReduceKind::Max)
      acc = std::max(acc, v);
    else if (K == ReduceKind::Min)
      acc = std::min(acc, v);
    else if (K == ReduceKind::Prod)
      acc = int64_t(uint64_t(acc) * uint64_t(v));
    else
      acc = int64_t(uint64_t(acc) + uint64_t(v));
  }
  return acc;
}

template <ReduceKind K>
Error reduceReference(const Node &node, ArrayRef<const HostTensor *> in,
                      MutableArrayRef<HostTensor> out) {
  const Shape &s = in[0]->type.shape;
  SmallVector<bool, 6> r =
      verifiedValue(reducedDims(node, infosOf(in), int64_t(s.size())));
  Shape kept, box;
  for (size_t d = 0; d < s.size(); ++d) {
    kept.push_back(r[d] ? 1 : s[d]);
    box.push_back(r[d] ? s[d] : 1);
  }
  Shape is = rowMajorStrides(s);
  bool isFloat = in[0]->type.dtype == DType::F32;
  int64_t n = out[0].type.numElements(), count = 1;
  for (int64_t b : box)
    count *= b;
  std::vector<double> vals;
  std::vector<int64_t> ints;
  Shape oc(s.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t base = 0;
    for (size_t d = 0; d < s.size(); ++d)
      base += oc[d] * is[d];
    vals.clear();
    ints.clear();
    Shape bc(s.size(), 0);
    for (int64_t j = 0; j < count; ++j) {
      int64_t off = base;
      for (size_t d = 0; d < s.size(); ++d)
        off += bc[d] * is[d];
      if (isFloat)
        vals.push_back(in[0]->f32()[off]);
      else
        ints.push_back(in[0]->intAt(off));
      for (size_t d = s.size(); d-- > 0;) {
        if (++bc[d] < box[d])
          break;
        bc[d] = 0;
      }
    }
    if (isFloat)
      out[0].f32()[i] = float(foldBox<K>(vals));
    else
      out[0].setInt(i, foldIntBox<K>(ints));
    for (size_t d = s.size(); d-- > 0;) {
      if (++oc[d] < kept[d])
        break;
      oc[d] = 0;
    }
  }
  return Error::success();
}

/// Elements per reduced box from which the "gpu" profile reduces each box
/// with a whole workgroup (shaders/reduce.comp, SUBGROUP build): below it, a
/// box is at most a few loads per invocation of that workgroup.
constexpr uint64_t kReduceWideBox = 256;

template <ReduceKind K>
void reduceLower(const Node &node, ArrayRef<TensorType> in,
                 ArrayRef<TensorType>, const KernelTarget &target,
                 SmallVectorImpl<DispatchDesc> &d) {
  // ConstantFolding has moved a constant axes input into the attribute; a
  // node with one left is refused by the verifier (its input is not f32).
  SmallVector<InputInfo, 1> info{{in[0], {}}};
  SmallVector<bool, 6> r =
      verifiedValue(reducedDims(node, info, int64_t(in[0].rank())));
  appendReduceDispatch(K, in[0].dims(), r, 0, 1, 0.0f, target, d);
}

} // namespace

void appendReduceDispatch(ReduceKind kind, const SymShape &s,
                          ArrayRef<bool> r, unsigned inOperand,
                          unsigned outOperand, float epsilon,
                          const KernelTarget &target,
                          SmallVectorImpl<DispatchDesc> &d) {
  assert(!s.empty() && s.size() <= kReduceMaxRank && r.size() == s.size());
  // Dims as expressions: output dims, box dims and strides are run-time
  // values of the dyn build when symbolic.
  size_t pad = kReduceMaxRank - s.size();
  SymShape k(pad, DimExpr(1)), b(pad, DimExpr(1)), st(pad, DimExpr(0));
  SymShape is(s.size(), DimExpr(1)); // row-major strides
  for (size_t i = s.size(); i-- > 1;)
    is[i - 1] = is[i] * s[i];
  DimExpr count = 1, n = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    k.push_back(r[i] ? DimExpr(1) : s[i]);
    b.push_back(r[i] ? s[i] : DimExpr(1));
    (r[i] ? count : n) *= s[i];
  }
  st.append(is.begin(), is.end());
  DispatchDesc c;
  // Large boxes (a spatial mean over H*W) get a workgroup per output with
  // subgroup operations when the target has them; small boxes keep one
  // invocation per output, which spreads many outputs over the GPU better.
  // Either is correct for any count: a symbolic count is judged at its
  // bound, where the plan's cost lies.
  bool wide = target.subgroupArithmetic &&
              uint64_t(count.upperBound()) >= kReduceWideBox;
  c.shader = wide ? "reduce_subgroup" : "reduce";
  // INV_BITS (constant 2) = 1 / count when count is a constant; 0 when it
  // is symbolic: the dyn build then divides by COUNT (the runtime computes
  // integers only). Mean and InvStdDev read it.
  uint32_t inv =
      count.isConstant() ? floatBits(float(1.0 / double(count.constant()))) : 0u;
  c.specConstants = spec::u32s({0, 0, inv});
  setDim(c, 0, n);
  setDim(c, 1, count);
  for (size_t i = 0; i < kReduceMaxRank; ++i) {
    setDim(c, unsigned(3 + i), k[i]);
    setDim(c, unsigned(9 + i), b[i]);
    setDim(c, unsigned(15 + i), st[i]);
  }
  c.specConstants.push_back(spec::u32(uint32_t(kind)));       // 21: OP
  c.specConstants.push_back(spec::u32(floatBits(epsilon)));   // 22: EPS
  c.operands = {inOperand, outOperand};
  c.writes = {1};
  if (wide)
    setGrid1D(c, n, 1); // one workgroup per output element
  else
    setGrid1D(c, n, 64);
  d.push_back(c);
}

namespace {

template <ReduceKind K> OpDef reduceOp(const char *name) {
  OpDef def = symbolicOp(
      {name, reduceInferTypes<K>, reduceReference<K>, reduceLower<K>});
  if (foldsIntegers(K))
    def.referenceDTypes = kDataDTypes;
  return def;
}

} // namespace

const OpDef kReduceSumOp = reduceOp<ReduceKind::Sum>("ReduceSum");
const OpDef kReduceMeanOp = reduceOp<ReduceKind::Mean>("ReduceMean");
const OpDef kReduceMaxOp = reduceOp<ReduceKind::Max>("ReduceMax");
const OpDef kReduceMinOp = reduceOp<ReduceKind::Min>("ReduceMin");
const OpDef kReduceProdOp = reduceOp<ReduceKind::Prod>("ReduceProd");
const OpDef kReduceL1Op = reduceOp<ReduceKind::L1>("ReduceL1");
const OpDef kReduceL2Op = reduceOp<ReduceKind::L2>("ReduceL2");
const OpDef kReduceLogSumOp = reduceOp<ReduceKind::LogSum>("ReduceLogSum");
const OpDef kReduceLogSumExpOp =
    reduceOp<ReduceKind::LogSumExp>("ReduceLogSumExp");
const OpDef kReduceSumSquareOp =
    reduceOp<ReduceKind::SumSquare>("ReduceSumSquare");

} // namespace tlc
