//===- ops/IntInput.cpp - Read a constant integer-list input --------------===//
#include "ops/IntInput.h"
#include "ops/OpUtil.h"

#include <cstring>

using namespace llvm;

namespace tlc {

Expected<std::vector<int64_t>> readIntInput(ArrayRef<InputInfo> in,
                                            unsigned idx, StringRef what) {
  const TensorType &t = in[idx].type;
  std::string name = ("input " + Twine(idx) + " (" + what + ")").str();
  if (t.dtype != DType::I64 && t.dtype != DType::I32)
    return opError(name + " has dtype " + dtypeName(t.dtype) +
                   "; expected i64 or i32");
  if (t.shape.size() > 1)
    return opError(name + " is " + t.str() + "; expected rank 0 or 1");
  if (in[idx].data.empty())
    return opError(name +
                   " must be a compile-time constant (a weight); tlc plans "
                   "memory ahead of time");
  if (!in[idx].symData.empty())
    return opError(name + " is [" + symShapeStr(in[idx].symData) +
                   "], symbolic; this op needs constant values");
  size_t width = t.dtype == DType::I64 ? 8 : 4;
  uint64_t count = uint64_t(t.numElements());
  if (in[idx].data.size() != count * width)
    return opError(name + " holds " + Twine(in[idx].data.size()) +
                   " bytes; expected " + Twine(count * width));
  std::vector<int64_t> v(count);
  for (uint64_t i = 0; i < count; ++i) {
    if (width == 8) {
      std::memcpy(&v[i], in[idx].data.data() + i * 8, 8);
    } else {
      int32_t x;
      std::memcpy(&x, in[idx].data.data() + i * 4, 4);
      v[i] = x;
    }
  }
  return v;
}

Expected<SymShape> readDimInput(ArrayRef<InputInfo> in, unsigned idx,
                                StringRef what) {
  if (in[idx].symData.empty()) {
    Expected<std::vector<int64_t>> v = readIntInput(in, idx, what);
    if (!v)
      return v.takeError();
    return SymShape(v->begin(), v->end());
  }
  const TensorType &t = in[idx].type;
  if (t.shape.size() > 1)
    return opError("input " + Twine(idx) + " (" + what + ") is " + t.str() +
                   "; expected rank 0 or 1");
  return SymShape(in[idx].symData.begin(), in[idx].symData.end());
}

} // namespace tlc
