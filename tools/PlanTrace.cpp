//===- tools/PlanTrace.cpp - A plan as a Chrome trace ---------------------===//
//
// Writes a Plan in the Trace Event Format (the JSON that chrome://tracing and
// ui.perfetto.dev open; format reference: "Trace Event Format", Google, the
// document linked from the Catapult project) so that the schedule, the
// barriers, the release points and the live transient bytes can be browsed
// on a zoomable timeline. A plan carries no timing: every schedule step is
// kTraceStepMicros wide and the dispatches of one step split it equally.
//
// Tracks: process 1 "plan <model>" has threads "dispatches" (one "X" slice
// per dispatch), "barriers" and "releases" (instant "i" events) and the
// counter "live transient" (series "bytes"); process 2 "tensors" has one
// thread per transient or alias tensor holding one slice over its live
// interval, so that lifetimes line up under the dispatches.
//
//===----------------------------------------------------------------------===//
#include "tools/PlanReport.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

namespace {

constexpr int64_t kPlanPid = 1;
constexpr int64_t kTensorPid = 2;
constexpr int64_t kDispatchTid = 1;
constexpr int64_t kBarrierTid = 2;
constexpr int64_t kReleaseTid = 3;

/// Writes the trace events of one plan into an open json::OStream array.
class TraceWriter {
public:
  TraceWriter(const Plan &plan, raw_ostream &os) : plan(plan), os(os) {}

  void writeEvents() {
    writeMetadata();
    writeCommands();
    writeLiveBytes();
    writeTensors();
  }

private:
  const Plan &plan;
  raw_ostream &os;
  json::OStream *j = nullptr; // the event being written
  bool first = true;

  /// Writes one event object on a line of its own (the file stays readable
  /// and diffable line by line), with \p body filling in its attributes.
  void event(function_ref<void()> body) {
    if (!first)
      os << ",\n";
    first = false;
    json::OStream out(os);
    j = &out;
    out.object(body);
    j = nullptr;
  }

  StringRef tensorName(uint32_t index) const {
    return index < plan.tensors.size() ? StringRef(plan.tensors[index].name)
                                       : StringRef("?");
  }

  static double stepStart(int64_t step) { return step * kTraceStepMicros; }

  /// One metadata ("M") event naming or ordering a process or thread.
  void metadata(StringRef what, int64_t pid, int64_t tid, StringRef key,
                json::Value value) {
    event([&] {
      j->attribute("name", what);
      j->attribute("ph", "M");
      j->attribute("pid", pid);
      if (tid >= 0)
        j->attribute("tid", tid);
      j->attributeObject("args", [&] { j->attribute(key, std::move(value)); });
    });
  }

  void writeMetadata() {
    metadata("process_name", kPlanPid, -1, "name", "plan " + plan.modelName);
    metadata("process_sort_index", kPlanPid, -1, "sort_index", 0);
    metadata("process_name", kTensorPid, -1, "name",
             "tensors (live intervals)");
    metadata("process_sort_index", kTensorPid, -1, "sort_index", 1);
    const std::pair<int64_t, StringRef> threads[] = {
        {kDispatchTid, "dispatches"},
        {kBarrierTid, "barriers"},
        {kReleaseTid, "releases"}};
    for (const auto &t : threads) {
      metadata("thread_name", kPlanPid, t.first, "name", t.second);
      metadata("thread_sort_index", kPlanPid, t.first, "sort_index", t.first);
    }
  }

  /// Dispatches become slices; barriers and releases become instants at the
  /// boundary after the dispatches of their step that precede them.
  void writeCommands() {
    SmallVector<unsigned, 16> perStep(plan.numSteps + 1, 0), done;
    for (const PlanCommand &cmd : plan.commands)
      if (cmd.kind == CommandKind::Dispatch)
        ++perStep[std::min<size_t>(cmd.step, plan.numSteps)];
    done.assign(perStep.size(), 0);
    for (const PlanCommand &cmd : plan.commands) {
      size_t s = std::min<size_t>(cmd.step, plan.numSteps);
      double width = kTraceStepMicros / std::max(1u, perStep[s]);
      double at = stepStart(int64_t(s)) + done[s] * width;
      switch (cmd.kind) {
      case CommandKind::Dispatch:
        writeDispatch(cmd, at, width);
        ++done[s];
        break;
      case CommandKind::Barrier:
        writeInstant("barrier", "barrier", kBarrierTid, at, [&] {
          j->attribute("step", int64_t(cmd.step));
          j->attribute("before", cmd.label);
        });
        break;
      case CommandKind::Release:
        writeRelease(cmd, at);
        break;
      }
    }
  }

  void writeDispatch(const PlanCommand &cmd, double at, double width) {
    event([&] {
      j->attribute("name", cmd.label);
      j->attribute("cat", "dispatch");
      j->attribute("ph", "X");
      j->attribute("ts", at);
      j->attribute("dur", width);
      j->attribute("pid", kPlanPid);
      j->attribute("tid", kDispatchTid);
      j->attributeObject("args", [&] {
        j->attribute("step", int64_t(cmd.step));
        j->attribute("shader", cmd.shader < plan.shaders.size()
                                   ? StringRef(plan.shaders[cmd.shader].name)
                                   : StringRef("?"));
        j->attributeArray("groups", [&] {
          for (uint32_t g : cmd.groups)
            j->value(int64_t(g));
        });
        j->attributeArray("bindings", [&] {
          for (uint32_t t : cmd.bindings)
            j->value(tensorName(t));
        });
        j->attributeArray("writes", [&] {
          for (uint32_t b : cmd.writes)
            j->value(b < cmd.bindings.size() ? tensorName(cmd.bindings[b])
                                             : StringRef("?"));
        });
        j->attributeArray("spec_constants", [&] {
          for (uint32_t c : cmd.specConstants)
            j->value(int64_t(c));
        });
        if (cmd.dynamic) {
          // Run-time sizes: the expressions; groups above are the bound.
          auto exprText = [&](uint32_t k) {
            return k < plan.exprs.size() ? planExprStr(plan, plan.exprs[k])
                                         : std::string("?");
          };
          j->attributeArray("group_exprs", [&] {
            for (uint32_t k : cmd.groupExprs)
              j->value(exprText(k));
          });
          j->attributeArray("dim_exprs", [&] {
            for (uint32_t k : cmd.dimExprs)
              j->value(exprText(k));
          });
        }
      });
    });
  }

  void writeRelease(const PlanCommand &cmd, double at) {
    const PlanTensor *t =
        cmd.tensor < plan.tensors.size() ? &plan.tensors[cmd.tensor] : nullptr;
    writeInstant(("release " + tensorName(cmd.tensor)).str(), "release",
                 kReleaseTid, at, [&] {
                   j->attribute("tensor", tensorName(cmd.tensor));
                   j->attribute("after_step", int64_t(cmd.step));
                   if (!t)
                     return;
                   j->attribute("bytes", int64_t(t->bytes));
                   j->attribute("buffer", int64_t(t->buffer));
                   j->attribute("offset", int64_t(t->offset));
                 });
  }

  void writeInstant(StringRef name, StringRef cat, int64_t tid, double at,
                    function_ref<void()> args) {
    event([&] {
      j->attribute("name", name);
      j->attribute("cat", cat);
      j->attribute("ph", "i");
      j->attribute("s", "t");
      j->attribute("ts", at);
      j->attribute("pid", kPlanPid);
      j->attribute("tid", tid);
      j->attributeObject("args", args);
    });
  }

  /// One counter sample at the start of every step, and a closing zero at
  /// the end of the last one.
  void writeLiveBytes() {
    std::vector<uint64_t> live = liveBytesPerStep(plan);
    live.push_back(0);
    for (size_t s = 0; s < live.size(); ++s)
      event([&] {
        j->attribute("name", "live transient");
        j->attribute("ph", "C");
        j->attribute("ts", stepStart(int64_t(s)));
        j->attribute("pid", kPlanPid);
        j->attributeObject("args",
                           [&] { j->attribute("bytes", int64_t(live[s])); });
      });
  }

  /// One track per transient or alias tensor (thread id = tensor index + 1),
  /// ordered by first step so that the lifetimes form a waterfall.
  void writeTensors() {
    SmallVector<uint32_t, 32> order;
    for (uint32_t i = 0; i < plan.tensors.size(); ++i)
      if (plan.tensors[i].role == TensorRole::Transient ||
          plan.tensors[i].role == TensorRole::Alias)
        order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return plan.tensors[a].firstStep < plan.tensors[b].firstStep;
    });
    for (size_t rank = 0; rank < order.size(); ++rank) {
      const PlanTensor &t = plan.tensors[order[rank]];
      int64_t tid = int64_t(order[rank]) + 1;
      metadata("thread_name", kTensorPid, tid, "name", t.name);
      metadata("thread_sort_index", kTensorPid, tid, "sort_index",
               int64_t(rank));
      int64_t first = std::max<int64_t>(0, t.firstStep);
      int64_t last = std::max(first, t.lastStep);
      event([&] {
        j->attribute("name", t.name);
        j->attribute("cat", tensorRoleName(t.role));
        j->attribute("ph", "X");
        j->attribute("ts", stepStart(first));
        j->attribute("dur", stepStart(last + 1) - stepStart(first));
        j->attribute("pid", kTensorPid);
        j->attribute("tid", tid);
        j->attributeObject("args", [&] {
          j->attribute("role", tensorRoleName(t.role));
          j->attribute("type", t.type.str());
          if (!t.dims.empty()) // the type above is the bound
            j->attribute("sym_shape", planShapeStr(plan, t));
          j->attribute("bytes", int64_t(t.bytes));
          j->attributeArray("live", [&] {
            j->value(t.firstStep);
            j->value(t.lastStep);
          });
          j->attribute("buffer", int64_t(t.buffer));
          j->attribute("offset", int64_t(t.offset));
          if (t.slot >= 0)
            j->attribute("pool_slot", t.poolKey + ":" + std::to_string(t.slot));
          if (t.aliasOf >= 0)
            j->attribute("alias_of", tensorName(uint32_t(t.aliasOf)));
          if (t.releaseStep >= 0)
            j->attribute("release_after_step", t.releaseStep);
          j->attribute("producer", t.producer);
        });
      });
    }
  }
};

} // namespace

void printPlanTrace(const Plan &plan, raw_ostream &os) {
  // "traceEvents" comes first: some trace readers (Perfetto's JSON importer
  // among them) stop at the first top-level key they do not know.
  os << "{\"traceEvents\": [\n";
  TraceWriter(plan, os).writeEvents();
  os << "\n],\n\"otherData\": ";
  json::OStream j(os);
  j.object([&] {
    j.attribute("model", plan.modelName);
    j.attribute("planner", plan.stats.planner);
    j.attribute("schedule", plan.stats.schedule);
    j.attribute("steps", int64_t(plan.numSteps));
    j.attribute("step_us", kTraceStepMicros);
    j.attribute("transient_bytes", int64_t(plan.stats.transientBytes));
    j.attribute("lower_bound", int64_t(plan.stats.lowerBound));
  });
  os << "}\n";
}

} // namespace tlc
