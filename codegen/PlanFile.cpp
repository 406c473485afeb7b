//===- codegen/PlanFile.cpp - The .tlp container: write, read, check ------===//
//
// A .tlp file is one self-contained compiled plan (docs/plan-format.md):
//
//   [0, 64)              header: magic, version, flags, section ranges,
//                        xxHash64 of everything after the header
//   [64, 64 + J)         JSON metadata (codegen/PlanFileJson.cpp)
//   [B, B + S)           blob: SPIR-V words and weights, B a multiple of 8
//
// The reader trusts nothing: it checks the header, every range (without
// overflow), the checksum, the JSON, and finally validatePlanStructure, before
// returning a Plan. All integers are little-endian.
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"
#include "codegen/PlanFileJson.h"
#include "ir/AtomicFile.h"
#include "ir/JsonCheck.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/xxhash.h"

#include <cinttypes>
#include <cstring>

using namespace llvm;
using namespace tlc::planfile;

namespace tlc {

namespace {

// Header layout (byte offsets); see docs/plan-format.md.
constexpr char kMagic[8] = {'T', 'L', 'C', 'P', 'L', 'A', 'N', '\0'};
/// 4: state buffers and tensors (KV caches kept from run to run) and
/// requirements on the symbols (#15). 3: metadata and attachments (what a model carries beyond its graph:
/// a language model's vocabulary, #15). 2: symbols, expressions, symbolic
/// tensor dims and dynamic dispatches (plans for a range of shapes, #14).
/// 1: static shapes only.
constexpr uint32_t kFormatVersion = 4;
constexpr uint64_t kHeaderBytes = 64;
constexpr uint64_t kOffVersion = 8;
constexpr uint64_t kOffFlags = 12;
constexpr uint64_t kOffJsonOffset = 16;
constexpr uint64_t kOffJsonSize = 24;
constexpr uint64_t kOffBlobOffset = 32;
constexpr uint64_t kOffBlobSize = 40;
constexpr uint64_t kOffChecksum = 48;
constexpr uint64_t kOffReserved = 56;
/// Alignment of the blob section and of each item in it (bytes).
constexpr uint64_t kBlobAlign = 8;
/// The JSON parser reports 32-bit offsets; no real plan comes near this.
constexpr uint64_t kMaxJsonBytes = uint64_t(1) << 31;
/// Deepest JSON nesting accepted; the schema needs 4 ($.commands[i].groups).
constexpr unsigned kMaxJsonNesting = 16;

Error fmtError(StringRef file, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           (file + ": " + msg).str());
}

uint32_t readLE32(ArrayRef<uint8_t> b, uint64_t off) {
  return support::endian::read32le(b.data() + off);
}
uint64_t readLE64(ArrayRef<uint8_t> b, uint64_t off) {
  return support::endian::read64le(b.data() + off);
}
void writeLE32(uint8_t *p, uint32_t v) { support::endian::write32le(p, v); }
void writeLE64(uint8_t *p, uint64_t v) { support::endian::write64le(p, v); }

std::string hex64(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
  return buf;
}

/// True when [off, off + size) lies inside [0, limit), without overflow.
bool rangeInside(uint64_t off, uint64_t size, uint64_t limit) {
  return off <= limit && size <= limit - off;
}

} // namespace

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

static std::vector<uint8_t> encodePlan(const Plan &plan) {
  // Lay out the blob: each shader, then the weights, each 8-byte aligned.
  BlobLayout layout;
  uint64_t blobSize = 0;
  for (const PlanShader &s : plan.shaders) {
    blobSize = alignTo(blobSize, kBlobAlign);
    layout.shaders.push_back({blobSize, uint64_t(s.spirv.size()) * 4});
    blobSize += layout.shaders.back().bytes;
  }
  blobSize = alignTo(blobSize, kBlobAlign);
  layout.weights = {blobSize, plan.weights.size()};
  blobSize += plan.weights.size();
  for (const auto &[name, bytes] : plan.attachments) {
    blobSize = alignTo(blobSize, kBlobAlign);
    layout.attachments.push_back({name, {blobSize, bytes.size()}});
    blobSize += bytes.size();
  }

  std::string json;
  raw_string_ostream os(json);
  writePlanJson(plan, layout, os);
  os.flush();

  uint64_t blobOffset = alignTo(kHeaderBytes + json.size(), kBlobAlign);
  std::vector<uint8_t> bytes(blobOffset + blobSize, 0);
  uint8_t *p = bytes.data();
  memcpy(p, kMagic, sizeof(kMagic));
  writeLE32(p + kOffVersion, kFormatVersion);
  writeLE32(p + kOffFlags, 0);
  writeLE64(p + kOffJsonOffset, kHeaderBytes);
  writeLE64(p + kOffJsonSize, json.size());
  writeLE64(p + kOffBlobOffset, blobOffset);
  writeLE64(p + kOffBlobSize, blobSize);
  memcpy(p + kHeaderBytes, json.data(), json.size());
  uint8_t *blob = p + blobOffset;
  for (size_t i = 0; i < plan.shaders.size(); ++i)
    for (size_t w = 0; w < plan.shaders[i].spirv.size(); ++w)
      writeLE32(blob + layout.shaders[i].offset + 4 * w,
                plan.shaders[i].spirv[w]);
  if (!plan.weights.empty())
    memcpy(blob + layout.weights.offset, plan.weights.data(),
           plan.weights.size());
  for (const auto &[name, range] : layout.attachments)
    if (range.bytes)
      memcpy(blob + range.offset, plan.attachments.at(name).data(),
             range.bytes);
  uint64_t sum = xxHash64(makeArrayRef(bytes).drop_front(kHeaderBytes));
  writeLE64(p + kOffChecksum, sum);
  return bytes;
}

Error writePlanFile(const Plan &plan, StringRef path) {
  // Never write a file the reader would reject.
  if (Error e = validatePlanStructure(plan))
    return fmtError(path, "refusing to write an invalid plan: " +
                              toString(std::move(e)));
  return writeFileAtomically(path, encodePlan(plan));
}

Expected<std::vector<uint8_t>> writePlanBytes(const Plan &plan) {
  if (Error e = validatePlanStructure(plan))
    return createStringError(inconvertibleErrorCode(),
                             "refusing to write an invalid plan: %s",
                             toString(std::move(e)).c_str());
  return encodePlan(plan);
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

/// The checked section ranges of a .tlp header.
struct Sections {
  uint64_t jsonOffset, jsonSize, blobOffset, blobSize;
};

static Expected<Sections> checkHeader(ArrayRef<uint8_t> b, StringRef name) {
  uint64_t size = b.size();
  if (size < kHeaderBytes)
    return fmtError(name, "file is " + Twine(size) +
                              " bytes, shorter than the " +
                              Twine(kHeaderBytes) +
                              "-byte .tlp header (truncated?)");
  if (memcmp(b.data(), kMagic, sizeof(kMagic)) != 0)
    return fmtError(name, "byte offset 0: bad magic; expected \"TLCPLAN\\0\" "
                          "(not a tlc plan file)");
  uint32_t version = readLE32(b, kOffVersion);
  if (version > kFormatVersion)
    return fmtError(name, "byte offset " + Twine(kOffVersion) +
                              ": format version " + Twine(version) +
                              " is newer than the newest this tlc reads (" +
                              Twine(kFormatVersion) + "); use a newer tlc");
  if (version == 0)
    return fmtError(name, "byte offset " + Twine(kOffVersion) +
                              ": unsupported format version 0; expected " +
                              Twine(kFormatVersion));
  if (version != kFormatVersion)
    return fmtError(name, "byte offset " + Twine(kOffVersion) +
                              ": format version " + Twine(version) +
                              " is older than the version this tlc reads (" +
                              Twine(kFormatVersion) +
                              "); recompile the model with `tlc compile`");
  uint32_t flags = readLE32(b, kOffFlags);
  if (flags != 0)
    return fmtError(name, "byte offset " + Twine(kOffFlags) +
                              ": unknown flags " + hex64(flags) +
                              "; expected 0");
  uint64_t reserved = readLE64(b, kOffReserved);
  if (reserved != 0)
    return fmtError(name, "byte offset " + Twine(kOffReserved) +
                              ": reserved header bytes must be zero");
  Sections s{readLE64(b, kOffJsonOffset), readLE64(b, kOffJsonSize),
             readLE64(b, kOffBlobOffset), readLE64(b, kOffBlobSize)};
  if (s.jsonOffset != kHeaderBytes)
    return fmtError(name, "byte offset " + Twine(kOffJsonOffset) +
                              ": JSON section offset " + Twine(s.jsonOffset) +
                              "; expected " + Twine(kHeaderBytes));
  if (s.jsonSize > kMaxJsonBytes || !rangeInside(s.jsonOffset, s.jsonSize, size))
    return fmtError(name, "byte offset " + Twine(kOffJsonSize) +
                              ": JSON section [" + Twine(s.jsonOffset) +
                              ", +" + Twine(s.jsonSize) +
                              ") runs past the end of the file (" +
                              Twine(size) + " bytes; truncated?)");
  uint64_t jsonEnd = s.jsonOffset + s.jsonSize;
  if (s.blobOffset % kBlobAlign != 0 || s.blobOffset < jsonEnd ||
      s.blobOffset - jsonEnd >= kBlobAlign)
    return fmtError(name, "byte offset " + Twine(kOffBlobOffset) +
                              ": blob section offset " + Twine(s.blobOffset) +
                              "; expected the first multiple of " +
                              Twine(kBlobAlign) + " at or after " +
                              Twine(jsonEnd) + ", the end of the JSON section");
  if (!rangeInside(s.blobOffset, s.blobSize, size))
    return fmtError(name, "byte offset " + Twine(kOffBlobSize) +
                              ": blob section [" + Twine(s.blobOffset) +
                              ", +" + Twine(s.blobSize) +
                              ") runs past the end of the file (" +
                              Twine(size) + " bytes; truncated?)");
  if (s.blobOffset + s.blobSize != size)
    return fmtError(name, "byte offset " + Twine(s.blobOffset + s.blobSize) +
                              ": " + Twine(size - s.blobOffset - s.blobSize) +
                              " unexpected bytes after the blob section");
  uint64_t stored = readLE64(b, kOffChecksum);
  uint64_t actual = xxHash64(b.drop_front(kHeaderBytes));
  if (stored != actual)
    return fmtError(name, "byte offset " + Twine(kOffChecksum) +
                              ": checksum mismatch: the header says " +
                              hex64(stored) + " but bytes [64, " +
                              Twine(size) + ") hash to " + hex64(actual) +
                              " (xxHash64); the file is corrupted");
  return s;
}

/// Copies the shader code and weights named by \p layout out of \p blob.
static Error readBlob(ArrayRef<uint8_t> blob, const BlobLayout &layout,
                      StringRef name, Plan &plan) {
  for (size_t i = 0; i < layout.shaders.size(); ++i) {
    const BlobRange &r = layout.shaders[i];
    std::string where = "$.shaders[" + std::to_string(i) + "]";
    if (!rangeInside(r.offset, r.bytes, blob.size()))
      return fmtError(name, where + ": SPIR-V range [" + Twine(r.offset) +
                                ", +" + Twine(r.bytes) +
                                ") lies outside the blob section (" +
                                Twine(blob.size()) + " bytes)");
    if (r.bytes % 4 != 0)
      return fmtError(name, where + ".bytes: " + Twine(r.bytes) +
                                " is not a whole number of 4-byte SPIR-V "
                                "words");
    std::vector<uint32_t> &words = plan.shaders[i].spirv;
    words.resize(r.bytes / 4);
    for (size_t w = 0; w < words.size(); ++w)
      words[w] = support::endian::read32le(blob.data() + r.offset + 4 * w);
  }
  const BlobRange &w = layout.weights;
  if (!rangeInside(w.offset, w.bytes, blob.size()))
    return fmtError(name, "$.weights: range [" + Twine(w.offset) + ", +" +
                              Twine(w.bytes) +
                              ") lies outside the blob section (" +
                              Twine(blob.size()) + " bytes)");
  plan.weights.assign(blob.begin() + w.offset,
                      blob.begin() + w.offset + w.bytes);
  plan.attachments.clear();
  for (size_t i = 0; i < layout.attachments.size(); ++i) {
    const auto &[aname, r] = layout.attachments[i];
    std::string where = "$.attachments[" + std::to_string(i) + "]";
    if (!rangeInside(r.offset, r.bytes, blob.size()))
      return fmtError(name, where + ": range [" + Twine(r.offset) + ", +" +
                                Twine(r.bytes) +
                                ") lies outside the blob section (" +
                                Twine(blob.size()) + " bytes)");
    if (aname.empty() || plan.attachments.count(aname))
      return fmtError(name, where + ".name: '" + aname +
                                "' is empty or names another attachment too");
    plan.attachments[aname].assign(blob.begin() + r.offset,
                                   blob.begin() + r.offset + r.bytes);
  }
  return Error::success();
}

Expected<Plan> readPlanBytes(ArrayRef<uint8_t> bytes, StringRef name) {
  Expected<Sections> s = checkHeader(bytes, name);
  if (!s)
    return s.takeError();
  StringRef jsonText(reinterpret_cast<const char *>(bytes.data()) +
                         s->jsonOffset,
                     s->jsonSize);
  size_t deep = findTooDeepNesting(jsonText, kMaxJsonNesting);
  if (deep != StringRef::npos)
    return fmtError(name, "byte offset " + Twine(s->jsonOffset + deep) +
                              ": JSON metadata nested deeper than " +
                              Twine(kMaxJsonNesting) + " levels");
  Expected<json::Value> root = json::parse(jsonText);
  if (!root)
    return jsonSyntaxError(root.takeError(), name, s->jsonOffset, "metadata");
  Plan plan;
  Expected<BlobLayout> layout = readPlanJson(*root, name, plan);
  if (!layout)
    return layout.takeError();
  if (Error e = readBlob(bytes.slice(s->blobOffset, s->blobSize), *layout,
                         name, plan))
    return e;
  if (Error e = validatePlanStructure(plan))
    return fmtError(name, toString(std::move(e)));
  return plan;
}

Expected<Plan> readPlanFile(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!buf)
    return fmtError(path, "cannot read: " + buf.getError().message());
  ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()),
      (*buf)->getBufferSize());
  return readPlanBytes(bytes, path);
}

} // namespace tlc
