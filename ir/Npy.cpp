//===- ir/Npy.cpp - Read and write NumPy .npy files -----------------------===//
//
// Format: numpy.lib.format (NEP 1), versions 1.0, 2.0 and 3.0. The header
// dict is parsed with this grammar (a subset of Python literal syntax; ws is
// space, tab, '\r' or '\n'):
//
//   header := ws '{' ws [item (ws ',' ws item)* [ws ',']] ws '}' ws
//   item   := string ws ':' ws value
//   value  := string | 'True' | 'False' | tuple
//   tuple  := '(' ws ')' | '(' ws int ws ',' ws ')'
//           | '(' ws int (ws ',' ws int)+ [ws ','] ws ')'
//   string := "'" chars "'" | '"' chars '"'   (no escapes, no newlines)
//   int    := [0-9]+
//
//===----------------------------------------------------------------------===//
#include "ir/Npy.h"
#include "ir/AtomicFile.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

using namespace llvm;

namespace tlc {

namespace {

constexpr char kMagic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};
/// NumPy aligns the start of the data to this many bytes (numpy.lib.format
/// ARRAY_ALIGN, since NumPy 1.17).
constexpr uint64_t kArrayAlign = 64;

Error npyError(StringRef file, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           (file + ": " + msg).str());
}

struct DescrInfo {
  StringRef descr;
  NpyDType dtype;
};
const DescrInfo kDescrs[] = {
    {"<f4", NpyDType::F32}, {"<f2", NpyDType::F16}, {"<i4", NpyDType::I32},
    {"<i8", NpyDType::I64}, {"|u1", NpyDType::U8},  {"|i1", NpyDType::I8},
    {"|b1", NpyDType::Bool},
    // One-byte types have no byte order; accept '<' for them too.
    {"<u1", NpyDType::U8},  {"<i1", NpyDType::I8},
};

/// One value of the header dict, with the byte offset where it starts.
struct PyValue {
  enum Kind { String, Bool, Tuple } kind = String;
  std::string str;
  bool boolean = false;
  std::vector<int64_t> ints;
  uint64_t offset = 0; // file byte offset
};

/// Recursive-descent parser of the header dict (grammar at the top of file).
class HeaderParser {
public:
  HeaderParser(StringRef text, uint64_t base, StringRef file)
      : text(text), base(base), file(file) {}

  /// Parses the whole header into (key, value) pairs, in order.
  Error parse(std::vector<std::pair<PyValue, PyValue>> &items) {
    skipWs();
    if (!consume('{'))
      return expected("'{' starting the header dict");
    skipWs();
    while (!peekIs('}')) {
      PyValue key, value;
      if (!peekIs('\'') && !peekIs('"'))
        return expected("a quoted key or '}'");
      if (Error e = parseString(key))
        return e;
      skipWs();
      if (!consume(':'))
        return expected("':' after the key");
      skipWs();
      if (Error e = parseValue(value))
        return e;
      items.emplace_back(std::move(key), std::move(value));
      skipWs();
      if (consume(','))
        skipWs();
      else if (!peekIs('}'))
        return expected("',' or '}'");
    }
    ++pos; // '}'
    skipWs();
    if (pos != text.size())
      return expected("only spaces after the header dict");
    return Error::success();
  }

private:
  StringRef text;
  size_t pos = 0;
  uint64_t base;
  StringRef file;

  uint64_t here() const { return base + pos; }
  bool peekIs(char c) const { return pos < text.size() && text[pos] == c; }
  bool consume(char c) {
    if (!peekIs(c))
      return false;
    ++pos;
    return true;
  }
  void skipWs() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }
  Error errorHere(const Twine &msg) const {
    return npyError(file, "byte offset " + Twine(here()) + ": header: " + msg);
  }
  Error expected(const Twine &what) const {
    if (pos >= text.size())
      return errorHere("expected " + what + ", found the end of the header");
    char c = text[pos];
    std::string found = isPrint(c) ? "'" + std::string(1, c) + "'"
                                   : "byte 0x" + utohexstr(uint8_t(c));
    return errorHere("expected " + what + ", found " + found);
  }

  Error parseString(PyValue &v) {
    v.kind = PyValue::String;
    v.offset = here();
    char quote = text[pos++];
    size_t start = pos;
    while (pos < text.size() && text[pos] != quote && text[pos] != '\n') {
      if (text[pos] == '\\')
        return errorHere("escape sequences are not supported in strings");
      ++pos;
    }
    if (pos >= text.size() || text[pos] == '\n') {
      pos = start - 1;
      return errorHere("unterminated string");
    }
    v.str = text.slice(start, pos).str();
    ++pos;
    return Error::success();
  }

  Error parseInt(int64_t &out) {
    if (pos >= text.size() || !isDigit(text[pos]))
      return expected("a non-negative integer");
    uint64_t start = here();
    out = 0;
    while (pos < text.size() && isDigit(text[pos])) {
      if (out > kMaxTensorElements)
        return npyError(file, "byte offset " + Twine(start) +
                                  ": header: dimension is larger than 2^40");
      out = out * 10 + (text[pos++] - '0');
    }
    return Error::success();
  }

  Error parseTuple(PyValue &v) {
    v.kind = PyValue::Tuple;
    ++pos; // '('
    skipWs();
    bool trailingComma = false;
    while (!peekIs(')')) {
      int64_t x;
      if (Error e = parseInt(x))
        return e;
      v.ints.push_back(x);
      skipWs();
      trailingComma = consume(',');
      skipWs();
      if (!trailingComma && !peekIs(')'))
        return expected("',' or ')' in the shape tuple");
    }
    if (v.ints.size() == 1 && !trailingComma)
      return npyError(file, "byte offset " + Twine(v.offset) +
                                ": header: '(" + Twine(v.ints[0]) +
                                ")' is not a tuple; a one-element shape is "
                                "written (" +
                                Twine(v.ints[0]) + ",)");
    ++pos; // ')'
    return Error::success();
  }

  Error parseValue(PyValue &v) {
    v.offset = here();
    if (peekIs('\'') || peekIs('"'))
      return parseString(v);
    if (peekIs('('))
      return parseTuple(v);
    StringRef rest = text.drop_front(pos);
    for (StringRef word : {"True", "False"})
      if (rest.startswith(word)) {
        v.kind = PyValue::Bool;
        v.boolean = word == "True";
        pos += word.size();
        return Error::success();
      }
    return expected("a string, True, False or a shape tuple");
  }
};

std::string shapeTuple(ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

/// Checks the parsed dict: exactly the three keys, each of the right kind.
Error interpretHeader(const std::vector<std::pair<PyValue, PyValue>> &items,
                      StringRef file, uint64_t headerStart, NpyArray &out) {
  auto at = [](const PyValue &v) {
    return ("byte offset " + Twine(v.offset) + ": header: ").str();
  };
  const PyValue *descr = nullptr, *fortran = nullptr, *shape = nullptr;
  for (const auto &kv : items) {
    StringRef key = kv.first.str;
    const PyValue **slot = key == "descr"           ? &descr
                           : key == "fortran_order" ? &fortran
                           : key == "shape"         ? &shape
                                                    : nullptr;
    if (!slot)
      return npyError(file, at(kv.first) + "unknown key '" + key +
                                "'; expected 'descr', 'fortran_order' and "
                                "'shape'");
    if (*slot)
      return npyError(file, at(kv.first) + "duplicate key '" + key + "'");
    *slot = &kv.second;
  }
  for (auto [v, key] : {std::make_pair(descr, "descr"),
                        std::make_pair(fortran, "fortran_order"),
                        std::make_pair(shape, "shape")})
    if (!v)
      return npyError(file, "byte offset " + Twine(headerStart) +
                                ": header: missing key '" + key + "'");

  if (descr->kind != PyValue::String)
    return npyError(file, at(*descr) + "'descr' must be a type string such "
                                       "as '<f4' (structured dtypes are not "
                                       "supported)");
  const DescrInfo *info = nullptr;
  for (const DescrInfo &d : kDescrs)
    if (d.descr == descr->str)
      info = &d;
  if (!info) {
    StringRef s = descr->str;
    if (s.size() > 1 && s[0] == '>')
      return npyError(file, at(*descr) + "big-endian dtype '" + s +
                                "' is not supported; expected little-endian "
                                "'<" + s.drop_front() + "'");
    // A float64 array (NumPy's default) is the usual case: say how to
    // convert it rather than leave the user to look up the accepted types.
    std::string hint;
    char kind = s.size() > 1 ? s[1] : 0;
    if (kind == 'f' || kind == 'i' || kind == 'u' || kind == 'b')
      hint = "; " + npyConvertHint(kind == 'f' ? NpyDType::F32 : NpyDType::I32);
    return npyError(file, at(*descr) + "unsupported dtype '" + s +
                              "'; expected one of '<f4', '<f2', '<i4', "
                              "'<i8', '|u1', '|i1'" + hint);
  }
  out.dtype = info->dtype;

  if (fortran->kind != PyValue::Bool)
    return npyError(file, at(*fortran) + "'fortran_order' must be True or "
                                         "False");
  if (fortran->boolean)
    return npyError(file, at(*fortran) + "fortran_order is True; only C "
                                         "(row-major) order is supported");

  if (shape->kind != PyValue::Tuple)
    return npyError(file, at(*shape) + "'shape' must be a tuple of integers");
  out.shape.assign(shape->ints.begin(), shape->ints.end());
  if (Expected<int64_t> n = checkedNumElements(out.shape); !n)
    return npyError(file, at(*shape) + "shape " + shapeTuple(out.shape) +
                              ": " + toString(n.takeError()));
  return Error::success();
}

} // namespace

StringRef npyDescr(NpyDType t) {
  for (const DescrInfo &d : kDescrs)
    if (d.dtype == t)
      return d.descr;
  llvm_unreachable("bad npy dtype");
}

unsigned npyDTypeBytes(NpyDType t) {
  switch (t) {
  case NpyDType::F32: return 4;
  case NpyDType::F16: return 2;
  case NpyDType::I32: return 4;
  case NpyDType::I64: return 8;
  case NpyDType::U8: return 1;
  case NpyDType::I8: return 1;
  case NpyDType::Bool: return 1;
  }
  llvm_unreachable("bad npy dtype");
}

std::string npyConvertHint(NpyDType to) {
  StringRef name;
  switch (to) {
  case NpyDType::F32: name = "float32"; break;
  case NpyDType::F16: name = "float16"; break;
  case NpyDType::I32: name = "int32"; break;
  case NpyDType::I64: name = "int64"; break;
  case NpyDType::U8: name = "uint8"; break;
  case NpyDType::I8: name = "int8"; break;
  case NpyDType::Bool: name = "bool_"; break;
  }
  return ("convert it with numpy: np.save(f, np.load(f).astype(np." + name +
          "))")
      .str();
}

std::optional<DType> toDType(NpyDType t) {
  switch (t) {
  case NpyDType::F32: return DType::F32;
  case NpyDType::F16: return DType::F16;
  case NpyDType::I32: return DType::I32;
  case NpyDType::I64: return DType::I64;
  case NpyDType::U8:
  case NpyDType::I8:
  case NpyDType::Bool: return std::nullopt;
  }
  llvm_unreachable("bad npy dtype");
}

NpyDType toNpyDType(DType t) {
  switch (t) {
  case DType::F32: return NpyDType::F32;
  case DType::F16: return NpyDType::F16;
  case DType::I32: return NpyDType::I32;
  case DType::I64: return NpyDType::I64;
  case DType::Bool:
  case DType::U8: return NpyDType::U8;
  }
  llvm_unreachable("bad dtype");
}

Expected<NpyArray> readNpyBytes(ArrayRef<uint8_t> bytes, StringRef name) {
  uint64_t size = bytes.size();
  if (size < 8 || memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
    return npyError(name, "byte offset 0: bad magic; expected \"\\x93NUMPY\" "
                          "(not a .npy file)");
  unsigned major = bytes[6], minor = bytes[7];
  if (!(major >= 1 && major <= 3 && minor == 0))
    return npyError(name, "byte offset 6: unsupported .npy format version " +
                              Twine(major) + "." + Twine(minor) +
                              "; expected 1.0, 2.0 or 3.0");
  uint64_t lenBytes = major == 1 ? 2 : 4;
  if (size < 8 + lenBytes)
    return npyError(name, "file is " + Twine(size) +
                              " bytes, too short for the header length "
                              "(truncated?)");
  uint64_t headerLen = major == 1
                           ? support::endian::read16le(bytes.data() + 8)
                           : support::endian::read32le(bytes.data() + 8);
  uint64_t headerStart = 8 + lenBytes;
  if (headerLen > size - headerStart)
    return npyError(name, "byte offset 8: header length " + Twine(headerLen) +
                              " runs past the end of the file (" +
                              Twine(size) + " bytes; truncated?)");
  StringRef text(reinterpret_cast<const char *>(bytes.data()) + headerStart,
                 headerLen);
  std::vector<std::pair<PyValue, PyValue>> items;
  if (Error e = HeaderParser(text, headerStart, name).parse(items))
    return e;
  NpyArray out;
  if (Error e = interpretHeader(items, name, headerStart, out))
    return e;

  uint64_t dataStart = headerStart + headerLen;
  uint64_t have = size - dataStart;
  uint64_t need = TensorType{DType::F32, out.shape}.numElements() *
                  uint64_t(npyDTypeBytes(out.dtype));
  if (have < need)
    return npyError(name, "byte offset " + Twine(dataStart) + ": data is " +
                              Twine(have) + " bytes but shape " +
                              shapeTuple(out.shape) + " of '" +
                              npyDescr(out.dtype) + "' needs " + Twine(need) +
                              " bytes (truncated?)");
  if (have > need)
    return npyError(name, "byte offset " + Twine(dataStart + need) + ": " +
                              Twine(have - need) +
                              " bytes of trailing garbage after the data");
  out.bytes.assign(bytes.begin() + dataStart, bytes.end());
  return out;
}

Expected<NpyArray> readNpy(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!buf)
    return npyError(path, "cannot read: " + buf.getError().message());
  ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()),
      (*buf)->getBufferSize());
  return readNpyBytes(bytes, path);
}

Expected<std::vector<uint8_t>> encodeNpy(NpyDType dtype,
                                         ArrayRef<int64_t> shape,
                                         ArrayRef<uint8_t> bytes) {
  Expected<int64_t> n = checkedNumElements(shape);
  if (!n)
    return n.takeError();
  uint64_t need = uint64_t(*n) * npyDTypeBytes(dtype);
  if (bytes.size() != need)
    return createStringError(inconvertibleErrorCode(),
                             "%zu bytes of data but shape %s of '%s' needs "
                             "%llu bytes",
                             bytes.size(), shapeTuple(shape).c_str(),
                             npyDescr(dtype).str().c_str(),
                             (unsigned long long)need);
  std::string header = "{'descr': '" + npyDescr(dtype).str() +
                       "', 'fortran_order': False, 'shape': " +
                       shapeTuple(shape) + ", }";
  // magic (6) + version (2) + u16 length (2) + header + '\n', padded.
  uint64_t unpadded = 10 + header.size() + 1;
  header.append(alignTo(unpadded, kArrayAlign) - unpadded, ' ');
  header += '\n';
  assert(header.size() <= 0xffff && "a 1.0 header is at most 65535 bytes");

  std::vector<uint8_t> out(kMagic, kMagic + sizeof(kMagic));
  out.push_back(1); // major
  out.push_back(0); // minor
  out.push_back(uint8_t(header.size() & 0xff));
  out.push_back(uint8_t(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), bytes.begin(), bytes.end());
  return out;
}

Error writeNpy(StringRef path, NpyDType dtype, ArrayRef<int64_t> shape,
               ArrayRef<uint8_t> bytes) {
  Expected<std::vector<uint8_t>> encoded = encodeNpy(dtype, shape, bytes);
  if (!encoded)
    return npyError(path, toString(encoded.takeError()));
  return writeFileAtomically(path, *encoded);
}

} // namespace tlc
