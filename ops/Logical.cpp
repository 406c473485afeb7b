//===- ops/Logical.cpp - And, Or, Xor, Not on booleans --------------------===//
//
// ONNX And, Or, Xor (opset 7, numpy broadcasting) and Not (opset 1) on
// booleans, which tlc holds as i64 0/1: a constant input holding another
// value is refused; on the device (shaders/compare.comp) any nonzero value
// is true.
//
//===----------------------------------------------------------------------===//
#include "ops/BooleanBinary.h"
#include "ops/Binary.h"
#include "ops/Broadcast.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

/// Errors unless \p t holds booleans (0 or 1); \p what names it.
static Error checkBoolValues(const HostTensor &t, StringRef what) {
  for (int64_t i = 0; i < t.numElements(); ++i)
    if (uint64_t(t.intAt(i)) > 1)
      return opError(what + " holds " + Twine(t.intAt(i)) + " at element " +
                     Twine(i) + "; booleans are 0 or 1");
  return Error::success();
}

static Error logicalInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  return inferBooleanBinaryTypes(node, in, out, {DType::I64});
}

static Error logicalReference(const Node &node,
                              ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  if (Error e = checkBoolValues(*in[0], "A"))
    return e;
  if (Error e = checkBoolValues(*in[1], "B"))
    return e;
  const Shape &os = out[0].type.shape;
  std::vector<int64_t> ia = broadcastIndices(in[0]->type.shape, os);
  std::vector<int64_t> ib = broadcastIndices(in[1]->type.shape, os);
  for (size_t i = 0; i < ia.size(); ++i) {
    bool x = in[0]->intAt(ia[i]) != 0, y = in[1]->intAt(ib[i]) != 0;
    bool v = node.op == "And" ? (x && y) : node.op == "Or" ? (x || y) : x != y;
    out[0].setInt(int64_t(i), v);
  }
  return Error::success();
}

static Error notInferTypes(const Node &node, ArrayRef<InputInfo> in,
                           SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkDType(in, 0, "X", {DType::I64}))
    return e;
  if (in[0].type.rank() > kBinaryMaxRank)
    return opError("X has rank " + Twine(in[0].type.rank()) + "; at most " +
                   Twine(kBinaryMaxRank) + " supported");
  out.push_back(in[0].type);
  return Error::success();
}

/// Booleans over shape values: every element must be a decided constant.
static Error logicalFoldSymbolic(const Node &node, ArrayRef<SymTensor> in,
                                 MutableArrayRef<SymTensor> out) {
  for (const SymTensor &t : in)
    for (const DimExpr &e : t.elems)
      if (!e.isConstant())
        return opError("a boolean input is symbolic: " + e.str());
  std::vector<HostTensor> hosts;
  for (const SymTensor &t : in) {
    HostTensor h(t.type);
    for (size_t i = 0; i < t.elems.size(); ++i)
      h.setInt(int64_t(i), t.elems[i].constant());
    hosts.push_back(std::move(h));
  }
  std::vector<const HostTensor *> ptrs;
  for (const HostTensor &h : hosts)
    ptrs.push_back(&h);
  std::vector<HostTensor> results;
  if (Error e = evaluateOp(*lookupOp(node.op), node, ptrs, results))
    return e;
  for (size_t i = 0; i < out[0].elems.size(); ++i)
    out[0].elems[i] = results[0].intAt(int64_t(i));
  return Error::success();
}

static Error notReference(const Node &, ArrayRef<const HostTensor *> in,
                          MutableArrayRef<HostTensor> out) {
  if (Error e = checkBoolValues(*in[0], "X"))
    return e;
  for (int64_t i = 0; i < out[0].numElements(); ++i)
    out[0].setInt(i, in[0]->intAt(i) == 0);
  return Error::success();
}

template <BooleanOpCode Code>
static void logicalLower(const Node &, ArrayRef<TensorType> in,
                         ArrayRef<TensorType> out, const KernelTarget &,
                         SmallVectorImpl<DispatchDesc> &d) {
  const TensorType &b = in.size() > 1 ? in[1] : in[0];
  d.push_back(lowerBooleanOp(Code, in[0], b, out[0], unsigned(in.size())));
}

#define TLC_LOGICAL(NAME, INFER, REFERENCE)                                    \
  const OpDef k##NAME##Op = withSymbolicFold(                                  \
      symbolicOp({#NAME, INFER, REFERENCE, logicalLower<BooleanOpCode::NAME>,  \
                  /*memory=*/{}, /*referenceDTypes=*/{DType::I64},             \
                  /*deviceDTypes=*/{DType::I64}}),                             \
      logicalFoldSymbolic);
TLC_LOGICAL(And, logicalInferTypes, logicalReference)
TLC_LOGICAL(Or, logicalInferTypes, logicalReference)
TLC_LOGICAL(Xor, logicalInferTypes, logicalReference)
TLC_LOGICAL(Not, notInferTypes, notReference)
#undef TLC_LOGICAL

} // namespace tlc
