//===- passes/FuseNormProjections.cpp - RMSNorm and the GEMMs reading it --===//
//
// A Llama-style block normalizes its residual stream and projects the
// result two or three ways: Q, K and V after the attention norm, gate and
// up after the FFN norm. For a decoded token (one row) that is four or
// three dispatches, each behind a barrier, and the normalization's single
// workgroup leaves the GPU idle. This pass rewrites
//   RMSNormalization(X, scale) -> [one Reshape to [rows, K]] ->
//     Gemm(., W_j) {transB = 1} (or QuantizedGemm(., W_j)) for j < G, G <= 3
// into one RMSNormGemm node (ops/RMSNormGemm.cpp): one dispatch at one row,
// the same kernels as before for more. Two projections read only by a
// FusedElementwise computing silu(gate) * up (a Llama FFN, as
// fuse-elementwise leaves it) take that in too (activation swiglu): the
// one-row kernel writes the product as well.
//
// Matched only where it pays and is exact about what it replaces:
//   - the normalization is over the last axis, with a [K] scale;
//   - its output (or the view of it) is read by nothing but 1 to 3 such
//     Gemms, and is no graph output;
//   - each Gemm has no C, alpha 1, transA 0, and a static weight [N, K] of
//     at most \p maxWeightBytes at f32 (larger ones are split across
//     bindings later, passes/SplitLargeWeights.cpp); or all are
//     QuantizedGemms of one block type (GGUF weights), each weight within
//     that limit;
//   - the rows can be 1: a constant 1, or a range starting at 1.
// Only for GPU targets: lavapipe (--target=cpu) runs the fused one-row
// kernels slower than the unfused ones (a TinyLlama FFN's norm + gate/up
// at K = 256: 7.3 ms against 3.3; its SIMD lanes gain nothing from fewer
// dispatches, and the fused kernel recomputes x.x for every row).
// The fused node takes the normalization's place (its inputs are defined
// there, the Gemms' readers come after the Gemms), so a topological order
// stays topological. Its output H is the view's value (or the
// normalization's output when there is no view).
//
//===----------------------------------------------------------------------===//
#include "ops/FusedElementwiseProgram.h"
#include "ops/KernelTarget.h"
#include "passes/FusionUtil.h"
#include "passes/Passes.h"

#include "llvm/ADT/SmallVector.h"

using namespace llvm;

namespace tlc {

namespace {

constexpr size_t kMaxProjections = 3;

/// One projection of the normalized rows: its weight, and the quant
/// attribute of a QuantizedGemm ("" for a Gemm).
struct Projection {
  ValueId weight = 0;
  std::string quant;
};

/// \p gemm as a projection RMSNormGemm can compute, reading A = \p a:
///   - a Gemm with no C, alpha 1, transA 0, transB 1, B a static f32
///     weight [N, K];
///   - a QuantizedGemm of a weight (quant q8_0, q4_0 or q6_k);
/// either weight of at most \p maxBytes.
std::optional<Projection> asProjection(const Graph &g, const Node &gemm,
                                       ValueId a, int64_t k,
                                       uint64_t maxBytes) {
  if (gemm.inputs.size() != 2 || gemm.inputs[0] != a ||
      gemm.outputs.size() != 1)
    return std::nullopt;
  ValueId w = gemm.inputs[1];
  const Value &wv = g.values[w];
  if (wv.kind != ValueKind::Weight || !wv.type.isStatic() ||
      wv.type.rank() != 2 || wv.type.byteSize() > maxBytes)
    return std::nullopt;
  if (gemm.op == "QuantizedGemm") {
    Expected<std::string> q = gemm.attrs.getString("quant", "");
    if (!q) {
      consumeError(q.takeError());
      return std::nullopt;
    }
    if (gemm.attrs.values.size() != 1 || wv.type.dtype != DType::U8)
      return std::nullopt;
    return Projection{w, *q};
  }
  if (gemm.op != "Gemm")
    return std::nullopt;
  for (const auto &[name, value] : gemm.attrs.values)
    if (name != "transA" && name != "transB" && name != "alpha" &&
        name != "beta")
      return std::nullopt;
  Expected<int64_t> transA = gemm.attrs.getInt("transA", 0);
  Expected<int64_t> transB = gemm.attrs.getInt("transB", 0);
  Expected<double> alpha = gemm.attrs.getFloat("alpha", 1.0);
  if (!transA || !transB || !alpha) {
    consumeError(transA.takeError());
    consumeError(transB.takeError());
    consumeError(alpha.takeError());
    return std::nullopt;
  }
  if (*transA != 0 || *transB != 1 || *alpha != 1.0 ||
      wv.type.dtype != DType::F32 || wv.type.shape[1] != k)
    return std::nullopt;
  return Projection{w, ""};
}

/// Whether \p e is a FusedElementwise of two inputs computing exactly
/// silu(input 0) * input 1: Sigmoid(r0), then r0 * r2 and r3 * r1 (either
/// operand order of each Mul), with no parameters in use.
bool isSwiglu(const Node &e) {
  if (e.op != "FusedElementwise" || e.inputs.size() != 2 ||
      e.outputs.size() != 1)
    return false;
  Expected<FusedProgram> p = readFusedProgram(e.attrs, 2);
  if (!p) {
    consumeError(p.takeError());
    return false;
  }
  auto is = [](const FusedInstr &in, FusedOpcode op, int64_t a, int64_t b) {
    return in.op == op && ((in.a == a && in.b == b) || (in.a == b && in.b == a));
  };
  return p->code.size() == 3 && p->code[0].op == FusedOpcode::Sigmoid &&
         p->code[0].a == 0 && is(p->code[1], FusedOpcode::Mul, 0, 2) &&
         is(p->code[2], FusedOpcode::Mul, 3, 1);
}

} // namespace

size_t fuseNormProjections(Graph &g, const KernelTarget &target,
                           uint64_t maxWeightBytes) {
  if (!target.isGpu())
    return 0;
  UseList uses = collectUses(g);
  std::vector<bool> removed(g.nodes.size(), false);
  std::vector<std::optional<Node>> replacement(g.nodes.size());
  size_t fused = 0;
  for (NodeId r = 0; r < g.nodes.size(); ++r) {
    const Node &norm = g.nodes[r];
    if (norm.op != "RMSNormalization" || norm.inputs.size() != 2 ||
        norm.outputs.size() != 1 || removed[r])
      continue;
    ValueId x = norm.inputs[0], scale = norm.inputs[1], y = norm.outputs[0];
    const TensorType &xt = g.values[x].type, &st = g.values[scale].type;
    Expected<int64_t> axis = norm.attrs.getInt("axis", -1);
    Expected<int64_t> stash = norm.attrs.getInt("stash_type", 1);
    if (!axis || !stash) {
      consumeError(axis.takeError());
      consumeError(stash.takeError());
      continue;
    }
    int64_t rank = int64_t(xt.rank());
    if (rank < 1 || !(*axis == -1 || *axis == rank - 1) || *stash != 1 ||
        xt.dtype != DType::F32 || st.dtype != DType::F32)
      continue;
    DimExpr kDim = xt.dim(size_t(rank - 1));
    if (!kDim.isConstant() || !st.isStatic() || st.rank() != 1 ||
        st.shape[0] != kDim.constant())
      continue;
    int64_t k = kDim.constant();
    DimExpr rows = 1;
    for (int64_t d = 0; d + 1 < rank; ++d)
      rows = rows * xt.dim(size_t(d));
    if (rows.lowerBound() != 1)
      continue; // never one row: nothing to gain
    // The value the Gemms read: y itself when it is [rows, K], else the one
    // Reshape of it to that type.
    if (g.isOutput(y))
      continue;
    ValueId a = y;
    std::optional<NodeId> view;
    TensorType rowsType = TensorType::withDims(DType::F32, {rows, kDim});
    if (g.values[y].type != rowsType) {
      if (uses[y].size() != 1 || g.nodes[uses[y][0]].op != "Reshape" ||
          removed[uses[y][0]])
        continue;
      view = uses[y][0];
      a = g.nodes[*view].outputs[0];
      if (g.values[a].type != rowsType || g.isOutput(a))
        continue;
    }
    const auto &readers = uses[a];
    if (readers.empty() || readers.size() > kMaxProjections)
      continue;
    // All dense or all quantized alike (one kernel reads them all).
    SmallVector<ValueId, 3> weights;
    std::string quant;
    for (NodeId n : readers) {
      std::optional<Projection> p =
          removed[n] ? std::nullopt
                     : asProjection(g, g.nodes[n], a, k, maxWeightBytes);
      if (!p || (!weights.empty() && p->quant != quant))
        break;
      quant = p->quant;
      weights.push_back(p->weight);
    }
    if (weights.size() != readers.size())
      continue;
    Expected<double> eps = norm.attrs.getFloat("epsilon", 1e-5);
    if (!eps) {
      consumeError(eps.takeError());
      continue;
    }
    // Two projections whose outputs only silu(gate) * up reads (a Llama
    // FFN): the activation joins the node, gate first.
    SmallVector<NodeId, 3> projections(readers.begin(), readers.end());
    std::optional<NodeId> swiglu;
    if (projections.size() == 2) {
      ValueId y0 = g.nodes[projections[0]].outputs[0],
              y1 = g.nodes[projections[1]].outputs[0];
      if (uses[y0].size() == 1 && uses[y1].size() == 1 &&
          uses[y0][0] == uses[y1][0] && !g.isOutput(y0) && !g.isOutput(y1) &&
          !removed[uses[y0][0]] && isSwiglu(g.nodes[uses[y0][0]]) &&
          g.values[y0].type == g.values[y1].type) {
        swiglu = uses[y0][0];
        if (g.nodes[*swiglu].inputs[0] == y1) {
          std::swap(projections[0], projections[1]);
          std::swap(weights[0], weights[1]);
        }
      }
    }
    Node fusedNode;
    fusedNode.op = "RMSNormGemm";
    fusedNode.name = norm.name;
    fusedNode.loc = norm.loc;
    fusedNode.inputs = {x, scale};
    fusedNode.inputs.append(weights.begin(), weights.end());
    for (NodeId n : projections) {
      fusedNode.outputs.push_back(g.nodes[n].outputs[0]);
      removed[n] = true;
    }
    fusedNode.outputs.push_back(a);
    if (swiglu) {
      fusedNode.outputs.push_back(g.nodes[*swiglu].outputs[0]);
      fusedNode.attrs.values["activation"] = std::string("swiglu");
      removed[*swiglu] = true;
    }
    fusedNode.attrs.values["epsilon"] = *eps;
    if (!quant.empty())
      fusedNode.attrs.values["quant"] = quant;
    if (view)
      removed[*view] = true;
    removed[r] = true;
    replacement[r] = std::move(fusedNode);
    ++fused;
  }
  if (fused)
    rebuildNodes(g, replacement, removed);
  return fused;
}

} // namespace tlc
