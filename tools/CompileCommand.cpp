//===- tools/CompileCommand.cpp - tlc compile -----------------------------===//
#include "ir/llama/LlamaGraph.h"
#include "ir/onnx/OnnxImporter.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"
#include "tools/Commands.h"
#include "tools/PlanReport.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

using namespace llvm;

namespace tlc {

cl::SubCommand CompileSubcommand(
    "compile", "Compile a model (model.yaml, ONNX or Llama GGUF) to a plan "
               "(.tlp)");

static cl::opt<std::string> ModelPath(cl::Positional, cl::Required,
                                      cl::desc("<model.yaml, model.onnx, "
                                               "model.gguf or HF folder>"),
                                      cl::sub(CompileSubcommand));
static cl::opt<std::string> OutputPath("o", cl::Required,
                                       cl::desc("Output plan file (.tlp)"),
                                       cl::value_desc("plan.tlp"),
                                       cl::sub(CompileSubcommand));
static cl::list<std::string>
    InputShapes("input-shape",
                cl::desc("Bind an input's shape, e.g. image=1x1x28x28, "
                         "or a range in any dim, x=1x3x48x32..1280 "
                         "(repeatable)"),
                cl::value_desc("NAME=DIMS"), cl::sub(CompileSubcommand));
static cl::list<std::string> DimFlags(
    "dim",
    cl::desc("Range or value of a named symbolic dimension, e.g. "
             "W=32..1280 or N=1 (repeatable); the plan serves every shape "
             "in the range"),
    cl::value_desc("NAME=MIN..MAX"), cl::sub(CompileSubcommand));
static cl::opt<long long> MaxContext(
    "max-context", cl::init(0),
    cl::desc("GGUF / HF models: the longest prompt in tokens the plan serves "
             "(default 0: the model's context length)"),
    cl::value_desc("N"), cl::sub(CompileSubcommand));
static cl::opt<bool> AllLogits(
    "all-logits",
    cl::desc("GGUF / HF models: logits for every position ([1, S, vocab]) "
             "instead of the last one"),
    cl::sub(CompileSubcommand));
static cl::opt<bool> DequantizeWeights(
    "dequantize-weights",
    cl::desc("GGUF models: dequantize Q8_0, Q4_0 and Q6_K weights to f32 at "
             "compile time instead of keeping them quantized in memory"),
    cl::sub(CompileSubcommand));
static cl::opt<bool> PrintIR("print-ir",
                             cl::desc("Print the IR after shape inference"),
                             cl::sub(CompileSubcommand));
static cl::opt<bool>
    PrintIRAfterAll("print-ir-after-all",
                    cl::desc("Print the IR after every pass"),
                    cl::sub(CompileSubcommand));
static cl::opt<std::string>
    Planner("planner", cl::init("auto"),
            cl::desc("Memory planner: pool, arena, no-alias or auto (the "
                     "smallest valid plan; default: auto)"),
            cl::sub(CompileSubcommand));
static cl::opt<std::string>
    Schedule("schedule", cl::init("memory"),
             cl::desc("Node order: memory (lowest peak of live bytes) or "
                      "given (the model's order) (default: memory)"),
             cl::sub(CompileSubcommand));
static cl::opt<double>
    PlanTimeLimit("plan-time-limit", cl::init(1.0),
                  cl::desc("Time budget of the arena planner's search, in "
                           "seconds (default: 1)"),
                  cl::sub(CompileSubcommand));
static cl::opt<uint64_t> MaxBufferBytes(
    "max-buffer-bytes", cl::init(uint64_t(128) << 20),
    cl::desc("Largest transient buffer in bytes; a taller arena is split at "
             "offsets no tensor straddles (default 128 MiB, lavapipe's "
             "binding limit)"),
    cl::sub(CompileSubcommand));
static cl::opt<unsigned>
    Alignment("alignment", cl::init(256),
              cl::desc("Byte alignment of tensor offsets (power of two; "
                       "default: 256)"),
              cl::sub(CompileSubcommand));

static cl::opt<std::string>
    DumpPlan("dump-plan",
             cl::desc("Also write the plan's dump to FILE; the format comes "
                      "from the extension: .txt, .json, .trace.json or "
                      ".trace (Chrome trace), .svg"),
             cl::value_desc("FILE"), cl::sub(CompileSubcommand));

static cl::opt<std::string> Target(
    "target", cl::init("auto"),
    cl::desc("Device profile the kernels are tuned for: cpu (lavapipe), gpu, "
             "gpu-nv (gpu plus NVIDIA tensor cores, VK_NV_cooperative_matrix, "
             "for --precision=fp16), or auto (gpu-nv or gpu when this "
             "machine has a Vulkan GPU, else cpu). cpu and gpu plans run on "
             "any device; the profile only tunes speed (default: auto)"),
    cl::value_desc("cpu|gpu|gpu-nv|auto"), cl::sub(CompileSubcommand));

static cl::opt<std::string> Precision(
    "precision", cl::init("fp32"),
    cl::desc("Storage of float tensors in the plan: fp32, or fp16 (binary16 "
             "storage where a kernel has an fp16 build, f32 arithmetic; "
             "inputs and outputs stay f32). Needs a device with "
             "storageBuffer16BitAccess (default: fp32)"),
    cl::value_desc("fp32|fp16"), cl::sub(CompileSubcommand));

/// The --target profile; "auto" asks the Vulkan loader whether this machine
/// has a GPU (no loader or no device: cpu).
static Expected<KernelTarget> selectTarget() {
  if (Target != "auto")
    return kernelTargetByName(Target);
  Expected<std::vector<DeviceInfo>> devices = listDevices();
  if (!devices) {
    consumeError(devices.takeError());
    return kernelTargetByName("cpu");
  }
  for (const DeviceInfo &d : *devices)
    if (d.type == "discrete-gpu" || d.type == "integrated-gpu") {
      Expected<KernelTarget> t =
          kernelTargetByName(d.cooperativeMatrixNV ? "gpu-nv" : "gpu");
      if (t && d.subgroupSize)
        t->subgroupSize = d.subgroupSize;
      return t;
    }
  return kernelTargetByName("cpu");
}

/// Parses the --input-shape ("NAME=1x3x48x32..1280") and --dim
/// ("W=32..1280") flags into the options.
static Error parseInputShapeFlags(ModelParseOptions &opts) {
  for (const std::string &flag : InputShapes) {
    StringRef name, dims;
    std::tie(name, dims) = StringRef(flag).split('=');
    if (name.empty() || dims.empty())
      return createStringError(inconvertibleErrorCode(),
                               "--input-shape '%s': expected NAME=DIMS, e.g. "
                               "image=1x1x28x28 or x=1x3x48x32..1280",
                               flag.c_str());
    auto shape = parseShapeSpec(dims);
    if (!shape)
      return createStringError(inconvertibleErrorCode(),
                               "--input-shape '%s': %s", flag.c_str(),
                               toString(shape.takeError()).c_str());
    if (!opts.inputShapes.emplace(name.str(), *shape).second)
      return createStringError(inconvertibleErrorCode(),
                               "--input-shape names '%s' twice",
                               name.str().c_str());
  }
  return parseDimFlags(DimFlags, opts.dims);
}

/// MODEL.onnx is imported (ir/onnx/OnnxImporter.h); MODEL.gguf and a
/// Hugging Face folder (config.json + safetensors) are built as Llama
/// decoders (ir/llama/LlamaGraph.h: one plan for prompts of 1 to
/// --max-context tokens); any other model is tlc's model.yaml.
static Expected<Plan> compileAnyModel(StringRef path,
                                      const ModelParseOptions &parse,
                                      const CompileOptions &opts) {
  bool hfFolder = sys::fs::is_directory(path);
  if (sys::path::extension(path).equals_insensitive(".gguf") || hfFolder) {
    if (MaxContext < 0)
      return createStringError(inconvertibleErrorCode(),
                               "--max-context %lld: expected a token count "
                               ">= 1 (0: the model's context length)",
                               (long long)MaxContext);
    LlamaGraphOptions lo;
    lo.maxLength = MaxContext;
    lo.allLogits = AllLogits;
    lo.dequantizeWeights = DequantizeWeights;
    Expected<Graph> g =
        hfFolder ? importLlamaHf(path, lo) : importLlamaGguf(path, lo);
    if (!g)
      return g.takeError();
    return compileGraph(std::move(*g), opts);
  }
  if (!sys::path::extension(path).equals_insensitive(".onnx"))
    return compileModelFile(path, parse, opts);
  Expected<Graph> g = importOnnxFile(path, parse);
  if (!g)
    return g.takeError();
  return compileGraph(std::move(*g), opts);
}

int runCompile() {
  // An unknown dump extension is an error before any work is done.
  std::optional<PlanDumpFormat> dumpFormat;
  if (DumpPlan.getNumOccurrences()) {
    Expected<PlanDumpFormat> f = planDumpFormatForPath(DumpPlan);
    if (!f)
      return reportError(createStringError(inconvertibleErrorCode(),
                                           "--dump-plan %s",
                                           toString(f.takeError()).c_str()));
    dumpFormat = *f;
  }
  ModelParseOptions parse;
  if (Error e = parseInputShapeFlags(parse))
    return reportError(std::move(e));
  CompileOptions opts;
  opts.planner = Planner;
  opts.planTimeLimit = PlanTimeLimit;
  opts.schedule = Schedule;
  opts.maxBufferBytes = MaxBufferBytes;
  opts.alignment = Alignment;
  if (PrintIR || PrintIRAfterAll)
    opts.printIR = &outs();
  opts.printAfterAll = PrintIRAfterAll;
  Expected<KernelTarget> target = selectTarget();
  if (!target)
    return reportError(createStringError(inconvertibleErrorCode(), "--target: %s",
                                         toString(target.takeError()).c_str()));
  opts.target = *target;
  if (Precision == "fp16")
    opts.floatStorage = DType::F16;
  else if (Precision != "fp32")
    return reportError(createStringError(
        inconvertibleErrorCode(),
        "--precision=%s: expected fp32 or fp16", Precision.c_str()));
  if (PlanTimeLimit < 0 || PlanTimeLimit > 3600)
    return reportError(createStringError(
        inconvertibleErrorCode(),
        "--plan-time-limit must be between 0 and 3600 seconds"));

  Expected<Plan> plan = compileAnyModel(ModelPath, parse, opts);
  if (!plan)
    return reportError(plan.takeError());
  if (Error e = writePlanFile(*plan, OutputPath))
    return reportError(std::move(e));
  if (dumpFormat)
    if (Error e = writePlanDump(*plan, *dumpFormat, DumpPlan))
      return reportError(std::move(e));
  return 0;
}

} // namespace tlc
