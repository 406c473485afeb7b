//===- tools/InspectCommand.cpp - tlc inspect -----------------------------===//
//
// Reads a .tlp file and prints its memory plan in one of the dump formats of
// tools/PlanReport.h, to standard output or (-o) to a file.
//
//===----------------------------------------------------------------------===//
#include "tools/Commands.h"
#include "tools/PlanReport.h"

#include "llvm/Support/raw_ostream.h"

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

int runInspect() {
  Expected<Plan> plan = readPlanFile(PlanPath);
  if (!plan)
    return reportError(plan.takeError());
  if (OutPath.getNumOccurrences()) {
    if (Error e = writePlanDump(*plan, OutFormat, OutPath))
      return reportError(std::move(e));
    return 0;
  }
  printPlanDump(*plan, OutFormat, outs());
  return 0;
}

} // namespace tlc
