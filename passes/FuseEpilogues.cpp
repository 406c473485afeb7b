//===- passes/FuseEpilogues.cpp - Conv and Gemm epilogues ----------------===//
//
// A Conv followed by an Add of a residual and/or an activation costs two or
// three dispatches, each a round trip of the whole feature map through
// memory. This pass rewrites the chain
//   Conv -> [Add(., Z)] -> [Relu | Sigmoid | HardSigmoid | HardSwish | Clip]
// into one FusedConv (ops/FusedConv.cpp; onnxruntime's com.microsoft
// FusedConv semantics: Y = activation(Conv(X, W) + B + Z)), whose shaders
// apply the epilogue before their store, and the chain
//   Gemm -> [views (Reshape, ...)] -> Add(., Z)
// (a transformer's residual connection, e.g. GPT-2's attention and MLP
// output projections) into one GemmResidual (ops/GemmResidual.cpp), which
// adds Z before its store; the views disappear and Y takes Z's type. A
// QuantizedGemm -> [views] -> Add(., Z) becomes a QuantizedGemm with input
// Z (ops/QuantizedGemm.cpp), the same way.
//
// A link of the chain is absorbed only when the tensor it consumes has no
// other reader and is not a graph output, so no intermediate tensor that
// anything else could see disappears. The residual Z must have the Conv
// (viewed Gemm) output's exact type (no broadcast) and must not share
// storage with X (A, B or C) through views: the fused op may write Y over Z
// in place, which is only safe when no invocation reads Z at another
// element, and the conv (GEMM) reads its operands at many. Clip is absorbed
// only when its bounds are constants.
//
// The fused node takes the place of the chain's last node, so every input
// (Z included) is defined before it and every reader of its output after it:
// a topological order stays topological.
//
//===----------------------------------------------------------------------===//
#include "ops/ConvKernel.h"
#include "ops/OpDef.h"
#include "passes/FusionUtil.h"
#include "passes/Passes.h"

#include "llvm/ADT/SmallVector.h"

#include <cstring>
#include <limits>

using namespace llvm;

namespace tlc {

namespace {

/// The value whose memory \p v is a view of (following Reshape, Flatten,
/// Squeeze, Unsqueeze: ops whose OpMemoryTraits::isView is set).
ValueId viewRoot(const Graph &g, ValueId v) {
  for (unsigned guard = 0; guard < g.nodes.size(); ++guard) {
    const Value &val = g.values[v];
    if (!val.producer)
      return v;
    const Node &n = g.nodes[*val.producer];
    const OpDef *def = lookupOp(n.op);
    if (!def || !def->memory.isView || n.inputs.empty())
      return v;
    v = n.inputs[0];
  }
  return v;
}

/// The node that is \p v's only reader, when \p v has exactly one use, is
/// not a graph output and the reader is not yet part of another fusion.
std::optional<NodeId> soleReader(const Graph &g, const UseList &uses,
                                 const std::vector<bool> &claimed, ValueId v) {
  if (uses[v].size() != 1 || g.isOutput(v) || claimed[uses[v][0]])
    return std::nullopt;
  return uses[v][0];
}

/// The scalar constant \p v holds, if it is an f32 weight of one element.
std::optional<float> constantScalar(const Graph &g, ValueId v) {
  const Value &val = g.values[v];
  if (val.kind != ValueKind::Weight || val.type.dtype != DType::F32 ||
      val.type.numElements() != 1 || val.data.size() != sizeof(float))
    return std::nullopt;
  float f;
  std::memcpy(&f, val.data.data(), sizeof f);
  return f;
}

/// The epilogue activation node \p n computes on its input 0, if FusedConv
/// can absorb it.
std::optional<ConvEpilogue> asActivation(const Graph &g, const Node &n) {
  ConvEpilogue e;
  if (n.op == "Relu" && n.inputs.size() == 1) {
    e.activation = ConvActivation::Relu;
  } else if (n.op == "Sigmoid" && n.inputs.size() == 1) {
    e.activation = ConvActivation::Sigmoid;
  } else if (n.op == "HardSwish" && n.inputs.size() == 1) {
    e.activation = ConvActivation::HardSwish;
  } else if (n.op == "HardSigmoid" && n.inputs.size() == 1) {
    Expected<double> alpha = n.attrs.getFloat("alpha", 0.2);
    Expected<double> beta = n.attrs.getFloat("beta", 0.5);
    if (!alpha || !beta) {
      consumeError(alpha.takeError());
      consumeError(beta.takeError());
      return std::nullopt;
    }
    e.activation = ConvActivation::HardSigmoid;
    e.p0 = float(*alpha);
    e.p1 = float(*beta);
  } else if (n.op == "Clip" && !n.inputs.empty() && n.inputs.size() <= 3) {
    e.activation = ConvActivation::Clip;
    e.p0 = -std::numeric_limits<float>::infinity();
    e.p1 = std::numeric_limits<float>::infinity();
    if (n.inputs.size() > 1) {
      std::optional<float> lo = constantScalar(g, n.inputs[1]);
      if (!lo)
        return std::nullopt;
      e.p0 = *lo;
    }
    if (n.inputs.size() > 2) {
      std::optional<float> hi = constantScalar(g, n.inputs[2]);
      if (!hi)
        return std::nullopt;
      e.p1 = *hi;
    }
  } else {
    return std::nullopt;
  }
  return e;
}

/// The residual Add that ends the chain Gemm -> views -> Add(., Z) starting
/// at Gemm node \p gi, if it can fuse: every link the sole reader of its
/// input, Z of the viewed output's type and not sharing storage with any
/// Gemm operand. Appends the absorbed nodes (views, then the Add) to
/// \p absorbed and returns Z.
std::optional<ValueId> gemmResidual(const Graph &g, const UseList &uses,
                                    const std::vector<bool> &claimed, NodeId gi,
                                    SmallVectorImpl<NodeId> &absorbed) {
  const Node &gemm = g.nodes[gi];
  if (gemm.outputs.size() != 1 || gemm.inputs.size() < 2)
    return std::nullopt;
  ValueId cur = gemm.outputs[0];
  SmallVector<NodeId, 2> chain;
  for (;;) {
    std::optional<NodeId> r = soleReader(g, uses, claimed, cur);
    if (!r)
      return std::nullopt;
    const Node &n = g.nodes[*r];
    const OpDef *def = lookupOp(n.op);
    if (def && def->memory.isView && n.outputs.size() == 1 &&
        !n.inputs.empty() && n.inputs[0] == cur) {
      chain.push_back(*r);
      cur = n.outputs[0];
      continue;
    }
    if (n.op != "Add" || n.inputs.size() != 2 || n.outputs.size() != 1 ||
        n.inputs[0] == n.inputs[1])
      return std::nullopt;
    ValueId z = n.inputs[0] == cur ? n.inputs[1] : n.inputs[0];
    if (g.values[z].type != g.values[cur].type ||
        g.values[n.outputs[0]].type != g.values[z].type)
      return std::nullopt;
    for (ValueId in : gemm.inputs)
      if (viewRoot(g, z) == viewRoot(g, in))
        return std::nullopt;
    chain.push_back(*r);
    absorbed.append(chain.begin(), chain.end());
    return z;
  }
}

} // namespace

size_t fuseEpilogues(Graph &g) {
  UseList uses = collectUses(g);
  std::vector<bool> removed(g.nodes.size(), false);
  std::vector<bool> claimed(g.nodes.size(), false); // absorbed by a fusion
  // Fused nodes keyed by the index of the node they replace.
  std::vector<std::optional<Node>> replacement(g.nodes.size());
  size_t fused = 0;
  for (NodeId ci = 0; ci < g.nodes.size(); ++ci) {
    const Node &conv = g.nodes[ci];
    bool quantized = conv.op == "QuantizedGemm" && conv.inputs.size() == 2;
    if ((conv.op == "Gemm" || quantized) && !claimed[ci]) {
      SmallVector<NodeId, 2> absorbed;
      std::optional<ValueId> z = gemmResidual(g, uses, claimed, ci, absorbed);
      if (!z)
        continue;
      // GemmResidual's inputs: A, B, Z, then the bias C if any; a
      // QuantizedGemm takes Z as its optional third input.
      Node f;
      f.op = quantized ? "QuantizedGemm" : "GemmResidual";
      f.name = conv.name;
      f.loc = conv.loc;
      f.attrs = conv.attrs;
      f.inputs = {conv.inputs[0], conv.inputs[1], *z};
      if (conv.inputs.size() == 3)
        f.inputs.push_back(conv.inputs[2]);
      f.outputs = {g.nodes[absorbed.back()].outputs[0]};
      removed[ci] = true;
      for (NodeId a : absorbed)
        claimed[a] = true;
      for (size_t i = 0; i + 1 < absorbed.size(); ++i)
        removed[absorbed[i]] = true;
      replacement[absorbed.back()] = std::move(f);
      ++fused;
      continue;
    }
    if (conv.op != "Conv" || conv.outputs.size() != 1 || conv.inputs.size() < 2)
      continue;
    ValueId x = conv.inputs[0];
    ValueId cur = conv.outputs[0];
    SmallVector<NodeId, 2> absorbed;
    std::optional<ValueId> z;
    ConvEpilogue epi;

    // Link 1: Add of a residual of the same type.
    if (std::optional<NodeId> r = soleReader(g, uses, claimed, cur)) {
      const Node &add = g.nodes[*r];
      if (add.op == "Add" && add.inputs.size() == 2 &&
          add.outputs.size() == 1 && add.inputs[0] != add.inputs[1]) {
        ValueId other = add.inputs[0] == cur ? add.inputs[1] : add.inputs[0];
        if (g.values[other].type == g.values[cur].type &&
            viewRoot(g, other) != viewRoot(g, x)) {
          z = other;
          absorbed.push_back(*r);
          cur = add.outputs[0];
        }
      }
    }
    // Link 2: an activation.
    if (std::optional<NodeId> r = soleReader(g, uses, claimed, cur)) {
      const Node &act = g.nodes[*r];
      if (act.outputs.size() == 1 && act.inputs[0] == cur)
        if (std::optional<ConvEpilogue> e = asActivation(g, act)) {
          epi = *e;
          absorbed.push_back(*r);
          cur = act.outputs[0];
        }
    }
    if (absorbed.empty())
      continue;

    Node f;
    f.op = "FusedConv";
    f.name = conv.name;
    f.loc = conv.loc;
    f.attrs = conv.attrs;
    f.inputs = conv.inputs;
    f.outputs = {cur};
    if (epi.activation != ConvActivation::None) {
      f.attrs.values["activation"] =
          std::string(convActivationName(epi.activation));
      if (epi.activation == ConvActivation::HardSigmoid ||
          epi.activation == ConvActivation::Clip)
        f.attrs.values["activation_params"] =
            std::vector<double>{double(epi.p0), double(epi.p1)};
    }
    if (z) {
      if (f.inputs.size() == 2) {
        // Z is input 3: give the Conv an explicit zero bias.
        Value b;
        b.name = g.freshName(conv.name + ".zero_bias");
        b.kind = ValueKind::Weight;
        b.type =
            TensorType{DType::F32, {g.values[conv.inputs[1]].type.shape[0]}};
        b.hasType = true;
        b.data.assign(size_t(b.type.byteSize()), 0);
        b.loc = conv.loc;
        f.inputs.push_back(cantFail(g.addValue(std::move(b))));
      }
      f.inputs.push_back(*z);
    }
    removed[ci] = true;
    for (NodeId a : absorbed)
      claimed[a] = true;
    for (size_t i = 0; i + 1 < absorbed.size(); ++i)
      removed[absorbed[i]] = true;
    replacement[absorbed.back()] = std::move(f);
    ++fused;
  }
  if (fused == 0)
    return 0;
  rebuildNodes(g, replacement, removed);
  return fused;
}

} // namespace tlc
