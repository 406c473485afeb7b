//===- fuzz/FuzzNpy.cpp - libFuzzer target: the .npy reader ---------------===//
//
// Feeds arbitrary bytes to readNpyBytes (ir/Npy.h). Every input must give
// either an array or an llvm::Error; a crash, a sanitizer report or a leak
// is a bug. An accepted array is checked against the reader's contract:
// bytes.size() == numElements * npyDTypeBytes(dtype) and every dim >= 1.
//
//===----------------------------------------------------------------------===//
#include "ir/Npy.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<tlc::NpyArray> arr =
      tlc::readNpyBytes(llvm::ArrayRef<uint8_t>(data, size), "fuzz.npy");
  if (!arr) {
    llvm::consumeError(arr.takeError());
    return 0;
  }
  uint64_t elems = 1;
  for (int64_t d : arr->shape) {
    if (d < 1)
      std::abort(); // The reader promised every dim >= 1.
    elems *= uint64_t(d);
  }
  if (arr->bytes.size() != elems * tlc::npyDTypeBytes(arr->dtype))
    std::abort(); // Data size disagrees with the shape.
  return 0;
}
