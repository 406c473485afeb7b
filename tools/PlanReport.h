//===- tools/PlanReport.h - Human- and tool-readable plan dumps -*- C++ -*-===//
//
// What `tlc inspect` prints and `tlc compile --dump-plan` writes: the memory
// plan of a compiled model (buffers, live intervals, offsets or pool slots,
// release points, peak and lower bound) as a text table, JSON, a Chrome trace
// (PlanTrace.cpp) or an SVG picture (PlanSvg.cpp). docs/plan-dumps.md shows
// how to open each.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_PLANREPORT_H
#define TLC_TOOLS_PLANREPORT_H

#include "codegen/Plan.h"
#include "tools/PlanShapes.h"

#include "llvm/Support/raw_ostream.h"

namespace tlc {

/// Stats header, one row per tensor, totals, live bytes per step, then the
/// command list (each dispatch with its shader, barrier and release, in
/// recording order). A plan for
/// a range of shapes adds a line of symbol ranges and one on the worst shape
/// in the range (worstShapeInRange: its lower bound, and what the plan
/// reserves beyond it), and its tensors' shapes are symbolic (planShapeStr)
/// while bytes are at the bound. With \p at (tlc inspect --at), each tensor
/// also gets its shape and bytes at that shape, each step its live bytes
/// there, and the header that shape's lower bound against the plan.
void printPlanText(const Plan &plan, llvm::raw_ostream &os,
                   const ShapePoint *at = nullptr);
/// The same content as one JSON object; a plan for a range of shapes adds
/// "symbols" [{name, min, max}], and each symbolic tensor "dims" (one
/// expression string per dim) and "sym_shape" beside "shape" (the bound).
/// With a range: "worst_shape" {values, lower_bound, shapes_tried}; with
/// \p at: "at" {values, lower_bound, live_bytes_per_step} and each symbolic
/// tensor's "shape_at" and "bytes_at".
void printPlanJson(const Plan &plan, llvm::raw_ostream &os,
                   const ShapePoint *at = nullptr);

/// Live transient bytes at each step (the sum over transient tensors whose
/// live interval contains the step), indexed by step; size plan.numSteps.
std::vector<uint64_t> liveBytesPerStep(const Plan &plan);

/// Length of one schedule step on the trace's time axis, in microseconds. A
/// plan has no timing, so every step gets the same width; the dispatches of
/// one step share it equally.
constexpr double kTraceStepMicros = 10.0;

/// Chrome "Trace Event Format" JSON, as opened by ui.perfetto.dev and
/// chrome://tracing: {"traceEvents": [...], "otherData": {...}}, one event
/// per line. Process 1 "plan": one complete ("X") event per dispatch on
/// thread "dispatches" (name = node label; args: step, shader, groups,
/// bindings' tensor names, written tensors, specialization constants; for a
/// dynamic dispatch also group_exprs and dim_exprs as expression text),
/// barriers and release points as thread-scoped instant ("i") events on
/// threads of their own, and a counter ("C") "live transient" with series
/// "bytes" giving liveBytesPerStep() at the start of each step, then 0.
/// Process 2 "tensors": one slice per transient or alias tensor over its live
/// interval, on a track of its own, tracks ordered by first step. Step s
/// covers [s, s + 1) * kTraceStepMicros microseconds. docs/plan-dumps.md
/// describes the layout; implemented in PlanTrace.cpp.
void printPlanTrace(const Plan &plan, llvm::raw_ostream &os);

/// An SVG picture of the transient memory: schedule step on x, byte offset on
/// y (0 at the bottom), the transient buffers stacked in index order (one
/// lane per pool slot for the pool planner, the arena's buffers for the
/// offset planners). Each Transient tensor is one filled <rect
/// class="tensor"> covering [firstStep, lastStep + 1) x [offset, offset +
/// bytes) of its buffer, coloured by its position in the plan, with a
/// <title> tooltip whose first line is its name; each Alias is a dashed <rect
/// class="alias"> outline. The peak step is a vertical line, the lower bound a
/// horizontal one, and a header gives the planner, height, lower bound and
/// ratio. Implemented in PlanSvg.cpp.
void printPlanSvg(const Plan &plan, llvm::raw_ostream &os);

/// The dump formats of `tlc inspect --format` and `tlc compile --dump-plan`.
enum class PlanDumpFormat { Text, Json, Trace, Svg };

/// Picks the format from a file name's extension (case-insensitive): ".txt"
/// text, ".trace.json" or ".trace" trace, ".json" JSON, ".svg" SVG. Any other
/// name is an error that names \p path, its extension and the accepted ones.
llvm::Expected<PlanDumpFormat> planDumpFormatForPath(llvm::StringRef path);

/// Writes \p plan to \p os in \p format.
/// \p at (text and JSON only): the shape printPlanText/printPlanJson also
/// report.
void printPlanDump(const Plan &plan, PlanDumpFormat format,
                   llvm::raw_ostream &os, const ShapePoint *at = nullptr);

/// Writes \p plan in \p format to the file \p path atomically
/// (ir/AtomicFile.h); errors name the file and the step that failed.
llvm::Error writePlanDump(const Plan &plan, PlanDumpFormat format,
                          llvm::StringRef path, const ShapePoint *at = nullptr);

} // namespace tlc

#endif // TLC_TOOLS_PLANREPORT_H
