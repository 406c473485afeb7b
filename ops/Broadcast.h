//===- ops/Broadcast.h - Numpy-style broadcasting of shapes -----*- C++ -*-===//
//
// ONNX multidirectional (numpy) broadcasting, as used by Add, Mul and the
// batch dimensions of MatMul, and unidirectional broadcasting, as used by
// Gemm's C. See https://onnx.ai/onnx/repo-docs/Broadcasting.html.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_BROADCAST_H
#define TLC_OPS_BROADCAST_H

#include "ir/Types.h"

#include <vector>

namespace tlc {

/// The broadcast shape of \p a and \p b: shapes are right-aligned, missing
/// leading dims count as 1, and each pair of dims must be equal or contain a
/// 1. Errors name both shapes and the first incompatible output dim.
llvm::Expected<Shape> broadcastShapes(llvm::ArrayRef<int64_t> a,
                                      llvm::ArrayRef<int64_t> b);

/// Element strides to read a row-major tensor of shape \p in as if it had the
/// (broadcast) shape \p out: one entry per dim of \p out, 0 where \p in is
/// missing that dim or has size 1. Requires \p in to broadcast to \p out.
Shape broadcastStrides(llvm::ArrayRef<int64_t> in, llvm::ArrayRef<int64_t> out);

/// For every element of a row-major tensor of shape \p out, in order, the
/// linear index of the element of \p in (which broadcasts to \p out) that
/// broadcasting reads.
std::vector<int64_t> broadcastIndices(llvm::ArrayRef<int64_t> in,
                                      llvm::ArrayRef<int64_t> out);

} // namespace tlc

#endif // TLC_OPS_BROADCAST_H
