//===- passes/F16Storage.cpp - fp16 storage, f32 arithmetic ---------------===//
//
// `--precision=fp16` (passes/Passes.h, useF16Storage). Each node's lowering
// (OpDef::lower) is asked which dispatches it would emit; when all of them
// have an fp16 build, the interface of those builds (read from their SPIR-V
// at build time: spirv/EmbeddedShaders.h) says, binding by binding, which
// operands are stored binary16 and which f32. Values then take the storage of
// their producer, and StorageCast nodes bridge every edge where producer and
// consumer disagree. Halving the bytes of activations and weights halves
// the memory traffic that bounds most inference kernels, and the planned
// transient memory.
//
//===----------------------------------------------------------------------===//
#include "ir/Half.h"
#include "ops/OpDef.h"
#include "ops/LowerNode.h"
#include "passes/FusionUtil.h"
#include "passes/Passes.h"
#include "spirv/EmbeddedShaders.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

using namespace llvm;

namespace tlc {

namespace {

/// What a node's fp16 builds want of operand k (inputs, then outputs).
enum class Want : uint8_t { Unbound, F16, F32 };
using OperandWants = SmallVector<Want, 8>;

/// The storage each operand of \p node gets when it runs its fp16 builds;
/// std::nullopt when it stays f32: some dispatch has no fp16 build, a float
/// tensor is bound to a non-float buffer, or one tensor would need two
/// storages.
std::optional<OperandWants> f16Wants(const Graph &g, const Node &node,
                                     const KernelTarget &target) {
  const OpDef *def = lookupOp(node.op);
  if (!def || !def->lower || node.op == "StorageCast")
    return std::nullopt;
  SmallVector<ValueId, 8> operands(node.inputs.begin(), node.inputs.end());
  operands.append(node.outputs.begin(), node.outputs.end());
  // The dispatches codegen emits for the node stored f16.
  SmallVector<DispatchDesc, 2> dispatches =
      lowerNode(g, node, /*f16Storage=*/true, target);
  if (dispatches.empty())
    return std::nullopt;
  OperandWants want(operands.size(), Want::Unbound);
  for (const DispatchDesc &d : dispatches) {
    const EmbeddedShader *s = findEmbeddedShader(d.shader);
    if (!s)
      return std::nullopt;
    ArrayRef<BindingDecl> bindings = s->interface.bindings;
    for (size_t b = 0; b < d.operands.size(); ++b) {
      if (llvm::is_contained(d.unread, b))
        continue; // a placeholder: its storage does not matter
      unsigned k = d.operands[b];
      BindingFloat f =
          b < bindings.size() ? bindings[b].floatStorage : BindingFloat::None;
      bool isFloat = g.values[operands[k]].type.dtype == DType::F32;
      if (!isFloat) {
        if (f == BindingFloat::None)
          continue;
        return std::nullopt; // an integer tensor in a float buffer
      }
      if (f != BindingFloat::F16 && f != BindingFloat::F32)
        return std::nullopt;
      Want w = f == BindingFloat::F16 ? Want::F16 : Want::F32;
      if (want[k] != Want::Unbound && want[k] != w)
        return std::nullopt;
      want[k] = w;
    }
  }
  if (!llvm::is_contained(want, Want::F16))
    return std::nullopt;
  return want;
}

/// \p data (f32, little-endian) as binary16, finite values saturated to
/// +-65504 (ir/Half.h).
std::vector<uint8_t> weightToHalf(ArrayRef<uint8_t> data) {
  std::vector<uint8_t> out(data.size() / 2);
  for (size_t i = 0; i + 4 <= data.size(); i += 4) {
    float f;
    std::memcpy(&f, data.data() + i, 4);
    if (std::isfinite(f))
      f = std::clamp(f, -kHalfMax, kHalfMax);
    uint16_t h = floatToHalf(f);
    std::memcpy(out.data() + i / 2, &h, 2);
  }
  return out;
}

/// Adds a value named \p base (or base.N when taken) of type \p t.
ValueId addFreshValue(Graph &g, const std::string &base, TensorType t,
                      ValueKind kind) {
  for (unsigned n = 0;; ++n) {
    Value v;
    v.name = n == 0 ? base : base + "." + std::to_string(n);
    v.type = t;
    v.hasType = true;
    v.kind = kind;
    Expected<ValueId> id = g.addValue(std::move(v));
    if (id)
      return *id;
    consumeError(id.takeError()); // the name is taken: try the next one
  }
}

Node storageCast(const Graph &g, ValueId from, ValueId to, const char *dtype) {
  Node c;
  c.op = "StorageCast";
  c.name = g.values[to].name;
  c.inputs = {from};
  c.outputs = {to};
  c.attrs.values["to"] = std::string(dtype);
  c.loc = g.values[from].loc;
  return c;
}

} // namespace

F16StorageStats useF16Storage(Graph &g, const KernelTarget &target) {
  F16StorageStats stats;
  size_t numNodes = g.nodes.size();
  std::vector<std::optional<OperandWants>> wants(numNodes);
  for (size_t i = 0; i < numNodes; ++i)
    if ((wants[i] = f16Wants(g, g.nodes[i], target)))
      ++stats.f16Nodes;
  // What consumer slot (node i, input j) wants: F32 for nodes staying f32.
  auto wantOfInput = [&](size_t i, size_t j) {
    return wants[i] ? (*wants[i])[j] : Want::F32;
  };
  UseList uses = collectUses(g);
  std::vector<std::vector<Node>> before(numNodes), after(numNodes);

  // 0. A state (a KV cache) is updated in place by its reader, so a cast
  //    copy would leave the state itself unchanged: a state is stored f16
  //    (step 2) when every reader wants it f16; otherwise its readers stay
  //    f32 (which may leave another state with an f32 reader: repeat).
  for (bool changed = true; changed;) {
    changed = false;
    for (ValueId v = 0; v < ValueId(g.values.size()); ++v) {
      if (g.values[v].kind != ValueKind::State)
        continue;
      bool allF16 = !g.isOutput(v);
      for (NodeId c : uses[v])
        for (size_t k = 0; k < g.nodes[c].inputs.size(); ++k)
          if (g.nodes[c].inputs[k] == v && wantOfInput(c, k) != Want::F16)
            allF16 = false;
      if (allF16)
        continue;
      for (NodeId c : uses[v])
        if (wants[c]) {
          wants[c].reset();
          --stats.f16Nodes;
          changed = true;
        }
    }
  }

  // 1. Outputs of f16 nodes: stored f16. Where an f32 reader or the graph's
  //    interface needs the value, the node writes a new f16 value and a
  //    StorageCast after it restores the original (f32) one.
  size_t numValues = g.values.size();
  for (size_t i = 0; i < numNodes; ++i) {
    if (!wants[i])
      continue;
    size_t numIn = g.nodes[i].inputs.size();
    for (size_t j = 0; j < g.nodes[i].outputs.size(); ++j) {
      if ((*wants[i])[numIn + j] != Want::F16)
        continue;
      ValueId v = g.nodes[i].outputs[j];
      bool needF32 = g.isOutput(v);
      for (NodeId c : uses[v])
        for (size_t k = 0; k < g.nodes[c].inputs.size(); ++k)
          if (g.nodes[c].inputs[k] == v && wantOfInput(c, k) == Want::F32)
            needF32 = true;
      TensorType t16 = g.values[v].type; // symbolic dims kept
      t16.dtype = DType::F16;
      if (!needF32) {
        g.values[v].type = t16;
        continue;
      }
      ValueId h = addFreshValue(g, g.values[v].name + ".f16", t16,
                                ValueKind::Intermediate);
      g.nodes[i].outputs[j] = h;
      for (NodeId c : uses[v])
        for (size_t k = 0; k < g.nodes[c].inputs.size(); ++k)
          if (g.nodes[c].inputs[k] == v && wantOfInput(c, k) == Want::F16)
            g.nodes[c].inputs[k] = h;
      after[i].push_back(storageCast(g, h, v, "f32"));
      ++stats.casts;
    }
  }

  // 2. f32 values (graph inputs, weights, outputs of f32 nodes) read by an
  //    f16 slot: weights are converted (in place when every reader wants
  //    f16), states stored f16 (step 0 made every reader want that), other
  //    values cast before their first f16 reader.
  std::vector<std::optional<ValueId>> asF16(numValues);
  for (size_t i = 0; i < numNodes; ++i) {
    if (!wants[i])
      continue;
    Node &node = g.nodes[i];
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      ValueId v = node.inputs[k];
      if (v >= numValues || (*wants[i])[k] != Want::F16 ||
          g.values[v].type.dtype != DType::F32)
        continue; // already f16 (step 1), or not converted
      if (!asF16[v]) {
        TensorType t16 = g.values[v].type; // symbolic dims kept
      t16.dtype = DType::F16;
        if (g.values[v].kind == ValueKind::State) {
          // Every reader wants it f16 (step 0); zeroed bytes are 0.0 in
          // binary16 too.
          g.values[v].type = t16;
          continue;
        }
        if (g.values[v].kind == ValueKind::Weight) {
          bool allF16 = !g.isOutput(v);
          for (NodeId c : uses[v])
            for (size_t m = 0; m < g.nodes[c].inputs.size(); ++m)
              if (g.nodes[c].inputs[m] == v && wantOfInput(c, m) != Want::F16)
                allF16 = false;
          std::vector<uint8_t> half = weightToHalf(g.values[v].data);
          ++stats.weightsConverted;
          if (allF16) {
            g.values[v].type = t16;
            g.values[v].data = std::move(half);
            continue; // every reader now reads the f16 weight
          }
          ValueId h = addFreshValue(g, g.values[v].name + ".f16", t16,
                                    ValueKind::Weight);
          g.values[h].data = std::move(half);
          g.values[h].loc = g.values[v].loc;
          asF16[v] = h;
        } else {
          ValueId h = addFreshValue(g, g.values[v].name + ".f16", t16,
                                    ValueKind::Intermediate);
          before[i].push_back(storageCast(g, v, h, "f16"));
          ++stats.casts;
          asF16[v] = h;
        }
      }
      g.nodes[i].inputs[k] = *asF16[v];
    }
  }

  // 3. The new order: each node between the casts it needs.
  std::vector<Node> nodes;
  nodes.reserve(numNodes + stats.casts);
  for (size_t i = 0; i < numNodes; ++i) {
    for (Node &c : before[i])
      nodes.push_back(std::move(c));
    nodes.push_back(std::move(g.nodes[i]));
    for (Node &c : after[i])
      nodes.push_back(std::move(c));
  }
  g.nodes = std::move(nodes);
  g.reindex();
  return stats;
}

} // namespace tlc
