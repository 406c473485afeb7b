//===- passes/SplitK.cpp - Split-K for GEMMs with few output tiles --------===//
//
// A GEMM with few rows (GPT-2's 128-token projections: 128 x 768 outputs
// against K = 768 or 3072) has too few output tiles to occupy a large GPU,
// and each tile runs a long sequential k loop. Splitting K into S slices
// (the split-K of CUTLASS's "Efficient GEMM" notes) rewrites
//   Y = alpha * op(A) * op(B) + beta * C (+ Z)    (Gemm or GemmResidual)
// or a MatMul of A [..., M, K] by a matrix B [K, N] (A's rows flattened
// through a Reshape view, Y reshaped back by the reduction) into
//   P = GemmSplitK(A, B)           P [S, M, N]: P[s] = alpha * slice s
//   Y = SplitKReduce(P, [C], [Z])  Y = sum_s P[s] + beta * C (+ Z)
// P is an ordinary transient tensor: the memory planner places it and frees
// it after the reduction, so the plan format needs no scratch buffers.
// Only for the "gpu" target (lavapipe gains nothing), and not for GEMMs
// that run a GEMV at M = 1 (ops/GemmKernel.h: gemvApplies); S comes from
// chooseSplitKSlice (ops/GemmKernel.h). The two nodes take the GEMM's place,
// so the order stays topological.
//
//===----------------------------------------------------------------------===//
#include "ops/GemmKernel.h"
#include "ops/GemmParams.h"
#include "ops/OpDef.h"
#include "passes/Passes.h"

using namespace llvm;

namespace tlc {

/// The GEMM operands of \p n (A, B and C when present): Gemm takes A, B,
/// [C]; GemmResidual A, B, Z, [C]. Empty for other ops.
static SmallVector<ValueId, 3> gemmOperands(const Node &n) {
  if (n.op == "Gemm" && n.inputs.size() >= 2)
    return SmallVector<ValueId, 3>(n.inputs.begin(), n.inputs.end());
  if (n.op == "GemmResidual" && n.inputs.size() >= 3) {
    SmallVector<ValueId, 3> abc = {n.inputs[0], n.inputs[1]};
    if (n.inputs.size() == 4)
      abc.push_back(n.inputs[3]);
    return abc;
  }
  return {};
}

/// Adds an i64 weight holding \p dims, named after \p base.
static ValueId shapeWeight(Graph &g, const std::string &base,
                           ArrayRef<int64_t> dims, const SourceLoc &loc) {
  Value w;
  w.name = g.freshName(base);
  w.kind = ValueKind::Weight;
  w.type = TensorType{DType::I64, {int64_t(dims.size())}};
  w.hasType = true;
  w.loc = loc;
  for (int64_t d : dims)
    for (unsigned i = 0; i < 8; ++i)
      w.data.push_back(uint8_t(uint64_t(d) >> (8 * i)));
  return cantFail(g.addValue(std::move(w)));
}

/// For MatMul(A [..., M, K], B [K, N]): the Gemm it is (rows of A
/// flattened), else std::nullopt. Batched B (attention) is out of scope.
static std::optional<GemmParams> matMulAsGemm(const Graph &g, const Node &n) {
  if (n.op != "MatMul" || n.inputs.size() != 2 || n.outputs.size() != 1)
    return std::nullopt;
  const TensorType &a = g.values[n.inputs[0]].type;
  const TensorType &b = g.values[n.inputs[1]].type;
  if (b.shape.size() != 2 || a.shape.size() < 2 || a.shape.back() != b.shape[0])
    return std::nullopt;
  // Shape ranges: A's rows may be symbolic (a token count), K and N not.
  if (!b.isStatic() || !a.dim(a.rank() - 1).isConstant())
    return std::nullopt;
  GemmParams p;
  p.k = b.shape[0];
  p.n = b.shape[1];
  p.m = a.numElements() / p.k;
  std::optional<DimExpr> m = exactDiv(a.numElementsExpr(), DimExpr(p.k));
  if (!m)
    return std::nullopt;
  p.mDim = *m;
  return p;
}

size_t splitK(Graph &g, const KernelTarget &target) {
  if (!target.isGpu())
    return 0;
  std::vector<Node> nodes;
  nodes.reserve(g.nodes.size());
  size_t split = 0;
  for (Node &n : g.nodes) {
    std::optional<GemmParams> p = matMulAsGemm(g, n);
    SmallVector<ValueId, 3> abc =
        p ? SmallVector<ValueId, 3>(n.inputs.begin(), n.inputs.end())
          : gemmOperands(n);
    if (abc.empty() || n.outputs.size() != 1) {
      nodes.push_back(std::move(n));
      continue;
    }
    if (!p) {
      SmallVector<TensorType, 3> types;
      for (ValueId v : abc)
        types.push_back(g.values[v].type);
      Expected<GemmParams> parsed = parseGemmParams(n, types);
      if (!parsed) { // typed by shape inference, so this cannot happen
        consumeError(parsed.takeError());
        nodes.push_back(std::move(n));
        continue;
      }
      p = *parsed;
    }
    GemmKernelArgs args = gemmKernelArgs(*p, nullptr);
    // A GEMM with a GEMV for M = 1 (a decoded token) is not split: the
    // split would add a reduction dispatch and a barrier to every token
    // for the few-row prefills it helps.
    if (gemvApplies(args)) {
      nodes.push_back(std::move(n));
      continue;
    }
    // A symbolic M (shape ranges): one slicing serves the whole range. It is
    // chosen for a quarter of the bound (the smaller sizes, which need the
    // split most); at the bound it then makes more workgroups than needed,
    // each partial written and summed once more.
    if (args.mDim) {
      args.m = uint32_t(std::max<int64_t>(args.mDim->lowerBound(),
                                          std::max<int64_t>(1, p->m / 4)));
      args.mDim.reset();
    }
    uint32_t slice = p->transA && !p->mDim.isConstant()
                         ? 0
                         : chooseSplitKSlice(args, target);
    if (slice == 0) {
      nodes.push_back(std::move(n));
      continue;
    }
    int64_t slices = int64_t(ceilDiv(uint64_t(p->k), slice));

    Value pv;
    pv.name = g.freshName(n.name + "/splitk_partials");
    pv.type = TensorType::withDims(DType::F32, {slices, p->mDim, p->n});
    pv.hasType = true;
    pv.kind = ValueKind::Intermediate;
    pv.loc = n.loc;
    ValueId pid = cantFail(g.addValue(std::move(pv)));

    // A MatMul's A of rank > 2 is read as [M, K] through a Reshape view.
    ValueId a = abc[0];
    if (g.values[a].type.shape.size() != 2) {
      Value flat;
      flat.name = g.freshName(n.name + "/splitk_rows");
      flat.type = TensorType::withDims(DType::F32, {p->mDim, p->k});
      flat.hasType = true;
      flat.loc = n.loc;
      ValueId fid = cantFail(g.addValue(std::move(flat)));
      Node reshape;
      reshape.op = "Reshape";
      reshape.name = n.name + "/splitk_rows";
      reshape.loc = n.loc;
      // -1: the row count, symbolic over a shape range.
      reshape.inputs = {a, shapeWeight(g, n.name + "/splitk_rows_shape",
                                       {-1, p->k}, n.loc)};
      reshape.outputs = {fid};
      nodes.push_back(std::move(reshape));
      a = fid;
    }

    Node partial;
    partial.op = "GemmSplitK";
    partial.name = n.name + "/splitk";
    partial.loc = n.loc;
    partial.inputs = {a, abc[1]};
    partial.outputs = {pid};
    for (const char *attr : {"alpha", "transA", "transB"})
      if (n.attrs.has(attr))
        partial.attrs.values[attr] = n.attrs.values.at(attr);
    partial.attrs.values["k_slice"] = int64_t(slice);

    Node reduce;
    reduce.op = "SplitKReduce";
    reduce.name = n.name;
    reduce.loc = n.loc;
    reduce.inputs = {pid};
    if (abc.size() == 3)
      reduce.inputs.push_back(abc[2]);
    if (n.op == "GemmResidual") {
      reduce.inputs.push_back(n.inputs[2]);
      reduce.attrs.values["residual"] = int64_t(1);
    }
    if (n.attrs.has("beta"))
      reduce.attrs.values["beta"] = n.attrs.values.at("beta");
    SymShape yShape = g.values[n.outputs[0]].type.dims();
    if (n.op == "MatMul" && yShape != SymShape{p->mDim, p->n}) {
      if (g.values[n.outputs[0]].type.isStatic())
        reduce.attrs.values["shape"] = std::vector<int64_t>(
            g.values[n.outputs[0]].type.shape.begin(),
            g.values[n.outputs[0]].type.shape.end());
      else
        reduce.attrs.values["shape"] =
            std::vector<DimExpr>(yShape.begin(), yShape.end());
    }
    reduce.outputs = n.outputs;

    nodes.push_back(std::move(partial));
    nodes.push_back(std::move(reduce));
    ++split;
  }
  g.nodes = std::move(nodes);
  if (split)
    g.reindex();
  return split;
}

} // namespace tlc
