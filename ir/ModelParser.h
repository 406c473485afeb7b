//===- ir/ModelParser.h - model.yaml -> Graph -------------------*- C++ -*-===//
//
// Reads tlc's model format (docs/model-format.md) with yaml-cpp and builds a
// Graph whose inputs and weights are typed; shape inference types the rest.
// Weights are read by name from the safetensors file the model names.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_MODELPARSER_H
#define TLC_IR_MODELPARSER_H

#include "ir/Graph.h"
#include "ir/ShapeSpec.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>

namespace tlc {

/// The model format version this parser reads (the `tlc:` key).
constexpr int kModelFormatVersion = 1;

struct ModelParseOptions {
  /// --input-shape NAME=DIMS: replaces the declared shape of input NAME (the
  /// rank must match). A dim may be a size, a symbol's name, or a range
  /// MIN..MAX, which makes the dim a symbol: the model's name for it, or
  /// "<input>_<index>" (ir/ShapeSpec.h).
  std::map<std::string, ShapeSpec> inputShapes;
  /// --dim NAME=MIN..MAX or NAME=VALUE: the range or value of a named
  /// symbolic dim; overrides the model's `dims:` (model.yaml) and binds
  /// ONNX dim_params.
  std::map<std::string, DimRange> dims;
};

/// Parses the model file at \p path. Errors carry "path:line:col: message"
/// for malformed YAML, unknown keys, wrong kinds, bad shapes or dtypes,
/// duplicate or undefined tensor names, and weights that are missing from or
/// disagree with the safetensors file.
llvm::Expected<Graph> parseModelFile(llvm::StringRef path,
                                     const ModelParseOptions &opts = {});

/// Same, from text; \p fileName is used in messages and \p baseDir resolves
/// the weights path.
llvm::Expected<Graph> parseModelString(llvm::StringRef text,
                                       llvm::StringRef fileName,
                                       llvm::StringRef baseDir,
                                       const ModelParseOptions &opts = {});

} // namespace tlc

#endif // TLC_IR_MODELPARSER_H
