//===- ops/Clip.cpp - Clip: y = min(max(x, min), max) ---------------------===//
//
// ONNX Clip (opset 13): input X (f32) and optional scalar inputs min and max
// (f32, rank 0 or one element); an absent bound is -inf / +inf. tlc has no
// empty-name placeholder for an absent input, so min can only be skipped
// together with max (a model that clips only from above passes min = -inf).
// The bounds need not be constants: shaders/clip.comp reads them from their
// buffers, so one dispatch serves both weights and computed bounds.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace llvm;

namespace tlc {

static Error clipInferTypes(const Node &node, ArrayRef<InputInfo> in,
                            SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 1, 3))
    return e;
  static const char *const names[] = {"input", "min", "max"};
  for (unsigned i = 0; i < in.size(); ++i)
    if (Error e = checkF32(in, i, names[i]))
      return e;
  for (unsigned i = 1; i < in.size(); ++i)
    if (in[i].type.shape.size() > 1 || in[i].type.numElements() != 1)
      return opError("input " + Twine(i) + " (" + names[i] + ") is " +
                     in[i].type.str() + "; expected a scalar");
  if (Error e = checkFits32(in[0].type, "input 0 (input)"))
    return e;
  out.push_back(in[0].type);
  return Error::success();
}

static Error clipReference(const Node &, ArrayRef<const HostTensor *> in,
                           MutableArrayRef<HostTensor> out) {
  float lo =
      in.size() > 1 ? in[1]->f32()[0] : -std::numeric_limits<float>::infinity();
  float hi =
      in.size() > 2 ? in[2]->f32()[0] : std::numeric_limits<float>::infinity();
  ArrayRef<float> x = in[0]->f32();
  // ONNX: y = min(max(x, lo), hi), so hi wins when lo > hi.
  for (size_t i = 0; i < x.size(); ++i)
    out[0].f32()[i] = std::min(std::max(x[i], lo), hi);
  return Error::success();
}

static void clipLower(const Node &, ArrayRef<TensorType> in,
                      ArrayRef<TensorType> out,
                      const KernelTarget &target,
                      SmallVectorImpl<DispatchDesc> &d) {
  unsigned y = unsigned(in.size()); // operand index of the output
  // The element count is a run-time value of clip_dyn for a symbolic shape.
  DimExpr n = out[0].numElementsExpr();
  if (in.size() == 1) {
    DispatchDesc copy = lowerUnary(UnaryOpCode::Copy, n);
    d.push_back(copy);
    return;
  }
  DispatchDesc c;
  c.shader = "clip";
  c.specConstants = spec::u32s({0, uint32_t(in.size() > 2)});
  setDim(c, 0, n);
  // Bindings: 0 = X, 1 = Y, 2 = min, 3 = max (min again when max is absent;
  // HAS_MAX = 0 keeps the shader from reading it).
  c.operands = {0, y, 1, in.size() > 2 ? 2u : 1u};
  c.writes = {1};
  setGrid1D(c, n, 256);
  d.push_back(c);
}

const OpDef kClipOp = symbolicOp({"Clip",
                       clipInferTypes,
                       clipReference,
                       clipLower,
                       {/*isView=*/false, /*inPlaceInputs=*/{0}}});

} // namespace tlc
