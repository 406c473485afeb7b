//===- ops/AveragePool.cpp - AveragePool: 2-D average pooling -------------===//
//
// ONNX AveragePool (opset 11, unchanged in 17) on NCHW inputs: kernel_shape,
// strides, pads, ceil_mode, count_include_pad. Shared logic: ops/Pool2D.h.
// Shader: shaders/pool2d.comp.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/Pool2D.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static Error averagePoolInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                   SmallVectorImpl<TensorType> &out) {
  return inferPool2DTypes(node, PoolMode::Average, in, out);
}

static Pool2DParams verifiedParams(const Node &node, const TensorType &x) {
  Expected<Pool2DParams> p = parsePool2D(node, PoolMode::Average, {x});
  assert(p && "AveragePool node was not verified by its shape rule");
  if (!p) {
    consumeError(p.takeError());
    return Pool2DParams{};
  }
  return *p;
}

static Error averagePoolReference(const Node &node,
                                  ArrayRef<const HostTensor *> in,
                                  MutableArrayRef<HostTensor> out) {
  referencePool2D(verifiedParams(node, in[0]->type), *in[0], out[0]);
  return Error::success();
}

static void averagePoolLower(const Node &node, ArrayRef<TensorType> in,
                             ArrayRef<TensorType> out,
                             const KernelTarget &target,
                             SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerPool2D(verifiedParams(node, in[0])));
}

const OpDef kAveragePoolOp =
    symbolicOp({"AveragePool", averagePoolInferTypes, averagePoolReference,
                averagePoolLower});

} // namespace tlc
