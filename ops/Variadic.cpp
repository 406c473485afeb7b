//===- ops/Variadic.cpp - Max, Min, Sum, Mean, PRelu ----------------------===//
//
// ONNX Max, Min, Sum and Mean (opset 13): elementwise over one or more f32
// inputs with numpy multidirectional broadcasting (rank <= 6). One input is
// a copy (shaders/unary.comp, Copy); more are a chain of shaders/binary.comp
// dispatches (Max, Min or Add) accumulating in place in the output, Mean then
// scaled by 1/N (unary.comp, Scale). NaN: Max and Min return the second
// operand when the comparison is false (GLSL mix on the comparison, the same
// in the CPU reference), so a NaN in a later input wins; ONNX leaves it open.
//
// ONNX PRelu (opset 16): X < 0 ? slope * X : X, slope broadcast to X
// (unidirectionally: the output has X's shape). binary.comp, PRelu.
//
//===----------------------------------------------------------------------===//
#include "ops/Binary.h"
#include "ops/Broadcast.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

using namespace llvm;

namespace tlc {
namespace {

enum class Kind { Max, Min, Sum, Mean };

BinaryOpCode stepCode(Kind k) {
  return k == Kind::Max ? BinaryOpCode::Max
         : k == Kind::Min ? BinaryOpCode::Min
                          : BinaryOpCode::Add;
}

Error inferVariadicTypes(const Node &node, ArrayRef<InputInfo> in,
                         SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (in.empty())
    return opError("expected at least 1 input, got 0");
  SymShape shape = in[0].type.dims();
  for (unsigned i = 0; i < in.size(); ++i) {
    if (Error e = checkDType(in, i, "input " + std::to_string(i),
                             {DType::F32}))
      return e;
    Expected<SymShape> s = broadcastShapes(shape, in[i].type.dims());
    if (!s)
      return s.takeError();
    shape = std::move(*s);
  }
  if (shape.size() > kBinaryMaxRank)
    return opError("broadcast rank " + Twine(shape.size()) +
                   " exceeds the supported maximum of " +
                   Twine(kBinaryMaxRank));
  TensorType y = TensorType::withDims(DType::F32, shape);
  if (Error e = checkFits32(y, "output"))
    return e;
  out.push_back(y);
  return Error::success();
}

template <Kind K>
Error referenceVariadic(const Node &, ArrayRef<const HostTensor *> in,
                        MutableArrayRef<HostTensor> out) {
  // The chain the lowering runs, on the host: out = in0 op in1, then
  // out = out op in2, ...
  HostTensor &y = out[0];
  if (in.size() == 1) {
    HostTensor one(y.type);
    std::fill(one.f32().begin(), one.f32().end(), 0.0f);
    if (Error e = referenceBinary(BinaryOpCode::Add, *in[0], one, y))
      return e;
  } else {
    if (Error e = referenceBinary(stepCode(K), *in[0], *in[1], y))
      return e;
    for (size_t k = 2; k < in.size(); ++k) {
      HostTensor acc = y;
      if (Error e = referenceBinary(stepCode(K), acc, *in[k], y))
        return e;
    }
  }
  if (K == Kind::Mean)
    for (float &v : y.f32())
      v = float(1.0f / float(in.size())) * v;
  return Error::success();
}

template <Kind K>
void lowerVariadic(const Node &, ArrayRef<TensorType> in,
                   ArrayRef<TensorType> out, const KernelTarget &,
                   SmallVectorImpl<DispatchDesc> &d) {
  unsigned n = unsigned(in.size()); // the output is operand n
  if (n == 1) {
    DispatchDesc copy = lowerUnary(UnaryOpCode::Copy, out[0].numElementsExpr());
    copy.operands = {0, 1};
    d.push_back(std::move(copy));
  } else {
    DispatchDesc first = lowerBinary(stepCode(K), in[0], in[1], out[0]);
    first.operands = {0, 1, n};
    d.push_back(std::move(first));
    for (unsigned k = 2; k < n; ++k) {
      // In place: binary.comp reads only the elements it writes.
      DispatchDesc step = lowerBinary(stepCode(K), out[0], in[k], out[0]);
      step.operands = {n, k, n};
      d.push_back(std::move(step));
    }
  }
  if (K == Kind::Mean) {
    DispatchDesc scale = lowerUnary(UnaryOpCode::Scale,
                                    out[0].numElementsExpr(),
                                    1.0f / float(n));
    scale.operands = {n, n};
    d.push_back(std::move(scale));
  }
}

template <Kind K> OpDef variadicOp(const char *name) {
  return symbolicOp({name,
                     inferVariadicTypes,
                     referenceVariadic<K>,
                     lowerVariadic<K>,
                     {/*isView=*/false, /*inPlaceInputs=*/{}}});
}

Error inferPReluTypes(const Node &node, ArrayRef<InputInfo> in,
                      SmallVectorImpl<TensorType> &out) {
  if (Error e = inferBinaryTypes(node, in, out))
    return e;
  if (in[0].type.dtype != DType::F32)
    return opError("X has dtype " + dtypeName(in[0].type.dtype) +
                   "; only f32 is supported");
  if (out[0].dims() != in[0].type.dims())
    return opError("slope's shape does not broadcast to X's: the output "
                   "would have another shape than X");
  return Error::success();
}

Error preluReference(const Node &, ArrayRef<const HostTensor *> in,
                     MutableArrayRef<HostTensor> out) {
  return referenceBinary(BinaryOpCode::PRelu, *in[0], *in[1], out[0]);
}

void preluLower(const Node &, ArrayRef<TensorType> in,
                ArrayRef<TensorType> out, const KernelTarget &,
                SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerBinary(BinaryOpCode::PRelu, in[0], in[1], out[0]));
}

} // namespace

const OpDef kMaxOp = variadicOp<Kind::Max>("Max");
const OpDef kMinOp = variadicOp<Kind::Min>("Min");
const OpDef kSumOp = variadicOp<Kind::Sum>("Sum");
const OpDef kMeanOp = variadicOp<Kind::Mean>("Mean");
const OpDef kPReluOp =
    symbolicOp({"PRelu",
                inferPReluTypes,
                preluReference,
                preluLower,
                {/*isView=*/false, /*inPlaceInputs=*/{0}}});

} // namespace tlc
