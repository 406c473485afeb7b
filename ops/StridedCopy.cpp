//===- ops/StridedCopy.cpp - Strided copy of a box of elements ------------===//
#include "ops/StridedCopy.h"

#include <cassert>

using namespace llvm;

namespace tlc {

DispatchDesc lowerStridedCopy(ArrayRef<int64_t> box,
                              ArrayRef<int64_t> srcStrides, int64_t srcBase,
                              ArrayRef<int64_t> dstStrides, int64_t dstBase,
                              unsigned srcOperand, unsigned dstOperand) {
  assert(box.size() <= kStridedCopyMaxRank && "box rank too high");
  assert(srcStrides.size() == box.size() && dstStrides.size() == box.size());
  // Pad to kStridedCopyMaxRank with leading dims of size 1.
  size_t pad = kStridedCopyMaxRank - box.size();
  SmallVector<int64_t, 6> d(pad, 1), ss(pad, 0), ds(pad, 0);
  d.append(box.begin(), box.end());
  ss.append(srcStrides.begin(), srcStrides.end());
  ds.append(dstStrides.begin(), dstStrides.end());
  uint64_t n = 1;
  for (int64_t v : box)
    n *= uint64_t(v);
  DispatchDesc desc;
  desc.shader = "strided_copy";
  desc.specConstants.push_back(spec::u32(uint32_t(n)));
  for (int64_t v : d)
    desc.specConstants.push_back(spec::u32(uint32_t(v)));
  for (int64_t v : ss)
    desc.specConstants.push_back(spec::i32(int32_t(v)));
  desc.specConstants.push_back(spec::i32(int32_t(srcBase)));
  for (int64_t v : ds)
    desc.specConstants.push_back(spec::i32(int32_t(v)));
  desc.specConstants.push_back(spec::i32(int32_t(dstBase)));
  desc.operands = {srcOperand, dstOperand};
  desc.writes = {1};
  setGrid1D(desc, n, 256);
  return desc;
}

} // namespace tlc
