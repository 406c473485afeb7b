//===- tools/PlanReport.h - Human- and tool-readable plan dumps -*- C++ -*-===//
//
// What `tlc inspect` prints and `tlc compile --dump-plan` writes: the memory
// plan of a compiled model (buffers, live intervals, offsets or pool slots,
// release points, peak and lower bound).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_PLANREPORT_H
#define TLC_TOOLS_PLANREPORT_H

#include "codegen/Plan.h"

#include "llvm/Support/raw_ostream.h"

namespace tlc {

/// Stats header, one row per tensor, totals, live bytes per step.
void printPlanText(const Plan &plan, llvm::raw_ostream &os);
/// The same content as one JSON object.
void printPlanJson(const Plan &plan, llvm::raw_ostream &os);

/// Live transient bytes at each step (the sum over transient tensors whose
/// live interval contains the step), indexed by step; size plan.numSteps.
std::vector<uint64_t> liveBytesPerStep(const Plan &plan);

} // namespace tlc

#endif // TLC_TOOLS_PLANREPORT_H
