//===- passes/Passes.h - The compiler's passes ------------------*- C++ -*-===//
//
// One pass per file; driver/Pipeline.cpp runs them in order. Each pass says
// what it needs and what it guarantees.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_PASSES_PASSES_H
#define TLC_PASSES_PASSES_H

#include "ir/Graph.h"
#include "ops/KernelTarget.h"
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

/// For graphs over shape ranges: a tensor that reads no input data but
/// depends on the symbols (a causal mask, position ids) is computed at the
/// bound with the ops' CPU references and replaced by a Slice of that
/// constant to its symbolic extent, after checking at other points of the
/// range that its value there is the leading block of the bound's. Run after
/// foldConstants. Errors name the node whose value fails the check, cannot
/// be typed, or exceeds 64 MiB at the bound. Returns the number of nodes
/// removed. (passes/FoldAtBound.cpp)
llvm::Expected<size_t> foldAtBound(Graph &g);

/// Rewrites Conv and ConvTranspose with a rank-3 weight, and MaxPool and
/// AveragePool with one kernel_shape entry (1-D ops over [N, C, L]), into
/// Unsqueeze -> the 2-D op with a 1 x k window -> Squeeze, which constant
/// folding makes views. Needs no types (run before foldConstants). Returns
/// the number of nodes rewritten. (passes/Windows1DAs2D.cpp)
size_t rewriteWindows1DAs2D(Graph &g);

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

/// Refuses a graph with ops tlc does not define, naming all of them at
/// once: the first unknown node's error (location, name, op, a
/// did-you-mean guess) and, when there are more, one line per unknown op
/// with its node count and first node ("Pad: 3 nodes, first 'pad_1' at
/// model.onnx"). (passes/ShapeInference.cpp)
llvm::Error checkOpsSupported(const Graph &g);

/// Gives every node output its type from the op's shape rule, in node order
/// (needs a topological order). Errors name the node, its location and what
/// the shape rule rejected, e.g. an unsupported op or mismatched shapes.
/// (passes/ShapeInference.cpp)
llvm::Error inferShapes(Graph &g);

/// Attention fusion: rewrites MatMul(Q, Kt) -> [Mul | Div by a scalar
/// constant] -> [Add(mask)] -> Softmax(last axis) -> MatMul(., V), every
/// intermediate with one reader and no graph output, into one
/// FusedAttention node (ops/FusedAttention.h) whose Q, K and V are strided
/// views of the tensors their Split / Reshape / Transpose producers read,
/// and whose output is written where a following Transpose (+ views) would
/// put it; then removes the copies left unread (dead-code elimination).
/// Needs typed values and a topological order, which it keeps. Returns the
/// number of FusedAttention nodes created. (passes/FuseAttention.cpp)
size_t fuseAttention(Graph &g);

/// Epilogue fusion: rewrites Conv -> [Add of a residual of the same type] ->
/// [Relu | Sigmoid | HardSigmoid | HardSwish | Clip with constant bounds]
/// into one FusedConv node (onnxruntime com.microsoft FusedConv semantics,
/// Y = act(Conv(X, W) + B + Z)), absorbing a link only when the tensor
/// between them has no other reader and is not a graph output. Needs typed
/// values and a topological order, which it keeps. Returns the number of
/// FusedConv nodes created. Also rewrites Gemm -> [views] -> Add(., Z),
/// Z of the viewed output's type, into one GemmResidual node (a fused
/// residual; counted in the result). (passes/FuseEpilogues.cpp)
size_t fuseEpilogues(Graph &g);

/// Split-K for the "gpu" target (passes/SplitK.cpp): rewrites each Gemm,
/// GemmResidual or MatMul by a matrix (B of rank 2; A's rows flattened
/// through a Reshape view) whose output tiles leave the GPU's compute units
/// idle and whose K is long into GemmSplitK (partial products P [S, M, N]
/// of S slices of K, a transient tensor) and SplitKReduce (their sum plus
/// bias and residual), choosing S by chooseSplitKSlice (ops/GemmKernel.h).
/// Does nothing for other targets. Needs typed values and a topological order,
/// which it keeps. Returns the number of GEMMs split.
size_t splitK(Graph &g, const KernelTarget &target);

/// For the "gpu" target (subgroup arithmetic): folds a LayerNormalization
/// of a SplitKReduce's output over its last axis (N), reached directly or
/// through views, into the reduction (layer_norm = 1, second output: the
/// normalized rows), so a transformer's residual projection and the next
/// LayerNormalization are one dispatch. Needs typed values and a
/// topological order, which it keeps. Returns the number of
/// LayerNormalization nodes folded. (passes/FuseReduceLayerNorm.cpp)
size_t fuseReduceLayerNorm(Graph &g, const KernelTarget &target);

/// Decode projections: rewrites RMSNormalization (last axis, [K] scale) ->
/// [one Reshape to [rows, K]] -> 1 to 3 Gemms {transB = 1} of static
/// weights of at most \p maxWeightBytes (no C, alpha 1), the normalized
/// tensor read by nothing else, rows possibly 1, into one RMSNormGemm node
/// (ops/RMSNormGemm.cpp): one dispatch for a decoded token instead of a
/// normalization and a GEMM each. Needs typed values (f32, before
/// F16Storage) and a topological order, which it keeps. Does nothing for
/// non-GPU targets (\p target: lavapipe runs the fused kernels slower).
/// Returns the number of nodes created. (passes/FuseNormProjections.cpp)
size_t fuseNormProjections(Graph &g, const KernelTarget &target,
                           uint64_t maxWeightBytes);

/// Largest tensor one storage-buffer binding holds on every device tlc
/// targets, bytes: 128 MiB, lavapipe's maxStorageBufferRange (NVIDIA's is
/// 4 GiB).
constexpr uint64_t kMaxBindingBytes = uint64_t(128) << 20;

/// Splits each weight larger than \p maxBytes that a Gather along axis 0,
/// a Gemm, a MatMul (B [K, N]) or a QuantizedGemm reads as its table or B
/// into chunks of at most \p maxBytes, each its own weight:
/// GatherRowChunks over row chunks; one GEMM per slice of N (a per-column
/// bias sliced alike) joined by a Concat along the last axis. Row chunks
/// are shared between readers (a tied LM head and the embedding); a
/// column split is made only for a weight nothing else reads. Runs on typed values in topological order, after F16Storage (the
/// bytes the plan holds); keeps the order. Returns the number of nodes
/// split. (passes/SplitLargeWeights.cpp)
size_t splitLargeWeights(Graph &g, uint64_t maxBytes = kMaxBindingBytes);

/// What useF16Storage changed.
struct F16StorageStats {
  size_t f16Nodes = 0;       // nodes that run their kernels' fp16 builds
  size_t casts = 0;          // StorageCast nodes inserted
  size_t weightsConverted = 0; // weights stored as binary16
};

/// `--precision=fp16`: stores float tensors as IEEE binary16 wherever the
/// kernels that read and write them have an fp16-storage build (a shader's
/// NAME_f16 module, shaders/storage.glsl); arithmetic stays f32. A node runs
/// its f16 builds when every dispatch its lowering (for \p target) emits
/// has one; each binding then gets the storage its f16 module declares
/// (its interface table, spirv/EmbeddedShaders.h), so e.g. an attention mask
/// can stay f32.
/// Float weights read as f16 are converted once, here (ir/Half.h; finite
/// values beyond +-65504 saturate to +-65504, so a -1e30 mask stays
/// finite). StorageCast nodes convert where a tensor crosses between f32 and
/// f16 storage: graph inputs and outputs stay f32, so a plan's interface
/// does not change. Needs typed values in topological order, which it
/// keeps; f16 values fail verifyGraph's shape rules only in dtype, which the
/// verifier maps back to f32. (passes/F16Storage.cpp)
F16StorageStats useF16Storage(Graph &g, const KernelTarget &target);

/// Elementwise fusion: replaces each maximal region of two or more
/// elementwise nodes (Add, Sub, Mul, Div, Pow, Relu, Sigmoid, Tanh, Erf,
/// Sqrt, HardSwish, HardSigmoid, Clip with constant bounds) whose
/// intermediate tensors have no reader outside it and are no graph output
/// by one FusedElementwise node (at most 24 nodes and 4 distinct tensor
/// inputs per region; scalar constants become immediates). Needs typed
/// values and a topological order, which it keeps. Returns the number of
/// FusedElementwise nodes created. (passes/FuseElementwise.cpp)
size_t fuseElementwise(Graph &g);

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
  /// Concat inputs are computed straight into their slice of the output
  /// (ops with OpMemoryTraits::joinsInputs), when that slice is contiguous
  /// and aligned.
  bool concatSlices = true;
};

/// Where every tensor's bytes are (both vectors indexed by ValueId): inside
/// the memory of its storage root, at a byte offset. A root is its own root
/// at offset 0; a view or an in-place output shares its root's bytes at
/// offset 0; a Concat input computed in its slice lies at the slice's offset
/// inside the Concat output (or inside the root that output itself lies in).
/// Roots are never aliases themselves (the vectors are flattened).
struct StorageLayout {
  std::vector<ValueId> root;
  std::vector<uint64_t> offset; // bytes from the root's first byte
};

/// Storage layout of every tensor; needs the final schedule. Views first,
/// then in-place outputs, then Concat slices (in schedule order, so nested
/// Concats compose). A slice is taken only when it is contiguous in the
/// output (every output dim before the axis is 1), its offset inside the
/// final root is a multiple of \p alignment (bytes, a power of two: the
/// plan's tensor alignment), the input's whole storage group is transient,
/// written by dispatches before the Concat's step and not read after any
/// later write over the Concat output's bytes, and the input's group is not
/// already in another slice (so a tensor given twice is copied the second
/// time). A Concat's slices are kept only when they do not raise the lower
/// bound of live transient bytes (transientLowerBound). (passes/Aliasing.cpp)
StorageLayout computeStorageLayout(const Graph &g, const AliasOptions &opts,
                                   uint64_t alignment = 256);

/// The roots of computeStorageLayout(g, opts, alignment).
std::vector<ValueId> computeStorageRoots(const Graph &g,
                                         const AliasOptions &opts,
                                         uint64_t alignment = 256);

/// Live interval of every tensor in schedule steps (node indices). A storage
/// root's interval covers its whole group; only roots can be transient.
/// \p storageRoots may be empty (no aliasing); offsets are then all 0.
/// (passes/Liveness.cpp)
Liveness computeLiveness(const Graph &g,
                         const std::vector<ValueId> &storageRoots = {});

/// Same, keeping the layout's byte offsets in Liveness::storageOffset.
Liveness computeLiveness(const Graph &g, const StorageLayout &layout);

/// Release points: for each step, the transient tensors whose last use is
/// that step, so their memory is free after it. (passes/ReleasePoints.cpp)
std::vector<std::vector<ValueId>> computeReleasePoints(const Graph &g,
                                                       const Liveness &live);

} // namespace tlc

#endif // TLC_PASSES_PASSES_H
