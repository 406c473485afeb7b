//===- ir/Types.cpp - Element types and static tensor types ---------------===//
#include "ir/Types.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

using namespace llvm;

namespace tlc {

StringRef dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::F16: return "f16";
  case DType::I32: return "i32";
  case DType::I64: return "i64";
  case DType::Bool: return "bool";
  case DType::U8: return "u8";
  }
  llvm_unreachable("bad dtype");
}

// "u8" too: plans hold quantized weights as u8 tensors (QuantizedGemm);
// the model format refuses it (ModelParser::getDType).
std::optional<DType> parseDType(StringRef name) {
  if (name == "f32") return DType::F32;
  if (name == "f16") return DType::F16;
  if (name == "i32") return DType::I32;
  if (name == "i64") return DType::I64;
  if (name == "u8") return DType::U8;
  return std::nullopt;
}

unsigned dtypeBytes(DType t) {
  switch (t) {
  case DType::F32: return 4;
  case DType::F16: return 2;
  case DType::I32: return 4;
  case DType::I64: return 8;
  case DType::Bool: return 1;
  case DType::U8: return 1;
  }
  llvm_unreachable("bad dtype");
}

Expected<int64_t> checkedNumElements(ArrayRef<int64_t> dims, bool allowEmpty) {
  int64_t n = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (allowEmpty && dims[i] == 0) {
      for (size_t j = i + 1; j < dims.size(); ++j)
        if (dims[j] < 0 || dims[j] > kMaxTensorElements)
          return createStringError(inconvertibleErrorCode(),
                                   "dimension %zu is %lld; expected a size",
                                   j, (long long)dims[j]);
      return 0;
    }
    if (dims[i] < 1)
      return createStringError(inconvertibleErrorCode(),
                               "dimension %zu is %lld; expected a positive size",
                               i, (long long)dims[i]);
    if (dims[i] > kMaxTensorElements || n > kMaxTensorElements / dims[i])
      return createStringError(
          inconvertibleErrorCode(),
          "element count overflows the limit of 2^40 elements at dimension %zu",
          i);
    n *= dims[i];
  }
  return n;
}

int64_t TensorType::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

uint64_t TensorType::byteSize() const {
  return uint64_t(numElements()) * dtypeBytes(dtype);
}

TensorType TensorType::withDims(DType dtype, ArrayRef<DimExpr> dims) {
  TensorType t;
  t.dtype = dtype;
  bool allConstant = true;
  for (const DimExpr &d : dims) {
    t.shape.push_back(d.isConstant() ? d.constant() : d.upperBound());
    allConstant &= d.isConstant();
  }
  if (!allConstant)
    t.sym.assign(dims.begin(), dims.end());
  return t;
}

SymShape TensorType::dims() const {
  if (!sym.empty())
    return sym;
  SymShape d;
  for (int64_t v : shape)
    d.push_back(DimExpr(v));
  return d;
}

DimExpr TensorType::numElementsExpr() const {
  if (sym.empty())
    return DimExpr(numElements());
  DimExpr n = 1;
  for (const DimExpr &d : sym)
    n = n * d;
  return n;
}

std::string TensorType::shapeStr() const {
  if (!sym.empty())
    return symShapeStr(sym);
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += "x";
    s += std::to_string(shape[i]);
  }
  return s;
}

std::string TensorType::str() const {
  std::string s = shapeStr();
  if (!s.empty()) s += "x";
  return s + dtypeName(dtype).str();
}

Expected<Shape> parseShapeString(StringRef text) {
  Shape dims;
  if (text.empty())
    return createStringError(inconvertibleErrorCode(),
                             "empty shape; expected dims like 1x3x224x224");
  SmallVector<StringRef, 8> parts;
  text.split(parts, 'x', /*MaxSplit=*/-1, /*KeepEmpty=*/true);
  for (StringRef p : parts) {
    unsigned long long v;
    if (p.empty() || getAsUnsignedInteger(p, 10, v) || v == 0 ||
        v > (unsigned long long)kMaxTensorElements)
      return createStringError(inconvertibleErrorCode(),
                               "bad dimension '%s' in shape '%s'; expected "
                               "positive integers separated by 'x'",
                               p.str().c_str(), text.str().c_str());
    dims.push_back(int64_t(v));
  }
  if (Error e = checkedNumElements(dims).takeError())
    return e;
  return dims;
}

} // namespace tlc
