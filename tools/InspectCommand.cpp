//===- tools/InspectCommand.cpp - tlc inspect -----------------------------===//
//
// Reads a .tlp file and prints its memory plan in one of the dump formats of
// tools/PlanReport.h, to standard output or (-o) to a file.
//
//===----------------------------------------------------------------------===//
#include "tools/Commands.h"
#include "tools/PlanReport.h"

#include "llvm/Support/raw_ostream.h"

#include <optional>

using namespace llvm;

namespace tlc {

cl::SubCommand InspectSubcommand("inspect",
                                 "Print the memory plan of a compiled plan");

static cl::opt<std::string> PlanPath(cl::Positional, cl::Required,
                                     cl::desc("<plan.tlp>"),
                                     cl::sub(InspectSubcommand));
static cl::opt<PlanDumpFormat> OutFormat(
    "format", cl::init(PlanDumpFormat::Text), cl::desc("Output format"),
    cl::values(clEnumValN(PlanDumpFormat::Text, "text",
                          "readable table (default)"),
               clEnumValN(PlanDumpFormat::Json, "json", "one JSON object"),
               clEnumValN(PlanDumpFormat::Trace, "trace",
                          "Chrome trace event JSON (ui.perfetto.dev, "
                          "chrome://tracing)"),
               clEnumValN(PlanDumpFormat::Svg, "svg",
                          "SVG picture of offsets against schedule steps")),
    cl::sub(InspectSubcommand));
static cl::opt<std::string>
    OutPath("o",
            cl::desc("Write the dump to FILE (atomically) instead of "
                     "standard output"),
            cl::value_desc("FILE"), cl::sub(InspectSubcommand));

static cl::opt<std::string> AtShape(
    "at",
    cl::desc("For a plan over a range of shapes: also report each tensor's "
             "shape and bytes and the live bytes per step at this shape, "
             "e.g. W=100 or N=3,S=7 (unnamed symbols at their max; text and "
             "json formats)"),
    cl::value_desc("NAME=VALUE,..."), cl::sub(InspectSubcommand));

int runInspect() {
  Expected<Plan> plan = readPlanFile(PlanPath);
  if (!plan)
    return reportError(plan.takeError());
  std::optional<ShapePoint> at;
  if (AtShape.getNumOccurrences()) {
    if (OutFormat != PlanDumpFormat::Text && OutFormat != PlanDumpFormat::Json)
      return reportError(createStringError(
          inconvertibleErrorCode(),
          "--at: the text and json formats report a shape; not %s",
          OutFormat == PlanDumpFormat::Svg ? "svg" : "trace"));
    Expected<ShapePoint> p = parseShapePoint(*plan, AtShape);
    if (!p)
      return reportError(
          createStringError(inconvertibleErrorCode(), "%s: %s",
                            PlanPath.c_str(),
                            toString(p.takeError()).c_str()));
    at = std::move(*p);
  }
  const ShapePoint *atPtr = at ? &*at : nullptr;
  if (OutPath.getNumOccurrences()) {
    if (Error e = writePlanDump(*plan, OutFormat, OutPath, atPtr))
      return reportError(std::move(e));
    return 0;
  }
  printPlanDump(*plan, OutFormat, outs(), atPtr);
  return 0;
}

} // namespace tlc
