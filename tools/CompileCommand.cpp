//===- tools/CompileCommand.cpp - tlc compile -----------------------------===//
#include "driver/ModelCompile.h"
#include "tools/Commands.h"
#include "tools/PlanReport.h"

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
  ModelCompileRequest req;
  req.modelPath = ModelPath;
  req.inputShapes.assign(InputShapes.begin(), InputShapes.end());
  req.dims.assign(DimFlags.begin(), DimFlags.end());
  req.maxContext = MaxContext;
  req.allLogits = AllLogits;
  req.dequantizeWeights = DequantizeWeights;
  req.planner = Planner;
  req.schedule = Schedule;
  req.planTimeLimit = PlanTimeLimit;
  req.maxBufferBytes = MaxBufferBytes;
  req.alignment = Alignment;
  req.target = Target;
  req.precision = Precision;
  if (PrintIR || PrintIRAfterAll)
    req.printIR = &outs();
  req.printAfterAll = PrintIRAfterAll;
  Expected<Plan> plan = compileModelRequest(req);
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
