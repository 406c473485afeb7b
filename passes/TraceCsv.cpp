//===- passes/TraceCsv.cpp - MiniMalloc CSV lifetime traces ---------------===//
//
// Reader and writer of the MiniMalloc trace format (see TraceCsv.h). The
// format has no quoting: a field is the text between commas, trimmed of
// spaces. Every error points at the line and column of the offending field.
//
//===----------------------------------------------------------------------===//
#include "passes/TraceCsv.h"

#include "ir/AtomicFile.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace tlc {

namespace {
/// One field of a row, with its 1-based column for errors.
struct Field {
  StringRef text;
  size_t column;
};

SmallVector<Field, 8> splitRow(StringRef line) {
  SmallVector<Field, 8> fields;
  size_t pos = 0;
  while (true) {
    size_t comma = line.find(',', pos);
    StringRef raw = line.slice(pos, comma);
    size_t lead = raw.size() - raw.ltrim(" \t").size();
    fields.push_back({raw.trim(" \t"), pos + lead + 1});
    if (comma == StringRef::npos)
      break;
    pos = comma + 1;
  }
  return fields;
}

Error errorAt(StringRef name, size_t line, size_t column, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), name + ":" + Twine(line) +
                                                         ":" + Twine(column) +
                                                         ": " + msg);
}

/// Parses a non-negative decimal integer no larger than \p max.
Expected<uint64_t> parseCount(StringRef name, size_t line, const Field &f,
                              StringRef column, uint64_t max) {
  auto fail = [&](const Twine &why) {
    return errorAt(name, line, f.column,
                   "expected a non-negative integer for '" + column +
                       "', got '" + f.text + "'" + why);
  };
  if (f.text.empty())
    return fail(" (empty field)");
  if (f.text.startswith("-"))
    return fail(" (negative)");
  for (char c : f.text)
    if (c < '0' || c > '9')
      return fail("");
  uint64_t value = 0;
  if (f.text.getAsInteger(10, value) || value > max)
    return fail(" (too large; the limit is " + Twine(max) + ")");
  return value;
}
} // namespace

Expected<Trace> parseTraceCsv(StringRef text, StringRef name) {
  Trace trace;
  SmallVector<StringRef, 0> lines;
  text.split(lines, '\n');
  // Header: the first non-blank line.
  size_t lineNo = 0;
  int col[4] = {-1, -1, -1, -1}; // id, lower, upper, size
  static const char *const kColumns[4] = {"id", "lower", "upper", "size"};
  size_t numColumns = 0;
  for (; lineNo < lines.size(); ++lineNo) {
    StringRef line = lines[lineNo].rtrim("\r");
    if (line.trim().empty())
      continue;
    SmallVector<Field, 8> fields = splitRow(line);
    numColumns = fields.size();
    for (size_t i = 0; i < fields.size(); ++i)
      for (int k = 0; k < 4; ++k)
        if (fields[i].text == kColumns[k]) {
          if (col[k] >= 0)
            return errorAt(name, lineNo + 1, fields[i].column,
                           "expected the column '" + Twine(kColumns[k]) +
                               "' only once in the header");
          col[k] = int(i);
        }
    for (int k = 0; k < 4; ++k)
      if (col[k] < 0)
        return errorAt(name, lineNo + 1, 1,
                       "expected a header naming the columns "
                       "id,lower,upper,size; '" +
                           Twine(kColumns[k]) + "' is missing");
    ++lineNo;
    break;
  }
  if (numColumns == 0)
    return errorAt(name, 1, 1,
                   "expected a header naming the columns id,lower,upper,size; "
                   "the file is empty");

  StringMap<size_t> firstLine; // id -> 1-based line
  for (; lineNo < lines.size(); ++lineNo) {
    StringRef line = lines[lineNo].rtrim("\r");
    if (line.trim().empty())
      continue;
    size_t n = lineNo + 1;
    SmallVector<Field, 8> fields = splitRow(line);
    if (fields.size() != numColumns)
      return errorAt(name, n, 1,
                     "expected " + Twine(numColumns) +
                         " comma-separated fields as in the header, got " +
                         Twine(fields.size()));
    const Field &id = fields[col[0]];
    if (id.text.empty())
      return errorAt(name, n, id.column, "expected a buffer id, got ''");
    auto inserted = firstLine.try_emplace(id.text, n);
    if (!inserted.second)
      return errorAt(name, n, id.column,
                     "expected a unique id; '" + id.text +
                         "' is already on line " +
                         Twine(inserted.first->second));
    Expected<uint64_t> lower =
        parseCount(name, n, fields[col[1]], "lower", INT64_MAX);
    if (!lower)
      return lower.takeError();
    Expected<uint64_t> upper =
        parseCount(name, n, fields[col[2]], "upper", INT64_MAX);
    if (!upper)
      return upper.takeError();
    Expected<uint64_t> size =
        parseCount(name, n, fields[col[3]], "size", kMaxPlannerBytes);
    if (!size)
      return size.takeError();
    if (*lower >= *upper)
      return errorAt(name, n, fields[col[2]].column,
                     "expected lower < upper (the interval [lower, upper) is "
                     "half-open), got lower " +
                         Twine(*lower) + " and upper " + Twine(*upper));
    trace.ids.push_back(id.text.str());
    trace.ranges.push_back({int64_t(*lower), int64_t(*upper), *size});
  }
  return trace;
}

Expected<Trace> readTraceCsv(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf =
      MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return createStringError(buf.getError(), "%s: cannot read: %s",
                             path.str().c_str(),
                             buf.getError().message().c_str());
  return parseTraceCsv((*buf)->getBuffer(), path);
}

Error writeOffsetsCsv(StringRef path, const Trace &trace,
                      ArrayRef<uint64_t> offsets) {
  if (offsets.size() != trace.ranges.size())
    return createStringError(
        inconvertibleErrorCode(), "%s: %zu offsets for %zu buffers",
        path.str().c_str(), offsets.size(), trace.ranges.size());
  return writeFileAtomically(path, [&](raw_ostream &os) -> Error {
    os << "id,lower,upper,size,offset\n";
    for (size_t i = 0; i < offsets.size(); ++i) {
      const LiveRange &r = trace.ranges[i];
      os << trace.ids[i] << ',' << r.start << ',' << r.end << ',' << r.size
         << ',' << offsets[i] << '\n';
    }
    return Error::success();
  });
}

} // namespace tlc
