//===- ir/Gguf.h - Read GGUF model files ------------------------*- C++ -*-===//
//
// GGUF is llama.cpp's model file format (spec: docs/gguf.md of
// https://github.com/ggml-org/ggml; tlc's notes: docs/gguf.md). All numbers
// little-endian:
//
//   "GGUF"  u32 version  u64 tensor_count  u64 metadata_kv_count
//   metadata_kv_count x (string key, u32 value_type, value)
//   tensor_count x (string name, u32 n_dims, n_dims x u64 dim, u32 ggml_type,
//                   u64 offset)
//   zero padding to the alignment, then the data section
//
// where a string is a u64 byte length and the bytes, and a value is a
// scalar, a string, or an array (u32 element type, u64 count, elements;
// arrays may nest). `offset` is relative to the data section. Dims are in
// ggml order: dims[0] is the innermost (fastest-varying) one.
//
// tlc reads GGUF for Llama-architecture generation (issue #15). The reader
// validates everything a malformed or hostile file could get wrong before
// any byte is used; tensor data are not copied: GgufTensor::data points into
// the file's bytes.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_GGUF_H
#define TLC_IR_GGUF_H

#include "ir/GgmlType.h"
#include "ir/Types.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class MemoryBuffer;
} // namespace llvm

namespace tlc {

/// Limits of the reader, each with its own error. The spec's own limits are
/// marked; the others keep a corrupted count from making the reader loop or
/// allocate far beyond what the file holds.
constexpr uint64_t kGgufMaxTensors = uint64_t(1) << 20;
constexpr uint64_t kGgufMaxKeyValues = uint64_t(1) << 20;
constexpr uint64_t kGgufMaxStringBytes = uint64_t(1) << 24;
constexpr uint64_t kGgufMaxKeyBytes = 65535;       // spec: "at most 2^16-1"
constexpr uint64_t kGgufMaxTensorNameBytes = 64;   // spec: "at most 64 bytes"
constexpr uint32_t kGgufMaxDims = 4;               // spec: "currently at most 4"
constexpr unsigned kGgufMaxArrayNesting = 8;       // arrays inside arrays
constexpr uint32_t kGgufDefaultAlignment = 32;     // spec, general.alignment

/// GGUF metadata value types (spec, `gguf_metadata_value_type`).
enum class GgufValueType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

/// The spec's name of \p t: "uint8", ..., "float64", "bool", "string",
/// "array"; "unknown" for a number past 12.
llvm::StringRef ggufValueTypeName(GgufValueType t);

/// Bytes of a scalar of type \p t (numbers and Bool); 0 for String and
/// Array.
unsigned ggufScalarBytes(GgufValueType t);

/// One metadata value. Which fields hold it depends on `type`; an array
/// keeps its elements compactly, by element type.
struct GgufValue {
  GgufValueType type = GgufValueType::UInt8;
  /// Numbers and Bool: the value's little-endian bytes as an unsigned
  /// integer, zero-extended (an int8 -1 is 0xff, a float32 its bit pattern).
  uint64_t bits = 0;
  /// String: the bytes (UTF-8 by the spec; not validated).
  std::string str;
  /// Array: the element type and count, and the elements in one of:
  GgufValueType elemType = GgufValueType::UInt8;
  uint64_t count = 0;
  std::vector<uint8_t> packed;      // numbers, Bool: count * scalar bytes
  std::vector<std::string> strings; // String elements
  std::vector<GgufValue> arrays;    // Array elements

  static GgufValue scalar(GgufValueType t, uint64_t bits);
  static GgufValue ofU8(uint8_t v);
  static GgufValue ofI8(int8_t v);
  static GgufValue ofU16(uint16_t v);
  static GgufValue ofI16(int16_t v);
  static GgufValue ofU32(uint32_t v);
  static GgufValue ofI32(int32_t v);
  static GgufValue ofF32(float v);
  static GgufValue ofBool(bool v);
  static GgufValue ofU64(uint64_t v);
  static GgufValue ofI64(int64_t v);
  static GgufValue ofF64(double v);
  static GgufValue ofString(llvm::StringRef s);
  /// An array of \p elems, each of which must have type \p elemType (an
  /// error says which does not).
  static llvm::Expected<GgufValue> ofArray(GgufValueType elemType,
                                           llvm::ArrayRef<GgufValue> elems);

  /// Element \p i of an array as a value of its own; a default value when
  /// this is no array or \p i >= count.
  GgufValue element(uint64_t i) const;
  /// The value of an unsigned integer type (UInt8..UInt64); else nullopt.
  std::optional<uint64_t> asUnsigned() const;
  /// The value of a signed integer type (Int8..Int64); else nullopt.
  std::optional<int64_t> asSigned() const;
  /// The value of Float32 or Float64; else nullopt.
  std::optional<double> asFloat() const;
  /// "uint32", or "array of string" for arrays.
  std::string typeName() const;

  bool operator==(const GgufValue &o) const;
  bool operator!=(const GgufValue &o) const { return !(*this == o); }
};

/// One metadata key/value pair.
struct GgufKeyValue {
  std::string key;
  GgufValue value;
  uint64_t offset = 0; // byte offset of the key in the file (0 when built)
};

/// One tensor of a GGUF file.
struct GgufTensor {
  std::string name;
  llvm::SmallVector<uint64_t, 4> dims; // ggml order: dims[0] innermost
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;      // bytes from the start of the data section
  uint64_t fileOffset = 0;  // bytes from the start of the file
  uint64_t numElements = 0; // product of dims
  uint64_t numBytes = 0;    // numElements / blockElems * blockBytes
  uint64_t infoOffset = 0;  // byte offset of its tensor info in the file
  llvm::ArrayRef<uint8_t> data; // numBytes, inside the file's bytes

  /// The dims in tlc's (row-major, outermost first) order: dims reversed.
  Shape shape() const;
};

/// The contents of a GGUF file: metadata and tensors in file order.
class GgufFile {
public:
  std::string name;      // the path or name errors are reported with
  uint32_t version = 3;  // 2 or 3
  uint64_t alignment = kGgufDefaultAlignment;
  uint64_t dataOffset = 0; // byte offset of the data section
  std::vector<GgufKeyValue> metadata;
  std::vector<GgufTensor> tensors;

  /// The value of \p key, or nullptr.
  const GgufValue *find(llvm::StringRef key) const;
  /// The tensor called \p name, or nullptr.
  const GgufTensor *findTensor(llvm::StringRef name) const;
  /// The tensor called \p name, or an error naming the file and the tensor.
  llvm::Expected<const GgufTensor *> tensor(llvm::StringRef name) const;

  /// The value of \p key if it has type \p type. Errors name the file, the
  /// key, and both types: "m.gguf: metadata key 'llama.block_count' (byte
  /// offset 120) has type string; expected uint32"; or "m.gguf: no metadata
  /// key 'llama.block_count'".
  llvm::Expected<const GgufValue *> get(llvm::StringRef key,
                                        GgufValueType type) const;
  llvm::Expected<uint8_t> getU8(llvm::StringRef key) const;
  llvm::Expected<uint32_t> getU32(llvm::StringRef key) const;
  llvm::Expected<int32_t> getI32(llvm::StringRef key) const;
  llvm::Expected<uint64_t> getU64(llvm::StringRef key) const;
  llvm::Expected<int64_t> getI64(llvm::StringRef key) const;
  llvm::Expected<float> getF32(llvm::StringRef key) const;
  llvm::Expected<double> getF64(llvm::StringRef key) const;
  llvm::Expected<bool> getBool(llvm::StringRef key) const;
  llvm::Expected<llvm::StringRef> getString(llvm::StringRef key) const;
  /// Any unsigned integer type: the spec writes counts as uint64 but asks
  /// readers to take uint32 as well.
  llvm::Expected<uint64_t> getUnsigned(llvm::StringRef key) const;
  /// Float32 or Float64.
  llvm::Expected<double> getFloat(llvm::StringRef key) const;
  /// An array whose elements have type \p elemType.
  llvm::Expected<const GgufValue *> getArray(llvm::StringRef key,
                                             GgufValueType elemType) const;
  llvm::Expected<llvm::ArrayRef<std::string>>
  getStringArray(llvm::StringRef key) const;

  /// Rebuilds the name indices; call after editing `metadata` or `tensors`
  /// by hand. The reader calls it.
  void reindex();

  /// Keeps \p buffer (the bytes `tensors[i].data` point into) alive as long
  /// as this file or a copy of it.
  void holdBuffer(std::shared_ptr<llvm::MemoryBuffer> buffer);

private:
  llvm::StringMap<size_t> keyIndex, tensorIndex;
  std::shared_ptr<llvm::MemoryBuffer> buffer;
};

/// Reads and validates the GGUF file \p path (memory-mapped when large;
/// the GgufFile keeps the mapping). Errors start with the path and name the
/// byte offset and what was expected there:
///  - bad magic; a byte-swapped magic or version (a big-endian file); a
///    version other than 2 and 3;
///  - tensor or key/value counts over the limits above or beyond what the
///    rest of the file could hold;
///  - any field running past the end of the file (truncation);
///  - empty or over-long keys and tensor names, strings over
///    kGgufMaxStringBytes, unknown value types, bool bytes other than 0/1,
///    arrays nested deeper than kGgufMaxArrayNesting, duplicate keys or
///    tensor names;
///  - general.alignment not uint32 or not a power of two;
///  - n_dims of 0 or over 4, a dim of 0, an element count over
///    kMaxTensorElements, a ggml type number ggml does not define, an
///    innermost dim that is no multiple of the type's block size;
///  - a tensor offset not a multiple of the alignment, tensor data (up to
///    its padded end, which ggml reads too) past the end of the file, or
///    tensors whose data overlap or are not in the order of their infos.
/// Types that ggml defines but tlc does not compute with are read (their
/// sizes are known); ir/GgufQuant.h refuses them where data are used.
llvm::Expected<GgufFile> readGgufFile(llvm::StringRef path);

/// Same, from bytes in memory; \p nameForErrors prefixes every error. The
/// tensors' `data` point into \p bytes, which must outlive the result.
llvm::Expected<GgufFile> readGgufBytes(llvm::ArrayRef<uint8_t> bytes,
                                       llvm::StringRef nameForErrors);

} // namespace tlc

#endif // TLC_IR_GGUF_H
