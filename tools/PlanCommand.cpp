//===- tools/PlanCommand.cpp - tlc plan ------------------------------------===//
#include "tools/Commands.h"

using namespace llvm;

namespace tlc {
cl::SubCommand PlanCommand("plan", "(not built yet)");
int runPlan() {
  return reportError(createStringError(inconvertibleErrorCode(),
                                       "'tlc plan' is not built yet"));
}
} // namespace tlc
