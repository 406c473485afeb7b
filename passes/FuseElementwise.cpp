//===- passes/FuseElementwise.cpp - Chains of elementwise ops into one ----===//
//
// Every elementwise op is a dispatch that reads and writes its whole tensor
// and waits on a barrier; GPT-2's tanh GELU is eight of them per layer.
// This pass grows maximal regions of elementwise nodes (Add, Sub, Mul, Div,
// Pow, Relu, Sigmoid, Tanh, Erf, Sqrt, HardSwish, HardSigmoid, Clip with
// constant bounds) and replaces each region of two or more nodes by one
// FusedElementwise node (ops/FusedElementwise.cpp) whose program computes
// the region's output from its inputs, per output element.
//
// A region is grown backwards from its sink, the node whose output leaves
// it: a producer joins when it is elementwise, not yet in another region,
// and every reader of its output is already in the region (and the output
// is no graph output). Hence only the sink's output is visible outside, no
// path leaves the region and comes back, and a value read several times
// inside (GELU reads x three times) is one register. Regions stop growing at
// kFusedMaxSteps nodes and kFusedMaxInputs distinct tensor inputs. Scalar
// f32 constants become immediates of the instruction that reads them
// (Clip's bounds and HardSigmoid's attributes too); an input of a node
// inside a region broadcasts to the sink's shape, since each elementwise
// op's output is the broadcast of its inputs.
//
// Shapes may be symbolic (shape ranges): the region's inputs broadcast to
// the sink's dims by expression (ops/Broadcast.h), and typesCheck requires
// the fused node's rule to give the sink's type, expressions included.
//
// The fused node takes the sink's place, after every node that defines one
// of its inputs: a topological order stays topological. Nodes that earlier
// passes fused (FusedConv's epilogue, fused attention or GEMM epilogues) are
// no longer elementwise nodes and are left alone, as is a single
// elementwise node.
//
//===----------------------------------------------------------------------===//
#include "ops/FusedElementwise.h"
#include "passes/FusionUtil.h"
#include "passes/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cstring>
#include <limits>

using namespace llvm;

namespace tlc {

namespace {

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

/// How one elementwise node becomes one instruction: its opcode, the node
/// inputs read as registers (a, then b for binary ops; -1 where the operand
/// is the immediate) and the parameters.
struct Lowered {
  FusedOpcode op;
  int a = -1, b = -1; // node input index per operand, -1: immediate p0
  float p0 = 0.0f, p1 = 0.0f;
};

/// The instruction form of \p n, if the pass can fuse it.
std::optional<Lowered> asInstruction(const Graph &g, const Node &n) {
  if (n.outputs.size() != 1 || n.inputs.empty())
    return std::nullopt;
  const Value &out = g.values[n.outputs[0]];
  if (!out.hasType || out.type.dtype != DType::F32)
    return std::nullopt;
  static const std::pair<const char *, FusedOpcode> binary[] = {
      {"Add", FusedOpcode::Add},
      {"Sub", FusedOpcode::Sub},
      {"Mul", FusedOpcode::Mul},
      {"Div", FusedOpcode::Div},
      {"Pow", FusedOpcode::Pow}};
  static const std::pair<const char *, FusedOpcode> unary[] = {
      {"Relu", FusedOpcode::Relu}, {"Sigmoid", FusedOpcode::Sigmoid},
      {"Tanh", FusedOpcode::Tanh}, {"Erf", FusedOpcode::Erf},
      {"Sqrt", FusedOpcode::Sqrt}, {"HardSwish", FusedOpcode::HardSwish}};
  for (auto &[name, op] : binary) {
    if (n.op != name)
      continue;
    if (n.inputs.size() != 2)
      return std::nullopt;
    Lowered l{op, 0, 1};
    // Fold one scalar constant operand (b first: x * 0.5 is the common
    // form); both constants would have been folded by constant folding.
    if (std::optional<float> c = constantScalar(g, n.inputs[1])) {
      l.b = -1;
      l.p0 = *c;
    } else if (std::optional<float> c = constantScalar(g, n.inputs[0])) {
      l.a = -1;
      l.p0 = *c;
    }
    return l;
  }
  for (auto &[name, op] : unary)
    if (n.op == name)
      return n.inputs.size() == 1 ? std::optional<Lowered>(Lowered{op, 0})
                                  : std::nullopt;
  if (n.op == "HardSigmoid" && n.inputs.size() == 1) {
    Expected<double> alpha = n.attrs.getFloat("alpha", 0.2);
    Expected<double> beta = n.attrs.getFloat("beta", 0.5);
    if (!alpha || !beta) {
      consumeError(alpha.takeError());
      consumeError(beta.takeError());
      return std::nullopt;
    }
    return Lowered{FusedOpcode::HardSigmoid, 0, -1, float(*alpha),
                   float(*beta)};
  }
  if (n.op == "Clip" && n.inputs.size() <= 3) {
    Lowered l{FusedOpcode::Clip, 0, -1, -std::numeric_limits<float>::infinity(),
              std::numeric_limits<float>::infinity()};
    for (size_t i = 1; i < n.inputs.size(); ++i) {
      std::optional<float> c = constantScalar(g, n.inputs[i]);
      if (!c)
        return std::nullopt;
      (i == 1 ? l.p0 : l.p1) = *c;
    }
    return l;
  }
  return std::nullopt;
}

/// The node inputs \p l reads as tensors (not folded into immediates).
SmallVector<ValueId, 2> tensorOperands(const Node &n, const Lowered &l) {
  SmallVector<ValueId, 2> r;
  if (l.a >= 0)
    r.push_back(n.inputs[size_t(l.a)]);
  if (l.b >= 0)
    r.push_back(n.inputs[size_t(l.b)]);
  return r;
}

/// A region under construction: its nodes (ids in schedule order once
/// sorted) and their instruction forms.
class Region {
public:
  Region(const Graph &g, const std::vector<std::optional<Lowered>> &forms)
      : g(g), forms(forms) {}

  void add(NodeId n) { nodes.push_back(n); }
  void removeLast() { nodes.pop_back(); }
  bool contains(NodeId n) const {
    return std::find(nodes.begin(), nodes.end(), n) != nodes.end();
  }
  size_t size() const { return nodes.size(); }
  ArrayRef<NodeId> members() const { return nodes; }

  /// Distinct tensors the region reads that no member produces, in order
  /// of first use (nodes in schedule order).
  SmallVector<ValueId, 4> externalInputs() const {
    SmallVector<NodeId, 16> order(nodes.begin(), nodes.end());
    llvm::sort(order);
    SmallVector<ValueId, 4> ext;
    for (NodeId id : order)
      for (ValueId v : tensorOperands(g.nodes[id], *forms[id])) {
        std::optional<NodeId> p = g.values[v].producer;
        if (p && contains(*p))
          continue;
        if (std::find(ext.begin(), ext.end(), v) == ext.end())
          ext.push_back(v);
      }
    return ext;
  }

private:
  const Graph &g;
  const std::vector<std::optional<Lowered>> &forms;
  SmallVector<NodeId, 16> nodes;
};

/// The FusedElementwise node computing \p r (sink last in schedule order).
Node buildFusedNode(const Graph &g, const Region &r,
                    const std::vector<std::optional<Lowered>> &forms) {
  SmallVector<NodeId, 16> order(r.members().begin(), r.members().end());
  llvm::sort(order);
  SmallVector<ValueId, 4> ext = r.externalInputs();
  DenseMap<ValueId, int64_t> reg;
  for (size_t k = 0; k < ext.size(); ++k)
    reg[ext[k]] = int64_t(k);
  FusedProgram p;
  p.numInputs = unsigned(ext.size());
  for (NodeId id : order) {
    const Node &n = g.nodes[id];
    const Lowered &l = *forms[id];
    FusedInstr in;
    in.op = l.op;
    in.a = l.a >= 0 ? reg.lookup(n.inputs[size_t(l.a)]) : kFusedImmOperand;
    in.b = l.b >= 0 ? reg.lookup(n.inputs[size_t(l.b)]) : kFusedImmOperand;
    in.p0 = l.p0;
    in.p1 = l.p1;
    reg[n.outputs[0]] = int64_t(p.numInputs + p.code.size());
    p.code.push_back(in);
  }
  const Node &sink = g.nodes[order.back()];
  Node f;
  f.op = "FusedElementwise";
  f.name = sink.name;
  f.loc = sink.loc;
  f.inputs.assign(ext.begin(), ext.end());
  f.outputs = {sink.outputs[0]};
  writeFusedProgram(p, f.attrs);
  SmallVector<TensorType, 4> types;
  for (ValueId v : ext)
    types.push_back(g.values[v].type);
  const Shape &outShape = g.values[sink.outputs[0]].type.shape;
  // A folded scalar constant may have set the output's rank. (Only the
  // rank: the dims, symbolic ones included, follow from the inputs.)
  size_t rank = 0;
  if (Expected<SymShape> s = fusedOutputShape(types, 0))
    rank = s->size();
  else
    consumeError(s.takeError());
  if (rank < outShape.size())
    f.attrs.values["rank"] = int64_t(outShape.size());
  return f;
}

/// True when \p f's shape rule accepts it and gives \p want.
bool typesCheck(const Graph &g, const Node &f, const TensorType &want) {
  const OpDef *def = lookupOp(f.op);
  SmallVector<InputInfo, 4> in;
  for (ValueId v : f.inputs)
    in.push_back(inputInfo(g.values[v]));
  SmallVector<TensorType, 1> out;
  if (Error e = inferOpTypes(*def, f, in, out)) {
    consumeError(std::move(e));
    return false;
  }
  return out.size() == 1 && out[0] == want;
}

} // namespace

size_t fuseElementwise(Graph &g) {
  size_t numNodes = g.nodes.size();
  std::vector<std::optional<Lowered>> forms(numNodes);
  for (NodeId i = 0; i < numNodes; ++i)
    forms[i] = asInstruction(g, g.nodes[i]);
  UseList uses = collectUses(g);

  std::vector<bool> claimed(numNodes, false);
  std::vector<std::optional<Node>> replacement(numNodes);
  size_t fused = 0;
  for (NodeId sink = numNodes; sink-- > 0;) {
    if (claimed[sink] || !forms[sink] ||
        g.values[g.nodes[sink].outputs[0]].type.shape.size() > kFusedMaxRank)
      continue;
    Region r(g, forms);
    r.add(sink);
    // Grow to a fixed point: absorb producers all of whose readers are in.
    for (bool grew = true; grew;) {
      grew = false;
      for (size_t m = 0; m < r.size() && r.size() < kFusedMaxSteps; ++m) {
        NodeId member = r.members()[m];
        for (ValueId v : tensorOperands(g.nodes[member], *forms[member])) {
          std::optional<NodeId> p = g.values[v].producer;
          if (!p || r.contains(*p) || claimed[*p] || !forms[*p] ||
              g.isOutput(v) || r.size() >= kFusedMaxSteps)
            continue;
          if (!llvm::all_of(uses[v], [&](NodeId u) { return r.contains(u); }))
            continue;
          r.add(*p);
          if (r.externalInputs().size() > kFusedMaxInputs) {
            r.removeLast();
            continue;
          }
          grew = true;
        }
      }
    }
    if (r.size() < 2 || r.externalInputs().size() > kFusedMaxInputs ||
        r.externalInputs().empty())
      continue;
    Node f = buildFusedNode(g, r, forms);
    if (!typesCheck(g, f, g.values[f.outputs[0]].type))
      continue;
    for (NodeId m : r.members())
      claimed[m] = true;
    replacement[sink] = std::move(f);
    ++fused;
  }
  if (fused == 0)
    return 0;
  rebuildNodes(g, replacement, claimed);
  return fused;
}

} // namespace tlc
