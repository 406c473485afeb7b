//===- passes/Passes.h - The compiler's passes ------------------*- C++ -*-===//
//
// One pass per file; passes/Pipeline.cpp runs them in order. Each pass says
// what it needs and what it guarantees.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_PASSES_PASSES_H
#define TLC_PASSES_PASSES_H

#include "ir/Graph.h"
#include "passes/Liveness.h"

#include "llvm/Support/Error.h"

#include <string>

namespace tlc {

/// Orders Graph::nodes topologically (Kahn's algorithm; among ready nodes the
/// one listed first in the model goes first, so a well-ordered model keeps its
/// order). Errors when the nodes form a cycle, naming a node on it.
/// (passes/Schedule.cpp)
llvm::Error scheduleTopological(Graph &g);

/// Constant folding, typing as it goes (see passes/ConstantFolding.cpp):
/// in node order (needs a topological order), a node whose inputs are all
/// Weight values (for Shape: a typed input) is evaluated on the CPU and its
/// outputs become Weight values; other nodes get their output types from the
/// op's shape rule when it accepts them; an Unsqueeze or Squeeze of a
/// non-constant tensor becomes a Reshape (a view) with a constant shape.
/// Nodes writing a graph output are kept. Returns the number of nodes folded. Errors name the node when its
/// constant inputs are invalid for the op (e.g. a Gather index out of range,
/// an integer division by zero). (passes/ConstantFolding.cpp)
llvm::Expected<size_t> foldConstants(Graph &g);

/// Removes Identity, inference-mode Dropout and Cast to the same dtype:
/// readers of the output read the input. Returns the number of nodes
/// removed. (passes/RemoveIdentities.cpp)
size_t removeIdentities(Graph &g);

/// Folds inference-mode BatchNormalization (ONNX opset 15) with constant
/// f32 parameters into the preceding Conv's weights and bias when only the
/// BatchNormalization reads the Conv's output; any other such
/// BatchNormalization becomes Mul + Add with per-channel constants. Needs
/// typed inputs (run after foldConstants). Returns the number of
/// BatchNormalization nodes rewritten. (passes/FoldBatchNorm.cpp)
size_t foldBatchNorm(Graph &g);

/// Gives every node output its type from the op's shape rule, in node order
/// (needs a topological order). Errors name the node, its location and what
/// the shape rule rejected, e.g. an unsupported op or mismatched shapes.
/// (passes/ShapeInference.cpp)
llvm::Error inferShapes(Graph &g);

/// Removes nodes none of whose outputs is needed by a graph output, and
/// weights nothing reads. Keeps the order of the rest. Returns the number of
/// nodes removed. (passes/DeadCodeElimination.cpp)
size_t eliminateDeadCode(Graph &g);

/// Result of the memory-aware scheduler: the peak of live transient bytes
/// (the lower bound of every planner) under the given order and under the
/// chosen one, and which scheduler won ("given", "net-bytes",
/// "depth-first").
struct ScheduleResult {
  uint64_t peakBefore = 0;
  uint64_t peakAfter = 0;
  std::string strategy;
};

/// Reorders a topologically ordered, typed graph to lower the peak of live
/// transient bytes; never raises it. (passes/MemoryAwareSchedule.cpp)
ScheduleResult scheduleForMemory(Graph &g);

struct AliasOptions {
  bool views = true;   // Reshape/Flatten share their input's memory
  bool inPlace = true; // elementwise ops may overwrite a dying input
};

/// Storage root of every tensor (indexed by ValueId): the tensor whose memory
/// it uses, itself unless it is a view or an in-place output. Needs the final
/// schedule. (passes/Aliasing.cpp)
std::vector<ValueId> computeStorageRoots(const Graph &g,
                                         const AliasOptions &opts);

/// Live interval of every tensor in schedule steps (node indices). A storage
/// root's interval covers its whole group; only roots can be transient.
/// \p storageRoots may be empty (no aliasing). (passes/Liveness.cpp)
Liveness computeLiveness(const Graph &g,
                         const std::vector<ValueId> &storageRoots = {});

/// Release points: for each step, the transient tensors whose last use is
/// that step, so their memory is free after it. (passes/ReleasePoints.cpp)
std::vector<std::vector<ValueId>> computeReleasePoints(const Graph &g,
                                                       const Liveness &live);

} // namespace tlc

#endif // TLC_PASSES_PASSES_H
