//===- passes/ShapeInference.cpp - Static types for every tensor ----------===//
//
// Runs each op's shape rule (ops/<Op>.cpp) in schedule order. Inputs and
// weights are typed by the parser; everything else gets its type here, so
// that liveness and planning see exact byte sizes.
//
//===----------------------------------------------------------------------===//
#include "ir/Suggest.h"
#include "ops/OpDef.h"
#include "passes/Passes.h"

#include "llvm/ADT/STLExtras.h"

#include <string>
#include <vector>

using namespace llvm;

namespace tlc {

/// "node 'y': unknown op 'ReLU'; did you mean 'Relu'?" for \p node.
static std::string unknownOpText(const Node &node) {
  SmallVector<StringRef, 64> names;
  for (const OpDef &d : allOps())
    names.push_back(d.name);
  return "node '" + node.name + "': unknown op '" + node.op + "'" +
         didYouMean(node.op, names);
}

Error checkOpsSupported(const Graph &g) {
  // Each unknown op once, in order of first use, with its node count.
  struct Unknown {
    const Node *first;
    size_t count;
  };
  std::vector<Unknown> unknown;
  for (const Node &node : g.nodes) {
    if (lookupOp(node.op))
      continue;
    auto it = llvm::find_if(
        unknown, [&](const Unknown &u) { return u.first->op == node.op; });
    if (it != unknown.end())
      ++it->count;
    else
      unknown.push_back({&node, 1});
  }
  if (unknown.empty())
    return Error::success();
  const Unknown &u0 = unknown.front();
  std::string text = unknownOpText(*u0.first) +
                     " (supported ops: see docs/ops.md)";
  if (unknown.size() == 1 && u0.count == 1)
    return errorAt(u0.first->loc, text);
  size_t nodes = 0;
  for (const Unknown &u : unknown)
    nodes += u.count;
  text += "\nthe model has " + std::to_string(unknown.size()) +
          " unsupported op" + (unknown.size() == 1 ? "" : "s") + " in " +
          std::to_string(nodes) + " nodes:";
  for (const Unknown &u : unknown) {
    std::string where = u.first->loc.str();
    text += "\n  " + u.first->op + ": " + std::to_string(u.count) + " node" +
            (u.count == 1 ? "" : "s") + ", first '" + u.first->name + "'" +
            (where.empty() ? "" : " at " + where);
  }
  return errorAt(u0.first->loc, text);
}

Error inferShapes(Graph &g) {
  for (Node &node : g.nodes) {
    const OpDef *def = lookupOp(node.op);
    if (!def)
      return errorAt(node.loc, unknownOpText(node) +
                                   " (supported ops: see docs/ops.md)");
    SmallVector<InputInfo, 4> inputs;
    for (ValueId in : node.inputs) {
      const Value &v = g.values[in];
      if (!v.hasType)
        return errorAt(node.loc, "node '" + node.name + "': input '" +
                                     v.name + "' has no type yet");
      inputs.push_back(inputInfo(v));
    }
    SmallVector<TensorType, 2> outputs;
    if (Error e = inferOpTypes(*def, node, inputs, outputs))
      return errorAt(node.loc, "node '" + node.name + "' (" + node.op +
                                   "): " + toString(std::move(e)));
    if (Error e = checkRunsOnDevice(*def, node, outputs))
      return errorAt(node.loc, toString(std::move(e)));
    if (outputs.size() != node.outputs.size())
      return errorAt(node.loc, "node '" + node.name + "': " + node.op +
                                   " has " + Twine(outputs.size()) +
                                   " outputs, the model lists " +
                                   Twine(node.outputs.size()));
    for (size_t i = 0; i < outputs.size(); ++i) {
      // Empty shape pieces fold away (ops/Slice.cpp); the device refuses
      // any that is left (checkRunsOnDevice).
      if (Error e = checkedNumElements(outputs[i].shape, /*allowEmpty=*/true)
                        .takeError())
        return errorAt(node.loc, "node '" + node.name + "': output '" +
                                     g.values[node.outputs[i]].name + "': " +
                                     toString(std::move(e)));
      Value &v = g.values[node.outputs[i]];
      v.type = outputs[i];
      v.hasType = true;
    }
  }
  return Error::success();
}

} // namespace tlc
