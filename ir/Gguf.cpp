//===- ir/Gguf.cpp - Read GGUF model files --------------------------------===//
//
// One pass over the bytes, front to back, in the order of the spec
// (docs/gguf.md of ggml): header, metadata, tensor infos, data section.
// Every read first checks that its bytes are there; every count is checked
// against the bytes that could hold it before anything is allocated for it
// (a string takes at least 8 bytes, an array 12, a tensor info 33), so that
// memory stays proportional to the file. Checks that need the whole file
// (alignment, tensor data ranges) run after the tensor infos.
//
// ggml's own reader (src/gguf.cpp, gguf_init_from_file_impl) makes the same
// checks except that it wants tensor data packed back to back; tlc accepts
// gaps between tensors but, like ggml, wants them in the order of their
// infos and reads the padding after the last one.
//
//===----------------------------------------------------------------------===//
#include "ir/Gguf.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

using namespace llvm;

namespace tlc {

namespace {

// Smallest encodings, for "can this count fit in the bytes left" checks.
constexpr uint64_t kMinStringBytes = 8;           // u64 length, no bytes
constexpr uint64_t kMinArrayBytes = 4 + 8;        // element type, count
constexpr uint64_t kMinKeyValueBytes = 8 + 1 + 4 + 1; // key of 1 byte, u8
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;
constexpr uint32_t kLastValueType = uint32_t(GgufValueType::Float64);

Error ggufError(StringRef file, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           (file + ": " + msg).str());
}

/// \p v as \p digits lowercase hex digits.
std::string hex(uint64_t v, unsigned digits) {
  std::string s(digits, '0');
  for (unsigned i = digits; i-- > 0; v >>= 4)
    s[i] = "0123456789abcdef"[v & 15];
  return s;
}

/// Bytes as text for an error message: printable ASCII kept, others \xNN.
std::string quoted(ArrayRef<uint8_t> b) {
  std::string s = "\"";
  for (uint8_t c : b)
    s += isPrint(c) && c != '"' && c != '\\' ? std::string(1, char(c))
                                             : "\\x" + hex(c, 2);
  return s + "\"";
}

class Parser {
public:
  Parser(ArrayRef<uint8_t> bytes, StringRef file) : bytes(bytes), file(file) {}

  Expected<GgufFile> parse();

private:
  ArrayRef<uint8_t> bytes;
  StringRef file;
  uint64_t pos = 0;

  uint64_t size() const { return bytes.size(); }
  uint64_t left() const { return size() - pos; }

  Error errorAt(uint64_t at, const Twine &msg) const {
    return ggufError(file, "byte offset " + Twine(at) + ": " + msg);
  }

  /// Reads an \p n-byte little-endian unsigned integer, the \p what.
  Expected<uint64_t> read(unsigned n, const Twine &what) {
    if (n > left())
      return errorAt(pos, what + " needs " + Twine(n) +
                              " bytes but the file ends at byte " +
                              Twine(size()) + " (truncated?)");
    uint64_t v = 0;
    for (unsigned k = 0; k < n; ++k)
      v |= uint64_t(bytes[pos + k]) << (8 * k);
    pos += n;
    return v;
  }

  /// Reads a GGUF string (u64 length, bytes) of at most \p maxLen bytes.
  Expected<std::string> readString(const Twine &what, uint64_t maxLen) {
    uint64_t at = pos;
    Expected<uint64_t> len = read(8, what + ": the string length");
    if (!len)
      return len.takeError();
    if (*len > maxLen)
      return errorAt(at, what + ": string length " + Twine(*len) +
                             " is over the limit of " + Twine(maxLen) +
                             " bytes");
    if (*len > left())
      return errorAt(at, what + ": string of " + Twine(*len) +
                             " bytes runs past the end of the file (" +
                             Twine(left()) + " bytes left; truncated?)");
    std::string s(reinterpret_cast<const char *>(bytes.data()) + pos,
                  size_t(*len));
    pos += *len;
    return s;
  }

  /// Reads a value of type \p t (already known to be a valid type) into
  /// \p out. \p depth counts the arrays around it.
  Error readValue(GgufValueType t, GgufValue &out, const Twine &what,
                  unsigned depth);
  Error readArray(GgufValue &out, const Twine &what, unsigned depth);
  Error readMetadata(GgufFile &f, uint64_t count);
  Error checkAlignment(GgufFile &f);
  Error readTensorInfos(GgufFile &f, uint64_t count,
                        std::vector<uint64_t> &offsetFieldAt);
  Error placeTensors(GgufFile &f, ArrayRef<uint64_t> offsetFieldAt);
};

Error Parser::readValue(GgufValueType t, GgufValue &out, const Twine &what,
                        unsigned depth) {
  uint64_t at = pos;
  if (t == GgufValueType::String) {
    Expected<std::string> s = readString(what, kGgufMaxStringBytes);
    if (!s)
      return s.takeError();
    out = GgufValue::ofString("");
    out.str = std::move(*s);
    return Error::success();
  }
  if (t == GgufValueType::Array)
    return readArray(out, what, depth + 1);
  Expected<uint64_t> b =
      read(ggufScalarBytes(t), what + ": the " + ggufValueTypeName(t) +
                                   " value");
  if (!b)
    return b.takeError();
  if (t == GgufValueType::Bool && *b > 1)
    return errorAt(at, what + ": bool byte " + Twine(*b) +
                           "; expected 0 (false) or 1 (true)");
  out = GgufValue::scalar(t, *b);
  return Error::success();
}

Error Parser::readArray(GgufValue &out, const Twine &what, unsigned depth) {
  if (depth > kGgufMaxArrayNesting)
    return errorAt(pos, what + ": arrays nested deeper than " +
                            Twine(kGgufMaxArrayNesting) + " levels");
  uint64_t typeAt = pos;
  Expected<uint64_t> et = read(4, what + ": the array element type");
  if (!et)
    return et.takeError();
  if (*et > kLastValueType)
    return errorAt(typeAt, what + ": unknown array element type " +
                               Twine(*et) + "; expected 0 to " +
                               Twine(kLastValueType));
  auto elemType = GgufValueType(*et);
  uint64_t countAt = pos;
  Expected<uint64_t> count = read(8, what + ": the array length");
  if (!count)
    return count.takeError();
  unsigned scalarBytes = ggufScalarBytes(elemType);
  uint64_t minBytes = elemType == GgufValueType::String  ? kMinStringBytes
                      : elemType == GgufValueType::Array ? kMinArrayBytes
                                                         : scalarBytes;
  if (*count > left() / minBytes)
    return errorAt(countAt, what + ": array of " + Twine(*count) + " " +
                                ggufValueTypeName(elemType) +
                                " elements needs at least " +
                                Twine(minBytes) + " bytes each, but only " +
                                Twine(left()) +
                                " bytes are left in the file (truncated?)");
  out = GgufValue();
  out.type = GgufValueType::Array;
  out.elemType = elemType;
  out.count = *count;
  if (scalarBytes != 0) {
    uint64_t n = *count * scalarBytes;
    out.packed.assign(bytes.begin() + pos, bytes.begin() + pos + n);
    if (elemType == GgufValueType::Bool)
      for (uint64_t i = 0; i < n; ++i)
        if (out.packed[i] > 1)
          return errorAt(pos + i, what + "[" + Twine(i) + "]: bool byte " +
                                      Twine(out.packed[i]) +
                                      "; expected 0 (false) or 1 (true)");
    pos += n;
    return Error::success();
  }
  for (uint64_t i = 0; i < *count; ++i) {
    GgufValue e;
    if (Error err = readValue(elemType, e, what + "[" + Twine(i) + "]", depth))
      return err;
    if (elemType == GgufValueType::String)
      out.strings.push_back(std::move(e.str));
    else
      out.arrays.push_back(std::move(e));
  }
  return Error::success();
}

Error Parser::readMetadata(GgufFile &f, uint64_t count) {
  StringMap<uint64_t> firstAt;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t at = pos;
    Expected<std::string> key =
        readString("metadata key " + Twine(i), kGgufMaxKeyBytes);
    if (!key)
      return key.takeError();
    if (key->empty())
      return errorAt(at, "metadata key " + Twine(i) + " is empty");
    auto [it, fresh] = firstAt.try_emplace(*key, at);
    if (!fresh)
      return errorAt(at, "duplicate metadata key '" + *key +
                             "' (first at byte offset " + Twine(it->second) +
                             ")");
    std::string what = "metadata '" + *key + "'";
    uint64_t typeAt = pos;
    Expected<uint64_t> t = read(4, what + ": the value type");
    if (!t)
      return t.takeError();
    if (*t > kLastValueType)
      return errorAt(typeAt, what + ": unknown value type " + Twine(*t) +
                                 "; expected 0 to " + Twine(kLastValueType));
    GgufKeyValue kv;
    kv.key = std::move(*key);
    kv.offset = at;
    if (Error e = readValue(GgufValueType(*t), kv.value, what, 0))
      return e;
    f.metadata.push_back(std::move(kv));
  }
  return Error::success();
}

Error Parser::checkAlignment(GgufFile &f) {
  for (const GgufKeyValue &kv : f.metadata) {
    if (kv.key != "general.alignment")
      continue;
    if (kv.value.type != GgufValueType::UInt32)
      return errorAt(kv.offset, "general.alignment has type " +
                                    kv.value.typeName() +
                                    "; expected uint32 (GGUF spec)");
    if (!isPowerOf2_64(kv.value.bits))
      return errorAt(kv.offset, "general.alignment " + Twine(kv.value.bits) +
                                    " is not a power of two");
    f.alignment = kv.value.bits;
  }
  return Error::success();
}

Error Parser::readTensorInfos(GgufFile &f, uint64_t count,
                              std::vector<uint64_t> &offsetFieldAt) {
  StringMap<uint64_t> firstAt;
  for (uint64_t i = 0; i < count; ++i) {
    GgufTensor t;
    t.infoOffset = pos;
    Expected<std::string> name =
        readString("tensor " + Twine(i) + " name", kGgufMaxTensorNameBytes);
    if (!name)
      return name.takeError();
    if (name->empty())
      return errorAt(t.infoOffset, "tensor " + Twine(i) + " has an empty name");
    auto [it, fresh] = firstAt.try_emplace(*name, t.infoOffset);
    if (!fresh)
      return errorAt(t.infoOffset, "duplicate tensor name '" + *name +
                                       "' (first at byte offset " +
                                       Twine(it->second) + ")");
    t.name = std::move(*name);
    std::string what = "tensor '" + t.name + "'";

    uint64_t ndAt = pos;
    Expected<uint64_t> nd = read(4, what + ": n_dims");
    if (!nd)
      return nd.takeError();
    if (*nd == 0 || *nd > kGgufMaxDims)
      return errorAt(ndAt, what + ": n_dims is " + Twine(*nd) +
                               "; expected 1 to " + Twine(kGgufMaxDims));
    t.numElements = 1;
    for (uint64_t j = 0; j < *nd; ++j) {
      uint64_t dimAt = pos;
      Expected<uint64_t> d = read(8, what + ": dims[" + Twine(j) + "]");
      if (!d)
        return d.takeError();
      if (*d == 0)
        return errorAt(dimAt, what + ": dims[" + Twine(j) + "] is 0");
      if (*d > uint64_t(kMaxTensorElements) ||
          t.numElements > uint64_t(kMaxTensorElements) / *d)
        return errorAt(dimAt, what + ": dims[" + Twine(j) + "] = " +
                                  Twine(*d) +
                                  " makes the element count overflow the "
                                  "limit of 2^40");
      t.numElements *= *d;
      t.dims.push_back(*d);
    }

    uint64_t typeAt = pos;
    Expected<uint64_t> type = read(4, what + ": the ggml type");
    if (!type)
      return type.takeError();
    const GgmlTypeInfo *info = ggmlTypeInfo(uint32_t(*type));
    if (!info || *type > UINT32_MAX)
      return errorAt(typeAt, what + ": unknown ggml type " + Twine(*type));
    if (t.dims[0] % info->blockElems != 0)
      return errorAt(typeAt, what + ": type " + info->name +
                                 " stores blocks of " +
                                 Twine(info->blockElems) +
                                 " values along the innermost dim, but "
                                 "dims[0] is " +
                                 Twine(t.dims[0]) + " (not a multiple of " +
                                 Twine(info->blockElems) + ")");
    t.type = info->type;
    t.numBytes = t.numElements / info->blockElems * info->blockBytes;

    offsetFieldAt.push_back(pos);
    Expected<uint64_t> off = read(8, what + ": the data offset");
    if (!off)
      return off.takeError();
    t.offset = *off;
    f.tensors.push_back(std::move(t));
  }
  return Error::success();
}

Error Parser::placeTensors(GgufFile &f, ArrayRef<uint64_t> offsetFieldAt) {
  if (f.tensors.empty()) {
    f.dataOffset = pos; // ggml does not seek to a data section then
    return Error::success();
  }
  uint64_t a = f.alignment;
  uint64_t dataStart = alignTo(pos, a);
  if (dataStart > size())
    return errorAt(pos, "the data section starts at byte offset " +
                            Twine(dataStart) + " (the tensor infos' end " +
                            "aligned to " + Twine(a) +
                            ") but the file ends at byte " + Twine(size()) +
                            " (truncated?)");
  f.dataOffset = dataStart;
  uint64_t dataBytes = size() - dataStart;
  const GgufTensor *prev = nullptr;
  for (size_t i = 0; i < f.tensors.size(); ++i) {
    GgufTensor &t = f.tensors[i];
    std::string what = "tensor '" + t.name + "'";
    uint64_t at = offsetFieldAt[i];
    if (t.offset % a != 0)
      return errorAt(at, what + ": offset " + Twine(t.offset) +
                             " is not a multiple of the alignment " +
                             Twine(a));
    if (t.offset > dataBytes || t.numBytes > dataBytes - t.offset)
      return errorAt(at, what + ": data [" + Twine(t.offset) + ", +" +
                             Twine(t.numBytes) +
                             ") run past the end of the data section (" +
                             Twine(dataBytes) + " bytes from byte offset " +
                             Twine(dataStart) + "; truncated?)");
    uint64_t padded = alignTo(t.offset + t.numBytes, a);
    if (padded > dataBytes)
      return errorAt(at, what + ": the padding after its data to the "
                                "alignment " +
                             Twine(a) + " runs past the end of the file (" +
                             Twine(dataStart + padded) + " > " +
                             Twine(size()) + " bytes; truncated?)");
    if (prev && t.offset < prev->offset + prev->numBytes)
      return errorAt(at, what + ": offset " + Twine(t.offset) +
                             " lies before the end of the data of tensor '" +
                             prev->name + "' [" + Twine(prev->offset) + ", " +
                             Twine(prev->offset + prev->numBytes) +
                             "); tensor data must follow the order of the "
                             "tensor infos without overlapping");
    t.fileOffset = dataStart + t.offset;
    t.data = bytes.slice(t.fileOffset, t.numBytes);
    prev = &t;
  }
  return Error::success();
}

Expected<GgufFile> Parser::parse() {
  GgufFile f;
  f.name = file.str();
  if (size() < 4 || memcmp(bytes.data(), "GGUF", 4) != 0) {
    ArrayRef<uint8_t> head = bytes.take_front(4);
    if (head.size() == 4 && memcmp(head.data(), "FUGG", 4) == 0)
      return errorAt(0, "magic \"FUGG\" is \"GGUF\" byte-swapped: the file "
                        "is big-endian; tlc reads only little-endian GGUF "
                        "files");
    return errorAt(0, "bad magic " + quoted(head) +
                          "; expected \"GGUF\" (not a GGUF file)");
  }
  pos = 4;
  Expected<uint64_t> version = read(4, "the version");
  if (!version)
    return version.takeError();
  uint32_t v = uint32_t(*version);
  if (v != 2 && v != 3) {
    if ((v & 0xffffu) == 0 && v != 0)
      return errorAt(4, "version field 0x" + hex(v, 8) +
                            " is " + Twine(ByteSwap_32(v)) +
                            " byte-swapped: the file is big-endian; tlc "
                            "reads only little-endian GGUF files");
    if (v == 1)
      return errorAt(4, "GGUF version 1 (32-bit counts) is not supported; "
                        "expected version 2 or 3");
    return errorAt(4, "unsupported GGUF version " + Twine(v) +
                          "; expected 2 or 3");
  }
  f.version = v;

  Expected<uint64_t> tensorCount = read(8, "the tensor count");
  if (!tensorCount)
    return tensorCount.takeError();
  if (*tensorCount > kGgufMaxTensors)
    return errorAt(8, "tensor count " + Twine(*tensorCount) +
                          " is over the limit of " + Twine(kGgufMaxTensors));
  Expected<uint64_t> kvCount = read(8, "the metadata key/value count");
  if (!kvCount)
    return kvCount.takeError();
  if (*kvCount > kGgufMaxKeyValues)
    return errorAt(16, "metadata key/value count " + Twine(*kvCount) +
                           " is over the limit of " +
                           Twine(kGgufMaxKeyValues));
  if (*kvCount > left() / kMinKeyValueBytes)
    return errorAt(16, "metadata key/value count " + Twine(*kvCount) +
                           " cannot fit in the " + Twine(left()) +
                           " bytes after the header (each takes at least " +
                           Twine(kMinKeyValueBytes) + "; truncated?)");
  if (Error e = readMetadata(f, *kvCount))
    return std::move(e);
  if (Error e = checkAlignment(f))
    return std::move(e);
  if (*tensorCount > left() / kMinTensorInfoBytes)
    return errorAt(8, "tensor count " + Twine(*tensorCount) +
                          " cannot fit in the " + Twine(left()) +
                          " bytes after the metadata (each tensor info "
                          "takes at least " +
                          Twine(kMinTensorInfoBytes) + "; truncated?)");
  std::vector<uint64_t> offsetFieldAt;
  if (Error e = readTensorInfos(f, *tensorCount, offsetFieldAt))
    return std::move(e);
  if (Error e = placeTensors(f, offsetFieldAt))
    return std::move(e);
  f.reindex();
  return f;
}

} // namespace

Expected<GgufFile> readGgufBytes(ArrayRef<uint8_t> bytes,
                                 StringRef nameForErrors) {
  return Parser(bytes, nameForErrors).parse();
}

Expected<GgufFile> readGgufFile(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!buf)
    return ggufError(path, "cannot read: " + buf.getError().message());
  std::shared_ptr<MemoryBuffer> owned = std::move(*buf);
  ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>(owned->getBufferStart()),
      owned->getBufferSize());
  Expected<GgufFile> f = readGgufBytes(bytes, path);
  if (f)
    f->holdBuffer(std::move(owned));
  return f;
}

} // namespace tlc
