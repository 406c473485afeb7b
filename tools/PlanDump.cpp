//===- tools/PlanDump.cpp - Pick and write a plan dump format -------------===//
//
// The glue shared by `tlc inspect --format/-o` and `tlc compile --dump-plan`:
// choosing a dump format from a file name, and writing a dump to a file
// atomically so that a viewer never opens half a trace or half an SVG.
//
//===----------------------------------------------------------------------===//
#include "ir/AtomicFile.h"
#include "tools/PlanReport.h"

#include "llvm/Support/Path.h"

using namespace llvm;

namespace tlc {

Expected<PlanDumpFormat> planDumpFormatForPath(StringRef path) {
  // Longest suffix first: ".trace.json" must not be taken for ".json".
  static const struct {
    StringRef suffix;
    PlanDumpFormat format;
  } kSuffixes[] = {
      {".trace.json", PlanDumpFormat::Trace}, {".trace", PlanDumpFormat::Trace},
      {".json", PlanDumpFormat::Json},        {".txt", PlanDumpFormat::Text},
      {".svg", PlanDumpFormat::Svg},
  };
  StringRef file = sys::path::filename(path);
  for (const auto &s : kSuffixes)
    if (file.size() > s.suffix.size() && file.endswith_insensitive(s.suffix))
      return s.format;
  StringRef ext = sys::path::extension(file);
  std::string got =
      ext.empty()   ? std::string("no extension")
      : ext == file ? "no file name before the extension '" + ext.str() + "'"
                    : "unknown extension '" + ext.str() + "'";
  return createStringError(inconvertibleErrorCode(),
                           "%s: %s; the dump format comes from the extension: "
                           ".txt (text), .json (JSON), .trace.json or .trace "
                           "(Chrome trace), .svg (SVG)",
                           path.str().c_str(), got.c_str());
}

void printPlanDump(const Plan &plan, PlanDumpFormat format, raw_ostream &os,
                   const ShapePoint *at) {
  switch (format) {
  case PlanDumpFormat::Text:
    printPlanText(plan, os, at);
    return;
  case PlanDumpFormat::Json:
    printPlanJson(plan, os, at);
    return;
  case PlanDumpFormat::Trace:
    printPlanTrace(plan, os);
    return;
  case PlanDumpFormat::Svg:
    printPlanSvg(plan, os);
    return;
  }
  llvm_unreachable("unknown plan dump format");
}

Error writePlanDump(const Plan &plan, PlanDumpFormat format, StringRef path,
                    const ShapePoint *at) {
  return writeFileAtomically(path, [&](raw_ostream &os) {
    printPlanDump(plan, format, os, at);
    return Error::success();
  });
}

} // namespace tlc
