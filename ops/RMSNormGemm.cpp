//===- ops/RMSNormGemm.cpp - RMS normalization and the projections of it -===//
//
// tlc-internal op (not ONNX), created by passes/FuseNormProjections.cpp from
// RMSNormalization -> [view] -> Gemm(., W_j, transB = 1) for j < G (G = 1..3:
// a Llama block's Q, K and V projections, or its gate and up projections):
//   H     = RMSNormalization(X, scale) viewed as [rows, K]
//   Y_j   = H * W_j^T                                [rows, N_j]
// Inputs X [..., K] (rows: the product of the other dims, possibly
// symbolic), scale [K], W_0 .. W_{G-1} (each [N_j, K], static); attribute
// epsilon (as RMSNormalization's, default 1e-5). Outputs Y_0 .. Y_{G-1},
// then H. With attribute quant ("q8_0", "q4_0" or "q6_k", as QuantizedGemm)
// every W_j is instead block-quantized bytes [N_j, row stride] in GGUF
// layout (ops/QuantizedGemm.cpp) and Y_j = H * dequant(W_j)^T. With
// attribute activation = "swiglu" (G = 2, N_0 = N_1: a Llama FFN's gate and
// up projections) a last output A [rows, N_0] = silu(Y_0) * Y_1 follows H
// (the FusedElementwise program Sigmoid, Mul, Mul that fuse-elementwise
// makes of it, with the same f32 formulas in the reference).
//
// Why: a decoded token (rows = 1) otherwise costs one dispatch for the
// normalization, whose one-workgroup reduction leaves the GPU idle, and
// one per projection, each with its barrier. At rows = 1 the op is one
// dispatch of shaders/gemv_norm.comp, which normalizes the row in
// registers while it streams every weight once (its first workgroup also
// writes the row of H, 4 bytes an element of K). For
// rows >= 2 (a prompt) it runs what it replaced: shaders/rmsnorm.comp into
// H, then one GEMM per weight (ops/GemmKernel.h; quant_gemm.comp for
// quantized weights). Quantized weights take shaders/gemv_quant.comp at one
// row where it applies (q8_0 and q4_0, K floats in shared memory), else the
// many-row path at every row count. With rows symbolic from 1
// both paths are emitted, gated on rows (runWhenOne / runWhenAboveOne), and
// each run executes one; the runtime leaves the other out of the command
// buffer it submits.
//
//===----------------------------------------------------------------------===//
#include "ops/FusedElementwiseProgram.h"
#include "ops/GemmKernel.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/QuantType.h"
#include "ops/RMSNormKernel.h"
#include "ops/SymbolicOp.h"

#include <cmath>

using namespace llvm;

namespace tlc {

namespace {
/// The sizes of one RMSNormGemm, in elements.
struct NormGemmShape {
  DimExpr rows = 1; // rows of X, H and every Y_j
  int64_t k = 1;
  SmallVector<int64_t, 3> n; // N_j, one per weight
  std::optional<GgmlType> quant; // block-quantized weights
  bool swiglu = false;           // output A = silu(Y_0) * Y_1
};
} // namespace

static constexpr unsigned kMaxWeights = 3;

static FusedProgram swigluProgram() {
  FusedProgram p;
  p.numInputs = 2;
  p.code.push_back({FusedOpcode::Sigmoid, 0, kFusedImmOperand, 0, 0}); // r2
  p.code.push_back({FusedOpcode::Mul, 0, 2, 0, 0});                    // r3
  p.code.push_back({FusedOpcode::Mul, 3, 1, 0, 0});                    // r4
  return p;
}

/// Checks the operand types of \p node and returns its sizes. Errors name
/// the operand and what was expected.
static Expected<NormGemmShape> normGemmShape(const Node &node,
                                             ArrayRef<TensorType> in) {
  if (in.size() < 3 || in.size() > 2 + kMaxWeights)
    return opError("expected X, scale and 1 to " + Twine(kMaxWeights) +
                   " weights; got " + Twine(in.size()) + " inputs");
  const TensorType &x = in[0];
  if (x.rank() == 0)
    return opError("input 0 (X) must have rank >= 1, got a scalar");
  NormGemmShape s;
  DimExpr k = x.dim(x.rank() - 1);
  if (!k.isConstant() || k.constant() < 1)
    return opError("input 0 (X) " + x.str() +
                   ": its last dim (K) must be static and >= 1");
  s.k = k.constant();
  for (size_t d = 0; d + 1 < x.rank(); ++d)
    s.rows = s.rows * x.dim(d);
  if (s.rows.lowerBound() < 1)
    return opError("input 0 (X) " + x.str() + " may have no rows");
  if (!(in[1].rank() == 1 && in[1].isStatic() && in[1].shape[0] == s.k))
    return opError("input 1 (scale) is " + in[1].str() + "; expected [" +
                   Twine(s.k) + "]");
  if (node.attrs.has("activation")) {
    Expected<std::string> act = node.attrs.getString("activation", "");
    if (!act)
      return act.takeError();
    if (*act != "swiglu")
      return opError("attribute 'activation' is '" + *act +
                     "'; expected swiglu");
    s.swiglu = true;
  }
  int64_t rowLen = s.k; // elements, or bytes of a quantized row
  DType wType = DType::F32;
  if (node.attrs.has("quant")) {
    Expected<GgmlType> t = quantType(node);
    if (!t)
      return t.takeError();
    const GgmlTypeInfo *info = ggmlTypeInfo(uint32_t(*t));
    if (s.k % info->blockElems != 0)
      return opError("K = " + Twine(s.k) + " is not a multiple of " +
                     info->name.lower() + "'s block of " +
                     Twine(info->blockElems) + " values");
    s.quant = *t;
    rowLen = int64_t(*quantizedRowStride(*t, s.k));
    wType = DType::U8;
  }
  for (size_t j = 2; j < in.size(); ++j) {
    const TensorType &w = in[j];
    if (!(w.rank() == 2 && w.isStatic() && w.shape[1] == rowLen &&
          w.shape[0] >= 1 && w.dtype == wType))
      return opError("input " + Twine(j) + " (W_" + Twine(j - 2) + ") is " +
                     w.str() + "; expected [N, " + Twine(rowLen) + "] " +
                     dtypeName(wType) +
                     (s.quant ? " (rows of quantized blocks)" : ""));
    s.n.push_back(w.shape[0]);
  }
  if (s.swiglu && (s.n.size() != 2 || s.n[0] != s.n[1]))
    return opError("activation swiglu needs two weights of as many rows (gate "
                   "and up); got " + Twine(s.n.size()) + " weight(s)" +
                   (s.n.size() == 2 ? " of " + Twine(s.n[0]) + " and " +
                                          Twine(s.n[1]) + " rows"
                                    : Twine("")));
  return s;
}

static Expected<float> epsilonOf(const Node &node) {
  Expected<double> eps = normEpsilon(node);
  if (!eps)
    return eps.takeError();
  return float(*eps);
}

static Error normGemmInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"epsilon", "quant", "activation"}))
    return e;
  if (Error e = checkInputCount(in, 3, 2 + kMaxWeights))
    return e;
  SmallVector<TensorType, 5> types;
  for (unsigned i = 0; i < in.size(); ++i) {
    if (i < 2 || !node.attrs.has("quant"))
      if (Error e = checkF32(in, i, i == 0 ? "X" : i == 1 ? "scale" : "W"))
        return e;
    types.push_back(in[i].type);
  }
  if (Error e = checkInputsFit32(in))
    return e;
  Expected<float> eps = epsilonOf(node);
  if (!eps)
    return eps.takeError();
  Expected<NormGemmShape> s = normGemmShape(node, types);
  if (!s)
    return s.takeError();
  for (int64_t n : s->n)
    out.push_back(TensorType::withDims(DType::F32, {s->rows, DimExpr(n)}));
  out.push_back(TensorType::withDims(DType::F32, {s->rows, DimExpr(s->k)}));
  if (s->swiglu)
    out.push_back(
        TensorType::withDims(DType::F32, {s->rows, DimExpr(s->n[0])}));
  for (const TensorType &t : out)
    if (Error e = checkFits32(t, "output"))
      return e;
  return Error::success();
}

/// Reference: RMSNormalization's arithmetic (sums of squares in double, H
/// rounded once to f32), then each product accumulated in double.
static Error normGemmReference(const Node &node,
                               ArrayRef<const HostTensor *> in,
                               MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 5> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  NormGemmShape s = verifiedValue(normGemmShape(node, types));
  double eps = double(verifiedValue(epsilonOf(node)));
  int64_t rows = s.rows.constant(), k = s.k;
  const float *x = in[0]->f32().data(), *scale = in[1]->f32().data();
  float *h = out[s.n.size()].f32().data();
  for (int64_t r = 0; r < rows; ++r) {
    double sumSq = 0.0;
    for (int64_t c = 0; c < k; ++c)
      sumSq += double(x[r * k + c]) * double(x[r * k + c]);
    double inv = 1.0 / std::sqrt(sumSq / double(k) + eps);
    for (int64_t c = 0; c < k; ++c)
      h[r * k + c] = float(double(x[r * k + c]) * inv * double(scale[c]));
  }
  std::vector<float> dequantized;
  for (size_t j = 0; j < s.n.size(); ++j) {
    const float *w = nullptr;
    if (s.quant) {
      // Each row dequantized by ir/GgufQuant.h (QuantizedGemm's reference).
      uint64_t stride = *quantizedRowStride(*s.quant, k);
      dequantized.resize(size_t(s.n[j] * k));
      for (int64_t n = 0; n < s.n[j]; ++n)
        dequantizeQuantizedRow(*s.quant,
                               in[2 + j]->bytes().data() + uint64_t(n) * stride,
                               k, dequantized.data() + n * k);
      w = dequantized.data();
    } else {
      w = in[2 + j]->f32().data();
    }
    float *y = out[j].f32().data();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t n = 0; n < s.n[j]; ++n) {
        double acc = 0.0;
        for (int64_t c = 0; c < k; ++c)
          acc += double(h[r * k + c]) * double(w[n * k + c]);
        y[r * s.n[j] + n] = float(acc);
      }
  }
  if (s.swiglu) {
    FusedProgram p = swigluProgram();
    SmallVector<float, 8> scratch;
    const float *gate = out[0].f32().data(), *up = out[1].f32().data();
    float *a = out[3].f32().data();
    for (int64_t i = 0; i < rows * s.n[0]; ++i)
      a[i] = evalFusedProgram(p, {gate[i], up[i]}, scratch);
  }
  return Error::success();
}

/// shaders/gemv_norm.comp for one row: operands X, scale, H, then W_j, Y_j
/// pairs (W_j = input 2 + j, Y_j = output j).
static DispatchDesc lowerOneRow(const NormGemmShape &s, float eps,
                                unsigned numInputs, bool f16Storage) {
  unsigned g = unsigned(s.n.size());
  DispatchDesc d;
  const char *base = s.quant ? "gemv_quant" : "gemv_norm";
  d.shader = std::string(base) +
             (s.swiglu ? "_swiglu" : g == 1 ? "" : g == 2 ? "_g2" : "_g3");
  uint32_t rows = s.quant ? quantGemvRows(s.k, s.swiglu) : kGemvRows;
  uint64_t total = 0;
  for (int64_t n : s.n)
    total += uint64_t(n);
  uint32_t n1 = uint32_t(g > 1 ? s.n[1] : 0), n2 = uint32_t(g > 2 ? s.n[2] : 0);
  if (s.quant) {
    d.specConstants = spec::u32s(
        {uint32_t(s.n[0]), uint32_t(s.k), n1, n2, floatBits(eps),
         shaderQType(*s.quant), rows,
         uint32_t(*quantizedRowStride(*s.quant, s.k))});
  } else {
    uint32_t vec = f16Storage && s.k % 8 == 0 ? 2 : s.k % 4 == 0 ? 1 : 0;
    d.specConstants = spec::u32s({uint32_t(s.n[0]), uint32_t(s.k), n1, n2,
                                  floatBits(eps), vec, rows});
  }
  d.operands = {0, 1, numInputs + g}; // x, scale, H
  d.writes = {2};
  for (unsigned j = 0; j < g; ++j) {
    d.operands.push_back(2 + j);
    d.operands.push_back(numInputs + j);
    d.writes.push_back(4 + 2 * j);
  }
  if (s.swiglu) { // binding 7: A, the output after H
    d.operands.push_back(numInputs + g + 1);
    d.writes.push_back(7);
  }
  d.groups[0] =
      uint32_t(std::min<uint64_t>((total + rows - 1) / rows, kGemmMaxGroups));
  return d;
}

static void normGemmLower(const Node &node, ArrayRef<TensorType> in,
                          ArrayRef<TensorType> out, const KernelTarget &target,
                          SmallVectorImpl<DispatchDesc> &dispatches) {
  NormGemmShape s = verifiedValue(normGemmShape(node, in));
  float eps = verifiedValue(epsilonOf(node));
  unsigned numInputs = unsigned(in.size()), g = unsigned(s.n.size());
  unsigned h = numInputs + g; // operand index of output H
  // The one-row kernel, where it exists for these weights.
  bool canBeOne = s.rows.lowerBound() == 1 &&
                  (!s.quant ||
                   quantGemvApplies(*s.quant, s.k, target, s.swiglu));
  bool alwaysOne = s.rows.isConstant() && s.rows.constant() == 1;
  if (canBeOne) {
    DispatchDesc one = lowerOneRow(s, eps, numInputs, target.f16Storage);
    if (alwaysOne) {
      dispatches.push_back(std::move(one));
      return;
    }
    runWhenOne(one, s.rows);
    dispatches.push_back(std::move(one));
  }
  DispatchDesc norm = lowerRMSNormKernel(s.rows, DimExpr(s.k), DimExpr(s.k),
                                         DimExpr(1), eps, 0, 1, h, target);
  if (canBeOne) {
    runWhenAboveOne(norm, s.rows);
    norm.exclusiveWithPrevious = true;
  }
  dispatches.push_back(std::move(norm));
  for (unsigned j = 0; j < g && s.quant; ++j) {
    DispatchDesc gemm = lowerQuantGemmTiles(*s.quant, s.rows, s.n[j], s.k, h,
                                            2 + j, numInputs + j, target);
    if (canBeOne)
      runWhenAboveOne(gemm, s.rows);
    dispatches.push_back(std::move(gemm));
  }
  for (unsigned j = 0; j < g && !s.quant; ++j) {
    GemmKernelArgs args;
    args.m = uint32_t(s.rows.isConstant() ? s.rows.constant()
                                          : s.rows.upperBound());
    if (!s.rows.isConstant())
      args.mDim = s.rows;
    args.n = uint32_t(s.n[j]);
    args.k = uint32_t(s.k);
    args.transB = true;
    DispatchDesc gemm =
        lowerGemmKernel(args, h, 2 + j, h, numInputs + j, target);
    if (canBeOne)
      runWhenAboveOne(gemm, s.rows);
    dispatches.push_back(std::move(gemm));
  }
  if (s.swiglu) {
    // A = silu(Y_0) * Y_1 by FusedElementwise's own lowering, its operands
    // (Y_0, Y_1, A) mapped to this node's.
    Node act;
    act.op = "FusedElementwise";
    act.name = node.name;
    writeFusedProgram(swigluProgram(), act.attrs);
    TensorType y = TensorType::withDims(DType::F32, {s.rows, DimExpr(s.n[0])});
    SmallVector<DispatchDesc, 1> sub;
    lookupOp("FusedElementwise")->lower(act, {y, y}, {y}, target, sub);
    const unsigned map[3] = {numInputs, numInputs + 1, numInputs + g + 1};
    for (DispatchDesc &d : sub) {
      for (unsigned &op : d.operands)
        op = map[op];
      if (canBeOne)
        runWhenAboveOne(d, s.rows);
      dispatches.push_back(std::move(d));
    }
  }
}

const OpDef kRMSNormGemmOp = [] {
  OpDef def = symbolicOp(
      {"RMSNormGemm", normGemmInferTypes, normGemmReference, normGemmLower});
  def.referenceDTypes = {DType::F32, DType::U8};
  return def;
}();

} // namespace tlc
