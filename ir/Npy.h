//===- ir/Npy.h - Read and write NumPy .npy files ---------------*- C++ -*-===//
//
// The .npy format (NumPy Enhancement Proposal 1 and numpy.lib.format):
//
//   "\x93NUMPY"  major  minor  HEADER_LEN  HEADER  data
//
// HEADER_LEN is a little-endian u16 in version 1.0 and a u32 in versions 2.0
// and 3.0. HEADER is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and ended by '\n' (ASCII in 1.0/2.0, UTF-8 in 3.0). The
// data follow in C (row-major) order.
//
// tlc uses .npy for model inputs and outputs (`tlc run`) and test data. The
// header is parsed by a small recursive-descent parser of exactly that dict
// literal grammar: there is no Python at run time, and nothing else is
// accepted.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_NPY_H
#define TLC_IR_NPY_H

#include "ir/Types.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tlc {

/// Element types tlc reads and writes in .npy files (little-endian only).
enum class NpyDType : uint8_t {
  F32, // '<f4'
  F16, // '<f2'
  I32, // '<i4'
  I64, // '<i8'
  U8,  // '|u1'
  I8,  // '|i1'
  Bool, // '|b1' (numpy bool: one byte, 0 or 1)
};

/// The NumPy type string of \p t: "<f4", "<f2", "<i4", "<i8", "|u1", "|i1".
llvm::StringRef npyDescr(NpyDType t);
/// Element size of \p t in bytes.
unsigned npyDTypeBytes(NpyDType t);
/// The tlc element type of \p t; std::nullopt for U8 and I8, which tlc
/// tensors do not have.
std::optional<DType> toDType(NpyDType t);
/// The .npy type of a tlc element type.
NpyDType toNpyDType(DType t);

/// How to convert a .npy file to \p to with NumPy, for error messages:
/// "convert it with numpy: np.save(f, np.load(f).astype(np.float32))".
std::string npyConvertHint(NpyDType to);

/// A .npy array in memory.
struct NpyArray {
  NpyDType dtype = NpyDType::F32;
  Shape shape;                // rank 0 (scalar) or more; every dim >= 1
  std::vector<uint8_t> bytes; // numElements * npyDTypeBytes(dtype), C order
};

/// Reads \p path. Errors start with the path and give the byte offset:
/// bad magic, unsupported version (only 1.0, 2.0, 3.0), header length past
/// the end, a header that is not exactly a dict literal with the keys
/// 'descr', 'fortran_order' and 'shape' (syntax errors name the offending
/// character's byte offset), fortran_order True, big-endian or unsupported
/// dtypes, dims of 0 or element counts over kMaxTensorElements, data shorter
/// than the shape needs, and trailing bytes after the data.
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);

/// Same, from bytes in memory; \p name is used in error messages.
llvm::Expected<NpyArray> readNpyBytes(llvm::ArrayRef<uint8_t> bytes,
                                      llvm::StringRef name);

/// Encodes a version 1.0 .npy file: header padded with spaces (ended by
/// '\n') so that the data start at a multiple of 64 bytes, as NumPy >= 1.17
/// writes them. Errors when \p shape is invalid (checkedNumElements) or
/// \p bytes is not numElements * npyDTypeBytes(dtype) long.
llvm::Expected<std::vector<uint8_t>>
encodeNpy(NpyDType dtype, llvm::ArrayRef<int64_t> shape,
          llvm::ArrayRef<uint8_t> bytes);

/// encodeNpy, then writes to \p path atomically (ir/AtomicFile.h). Errors
/// start with the path.
llvm::Error writeNpy(llvm::StringRef path, NpyDType dtype,
                     llvm::ArrayRef<int64_t> shape,
                     llvm::ArrayRef<uint8_t> bytes);

} // namespace tlc

#endif // TLC_IR_NPY_H
