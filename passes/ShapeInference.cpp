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

using namespace llvm;

namespace tlc {

Error inferShapes(Graph &g) {
  for (Node &node : g.nodes) {
    const OpDef *def = lookupOp(node.op);
    if (!def) {
      SmallVector<StringRef, 64> names;
      for (const OpDef &d : allOps())
        names.push_back(d.name);
      return errorAt(node.loc, "node '" + node.name + "': unknown op '" +
                                   node.op + "'" + didYouMean(node.op, names) +
                                   " (supported ops: see docs/ops.md)");
    }
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
      if (Error e = checkedNumElements(outputs[i].shape).takeError())
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
