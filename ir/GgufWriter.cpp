//===- ir/GgufWriter.cpp - Write GGUF files -------------------------------===//
//
// Validates first (the same rules as the reader, ir/Gguf.cpp), then emits
// the bytes front to back. The layout matches tools/gguf_writer.py byte for
// byte.
//
//===----------------------------------------------------------------------===//
#include "ir/GgufWriter.h"
#include "ir/AtomicFile.h"
#include "ir/GgufQuant.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"

using namespace llvm;

namespace tlc {

namespace {

Error writerError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg.str());
}

class Emitter {
public:
  std::vector<uint8_t> out;

  void le(uint64_t v, unsigned n) {
    for (unsigned k = 0; k < n; ++k)
      out.push_back(uint8_t(v >> (8 * k)));
  }
  void string(StringRef s) {
    le(s.size(), 8);
    out.insert(out.end(), s.bytes_begin(), s.bytes_end());
  }
  void padTo(uint64_t alignment) {
    out.resize(alignTo(out.size(), alignment), 0);
  }
  /// The value's payload (its type is written by the caller).
  void value(const GgufValue &v) {
    switch (v.type) {
    case GgufValueType::String: string(v.str); return;
    case GgufValueType::Array:
      le(uint32_t(v.elemType), 4);
      le(v.count, 8);
      if (v.elemType == GgufValueType::String)
        for (const std::string &s : v.strings)
          string(s);
      else if (v.elemType == GgufValueType::Array)
        for (const GgufValue &e : v.arrays)
          value(e);
      else
        out.insert(out.end(), v.packed.begin(), v.packed.end());
      return;
    default: le(v.bits, ggufScalarBytes(v.type)); return;
    }
  }
};

/// Checks that \p v is a value readGgufBytes would read back as it is.
Error checkValue(const GgufValue &v, const Twine &what, unsigned depth) {
  if (ggufValueTypeName(v.type) == "unknown")
    return writerError(what + ": unknown value type " +
                       Twine(uint32_t(v.type)));
  if (v.type == GgufValueType::String) {
    if (v.str.size() > kGgufMaxStringBytes)
      return writerError(what + ": string over " +
                         Twine(kGgufMaxStringBytes) + " bytes");
    return Error::success();
  }
  if (v.type == GgufValueType::Bool && v.bits > 1)
    return writerError(what + ": bool value " + Twine(v.bits));
  if (v.type != GgufValueType::Array)
    return Error::success();
  if (depth + 1 > kGgufMaxArrayNesting)
    return writerError(what + ": arrays nested deeper than " +
                       Twine(kGgufMaxArrayNesting) + " levels");
  if (ggufValueTypeName(v.elemType) == "unknown")
    return writerError(what + ": unknown array element type " +
                       Twine(uint32_t(v.elemType)));
  unsigned n = ggufScalarBytes(v.elemType);
  bool sizesAgree =
      v.elemType == GgufValueType::String  ? v.strings.size() == v.count
      : v.elemType == GgufValueType::Array ? v.arrays.size() == v.count
                                           : v.packed.size() == v.count * n;
  if (!sizesAgree)
    return writerError(what + ": array of " + Twine(v.count) +
                       " elements whose storage holds another number");
  for (size_t i = 0; i < v.strings.size(); ++i)
    if (v.strings[i].size() > kGgufMaxStringBytes)
      return writerError(what + "[" + Twine(i) + "]: string over " +
                         Twine(kGgufMaxStringBytes) + " bytes");
  if (v.elemType == GgufValueType::Bool)
    for (size_t i = 0; i < v.packed.size(); ++i)
      if (v.packed[i] > 1)
        return writerError(what + "[" + Twine(i) + "]: bool value " +
                           Twine(v.packed[i]));
  for (size_t i = 0; i < v.arrays.size(); ++i) {
    if (v.arrays[i].type != GgufValueType::Array)
      return writerError(what + "[" + Twine(i) + "]: element of type " +
                         v.arrays[i].typeName() + " in an array of arrays");
    if (Error e = checkValue(v.arrays[i], what + "[" + Twine(i) + "]",
                             depth + 1))
      return e;
  }
  return Error::success();
}

Expected<uint64_t> checkMetadata(ArrayRef<GgufKeyValue> metadata) {
  uint64_t alignment = kGgufDefaultAlignment;
  StringSet<> keys;
  for (const GgufKeyValue &kv : metadata) {
    if (kv.key.empty() || kv.key.size() > kGgufMaxKeyBytes)
      return writerError("metadata key '" + kv.key + "': a key has 1 to " +
                         Twine(kGgufMaxKeyBytes) + " bytes");
    if (!keys.insert(kv.key).second)
      return writerError("duplicate metadata key '" + kv.key + "'");
    if (Error e = checkValue(kv.value, "metadata '" + kv.key + "'", 0))
      return std::move(e);
    if (kv.key == "general.alignment") {
      if (kv.value.type != GgufValueType::UInt32 ||
          !isPowerOf2_64(kv.value.bits))
        return writerError("general.alignment must be a uint32 power of "
                           "two; got " +
                           kv.value.typeName() + " " + Twine(kv.value.bits));
      alignment = kv.value.bits;
    }
  }
  return alignment;
}

Error checkTensor(const GgufTensorData &t, StringSet<> &names) {
  std::string what = "tensor '" + t.name + "'";
  if (t.name.empty() || t.name.size() > kGgufMaxTensorNameBytes)
    return writerError(what + ": a tensor name has 1 to " +
                       Twine(kGgufMaxTensorNameBytes) + " bytes");
  if (!names.insert(t.name).second)
    return writerError("duplicate tensor name '" + t.name + "'");
  if (t.dims.empty() || t.dims.size() > kGgufMaxDims)
    return writerError(what + ": " + Twine(t.dims.size()) +
                       " dims; expected 1 to " + Twine(kGgufMaxDims));
  const GgmlTypeInfo *info = ggmlTypeInfo(uint32_t(t.type));
  if (!info)
    return writerError(what + ": unknown ggml type " +
                       Twine(uint32_t(t.type)));
  uint64_t elems = 1;
  for (uint64_t d : t.dims) {
    if (d == 0 || d > uint64_t(kMaxTensorElements) ||
        elems > uint64_t(kMaxTensorElements) / d)
      return writerError(what + ": a dim of 0, or more than 2^40 elements");
    elems *= d;
  }
  if (t.dims[0] % info->blockElems != 0)
    return writerError(what + ": dims[0] = " + Twine(t.dims[0]) +
                       " is no multiple of the " + info->name +
                       " block size " + Twine(info->blockElems));
  uint64_t bytes = elems / info->blockElems * info->blockBytes;
  if (t.data.size() != bytes)
    return writerError(what + ": " + Twine(t.data.size()) + " data bytes; " +
                       Twine(elems) + " elements of " + info->name +
                       " take " + Twine(bytes));
  return Error::success();
}

} // namespace

Expected<GgufTensorData> makeGgufTensor(StringRef name,
                                        ArrayRef<int64_t> shape,
                                        GgmlType type,
                                        ArrayRef<float> values) {
  GgufTensorData t;
  t.name = name.str();
  t.type = type;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] < 1)
      return writerError("tensor '" + name + "': dim " + Twine(i) + " is " +
                         Twine(shape[i]));
    t.dims.push_back(uint64_t(shape[i]));
  }
  Expected<std::vector<uint8_t>> data = encodeGgmlValues(type, values);
  if (!data)
    return writerError("tensor '" + name +
                       "': " + toString(data.takeError()));
  t.data = std::move(*data);
  return t;
}

Expected<std::vector<uint8_t>> encodeGguf(ArrayRef<GgufKeyValue> metadata,
                                          ArrayRef<GgufTensorData> tensors) {
  Expected<uint64_t> alignment = checkMetadata(metadata);
  if (!alignment)
    return alignment.takeError();
  if (tensors.size() > kGgufMaxTensors)
    return writerError("over " + Twine(kGgufMaxTensors) + " tensors");
  StringSet<> names;
  for (const GgufTensorData &t : tensors)
    if (Error e = checkTensor(t, names))
      return std::move(e);

  Emitter e;
  e.out = {'G', 'G', 'U', 'F'};
  e.le(3, 4); // version
  e.le(tensors.size(), 8);
  e.le(metadata.size(), 8);
  for (const GgufKeyValue &kv : metadata) {
    e.string(kv.key);
    e.le(uint32_t(kv.value.type), 4);
    e.value(kv.value);
  }
  uint64_t offset = 0;
  for (const GgufTensorData &t : tensors) {
    e.string(t.name);
    e.le(t.dims.size(), 4);
    for (uint64_t d : t.dims)
      e.le(d, 8);
    e.le(uint32_t(t.type), 4);
    e.le(offset, 8);
    offset += alignTo(t.data.size(), *alignment);
  }
  e.padTo(*alignment); // ggml pads here even with no tensors
  for (const GgufTensorData &t : tensors) {
    e.out.insert(e.out.end(), t.data.begin(), t.data.end());
    e.padTo(*alignment);
  }
  return std::move(e.out);
}

Error writeGguf(StringRef path, ArrayRef<GgufKeyValue> metadata,
                ArrayRef<GgufTensorData> tensors) {
  Expected<std::vector<uint8_t>> bytes = encodeGguf(metadata, tensors);
  if (!bytes)
    return writerError(path + ": " + toString(bytes.takeError()));
  return writeFileAtomically(path, *bytes);
}

} // namespace tlc
