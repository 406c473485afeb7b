//===- ir/Verifier.cpp - IR invariants ------------------------------------===//
//
// Checks what every pass may assume: each value is defined once (as an input,
// a weight, or by exactly one node) and before its first use in node order
// (which also rules out cycles), every value has a type, and every node's
// output types agree with its op's shape rule.
//
//===----------------------------------------------------------------------===//
#include "ir/Graph.h"
#include "ops/OpDef.h"

#include "llvm/ADT/SmallVector.h"

using namespace llvm;

namespace tlc {

Error verifyGraph(const Graph &g) {
  std::vector<char> defined(g.values.size(), 0);
  for (ValueId id = 0; id < g.values.size(); ++id)
    if (g.values[id].kind != ValueKind::Intermediate)
      defined[id] = 1;

  for (NodeId n = 0; n < g.nodes.size(); ++n) {
    const Node &node = g.nodes[n];
    const OpDef *def = lookupOp(node.op);
    if (!def)
      return errorAt(node.loc, "node '" + node.name + "': unsupported op '" +
                                   node.op + "'");
    SmallVector<InputInfo, 4> inTypes;
    for (ValueId in : node.inputs) {
      if (in >= g.values.size())
        return errorAt(node.loc, "node '" + node.name +
                                     "': input index out of range");
      if (!defined[in])
        return errorAt(node.loc, "node '" + node.name + "' reads '" +
                                     g.values[in].name +
                                     "' before it is defined (or in a cycle)");
      if (!g.values[in].hasType)
        return errorAt(node.loc, "node '" + node.name + "': input '" +
                                     g.values[in].name + "' has no type");
      inTypes.push_back({g.values[in].type, g.values[in].data});
    }
    SmallVector<TensorType, 2> outTypes;
    if (Error e = def->inferTypes(node, inTypes, outTypes))
      return errorAt(node.loc, "node '" + node.name + "' (" + node.op +
                                   "): " + toString(std::move(e)));
    if (outTypes.size() != node.outputs.size())
      return errorAt(node.loc, "node '" + node.name + "': op " + node.op +
                                   " produces " + Twine(outTypes.size()) +
                                   " outputs, node lists " +
                                   Twine(node.outputs.size()));
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      ValueId out = node.outputs[i];
      if (out >= g.values.size())
        return errorAt(node.loc, "node '" + node.name +
                                     "': output index out of range");
      const Value &v = g.values[out];
      if (defined[out])
        return errorAt(node.loc, "tensor '" + v.name +
                                     "' is defined more than once");
      defined[out] = 1;
      if (!v.hasType || v.type != outTypes[i])
        return errorAt(node.loc,
                       "node '" + node.name + "': output '" + v.name +
                           "' has type " + (v.hasType ? v.type.str() : "none") +
                           ", the shape rule gives " + outTypes[i].str());
    }
  }
  for (ValueId o : g.outputs) {
    if (o >= g.values.size() || !defined[o])
      return createStringError(inconvertibleErrorCode(),
                               "graph output is never defined");
  }
  return Error::success();
}

} // namespace tlc
