//===- ops/ReduceMean.cpp - ReduceMean: mean over axes --------------------===//
//
// ONNX ReduceMean (opset 13, unchanged through 17): attribute axes (default:
// every dim; negative counts from the end; no duplicates) and keepdims
// (default 1: reduced dims stay as 1; 0: they are dropped). f32 input of
// rank 1 to 6. Shader: shaders/reduce_mean.comp, one invocation per output
// element summing its box in f32, in row-major order (the CPU reference sums
// in f64).
//
//===----------------------------------------------------------------------===//
#include "ops/KernelTarget.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static constexpr unsigned kReduceMaxRank = 6;

/// Which dims of a rank-\p rank input \p node reduces, or an error for bad
/// axes / keepdims.
static Expected<SmallVector<bool, 6>> reducedDims(const Node &node,
                                                  int64_t rank) {
  SmallVector<bool, 6> r(size_t(rank), false);
  if (!node.attrs.has("axes")) {
    r.assign(size_t(rank), true);
    return r;
  }
  Expected<std::vector<int64_t>> axes = node.attrs.getInts("axes", {});
  if (!axes)
    return axes.takeError();
  if (axes->empty()) {
    r.assign(size_t(rank), true);
    return r;
  }
  for (int64_t a : *axes) {
    Expected<int64_t> ax = normalizeAxis(a, rank, "axes");
    if (!ax)
      return ax.takeError();
    if (r[*ax])
      return opError("attribute 'axes' lists dim " + Twine(*ax) + " twice");
    r[*ax] = true;
  }
  return r;
}

static Error reduceMeanInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                  SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axes", "keepdims"}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkF32(in, 0, "data"))
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
  Expected<SmallVector<bool, 6>> r = reducedDims(node, int64_t(s.size()));
  if (!r)
    return r.takeError();
  SymShape o;
  for (size_t d = 0; d < s.size(); ++d) {
    if (!(*r)[d])
      o.push_back(s[d]);
    else if (*keep)
      o.push_back(1);
  }
  out.push_back(TensorType::withDims(DType::F32, o));
  return Error::success();
}

/// The keepdims shape of the output and the reduced box: per input dim,
/// (1, dim) when reduced, (dim, 1) otherwise.
static void splitShape(const Node &node, const Shape &s, Shape &kept,
                       Shape &box) {
  SmallVector<bool, 6> r = cantFail(reducedDims(node, int64_t(s.size())));
  kept.clear();
  box.clear();
  for (size_t d = 0; d < s.size(); ++d) {
    kept.push_back(r[d] ? 1 : s[d]);
    box.push_back(r[d] ? s[d] : 1);
  }
}

static Error reduceMeanReference(const Node &node,
                                 ArrayRef<const HostTensor *> in,
                                 MutableArrayRef<HostTensor> out) {
  const Shape &s = in[0]->type.shape;
  Shape kept, box;
  splitShape(node, s, kept, box);
  Shape is = rowMajorStrides(s);
  int64_t n = out[0].type.numElements(), count = 1;
  for (int64_t b : box)
    count *= b;
  Shape oc(s.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t base = 0;
    for (size_t d = 0; d < s.size(); ++d)
      base += oc[d] * is[d];
    double sum = 0;
    Shape bc(s.size(), 0);
    for (int64_t j = 0; j < count; ++j) {
      int64_t off = base;
      for (size_t d = 0; d < s.size(); ++d)
        off += bc[d] * is[d];
      sum += in[0]->f32()[off];
      for (size_t d = s.size(); d-- > 0;) {
        if (++bc[d] < box[d])
          break;
        bc[d] = 0;
      }
    }
    out[0].f32()[i] = float(sum / double(count));
    for (size_t d = s.size(); d-- > 0;) {
      if (++oc[d] < kept[d])
        break;
      oc[d] = 0;
    }
  }
  return Error::success();
}

/// Elements per reduced box from which the "gpu" profile reduces each box
/// with a whole workgroup (shaders/reduce_mean.comp, SUBGROUP build): below
/// it, a box is at most a few loads per invocation of that workgroup.
static constexpr uint64_t kReduceMeanWideBox = 256;

static void reduceMeanLower(const Node &node, ArrayRef<TensorType> in,
                            ArrayRef<TensorType> out,
                            const KernelTarget &target,
                            SmallVectorImpl<DispatchDesc> &d) {
  // Dims as expressions: output dims, box dims and strides are run-time
  // values of the dyn build when symbolic.
  SymShape s = in[0].dims();
  SmallVector<bool, 6> r = cantFail(reducedDims(node, int64_t(s.size())));
  size_t pad = kReduceMaxRank - s.size();
  SymShape k(pad, DimExpr(1)), b(pad, DimExpr(1)), st(pad, DimExpr(0));
  SymShape is(s.size(), DimExpr(1)); // row-major strides
  for (size_t i = s.size(); i-- > 1;)
    is[i - 1] = is[i] * s[i];
  DimExpr count = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    k.push_back(r[i] ? DimExpr(1) : s[i]);
    b.push_back(r[i] ? s[i] : DimExpr(1));
    if (r[i])
      count *= s[i];
  }
  st.append(is.begin(), is.end());
  DispatchDesc c;
  // Large boxes (a spatial mean over H*W) get a workgroup per output with
  // subgroup sums when the target has them; small boxes keep one
  // invocation per output, which spreads many outputs over the GPU better.
  // Either is correct for any count: a symbolic count is judged at its
  // bound, where the plan's cost lies.
  bool wide = target.subgroupArithmetic &&
              uint64_t(count.upperBound()) >= kReduceMeanWideBox;
  c.shader = wide ? "reduce_mean_subgroup" : "reduce_mean";
  DimExpr n = out[0].numElementsExpr();
  // INV_BITS (constant 2) = 1 / count when count is a constant; 0 when it
  // is symbolic: the dyn build then divides by COUNT (the runtime computes
  // integers only).
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
  c.operands = {0, 1};
  c.writes = {1};
  if (wide)
    setGrid1D(c, n, 1); // one workgroup per output element
  else
    setGrid1D(c, n, 64);
  d.push_back(c);
}

const OpDef kReduceMeanOp = symbolicOp({"ReduceMean", reduceMeanInferTypes,
                                        reduceMeanReference, reduceMeanLower});

} // namespace tlc
