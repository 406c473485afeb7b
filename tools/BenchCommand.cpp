//===- tools/BenchCommand.cpp - tlc bench ---------------------------------===//
//
// Measures a plan's per-inference latency on a Vulkan device: GPU time from
// the timestamps the runtime records around the plan's commands, and host
// wall time of submit + wait, after warm-up runs; reports median and p90.
// Optionally writes a Chrome trace of one profiled run (a timestamp after
// every dispatch; chrome://tracing and https://ui.perfetto.dev open it) and
// compares against a device-to-device copy of the same traffic (the roofline
// of memory-bound plans). A plan for a range of shapes is measured at one
// shape: each symbolic input's random data has the shape --input-shape
// gives, else its upper bound (the largest shape the plan accepts, which
// bounds every other shape's time).
//
//===----------------------------------------------------------------------===//
#include "ir/Npy.h"
#include "ir/Suggest.h"
#include "runtime/Parameters.h"
#include "runtime/Runtime.h"
#include "tools/Commands.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>

using namespace llvm;

namespace tlc {

cl::SubCommand BenchSubcommand("bench",
                               "Measure a compiled plan's latency on a Vulkan "
                               "device (GPU timestamps and host time)");

static cl::opt<std::string> PlanPath(cl::Positional, cl::Required,
                                     cl::desc("<plan.tlp>"),
                                     cl::sub(BenchSubcommand));
static cl::list<std::string>
    Inputs("input",
           cl::desc("Bind a graph input to a .npy file (repeatable); inputs "
                    "not given get seeded random data"),
           cl::value_desc("NAME=FILE.npy"), cl::sub(BenchSubcommand));
static cl::list<std::string> SymbolFlags(
    "dim",
    cl::desc("Value of a symbol that is no input's dim (e.g. the positions a "
             "KV cache holds), NAME=VALUE (repeatable)"),
    cl::value_desc("NAME=VALUE"), cl::sub(BenchSubcommand));
static cl::list<std::string> InputShapes(
    "input-shape",
    cl::desc("Shape of the random data of an input with symbolic dims (plans "
             "for a range of shapes; repeatable); default: its upper bound"),
    cl::value_desc("NAME=DIMS"), cl::sub(BenchSubcommand));
static cl::opt<unsigned>
    Warmup("warmup", cl::init(10),
           cl::desc("Untimed runs before measuring (default: 10)"),
           cl::sub(BenchSubcommand));
static cl::opt<unsigned> Iterations("iterations", cl::init(100),
                                    cl::desc("Timed runs (default: 100)"),
                                    cl::sub(BenchSubcommand));
static cl::opt<bool> Json("json", cl::desc("Print one JSON object"),
                          cl::sub(BenchSubcommand));
static cl::opt<std::string>
    ProfilePath("profile",
                cl::desc("Write a Chrome trace of one profiled run (one slice "
                         "per dispatch) to FILE"),
                cl::value_desc("FILE.json"), cl::sub(BenchSubcommand));
static cl::opt<unsigned> WaitTimeout(
    "wait-timeout", cl::init(60),
    cl::desc("Seconds to wait for the device before giving up (default: "
             "60)"),
    cl::value_desc("SECONDS"), cl::sub(BenchSubcommand));
static cl::opt<int> DeviceIndex("device", cl::init(-1),
                                cl::desc("Vulkan device index (tlc devices); "
                                         "default: env TLC_DEVICE, else the "
                                         "first discrete GPU"),
                                cl::sub(BenchSubcommand));
static cl::opt<bool> CopyBaseline(
    "copy-baseline",
    cl::desc("Also time a device-to-device vkCmdCopyBuffer moving as many "
             "bytes (read + written) as the plan's dispatches bind"),
    cl::sub(BenchSubcommand));
static cl::opt<uint32_t>
    Seed("seed", cl::init(1),
         cl::desc("Seed of the random inputs (default: 1)"),
         cl::sub(BenchSubcommand));

static Error error(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg.str());
}

/// Seeded bytes for an input of type \p t: floats uniform in [-1, 1),
/// integers in [0, 100) (valid token ids and indices for small tables).
/// A 32-bit LCG with Numerical Recipes' constants.
static std::vector<uint8_t> randomInput(const TensorType &t, uint32_t seed) {
  std::vector<uint8_t> bytes(size_t(t.byteSize()));
  uint32_t s = seed * 2654435761u + 12345u;
  auto next = [&] {
    s = s * 1664525u + 1013904223u;
    return s;
  };
  int64_t n = t.numElements();
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
    case DType::F32: {
      float v = float(next() >> 8) / float(1u << 23) - 1.0f;
      std::memcpy(&bytes[size_t(i) * 4], &v, 4);
      break;
    }
    case DType::I32: {
      int32_t v = int32_t((next() >> 8) % 100);
      std::memcpy(&bytes[size_t(i) * 4], &v, 4);
      break;
    }
    case DType::I64: {
      int64_t v = int64_t((next() >> 8) % 100);
      std::memcpy(&bytes[size_t(i) * 8], &v, 8);
      break;
    }
    case DType::F16: {
      uint16_t v = 0x3C00; // 1.0
      std::memcpy(&bytes[size_t(i) * 2], &v, 2);
      break;
    }
    case DType::Bool:
    case DType::U8:
      bytes[size_t(i)] = uint8_t(next() >> 31);
      break;
    }
  }
  return bytes;
}

/// One plan input: its shape and bytes.
struct BenchInput {
  Shape shape;
  std::vector<uint8_t> bytes;
};

/// Bytes and shape per plan input: from --input files (checked against the
/// plan's names, dtypes and shapes; an input with symbolic dims takes the
/// file's shape, which LoadedPlan::setInput checks) or random, of the
/// input's shape; for an input with symbolic dims, the --input-shape given
/// for it, else its upper bound (type.shape). --input-shape for a static
/// input must be its shape.
static Expected<std::vector<BenchInput>> readInputs(const Plan &plan) {
  std::map<std::string, std::string> files;
  for (const std::string &flag : Inputs) {
    auto [name, file] = StringRef(flag).split('=');
    if (name.empty() || file.empty())
      return error("--input '" + flag + "': expected NAME=FILE.npy");
    if (!files.emplace(name.str(), file.str()).second)
      return error("--input names '" + name + "' twice");
  }
  std::map<std::string, Shape> shapes;
  for (const std::string &flag : InputShapes) {
    auto [name, dims] = StringRef(flag).split('=');
    if (name.empty() || dims.empty())
      return error("--input-shape '" + flag +
                   "': expected NAME=DIMS, e.g. x=1x3x48x640");
    Expected<Shape> shape = parseShapeString(dims);
    if (!shape)
      return error("--input-shape '" + flag +
                   "': " + toString(shape.takeError()));
    if (files.count(name.str()))
      return error("--input-shape names '" + name +
                   "', which --input also gives (its file has a shape)");
    if (!shapes.emplace(name.str(), *shape).second)
      return error("--input-shape names '" + name + "' twice");
  }
  std::vector<BenchInput> inputs;
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const PlanTensor &in = plan.tensors[plan.inputs[i]];
    auto it = files.find(in.name);
    if (it == files.end()) {
      Shape shape = in.type.shape;
      auto given = shapes.find(in.name);
      if (given != shapes.end()) {
        if (in.dims.empty() && given->second != in.type.shape)
          return error("--input-shape " + in.name + "=" +
                       shapeString(given->second) + ": input '" + in.name +
                       "' has the static shape " + in.type.shapeStr());
        // Checked here, before anything is allocated for random data.
        if (Error e = checkInputShape(plan, i, given->second))
          return error("--input-shape " + in.name + "=" +
                       shapeString(given->second) + ": " +
                       toString(std::move(e)));
        shape = given->second;
        shapes.erase(given);
      }
      TensorType t(in.type.dtype, shape);
      inputs.push_back({shape, randomInput(t, Seed + uint32_t(i))});
      continue;
    }
    Expected<NpyArray> arr = readNpy(it->second);
    if (!arr)
      return arr.takeError();
    std::optional<DType> dt = toDType(arr->dtype);
    if (!dt || *dt != in.type.dtype)
      return error(it->second + ": dtype " + npyDescr(arr->dtype) +
                   " does not match input '" + in.name + "' of dtype " +
                   dtypeName(in.type.dtype) + "; " +
                   npyConvertHint(toNpyDType(in.type.dtype)));
    if (in.dims.empty() && arr->shape != in.type.shape)
      return error(it->second + ": shape " +
                   TensorType{*dt, arr->shape}.shapeStr() +
                   " does not match input '" + in.name + "' of shape " +
                   in.type.shapeStr());
    inputs.push_back({std::move(arr->shape), std::move(arr->bytes)});
    files.erase(it);
  }
  SmallVector<StringRef, 8> names;
  for (uint32_t t : plan.inputs)
    names.push_back(plan.tensors[t].name);
  if (!files.empty())
    return error("--input names '" + files.begin()->first +
                 "', which is not an input of the plan" +
                 didYouMean(files.begin()->first, names));
  if (!shapes.empty())
    return error("--input-shape names '" + shapes.begin()->first +
                 "', which is not an input of the plan" +
                 didYouMean(shapes.begin()->first, names));
  return inputs;
}

/// Median and 90th percentile (nearest rank) of \p v; sorts it.
struct Summary {
  double median = 0, p90 = 0, min = 0;
};
static Summary summarize(std::vector<double> &v) {
  Summary s;
  if (v.empty())
    return s;
  std::sort(v.begin(), v.end());
  s.median = v.size() % 2 ? v[v.size() / 2]
                          : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  s.p90 = v[std::min(v.size() - 1, (v.size() * 9 + 9) / 10 - 1)];
  s.min = v.front();
  return s;
}

static json::Value toJson(const Summary &s) {
  return json::Object{{"median", s.median}, {"p90", s.p90}, {"min", s.min}};
}

/// Bytes the plan's dispatches bind (every binding's tensor, read or
/// written, counted once per dispatch): the memory traffic of a plan of
/// memory-bound kernels, an upper bound for the others.
static uint64_t dispatchTrafficBytes(const Plan &plan) {
  uint64_t bytes = 0;
  for (const PlanCommand &c : plan.commands)
    if (c.kind == CommandKind::Dispatch)
      for (uint32_t t : c.bindings)
        bytes += plan.tensors[t].bytes;
  return bytes;
}

/// Writes the Chrome trace (JSON object format, "X" complete events in
/// microseconds) of one profiled run.
static Error writeProfile(StringRef path, const Plan &plan,
                          StringRef deviceName,
                          ArrayRef<DispatchTiming> timings) {
  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_Text);
  if (ec)
    return error(path + ": cannot write: " + ec.message());
  json::OStream j(os, 1);
  j.object([&] {
    j.attribute("displayTimeUnit", "ns");
    j.attributeArray("traceEvents", [&] {
      j.object([&] {
        j.attribute("name", "process_name");
        j.attribute("ph", "M");
        j.attribute("pid", 1);
        j.attributeObject("args", [&] {
          j.attribute("name", (plan.modelName + " on " + deviceName).str());
        });
      });
      for (const DispatchTiming &t : timings) {
        const PlanCommand &c = plan.commands[t.command];
        j.object([&] {
          j.attribute("name", c.label.empty() ? "dispatch" : c.label);
          j.attribute("cat", plan.shaders[c.shader].name);
          j.attribute("ph", "X");
          j.attribute("pid", 1);
          j.attribute("tid", 1);
          j.attribute("ts", t.startMicros);
          j.attribute("dur", t.endMicros - t.startMicros);
          j.attributeObject("args", [&] {
            j.attribute("shader", plan.shaders[c.shader].name);
            j.attribute("command", int64_t(t.command));
            j.attribute("step", int64_t(c.step));
            j.attributeArray("groups", [&] {
              for (uint32_t g : c.groups)
                j.value(int64_t(g));
            });
          });
        });
      }
    });
  });
  os << "\n";
  if (os.has_error())
    return error(path + ": write failed");
  return Error::success();
}

int runBench() {
  if (Iterations == 0)
    return reportError(error("--iterations must be at least 1"));
  Expected<Plan> plan = readPlanFile(PlanPath);
  if (!plan)
    return reportError(plan.takeError());
  auto inputs = readInputs(*plan);
  if (!inputs)
    return reportError(inputs.takeError());

  DeviceOptions dopts;
  dopts.index = DeviceIndex;
  dopts.waitTimeoutSeconds = WaitTimeout;
  auto device = Device::create(dopts);
  if (!device)
    return reportError(device.takeError());
  auto l0 = std::chrono::steady_clock::now();
  auto loaded = LoadedPlan::load(**device, *plan);
  if (!loaded)
    return reportError(loaded.takeError());
  double loadMs = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - l0)
                      .count();
  LoadedPlan &lp = **loaded;
  for (size_t i = 0; i < inputs->size(); ++i)
    if (Error e = lp.setInput(i, (*inputs)[i].bytes, (*inputs)[i].shape))
      return reportError(std::move(e));
  if (Error e = applySymbolFlags(lp, SymbolFlags))
    return reportError(std::move(e));

  std::vector<double> gpu, gpuTotal, host;
  for (unsigned r = 0; r < Warmup + Iterations; ++r) {
    Expected<RunTiming> t = lp.runTimed();
    if (!t)
      return reportError(t.takeError());
    if (r < Warmup)
      continue;
    host.push_back(t->hostMicros);
    if (t->gpuMicros >= 0) {
      gpu.push_back(t->gpuMicros);
      gpuTotal.push_back(t->gpuTotalMicros);
    }
  }
  Summary gpuS = summarize(gpu), gpuTotalS = summarize(gpuTotal),
          hostS = summarize(host);

  if (!ProfilePath.empty()) {
    if (!lp.hasGpuTimestamps())
      return reportError(error("--profile: no GPU timestamps on this device: " +
                               lp.timestampsUnavailableReason()));
    // The profiled run with the median span of up to 11 runs.
    std::vector<std::vector<DispatchTiming>> runs;
    for (unsigned r = 0; r < std::min(11u, unsigned(Iterations)); ++r) {
      auto t = lp.runProfiled();
      if (!t)
        return reportError(t.takeError());
      runs.push_back(std::move(*t));
    }
    auto span = [](const std::vector<DispatchTiming> &v) {
      return v.empty() ? 0.0 : v.back().endMicros;
    };
    std::sort(runs.begin(), runs.end(),
              [&](const auto &a, const auto &b) { return span(a) < span(b); });
    if (Error e = writeProfile(ProfilePath, *plan, (*device)->info().name,
                               runs[runs.size() / 2]))
      return reportError(std::move(e));
  }

  uint64_t traffic = dispatchTrafficBytes(*plan);
  std::optional<Summary> copyS;
  uint64_t copyBytes = 0;
  if (CopyBaseline) {
    // A copy reads and writes each byte: half the traffic, same total.
    copyBytes = std::max<uint64_t>(traffic / 2, 4) & ~uint64_t(3);
    auto c = timeDeviceCopy(**device, copyBytes, Warmup, Iterations);
    if (!c)
      return reportError(c.takeError());
    std::vector<double> us;
    for (const RunTiming &t : *c)
      us.push_back(t.gpuMicros);
    copyS = summarize(us);
  }

  // What the timed runs submitted: a plan for shape ranges leaves out the
  // dispatches its gates zero at this shape (runtime/CommandRecording.cpp).
  RecordedCommands recorded = lp.lastRunCommands();
  unsigned dispatches = recorded.dispatches, barriers = recorded.barriers;
  const PipelineCacheReport &cache = lp.pipelineCache();
  bool haveGpu = !gpu.empty();
  auto gbps = [](uint64_t bytes, double us) {
    return us > 0 ? double(bytes) / us / 1000.0 : 0.0; // bytes/us = MB/s
  };
  std::string timestamps = haveGpu ? "gpu"
                                   : ("unavailable (host time only): " +
                                      lp.timestampsUnavailableReason())
                                         .str();

  if (Json) {
    json::Object o{
        {"plan", PlanPath},
        {"model", plan->modelName},
        {"device", (*device)->info().name},
        {"device_type", (*device)->info().type},
        {"timestamps", timestamps},
        {"warmup", int64_t(Warmup)},
        {"iterations", int64_t(Iterations)},
        {"gpu_us", haveGpu ? toJson(gpuS) : json::Value(nullptr)},
        {"gpu_total_us", haveGpu ? toJson(gpuTotalS) : json::Value(nullptr)},
        {"host_us", toJson(hostS)},
        {"load_ms", loadMs},
        {"pipeline_cache", json::Object{{"path", cache.path},
                                        {"hit", cache.hit},
                                        {"saved", cache.saved},
                                        {"note", cache.note}}},
        {"dispatches", int64_t(dispatches)},
        {"barriers", int64_t(barriers)},
        {"dispatches_gated_out", int64_t(recorded.skipped)},
        {"transient_bytes", int64_t(plan->stats.transientBytes)},
        {"weight_bytes", int64_t(plan->weights.size())},
        {"traffic_bytes", int64_t(traffic)},
        {"gbps", haveGpu ? json::Value(gbps(traffic, gpuS.median))
                         : json::Value(nullptr)},
    };
    if (!ProfilePath.empty())
      o["profile"] = ProfilePath;
    if (!plan->symbols.empty()) {
      json::Object shapes;
      for (size_t i = 0; i < plan->inputs.size(); ++i)
        shapes[plan->tensors[plan->inputs[i]].name] =
            shapeString(lp.inputShape(i));
      o["input_shapes"] = std::move(shapes);
    }
    if (copyS)
      o["copy"] = json::Object{{"bytes", int64_t(copyBytes)},
                               {"gpu_us", toJson(*copyS)},
                               {"gbps", gbps(2 * copyBytes, copyS->median)}};
    outs() << formatv("{0}", json::Value(std::move(o))) << "\n";
    return 0;
  }

  outs() << "plan: " << PlanPath << " (" << plan->modelName << ")\n";
  outs() << "device: " << (*device)->info().name << "\n";
  outs() << formatv("load: {0:f1} ms (pipeline cache: {1})\n", loadMs,
                    cache.path.empty()
                        ? std::string("off")
                        : (cache.hit ? "hit " : "miss ") + cache.path);
  if (!cache.note.empty())
    outs() << "pipeline cache note: " << cache.note << "\n";
  if (!plan->symbols.empty()) {
    // A plan for a range of shapes: the shape measured, and the bound that
    // the traffic figures below are counted at.
    outs() << "input shapes:";
    for (size_t i = 0; i < plan->inputs.size(); ++i) {
      const PlanTensor &in = plan->tensors[plan->inputs[i]];
      outs() << " " << in.name << "=" << shapeString(lp.inputShape(i));
      if (!in.dims.empty())
        outs() << " (of " << planShapeString(*plan, in) << ")";
    }
    outs() << "; traffic and transient bytes are at the upper bound\n";
  }
  outs() << formatv("runs: {0} timed after {1} warm-up\n", Iterations, Warmup);
  if (haveGpu) {
    outs() << formatv("gpu time per inference: median {0:f1} us, p90 {1:f1} "
                      "us (timestamps around the plan's commands)\n",
                      gpuS.median, gpuS.p90);
    outs() << formatv("gpu time with input/output copies: median {0:f1} us, "
                      "p90 {1:f1} us\n",
                      gpuTotalS.median, gpuTotalS.p90);
  } else {
    outs() << "gpu time: " << timestamps << "\n";
  }
  outs() << formatv("host time per inference: median {0:f1} us, p90 {1:f1} "
                    "us (submit + wait)\n",
                    hostS.median, hostS.p90);
  outs() << formatv("dispatches: {0}, barriers: {1}, transient bytes: {2}{3}\n",
                    dispatches, barriers, plan->stats.transientBytes,
                    recorded.skipped
                        ? formatv(" ({0} dispatches gated out at this shape)",
                                  recorded.skipped)
                              .str()
                        : std::string());
  if (haveGpu)
    outs() << formatv("bytes bound by dispatches: {0} ({1:f1} GB/s at the "
                      "median)\n",
                      traffic, gbps(traffic, gpuS.median));
  if (copyS)
    outs() << formatv("device copy of {0} bytes: median {1:f1} us, {2:f1} "
                      "GB/s (read + written)\n",
                      copyBytes, copyS->median,
                      gbps(2 * copyBytes, copyS->median));
  if (!ProfilePath.empty())
    outs() << "profile: " << ProfilePath << "\n";
  return 0;
}

} // namespace tlc
