//===- passes/RemoveIdentities.cpp - Drop ops that copy their input -------===//
//
// Nodes that compute nothing (isNoOp, ops/NoOp.h: Identity, Dropout in
// inference, Cast to the input's own dtype): readers of the output read the
// input instead. When the output is a graph output, the input's producer
// writes the graph output directly (its other readers follow). A no-op whose
// input is a graph input or weight and whose output is a graph output stays
// (tlc's outputs are written by a dispatch).
//
//===----------------------------------------------------------------------===//
#include "ops/NoOp.h"
#include "passes/Passes.h"

#include <cstring>

using namespace llvm;

namespace tlc {

/// Whether \p node copies input 0 to output 0 and has no other effect.
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
