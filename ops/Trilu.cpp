//===- ops/Trilu.cpp - Trilu: upper or lower triangle ---------------------===//
//
// ONNX Trilu (opset 14): input of rank >= 2, attribute upper (default 1) and
// optional input k (a compile-time constant i64 scalar, default 0; moved
// into the attribute k by passes/ConstantFolding.cpp, as the lowering sees
// types only). For every matrix of the last two dims, element (i, j) is kept
// when j - i >= k (upper) or j - i <= k (lower), and is 0 otherwise.
// Shader: shaders/trilu.comp, one invocation per element.
//
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <algorithm>

using namespace llvm;

namespace tlc {
namespace {

/// The diagonal offset k: input 1, the attribute, or 0.
Expected<int64_t> diagonalOf(const Node &node, ArrayRef<InputInfo> in) {
  if (in.size() > 1) {
    if (node.attrs.has("k"))
      return opError("k given both as attribute and as input 1");
    Expected<std::vector<int64_t>> k = readIntInput(in, 1, "k");
    if (!k)
      return k.takeError();
    if (k->size() != 1)
      return opError("input 1 (k) has " + Twine(k->size()) +
                     " elements; expected 1");
    return (*k)[0];
  }
  return node.attrs.getInt("k", 0);
}

Error triluInferTypes(const Node &node, ArrayRef<InputInfo> in,
                      SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"k", "upper"}))
    return e;
  if (Error e = checkInputCount(in, 1, 2))
    return e;
  if (Error e = checkF32(in, 0, "input"))
    return e;
  if (Error e = checkFits32(in[0].type, "input"))
    return e;
  if (in[0].type.rank() < 2)
    return opError("input must have rank >= 2, got " + in[0].type.str());
  if (Error e = getFlagAttr(node, "upper", true).takeError())
    return e;
  if (Error e = diagonalOf(node, in).takeError())
    return e;
  out.push_back(in[0].type);
  return Error::success();
}

Error triluReference(const Node &node, ArrayRef<const HostTensor *> in,
                     MutableArrayRef<HostTensor> out) {
  SmallVector<InputInfo, 2> info;
  for (const HostTensor *h : in)
    info.push_back({h->type, h->bytes()});
  int64_t k = verifiedValue(diagonalOf(node, info));
  bool upper = verifiedValue(getFlagAttr(node, "upper", true));
  const Shape &s = in[0]->type.shape;
  int64_t rows = s[s.size() - 2], cols = s.back();
  ArrayRef<float> x = in[0]->f32();
  MutableArrayRef<float> y = out[0].f32();
  for (int64_t e = 0; e < int64_t(x.size()); ++e) {
    int64_t j = e % cols, i = (e / cols) % rows;
    bool keep = upper ? j - i >= k : j - i <= k;
    y[e] = keep ? x[e] : 0.0f;
  }
  return Error::success();
}

void triluLower(const Node &node, ArrayRef<TensorType> in,
                ArrayRef<TensorType> out, const KernelTarget &,
                SmallVectorImpl<DispatchDesc> &d) {
  SmallVector<InputInfo, 1> info{{in[0], {}}};
  int64_t k = verifiedValue(diagonalOf(node, info));
  bool upper = verifiedValue(getFlagAttr(node, "upper", true));
  SymShape s = in[0].dims();
  DimExpr rows = s[s.size() - 2], cols = s.back();
  // j - i lies in [1 - rows, cols - 1]: k beyond [-rows, cols] decides the
  // same, and the clamped k fits the shader's int.
  k = std::clamp(k, -rows.upperBound(), cols.upperBound());
  DispatchDesc c;
  c.shader = "trilu";
  DimExpr n = out[0].numElementsExpr();
  setDim(c, 0, n);
  setDim(c, 1, rows);
  setDim(c, 2, cols);
  c.specConstants.push_back(spec::i32(int32_t(k)));      // 3: K
  c.specConstants.push_back(spec::u32(upper ? 1u : 0u)); // 4: UPPER
  c.operands = {0, 1};
  c.writes = {1};
  setGrid1D(c, n, 256);
  d.push_back(c);
}

} // namespace

const OpDef kTriluOp =
    symbolicOp({"Trilu", triluInferTypes, triluReference, triluLower});

} // namespace tlc
