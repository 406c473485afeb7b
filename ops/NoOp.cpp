//===- ops/NoOp.cpp - Nodes that compute nothing --------------------------===//
//
// Identity; Dropout in inference (ONNX Dropout opset 13: without
// training_mode, or with a constant false training_mode, output = input);
// Cast to the input's own dtype (ONNX TensorProto codes FLOAT 1, INT32 6,
// INT64 7). Their definitions are in ops/Identity.cpp and ops/Cast.cpp.
//
//===----------------------------------------------------------------------===//
#include "ops/NoOp.h"

using namespace llvm;

namespace tlc {

bool isNoOp(const Graph &g, const Node &node) {
  if (node.inputs.empty() || node.outputs.empty())
    return false;
  if (node.op == "Identity")
    return node.inputs.size() == 1 && node.outputs.size() == 1;
  if (node.op == "Dropout") {
    // The mask output, when present, must be unused.
    for (size_t i = 1; i < node.outputs.size(); ++i) {
      if (g.isOutput(node.outputs[i]))
        return false;
      for (const Node &n : g.nodes)
        if (llvm::is_contained(n.inputs, node.outputs[i]))
          return false;
    }
    if (node.inputs.size() < 3)
      return true;
    const Value &ratio = g.values[node.inputs[1]];
    if (ratio.kind == ValueKind::Weight &&
        isZeroDropoutRatio(ratio.type, ratio.data))
      return true;
    const Value &mode = g.values[node.inputs[2]];
    if (mode.kind != ValueKind::Weight || mode.data.empty())
      return false;
    return llvm::all_of(mode.data, [](uint8_t b) { return b == 0; });
  }
  if (node.op == "Cast") {
    const Value &in = g.values[node.inputs[0]];
    auto to = node.attrs.getInt("to", -1);
    if (!to) {
      consumeError(to.takeError());
      return false;
    }
    // ONNX TensorProto.DataType codes: FLOAT 1, INT32 6, INT64 7.
    int64_t same = in.type.dtype == DType::F32   ? 1
                   : in.type.dtype == DType::I32 ? 6
                   : in.type.dtype == DType::I64 ? 7
                                                 : -1;
    return in.hasType && node.inputs.size() == 1 && *to == same;
  }
  if (node.op == "Pad") {
    // Pads of 0 everywhere (after constant folding moved them into the
    // attribute): exporters put such Pads around AveragePool.
    if (!node.attrs.has("pads"))
      return false;
    auto pads = node.attrs.getInts("pads", {});
    if (!pads) {
      consumeError(pads.takeError());
      return false;
    }
    return !pads->empty() &&
           llvm::all_of(*pads, [](int64_t p) { return p == 0; });
  }
  return false;
}

bool isZeroDropoutRatio(const TensorType &t, ArrayRef<uint8_t> data) {
  // Little-endian f32: all bits but the sign (bit 7 of byte 3) are 0.
  return t.dtype == DType::F32 && data.size() == 4 && data[0] == 0 &&
         data[1] == 0 && data[2] == 0 && (data[3] & 0x7f) == 0;
}

} // namespace tlc
