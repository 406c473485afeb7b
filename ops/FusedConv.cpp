//===- ops/FusedConv.cpp - FusedConv: Conv with a fused epilogue ----------===//
//
// onnxruntime's com.microsoft FusedConv (contrib op, domain com.microsoft):
//   Y = activation(Conv(X, W) + B + Z)
// Inputs X, W, optional B [M] and optional Z (Y's shape; needs B: tlc's
// inputs are positional, so passes/FuseEpilogues.cpp adds a zero B when the
// Conv had none). Attributes: those of Conv, plus `activation` (Relu,
// Sigmoid, HardSigmoid, Clip as in onnxruntime, and HardSwish) and
// `activation_params` (HardSigmoid: alpha, beta; Clip: min, max).
// passes/FuseEpilogues.cpp creates these nodes from Conv -> [Add] -> [act].
// Every conv shader applies the epilogue before its store, so a FusedConv
// is one dispatch. Y may be written over Z in place: each invocation reads
// Z at exactly the element it writes, before writing it.
//
//===----------------------------------------------------------------------===//
#include "ops/ConvKernel.h"
#include "ops/SymbolicOp.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {

static Error fusedConvInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                 SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"activation", "activation_params",
                                       "auto_pad", "dilations", "group",
                                       "kernel_shape", "pads", "strides"}))
    return e;
  if (Error e = checkInputCount(in, 2, 4))
    return e;
  Expected<ConvParams> p = parseConvParams(node, in.take_front(3));
  if (!p)
    return p.takeError();
  Expected<ConvEpilogue> ep = parseConvEpilogue(node.attrs);
  if (!ep)
    return ep.takeError();
  TensorType y = convOutputType(*p);
  if (Error e = checkFits32(y, "output"))
    return e;
  if (in.size() == 4) {
    if (Error e = checkF32(in, 3, "Z"))
      return e;
    if (in[3].type != y)
      return opError("Z is " + in[3].type.str() +
                     "; expected the output's "
                     "type " +
                     y.str());
  }
  out.push_back(y);
  return Error::success();
}

static Error fusedConvReference(const Node &node,
                                ArrayRef<const HostTensor *> in,
                                MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 4> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  ConvParams p = convParamsFromTypes(node, types);
  ConvEpilogue e = cantFail(parseConvEpilogue(node.attrs));
  convReferenceCompute(p, in[0]->f32().data(), in[1]->f32().data(),
                       in.size() >= 3 ? in[2]->f32().data() : nullptr,
                       in.size() == 4 ? in[3]->f32().data() : nullptr, e,
                       out[0].f32().data());
  return Error::success();
}

static void fusedConvLower(const Node &node, ArrayRef<TensorType> in,
                           ArrayRef<TensorType> out,
                           const KernelTarget &target,
                           SmallVectorImpl<DispatchDesc> &dispatches) {
  ConvEpilogue e = cantFail(parseConvEpilogue(node.attrs));
  e.hasZ = in.size() == 4;
  ConvOperands ops;
  ops.b = in.size() >= 3 ? 2 : -1;
  ops.z = e.hasZ ? 3 : -1;
  ops.y = unsigned(in.size());
  lowerConvKernel(convParamsFromTypes(node, in), e, ops, target, dispatches);
}

const OpDef kFusedConvOp = symbolicOp({"FusedConv",
                            fusedConvInferTypes,
                            fusedConvReference,
                            fusedConvLower,
                            {/*isView=*/false, /*inPlaceInputs=*/{3}}});

} // namespace tlc
