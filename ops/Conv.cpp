//===- ops/Conv.cpp - Conv: 2-D grouped, strided, dilated convolution -----===//
//
// ONNX Conv (opset 11 semantics, unchanged in 17) for 2-D NCHW inputs:
//   X [N, C, H, W], W [M, C/group, kH, kW], optional B [M] -> Y [N, M, oH, oW]
//   Y[n, m, oh, ow] = B[m] + sum_{c, kh, kw} X[n, g*C/group + c, ih, iw] *
//                     W[m, c, kh, kw],  g = m / (M/group),
//   ih = oh*strideH - padTop + kh*dilationH (zero outside the input), same
//   for w. auto_pad: NOTSET, VALID, SAME_UPPER, SAME_LOWER (ops/Window2D.h).
// Parameters, reference and kernel choice live in ops/ConvKernel.h, shared
// with FusedConv (Conv with an epilogue); Conv is FusedConv with none.
//
//===----------------------------------------------------------------------===//
#include "ops/ConvKernel.h"
#include "ops/SymbolicOp.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {

static Error convInferTypes(const Node &node, ArrayRef<InputInfo> in,
                            SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"auto_pad", "dilations", "group",
                                       "kernel_shape", "pads", "strides"}))
    return e;
  Expected<ConvParams> p = parseConvParams(node, in);
  if (!p)
    return p.takeError();
  TensorType y = convOutputType(*p);
  if (Error e = checkFits32(y, "output"))
    return e;
  out.push_back(y);
  return Error::success();
}

static Error convReference(const Node &node, ArrayRef<const HostTensor *> in,
                           MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 3> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  ConvParams p = convParamsFromTypes(node, types);
  convReferenceCompute(p, in[0]->f32().data(), in[1]->f32().data(),
                       in.size() == 3 ? in[2]->f32().data() : nullptr,
                       /*z=*/nullptr, ConvEpilogue(), out[0].f32().data());
  return Error::success();
}

static void convLower(const Node &node, ArrayRef<TensorType> in,
                      ArrayRef<TensorType> out,
                      const KernelTarget &target,
                      SmallVectorImpl<DispatchDesc> &dispatches) {
  ConvOperands ops;
  ops.b = in.size() == 3 ? 2 : -1;
  ops.y = unsigned(in.size());
  lowerConvKernel(convParamsFromTypes(node, in), ConvEpilogue(), ops, target,
                  dispatches);
}

const OpDef kConvOp = symbolicOp({"Conv", convInferTypes, convReference, convLower});

} // namespace tlc
