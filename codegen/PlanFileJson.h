//===- codegen/PlanFileJson.h - Plan <-> JSON metadata (private) -*- C++ -*-===//
//
// The JSON metadata section of a .tlp file (docs/plan-format.md, "JSON
// metadata"). Private to the .tlp reader/writer (codegen/PlanFile.cpp): the
// public entry points are writePlanFile / readPlanFile in codegen/Plan.h.
//
// Shader code and weights are not in the JSON: they live in the binary blob
// section, and the JSON names them by byte ranges relative to the start of
// the blob.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_CODEGEN_PLANFILEJSON_H
#define TLC_CODEGEN_PLANFILEJSON_H

#include "codegen/Plan.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <vector>

namespace tlc {
namespace planfile {

/// A byte range [offset, offset + bytes) inside the blob section.
struct BlobRange {
  uint64_t offset = 0; // bytes from the start of the blob section
  uint64_t bytes = 0;  // length in bytes
};

/// Where the writer put each shader's SPIR-V and the weights in the blob.
struct BlobLayout {
  std::vector<BlobRange> shaders; // one per Plan::shaders entry
  BlobRange weights;
  /// One per Plan::attachments entry, in name order.
  std::vector<std::pair<std::string, BlobRange>> attachments;
};

/// Writes the JSON metadata of \p plan to \p os (UTF-8, keys in a fixed
/// order, so the same plan always gives the same bytes). \p layout gives the
/// blob ranges to record for shaders and weights.
void writePlanJson(const Plan &plan, const BlobLayout &layout,
                   llvm::raw_ostream &os);

/// Fills every field of \p plan except shader code and weights from the
/// parsed JSON \p root, and returns the blob ranges it names (not yet checked
/// against the blob size). Errors read "<file>: $.tensors[3].offset: expected
/// an unsigned integer, got a string"; unknown fields, unknown enum names and
/// values out of range of their C++ field are errors too.
llvm::Expected<BlobLayout> readPlanJson(const llvm::json::Value &root,
                                        llvm::StringRef file, Plan &plan);

} // namespace planfile
} // namespace tlc

#endif // TLC_CODEGEN_PLANFILEJSON_H
