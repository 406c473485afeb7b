//===- ir/GgufValue.cpp - GGUF metadata values and typed look-ups ---------===//
//
// GgufValue construction and access, and GgufFile's look-ups by key and by
// tensor name (ir/Gguf.h). The reader itself is ir/Gguf.cpp.
//
//===----------------------------------------------------------------------===//
#include "ir/Gguf.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

using namespace llvm;

namespace tlc {

StringRef ggufValueTypeName(GgufValueType t) {
  switch (t) {
  case GgufValueType::UInt8: return "uint8";
  case GgufValueType::Int8: return "int8";
  case GgufValueType::UInt16: return "uint16";
  case GgufValueType::Int16: return "int16";
  case GgufValueType::UInt32: return "uint32";
  case GgufValueType::Int32: return "int32";
  case GgufValueType::Float32: return "float32";
  case GgufValueType::Bool: return "bool";
  case GgufValueType::String: return "string";
  case GgufValueType::Array: return "array";
  case GgufValueType::UInt64: return "uint64";
  case GgufValueType::Int64: return "int64";
  case GgufValueType::Float64: return "float64";
  }
  return "unknown";
}

unsigned ggufScalarBytes(GgufValueType t) {
  switch (t) {
  case GgufValueType::UInt8:
  case GgufValueType::Int8:
  case GgufValueType::Bool: return 1;
  case GgufValueType::UInt16:
  case GgufValueType::Int16: return 2;
  case GgufValueType::UInt32:
  case GgufValueType::Int32:
  case GgufValueType::Float32: return 4;
  case GgufValueType::UInt64:
  case GgufValueType::Int64:
  case GgufValueType::Float64: return 8;
  case GgufValueType::String:
  case GgufValueType::Array: return 0;
  }
  return 0;
}

GgufValue GgufValue::scalar(GgufValueType t, uint64_t bits) {
  GgufValue v;
  v.type = t;
  unsigned n = ggufScalarBytes(t);
  v.bits = n == 0 ? 0 : n == 8 ? bits : bits & ((uint64_t(1) << (8 * n)) - 1);
  return v;
}

GgufValue GgufValue::ofU8(uint8_t x) { return scalar(GgufValueType::UInt8, x); }
GgufValue GgufValue::ofI8(int8_t x) {
  return scalar(GgufValueType::Int8, uint64_t(int64_t(x)));
}
GgufValue GgufValue::ofU16(uint16_t x) {
  return scalar(GgufValueType::UInt16, x);
}
GgufValue GgufValue::ofI16(int16_t x) {
  return scalar(GgufValueType::Int16, uint64_t(int64_t(x)));
}
GgufValue GgufValue::ofU32(uint32_t x) {
  return scalar(GgufValueType::UInt32, x);
}
GgufValue GgufValue::ofI32(int32_t x) {
  return scalar(GgufValueType::Int32, uint64_t(int64_t(x)));
}
GgufValue GgufValue::ofF32(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  return scalar(GgufValueType::Float32, b);
}
GgufValue GgufValue::ofBool(bool x) { return scalar(GgufValueType::Bool, x); }
GgufValue GgufValue::ofU64(uint64_t x) {
  return scalar(GgufValueType::UInt64, x);
}
GgufValue GgufValue::ofI64(int64_t x) {
  return scalar(GgufValueType::Int64, uint64_t(x));
}
GgufValue GgufValue::ofF64(double x) {
  uint64_t b;
  std::memcpy(&b, &x, 8);
  return scalar(GgufValueType::Float64, b);
}
GgufValue GgufValue::ofString(StringRef s) {
  GgufValue v;
  v.type = GgufValueType::String;
  v.str = s.str();
  return v;
}

Expected<GgufValue> GgufValue::ofArray(GgufValueType elemType,
                                       ArrayRef<GgufValue> elems) {
  if (ggufValueTypeName(elemType) == "unknown")
    return createStringError(inconvertibleErrorCode(),
                             "array element type %u is no GGUF value type",
                             unsigned(elemType));
  GgufValue v;
  v.type = GgufValueType::Array;
  v.elemType = elemType;
  v.count = elems.size();
  unsigned n = ggufScalarBytes(elemType);
  for (size_t i = 0; i < elems.size(); ++i) {
    const GgufValue &e = elems[i];
    if (e.type != elemType)
      return createStringError(
          inconvertibleErrorCode(),
          "array element %zu has type %s; the array's element type is %s", i,
          e.typeName().c_str(), ggufValueTypeName(elemType).str().c_str());
    if (elemType == GgufValueType::String)
      v.strings.push_back(e.str);
    else if (elemType == GgufValueType::Array)
      v.arrays.push_back(e);
    else
      for (unsigned b = 0; b < n; ++b)
        v.packed.push_back(uint8_t(e.bits >> (8 * b)));
  }
  return v;
}

GgufValue GgufValue::element(uint64_t i) const {
  if (type != GgufValueType::Array || i >= count)
    return GgufValue();
  if (elemType == GgufValueType::String)
    return i < strings.size() ? ofString(strings[i]) : GgufValue();
  if (elemType == GgufValueType::Array)
    return i < arrays.size() ? arrays[i] : GgufValue();
  unsigned n = ggufScalarBytes(elemType);
  if ((i + 1) * n > packed.size())
    return GgufValue();
  uint64_t b = 0;
  for (unsigned k = 0; k < n; ++k)
    b |= uint64_t(packed[i * n + k]) << (8 * k);
  return scalar(elemType, b);
}

std::optional<uint64_t> GgufValue::asUnsigned() const {
  switch (type) {
  case GgufValueType::UInt8:
  case GgufValueType::UInt16:
  case GgufValueType::UInt32:
  case GgufValueType::UInt64: return bits;
  default: return std::nullopt;
  }
}

std::optional<int64_t> GgufValue::asSigned() const {
  switch (type) {
  case GgufValueType::Int8: return int64_t(int8_t(bits));
  case GgufValueType::Int16: return int64_t(int16_t(bits));
  case GgufValueType::Int32: return int64_t(int32_t(bits));
  case GgufValueType::Int64: return int64_t(bits);
  default: return std::nullopt;
  }
}

std::optional<double> GgufValue::asFloat() const {
  if (type == GgufValueType::Float32) {
    uint32_t b = uint32_t(bits);
    float f;
    std::memcpy(&f, &b, 4);
    return f;
  }
  if (type == GgufValueType::Float64) {
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  return std::nullopt;
}

std::string GgufValue::typeName() const {
  if (type == GgufValueType::Array)
    return ("array of " + ggufValueTypeName(elemType)).str();
  return ggufValueTypeName(type).str();
}

bool GgufValue::operator==(const GgufValue &o) const {
  if (type != o.type)
    return false;
  switch (type) {
  case GgufValueType::String: return str == o.str;
  case GgufValueType::Array:
    return elemType == o.elemType && count == o.count && packed == o.packed &&
           strings == o.strings && arrays == o.arrays;
  default: return bits == o.bits; // bit patterns: NaN == NaN, -0 != +0
  }
}

Shape GgufTensor::shape() const {
  Shape s;
  for (size_t i = dims.size(); i-- > 0;)
    s.push_back(int64_t(dims[i]));
  return s;
}

// --- GgufFile look-ups ------------------------------------------------------

void GgufFile::reindex() {
  keyIndex.clear();
  tensorIndex.clear();
  for (size_t i = 0; i < metadata.size(); ++i)
    keyIndex.try_emplace(metadata[i].key, i);
  for (size_t i = 0; i < tensors.size(); ++i)
    tensorIndex.try_emplace(tensors[i].name, i);
}

void GgufFile::holdBuffer(std::shared_ptr<MemoryBuffer> b) {
  buffer = std::move(b);
}

const GgufValue *GgufFile::find(StringRef key) const {
  auto it = keyIndex.find(key);
  return it == keyIndex.end() ? nullptr : &metadata[it->second].value;
}

const GgufTensor *GgufFile::findTensor(StringRef tensorName) const {
  auto it = tensorIndex.find(tensorName);
  return it == tensorIndex.end() ? nullptr : &tensors[it->second];
}

Expected<const GgufTensor *> GgufFile::tensor(StringRef tensorName) const {
  if (const GgufTensor *t = findTensor(tensorName))
    return t;
  return createStringError(inconvertibleErrorCode(),
                           "%s: no tensor '%s' (the file has %zu tensors)",
                           name.c_str(), tensorName.str().c_str(),
                           tensors.size());
}

namespace {

Error wrongType(const GgufFile &f, const GgufKeyValue &kv,
                const Twine &expected) {
  return createStringError(inconvertibleErrorCode(),
                           (f.name + ": metadata key '" + kv.key +
                            "' (byte offset " + Twine(kv.offset) +
                            ") has type " + kv.value.typeName() +
                            "; expected " + expected)
                               .str());
}

} // namespace

/// The key/value of \p key, or the "no metadata key" error.
static Expected<const GgufKeyValue *>
lookUp(const GgufFile &f, const StringMap<size_t> &index, StringRef key) {
  auto it = index.find(key);
  if (it == index.end())
    return createStringError(inconvertibleErrorCode(),
                             (f.name + ": no metadata key '" + key + "'").str());
  return &f.metadata[it->second];
}

Expected<const GgufValue *> GgufFile::get(StringRef key,
                                          GgufValueType type) const {
  Expected<const GgufKeyValue *> kv = lookUp(*this, keyIndex, key);
  if (!kv)
    return kv.takeError();
  if ((*kv)->value.type != type)
    return wrongType(*this, **kv, ggufValueTypeName(type));
  return &(*kv)->value;
}

Expected<uint8_t> GgufFile::getU8(StringRef key) const {
  Expected<const GgufValue *> v = get(key, GgufValueType::UInt8);
  if (!v)
    return v.takeError();
  return uint8_t((*v)->bits);
}

Expected<uint32_t> GgufFile::getU32(StringRef key) const {
  Expected<const GgufValue *> v = get(key, GgufValueType::UInt32);
  if (!v)
    return v.takeError();
  return uint32_t((*v)->bits);
}

Expected<int32_t> GgufFile::getI32(StringRef key) const {
  Expected<const GgufValue *> v = get(key, GgufValueType::Int32);
  if (!v)
    return v.takeError();
  return int32_t(*(*v)->asSigned());
}

Expected<uint64_t> GgufFile::getU64(StringRef key) const {
  Expected<const GgufValue *> v = get(key, GgufValueType::UInt64);
  if (!v)
    return v.takeError();
  return (*v)->bits;
}

Expected<int64_t> GgufFile::getI64(StringRef key) const {
  Expected<const GgufValue *> v = get(key, GgufValueType::Int64);
  if (!v)
    return v.takeError();
  return *(*v)->asSigned();
}

Expected<float> GgufFile::getF32(StringRef key) const {
  Expected<const GgufValue *> v = get(key, GgufValueType::Float32);
  if (!v)
    return v.takeError();
  return float(*(*v)->asFloat());
}

Expected<double> GgufFile::getF64(StringRef key) const {
  Expected<const GgufValue *> v = get(key, GgufValueType::Float64);
  if (!v)
    return v.takeError();
  return *(*v)->asFloat();
}

Expected<bool> GgufFile::getBool(StringRef key) const {
  Expected<const GgufValue *> v = get(key, GgufValueType::Bool);
  if (!v)
    return v.takeError();
  return (*v)->bits != 0;
}

Expected<StringRef> GgufFile::getString(StringRef key) const {
  Expected<const GgufValue *> v = get(key, GgufValueType::String);
  if (!v)
    return v.takeError();
  return StringRef((*v)->str);
}

Expected<uint64_t> GgufFile::getUnsigned(StringRef key) const {
  Expected<const GgufKeyValue *> kv = lookUp(*this, keyIndex, key);
  if (!kv)
    return kv.takeError();
  if (std::optional<uint64_t> u = (*kv)->value.asUnsigned())
    return *u;
  return wrongType(*this, **kv,
                   "an unsigned integer (uint8, uint16, uint32 or uint64)");
}

Expected<double> GgufFile::getFloat(StringRef key) const {
  Expected<const GgufKeyValue *> kv = lookUp(*this, keyIndex, key);
  if (!kv)
    return kv.takeError();
  if (std::optional<double> d = (*kv)->value.asFloat())
    return *d;
  return wrongType(*this, **kv, "float32 or float64");
}

Expected<const GgufValue *> GgufFile::getArray(StringRef key,
                                               GgufValueType elemType) const {
  Expected<const GgufKeyValue *> kv = lookUp(*this, keyIndex, key);
  if (!kv)
    return kv.takeError();
  const GgufValue &v = (*kv)->value;
  if (v.type != GgufValueType::Array || v.elemType != elemType)
    return wrongType(*this, **kv, "array of " + ggufValueTypeName(elemType));
  return &v;
}

Expected<ArrayRef<std::string>>
GgufFile::getStringArray(StringRef key) const {
  Expected<const GgufValue *> v = getArray(key, GgufValueType::String);
  if (!v)
    return v.takeError();
  return ArrayRef<std::string>((*v)->strings);
}

} // namespace tlc
