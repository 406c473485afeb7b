//===- tools/DevicesCommand.cpp - tlc devices ------------------------------------===//
#include "tools/Commands.h"

using namespace llvm;

namespace tlc {
cl::SubCommand DevicesCommand("devices", "(not built yet)");
int runDevices() {
  return reportError(createStringError(inconvertibleErrorCode(),
                                       "'tlc devices' is not built yet"));
}
} // namespace tlc
