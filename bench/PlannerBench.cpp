//===- bench/PlannerBench.cpp - Offset planners on the benchmark traces ---===//
//
//   planner_bench [DIR] [--time-limit=S] [--capacity-time-limit=S]
//                 [--only=minimalloc|real]
//
// Runs every offset planner (no-alias, greedy by size, arena) over the
// MiniMalloc-format traces in DIR/minimalloc and DIR/real (default: the
// planner-bench folder beside the checkout) and prints Markdown tables:
// heights against the lower bound and seconds per planner, then the
// decision problems of the minimalloc suite (fit in the capacity its file
// name gives). Every plan is validated by the checker; an invalid plan is
// reported in the table and makes the exit code 1.
//
//===----------------------------------------------------------------------===//
#include "passes/OffsetPlanner.h"
#include "passes/TraceCsv.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

using namespace llvm;
using namespace tlc;

static cl::opt<std::string> BenchDir(cl::Positional,
                                     cl::init(TLC_PLANNER_BENCH_DIR),
                                     cl::desc("[planner-bench folder]"));
static cl::opt<double> TimeLimit("time-limit", cl::init(1.0),
                                 cl::desc("Arena budget in seconds"));
static cl::opt<std::string>
    Only("only", cl::desc("Run only this folder (minimalloc or real)"));
static cl::opt<double> CapacityTimeLimit(
    "capacity-time-limit", cl::init(10.0),
    cl::desc("Arena budget in seconds for the capacity runs"));

namespace {

struct Run {
  uint64_t height = 0;
  double seconds = 0;    // wall clock
  double cpuSeconds = 0; // this process's CPU time (std::clock)
  bool valid = false;
  std::string strategy;
};

Run timed(const Trace &trace, std::optional<uint64_t> capacity,
          const std::function<Expected<OffsetPlan>()> &planner) {
  Run run;
  auto start = std::chrono::steady_clock::now();
  std::clock_t cpuStart = std::clock();
  Expected<OffsetPlan> plan = planner();
  run.cpuSeconds = double(std::clock() - cpuStart) / CLOCKS_PER_SEC;
  run.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!plan) {
    WithColor::error(errs(), "planner_bench")
        << toString(plan.takeError()) << "\n";
    return run;
  }
  run.height = plan->height;
  run.strategy = plan->strategy;
  Error e = checkOffsets(trace.ranges, plan->offsets, 1, capacity);
  run.valid = !e;
  if (e)
    WithColor::error(errs(), "planner_bench") << toString(std::move(e)) << "\n";
  return run;
}

std::vector<std::string> listTraces(StringRef dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    if (StringRef(it->path()).endswith(".csv"))
      files.push_back(it->path());
  llvm::sort(files);
  return files;
}

std::string ratioCell(const Run &run, uint64_t lb) {
  if (!run.valid)
    return "INVALID";
  return formatv("{0:F4}", lb ? double(run.height) / double(lb) : 1.0).str();
}

} // namespace

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(argc, argv, "offset planner benchmark\n");
  bool allValid = true;
  outs() << formatv("Arena budget {0} s (`--plan-time-limit`); ratios are "
                    "height / lower bound; seconds are CPU (wall).\n\n",
                    TimeLimit.getValue());
  outs() << "| trace | buffers | lower bound | no-alias | greedy-by-size | "
            "greedy s | arena | arena s | arena strategy |\n"
         << "|---|---|---|---|---|---|---|---|---|\n";
  struct Decision {
    std::string name;
    uint64_t capacity, lb;
    Run run;
  };
  std::vector<Decision> decisions;
  for (const char *sub : {"minimalloc", "real"}) {
    if (!Only.empty() && Only != sub)
      continue;
    SmallString<256> dir(BenchDir);
    sys::path::append(dir, sub);
    for (const std::string &path : listTraces(dir)) {
      Expected<Trace> trace = readTraceCsv(path);
      if (!trace) {
        WithColor::error(errs(), "planner_bench")
            << toString(trace.takeError()) << "\n";
        allValid = false;
        continue;
      }
      StringRef name = sys::path::stem(path);
      uint64_t lb = computeLowerBound(trace->ranges);
      Run noAlias = timed(*trace, std::nullopt,
                          [&] { return planNoAlias(trace->ranges, 1); });
      Run greedy = timed(*trace, std::nullopt,
                         [&] { return planGreedyBySize(trace->ranges, 1); });
      ArenaOptions options;
      options.timeLimitSeconds = TimeLimit;
      Run arena = timed(*trace, std::nullopt,
                        [&] { return planArena(trace->ranges, options); });
      allValid &= noAlias.valid && greedy.valid && arena.valid;
      outs() << formatv("| {0}/{1} | {2} | {3} | {4} | {5} | {6:F2} ({7:F2}) "
                        "| {8} | {9:F2} ({10:F2}) | {11} |\n",
                        sub, name, trace->ranges.size(), lb,
                        ratioCell(noAlias, lb), ratioCell(greedy, lb),
                        greedy.cpuSeconds, greedy.seconds, ratioCell(arena, lb),
                        arena.cpuSeconds, arena.seconds, arena.strategy);
      outs().flush();
      // minimalloc's files are named NAME.CAPACITY.csv.
      uint64_t capacity = 0;
      StringRef capText = sys::path::extension(name);
      if (StringRef(sub) == "minimalloc" && capText.consume_front(".") &&
          !capText.getAsInteger(10, capacity)) {
        ArenaOptions capOptions;
        capOptions.timeLimitSeconds = CapacityTimeLimit;
        capOptions.capacity = capacity;
        // Checked without the capacity: a plan that does not fit is still
        // valid, and the table says whether it fits.
        Run fit = timed(*trace, std::nullopt,
                        [&] { return planArena(trace->ranges, capOptions); });
        allValid &= fit.valid;
        decisions.push_back({name.str(), capacity, lb, fit});
      }
    }
  }
  outs() << formatv("\nDecision problems: fit within the capacity the file "
                    "name gives (`--capacity`, budget {0} s).\n\n",
                    CapacityTimeLimit.getValue());
  outs() << "| trace | capacity | lower bound | arena height | fits | "
            "seconds CPU (wall) | strategy |\n|---|---|---|---|---|---|---|\n";
  for (const Decision &d : decisions)
    outs() << formatv("| minimalloc/{0} | {1} | {2} | {3} | {4} | {5:F2} "
                      "({6:F2}) | {7} |\n",
                      d.name, d.capacity, d.lb, d.run.height,
                      d.run.height <= d.capacity ? "yes" : "no",
                      d.run.cpuSeconds, d.run.seconds, d.run.strategy);
  return allValid ? 0 : 1;
}
