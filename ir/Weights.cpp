//===- ir/Weights.cpp - Weight tensors for the model parser ---------------===//
#include "ir/Weights.h"
#include "ir/Safetensors.h"

using namespace llvm;

namespace tlc {

Expected<std::vector<WeightTensor>>
loadWeightTensors(StringRef path, ArrayRef<std::string> names) {
  Expected<SafetensorsFile> file = readSafetensors(path);
  if (!file)
    return file.takeError();
  std::vector<WeightTensor> out(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    SafetensorsTensor *t = nullptr;
    for (SafetensorsTensor &c : file->tensors)
      if (c.name == names[i])
        t = &c;
    if (!t)
      continue;
    out[i].found = true;
    out[i].type.dtype = t->dtype;
    out[i].type.shape = t->shape;
    out[i].data = std::move(t->data);
  }
  return out;
}

} // namespace tlc
