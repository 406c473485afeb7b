//===- ops/QuantizedGather.cpp - Rows of a block-quantized table ----------===//
//
// tlc-internal op (no ONNX counterpart): Gather along axis 0 of a table that
// stays block-quantized in memory, a GGUF token embedding (issue #15):
//
//   inputs:  W [V, S] u8: V rows of K values each in GGUF block layout, row
//            r at byte r * S, S = quantizedRowStride(type, K) (as
//            QuantizedGemm's W, which a tied LM head reads from the same
//            bytes); indices (i64 or i32, any shape; symbolic dims allowed);
//   attribute: quant = "q8_0", "q4_0" or "q6_k" (ops/QuantType.h);
//   output:  indices.shape ++ [K] f32, the dequantized rows; K is the most
//            values whose blocks fit S (S exceeds the blocks' bytes by less
//            than 4, so that is exact).
//
// Negative indices count from the end; an index outside [-V, V) gives a
// row of zeros (as Gather on the device). The CPU reference dequantizes
// with ir/GgufQuant.h's block decoders; shaders/quant_gather.comp decodes
// in registers (shaders/ggml_blocks.glsl), one invocation per 8 or 16
// values.
//
//===----------------------------------------------------------------------===//
#include "ir/GgufQuant.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/QuantType.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

/// K of a row of \p stride bytes of \p type.
static int64_t rowValues(GgmlType type, int64_t stride) {
  const GgmlTypeInfo *info = ggmlTypeInfo(uint32_t(type));
  return stride / int64_t(info->blockBytes) * int64_t(info->blockElems);
}

static Error quantizedGatherInferTypes(const Node &node,
                                       ArrayRef<InputInfo> in,
                                       SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"quant"}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  if (Error e = checkDType(in, 0, "W", {DType::U8}))
    return e;
  const TensorType &w = in[0].type, &idx = in[1].type;
  if (idx.dtype != DType::I64 && idx.dtype != DType::I32)
    return opError("input 1 (indices) has dtype " + dtypeName(idx.dtype) +
                   "; expected i64 or i32");
  if (Error e = checkRank(w, 2, "input 0 (W)", "[rows, row bytes]"))
    return e;
  if (!w.isStatic())
    return opError("input 0 (W) is " + w.str() + "; expected a static shape");
  Expected<GgmlType> type = quantType(node);
  if (!type)
    return type.takeError();
  int64_t k = rowValues(*type, w.shape[1]);
  if (k <= 0 || uint64_t(w.shape[1]) != *quantizedRowStride(*type, k))
    return opError("input 0 (W) is " + w.str() + "; its rows of " +
                   Twine(w.shape[1]) + " bytes are no whole number of " +
                   ggmlTypeInfo(uint32_t(*type))->name.lower() +
                   " blocks (rounded up to 4 bytes)");
  if (Error e = checkInputsFit32(in))
    return e;
  SymShape os = idx.dims();
  os.push_back(DimExpr(k));
  TensorType t = TensorType::withDims(DType::F32, os);
  if (Error e = checkFits32(t, "output"))
    return e;
  out.push_back(std::move(t));
  return Error::success();
}

/// Reference: rows dequantized by ir/GgufQuant.h; out-of-range indices give
/// zeros (outputs start zero-filled).
static Error quantizedGatherReference(const Node &node,
                                      ArrayRef<const HostTensor *> in,
                                      MutableArrayRef<HostTensor> out) {
  GgmlType type = cantFail(quantType(node));
  int64_t rows = in[0]->type.shape[0], stride = in[0]->type.shape[1];
  int64_t k = rowValues(type, stride);
  ArrayRef<uint8_t> w = in[0]->bytes();
  float *y = out[0].f32().data();
  for (int64_t j = 0; j < in[1]->type.numElements(); ++j) {
    int64_t r = in[1]->intAt(j);
    if (r < 0)
      r += rows;
    if (r < 0 || r >= rows)
      continue;
    dequantizeQuantizedRow(type, w.data() + r * stride, k, y + j * k);
  }
  return Error::success();
}

static void quantizedGatherLower(const Node &node, ArrayRef<TensorType> in,
                                 ArrayRef<TensorType> out,
                                 const KernelTarget &target,
                                 SmallVectorImpl<DispatchDesc> &dispatches) {
  GgmlType type = cantFail(quantType(node));
  int64_t k = rowValues(type, in[0].shape[1]);
  int64_t unit = type == GgmlType::Q6_K ? 16 : 8; // ggml_blocks.glsl UNIT
  DimExpr count = in[1].numElementsExpr();
  DimExpr total = count * DimExpr(k / unit);
  DispatchDesc d;
  d.shader = "quant_gather";
  d.specConstants = spec::u32s(
      {0, 0, 0, 0, shaderQType(type), in[1].dtype == DType::I64 ? 1u : 0u});
  setDim(d, 0, total);
  setDim(d, 1, count);
  setDim(d, 2, k);
  setDim(d, 3, in[0].shape[0]);
  d.operands = {0, 1, 2};
  d.writes = {2};
  setGrid1D(d, total, 256);
  dispatches.push_back(d);
}

const OpDef kQuantizedGatherOp = [] {
  OpDef def = symbolicOp({"QuantizedGather", quantizedGatherInferTypes,
                          quantizedGatherReference, quantizedGatherLower});
  def.referenceDTypes = {DType::F32, DType::U8, DType::I64, DType::I32};
  return def;
}();

} // namespace tlc
