//===- passes/TraceCsv.h - MiniMalloc CSV lifetime traces -------*- C++ -*-===//
//
// The trace format of MiniMalloc (google/minimalloc) and the benchmarks that
// use it: a header naming the columns `id,lower,upper,size` (in any order;
// extra columns such as IREE's `offset` are allowed and ignored), then one
// buffer a row, live on the half-open step interval [lower, upper) and
// needing `size` bytes. `tlc plan` reads traces and writes plans in it (the
// same columns plus `offset`).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_PASSES_TRACECSV_H
#define TLC_PASSES_TRACECSV_H

#include "passes/OffsetPlanner.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace tlc {

/// A lifetime trace: buffer ids (unique, in file order) and their ranges.
struct Trace {
  std::vector<std::string> ids;
  std::vector<LiveRange> ranges; // ranges[i] belongs to ids[i]
};

/// Parses trace text. \p name is used in errors, which have the form
/// "NAME:LINE:COL: expected ..." (1-based) and cover: a missing or
/// incomplete header, a row with the wrong number of fields, an empty id, a
/// duplicate id (naming the line of the first), a lower/upper/size that is
/// not a decimal integer, is negative or overflows 64 bits, a size above
/// kMaxPlannerBytes, and lower >= upper. Blank lines and "\r\n" endings are
/// accepted.
llvm::Expected<Trace> parseTraceCsv(llvm::StringRef text, llvm::StringRef name);

/// Reads and parses the trace file \p path; errors as parseTraceCsv, or
/// "PATH: cannot read: REASON".
llvm::Expected<Trace> readTraceCsv(llvm::StringRef path);

/// Writes `id,lower,upper,size,offset` rows for \p trace and \p offsets to
/// \p path atomically (temporary file + rename). Errors name the path.
llvm::Error writeOffsetsCsv(llvm::StringRef path, const Trace &trace,
                            llvm::ArrayRef<uint64_t> offsets);

} // namespace tlc

#endif // TLC_PASSES_TRACECSV_H
