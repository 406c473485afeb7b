//===- tools/CompileCommand.cpp - tlc compile ------------------------------------===//
#include "tools/Commands.h"

using namespace llvm;

namespace tlc {
cl::SubCommand CompileCommand("compile", "(not built yet)");
int runCompile() {
  return reportError(createStringError(inconvertibleErrorCode(),
                                       "'tlc compile' is not built yet"));
}
} // namespace tlc
