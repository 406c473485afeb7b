//===- ops/Registry.cpp - The table of supported ops ----------------------===//
//
// Each op file defines `const OpDef k<Op>Op`; this file lists them. An
// explicit table (not static registration) keeps every op linked in from the
// static library and the list readable in one place.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "ops/OpList.h"
#include "ops/LowerNode.h"
#include "spirv/EmbeddedShaders.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

void setGrid1D(DispatchDesc &d, uint64_t n, uint32_t groupSize) {
  uint64_t groups = std::max<uint64_t>(1, ceilDiv(n, groupSize));
  constexpr uint64_t kMaxX = 65535;
  if (groups <= kMaxX) {
    d.groups[0] = uint32_t(groups);
    d.groups[1] = 1;
  } else {
    d.groups[0] = uint32_t(kMaxX);
    d.groups[1] = uint32_t(ceilDiv(groups, kMaxX));
  }
  d.groups[2] = 1;
}

static std::vector<OpDef> buildTable() {
  std::vector<OpDef> ops = {
#define TLC_OP(NAME) k##NAME##Op,
#include "ops/OpList.def"
#undef TLC_OP
  };
  std::sort(ops.begin(), ops.end(), [](const OpDef &a, const OpDef &b) {
    return StringRef(a.name) < StringRef(b.name);
  });
  return ops;
}

ArrayRef<OpDef> allOps() {
  static const std::vector<OpDef> table = buildTable();
  return table;
}

SmallVector<DispatchDesc, 2> lowerNode(const Graph &g, const Node &node,
                                       bool f16Storage,
                                       const KernelTarget &profile) {
  const OpDef *def = lookupOp(node.op);
  assert(def && def->lower && "lowerNode on an op without a lowering");
  SmallVector<TensorType, 4> inTypes, outTypes;
  for (ValueId in : node.inputs)
    inTypes.push_back(g.values[in].type);
  for (ValueId out : node.outputs)
    outTypes.push_back(g.values[out].type);
  // fp16 storage: the lowering sees the f32 types the tensors stand for.
  if (f16Storage)
    for (TensorType &t : llvm::concat<TensorType>(inTypes, outTypes))
      if (t.dtype == DType::F16)
        t.dtype = DType::F32;
  KernelTarget target = profile;
  target.f16Storage = f16Storage;
  SmallVector<DispatchDesc, 2> dispatches;
  def->lower(node, inTypes, outTypes, target, dispatches);
  if (f16Storage)
    for (DispatchDesc &d : dispatches)
      d.shader = f16BuildName(d.shader);
  return dispatches;
}

Error checkRunsOnDevice(const OpDef &def, const Node &node,
                        ArrayRef<TensorType> outputs) {
  if (!def.lower)
    return createStringError(
        inconvertibleErrorCode(),
        "node '" + node.name + "': op '" + node.op +
            "' runs only at compile time, and its inputs are not all "
            "constants (tlc has no device kernel for it)");
  for (const TensorType &t : outputs)
    if (!def.deviceDTypes.contains(t.dtype))
      return createStringError(
          inconvertibleErrorCode(),
          "node '" + node.name + "' (" + node.op + "): the output has dtype " +
              dtypeName(t.dtype) + "; on the device " + node.op +
              " computes " + def.deviceDTypes.str() +
              " (integer shape arithmetic runs only at compile time, on "
              "constant inputs)");
  for (const TensorType &t : outputs)
    if (t.isStatic() && t.numElements() == 0)
      return createStringError(
          inconvertibleErrorCode(),
          "node '" + node.name + "' (" + node.op + "): the output " +
              t.str() + " has no elements; tlc folds empty shape pieces "
              "but runs no empty tensors on the device");
  return Error::success();
}

/// The first non-constant dim of \p types, as "input 1 dim 3 ('W')".
static std::optional<std::string> firstSymbolicDim(ArrayRef<TensorType> types,
                                                   StringRef what) {
  for (size_t i = 0; i < types.size(); ++i)
    for (size_t d = 0; d < types[i].sym.size(); ++d)
      if (!types[i].sym[d].isConstant())
        return (what + " " + Twine(i) + " dim " + Twine(d) + " ('" +
                types[i].sym[d].str() + "')")
            .str();
  return std::nullopt;
}

Error inferOpTypes(const OpDef &def, const Node &node,
                   ArrayRef<InputInfo> inputs,
                   SmallVectorImpl<TensorType> &outputs) {
  if (!def.symbolicShapes) {
    SmallVector<TensorType, 4> types;
    for (const InputInfo &in : inputs)
      types.push_back(in.type);
    if (auto where = firstSymbolicDim(types, "input"))
      return createStringError(
          inconvertibleErrorCode(),
          "%s is symbolic, and %s's shape rule handles static shapes only "
          "(docs/shape-ranges.md: ops opt in)",
          where->c_str(), def.name);
  }
  if (!def.symbolicShapes && !def.foldSymbolic)
    for (size_t i = 0; i < inputs.size(); ++i)
      if (!inputs[i].symData.empty())
        return createStringError(
            inconvertibleErrorCode(),
            "input %zu is a shape value with symbolic elements [%s], and "
            "%s's shape rule reads constant values only "
            "(docs/shape-ranges.md: ops opt in)",
            i, symShapeStr(inputs[i].symData).c_str(), def.name);
  return def.inferTypes(node, inputs, outputs);
}

Error checkSymbolicLowering(const OpDef &def, const Node &node,
                            ArrayRef<TensorType> inputs,
                            ArrayRef<TensorType> outputs) {
  if (def.symbolicLowering)
    return Error::success();
  std::optional<std::string> where = firstSymbolicDim(inputs, "input");
  if (!where)
    where = firstSymbolicDim(outputs, "output");
  if (!where)
    return Error::success();
  return createStringError(inconvertibleErrorCode(),
                           "node '%s': %s is symbolic, and %s's lowering "
                           "handles static shapes only (docs/shape-ranges.md)",
                           node.name.c_str(), where->c_str(), def.name);
}

Error evaluateOp(const OpDef &def, const Node &node,
                 ArrayRef<const HostTensor *> inputs,
                 std::vector<HostTensor> &outputs, int64_t maxOutputElements) {
  SmallVector<InputInfo, 4> infos;
  for (const HostTensor *t : inputs) {
    if (!def.referenceDTypes.contains(t->type.dtype))
      return createStringError(inconvertibleErrorCode(),
                               "input of type " + t->type.str() +
                                   " is not computed on the host; " + def.name +
                                   " takes " + def.referenceDTypes.str());
    infos.push_back({t->type, t->bytes()});
  }
  SmallVector<TensorType, 2> types;
  if (Error e = inferOpTypes(def, node, infos, types))
    return e;
  outputs.clear();
  for (const TensorType &t : types) {
    if (t.numElements() > maxOutputElements)
      return createStringError(inconvertibleErrorCode(),
                               "the result " + t.str() + " has more than " +
                                   std::to_string(maxOutputElements) +
                                   " elements, the host evaluation limit");
    outputs.emplace_back(t);
  }
  return def.reference(node, inputs, outputs);
}

const OpDef *lookupOp(StringRef op) {
  for (const OpDef &d : allOps())
    if (op == d.name)
      return &d;
  return nullptr;
}

} // namespace tlc
