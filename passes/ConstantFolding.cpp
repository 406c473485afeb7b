//===- passes/ConstantFolding.cpp - Evaluate compile-time constants -------===//
//
// One walk in schedule order that types and folds together. Folding needs
// types (Shape of an activation folds to its static dims) and typing needs
// folded values (Reshape reads its shape operand's bytes), so a node is
// handled only after every producer before it:
//   - all inputs constant (Weight values; for ops that read only types,
//     such as Shape, typed inputs) of dtypes the op's CPU reference takes:
//     the node is evaluated by its op's own definition (shape rule, then
//     reference: evaluateOp in ops/OpDef.h) and its outputs become Weight
//     values. An op without a device kernel (Shape, Where, Range, ...) that
//     cannot be evaluated is an error;
//   - otherwise the op's shape rule types its outputs, so that later nodes
//     can fold; a node the rule rejects is left untyped for inferShapes to
//     report.
// A folded graph output becomes a weight copied into the output by an
// Identity (tlc's outputs are always written by a dispatch). An Unsqueeze or Squeeze of a non-constant
// tensor becomes a Reshape with a constant shape (a view), and a reduction's
// constant axes input (Trilu's k, Pad's pads, CumSum's axis, Tile's
// repeats) becomes its attribute.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "passes/Passes.h"

using namespace llvm;

namespace tlc {

/// Largest output, in elements, folding produces (2^26); larger results are
/// left to the device.
static constexpr int64_t kMaxFoldedElements = int64_t(1) << 26;

/// Types the outputs of \p node with its op's shape rule, when it has one and
/// accepts the inputs.
static void typeWithShapeRule(Graph &g, const Node &node) {
  const OpDef *def = lookupOp(node.op);
  if (!def)
    return;
  SmallVector<InputInfo, 4> infos;
  for (ValueId in : node.inputs) {
    const Value &v = g.values[in];
    if (!v.hasType)
      return;
    infos.push_back(inputInfo(v));
  }
  SmallVector<TensorType, 2> types;
  if (Error e = inferOpTypes(*def, node, infos, types)) {
    consumeError(std::move(e));
    return;
  }
  if (types.size() != node.outputs.size())
    return;
  for (size_t i = 0; i < types.size(); ++i) {
    if (Error e = checkedNumElements(types[i].shape, /*allowEmpty=*/true)
                      .takeError()) {
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
  SmallVector<InputInfo, 2> in;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const Value &v = g.values[node.inputs[i]];
    if (!v.hasType || (i > 0 && v.kind != ValueKind::Weight))
      return Error::success();
    InputInfo info = inputInfo(v);
    if (i == 0)
      info.data = {};
    in.push_back(info);
  }
  SmallVector<TensorType, 1> types;
  if (Error e = inferOpTypes(*lookupOp(node.op), node, in, types))
    return errorAt(node.loc, "node '" + node.name + "' (" + node.op +
                                 "): " + toString(std::move(e)));
  SymShape dims = types[0].dims();
  Value sv;
  sv.name = node.name + ".shape";
  for (unsigned i = 1; g.lookup(sv.name); ++i)
    sv.name = node.name + ".shape_" + std::to_string(i);
  sv.kind = ValueKind::Weight;
  sv.type = {DType::I64, {int64_t(dims.size())}};
  sv.hasType = true;
  sv.loc = node.loc;
  for (const DimExpr &e : dims) {
    int64_t d = e.upperBound();
    const uint8_t *b = reinterpret_cast<const uint8_t *>(&d);
    sv.data.insert(sv.data.end(), b, b + 8);
  }
  if (!types[0].isStatic())
    sv.symData.assign(dims.begin(), dims.end());
  if (dims.empty()) {
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

/// Moves a constant integer operand that an op's lowering needs into the
/// attribute of the same meaning: a reduction's axes (ReduceSum since opset
/// 13, every Reduce* since opset 18; ops/Reduce.cpp), Trilu's k
/// (ops/Trilu.cpp), Pad's pads (ops/Pad.cpp), CumSum's axis
/// (ops/CumSum.cpp) and Tile's repeats (ops/Tile.cpp). Lowerings see types, not bytes. An empty axes input
/// leaves the attribute absent, which the op reads the same way
/// (noop_with_empty_axes decides). Other nodes, and operands that are not a
/// plain constant, are left for the shape rule to judge.
static void constantOperandToAttribute(Graph &g, Node &node) {
  const char *attr = StringRef(node.op).startswith("Reduce") ? "axes"
                     : node.op == "Trilu"                    ? "k"
                     : node.op == "Pad"                      ? "pads"
                     : node.op == "CumSum"                   ? "axis"
                     : node.op == "Tile"                     ? "repeats"
                                                             : nullptr;
  // Pad's constant_value (input 2) stays an input: its shader reads it.
  size_t inputs = node.op == "Pad" ? node.inputs.size() : 2;
  if (!attr || node.inputs.size() < 2 || node.inputs.size() != inputs ||
      inputs > 3 || node.attrs.has(attr))
    return;
  const Value &v = g.values[node.inputs[1]];
  if (!v.hasType || v.kind != ValueKind::Weight || !v.symData.empty() ||
      v.type.rank() > 1 ||
      (v.type.dtype != DType::I64 && v.type.dtype != DType::I32))
    return;
  HostTensor h = HostTensor::fromBytes(v.type, v.data);
  std::vector<int64_t> list;
  for (int64_t i = 0; i < h.numElements(); ++i)
    list.push_back(h.intAt(i));
  if (node.op == "Trilu" || node.op == "CumSum") {
    if (list.size() != 1)
      return; // the shape rule names the mistake
    node.attrs.values[attr] = list[0];
  } else if (!list.empty()) {
    node.attrs.values[attr] = std::move(list);
  }
  node.inputs.erase(node.inputs.begin() + 1);
}

/// Whether folding \p node means computing expressions: an input is a shape
/// value with symbolic elements, or (ops that read only types) has a
/// symbolic type.
static bool needsSymbolicFold(const Graph &g, const Node &node,
                              const OpDef &def) {
  return llvm::any_of(node.inputs, [&](ValueId id) {
    const Value &v = g.values[id];
    return !v.symData.empty() || (def.readsTypesOnly && !v.type.isStatic());
  });
}

/// Folds \p node's shape values with its op's foldSymbolic: its outputs
/// become Weights whose symData holds their elements (data: the values at
/// the upper bounds), or plain constants when every element is. Returns
/// false, leaving the graph as it was, when the op cannot (no foldSymbolic,
/// or it errors).
static bool foldSymbolically(Graph &g, const Node &node, const OpDef &def) {
  if (!def.foldSymbolic)
    return false;
  SmallVector<InputInfo, 4> infos;
  std::vector<SymTensor> in;
  for (ValueId id : node.inputs) {
    const Value &v = g.values[id];
    infos.push_back(inputInfo(v));
    SymTensor t{v.type, {}};
    if (!v.symData.empty()) {
      t.elems = v.symData;
    } else if (!def.readsTypesOnly) {
      if (v.type.dtype != DType::I32 && v.type.dtype != DType::I64)
        return false;
      HostTensor h = HostTensor::fromBytes(v.type, v.data);
      for (int64_t i = 0; i < h.numElements(); ++i)
        t.elems.push_back(h.intAt(i));
    }
    in.push_back(std::move(t));
  }
  SmallVector<TensorType, 2> types;
  if (Error e = inferOpTypes(def, node, infos, types)) {
    consumeError(std::move(e));
    return false;
  }
  std::vector<SymTensor> out;
  for (const TensorType &t : types) {
    if (!t.isStatic() || t.numElements() > (int64_t(1) << 16))
      return false;
    out.push_back({t, std::vector<DimExpr>(size_t(t.numElements()))});
  }
  if (Error e = def.foldSymbolic(node, in, out)) {
    consumeError(std::move(e));
    return false;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    Value &v = g.values[node.outputs[i]];
    HostTensor h(out[i].type);
    bool symbolic = false;
    for (size_t j = 0; j < out[i].elems.size(); ++j) {
      const DimExpr &e = out[i].elems[j];
      symbolic |= !e.isConstant();
      h.setInt(int64_t(j), e.upperBound());
    }
    v.kind = ValueKind::Weight;
    v.type = out[i].type;
    ArrayRef<uint8_t> bytes = h.bytes();
    v.data.assign(bytes.begin(), bytes.end());
    v.symData = symbolic ? std::move(out[i].elems) : std::vector<DimExpr>();
    v.hasType = true;
    v.loc = node.loc;
  }
  return true;
}

/// Whether \p node is a graph output's copy of a constant, the form
/// foldConstants leaves a folded graph output in: folding it again would
/// only make another.
static bool isConstantOutputCopy(const Graph &g, const Node &node) {
  return node.op == "Identity" && node.inputs.size() == 1 &&
         node.outputs.size() == 1 && g.isOutput(node.outputs[0]) &&
         g.values[node.inputs[0]].kind == ValueKind::Weight;
}

Expected<size_t> foldConstants(Graph &g) {
  std::vector<bool> folded(g.nodes.size(), false);
  std::vector<Node> outputCopies; // appended after the walk
  size_t count = 0;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    Node &node = g.nodes[n];
    bool writesOutput = llvm::any_of(
        node.outputs, [&](ValueId o) { return g.isOutput(o); });
    bool foldable = !isConstantOutputCopy(g, node);
    const OpDef *def = lookupOp(node.op);
    bool typesOnly = def && def->readsTypesOnly;
    std::vector<HostTensor> in;
    for (ValueId id : node.inputs) {
      const Value &v = g.values[id];
      if (!v.hasType || (!typesOnly && v.kind != ValueKind::Weight) ||
          !def || !def->referenceDTypes.contains(v.type.dtype)) {
        foldable = false;
        break;
      }
      in.push_back(typesOnly ? HostTensor::typeOnly(v.type)
                             : HostTensor::fromBytes(v.type, v.data));
    }
    if (foldable && needsSymbolicFold(g, node, *def)) {
      // A graph output holds values, not expressions: it runs on the device.
      if (writesOutput) {
        foldable = false;
      } else if (foldSymbolically(g, node, *def)) {
        folded[n] = true;
        ++count;
        continue;
      } else {
        foldable = false;
      }
    }
    std::vector<HostTensor> out;
    if (foldable) {
      std::vector<const HostTensor *> ptrs;
      for (const HostTensor &h : in)
        ptrs.push_back(&h);
      if (Error e = evaluateOp(*def, node, ptrs, out, kMaxFoldedElements)) {
        // A node that cannot run on the device must fold: its error is the
        // user's. Others (f32 ops) are left to the device, and the verifier
        // reports what the shape rule rejects.
        if (!def->lower || llvm::any_of(in, [](const HostTensor &h) {
              return h.type.dtype != DType::F32;
            }))
          return errorAt(node.loc, "node '" + node.name + "' (" + node.op +
                                       "): cannot fold its constant inputs: " +
                                       toString(std::move(e)));
        consumeError(std::move(e));
        foldable = false;
      }
    }
    if (!foldable) {
      constantOperandToAttribute(g, node);
      if (Error e = squeezeToReshape(g, node))
        return std::move(e);
      typeWithShapeRule(g, node);
      continue;
    }
    for (size_t i = 0; i < out.size(); ++i) {
      ValueId id = node.outputs[i];
      if (g.isOutput(id)) {
        // tlc's outputs are written by a dispatch: the value becomes a new
        // weight, and an Identity copies it into the graph output.
        Value &o = g.values[id];
        o.type = out[i].type;
        o.hasType = true;
        Value w;
        w.name = o.name + ".value";
        for (unsigned k = 1; g.lookup(w.name); ++k)
          w.name = o.name + ".value_" + std::to_string(k);
        w.loc = node.loc;
        id = cantFail(g.addValue(std::move(w)));
        Node copy;
        copy.op = "Identity";
        copy.name = node.name + ".copy";
        copy.inputs = {id};
        copy.outputs = {node.outputs[i]};
        copy.loc = node.loc;
        outputCopies.push_back(std::move(copy));
      }
      Value &v = g.values[id];
      v.kind = ValueKind::Weight;
      v.type = out[i].type;
      ArrayRef<uint8_t> bytes = out[i].bytes();
      v.data.assign(bytes.begin(), bytes.end());
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
  for (Node &copy : outputCopies)
    kept.push_back(std::move(copy));
  g.nodes = std::move(kept);
  g.reindex();
  return count;
}

} // namespace tlc
