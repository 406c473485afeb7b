//===- passes/RemoveIdentities.cpp - Drop ops that copy their input -------===//
//
// Identity, Dropout in inference (ONNX Dropout opset 13: without
// training_mode, or with a constant false training_mode, output = input) and
// Cast to the input's own dtype compute nothing: readers of the output read
// the input instead. When the output is a graph output, the input's producer
// writes the graph output directly (its other readers follow). A no-op whose
// input is a graph input or weight and whose output is a graph output stays
// (tlc's outputs are written by a dispatch).
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include <cstring>

using namespace llvm;

namespace tlc {

/// Whether \p node copies input 0 to output 0 and has no other effect.
static bool isNoOp(const Graph &g, const Node &node) {
  if (node.inputs.empty() || node.outputs.empty())
    return false;
  if (node.op == "Identity")
    return node.inputs.size() == 1 && node.outputs.size() == 1;
  if (node.op == "Dropout") {
    // The mask output, when present, must be unused.
    for (size_t i = 1; i < node.outputs.size(); ++i) {
      if (g.isOutput(node.outputs[i]))
        return false;
      for (const Node &n : g.nodes)
        if (llvm::is_contained(n.inputs, node.outputs[i]))
          return false;
    }
    if (node.inputs.size() < 3)
      return true;
    const Value &mode = g.values[node.inputs[2]];
    if (mode.kind != ValueKind::Weight || mode.data.empty())
      return false;
    return llvm::all_of(mode.data, [](uint8_t b) { return b == 0; });
  }
  if (node.op == "Cast") {
    const Value &in = g.values[node.inputs[0]];
    auto to = node.attrs.getInt("to", -1);
    if (!to) {
      consumeError(to.takeError());
      return false;
    }
    // ONNX TensorProto.DataType codes: FLOAT 1, INT32 6, INT64 7.
    int64_t same = in.type.dtype == DType::F32   ? 1
                   : in.type.dtype == DType::I32 ? 6
                   : in.type.dtype == DType::I64 ? 7
                                                 : -1;
    return in.hasType && node.inputs.size() == 1 && *to == same;
  }
  return false;
}

size_t removeIdentities(Graph &g) {
  std::vector<ValueId> repl(g.values.size());
  for (ValueId v = 0; v < repl.size(); ++v)
    repl[v] = v;
  std::vector<bool> removed(g.nodes.size(), false);
  size_t count = 0;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    Node &node = g.nodes[n];
    for (ValueId &in : node.inputs)
      in = repl[in];
    if (!isNoOp(g, node))
      continue;
    ValueId x = node.inputs[0], y = node.outputs[0];
    if (!g.isOutput(y)) {
      repl[y] = x;
    } else {
      const Value &xv = g.values[x];
      if (xv.kind != ValueKind::Intermediate || g.isOutput(x) || !xv.producer)
        continue;
      // The producer of x writes the graph output y; x's readers read y.
      for (ValueId &o : g.nodes[*xv.producer].outputs)
        if (o == x)
          o = y;
      for (size_t k = 0; k < g.nodes.size(); ++k)
        for (ValueId &in : g.nodes[k].inputs)
          if (in == x && k != n)
            in = y;
      repl[x] = y;
      g.values[y].producer = xv.producer;
    }
    removed[n] = true;
    ++count;
  }
  std::vector<Node> kept;
  for (size_t n = 0; n < g.nodes.size(); ++n)
    if (!removed[n])
      kept.push_back(std::move(g.nodes[n]));
  g.nodes = std::move(kept);
  g.reindex();
  return count;
}

} // namespace tlc
