//===- tools/InspectCommand.cpp - tlc inspect ------------------------------------===//
#include "tools/Commands.h"

using namespace llvm;

namespace tlc {
cl::SubCommand InspectCommand("inspect", "(not built yet)");
int runInspect() {
  return reportError(createStringError(inconvertibleErrorCode(),
                                       "'tlc inspect' is not built yet"));
}
} // namespace tlc
