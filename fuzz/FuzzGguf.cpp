//===- fuzz/FuzzGguf.cpp - libFuzzer target: the GGUF reader --------------===//
//
// Feeds arbitrary bytes to readGgufBytes (ir/Gguf.h), the reader of
// llama.cpp model files (issue #15). Every input must give a file or an
// llvm::Error. An accepted file is checked against the reader's contract:
// the alignment is a power of two; every tensor has 1 to 4 dims, each >= 1,
// numElements their product, numBytes what its type's blocks take, data of
// numBytes inside the input at an aligned offset, in info order without
// overlap; find() and findTensor() return each key and tensor. Supported
// tensors are dequantized (ir/GgufQuant.h), and the whole file is written
// again (ir/GgufWriter.h) and must read back with equal metadata.
//
//===----------------------------------------------------------------------===//
#include "ir/Gguf.h"
#include "ir/GgufQuant.h"
#include "ir/GgufWriter.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdlib>

using namespace tlc;

namespace {

void checkTensor(const GgufFile &f, const GgufTensor &t, const uint8_t *data,
                 size_t size, uint64_t &prevEnd) {
  if (t.dims.empty() || t.dims.size() > kGgufMaxDims)
    std::abort();
  uint64_t elems = 1;
  for (uint64_t d : t.dims) {
    if (d < 1)
      std::abort();
    elems *= d;
  }
  const GgmlTypeInfo *info = ggmlTypeInfo(uint32_t(t.type));
  if (!info || elems != t.numElements || t.dims[0] % info->blockElems ||
      t.numBytes != elems / info->blockElems * info->blockBytes)
    std::abort(); // Sizes disagree with dims and type.
  if (t.data.size() != t.numBytes || t.fileOffset % f.alignment ||
      t.fileOffset != f.dataOffset + t.offset || t.offset < prevEnd ||
      (t.numBytes && (t.data.data() != data + t.fileOffset ||
                      t.fileOffset + t.numBytes > size)))
    std::abort(); // Data outside the input, misaligned or overlapping.
  prevEnd = t.offset + t.numBytes;
  if (f.findTensor(t.name) != &t)
    std::abort();
  if (ggmlTypeSupportedByTlc(t.type) && t.numElements <= (1u << 16)) {
    llvm::Expected<std::vector<float>> v = dequantize(t);
    if (!v || v->size() != t.numElements)
      std::abort(); // A supported, well-formed tensor must decode.
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<GgufFile> file =
      readGgufBytes(llvm::ArrayRef<uint8_t>(data, size), "fuzz.gguf");
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  if (file->alignment == 0 || (file->alignment & (file->alignment - 1)))
    std::abort();
  for (const GgufKeyValue &kv : file->metadata)
    if (file->find(kv.key) != &kv.value)
      std::abort(); // Keys must be unique and found.
  uint64_t prevEnd = 0;
  std::vector<GgufTensorData> tensors;
  for (const GgufTensor &t : file->tensors) {
    checkTensor(*file, t, data, size, prevEnd);
    tensors.push_back({t.name, t.dims, t.type,
                       std::vector<uint8_t>(t.data.begin(), t.data.end())});
  }
  // What the reader accepts, the writer must write and the reader re-read.
  llvm::Expected<std::vector<uint8_t>> again =
      encodeGguf(file->metadata, tensors);
  if (!again)
    std::abort();
  llvm::Expected<GgufFile> reread = readGgufBytes(*again, "again.gguf");
  if (!reread || reread->metadata.size() != file->metadata.size() ||
      reread->tensors.size() != file->tensors.size())
    std::abort();
  for (size_t i = 0; i < file->metadata.size(); ++i)
    if (reread->metadata[i].key != file->metadata[i].key ||
        reread->metadata[i].value != file->metadata[i].value)
      std::abort();
  for (size_t i = 0; i < file->tensors.size(); ++i)
    if (reread->tensors[i].data != file->tensors[i].data)
      std::abort();
  return 0;
}
