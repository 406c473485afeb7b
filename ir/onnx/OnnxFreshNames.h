//===- ir/onnx/OnnxFreshNames.h - Unused names in an ONNX graph -*- C++ -*-===//
//
// The importer's rewrites of a ModelProto (OnnxLegacySoftmax,
// OnnxOptionalInputs) add tensors and nodes; their names must not collide
// with any name the graph already uses.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_ONNX_ONNXFRESHNAMES_H
#define TLC_IR_ONNX_ONNXFRESHNAMES_H

#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <string>

namespace tlc {

/// Hands out tensor and node names that no tensor or node of a graph has
/// (nor any name handed out before).
class OnnxFreshNames {
public:
  /// Records every node, tensor, input and output name of \p g.
  explicit OnnxFreshNames(const onnx::GraphProto &g) {
    for (const onnx::NodeProto &n : g.node()) {
      taken.insert(n.name());
      for (const std::string &s : n.input())
        taken.insert(s);
      for (const std::string &s : n.output())
        taken.insert(s);
    }
    for (const onnx::TensorProto &t : g.initializer())
      taken.insert(t.name());
    for (const onnx::ValueInfoProto &v : g.input())
      taken.insert(v.name());
    for (const onnx::ValueInfoProto &v : g.output())
      taken.insert(v.name());
  }

  /// \p base if unused, else the first unused of base_1, base_2, ...
  std::string get(const std::string &base) {
    std::string name = base;
    for (unsigned i = 1; !taken.insert(name).second; ++i)
      name = base + "_" + std::to_string(i);
    return name;
  }

private:
  llvm::StringSet<> taken;
};

} // namespace tlc

#endif // TLC_IR_ONNX_ONNXFRESHNAMES_H
