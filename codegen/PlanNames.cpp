//===- codegen/PlanNames.cpp - Names of plan enums ------------------------===//
#include "codegen/Plan.h"

using namespace llvm;

namespace tlc {

StringRef bufferRoleName(BufferRole r) {
  switch (r) {
  case BufferRole::Transient: return "transient";
  case BufferRole::Weights: return "weights";
  case BufferRole::Input: return "input";
  case BufferRole::Output: return "output";
  case BufferRole::State: return "state";
  }
  llvm_unreachable("bad buffer role");
}

StringRef tensorRoleName(TensorRole r) {
  switch (r) {
  case TensorRole::Input: return "input";
  case TensorRole::Output: return "output";
  case TensorRole::Weight: return "weight";
  case TensorRole::Transient: return "transient";
  case TensorRole::Alias: return "alias";
  case TensorRole::State: return "state";
  }
  llvm_unreachable("bad tensor role");
}

std::string scheduleDescription(StringRef schedule) {
  if (schedule == "kept-given")
    return "memory-aware (kept the given order)";
  if (schedule == "net-bytes" || schedule == "depth-first")
    return ("memory-aware (" + schedule + ")").str();
  return schedule.str();
}

} // namespace tlc
