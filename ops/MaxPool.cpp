//===- ops/MaxPool.cpp - MaxPool: 2-D max pooling -------------------------===//
//
// ONNX MaxPool (opset 12) on NCHW inputs: kernel_shape, strides, pads,
// dilations, ceil_mode; storage_order 0 only; the optional Indices output is
// not supported. Shared logic: ops/Pool2D.h. Shader: shaders/pool2d.comp.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/Pool2D.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static Error maxPoolInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  return inferPool2DTypes(node, PoolMode::Max, in, out);
}

static Pool2DParams verifiedParams(const Node &node, const TensorType &x) {
  Expected<Pool2DParams> p = parsePool2D(node, PoolMode::Max, {x});
  assert(p && "MaxPool node was not verified by its shape rule");
  if (!p) {
    consumeError(p.takeError());
    return Pool2DParams{};
  }
  return *p;
}

static Error maxPoolReference(const Node &node, ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  referencePool2D(verifiedParams(node, in[0]->type), *in[0], out[0]);
  return Error::success();
}

static void maxPoolLower(const Node &node, ArrayRef<TensorType> in,
                         ArrayRef<TensorType> out,
                         const KernelTarget &target,
                         SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerPool2D(verifiedParams(node, in[0])));
}

const OpDef kMaxPoolOp = symbolicOp(
    {"MaxPool", maxPoolInferTypes, maxPoolReference, maxPoolLower});

} // namespace tlc
