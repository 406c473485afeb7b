//===- ops/StorageCast.cpp - StorageCast: f32 <-> binary16 storage --------===//
//
// Internal op inserted by passes/F16Storage.cpp (`--precision=fp16`) where
// a tensor crosses between an f32 and an fp16-storage kernel: at the graph's
// inputs and outputs, which stay f32 for users, and around ops without an
// fp16 build. Attribute `to` is "f16" or "f32"; input and output have the
// same shape. Not an ONNX op (ONNX Cast is folded or removed by the front
// end). Shader: shaders/storage_cast.comp (`storage_cast` writes f16,
// `storage_cast_to_f32` writes f32).
//
//===----------------------------------------------------------------------===//
#include "ir/Half.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static Error storageCastTypes(const Node &node, ArrayRef<InputInfo> in,
                              SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"to"}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  Expected<std::string> to = node.attrs.getString("to", "");
  if (!to)
    return to.takeError();
  DType from = in[0].type.dtype;
  // The same dims, symbolic ones included (plans for shape ranges).
  TensorType t = in[0].type;
  if (*to == "f16" && from == DType::F32) {
    t.dtype = DType::F16;
    out.push_back(t);
  } else if (*to == "f32" && from == DType::F16) {
    t.dtype = DType::F32;
    out.push_back(t);
  } else {
    return opError("StorageCast converts f32 to f16 (to = \"f16\") or f16 to "
                   "f32 (to = \"f32\"); got input " +
                   dtypeName(from) + " and to = \"" + *to + "\"");
  }
  return checkFits32(out.back(), "output");
}

// To f16: each value rounded to the nearest binary16 (ties to even,
// saturating as ir/Half.h does); back to f32: exact.
static Error storageCastReference(const Node &node,
                                  ArrayRef<const HostTensor *> in,
                                  MutableArrayRef<HostTensor> out) {
  if (out[0].type.dtype == DType::F16) {
    ArrayRef<float> x = in[0]->f32();
    MutableArrayRef<uint16_t> y = out[0].as<uint16_t>();
    for (size_t i = 0; i < x.size(); ++i)
      y[i] = floatToHalf(x[i]);
  } else {
    ArrayRef<uint16_t> x = in[0]->as<uint16_t>();
    MutableArrayRef<float> y = out[0].f32();
    for (size_t i = 0; i < x.size(); ++i)
      y[i] = halfToFloat(x[i]);
  }
  return Error::success();
}

static void storageCastLower(const Node &, ArrayRef<TensorType>,
                             ArrayRef<TensorType> out,
                             const KernelTarget &,
                             SmallVectorImpl<DispatchDesc> &ds) {
  DispatchDesc d;
  d.shader = out[0].dtype == DType::F16 ? "storage_cast" : "storage_cast_to_f32";
  DimExpr n = out[0].numElementsExpr();
  bool vec4 = n.isMultipleOf(4); // for every value in a symbolic range
  d.specConstants = spec::u32s({0, vec4 ? 1u : 0u});
  setDim(d, 0, n);
  d.operands = {0, 1};
  d.writes = {1};
  setGrid1D(d, vec4 ? floorDiv(n, 4) : n, 256);
  ds.push_back(d);
}

const OpDef kStorageCastOp = symbolicOp({"StorageCast",
                                         storageCastTypes,
                                         storageCastReference,
                                         storageCastLower,
                                         /*memory=*/{},
                                         /*referenceDTypes=*/{DType::F32,
                                                              DType::F16},
                                         /*deviceDTypes=*/{DType::F32,
                                                           DType::F16}});

} // namespace tlc
