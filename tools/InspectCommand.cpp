//===- tools/InspectCommand.cpp - tlc inspect -----------------------------===//
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
enum class Format { Text, Json };
static cl::opt<Format> OutFormat(
    "format", cl::init(Format::Text), cl::desc("Output format"),
    cl::values(clEnumValN(Format::Text, "text", "readable table (default)"),
               clEnumValN(Format::Json, "json", "one JSON object")),
    cl::sub(InspectSubcommand));

int runInspect() {
  Expected<Plan> plan = readPlanFile(PlanPath);
  if (!plan)
    return reportError(plan.takeError());
  if (OutFormat == Format::Json)
    printPlanJson(*plan, outs());
  else
    printPlanText(*plan, outs());
  return 0;
}

} // namespace tlc
