//===- tests/unit/OpTestUtil.h - Run one op on the device -------*- C++ -*-===//
//
// Helpers for op tests: random inputs, the op's CPU reference, the same op
// compiled by the full pipeline and run on the default Vulkan device (with
// validation layers on), and error measures.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TESTS_OPTESTUTIL_H
#define TLC_TESTS_OPTESTUTIL_H

#include "codegen/Plan.h"
#include "ops/OpDef.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tlc {
namespace testing {

/// A tensor of \p shape with elements uniform in [lo, hi), from a fixed seed.
HostTensor randomTensor(const Shape &shape, uint32_t seed, float lo = -1.0f,
                        float hi = 1.0f);

/// One operand of a single-op test: its data, and whether it is a weight
/// (compiled into the plan) or a graph input (written at run time).
struct OpOperand {
  HostTensor tensor;
  bool isWeight = false;
};

/// Runs op \p op with \p attrs on \p operands through its CPU reference.
/// Errors when the shape rule rejects the operands.
llvm::Expected<std::vector<HostTensor>>
runReference(llvm::StringRef op, const Attributes &attrs,
             const std::vector<OpOperand> &operands);

/// A graph of one node \p op over \p operands: operand i is the value
/// "in<i>" (a graph input, or a weight holding its data when isWeight); the
/// node's outputs are untyped until shape inference.
llvm::Expected<Graph> buildOneNodeGraph(llvm::StringRef op,
                                        const Attributes &attrs,
                                        const std::vector<OpOperand> &operands);

/// Loads \p plan on the test binary's shared device (validation layers on),
/// feeds the non-weight \p operands as its inputs in order, runs it once and
/// returns every output. Errors on a load/run failure, an output of the
/// wrong size, or any validation-layer message.
llvm::Expected<std::vector<HostTensor>>
runPlanOnDevice(const Plan &plan, const std::vector<OpOperand> &operands);

/// Builds a one-node graph, compiles it with the full pipeline (pool
/// planner, plan checker on), round-trips the plan through the .tlp format,
/// runs it on the default device and returns the outputs. Fails (errors) on
/// any validation-layer message.
llvm::Expected<std::vector<HostTensor>>
runOnDevice(llvm::StringRef op, const Attributes &attrs,
            const std::vector<OpOperand> &operands);

/// Relative L2 error allowed between an op on the device and its CPU
/// reference.
constexpr double kTolerance = 1e-5;

/// runOnDevice, compiled with `--precision=fp16` (CompileOptions::
/// floatStorage = F16) for kernel target \p target ("cpu" or "gpu"): the
/// op's float tensors are stored as binary16, with f32 graph inputs and
/// outputs. Errors as runOnDevice, and also when a dispatch of the op's node
/// ran an f32 build (so a test cannot pass by falling back to f32).
llvm::Expected<std::vector<HostTensor>>
runOnDeviceF16(llvm::StringRef op, const Attributes &attrs,
               const std::vector<OpOperand> &operands,
               llvm::StringRef target = "cpu");

/// \p t with every element rounded to the nearest binary16, as fp16
/// storage holds it; feed such inputs to both the device and the reference
/// so that only the kernel's own rounding is measured.
HostTensor roundedToF16(HostTensor t);

/// \p g compiled as runOnDeviceF16 compiles it: pool planner, fp16
/// storage (CompileOptions::floatStorage = F16), kernel target \p target
/// ("cpu" or "gpu"). Errors: an unknown target, compile errors.
llvm::Expected<Plan> compileWithF16Storage(Graph g, llvm::StringRef target);

/// The one-node graph of \p op (buildOneNodeGraph) compiled by the full
/// pipeline with the pool planner for kernel target \p target ("cpu",
/// "gpu", "gpu-nv") and float storage \p floatStorage (F32, or F16 as for
/// runOnDeviceF16). Errors: graph, target and compile errors.
llvm::Expected<Plan> compileOneNode(llvm::StringRef op, const Attributes &attrs,
                                    const std::vector<OpOperand> &operands,
                                    llvm::StringRef target,
                                    DType floatStorage);

/// The shader names of \p plan's Dispatch commands, in order; the
/// StorageCast conversions at an fp16 plan's edges left out when
/// \p skipStorageCasts.
std::vector<std::string> dispatchShaders(const Plan &plan,
                                         bool skipStorageCasts);

/// Relative L2 error of the f32 values in \p got against \p want (raw
/// little-endian bytes, as plan outputs and .npy data hold them); compares
/// the first min(size) bytes.
double relativeL2Bytes(llvm::ArrayRef<uint8_t> got,
                       llvm::ArrayRef<uint8_t> want);

/// Relative L2 error allowed between an op run with fp16 storage and its
/// CPU reference on the same (rounded) inputs: a few binary16 roundings of
/// intermediate and output values (unit roundoff 2^-11 = 4.9e-4).
constexpr double kToleranceF16 = 3e-3;

/// Runs \p op's shape rule on inputs of \p types (no constant data); returns
/// the error message ("" on success) and stores the output types in \p out.
std::string shapeRule(llvm::StringRef op, const Attributes &attrs,
                      std::vector<TensorType> types,
                      std::vector<TensorType> *out = nullptr);

/// An f32 tensor of \p shape holding \p data (row-major).
HostTensor tensor(Shape shape, std::vector<float> data);

/// Sets the elements of the f32 tensor \p t to \p values (as many as it has).
inline void assignF32(HostTensor &t, llvm::ArrayRef<float> values) {
  assert(values.size() == t.f32().size() && "wrong element count");
  llvm::copy(values, t.f32().begin());
}

/// The outputs of \p node of \p g (whose inputs are constants, or typed
/// for ops that read only types) as constant folding computes them: the
/// op's shape rule, then its reference (evaluateOp). Errors as evaluateOp.
llvm::Expected<std::vector<HostTensor>> foldNode(const Graph &g,
                                                 const Node &node);

/// An i64 tensor of \p shape holding \p values (shape operands, indices).
inline HostTensor ints(Shape shape, std::vector<int64_t> values) {
  return HostTensor::i64(std::move(shape), values);
}

/// \p n comma-separated decimal values of a deterministic pattern in
/// [-1, 1] (\p seed shifts it), for constants in model.yaml test models.
inline std::string patternValues(int64_t n, int seed) {
  std::string s;
  for (int64_t i = 0; i < n; ++i)
    s += (i ? ", " : "") +
         std::to_string(double((i * 37 + seed * 11) % 41) / 20.0 - 1.0);
  return s;
}

/// The f32 tensor type of \p s.
inline TensorType f32(Shape s) { return TensorType{DType::F32, std::move(s)}; }

/// Gemm's attributes: alpha, beta, transA, transB.
Attributes gemmAttrs(double alpha, double beta, int64_t transA,
                     int64_t transB);

/// Runs the op on the device and through its CPU reference (GoogleTest
/// assertions): equal output types and relative L2 error <= kTolerance.
void expectDeviceMatchesReference(llvm::StringRef op, const Attributes &attrs,
                                  const std::vector<OpOperand> &operands);

/// ||a - b||_2 / max(||b||_2, 1e-30).
double relativeL2(const HostTensor &a, const HostTensor &b);
/// max_i |a_i - b_i|.
double maxAbsDiff(const HostTensor &a, const HostTensor &b);

} // namespace testing
} // namespace tlc

#endif // TLC_TESTS_OPTESTUTIL_H
