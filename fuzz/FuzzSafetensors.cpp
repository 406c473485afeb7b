//===- fuzz/FuzzSafetensors.cpp - libFuzzer target: safetensors reader ----===//
//
// Feeds arbitrary bytes to readSafetensorsBytes (ir/Safetensors.h), the
// reader behind every model's weights file. Every input must give a file or
// an llvm::Error. An accepted file is checked against the reader's contract:
// each tensor's data is numElements * dtypeBytes(dtype) bytes, every dim >= 1,
// and find() returns each tensor by its name.
//
//===----------------------------------------------------------------------===//
#include "ir/Safetensors.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<tlc::SafetensorsFile> file = tlc::readSafetensorsBytes(
      llvm::ArrayRef<uint8_t>(data, size), "fuzz.safetensors");
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  for (const tlc::SafetensorsTensor &t : file->tensors) {
    uint64_t elems = 1;
    for (int64_t d : t.shape) {
      if (d < 1)
        std::abort(); // The reader promised every dim >= 1.
      elems *= uint64_t(d);
    }
    if (t.data.size() != elems * tlc::dtypeBytes(t.dtype))
      std::abort(); // Data size disagrees with the shape.
    if (file->find(t.name) != &t)
      std::abort(); // Names must be unique and found.
  }
  return 0;
}
