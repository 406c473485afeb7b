//===- driver/ModelCompile.cpp - A model file to a plan, as flags say -----===//
#include "driver/ModelCompile.h"
#include "ir/TextParser.h"

#include "llvm/Support/MemoryBuffer.h"

#include "driver/Pipeline.h"
#include "ir/ShapeSpec.h"
#include "ir/llama/LlamaGraph.h"
#include "ir/onnx/OnnxImporter.h"
#include "runtime/Runtime.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace tlc {

static Error flagError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// The --target profile; "auto" asks the Vulkan loader whether this machine
/// has a GPU (no loader or no device: cpu).
static Expected<KernelTarget> selectTarget(StringRef name) {
  if (name != "auto")
    return kernelTargetByName(name);
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
/// ("W=32..1280") flags into \p opts.
static Error parseShapeFlags(const ModelCompileRequest &req,
                             ModelParseOptions &opts) {
  for (const std::string &flag : req.inputShapes) {
    auto [name, dims] = StringRef(flag).split('=');
    if (name.empty() || dims.empty())
      return flagError("--input-shape '" + flag +
                       "': expected NAME=DIMS, e.g. image=1x1x28x28 or "
                       "x=1x3x48x32..1280");
    auto shape = parseShapeSpec(dims);
    if (!shape)
      return flagError("--input-shape '" + flag +
                       "': " + toString(shape.takeError()));
    if (!opts.inputShapes.emplace(name.str(), *shape).second)
      return flagError("--input-shape names '" + name + "' twice");
  }
  return parseDimFlags(req.dims, opts.dims);
}

/// MODEL.tlir is the IR's text form (ir/TextParser.h);
/// MODEL.onnx is imported (ir/onnx/OnnxImporter.h); MODEL.gguf and a
/// Hugging Face folder (config.json + safetensors) are built as Llama
/// decoders (ir/llama/LlamaGraph.h: one plan for prompts of 1 to
/// --max-context tokens); any other model is tlc's model.yaml.
static Expected<Plan> compileAnyModel(const ModelCompileRequest &req,
                                      const ModelParseOptions &parse,
                                      const CompileOptions &opts) {
  StringRef path = req.modelPath;
  bool hfFolder = sys::fs::is_directory(path);
  if (sys::path::extension(path).equals_insensitive(".gguf") || hfFolder) {
    if (req.maxContext < 0)
      return flagError("--max-context " + Twine(req.maxContext) +
                       ": expected a token count >= 1 (0: the model's "
                       "context length)");
    LlamaGraphOptions lo;
    lo.maxLength = req.maxContext;
    lo.allLogits = req.allLogits;
    lo.dequantizeWeights = req.dequantizeWeights;
    Expected<Graph> g =
        hfFolder ? importLlamaHf(path, lo) : importLlamaGguf(path, lo);
    if (!g)
      return g.takeError();
    return compileGraph(std::move(*g), opts);
  }
  if (sys::path::extension(path).equals_insensitive(".tlir")) {
    // The IR's text form (ir/TextParser.h): golden tests of the memory
    // passes compile it and read the plan dump.
    ErrorOr<std::unique_ptr<MemoryBuffer>> buf = MemoryBuffer::getFile(path);
    if (!buf)
      return createStringError(inconvertibleErrorCode(),
                               "%s: cannot read: %s", path.str().c_str(),
                               buf.getError().message().c_str());
    Expected<Graph> g = parseGraphText((*buf)->getBuffer(), path);
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

Expected<Plan> compileModelRequest(const ModelCompileRequest &req) {
  ModelParseOptions parse;
  if (Error e = parseShapeFlags(req, parse))
    return std::move(e);
  CompileOptions opts;
  opts.planner = req.planner;
  opts.planTimeLimit = req.planTimeLimit;
  opts.schedule = req.schedule;
  opts.maxBufferBytes = req.maxBufferBytes;
  opts.alignment = req.alignment;
  opts.printIR = req.printIR;
  opts.printAfterAll = req.printAfterAll;
  Expected<KernelTarget> target = selectTarget(req.target);
  if (!target)
    return flagError("--target: " + toString(target.takeError()));
  opts.target = *target;
  if (req.precision == "fp16")
    opts.floatStorage = DType::F16;
  else if (req.precision != "fp32")
    return flagError("--precision=" + req.precision +
                     ": expected fp32 or fp16");
  if (!is_contained(ArrayRef<StringRef>{"auto", "pool", "arena", "no-alias"},
                    StringRef(req.planner)))
    return flagError("--planner=" + req.planner +
                     ": expected pool, arena, no-alias or auto");
  if (req.schedule != "memory" && req.schedule != "given")
    return flagError("--schedule=" + req.schedule +
                     ": expected memory or given");
  if (req.alignment == 0 || (req.alignment & (req.alignment - 1)))
    return flagError("--alignment=" + Twine(req.alignment) +
                     ": expected a power of two");
  if (!(req.planTimeLimit >= 0 && req.planTimeLimit <= 3600))
    return flagError("--plan-time-limit must be between 0 and 3600 seconds");
  return compileAnyModel(req, parse, opts);
}

} // namespace tlc
