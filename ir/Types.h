//===- ir/Types.h - Element types and static tensor types -------*- C++ -*-===//
//
// A tensor type is an element type (dtype) and a shape. A shape is static,
// or symbolic: dims are expressions over named symbols with ranges
// (ir/DimExpr.h), and `shape` then holds each dim's upper bound, so that
// memory planned from `shape` serves every shape in the range.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_TYPES_H
#define TLC_IR_TYPES_H

#include "ir/DimExpr.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tlc {

/// Element types. The model and plan formats hold F32, F16, I32 and I64
/// (others are rejected where unsupported with a clear error); Bool and U8
/// exist in host memory only (ops/HostTensor.h: CPU references and constant
/// folding), one byte per element. ONNX booleans in a graph are held as i64
/// 0/1.
enum class DType : uint8_t { F32, F16, I32, I64, Bool, U8 };

/// Canonical lower-case name ("f32", "f16", "i32", "i64", "bool", "u8").
llvm::StringRef dtypeName(DType t);
/// Parses the name of a dtype of the model and plan formats (f32, f16, i32,
/// i64); std::nullopt otherwise.
std::optional<DType> parseDType(llvm::StringRef name);
/// Size of one element in bytes.
unsigned dtypeBytes(DType t);

/// Dimensions of a tensor, outermost first (row-major, NCHW for images).
using Shape = llvm::SmallVector<int64_t, 4>;

/// Largest element count tlc accepts for one tensor (2^40); keeps every byte
/// size and index computation far from 64-bit overflow.
constexpr int64_t kMaxTensorElements = int64_t(1) << 40;

/// Element count of \p dims, checked: every dim must be >= 1 (>= 0 with
/// \p allowEmpty: empty shape pieces that fold, ops/Slice.cpp) and the
/// product at most kMaxTensorElements. Errors say which dim is bad or that
/// the product overflows.
llvm::Expected<int64_t> checkedNumElements(llvm::ArrayRef<int64_t> dims,
                                           bool allowEmpty = false);

/// A tensor type: dtype plus shape. A rank-0 shape is a scalar.
///
/// Static types have `sym` empty and `shape` exact. Symbolic types have
/// `sym` (one expression per dim, at least one not constant) and `shape` =
/// each dim's upper bound over the symbols' ranges: code that sizes memory
/// reads `shape` and so plans at the bound; code that must know the actual
/// dims (shape rules, lowerings, the runtime) reads dims(). Build symbolic
/// types with withDims, which keeps the two consistent.
struct TensorType {
  DType dtype = DType::F32;
  Shape shape;
  SymShape sym;

  TensorType() = default;
  /// A static type.
  TensorType(DType dtype, Shape shape)
      : dtype(dtype), shape(std::move(shape)) {}

  /// A type of \p dims: static when every dim is a constant, else symbolic
  /// with shape = the dims' upper bounds.
  static TensorType withDims(DType dtype, llvm::ArrayRef<DimExpr> dims);
  bool isStatic() const { return sym.empty(); }
  /// The dims as expressions: `sym`, or `shape` as constants when static.
  SymShape dims() const;
  DimExpr dim(size_t i) const {
    return sym.empty() ? DimExpr(shape[i]) : sym[i];
  }
  /// Product of dims as an expression (the constant numElements() when
  /// static).
  DimExpr numElementsExpr() const;
  size_t rank() const { return shape.size(); }

  /// Product of dims (1 for a scalar), at the upper bound for a symbolic
  /// type. Assumes a checked shape.
  int64_t numElements() const;
  /// numElements() * dtypeBytes(dtype), in bytes (at the upper bound).
  uint64_t byteSize() const;
  /// "1x16x28x28xf32", "1x3x48xWxf32"; a scalar prints as "f32".
  std::string str() const;
  /// "1x16x28x28" only (empty for a scalar); symbolic dims as expressions.
  std::string shapeStr() const;

  bool operator==(const TensorType &o) const {
    return dtype == o.dtype && shape == o.shape && sym == o.sym;
  }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
};

/// Parses "1x3x224x224" into dims. Errors name the offending token.
llvm::Expected<Shape> parseShapeString(llvm::StringRef text);

} // namespace tlc

#endif // TLC_IR_TYPES_H
