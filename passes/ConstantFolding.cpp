//===- passes/ConstantFolding.cpp - Evaluate compile-time constants -------===//
//
// One walk in schedule order that types and folds together. Folding needs
// types (Shape of an activation folds to its static dims) and typing needs
// folded values (Reshape reads its shape operand's bytes), so a node is
// handled only after every producer before it:
//   - all inputs constant (Weight values; for Shape, a typed input) and an
//     evaluator exists: the node is evaluated on the CPU and its outputs
//     become Weight values. The evaluator is ConstantFoldingEval.h for the
//     shape-computation ops (any dtype), else the op's f32 CPU reference
//     (ops/OpDef.h) when every input is f32;
//   - otherwise the op's shape rule types its outputs, so that later nodes
//     can fold; a node the rule rejects is left untyped for inferShapes to
//     report.
// Nodes that compute a graph output are never folded (tlc's outputs are
// always written by a dispatch). An Unsqueeze or Squeeze of a non-constant
// tensor becomes a Reshape with a constant shape (a view).
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "passes/ConstantFoldingEval.h"
#include "passes/Passes.h"

#include <cstring>

using namespace llvm;

namespace tlc {

/// Evaluates \p node with the op's f32 reference; false when the op has no
/// definition, an input is not f32, or its shape rule rejects the inputs.
static bool foldWithReference(const Node &node, ArrayRef<ConstTensor> in,
                              std::vector<ConstTensor> &out) {
  const OpDef *def = lookupOp(node.op);
  if (!def)
    return false;
  SmallVector<InputInfo, 4> infos;
  std::vector<HostTensor> hosts;
  hosts.reserve(in.size());
  for (const ConstTensor &t : in) {
    if (t.type.dtype != DType::F32)
      return false;
    infos.push_back({t.type, t.data});
    HostTensor h(t.type);
    std::memcpy(h.data.data(), t.data.data(), t.data.size());
    hosts.push_back(std::move(h));
  }
  SmallVector<TensorType, 2> types;
  if (Error e = def->inferTypes(node, infos, types)) {
    consumeError(std::move(e));
    return false;
  }
  std::vector<HostTensor> results;
  for (const TensorType &t : types) {
    if (t.dtype != DType::F32 || t.numElements() > kMaxFoldedElements)
      return false;
    results.emplace_back(t);
  }
  std::vector<const HostTensor *> ptrs;
  for (const HostTensor &h : hosts)
    ptrs.push_back(&h);
  def->reference(node, ptrs, results);
  out.clear();
  for (const HostTensor &h : results) {
    ConstTensor c;
    c.type = h.type;
    c.data.resize(h.data.size() * sizeof(float));
    std::memcpy(c.data.data(), h.data.data(), c.data.size());
    out.push_back(std::move(c));
  }
  return true;
}

/// Types the outputs of \p node with its op's shape rule, when it has one and
/// accepts the inputs.
static void typeWithShapeRule(Graph &g, const Node &node) {
  const OpDef *def = lookupOp(node.op);
  // Identity and Dropout have no OpDef (passes/RemoveIdentities.cpp drops
  // them): output 0 has the input's type, Dropout's mask its shape (the
  // mask is boolean, held as i64).
  if (!def && (node.op == "Identity" || node.op == "Dropout") &&
      !node.inputs.empty() && g.values[node.inputs[0]].hasType) {
    TensorType t = g.values[node.inputs[0]].type;
    for (size_t i = 0; i < node.outputs.size() && i < 2; ++i) {
      g.values[node.outputs[i]].type = t;
      g.values[node.outputs[i]].hasType = true;
      t.dtype = DType::I64;
    }
    return;
  }
  // Cast (folded when constant, dropped when to its own dtype): the input's
  // shape with the target dtype (ONNX TensorProto codes FLOAT 1, INT32 6,
  // INT64 7, BOOL 9 held as i64).
  if (!def && node.op == "Cast" && node.inputs.size() == 1 &&
      node.outputs.size() == 1 && g.values[node.inputs[0]].hasType) {
    Expected<int64_t> to = node.attrs.getInt("to", -1);
    if (!to) {
      consumeError(to.takeError());
      return;
    }
    TensorType t = g.values[node.inputs[0]].type;
    if (*to == 1)
      t.dtype = DType::F32;
    else if (*to == 6)
      t.dtype = DType::I32;
    else if (*to == 7 || *to == 9)
      t.dtype = DType::I64;
    else
      return;
    g.values[node.outputs[0]].type = t;
    g.values[node.outputs[0]].hasType = true;
    return;
  }
  if (!def)
    return;
  SmallVector<InputInfo, 4> infos;
  for (ValueId in : node.inputs) {
    const Value &v = g.values[in];
    if (!v.hasType)
      return;
    infos.push_back({v.type, v.data});
  }
  SmallVector<TensorType, 2> types;
  if (Error e = def->inferTypes(node, infos, types)) {
    consumeError(std::move(e));
    return;
  }
  if (types.size() != node.outputs.size())
    return;
  for (size_t i = 0; i < types.size(); ++i) {
    if (Error e = checkedNumElements(types[i].shape).takeError()) {
      consumeError(std::move(e)); // inferShapes reports it
      return;
    }
    g.values[node.outputs[i]].type = types[i];
    g.values[node.outputs[i]].hasType = true;
  }
}

/// Rewrites an Unsqueeze or Squeeze of a non-constant tensor (typed data,
/// constant axes) into Reshape(data, shape): the same bytes with a new
/// shape, which tlc executes as a view. Other nodes are left alone. Errors
/// name the node when its axes are invalid.
static Error squeezeToReshape(Graph &g, Node &node) {
  if ((node.op != "Unsqueeze" && node.op != "Squeeze") ||
      node.inputs.empty() || node.outputs.size() != 1)
    return Error::success();
  std::vector<ConstTensor> in;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const Value &v = g.values[node.inputs[i]];
    if (!v.hasType || (i > 0 && v.kind != ValueKind::Weight))
      return Error::success();
    in.push_back({v.type, i > 0 ? v.data : std::vector<uint8_t>{}});
  }
  Expected<Shape> shape = viewOutputShape(node, in);
  if (!shape)
    return errorAt(node.loc, "node '" + node.name + "' (" + node.op +
                                 "): " + toString(shape.takeError()));
  Value sv;
  sv.name = node.name + ".shape";
  for (unsigned i = 1; g.lookup(sv.name); ++i)
    sv.name = node.name + ".shape_" + std::to_string(i);
  sv.kind = ValueKind::Weight;
  sv.type = {DType::I64, {int64_t(shape->size())}};
  sv.hasType = true;
  sv.loc = node.loc;
  for (int64_t d : *shape) {
    const uint8_t *b = reinterpret_cast<const uint8_t *>(&d);
    sv.data.insert(sv.data.end(), b, b + 8);
  }
  if (shape->empty()) {
    // A rank-0 result: Reshape to shape [] needs a 0-element operand, which
    // tlc cannot hold; leave the node (shape inference reports it).
    return Error::success();
  }
  ValueId id = cantFail(g.addValue(std::move(sv)));
  node.op = "Reshape";
  node.attrs = {};
  node.inputs = {node.inputs[0], id};
  return Error::success();
}

Expected<size_t> foldConstants(Graph &g) {
  std::vector<bool> folded(g.nodes.size(), false);
  size_t count = 0;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    Node &node = g.nodes[n];
    bool foldable = llvm::none_of(
        node.outputs, [&](ValueId o) { return g.isOutput(o); });
    std::vector<ConstTensor> in;
    for (ValueId id : node.inputs) {
      const Value &v = g.values[id];
      bool typeOnly = node.op == "Shape";
      if (!v.hasType || (!typeOnly && v.kind != ValueKind::Weight)) {
        foldable = false;
        break;
      }
      in.push_back({v.type, typeOnly ? std::vector<uint8_t>{} : v.data});
    }
    std::vector<ConstTensor> out;
    if (foldable && hasConstantEvaluator(node.op)) {
      if (Error e = evaluateConstantNode(node, in, out))
        return errorAt(node.loc, "node '" + node.name + "' (" + node.op +
                                     "): cannot fold its constant inputs: " +
                                     toString(std::move(e)));
    } else if (!foldable || !foldWithReference(node, in, out)) {
      if (Error e = squeezeToReshape(g, node))
        return std::move(e);
      typeWithShapeRule(g, node);
      continue;
    }
    for (size_t i = 0; i < out.size(); ++i) {
      Value &v = g.values[node.outputs[i]];
      v.kind = ValueKind::Weight;
      v.type = std::move(out[i].type);
      v.data = std::move(out[i].data);
      v.hasType = true;
      v.loc = node.loc;
    }
    folded[n] = true;
    ++count;
  }
  std::vector<Node> kept;
  for (size_t n = 0; n < g.nodes.size(); ++n)
    if (!folded[n])
      kept.push_back(std::move(g.nodes[n]));
  g.nodes = std::move(kept);
  g.reindex();
  return count;
}

} // namespace tlc
