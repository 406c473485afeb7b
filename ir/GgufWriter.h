//===- ir/GgufWriter.h - Write GGUF files -----------------------*- C++ -*-===//
//
// A small GGUF version 3 writer for tests and for tlc's own demo models
// (issue #15). It lays a file out as ggml and gguf-py do: header, metadata,
// tensor infos, zero padding to the alignment, then each tensor's data
// zero-padded to the alignment, offsets packed in tensor order.
// tools/gguf_writer.py writes byte-identical files for the same content
// (GgufTest checks it).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_GGUFWRITER_H
#define TLC_IR_GGUFWRITER_H

#include "ir/GgmlType.h"
#include "ir/Gguf.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tlc {

/// A tensor to write: its bytes already encoded in `type`.
struct GgufTensorData {
  std::string name;
  llvm::SmallVector<uint64_t, 4> dims; // ggml order: dims[0] innermost
  GgmlType type = GgmlType::F32;
  std::vector<uint8_t> data;
};

/// A tensor of \p shape (tlc order: outermost first; dims are reversed into
/// ggml order) holding \p values (row-major) encoded as \p type by
/// encodeGgmlValues (ir/GgufQuant.h): F32, F16, BF16, Q8_0 or Q4_0.
llvm::Expected<GgufTensorData> makeGgufTensor(llvm::StringRef name,
                                              llvm::ArrayRef<int64_t> shape,
                                              GgmlType type,
                                              llvm::ArrayRef<float> values);

/// The GGUF v3 bytes of \p metadata and \p tensors, in that order. The
/// alignment is general.alignment when \p metadata has it, else 32. Errors
/// for anything readGgufBytes would refuse: empty, over-long or duplicate
/// keys and names, general.alignment not a uint32 power of two, 0 or more
/// than 4 dims, dims of 0, an innermost dim that is no multiple of the
/// block size, data of the wrong size, arrays nested too deep or whose
/// element storage disagrees with their count.
llvm::Expected<std::vector<uint8_t>>
encodeGguf(llvm::ArrayRef<GgufKeyValue> metadata,
           llvm::ArrayRef<GgufTensorData> tensors);

/// encodeGguf, then writes \p path atomically (ir/AtomicFile.h). Errors
/// start with the path.
llvm::Error writeGguf(llvm::StringRef path,
                      llvm::ArrayRef<GgufKeyValue> metadata,
                      llvm::ArrayRef<GgufTensorData> tensors);

} // namespace tlc

#endif // TLC_IR_GGUFWRITER_H
