//===- ops/Transpose.cpp - Transpose: permute the dims --------------------===//
//
// ONNX Transpose (opset 13): attribute perm (a permutation of 0..r-1; default
// the reversed dims), output dim i = input dim perm[i]. Rank <=
// kStridedCopyMaxRank. Lowering: one shaders/strided_copy.comp dispatch that
// walks the output in order and reads the input through permuted strides.
// Shape ranges: any dim may be symbolic; the box and the strides are then
// run-time values (products of the dims), nothing structural depends on them.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/StridedCopy.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

/// perm of \p node for an input of rank \p rank: the attribute, or the
/// reversed dims when absent. Errors unless it is a permutation of
/// 0..rank-1.
static Expected<std::vector<int64_t>> transposePerm(const Node &node,
                                                    int64_t rank) {
  std::vector<int64_t> def;
  for (int64_t i = rank - 1; i >= 0; --i)
    def.push_back(i);
  Expected<std::vector<int64_t>> perm = node.attrs.getInts("perm", def);
  if (!perm)
    return perm.takeError();
  if (int64_t(perm->size()) != rank)
    return opError("attribute 'perm' has " + Twine(perm->size()) +
                   " entries; expected " + Twine(rank) + " (the input rank)");
  SmallVector<bool, 8> seen(size_t(rank), false);
  for (size_t i = 0; i < perm->size(); ++i) {
    int64_t p = (*perm)[i];
    if (p < 0 || p >= rank || seen[p])
      return opError("attribute 'perm' is not a permutation of 0.." +
                     Twine(rank - 1) + ": entry " + Twine(i) + " is " +
                     Twine(p));
    seen[p] = true;
  }
  return perm;
}

static Error transposeInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                 SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"perm"}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkDType(in, 0, "data", kDataDTypes))
    return e;
  if (Error e = checkFits32(in[0].type, "input 0 (data)"))
    return e;
  SymShape s = in[0].type.dims();
  if (s.size() > kStridedCopyMaxRank)
    return opError("input rank " + Twine(s.size()) +
                   " exceeds the supported maximum of " +
                   Twine(kStridedCopyMaxRank));
  if (in[0].type.numElements() > 0x7fffffff)
    return opError("input " + in[0].type.str() +
                   " has more than 2^31-1 elements");
  Expected<std::vector<int64_t>> perm = transposePerm(node, int64_t(s.size()));
  if (!perm)
    return perm.takeError();
  SymShape o;
  for (int64_t p : *perm)
    o.push_back(s[p]);
  out.push_back(TensorType::withDims(in[0].type.dtype, o));
  return Error::success();
}

static Error transposeReference(const Node &node,
                                ArrayRef<const HostTensor *> in,
                                MutableArrayRef<HostTensor> out) {
  const Shape &s = in[0]->type.shape;
  std::vector<int64_t> perm = cantFail(transposePerm(node, int64_t(s.size())));
  Shape is = rowMajorStrides(s);
  const Shape &os = out[0].type.shape;
  Shape idx(os.size(), 0);
  int64_t n = out[0].type.numElements();
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < os.size(); ++d)
      src += idx[d] * is[perm[d]];
    out[0].copyElement(*in[0], src, i);
    for (size_t d = os.size(); d-- > 0;) {
      if (++idx[d] < os[d])
        break;
      idx[d] = 0;
    }
  }
  return Error::success();
}

static void transposeLower(const Node &node, ArrayRef<TensorType> in,
                           ArrayRef<TensorType> out,
                           const KernelTarget &target,
                           SmallVectorImpl<DispatchDesc> &d) {
  SymShape s = in[0].dims();
  std::vector<int64_t> perm = cantFail(transposePerm(node, int64_t(s.size())));
  SymShape is = rowMajorStrides(s);
  SymShape src;
  for (int64_t p : perm)
    src.push_back(is[p]);
  SymShape os = out[0].dims();
  d.push_back(lowerStridedCopy(os, src, DimExpr(0), rowMajorStrides(os),
                               DimExpr(0), 0, 1));
}

// i32 and i64 fold (index tensors exporters build from constants); the
// device moves f32.
const OpDef kTransposeOp = symbolicOp(
    {"Transpose", transposeInferTypes, transposeReference, transposeLower,
     /*memory=*/{}, /*referenceDTypes=*/kDataDTypes});

} // namespace tlc
