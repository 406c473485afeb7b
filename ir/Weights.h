//===- ir/Weights.h - Weight tensors for the model parser -------*- C++ -*-===//
#ifndef TLC_IR_WEIGHTS_H
#define TLC_IR_WEIGHTS_H

#include "ir/Types.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace tlc {

/// One weight looked up by name.
struct WeightTensor {
  bool found = false;
  TensorType type;
  std::vector<uint8_t> data; // type.byteSize() bytes, little-endian
};

/// Reads the tensors named \p names from the safetensors file at \p path;
/// result i answers names[i] (found = false when the file has no such
/// tensor). Errors: the file is unreadable or malformed (see
/// ir/Safetensors.h), or a tensor has a dtype tlc cannot represent.
llvm::Expected<std::vector<WeightTensor>>
loadWeightTensors(llvm::StringRef path, llvm::ArrayRef<std::string> names);

} // namespace tlc

#endif // TLC_IR_WEIGHTS_H
