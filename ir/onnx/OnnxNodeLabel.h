//===- ir/onnx/OnnxNodeLabel.h - How errors name an ONNX node ---*- C++ -*-===//
//
// One spelling of "which node" for every importer message, so that an error
// from any import stage reads `node 'Conv_12' (Conv): ...`.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_ONNX_ONNXNODELABEL_H
#define TLC_IR_ONNX_ONNXNODELABEL_H

#include <onnx/onnx_pb.h>

#include <string>

namespace tlc {

/// The node's name, else its first named output, else "<unnamed>".
inline std::string onnxNodeLabel(const onnx::NodeProto &n) {
  if (!n.name().empty())
    return n.name();
  for (const std::string &o : n.output())
    if (!o.empty())
      return o;
  return "<unnamed>";
}

/// The op type, prefixed by its domain unless it is the default one
/// ("Conv", "com.microsoft.FusedConv").
inline std::string onnxOpLabel(const onnx::NodeProto &n) {
  if (n.domain().empty() || n.domain() == "ai.onnx")
    return n.op_type();
  return n.domain() + "." + n.op_type();
}

/// "node 'LABEL' (OP): ", the prefix of every message about one node.
inline std::string onnxNodePrefix(const onnx::NodeProto &n) {
  return "node '" + onnxNodeLabel(n) + "' (" + onnxOpLabel(n) + "): ";
}

} // namespace tlc

#endif // TLC_IR_ONNX_ONNXNODELABEL_H
