//===- ir/Safetensors.h - Read and write .safetensors files -----*- C++ -*-===//
//
// The safetensors format (https://github.com/huggingface/safetensors, README
// "Format"): an 8-byte little-endian u64 N, N bytes of UTF-8 JSON mapping
// tensor names to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
// relative to the data section) plus an optional "__metadata__" object of
// strings, then the data section. Tensors are row-major and little-endian.
//
// tlc reads weights from such files and writes them for tests and importers.
// The reader validates everything a malformed or hostile file could get
// wrong before any byte is used.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_SAFETENSORS_H
#define TLC_IR_SAFETENSORS_H

#include "ir/Types.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tlc {

/// Largest JSON header accepted, in bytes. The reference implementation uses
/// the same limit (MAX_HEADER_SIZE = 100,000,000 in safetensors/src/tensor.rs)
/// so that a corrupted length cannot make the reader allocate gigabytes.
constexpr uint64_t kSafetensorsMaxHeaderBytes = 100000000;

/// One tensor of a safetensors file.
struct SafetensorsTensor {
  std::string name;
  DType dtype = DType::F32;  // file dtype F32, F16, I32 or I64
  Shape shape;               // rank 0 (scalar) or more; every dim >= 1
  std::vector<uint8_t> data; // numElements * dtypeBytes(dtype) bytes
};

/// The contents of a safetensors file.
struct SafetensorsFile {
  /// Tensors in the order of their data in the file.
  std::vector<SafetensorsTensor> tensors;
  /// The "__metadata__" strings (empty when absent).
  std::map<std::string, std::string> metadata;

  /// The tensor called \p name, or nullptr.
  const SafetensorsTensor *find(llvm::StringRef name) const;
};

/// Safetensors dtype name ("F32", "F16", "I32", "I64") of \p t.
llvm::StringRef safetensorsDTypeName(DType t);

/// Reads and validates the safetensors file \p path. Errors start with the
/// path and name the byte offset or tensor at fault:
///  - file shorter than 8 bytes; header length larger than the file or than
///    kSafetensorsMaxHeaderBytes;
///  - JSON syntax errors ("byte offset N (JSON line L, column C)"), a header
///    that is not an object, entries that are not objects, missing or
///    unknown fields, fields of the wrong kind, non-string metadata;
///  - dtypes F64, I8, U8, BOOL, I16, U16, U32, U64, F8_E4M3, F8_E5M2 ("not
///    supported by tlc") or unknown dtypes (BF16 is read and widened to F32,
///    exactly: a tensor's `dtype` is then F32 and `data` twice the file's);
///  - dims of 0 or element counts over kMaxTensorElements;
///  - data_offsets with begin > end, past the data section, of a size other
///    than product(shape) * dtype size ("tensor 'conv1.weight': data_offsets
///    [0, 100] but shape 16x1x3x3 of F32 needs 576 bytes");
///  - two tensors sharing bytes, or data bytes not covered by any tensor
///    (the format requires the data section to be fully indexed).
llvm::Expected<SafetensorsFile> readSafetensors(llvm::StringRef path);

/// Same, from bytes in memory; \p name is used in error messages.
llvm::Expected<SafetensorsFile>
readSafetensorsBytes(llvm::ArrayRef<uint8_t> bytes, llvm::StringRef name);

/// Encodes \p tensors (in that order, packed back to back) and \p metadata as
/// safetensors bytes; the JSON header is padded with spaces to a multiple of
/// 8 bytes so that the data section is 8-byte aligned. Errors on duplicate or
/// empty names, the reserved name "__metadata__", bad shapes, or data sizes
/// that do not match the shape.
llvm::Expected<std::vector<uint8_t>>
encodeSafetensors(llvm::ArrayRef<SafetensorsTensor> tensors,
                  const std::map<std::string, std::string> &metadata = {});

/// encodeSafetensors, then writes the bytes to \p path atomically
/// (ir/AtomicFile.h).
llvm::Error
writeSafetensors(llvm::StringRef path,
                 llvm::ArrayRef<SafetensorsTensor> tensors,
                 const std::map<std::string, std::string> &metadata = {});

} // namespace tlc

#endif // TLC_IR_SAFETENSORS_H
