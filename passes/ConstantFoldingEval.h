//===- passes/ConstantFoldingEval.h - Ops on constant bytes -----*- C++ -*-===//
//
// The CPU evaluator behind constant folding (passes/ConstantFolding.cpp):
// computes a node's outputs from constant inputs held as raw little-endian
// bytes of f32, i32 or i64. It covers the ops of the shape-computation
// chains that exporters such as torch.onnx emit (Shape, Gather, Unsqueeze,
// Concat, Slice, Cast, Reshape, Range, ConstantOfShape, arithmetic,
// Equal, Less/LessOrEqual/Greater/GreaterOrEqual, And/Or/Xor/Not, Where,
// ...), which tlc never executes on the device. Semantics follow
// ONNX opset 17 (https://onnx.ai/onnx/operators/). ONNX booleans are held as
// i64 0/1 (tlc has no boolean dtype).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_PASSES_CONSTANTFOLDINGEVAL_H
#define TLC_PASSES_CONSTANTFOLDINGEVAL_H

#include "ir/Graph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace tlc {

/// A compile-time constant: its type and type.byteSize() bytes (row-major,
/// little-endian). Shape's input may carry no bytes: only its type is read.
struct ConstTensor {
  TensorType type;
  std::vector<uint8_t> data;
};

/// Largest output, in elements, the evaluator produces (2^26); larger
/// results are left to the device.
constexpr int64_t kMaxFoldedElements = int64_t(1) << 26;

/// True when \p op has an evaluator here. Shape needs only its input's type;
/// every other op needs the bytes of all its inputs.
bool hasConstantEvaluator(llvm::StringRef op);

/// Output shape of an Unsqueeze or Squeeze \p node whose data input
/// (inputs[0]) may carry only its type; the axes input, when present, must
/// carry its bytes. Errors as evaluateConstantNode.
llvm::Expected<Shape> viewOutputShape(const Node &node,
                                      llvm::ArrayRef<ConstTensor> inputs);

/// Computes the outputs of \p node (one ConstTensor per node output) from
/// \p inputs. Errors (the caller prefixes the node) name what is wrong:
/// wrong input counts or dtypes, bad attributes, indices out of range,
/// integer division by zero or overflow, results with a zero dimension
/// (tlc has no empty tensors) or more than kMaxFoldedElements elements.
llvm::Error evaluateConstantNode(const Node &node,
                                 llvm::ArrayRef<ConstTensor> inputs,
                                 std::vector<ConstTensor> &outputs);

} // namespace tlc

#endif // TLC_PASSES_CONSTANTFOLDINGEVAL_H
