//===- ir/onnx/ModelWriter.h - Graph -> model.yaml + weights ----*- C++ -*-===//
//
// Writes a Graph in tlc's model format (docs/model-format.md): the YAML
// (yaml-cpp's emitter) and the weights in a safetensors file beside it.
// `tlc import` uses it so that an ONNX model can be read, edited and
// compiled as a model.yaml.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_ONNX_MODELWRITER_H
#define TLC_IR_ONNX_MODELWRITER_H

#include "ir/Graph.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace tlc {

/// The model YAML for \p g; every Weight value a node reads is referenced by
/// name from the safetensors file \p weightsName (as written in the YAML's
/// `weights:` key, relative to the YAML file). Input shapes are written
/// static (as bound at import). Names and string attributes are quoted so
/// that any string survives; float attributes are written with 17
/// significant digits and always a '.' or exponent, so they parse back as
/// the same double (not as an integer). Errors: a non-finite float
/// attribute (the model format has no NaN/inf).
llvm::Expected<std::string> emitModelYaml(const Graph &g,
                                          llvm::StringRef weightsName);

/// Writes \p g to \p yamlPath and its weights to \p weightsPath (the YAML
/// names it by its file name, so both must be in one directory), each
/// atomically (ir/AtomicFile.h): the safetensors file first, so that the YAML
/// never refers to a missing file. Errors name the file that failed.
llvm::Error writeModel(const Graph &g, llvm::StringRef yamlPath,
                       llvm::StringRef weightsPath);

} // namespace tlc

#endif // TLC_IR_ONNX_MODELWRITER_H
