//===- tools/ImportCommand.cpp - tlc import -------------------------------===//
//
//   tlc import MODEL.onnx -o MODEL.yaml [--input-shape NAME=DIMS ...]
//
// Imports an ONNX model (ir/onnx/OnnxImporter.h) and writes it in tlc's model
// format: MODEL.yaml plus MODEL.safetensors beside it (ir/onnx/ModelWriter.h).
// The graph is written as imported, before simplification, so the YAML
// compiles through the same passes, to the same plan, as the .onnx. Ops tlc
// does not define are all named in one warning (the files are written).
//
//===----------------------------------------------------------------------===//
#include "ir/onnx/ModelWriter.h"
#include "ir/onnx/OnnxImporter.h"
#include "passes/Passes.h"
#include "tools/Commands.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace tlc {

cl::SubCommand ImportSubcommand(
    "import", "Import an ONNX model (.onnx) as a model.yaml + .safetensors");

static cl::opt<std::string> OnnxPath(cl::Positional, cl::Required,
                                     cl::desc("<model.onnx>"),
                                     cl::sub(ImportSubcommand));
static cl::opt<std::string>
    YamlPath("o", cl::Required,
             cl::desc("Output model file (.yaml); the weights go to the same "
                      "path with the extension .safetensors"),
             cl::value_desc("model.yaml"), cl::sub(ImportSubcommand));
static cl::list<std::string>
    ImportShapes("input-shape",
                 cl::desc("Bind an input's shape, e.g. x=1x3x224x224 "
                          "(repeatable; required for dynamic dimensions)"),
                 cl::value_desc("NAME=DIMS"), cl::sub(ImportSubcommand));

/// Parses the --input-shape flags ("NAME=1x3x224x224") into \p opts.
static Error parseShapes(ModelParseOptions &opts) {
  for (const std::string &flag : ImportShapes) {
    auto [name, dims] = StringRef(flag).split('=');
    if (name.empty() || dims.empty())
      return createStringError(inconvertibleErrorCode(),
                               "--input-shape '%s': expected NAME=DIMS, e.g. "
                               "x=1x3x224x224",
                               flag.c_str());
    Expected<Shape> shape = parseShapeString(dims);
    if (!shape)
      return createStringError(inconvertibleErrorCode(),
                               "--input-shape '%s': %s", flag.c_str(),
                               toString(shape.takeError()).c_str());
    // tlc import writes a model of static shapes; ranges are for compile.
    if (!opts.inputShapes.emplace(name.str(), ShapeSpec(*shape)).second)
      return createStringError(inconvertibleErrorCode(),
                               "--input-shape names '%s' twice",
                               name.str().c_str());
  }
  return Error::success();
}

int runImport() {
  ModelParseOptions opts;
  if (Error e = parseShapes(opts))
    return reportError(std::move(e));
  Expected<Graph> g = importOnnxFile(OnnxPath, opts);
  if (!g)
    return reportError(g.takeError());
  SmallString<256> weights(YamlPath);
  sys::path::replace_extension(weights, ".safetensors");
  if (weights == StringRef(YamlPath))
    return reportError(createStringError(
        inconvertibleErrorCode(),
        "-o %s: the model file must not end in .safetensors",
        YamlPath.c_str()));
  if (Error e = writeModel(*g, YamlPath, weights))
    return reportError(std::move(e));
  // The model is written as imported; ops tlc cannot compile are named now,
  // all of them, rather than one at a time by later compiles.
  if (Error e = checkOpsSupported(*g))
    handleAllErrors(std::move(e), [](const ErrorInfoBase &info) {
      WithColor::warning(errs(), "tlc")
          << info.message() << "\n(written anyway; tlc compile refuses "
                               "the model until these ops are replaced)\n";
    });
  return 0;
}

} // namespace tlc
