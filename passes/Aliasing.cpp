//===- passes/Aliasing.cpp - Views and in-place reuse ---------------------===//
//
// Fewer bytes to plan: some tensors need no memory of their own.
//  - Views: Reshape and Flatten only reinterpret their input's bytes, so
//    their output shares its input's memory and no dispatch runs (unless the
//    output is a graph output, which has its own buffer).
//  - In place: an elementwise op may write its output over an input that
//    dies at this op, when that input is read at exactly the index written
//    (same element count as the output) and its memory is transient.
// Each tensor gets a storage root: itself, or the tensor whose memory it
// shares. Liveness then gives a root the union of its group's intervals.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "passes/Passes.h"

#include <algorithm>

namespace tlc {

std::vector<ValueId> computeStorageRoots(const Graph &g,
                                         const AliasOptions &opts) {
  const size_t nv = g.values.size();
  std::vector<ValueId> root(nv);
  for (ValueId v = 0; v < nv; ++v)
    root[v] = v;
  auto find = [&](ValueId v) {
    while (root[v] != v)
      v = root[v];
    return v;
  };

  // Views first: they depend only on the graph's structure.
  if (opts.views)
    for (const Node &n : g.nodes) {
      const OpDef *def = lookupOp(n.op);
      if (def && def->memory.isView && !g.isOutput(n.outputs[0]))
        root[n.outputs[0]] = find(n.inputs[0]);
    }
  if (!opts.inPlace)
    return root;

  // Last step that touches each storage group (views included).
  std::vector<int64_t> groupLast(nv, -1);
  for (size_t s = 0; s < g.nodes.size(); ++s) {
    for (ValueId in : g.nodes[s].inputs)
      groupLast[find(in)] = int64_t(s);
    for (ValueId out : g.nodes[s].outputs)
      groupLast[find(out)] = std::max(groupLast[find(out)], int64_t(s));
  }
  for (size_t s = 0; s < g.nodes.size(); ++s) {
    const Node &n = g.nodes[s];
    const OpDef *def = lookupOp(n.op);
    if (!def || def->memory.inPlaceInputs.empty() || n.outputs.size() != 1)
      continue;
    ValueId out = n.outputs[0];
    if (g.isOutput(out) || find(out) != out)
      continue;
    const TensorType &outType = g.values[out].type;
    for (unsigned i : def->memory.inPlaceInputs) {
      if (i >= n.inputs.size())
        continue;
      ValueId r = find(n.inputs[i]);
      const Value &rv = g.values[r];
      bool transient = rv.kind == ValueKind::Intermediate && !g.isOutput(r);
      if (!transient || groupLast[r] != int64_t(s) ||
          g.values[n.inputs[i]].type != outType)
        continue;
      // Every operand in this group must be read at the index written.
      bool sameIndex = true;
      for (ValueId in : n.inputs)
        if (find(in) == r &&
            g.values[in].type.numElements() != outType.numElements())
          sameIndex = false;
      if (!sameIndex)
        continue;
      root[out] = r;
      groupLast[r] = std::max(groupLast[r], groupLast[out]);
      break;
    }
  }
  for (ValueId v = 0; v < nv; ++v)
    root[v] = find(v);
  return root;
}

} // namespace tlc
