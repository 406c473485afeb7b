//===- ops/HostTensor.h - Typed tensors in host memory ----------*- C++ -*-===//
//
// The tensors CPU references compute on (ops/OpDef.h): constant folding
// evaluates compile-time constants with them, and tests compare device
// results against them. A HostTensor carries its dtype; its elements are
// row-major and little-endian, as in a plan's weights.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_HOSTTENSOR_H
#define TLC_OPS_HOSTTENSOR_H

#include "ir/Types.h"

#include "llvm/ADT/ArrayRef.h"

#include <cassert>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

namespace tlc {

/// The C++ element type of each dtype that references compute with
/// (binary16 is held as its uint16_t bit pattern; ir/Half.h converts).
template <typename T> constexpr DType dtypeOf();
template <> constexpr DType dtypeOf<float>() { return DType::F32; }
template <> constexpr DType dtypeOf<uint16_t>() { return DType::F16; }
template <> constexpr DType dtypeOf<int32_t>() { return DType::I32; }
template <> constexpr DType dtypeOf<int64_t>() { return DType::I64; }
template <> constexpr DType dtypeOf<uint8_t>() { return DType::U8; }

/// A set of dtypes, e.g. the dtypes an op's CPU reference takes.
class DTypeSet {
public:
  constexpr DTypeSet() = default;
  constexpr DTypeSet(std::initializer_list<DType> types) {
    for (DType t : types)
      bits_ |= bit(t);
  }
  constexpr bool contains(DType t) const { return bits_ & bit(t); }
  constexpr bool empty() const { return bits_ == 0; }
  /// The names, e.g. "f32, i32 or i64".
  std::string str() const;

private:
  static constexpr uint32_t bit(DType t) { return 1u << unsigned(t); }
  uint32_t bits_ = 0;
};

/// A tensor in host memory: its type and type.byteSize() bytes, row-major,
/// little-endian. The element accessors check the dtype (assertion: a
/// reference reads only the dtypes its OpDef declares). A type-only tensor
/// (typeOnly) carries no bytes: references of ops that read only their
/// inputs' types (Shape) receive such inputs.
class HostTensor {
public:
  TensorType type;

  HostTensor() = default;
  /// A zero-filled tensor of \p t (any dtype).
  explicit HostTensor(TensorType t);
  /// An f32 tensor of shape \p shape holding \p values (row-major;
  /// values.size() must equal the shape's element count).
  static HostTensor f32(Shape shape, std::vector<float> values);
  /// An i64 tensor of shape \p shape holding \p values.
  static HostTensor i64(Shape shape, llvm::ArrayRef<int64_t> values);
  /// \p t with \p bytes (bytes.size() must equal t.byteSize()).
  static HostTensor fromBytes(TensorType t, llvm::ArrayRef<uint8_t> bytes);
  /// \p t without bytes (see the class comment).
  static HostTensor typeOnly(TensorType t);

  bool hasBytes() const { return numBytes_ != 0 || type.byteSize() == 0; }
  int64_t numElements() const { return type.numElements(); }

  llvm::ArrayRef<uint8_t> bytes() const {
    return {reinterpret_cast<const uint8_t *>(storage_.data()), numBytes_};
  }
  llvm::MutableArrayRef<uint8_t> bytes() {
    return {reinterpret_cast<uint8_t *>(storage_.data()), numBytes_};
  }

  /// The elements as \p T, which must be the tensor's dtype (dtypeOf<T>).
  template <typename T> llvm::ArrayRef<T> as() const {
    assert(holds<T>() && "element type is not the dtype");
    return {reinterpret_cast<const T *>(storage_.data()),
            numBytes_ / sizeof(T)};
  }
  template <typename T> llvm::MutableArrayRef<T> as() {
    assert(holds<T>() && "element type is not the dtype");
    return {reinterpret_cast<T *>(storage_.data()), numBytes_ / sizeof(T)};
  }
  llvm::ArrayRef<float> f32() const { return as<float>(); }
  llvm::MutableArrayRef<float> f32() { return as<float>(); }

  /// Element \p i of an integer or boolean tensor (i32, i64, u8, bool) as
  /// int64_t.
  int64_t intAt(int64_t i) const;
  /// Element \p i of any dtype as double (binary16 decoded).
  double doubleAt(int64_t i) const;
  /// Sets element \p i of an integer or boolean tensor (truncating to its
  /// width: callers check ranges).
  void setInt(int64_t i, int64_t v);
  /// Sets element \p i of an f32 tensor to \p v rounded once to float.
  void setDouble(int64_t i, double v);
  /// Copies element \p from of \p src (same dtype) to element \p to.
  void copyElement(const HostTensor &src, int64_t from, int64_t to);

private:
  /// Whether the elements are \p T (booleans are held as uint8_t 0/1).
  template <typename T> bool holds() const {
    return type.dtype == dtypeOf<T>() ||
           (std::is_same_v<T, uint8_t> && type.dtype == DType::Bool);
  }

  std::vector<uint64_t> storage_; // 8-byte aligned for every element type
  size_t numBytes_ = 0;
};

} // namespace tlc

#endif // TLC_OPS_HOSTTENSOR_H
