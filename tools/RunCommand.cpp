//===- tools/RunCommand.cpp - tlc run -------------------------------------===//
//
// Loads a plan onto a Vulkan device, feeds .npy inputs, runs it (optionally
// many times, to show that nothing is allocated per run) and writes the
// outputs as .npy files. A plan for a range of shapes takes inputs of any
// shape in its range (the runtime checks them) and writes each output with
// its actual shape.
//
//===----------------------------------------------------------------------===//
#include "ir/Npy.h"
#include "ir/Suggest.h"
#include "runtime/Parameters.h"
#include "runtime/Runtime.h"
#include "tools/Commands.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>

using namespace llvm;

namespace tlc {

cl::SubCommand RunSubcommand("run", "Execute a compiled plan on a Vulkan device");

static cl::opt<std::string> PlanPath(cl::Positional, cl::Required,
                                     cl::desc("<plan.tlp>"),
                                     cl::sub(RunSubcommand));
static cl::list<std::string>
    Inputs("input", cl::desc("Bind a graph input to a .npy file (repeatable)"),
           cl::value_desc("NAME=FILE.npy"), cl::sub(RunSubcommand));
static cl::opt<std::string>
    OutputDir("output-dir",
              cl::desc("Write each output as DIR/<output name>.npy"),
              cl::value_desc("DIR"), cl::sub(RunSubcommand));
static cl::opt<unsigned> WaitTimeout(
    "wait-timeout", cl::init(60),
    cl::desc("Seconds to wait for the device before giving up (default: "
             "60)"),
    cl::value_desc("SECONDS"), cl::sub(RunSubcommand));
static cl::opt<int> DeviceIndex("device", cl::init(-1),
                                cl::desc("Vulkan device index (tlc devices); "
                                         "default: env TLC_DEVICE, else the "
                                         "first discrete GPU"),
                                cl::sub(RunSubcommand));
static cl::opt<unsigned> Repeat("repeat", cl::init(1),
                                cl::desc("Run the plan N times (default: 1)"),
                                cl::sub(RunSubcommand));
static cl::opt<bool>
    PoisonReleased("poison-released",
                   cl::desc("Fill each tensor's memory with NaN at its "
                            "release point (catches early frees)"),
                   cl::sub(RunSubcommand));
static cl::opt<bool> Validation("validation",
                                cl::desc("Enable the Vulkan validation layers"),
                                cl::sub(RunSubcommand));
static cl::list<std::string> SymbolFlags(
    "dim",
    cl::desc("Value of a symbol that is no input's dim (e.g. the positions a "
             "KV cache holds), NAME=VALUE (repeatable)"),
    cl::value_desc("NAME=VALUE"), cl::sub(RunSubcommand));

static Error error(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg.str());
}

/// File name for an output: its tensor name with characters outside
/// [A-Za-z0-9._-] replaced by '_', so that "a/b:0" cannot escape DIR.
static std::string outputFileName(StringRef name) {
  std::string s;
  for (char c : name)
    s += (isAlnum(c) || c == '.' || c == '_' || c == '-') ? c : '_';
  if (s.empty() || s == "." || s == "..")
    s = "output";
  return s + ".npy";
}

/// Where a static plan input of shape \p want is given \p got (same rank):
/// the --input-shape flags of `tlc compile` that serve it, that shape alone
/// or a range over both, e.g. "; the plan serves that shape only: recompile
/// with --input-shape image=100x1x28x28 for this one, or a range such as
/// --input-shape image=1..100x1x28x28 for both". Else "".
static std::string recompileHint(StringRef name, ArrayRef<int64_t> want,
                                 ArrayRef<int64_t> got) {
  if (want.size() != got.size() || got.empty())
    return "";
  std::string exact, range;
  for (size_t d = 0; d < got.size(); ++d) {
    StringRef x = d ? "x" : "";
    exact += (x + Twine(got[d])).str();
    range += want[d] == got[d] ? (x + Twine(got[d])).str()
                               : (x + Twine(std::min(want[d], got[d])) + ".." +
                                  Twine(std::max(want[d], got[d])))
                                     .str();
  }
  return ("; the plan serves that shape only: recompile with --input-shape " +
          name + "=" + exact + " for this one, or a range such as " +
          "--input-shape " + name + "=" + range + " for both")
      .str();
}

/// One plan input read from its --input file.
struct InputFile {
  std::string path;
  Shape shape;
  std::vector<uint8_t> bytes;
};

/// Reads --input flags into bytes and shapes per plan input, checking
/// names, dtypes and shapes against the plan: a static input must have its
/// exact shape; the shape of an input with symbolic dims is checked by
/// LoadedPlan::setInput (rank, constant dims, symbol ranges).
static Expected<std::vector<InputFile>> readInputs(const Plan &plan) {
  std::map<std::string, std::string> files;
  SmallVector<StringRef, 8> names;
  std::string list;
  for (uint32_t t : plan.inputs) {
    names.push_back(plan.tensors[t].name);
    list += (list.empty() ? "" : ", ") + plan.tensors[t].name;
  }
  for (const std::string &flag : Inputs) {
    auto [name, file] = StringRef(flag).split('=');
    if (name.empty() || file.empty())
      return error("--input '" + flag + "': expected NAME=FILE.npy");
    // A misspelled name is reported before the input it was meant for is
    // reported missing.
    if (!is_contained(names, name))
      return error("--input " + flag + ": the plan has no input '" + name +
                   "'" + didYouMean(name, names) +
                   " (the plan's inputs: " + list + ")");
    if (!files.emplace(name.str(), file.str()).second)
      return error("--input names '" + name + "' twice");
  }
  std::vector<InputFile> inputs;
  for (uint32_t t : plan.inputs) {
    const PlanTensor &in = plan.tensors[t];
    auto it = files.find(in.name);
    if (it == files.end())
      return error("missing --input " + in.name + "=FILE.npy (the plan's " +
                   "input '" + in.name + "' is " + planTypeString(plan, in) +
                   ")");
    Expected<NpyArray> arr = readNpy(it->second);
    if (!arr)
      return arr.takeError();
    if (arr->dtype == NpyDType::Bool && in.type.dtype == DType::I64) {
      // tlc holds booleans as i64 0/1 (an ONNX BOOL input is i64).
      std::vector<uint8_t> wide(arr->bytes.size() * 8, 0);
      for (size_t i = 0; i < arr->bytes.size(); ++i)
        wide[i * 8] = arr->bytes[i] != 0;
      arr->bytes = std::move(wide);
      arr->dtype = NpyDType::I64;
    }
    std::optional<DType> dt = toDType(arr->dtype);
    if (!dt || *dt != in.type.dtype)
      return error(it->second + ": dtype " + npyDescr(arr->dtype) +
                   " does not match input '" + in.name + "' of dtype " +
                   dtypeName(in.type.dtype) + " ('" +
                   npyDescr(toNpyDType(in.type.dtype)) + "'); " +
                   npyConvertHint(toNpyDType(in.type.dtype)));
    TensorType got{*dt, arr->shape};
    if (in.dims.empty() && got.shape != in.type.shape)
      return error(it->second + ": shape " +
                   (got.shape.empty() ? "()" : got.shapeStr()) +
                   " does not match input '" + in.name + "' of shape " +
                   in.type.shapeStr() +
                   recompileHint(in.name, in.type.shape, got.shape));
    inputs.push_back(
        {it->second, std::move(arr->shape), std::move(arr->bytes)});
    files.erase(it);
  }
  return inputs;
}

/// The elements of an f32, i32 or i64 output as doubles; empty for other
/// dtypes.
static std::vector<double> outputValues(DType dt, ArrayRef<uint8_t> bytes) {
  std::vector<double> v;
  auto read = [&](auto zero) {
    using T = decltype(zero);
    v.resize(bytes.size() / sizeof(T));
    for (size_t i = 0; i < v.size(); ++i) {
      T x;
      std::memcpy(&x, bytes.data() + i * sizeof(T), sizeof(T));
      v[i] = double(x);
    }
  };
  if (dt == DType::F32)
    read(float());
  else if (dt == DType::I32)
    read(int32_t());
  else if (dt == DType::I64)
    read(int64_t());
  return v;
}

/// Without --output-dir, a short look at an output's values: min, max,
/// mean, the first few and, for a classifier-shaped output ([C] or [1, C]),
/// the five largest with their class indices, so that a first `tlc run`
/// shows an answer and not only a shape.
static void printSummary(raw_ostream &os, DType dt, ArrayRef<int64_t> shape,
                         ArrayRef<uint8_t> bytes) {
  std::vector<double> v = outputValues(dt, bytes);
  if (v.empty())
    return;
  double lo = 0, hi = 0, sum = 0;
  size_t finite = 0, nans = 0;
  for (double x : v) {
    if (std::isnan(x)) {
      ++nans;
      continue;
    }
    lo = finite ? std::min(lo, x) : x;
    hi = finite ? std::max(hi, x) : x;
    sum += x;
    ++finite;
  }
  auto num = [](double x) {
    std::string s;
    raw_string_ostream os(s);
    os << format("%g", x);
    return os.str();
  };
  os << "  ";
  if (finite)
    os << "min " << num(lo) << ", max " << num(hi) << ", mean "
       << num(sum / double(finite)) << "; ";
  if (nans)
    os << nans << " NaN; ";
  os << "first values:";
  constexpr size_t kFirst = 8;
  for (size_t i = 0; i < std::min(v.size(), kFirst); ++i)
    os << (i ? ", " : " ") << num(v[i]);
  os << (v.size() > kFirst ? ", ...\n" : "\n");

  bool classifier = dt == DType::F32 && v.size() >= 2 && v.size() <= 10000 &&
                    (shape.size() == 1 || (shape.size() == 2 && shape[0] == 1));
  if (!classifier || nans)
    return;
  std::vector<size_t> order(v.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  size_t top = std::min<size_t>(5, v.size());
  std::partial_sort(
      order.begin(), order.begin() + top, order.end(),
      [&](size_t a, size_t b) { return v[a] != v[b] ? v[a] > v[b] : a < b; });
  os << "  top-" << top << " classes:";
  for (size_t i = 0; i < top; ++i)
    os << (i ? ", " : " ") << order[i] << " (" << num(v[order[i]]) << ")";
  os << "\n";
}

int runRun() {
  Expected<Plan> plan = readPlanFile(PlanPath);
  if (!plan)
    return reportError(plan.takeError());
  auto inputs = readInputs(*plan);
  if (!inputs)
    return reportError(inputs.takeError());
  if (Repeat == 0)
    return reportError(error("--repeat must be at least 1"));
  if (!OutputDir.empty())
    if (std::error_code ec = sys::fs::create_directories(OutputDir))
      return reportError(error(OutputDir + ": cannot create directory: " +
                               ec.message()));

  DeviceOptions dopts;
  dopts.index = DeviceIndex;
  dopts.waitTimeoutSeconds = WaitTimeout;
  dopts.validation = Validation;
  auto device = Device::create(dopts);
  if (!device)
    return reportError(device.takeError());
  LoadOptions lopts;
  lopts.poisonReleased = PoisonReleased;
  auto loaded = LoadedPlan::load(**device, *plan, lopts);
  if (!loaded)
    return reportError(loaded.takeError());
  RuntimeCounters atLoad = (*device)->counters();

  for (size_t i = 0; i < inputs->size(); ++i) {
    const InputFile &in = (*inputs)[i];
    if (Error e = (*loaded)->setInput(i, in.bytes, in.shape))
      return reportError(error(in.path + ": " + toString(std::move(e))));
  }
  if (Error e = applySymbolFlags(**loaded, SymbolFlags))
    return reportError(std::move(e));
  std::vector<double> micros;
  micros.reserve(Repeat);
  for (unsigned r = 0; r < Repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    if (Error e = (*loaded)->run())
      return reportError(std::move(e));
    auto t1 = std::chrono::steady_clock::now();
    micros.push_back(
        std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  RuntimeCounters after = (*device)->counters();

  outs() << "device: " << (*device)->info().name << "\n";
  std::sort(micros.begin(), micros.end());
  outs() << formatv("runs: {0}; wall time per run: median {1:f1} us, p90 "
                    "{2:f1} us (submit + wait, host side)\n",
                    Repeat, micros[micros.size() / 2],
                    micros[std::min(micros.size() - 1, micros.size() * 9 / 10)]);
  outs() << formatv("vulkan memory allocations: {0} after load, {1} after {2} "
                    "runs; bytes allocated: {3} after load, {4} after {2} "
                    "runs\n",
                    atLoad.memoryAllocations, after.memoryAllocations, Repeat,
                    atLoad.allocatedBytes, after.allocatedBytes);
  if (Validation || after.validationMessages)
    outs() << "validation messages: " << after.validationMessages << "\n";

  for (size_t i = 0; i < plan->outputs.size(); ++i) {
    const PlanTensor &out = plan->tensors[plan->outputs[i]];
    // The actual shape of the last run (the plan's shape when static).
    std::vector<int64_t> shape = (*loaded)->outputShape(i);
    std::string type =
        TensorType(out.type.dtype, Shape(shape.begin(), shape.end())).str();
    if (OutputDir.empty()) {
      outs() << "output " << out.name << ": " << type << "\n";
      printSummary(outs(), out.type.dtype, shape, (*loaded)->output(i));
      continue;
    }
    SmallString<256> path(OutputDir);
    sys::path::append(path, outputFileName(out.name));
    if (Error e = writeNpy(path, toNpyDType(out.type.dtype), shape,
                           (*loaded)->output(i)))
      return reportError(std::move(e));
    outs() << "output " << out.name << ": " << type << " -> " << path << "\n";
  }
  return 0;
}

} // namespace tlc
