//===- ops/Verifier.cpp - IR invariants -----------------------------------===//
//
// Checks what every pass may assume: each value is defined once (as an input,
// a weight, or by exactly one node) and before its first use in node order
// (which also rules out cycles), every value has a type, every node's
// output types agree with its op's shape rule, and every node can run on
// the device: its op has a lowering and computes its output dtypes there
// (OpDef::deviceDTypes). Ops that exist only at compile time, and integer
// shape arithmetic, must have folded by then (passes/ConstantFolding.cpp).
//
// `--precision=fp16` (passes/F16Storage.cpp) stores tensors as binary16
// without changing what they mean: for every op but StorageCast, shape rules
// see such a tensor as the f32 it stands for (weights decoded), and an f16
// output matches an f32 result.
//
//===----------------------------------------------------------------------===//
#include "ops/Verifier.h"
#include "ir/Half.h"
#include "ops/OpDef.h"

#include "llvm/ADT/SmallVector.h"

#include <cstring>
#include <list>

using namespace llvm;

namespace tlc {

/// \p t with binary16 storage read as the f32 it stands for.
static TensorType semanticType(TensorType t) {
  if (t.dtype == DType::F16)
    t.dtype = DType::F32;
  return t;
}

/// f16 weight bytes decoded to f32 bytes.
static std::vector<uint8_t> decodeHalf(ArrayRef<uint8_t> data) {
  std::vector<uint8_t> out(data.size() * 2);
  for (size_t i = 0; i + 2 <= data.size(); i += 2) {
    uint16_t h = uint16_t(data[i] | (data[i + 1] << 8));
    float f = halfToFloat(h);
    std::memcpy(out.data() + i * 2, &f, 4);
  }
  return out;
}

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
    bool semantic = node.op != "StorageCast";
    std::list<std::vector<uint8_t>> decoded; // keeps InputInfo data alive
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
      const Value &v = g.values[in];
      if (semantic && v.type.dtype == DType::F16) {
        ArrayRef<uint8_t> data;
        if (!v.data.empty())
          data = decoded.emplace_back(decodeHalf(v.data));
        inTypes.push_back({semanticType(v.type), data});
      } else {
        inTypes.push_back(inputInfo(v));
      }
    }
    SmallVector<TensorType, 2> outTypes;
    if (Error e = inferOpTypes(*def, node, inTypes, outTypes))
      return errorAt(node.loc, "node '" + node.name + "' (" + node.op +
                                   "): " + toString(std::move(e)));
    if (outTypes.size() != node.outputs.size())
      return errorAt(node.loc, "node '" + node.name + "': op " + node.op +
                                   " produces " + Twine(outTypes.size()) +
                                   " outputs, node lists " +
                                   Twine(node.outputs.size()));
    if (Error e = checkRunsOnDevice(*def, node, outTypes))
      return errorAt(node.loc, toString(std::move(e)));
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
      if (!v.hasType || (semantic ? semanticType(v.type) : v.type) !=
                            outTypes[i])
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
