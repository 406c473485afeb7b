//===- ops/StridedCopy.cpp - Strided copy of a box of elements ------------===//
#include "ops/StridedCopy.h"

#include <cassert>

using namespace llvm;

namespace tlc {

DispatchDesc lowerStridedCopy(ArrayRef<int64_t> box,
                              ArrayRef<int64_t> srcStrides, int64_t srcBase,
                              ArrayRef<int64_t> dstStrides, int64_t dstBase,
                              unsigned srcOperand, unsigned dstOperand) {
  SymShape b(box.begin(), box.end()), ss(srcStrides.begin(), srcStrides.end()),
      ds(dstStrides.begin(), dstStrides.end());
  return lowerStridedCopy(b, ss, DimExpr(srcBase), ds, DimExpr(dstBase),
                          srcOperand, dstOperand);
}

DispatchDesc lowerStridedCopy(ArrayRef<DimExpr> box,
                              ArrayRef<DimExpr> srcStrides,
                              const DimExpr &srcBase,
                              ArrayRef<DimExpr> dstStrides,
                              const DimExpr &dstBase, unsigned srcOperand,
                              unsigned dstOperand) {
  assert(box.size() <= kStridedCopyMaxRank && "box rank too high");
  assert(srcStrides.size() == box.size() && dstStrides.size() == box.size());
  // Pad to kStridedCopyMaxRank with leading dims of size 1.
  size_t pad = kStridedCopyMaxRank - box.size();
  SymShape d(pad, DimExpr(1)), ss(pad, DimExpr(0)), ds(pad, DimExpr(0));
  d.append(box.begin(), box.end());
  ss.append(srcStrides.begin(), srcStrides.end());
  ds.append(dstStrides.begin(), dstStrides.end());
  DimExpr n = 1;
  for (const DimExpr &v : box)
    n *= v;
  // Constant ids (shaders/strided_copy.comp): 0 TOTAL, 1..6 the box, 7..12
  // and 13 the source strides and base, 14..19 and 20 the destination's.
  DispatchDesc desc;
  desc.shader = "strided_copy";
  setDim(desc, 0, n);
  for (unsigned k = 0; k < kStridedCopyMaxRank; ++k) {
    setDim(desc, 1 + k, d[k]);
    setDimI32(desc, 7 + k, ss[k]);
    setDimI32(desc, 14 + k, ds[k]);
  }
  setDimI32(desc, 13, srcBase);
  setDimI32(desc, 20, dstBase);
  desc.operands = {srcOperand, dstOperand};
  desc.writes = {1};
  setGrid1D(desc, n, 256);
  return desc;
}

} // namespace tlc
