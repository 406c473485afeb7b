//===- ir/Safetensors.cpp - Read and write .safetensors files -------------===//
//
// Reader: llvm::MemoryBuffer for the bytes, llvm::json for the header, then
// checks of every entry against the format rules (see ir/Safetensors.h) and
// of the entries against each other (no overlap, no uncovered bytes).
// Writer: json::OStream for a deterministic header, then the packed data.
//
//===----------------------------------------------------------------------===//
#include "ir/Safetensors.h"
#include "ir/AtomicFile.h"
#include "ir/JsonCheck.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstring>

using namespace llvm;

namespace tlc {

namespace {

Error stError(StringRef file, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           (file + ": " + msg).str());
}

std::string describe(const json::Value &v) {
  switch (v.kind()) {
  case json::Value::Null: return "null";
  case json::Value::Boolean: return "a boolean";
  case json::Value::String: return "a string";
  case json::Value::Array: return "an array";
  case json::Value::Object: return "an object";
  case json::Value::Number: {
    std::string s;
    raw_string_ostream os(s);
    os << v;
    return os.str();
  }
  }
  llvm_unreachable("bad json kind");
}

/// Deepest JSON nesting accepted in a header.
constexpr unsigned kMaxJsonNesting = 16;

/// Safetensors dtypes tlc executes, and their element sizes.
struct DTypeInfo {
  StringRef name;
  DType dtype;
};
const DTypeInfo kSupported[] = {{"F32", DType::F32},
                                {"F16", DType::F16},
                                {"I32", DType::I32},
                                {"I64", DType::I64}};
/// Dtypes of the safetensors format that tlc recognises but cannot use.
const StringRef kUnsupported[] = {"F64",  "I8",  "U8",      "BOOL",
                                  "I16",  "U16", "U32",     "U64",
                                  "F8_E4M3", "F8_E5M2"};

/// One header entry after its own checks, before the cross-entry checks.
struct Entry {
  SafetensorsTensor tensor;
  uint64_t begin = 0, end = 0; // data_offsets
  bool bf16 = false; // stored as BF16, widened to F32 once read
};

/// Checks one header entry \p v called \p name; \p dataSize is the size of
/// the data section in bytes.
Expected<Entry> readEntry(StringRef file, StringRef name,
                          const json::Value &v, uint64_t dataSize) {
  std::string where = ("tensor '" + name + "'").str();
  auto fail = [&](const Twine &msg) { return stError(file, where + ": " + msg); };
  const json::Object *o = v.getAsObject();
  if (!o)
    return fail("expected an object with dtype, shape and data_offsets, got " +
                describe(v));
  for (const auto &kv : *o)
    if (kv.first != "dtype" && kv.first != "shape" &&
        kv.first != "data_offsets")
      return fail("unknown field '" + StringRef(kv.first) +
                  "'; expected dtype, shape and data_offsets");
  Entry e;
  e.tensor.name = name.str();

  const json::Value *dt = o->get("dtype");
  if (!dt)
    return fail("missing field 'dtype'");
  Optional<StringRef> dts = dt->getAsString();
  if (!dts)
    return fail("field 'dtype': expected a string, got " + describe(*dt));
  const DTypeInfo *info = nullptr;
  for (const DTypeInfo &d : kSupported)
    if (d.name == *dts)
      info = &d;
  // BF16 (most published checkpoints) is widened to F32 on read: its 16 bits
  // are the high half of an F32, so the widening is exact.
  static const DTypeInfo kBf16 = {"BF16", DType::F32};
  if (*dts == "BF16") {
    info = &kBf16;
    e.bf16 = true;
  }
  if (!info) {
    if (is_contained(kUnsupported, *dts))
      return fail("dtype " + *dts +
                  " is not supported by tlc; expected F32, F16, BF16, I32 "
                  "or I64");
    return fail("unknown dtype '" + *dts + "'");
  }
  e.tensor.dtype = info->dtype;

  const json::Value *sh = o->get("shape");
  if (!sh)
    return fail("missing field 'shape'");
  const json::Array *dims = sh->getAsArray();
  if (!dims)
    return fail("field 'shape': expected an array of integers, got " +
                describe(*sh));
  for (size_t i = 0; i < dims->size(); ++i) {
    Optional<int64_t> d = (*dims)[i].getAsInteger();
    if (!d || *d < 0)
      return fail("field 'shape': element " + Twine(i) +
                  ": expected a non-negative integer, got " +
                  describe((*dims)[i]));
    e.tensor.shape.push_back(*d);
  }
  TensorType type{e.tensor.dtype, e.tensor.shape};
  Expected<int64_t> n = checkedNumElements(e.tensor.shape);
  if (!n)
    return fail("shape [" + type.shapeStr() + "]: " + toString(n.takeError()));

  const json::Value *off = o->get("data_offsets");
  if (!off)
    return fail("missing field 'data_offsets'");
  const json::Array *offs = off->getAsArray();
  if (!offs || offs->size() != 2)
    return fail("field 'data_offsets': expected [begin, end], got " +
                describe(*off) +
                (offs ? " of " + std::to_string(offs->size()) + " elements"
                      : std::string()));
  for (unsigned i = 0; i < 2; ++i)
    if (!(*offs)[i].getAsUINT64())
      return fail("field 'data_offsets': element " + Twine(i) +
                  ": expected an unsigned integer, got " +
                  describe((*offs)[i]));
  e.begin = *(*offs)[0].getAsUINT64();
  e.end = *(*offs)[1].getAsUINT64();
  std::string range =
      "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
  if (e.begin > e.end)
    return fail(range + ": begin is after end");
  if (e.end > dataSize)
    return fail(range + " run past the end of the data section (" +
                Twine(dataSize) + " bytes)");
  uint64_t need = e.bf16 ? uint64_t(*n) * 2 : type.byteSize(); // no overflow
  if (e.end - e.begin != need) {
    std::string shape = type.shape.empty() ? "[] (scalar)" : type.shapeStr();
    return fail(range + " but shape " + shape + " of " + info->name +
                " needs " + Twine(need) + " bytes");
  }
  return e;
}

} // namespace

StringRef safetensorsDTypeName(DType t) {
  for (const DTypeInfo &d : kSupported)
    if (d.dtype == t)
      return d.name;
  llvm_unreachable("bad dtype");
}

const SafetensorsTensor *SafetensorsFile::find(StringRef name) const {
  for (const SafetensorsTensor &t : tensors)
    if (t.name == name)
      return &t;
  return nullptr;
}

Expected<SafetensorsFile> readSafetensorsBytes(ArrayRef<uint8_t> bytes,
                                               StringRef name) {
  uint64_t size = bytes.size();
  if (size < 8)
    return stError(name, "file is " + Twine(size) +
                             " bytes; a safetensors file starts with an "
                             "8-byte header length (truncated?)");
  uint64_t n = support::endian::read64le(bytes.data());
  if (n > kSafetensorsMaxHeaderBytes)
    return stError(name, "byte offset 0: header length " + Twine(n) +
                             " is larger than the limit of " +
                             Twine(kSafetensorsMaxHeaderBytes) +
                             " bytes (corrupted length?)");
  if (n > size - 8)
    return stError(name, "byte offset 0: header length " + Twine(n) +
                             " runs past the end of the file (" + Twine(size) +
                             " bytes; truncated?)");
  StringRef text(reinterpret_cast<const char *>(bytes.data()) + 8, n);
  // The schema nests 3 deep ({tensor: {shape: [...]}}); allow some slack.
  size_t deep = findTooDeepNesting(text, kMaxJsonNesting);
  if (deep != StringRef::npos)
    return stError(name, "byte offset " + Twine(8 + deep) +
                             ": JSON header nested deeper than " +
                             Twine(kMaxJsonNesting) + " levels");
  Expected<json::Value> root = json::parse(text);
  if (!root)
    return jsonSyntaxError(root.takeError(), name, 8, "header");
  const json::Object *header = root->getAsObject();
  if (!header)
    return stError(name, "byte offset 8: the JSON header must be an object "
                         "of tensors, got " +
                             describe(*root));

  SafetensorsFile out;
  uint64_t dataStart = 8 + n;
  uint64_t dataSize = size - dataStart;
  std::vector<Entry> entries;
  // Sorted names, so that errors do not depend on hash-table order.
  std::vector<std::string> names;
  for (const auto &kv : *header)
    names.push_back(StringRef(kv.first).str());
  llvm::sort(names);
  for (const std::string &key : names) {
    const json::Value &v = *header->get(key);
    if (key == "__metadata__") {
      const json::Object *meta = v.getAsObject();
      if (!meta)
        return stError(name, "__metadata__: expected an object of strings, "
                             "got " +
                                 describe(v));
      for (const auto &m : *meta) {
        Optional<StringRef> s = m.second.getAsString();
        if (!s)
          return stError(name, "__metadata__: '" + StringRef(m.first) +
                                   "': expected a string, got " +
                                   describe(m.second));
        out.metadata[StringRef(m.first).str()] = s->str();
      }
      continue;
    }
    Expected<Entry> e = readEntry(name, key, v, dataSize);
    if (!e)
      return e.takeError();
    entries.push_back(std::move(*e));
  }

  // The data section must be covered exactly once: no overlap, no holes.
  llvm::stable_sort(entries, [](const Entry &a, const Entry &b) {
    return a.begin < b.begin;
  });
  uint64_t covered = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry &e = entries[i];
    if (e.begin < covered)
      return stError(name, "tensors '" + entries[i - 1].tensor.name +
                               "' [" + Twine(entries[i - 1].begin) + ", " +
                               Twine(entries[i - 1].end) + ") and '" +
                               e.tensor.name + "' [" + Twine(e.begin) + ", " +
                               Twine(e.end) + ") overlap");
    if (e.begin > covered)
      return stError(name, "byte offset " + Twine(dataStart + covered) +
                               ": data bytes [" + Twine(covered) + ", " +
                               Twine(e.begin) +
                               ") belong to no tensor; the data section "
                               "must be fully indexed");
    covered = e.end;
  }
  if (covered != dataSize)
    return stError(name, "byte offset " + Twine(dataStart + covered) +
                             ": data bytes [" + Twine(covered) + ", " +
                             Twine(dataSize) +
                             ") belong to no tensor; the data section must "
                             "be fully indexed");

  for (Entry &e : entries) {
    const uint8_t *p = bytes.data() + dataStart + e.begin;
    if (e.bf16) { // little-endian BF16 -> the F32 with those high 16 bits
      size_t n = size_t(e.end - e.begin) / 2;
      e.tensor.data.assign(4 * n, 0);
      for (size_t i = 0; i < n; ++i) {
        e.tensor.data[4 * i + 2] = p[2 * i];
        e.tensor.data[4 * i + 3] = p[2 * i + 1];
      }
    } else {
      e.tensor.data.assign(p, p + (e.end - e.begin));
    }
    out.tensors.push_back(std::move(e.tensor));
  }
  return out;
}

Expected<SafetensorsFile> readSafetensors(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!buf)
    return stError(path, "cannot read: " + buf.getError().message());
  ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()),
      (*buf)->getBufferSize());
  return readSafetensorsBytes(bytes, path);
}

Expected<std::vector<uint8_t>>
encodeSafetensors(ArrayRef<SafetensorsTensor> tensors,
                  const std::map<std::string, std::string> &metadata) {
  StringSet<> seen;
  for (const SafetensorsTensor &t : tensors) {
    auto fail = [&](const Twine &msg) {
      return createStringError(inconvertibleErrorCode(),
                               ("tensor '" + t.name + "': " + msg).str());
    };
    if (t.name.empty() || t.name == "__metadata__")
      return fail("invalid tensor name");
    if (!seen.insert(t.name).second)
      return fail("duplicate tensor name");
    Expected<int64_t> n = checkedNumElements(t.shape);
    if (!n)
      return fail(toString(n.takeError()));
    uint64_t need = uint64_t(*n) * dtypeBytes(t.dtype);
    if (t.data.size() != need)
      return fail("has " + Twine(t.data.size()) + " bytes of data but shape " +
                  TensorType{t.dtype, t.shape}.str() + " needs " + Twine(need));
  }

  std::string header;
  raw_string_ostream os(header);
  {
    json::OStream j(os);
    j.object([&] {
      if (!metadata.empty())
        j.attributeObject("__metadata__", [&] {
          for (const auto &kv : metadata)
            j.attribute(kv.first, kv.second);
        });
      uint64_t offset = 0;
      for (const SafetensorsTensor &t : tensors) {
        j.attributeObject(t.name, [&] {
          j.attribute("dtype", safetensorsDTypeName(t.dtype));
          j.attributeArray("shape", [&] {
            for (int64_t d : t.shape)
              j.value(d);
          });
          j.attributeArray("data_offsets", [&] {
            j.value(offset);
            j.value(offset + t.data.size());
          });
        });
        offset += t.data.size();
      }
    });
  }
  os.flush();
  header.append((8 - header.size() % 8) % 8, ' ');

  std::vector<uint8_t> bytes(8);
  support::endian::write64le(bytes.data(), header.size());
  bytes.insert(bytes.end(), header.begin(), header.end());
  for (const SafetensorsTensor &t : tensors)
    bytes.insert(bytes.end(), t.data.begin(), t.data.end());
  return bytes;
}

Error writeSafetensors(StringRef path, ArrayRef<SafetensorsTensor> tensors,
                       const std::map<std::string, std::string> &metadata) {
  Expected<std::vector<uint8_t>> bytes = encodeSafetensors(tensors, metadata);
  if (!bytes)
    return stError(path, toString(bytes.takeError()));
  return writeFileAtomically(path, *bytes);
}

} // namespace tlc
