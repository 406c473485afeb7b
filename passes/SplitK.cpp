//===- passes/SplitK.cpp - Split-K for GEMMs with few output tiles --------===//
//
// A GEMM with few rows (GPT-2's 128-token projections: 128 x 768 outputs
// against K = 768 or 3072) has too few output tiles to occupy a large GPU,
// and each tile runs a long sequential k loop. Splitting K into S slices
// (the split-K of CUTLASS's "Efficient GEMM" notes) rewrites
//   Y = alpha * op(A) * op(B) + beta * C (+ Z)    (Gemm or GemmResidual)
// into
//   P = GemmSplitK(A, B)           P [S, M, N]: P[s] = alpha * slice s
//   Y = SplitKReduce(P, [C], [Z])  Y = sum_s P[s] + beta * C (+ Z)
// P is an ordinary transient tensor: the memory planner places it and frees
// it after the reduction, so the plan format needs no scratch buffers.
// Only for the "gpu" target (lavapipe gains nothing); S comes from
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

/// A value name not yet taken in \p g, starting from \p base.
static std::string freshValueName(const Graph &g, const std::string &base) {
  std::string name = base;
  for (unsigned i = 1; g.lookup(name); ++i)
    name = base + "_" + std::to_string(i);
  return name;
}

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

size_t splitK(Graph &g, const KernelTarget &target) {
  if (!target.isGpu())
    return 0;
  std::vector<Node> nodes;
  nodes.reserve(g.nodes.size());
  size_t split = 0;
  for (Node &n : g.nodes) {
    SmallVector<ValueId, 3> abc = gemmOperands(n);
    if (abc.empty() || n.outputs.size() != 1) {
      nodes.push_back(std::move(n));
      continue;
    }
    SmallVector<TensorType, 3> types;
    for (ValueId v : abc)
      types.push_back(g.values[v].type);
    Expected<GemmParams> p = parseGemmParams(n, types);
    if (!p) { // typed by shape inference, so this cannot happen
      consumeError(p.takeError());
      nodes.push_back(std::move(n));
      continue;
    }
    GemmKernelArgs args = gemmKernelArgs(*p, nullptr);
    uint32_t slice = chooseSplitKSlice(args, target);
    if (slice == 0) {
      nodes.push_back(std::move(n));
      continue;
    }
    int64_t slices = int64_t(ceilDiv(uint64_t(p->k), slice));

    Value pv;
    pv.name = freshValueName(g, n.name + "/splitk_partials");
    pv.type = TensorType{DType::F32, {slices, p->m, p->n}};
    pv.hasType = true;
    pv.kind = ValueKind::Intermediate;
    pv.loc = n.loc;
    ValueId pid = cantFail(g.addValue(std::move(pv)));

    Node partial;
    partial.op = "GemmSplitK";
    partial.name = n.name + "/splitk";
    partial.loc = n.loc;
    partial.inputs = {abc[0], abc[1]};
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
