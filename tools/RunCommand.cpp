//===- tools/RunCommand.cpp - tlc run ------------------------------------===//
#include "tools/Commands.h"

using namespace llvm;

namespace tlc {
cl::SubCommand RunCommand("run", "(not built yet)");
int runRun() {
  return reportError(createStringError(inconvertibleErrorCode(),
                                       "'tlc run' is not built yet"));
}
} // namespace tlc
