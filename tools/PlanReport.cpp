//===- tools/PlanReport.cpp - Human- and tool-readable plan dumps ---------===//
#include "tools/PlanReport.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

std::vector<uint64_t> liveBytesPerStep(const Plan &plan) {
  std::vector<uint64_t> live(plan.numSteps, 0);
  for (const PlanTensor &t : plan.tensors) {
    if (t.role != TensorRole::Transient)
      continue;
    for (int64_t s = std::max<int64_t>(0, t.firstStep);
         s <= t.lastStep && s < int64_t(plan.numSteps); ++s)
      live[size_t(s)] += t.bytes;
  }
  return live;
}

namespace {
struct Counts {
  size_t dispatches = 0, barriers = 0, releases = 0;
};
} // namespace

static Counts countCommands(const Plan &plan) {
  Counts c;
  for (const PlanCommand &cmd : plan.commands) {
    c.dispatches += cmd.kind == CommandKind::Dispatch;
    c.barriers += cmd.kind == CommandKind::Barrier;
    c.releases += cmd.kind == CommandKind::Release;
  }
  return c;
}

static std::string ratio(uint64_t a, uint64_t b) {
  if (b == 0)
    return "n/a";
  return formatv("{0:f3}", double(a) / double(b)).str();
}

/// The tensor's shape as the plan gives it: symbolic dims as expressions
/// ("1x3x48xW"), static ones as numbers; "scalar" for rank 0.
static std::string shapeOrScalar(const Plan &plan, const PlanTensor &t) {
  std::string s = planShapeStr(plan, t);
  return s.empty() ? "scalar" : s;
}

/// "W in [32, 1280], N in [1, 100]".
static std::string symbolRanges(const Plan &plan) {
  std::string s;
  for (const PlanSymbol &sym : plan.symbols)
    s += formatv("{0}{1} in [{2}, {3}]", s.empty() ? "" : ", ", sym.name,
                 sym.min, sym.max)
             .str();
  return s;
}

void printPlanText(const Plan &plan, raw_ostream &os, const ShapePoint *at) {
  const PlanStats &st = plan.stats;
  Counts c = countCommands(plan);
  os << "plan " << plan.modelName << "\n";
  os << formatv("  planner: {0}, alignment: {1} bytes, steps: {2}, "
                "dispatches: {3}, barriers: {4}, releases: {5}\n",
                st.planner, plan.alignment, plan.numSteps, c.dispatches,
                c.barriers, c.releases);
  os << formatv("  transient memory: {0} bytes in {1} buffers\n",
                st.transientBytes,
                std::count_if(plan.buffers.begin(), plan.buffers.end(),
                              [](const PlanBuffer &b) {
                                return b.role == BufferRole::Transient;
                              }));
  uint64_t stateBytes = 0;
  unsigned stateBuffers = 0;
  for (const PlanBuffer &b : plan.buffers)
    if (b.role == BufferRole::State) {
      stateBytes += b.bytes;
      ++stateBuffers;
    }
  if (stateBuffers)
    os << formatv("  state: {0} bytes in {1} buffers (KV caches: zeroed at "
                  "load, kept from run to run)\n",
                  stateBytes, stateBuffers);
  for (size_t i = 0; i < plan.requirements.size(); ++i)
    os << formatv("  requires: {0} <= {1}\n",
                  planExprStr(plan, plan.exprs[plan.requirements[i].expr]),
                  plan.requirements[i].max);
  os << formatv("  lower bound: {0} bytes; ratio {1}; fragmentation {2} "
                "bytes\n",
                st.lowerBound, ratio(st.transientBytes, st.lowerBound),
                st.transientBytes >= st.lowerBound
                    ? st.transientBytes - st.lowerBound
                    : 0);
  os << formatv("  schedule: {0}; lower bound under the given order: {1} "
                "bytes\n",
                scheduleDescription(st.schedule), st.peakGivenOrder);
  os << formatv("  without reuse: {0} bytes ({1}x the plan)\n",
                st.noReuseBytes, ratio(st.noReuseBytes, st.transientBytes));
  // Only where the pool planner placed the tensors: an arena plan's
  // tensors have no pool key, so the section would describe nothing shown.
  if (std::any_of(plan.tensors.begin(), plan.tensors.end(),
                  [](const PlanTensor &t) { return t.slot >= 0; })) {
    os << "  slots per pool key:\n";
    for (const auto &kv : st.slotsPerKey)
      os << "    " << kv.first << ": " << kv.second << "\n";
  }
  if (!plan.symbols.empty()) {
    os << "  symbols: " << symbolRanges(plan) << "\n";
    os << "  shapes are symbolic; bytes, offsets and buffers are planned at "
          "the bound (every symbol at its max)\n";
    WorstShape w = worstShapeInRange(plan);
    os << formatv("  worst shape in the range ({0} tried): {1}: lower bound "
                  "{2} bytes; the plan's {3} bytes are {4}x it ({5} bytes "
                  "more)\n",
                  w.shapesTried, shapePointStr(plan, w.at), w.lowerBound,
                  st.transientBytes, ratio(st.transientBytes, w.lowerBound),
                  st.transientBytes >= w.lowerBound
                      ? st.transientBytes - w.lowerBound
                      : 0);
    if (at) {
      uint64_t lb = lowerBoundAt(plan, *at);
      os << formatv("  at {0}: lower bound {1} bytes (this shape's peak of "
                    "live bytes); the plan reserves {2} bytes, {3}x it\n",
                    shapePointStr(plan, *at), lb, st.transientBytes,
                    ratio(st.transientBytes, lb));
    }
  }

  os << "\nbuffers:\n";
  for (size_t i = 0; i < plan.buffers.size(); ++i)
    os << formatv("  #{0,-3} {1,-9} {2} bytes\n", i,
                  bufferRoleName(plan.buffers[i].role),
                  plan.buffers[i].bytes);

  os << "\ntensors:\n";
  os << formatv("  {0,-20} {1,-10} {2,-14} {3,-5} {4,10} {5,-9} {6,-7} "
                "{7,-9} {8,-18} {9}\n",
                "name", "role", "shape", "dtype", "bytes", "live", "buffer",
                "offset", "pool key:slot", "release");
  for (const PlanTensor &t : plan.tensors) {
    std::string live = formatv("{0}..{1}", t.firstStep, t.lastStep).str();
    std::string slot = t.slot >= 0 ? formatv("{0}:{1}", t.poolKey, t.slot).str()
                                   : std::string("-");
    std::string release =
        t.releaseStep >= 0 ? formatv("after {0}", t.releaseStep).str() : "-";
    os << formatv("  {0,-20} {1,-10} {2,-14} {3,-5} {4,10} {5,-9} #{6,-6} "
                  "{7,-9} {8,-18} {9}",
                  t.name, tensorRoleName(t.role), shapeOrScalar(plan, t),
                  dtypeName(t.type.dtype), t.bytes, live, t.buffer, t.offset,
                  slot, release);
    if (!t.producer.empty())
      os << "  (by " << t.producer << ")";
    if (at && !t.dims.empty()) {
      std::string shape;
      for (int64_t d : tensorShapeAt(plan, t, *at))
        shape += (shape.empty() ? "" : "x") + std::to_string(d);
      os << formatv("  [at: {0}, {1} bytes]", shape,
                    tensorBytesAt(plan, t, *at));
    }
    os << "\n";
  }

  os << "\nlive transient bytes per step:\n";
  std::vector<uint64_t> live = liveBytesPerStep(plan);
  std::vector<std::string> opAt(plan.numSteps);
  for (const PlanCommand &cmd : plan.commands)
    if (cmd.kind == CommandKind::Dispatch && cmd.step < plan.numSteps)
      opAt[cmd.step] = cmd.label;
  uint64_t peak = live.empty() ? 0 : *std::max_element(live.begin(), live.end());
  std::vector<uint64_t> liveAt;
  if (at && !plan.symbols.empty())
    liveAt = liveBytesPerStepAt(plan, *at);
  for (size_t s = 0; s < live.size(); ++s) {
    os << formatv("  step {0,-4} {1,-20} {2,10} bytes", s, opAt[s], live[s]);
    if (!liveAt.empty())
      os << formatv(" (at: {0,10})", liveAt[s]);
    os << (live[s] == peak ? "  <- peak" : "") << "\n";
  }

  // The command list in recording order: where codegen's barrier pass
  // (codegen/Barriers.cpp) put each barrier, and each release point.
  os << "\ncommands:\n";
  for (const PlanCommand &cmd : plan.commands) {
    switch (cmd.kind) {
    case CommandKind::Dispatch:
      os << formatv("  step {0,-4} dispatch {1} ({2})\n", cmd.step, cmd.label,
                    cmd.shader < plan.shaders.size()
                        ? plan.shaders[cmd.shader].name
                        : std::string("?"));
      break;
    case CommandKind::Barrier:
      os << formatv("  step {0,-4} barrier\n", cmd.step);
      break;
    case CommandKind::Release:
      os << formatv("  step {0,-4} release {1}\n", cmd.step,
                    cmd.tensor < plan.tensors.size()
                        ? plan.tensors[cmd.tensor].name
                        : std::string("?"));
      break;
    }
  }
}

void printPlanJson(const Plan &plan, raw_ostream &os, const ShapePoint *at) {
  const PlanStats &st = plan.stats;
  Counts c = countCommands(plan);
  json::Array buffers, tensors, slots, perStep;
  for (const PlanBuffer &b : plan.buffers)
    buffers.push_back(json::Object{{"role", bufferRoleName(b.role)},
                                   {"bytes", int64_t(b.bytes)}});
  for (const PlanTensor &t : plan.tensors) {
    json::Array shape;
    for (int64_t d : t.type.shape)
      shape.push_back(d);
    json::Object o{{"name", t.name},
                   {"role", tensorRoleName(t.role)},
                   {"shape", std::move(shape)},
                   {"dtype", dtypeName(t.type.dtype)},
                   {"bytes", int64_t(t.bytes)},
                   {"live", json::Array{t.firstStep, t.lastStep}},
                   {"buffer", int64_t(t.buffer)},
                   {"offset", int64_t(t.offset)},
                   {"pool_key", t.poolKey},
                   {"producer", t.producer}};
    if (t.slot >= 0)
      o["slot"] = t.slot;
    if (t.releaseStep >= 0)
      o["release_after_step"] = t.releaseStep;
    if (!t.dims.empty()) {
      // "shape" stays the bound (what "bytes" is computed from).
      json::Array dims;
      for (uint32_t k : t.dims)
        dims.push_back(k < plan.exprs.size() ? planExprStr(plan, plan.exprs[k])
                                             : std::string("?"));
      o["dims"] = std::move(dims);
      o["sym_shape"] = planShapeStr(plan, t);
      if (at) {
        json::Array shapeAt;
        for (int64_t d : tensorShapeAt(plan, t, *at))
          shapeAt.push_back(d);
        o["shape_at"] = std::move(shapeAt);
        o["bytes_at"] = int64_t(tensorBytesAt(plan, t, *at));
      }
    }
    tensors.push_back(std::move(o));
  }
  for (const auto &kv : st.slotsPerKey)
    slots.push_back(json::Object{{"key", kv.first}, {"slots", kv.second}});
  for (uint64_t b : liveBytesPerStep(plan))
    perStep.push_back(int64_t(b));
  json::Object root{
      {"model", plan.modelName},
      {"planner", st.planner},
      {"alignment", int64_t(plan.alignment)},
      {"steps", int64_t(plan.numSteps)},
      {"dispatches", int64_t(c.dispatches)},
      {"barriers", int64_t(c.barriers)},
      {"releases", int64_t(c.releases)},
      {"transient_bytes", int64_t(st.transientBytes)},
      {"lower_bound", int64_t(st.lowerBound)},
      {"ratio", st.lowerBound ? double(st.transientBytes) / st.lowerBound : 0.0},
      {"fragmentation", int64_t(st.transientBytes >= st.lowerBound
                                    ? st.transientBytes - st.lowerBound
                                    : 0)},
      // Proven by the bound: no plan of this schedule needs fewer bytes.
      {"optimal", st.transientBytes <= st.lowerBound},
      {"no_reuse_bytes", int64_t(st.noReuseBytes)},
      {"schedule", st.schedule},
      {"lower_bound_given_order", int64_t(st.peakGivenOrder)},
      {"slots_per_pool_key", std::move(slots)},
      {"buffers", std::move(buffers)},
      {"tensors", std::move(tensors)},
      {"live_bytes_per_step", std::move(perStep)},
  };
  if (!plan.symbols.empty()) {
    json::Array symbols;
    for (const PlanSymbol &sym : plan.symbols)
      symbols.push_back(
          json::Object{{"name", sym.name}, {"min", sym.min}, {"max", sym.max}});
    root["symbols"] = std::move(symbols);
    auto valuesOf = [&](const ShapePoint &p) {
      json::Object v;
      for (size_t i = 0; i < plan.symbols.size(); ++i)
        v[plan.symbols[i].name] = p.values[i];
      return v;
    };
    WorstShape w = worstShapeInRange(plan);
    root["worst_shape"] =
        json::Object{{"values", valuesOf(w.at)},
                     {"lower_bound", int64_t(w.lowerBound)},
                     {"shapes_tried", int64_t(w.shapesTried)}};
    if (at) {
      json::Array liveAt;
      for (uint64_t b : liveBytesPerStepAt(plan, *at))
        liveAt.push_back(int64_t(b));
      root["at"] = json::Object{{"values", valuesOf(*at)},
                                {"lower_bound", int64_t(lowerBoundAt(plan, *at))},
                                {"live_bytes_per_step", std::move(liveAt)}};
    }
  }
  os << formatv("{0:2}", json::Value(std::move(root))) << "\n";
}

} // namespace tlc
