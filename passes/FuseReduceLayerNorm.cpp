//===- passes/FuseReduceLayerNorm.cpp - LayerNorm into SplitKReduce ------===//
//
// In a transformer, every residual projection (split by passes/SplitK.cpp
// into GemmSplitK + SplitKReduce, the reduction adding bias and residual) is
// followed by a LayerNormalization of its result: the next sub-layer's input.
// That is two dispatches and two round trips of the row through memory for
// what one workgroup per row can do: this pass rewrites
//   Y = SplitKReduce(P, [C], [Z]) -> [Reshape views] -> YN = LayerNorm(Y')
// into one SplitKReduce with layer_norm = 1 and outputs (Y, YN)
// (ops/SplitKReduce.cpp, shaders/splitk_reduce_ln.comp). Y keeps its other
// readers (the residual stream). Conditions: the LayerNormalization has one
// output, normalizes exactly the last axis (its input's last dim is the
// reduction's N), its Scale and B are [N], and nothing else reads a view in
// between. Only for the "gpu" target: the fused shader uses subgroup
// arithmetic.
//
// The fused node stays at the reduction's place; the LayerNormalization's
// Scale and B are weights (or defined earlier: checked), and every reader of
// YN came after the LayerNormalization, hence after the reduction: the order
// stays topological.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "passes/FusionUtil.h"
#include "passes/Passes.h"

#include "llvm/ADT/SmallVector.h"

using namespace llvm;

namespace tlc {

namespace {

/// Whether \p v is available before node \p at: a weight or graph input, or
/// produced by a node before it.
bool definedBefore(const Graph &g, ValueId v, NodeId at) {
  const Value &val = g.values[v];
  return !val.producer || *val.producer < at;
}

} // namespace

size_t fuseReduceLayerNorm(Graph &g, const KernelTarget &target) {
  if (!target.isGpu() || !target.subgroupArithmetic)
    return 0;
  UseList readers = collectUses(g);
  std::vector<bool> erase(g.nodes.size(), false);
  size_t fused = 0;
  for (NodeId r = 0; r < g.nodes.size(); ++r) {
    Node &red = g.nodes[r];
    if (red.op != "SplitKReduce" || red.outputs.size() != 1 ||
        red.attrs.has("layer_norm"))
      continue;
    const TensorType &p = g.values[red.inputs[0]].type;
    if (p.rank() != 3)
      continue;
    // Dims compare as expressions (shape ranges): N and the LayerNorm's
    // last dim must be equal over the whole range; a symbolic row count is
    // a run-time value of splitk_reduce_ln.
    const OpDef *redDef = lookupOp(red.op);
    if (!p.isStatic() && !(redDef && redDef->symbolicLowering))
      continue;
    DimExpr n = p.dim(2);
    // Follow single-reader-free views: Y -> Reshape* -> LayerNormalization.
    // Views may have other readers (they are free); the LayerNormalization
    // is the one reader we absorb.
    ValueId y = red.outputs[0];
    std::optional<NodeId> ln;
    SmallVector<ValueId, 4> frontier = {y};
    for (unsigned guard = 0; !frontier.empty() && guard < 16 && !ln; ++guard) {
      ValueId v = frontier.pop_back_val();
      for (NodeId u : readers[v]) {
        const Node &un = g.nodes[u];
        if (un.op == "LayerNormalization" && un.inputs[0] == v &&
            un.outputs.size() == 1) {
          ln = u;
          break;
        }
        const OpDef *def = lookupOp(un.op);
        if (def && def->memory.isView && un.inputs[0] == v)
          frontier.push_back(un.outputs[0]);
      }
    }
    if (!ln || erase[*ln])
      continue;
    const Node &l = g.nodes[*ln];
    const TensorType &x = g.values[l.inputs[0]].type;
    Expected<int64_t> axis = l.attrs.getInt("axis", -1);
    Expected<double> eps = l.attrs.getFloat("epsilon", 1e-5);
    if (!axis || !eps) {
      if (!axis)
        consumeError(axis.takeError());
      if (!eps)
        consumeError(eps.takeError());
      continue;
    }
    int64_t rank = int64_t(x.rank());
    bool lastAxis = *axis == -1 || *axis == rank - 1;
    if (!lastAxis || rank == 0 || x.dim(size_t(rank - 1)) != n ||
        l.inputs.size() < 2 || l.inputs.size() > 3)
      continue;
    bool shapesOk = true;
    for (size_t i = 1; i < l.inputs.size(); ++i) {
      const TensorType &t = g.values[l.inputs[i]].type;
      if (t.rank() != 1 || t.dim(0) != n || !definedBefore(g, l.inputs[i], r))
        shapesOk = false;
    }
    if (!shapesOk)
      continue;
    // YN takes the LayerNormalization's output value (and its readers); it
    // has the reduction's own output shape only if the views kept it, so
    // compare element counts and shapes: YN must have Y's type.
    ValueId yn = l.outputs[0];
    if (g.values[yn].type != g.values[y].type)
      continue;
    red.attrs.values["layer_norm"] = int64_t(1);
    red.attrs.values["epsilon"] = *eps;
    red.attrs.values["ln_bias"] = int64_t(l.inputs.size() == 3);
    red.inputs.push_back(l.inputs[1]);
    if (l.inputs.size() == 3)
      red.inputs.push_back(l.inputs[2]);
    red.outputs.push_back(yn);
    erase[*ln] = true;
    ++fused;
  }
  if (!fused)
    return 0;
  std::vector<std::optional<Node>> noReplacements;
  rebuildNodes(g, noReplacements, erase);
  return fused;
}

} // namespace tlc
