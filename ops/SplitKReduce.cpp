//===- ops/SplitKReduce.cpp - SplitKReduce: sum of split-K partials -------===//
//
// tlc-internal op (not ONNX), created by passes/SplitK.cpp:
//   Y = sum_{s < S} P[s] + beta * C (+ Z)
// Inputs: P [S, M, N] (GemmSplitK's partial products), optional C
// unidirectionally broadcastable to [M, N] (the Gemm's bias), and with
// attribute residual = 1 a last input Z of M * N elements (a fused residual
// Add; Y then has Z's type, else [M, N] or attribute shape). Attributes:
// beta (default 1.0), residual (0 or 1, default 0), shape (ints: Y's shape
// without residual, M * N elements; e.g. a split MatMul's [1, M, N]). Shader:
// shaders/splitk_reduce.comp, one dispatch. Y may be written in place over Z,
// or over a C of Y's type: the shader reads them only at the element it writes.
// With attribute layer_norm = 1 (set by passes/FuseReduceLayerNorm.cpp) the
// node also computes a LayerNormalization of Y over its last axis (N): the
// inputs continue with Scale [N] and, when ln_bias = 1 (the default), B [N];
// attribute epsilon (default 1e-5); a second output YN (Y's type) receives
// (Y - mean) / sqrt(var + epsilon) * Scale + B. Shader:
// shaders/splitk_reduce_ln.comp, one workgroup per row (subgroup arithmetic).
//
//===----------------------------------------------------------------------===//
#include "ops/SplitKReduce.h"
#include "ops/Broadcast.h"
#include "ops/GemmParams.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <cmath>

using namespace llvm;

namespace tlc {

DispatchDesc lowerSplitKReduce(const SplitKReduceArgs &args, unsigned p,
                               unsigned c, unsigned z, unsigned y) {
  DispatchDesc d;
  d.shader = "splitk_reduce";
  uint64_t mn = uint64_t(args.m) * args.n;
  bool vec4 = args.n % 4 == 0;
  d.specConstants =
      spec::u32s({args.slices, uint32_t(mn), args.n, uint32_t(args.hasC),
                  args.cStrideM, args.cStrideN, floatBits(args.beta),
                  uint32_t(args.hasZ), uint32_t(vec4)});
  d.operands = {p, args.hasC ? c : p, args.hasZ ? z : p, y};
  d.writes = {3};
  if (args.mDim) {
    // N is static, so the vec4 choice holds for every M.
    DimExpr mnExpr = *args.mDim * int64_t(args.n);
    setDim(d, 1, mnExpr);
    setGrid1D(d, vec4 ? *args.mDim * int64_t(args.n / 4) : mnExpr, 256);
    return d;
  }
  setGrid1D(d, vec4 ? mn / 4 : mn, 256);
  return d;
}

namespace {
/// A SplitKReduce node's operands and attributes. Input indices are -1
/// when the input is absent.
struct ReduceParams {
  int64_t s = 1, m = 1, n = 1; // m: the upper bound when mDim is symbolic
  /// M as an expression (shape ranges: the rows of the split GEMM).
  DimExpr mDim = 1;
  float beta = 1.0f;
  bool hasC = false, hasZ = false;
  SymShape shape; // Y's shape
  int zIdx = -1;
  // LayerNormalization epilogue (layer_norm = 1).
  bool layerNorm = false;
  float epsilon = 1e-5f;
  int scaleIdx = -1, lnBiasIdx = -1;
};
} // namespace

static Expected<ReduceParams> parseReduce(const Node &node,
                                          ArrayRef<TensorType> in) {
  ReduceParams r;
  Expected<double> beta = node.attrs.getFloat("beta", 1.0);
  if (!beta)
    return beta.takeError();
  r.beta = float(*beta);
  Expected<bool> residual = getFlagAttr(node, "residual", false);
  if (!residual)
    return residual.takeError();
  r.hasZ = *residual;
  Expected<bool> layerNorm = getFlagAttr(node, "layer_norm", false);
  if (!layerNorm)
    return layerNorm.takeError();
  r.layerNorm = *layerNorm;
  Expected<bool> lnBias = getFlagAttr(node, "ln_bias", true);
  if (!lnBias)
    return lnBias.takeError();
  Expected<double> eps = node.attrs.getFloat("epsilon", 1e-5);
  if (!eps)
    return eps.takeError();
  if (!(*eps >= 0.0))
    return opError("attribute 'epsilon' is " + std::to_string(*eps) +
                   "; expected a value >= 0");
  r.epsilon = float(*eps);
  // The LayerNormalization operands come last: Scale, then B.
  unsigned lnInputs = r.layerNorm ? 1u + unsigned(*lnBias) : 0u;
  unsigned minInputs = (r.hasZ ? 2 : 1) + lnInputs;
  if (in.size() < minInputs || in.size() > minInputs + 1)
    return opError("expected " + Twine(minInputs) + " or " +
                   Twine(minInputs + 1) + " inputs with residual = " +
                   Twine(int(*residual)) + " and layer_norm = " +
                   Twine(int(*layerNorm)) + ", got " + Twine(in.size()));
  r.hasC = in.size() == minInputs + 1;
  if (r.hasZ)
    r.zIdx = r.hasC ? 2 : 1;
  if (r.layerNorm) {
    r.scaleIdx = int(in.size() - lnInputs);
    if (*lnBias)
      r.lnBiasIdx = r.scaleIdx + 1;
  }
  if (Error e = checkRank(in[0], 3, "P"))
    return e;
  r.s = in[0].shape[0];
  r.m = in[0].shape[1];
  r.n = in[0].shape[2];
  r.mDim = in[0].dim(1);
  // Shape ranges: only M may be symbolic (S and N size the kernel).
  if (!in[0].dim(0).isConstant() || !in[0].dim(2).isConstant())
    return opError("P " + in[0].str() +
                   " may have a symbolic M only ([S, M, N])");
  DimExpr mn = r.mDim * r.n;
  if (r.hasC) {
    if (Error e = checkGemmC(in[1], r.m, r.n))
      return std::move(e);
    const TensorType &c = in[1];
    if (!c.isStatic() && !(c.rank() == 2 && c.dim(0) == r.mDim &&
                           c.dim(1).isConstant()))
      return opError("C " + c.str() + " does not broadcast to [" +
                     r.mDim.str() + ", " + Twine(r.n) + "]");
  }
  if (r.hasZ && in[r.zIdx].numElementsExpr() != mn)
    return opError("Z " + in[r.zIdx].str() + " has " +
                   in[r.zIdx].numElementsExpr().str() +
                   " elements; expected M * N = " + mn.str());
  for (int idx : {r.scaleIdx, r.lnBiasIdx})
    if (idx >= 0 && in[idx].shape != Shape{r.n})
      return opError(Twine(idx == r.scaleIdx ? "Scale " : "B ") +
                     in[idx].str() + " must have shape [" + Twine(r.n) +
                     "] (the LayerNormalization of Y's last axis)");
  r.shape = r.hasZ ? in[r.zIdx].dims() : SymShape{r.mDim, r.n};
  if (r.layerNorm && (r.shape.empty() || r.shape.back() != DimExpr(r.n)))
    return opError("layer_norm = 1 needs Y's last axis to be N = " +
                   Twine(r.n) + ", got " + symShapeStr(r.shape));
  if (node.attrs.has("shape")) {
    if (r.hasZ)
      return opError("attribute 'shape' is only for residual = 0; Y has "
                     "Z's shape");
    Expected<std::vector<DimExpr>> shape = node.attrs.getDims("shape", {});
    if (!shape)
      return shape.takeError();
    DimExpr count = 1;
    for (const DimExpr &d : *shape) {
      if (d.lowerBound() < 1)
        return opError("attribute 'shape' has entry " + d.str() +
                       "; expected sizes >= 1");
      count *= d;
    }
    if (count != mn)
      return opError("attribute 'shape' has " + count.str() +
                     " elements; expected M * N = " + mn.str());
    r.shape.assign(shape->begin(), shape->end());
  }
  return r;
}

static Error reduceInferTypes(const Node &node, ArrayRef<InputInfo> in,
                              SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"beta", "epsilon", "layer_norm",
                                       "ln_bias", "residual", "shape"}))
    return e;
  if (Error e = checkInputCount(in, 1, 5))
    return e;
  SmallVector<TensorType, 3> types;
  for (unsigned i = 0; i < in.size(); ++i) {
    if (Error e = checkF32(in, i, i == 0 ? "P" : "C, Z, Scale or B"))
      return e;
    types.push_back(in[i].type);
  }
  if (Error e = checkInputsFit32(in))
    return e;
  Expected<ReduceParams> r = parseReduce(node, types);
  if (!r)
    return r.takeError();
  TensorType y = TensorType::withDims(DType::F32, r->shape);
  if (Error e = checkFits32(y, "Y"))
    return e;
  out.push_back(y);
  if (r->layerNorm)
    out.push_back(y);
  return Error::success();
}

static ReduceParams verifiedParams(const Node &node, ArrayRef<TensorType> in) {
  Expected<ReduceParams> r = parseReduce(node, in);
  assert(r && "SplitKReduce node was not verified by its shape rule");
  if (!r) {
    consumeError(r.takeError());
    return ReduceParams{};
  }
  return *r;
}

static Error reduceReference(const Node &node, ArrayRef<const HostTensor *> in,
                             MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 3> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  ReduceParams r = verifiedParams(node, types);
  Shape cs;
  if (r.hasC)
    cs = broadcastStrides(in[1]->type.shape, {r.m, r.n});
  int64_t mn = r.m * r.n;
  for (int64_t i = 0; i < r.m; ++i)
    for (int64_t j = 0; j < r.n; ++j) {
      double v = 0.0;
      for (int64_t s = 0; s < r.s; ++s)
        v += double(in[0]->f32()[s * mn + i * r.n + j]);
      if (r.hasC)
        v += double(r.beta) * double(in[1]->f32()[i * cs[0] + j * cs[1]]);
      if (r.hasZ)
        v += double(in[r.zIdx]->f32()[i * r.n + j]);
      out[0].f32()[i * r.n + j] = float(v);
    }
  if (!r.layerNorm)
    return Error::success();
  // LayerNormalization of each row of the (f32-rounded) Y, in double, as
  // LayerNormalization's reference does.
  for (int64_t i = 0; i < r.m; ++i) {
    const float *row = &out[0].f32()[i * r.n];
    double mean = 0.0, var = 0.0;
    for (int64_t j = 0; j < r.n; ++j)
      mean += row[j];
    mean /= double(r.n);
    for (int64_t j = 0; j < r.n; ++j)
      var += (row[j] - mean) * (row[j] - mean);
    var /= double(r.n);
    double inv = 1.0 / std::sqrt(var + double(r.epsilon));
    for (int64_t j = 0; j < r.n; ++j)
      out[1].f32()[i * r.n + j] = float(
          (row[j] - mean) * inv * double(in[r.scaleIdx]->f32()[j]) +
          (r.lnBiasIdx >= 0 ? double(in[r.lnBiasIdx]->f32()[j]) : 0.0));
  }
  return Error::success();
}

static void reduceLower(const Node &node, ArrayRef<TensorType> in,
                        ArrayRef<TensorType> out,
                        const KernelTarget &target,
                        SmallVectorImpl<DispatchDesc> &dispatches) {
  ReduceParams r = verifiedParams(node, in);
  SplitKReduceArgs args;
  args.slices = uint32_t(r.s);
  args.m = uint32_t(r.m);
  args.n = uint32_t(r.n);
  args.beta = r.beta;
  args.hasC = r.hasC;
  if (r.hasC) {
    Shape s = broadcastStrides(in[1].shape, {r.m, r.n});
    args.cStrideM = uint32_t(s[0]);
    args.cStrideN = uint32_t(s[1]);
  }
  args.hasZ = r.hasZ;
  if (!r.mDim.isConstant())
    args.mDim = r.mDim;
  unsigned y = unsigned(in.size());
  if (!r.layerNorm) {
    dispatches.push_back(
        lowerSplitKReduce(args, 0, 1, unsigned(in.size() - 1), y));
    return;
  }
  // shaders/splitk_reduce_ln.comp: one workgroup per row.
  DispatchDesc d;
  d.shader = "splitk_reduce_ln";
  bool vec4 = args.n % 4 == 0;
  d.specConstants = spec::u32s(
      {args.slices, args.m, args.n, uint32_t(args.hasC), args.cStrideM,
       args.cStrideN, floatBits(args.beta), uint32_t(args.hasZ), uint32_t(vec4),
       floatBits(r.epsilon), uint32_t(r.lnBiasIdx >= 0)});
  d.operands = {0,
                r.hasC ? 1u : 0u,
                r.hasZ ? unsigned(r.zIdx) : 0u,
                unsigned(r.scaleIdx),
                r.lnBiasIdx >= 0 ? unsigned(r.lnBiasIdx) : 0u,
                y,
                y + 1};
  d.writes = {5, 6};
  // One workgroup per row; M read at run time when symbolic.
  setDim(d, 1, r.mDim);
  setGrid1D(d, r.mDim, 1);
  dispatches.push_back(d);
}

// In place over Z (input 2 with C, 1 without) or over a C of Y's type: both
// are read only at the element written (the compiler skips inputs of
// another type, such as P).
const OpDef kSplitKReduceOp = symbolicOp(
    {"SplitKReduce", reduceInferTypes, reduceReference, reduceLower,
     {/*isView=*/false, /*inPlaceInputs=*/{2, 1}}});

} // namespace tlc
