//===- ops/QuantizedGemm.cpp - Y = A * dequant(W)^T over GGUF blocks ------===//
//
// tlc-internal op (no ONNX counterpart): a matrix product whose weight stays
// block-quantized in memory and is dequantized inside the kernel, as
// llama.cpp computes with GGUF weights (issue #15).
//
//   inputs:  A [M, K] f32 (M may be symbolic: a shape range), and
//            W [N, S] u8: N rows of K values each in GGUF block layout
//            (the bytes of a GGUF tensor with dims [K, N], i.e. a [N, K]
//            matrix), row r at byte r * S; S = quantizedRowStride(type, K)
//            (ir/GgufQuant.h), the row's blocks rounded up to 4 bytes so
//            that the kernel reads whole 32-bit words (equal to the GGUF
//            row size for every real model);
//   attribute: quant = "q8_0", "q4_0" or "q6_k" (ggml's GGML_TYPE_Q8_0,
//            Q4_0, Q6_K; block layouts in docs/gguf.md and ggml's
//            src/ggml-common.h, element order src/ggml-quants.c);
//   optional input Z: a residual of M * N elements (f32), made by
//            passes/FuseEpilogues.cpp from QuantizedGemm -> [views] -> Add;
//   output:  Y [M, N] f32 (Z's type with Z), Y[m, n] = sum_k A[m, k] *
//            dequant(W)[n, k] (+ Z[m * N + n]): Gemm with transB = 1 over
//            the dequantized matrix.
//
// K must be static and a multiple of the block (32 values for q8_0 and
// q4_0, 256 for q6_k).
//
// The CPU reference dequantizes with ir/GgufQuant.h's block decoders (the
// code checked against ggml) and sums in double. The shader,
// shaders/quant_gemm.comp, reads W as 32-bit words and decodes each block in
// registers: a workgroup of 128 invocations computes an MR x NR tile of Y
// (MR rows of A, NR rows of W), its invocations splitting K into units of
// 8 (q8_0, q4_0) or 16 (q6_k) values, then reducing over the workgroup
// (subgroupAdd with --target=gpu, a shared-memory tree otherwise). For one
// row (a decoded token) that is a GEMV reading each weight byte once.
//
//===----------------------------------------------------------------------===//
#include "ir/GgufQuant.h"
#include "ops/Binary.h"
#include "ops/OpList.h"
#include "ops/QuantType.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <utility>

using namespace llvm;

namespace tlc {

Expected<GgmlType> quantType(const Node &node) {
  Expected<std::string> q = node.attrs.getString("quant", "");
  if (!q)
    return q.takeError();
  if (q->empty())
    return opError("attribute 'quant' is missing; expected q8_0, q4_0 or "
                   "q6_k");
  std::optional<GgmlType> t = StringSwitch<std::optional<GgmlType>>(*q)
                                  .Case("q8_0", GgmlType::Q8_0)
                                  .Case("q4_0", GgmlType::Q4_0)
                                  .Case("q6_k", GgmlType::Q6_K)
                                  .Default(std::nullopt);
  if (!t)
    return opError("attribute 'quant' is '" + *q +
                   "'; expected q8_0, q4_0 or q6_k");
  return *t;
}

uint32_t shaderQType(GgmlType t) {
  return t == GgmlType::Q8_0 ? 0u : t == GgmlType::Q4_0 ? 1u : 2u;
}

namespace {

/// Rows of A (M) and of Y computed by one workgroup, at most.
constexpr uint32_t kMaxTileM = 8;
/// Rows of W (columns of Y) one workgroup computes.
constexpr uint32_t kTileN = 4;

} // namespace

static Error quantizedGemmInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                     SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"quant"}))
    return e;
  if (Error e = checkInputCount(in, 2, 3))
    return e;
  if (Error e = checkMaxOutputs(node, 1, "it has output Y only"))
    return e;
  if (Error e = checkF32(in, 0, "A"))
    return e;
  if (Error e = checkDType(in, 1, "W", {DType::U8}))
    return e;
  const TensorType &a = in[0].type, &w = in[1].type;
  if (Error e = checkRank(a, 2, "input 0 (A)", "[M, K]"))
    return e;
  if (Error e = checkRank(w, 2, "input 1 (W)", "[N, row bytes]"))
    return e;
  if (Error e = checkInputsFit32(in))
    return e;
  Expected<GgmlType> type = quantType(node);
  if (!type)
    return type.takeError();
  const GgmlTypeInfo *info = ggmlTypeInfo(uint32_t(*type));
  std::string qname = info->name.lower();
  DimExpr kDim = a.dim(1);
  if (!kDim.isConstant())
    return opError("K (dim 1 of input 0, A " + a.str() +
                   ") must be static, got " + kDim.str());
  int64_t k = kDim.constant();
  if (k % info->blockElems != 0)
    return opError("K = " + Twine(k) + " (dim 1 of input 0, A " + a.str() +
                   ") is not a multiple of " + qname + "'s block of " +
                   Twine(info->blockElems) + " values");
  if (!w.isStatic())
    return opError("input 1 (W) is " + w.str() + "; expected a static shape");
  uint64_t rowBytes = *quantizedRowBytes(*type, k);
  uint64_t stride = *quantizedRowStride(*type, k);
  if (uint64_t(w.shape[1]) != stride)
    return opError("input 1 (W) is " + w.str() + "; expected [N, " +
                   Twine(stride) + "]: rows of K = " + Twine(k) + " " + qname +
                   " values are " + Twine(k / info->blockElems) +
                   " blocks of " + Twine(info->blockBytes) + " bytes (" +
                   Twine(rowBytes) + ")" +
                   (stride != rowBytes ? ", padded to a multiple of 4 bytes"
                                       : ""));
  TensorType y = TensorType::withDims(DType::F32, {a.dim(0), w.dim(0)});
  if (Error e = checkFits32(y, "output"))
    return e;
  if (in.size() == 3) {
    // A residual: Y takes Z's type (compared as expressions, as
    // GemmResidual does).
    if (Error e = checkF32(in, 2, "Z"))
      return e;
    const TensorType &z = in[2].type;
    if (z.numElementsExpr() != y.numElementsExpr())
      return opError("Z " + z.str() + " has " + z.numElementsExpr().str() +
                     " elements; expected M * N = " +
                     y.numElementsExpr().str());
    y = z;
  }
  out.push_back(y);
  return Error::success();
}

/// Reference: each row of W dequantized by ir/GgufQuant.h, products summed
/// in double in order of increasing k, each output rounded once to f32.
static Error quantizedGemmReference(const Node &node,
                                    ArrayRef<const HostTensor *> in,
                                    MutableArrayRef<HostTensor> out) {
  GgmlType type = cantFail(quantType(node));
  int64_t m = in[0]->type.shape[0], k = in[0]->type.shape[1];
  int64_t n = in[1]->type.shape[0];
  uint64_t stride = *quantizedRowStride(type, k);
  const float *a = in[0]->f32().data();
  ArrayRef<uint8_t> w = in[1]->bytes();
  float *y = out[0].f32().data();
  std::vector<float> row(static_cast<size_t>(k));
  for (int64_t c = 0; c < n; ++c) {
    dequantizeQuantizedRow(type, w.data() + uint64_t(c) * stride, k,
                           row.data());
    for (int64_t r = 0; r < m; ++r) {
      double s = 0;
      for (int64_t i = 0; i < k; ++i)
        s += double(a[r * k + i]) * double(row[size_t(i)]);
      if (in.size() == 3)
        s += double(in[2]->f32()[size_t(r * n + c)]);
      y[r * n + c] = float(s);
    }
  }
  return Error::success();
}

/// Blocks of a unit of shaders/gemv_quant.comp and units of a row of K.
static std::pair<int64_t, int64_t> quantGemvUnits(int64_t k) {
  int64_t blocks = k / 32, unit = blocks % 8 == 0 ? 8 : 2;
  return {unit, (blocks + unit - 1) / unit};
}

uint32_t quantGemvRows(int64_t k, bool evenRows) {
  int64_t rows = 128 / std::max<int64_t>(1, quantGemvUnits(k).second);
  if (evenRows && rows > 1)
    rows &= ~int64_t(1);
  return uint32_t(std::max<int64_t>(1, rows));
}

bool quantGemvApplies(GgmlType t, int64_t k, const KernelTarget &target,
                      bool evenRows) {
  if ((t != GgmlType::Q8_0 && t != GgmlType::Q4_0) || k % 32 != 0 || k <= 0)
    return false;
  auto [unit, units] = quantGemvUnits(k);
  return units <= (evenRows ? 64 : 128) &&
         uint64_t(units) * uint64_t(8 * unit + 1) * 16 + 2 * 128 * 4 <=
             target.maxSharedMemoryBytes;
}

DispatchDesc lowerQuantGemvPlain(GgmlType t, int64_t n, int64_t k, unsigned a,
                                 unsigned w, std::optional<unsigned> z,
                                 unsigned y) {
  DispatchDesc d;
  d.shader = "gemv_quant_plain";
  uint32_t rows = quantGemvRows(k);
  d.specConstants = spec::u32s(
      {uint32_t(n), uint32_t(k), 0, 0, 0, shaderQType(t), rows,
       uint32_t(*quantizedRowStride(t, k)), z ? 1u : 0u});
  d.operands = {a, w, z ? *z : a, y};
  d.writes = {3};
  if (!z)
    d.unread = {2}; // a placeholder
  d.groups[0] = uint32_t(std::min<int64_t>((n + rows - 1) / rows, 65535));
  return d;
}

DispatchDesc lowerQuantGemmTiles(GgmlType type, const DimExpr &m, int64_t n,
                                 int64_t k, unsigned a, unsigned w, unsigned y,
                                 const KernelTarget &target) {
  // Rows per workgroup: all of a small static M, else kMaxTileM (a
  // symbolic M is chosen at its bound; the shader skips rows past M).
  int64_t mBound = m.isConstant() ? m.constant() : m.upperBound();
  uint32_t tileM = uint32_t(std::min<int64_t>(kMaxTileM, mBound));
  DispatchDesc d;
  d.shader = target.subgroupArithmetic ? "quant_gemm_subgroup" : "quant_gemm";
  d.specConstants = spec::u32s({0, 0, 0, shaderQType(type), tileM, kTileN});
  setDim(d, 0, m);
  setDim(d, 1, DimExpr(n));
  setDim(d, 2, DimExpr(k));
  d.operands = {a, w, y};
  d.writes = {2};
  // The shader loops over tiles beyond the dispatched counts.
  DimExpr maxGroups = int64_t(65535);
  setGroups(d, min(ceilDiv(DimExpr(n), kTileN), maxGroups),
            min(ceilDiv(m, tileM), maxGroups), 1);
  return d;
}

static void quantizedGemmLower(const Node &node, ArrayRef<TensorType> in,
                               ArrayRef<TensorType> out,
                               const KernelTarget &target,
                               SmallVectorImpl<DispatchDesc> &dispatches) {
  GgmlType type = cantFail(quantType(node));
  DimExpr m = in[0].dim(0);
  int64_t n = in[1].shape[0], k = in[0].shape[1];
  bool gemv = quantGemvApplies(type, k, target);
  // Operands: A 0, W 1, then Z 2 (a residual) when present, then Y.
  std::optional<unsigned> z;
  if (in.size() == 3)
    z = 2;
  unsigned y = unsigned(in.size());
  if (m.isConstant() && m.constant() == 1 && gemv) {
    dispatches.push_back(lowerQuantGemvPlain(type, n, k, 0, 1, z, y));
    return;
  }
  DispatchDesc d = lowerQuantGemmTiles(type, m, n, k, 0, 1, y, target);
  // Y += Z in place after the tiled kernel (which takes no addend): at
  // each element, binary.comp reads Y and Z and writes Y.
  std::optional<DispatchDesc> add;
  if (z) {
    TensorType flat = TensorType::withDims(DType::F32, {m * DimExpr(n)});
    add = lowerBinary(BinaryOpCode::Add, flat, flat, flat);
    add->operands = {y, *z, y};
  }
  // A token count whose range starts at 1: a decoded token (M = 1) runs
  // its own dispatch, the GEMV of gemv_quant.comp with the residual (or
  // quant_gemm with one row a workgroup, for q6_k), and the tiled one (and
  // its residual pass) runs for M >= 2.
  if (!m.isConstant() && m.lowerBound() == 1) {
    DispatchDesc one = lowerQuantGemvPlain(type, n, k, 0, 1, z, y);
    if (!gemv) {
      one = d;
      one.specConstants[4] = spec::u32(1);
    }
    runWhenOne(one, m);
    runWhenAboveOne(d, m);
    d.exclusiveWithPrevious = true;
    if (add && gemv)
      runWhenAboveOne(*add, m);
    dispatches.push_back(std::move(one));
  }
  dispatches.push_back(d);
  if (add)
    dispatches.push_back(std::move(*add));
}

const OpDef kQuantizedGemmOp = [] {
  OpDef def = symbolicOp({"QuantizedGemm", quantizedGemmInferTypes,
                          quantizedGemmReference, quantizedGemmLower});
  def.referenceDTypes = {DType::F32, DType::U8};
  return def;
}();

} // namespace tlc
