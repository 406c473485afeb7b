//===- codegen/Plan.h - The compiled plan (.tlp contents) -------*- C++ -*-===//
//
// A Plan is everything the runtime needs to execute a model: SPIR-V modules,
// the buffers to allocate (sizes fixed ahead of time), where every tensor
// lives (buffer + byte offset), the weights, and the command list (dispatch,
// barrier, release). The runtime allocates the buffers once, records the
// commands once and then only submits.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_CODEGEN_PLAN_H
#define TLC_CODEGEN_PLAN_H

#include "ir/Types.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tlc {

/// What a device buffer holds.
enum class BufferRole : uint8_t {
  Transient, // intermediate tensors, memory reused per the plan
  Weights,   // all weights, uploaded once at load
  Input,     // one graph input, written by the host before each run
  Output,    // one graph output, read by the host after each run
  State,     // planned state (KV caches): zeroed at load, kept across runs
};
llvm::StringRef bufferRoleName(BufferRole r);

struct PlanBuffer {
  BufferRole role = BufferRole::Transient;
  uint64_t bytes = 0; // size of the VkBuffer, in bytes (> 0)
};

/// Input/Output/Weight/Transient/State tensors own their bytes; an Alias
/// shares the bytes of tensor `aliasOf` (a view such as Reshape, the output
/// of an op computed in place over a dying input, or a state's update) and
/// lives in that tensor's buffer. A State tensor lives in a State buffer for
/// the whole plan and from run to run.
enum class TensorRole : uint8_t {
  Input,
  Output,
  Weight,
  Transient,
  Alias,
  State
};

/// Largest State buffer codegen emits, bytes: state tensors are packed into
/// buffers up to this size (128 MiB, lavapipe's maxStorageBufferRange, the
/// smallest limit among the devices tlc targets).
constexpr uint64_t kMaxStateBufferBytes = uint64_t(128) << 20;
llvm::StringRef tensorRoleName(TensorRole r);

/// PlanStats::schedule for reports: "given", "memory-aware (net-bytes)",
/// "memory-aware (kept the given order)"; an unknown value as it is.
std::string scheduleDescription(llvm::StringRef schedule);

/// Where one tensor lives and for how long.
struct PlanTensor {
  std::string name;
  TensorType type;
  TensorRole role = TensorRole::Transient;
  uint32_t buffer = 0; // index into Plan::buffers
  uint64_t offset = 0; // byte offset in that buffer (a multiple of alignment)
  uint64_t bytes = 0;  // type.byteSize()
  /// Live interval in schedule steps, inclusive: defined by the dispatches of
  /// step firstStep, last read at step lastStep. Inputs start at step 0 and
  /// outputs end at the last step; weights span the whole plan.
  int64_t firstStep = 0;
  int64_t lastStep = 0;
  /// Step after which the memory is free (the release point); -1 for tensors
  /// that are never released (inputs, outputs, weights).
  int64_t releaseStep = -1;
  std::string poolKey;   // shape-keyed pool key, e.g. "1x16x28x28xf32"
  int32_t slot = -1;     // slot within poolKey (pool planner), else -1
  std::string producer;  // name of the producing node, "" if none
  /// Alias only: the tensor whose bytes this one shares (itself never an
  /// alias); same buffer, and [offset, offset + bytes) inside its bytes.
  int32_t aliasOf = -1;
  /// Plans for a range of shapes: index into Plan::exprs of each dim's
  /// expression (type.shape holds the upper bounds, bytes the size at the
  /// bound); empty for a tensor of static shape. The plan file carries these
  /// and type.shape, not type.sym: a plan read from a file has type.sym
  /// empty.
  std::vector<uint32_t> dims;
};

/// A symbol of a plan compiled for a range of shapes (ir/DimExpr.h): its
/// name and inclusive range. The runtime takes its value from the input
/// whose dim is exactly this symbol.
struct PlanSymbol {
  std::string name;
  int64_t min = 1;
  int64_t max = 1;
};

/// Opcodes of PlanExpr::code.
enum class ExprOp : int64_t {
  Const = 0,    // followed by the value; pushes it
  Symbol = 1,   // followed by an index into Plan::symbols; pushes its value
  Add = 2,      // pops b, a; pushes a + b
  Sub = 3,      // a - b
  Mul = 4,      // a * b
  FloorDiv = 5, // floor(a / b), b > 0
  Min = 6,
  Max = 7,
};

/// An integer expression over Plan::symbols in postfix form: what a
/// symbolic dimension, a shader's run-time dimension or a group count
/// evaluates to once the inputs fix the symbols. Evaluation errors
/// (overflow, division by a non-positive value, a malformed program) are
/// found by validatePlanStructure for every value in the symbols' ranges'
/// corners only; the runtime checks again as it evaluates.
struct PlanExpr {
  std::vector<int64_t> code;
};

/// Evaluates \p e with Plan::symbols set to \p symbolValues (same order).
/// Errors: a malformed program (unknown opcode, stack underflow, more than
/// one result, a symbol index out of range), division by a value <= 0, a
/// result beyond 64 bits.
llvm::Expected<int64_t> evaluatePlanExpr(const PlanExpr &e,
                                         llvm::ArrayRef<int64_t> symbolValues);

struct Plan;

/// Readable infix form of \p e, naming symbols by Plan::symbols of \p plan:
/// "W", "2*S+1", "floor((W+1)/2)-1", "min(S,64)" (the style of
/// DimExpr::str(): no spaces, floor division as floor(a/b)). Parentheses
/// appear only where they change the value. Never fails: a program that
/// evaluatePlanExpr would reject as malformed (unknown opcode, missing
/// operand, stack underflow, not exactly one result, a symbol index out of
/// range) prints as "<malformed expression>".
std::string planExprStr(const Plan &plan, const PlanExpr &e);

/// Shape of \p t as dims separated by 'x': the expressions of t.dims, each
/// parenthesized unless it is a constant or a single symbol or function
/// ("1x3x48xW", "1x(floor((W+1)/2)-1)"), or t.type.shape for a tensor of
/// static shape ("2x4"). A scalar gives "". An expression index out of range
/// prints as "<exprs[N]?>"; dims of the wrong rank are printed as they are.
std::string planShapeStr(const Plan &plan, const PlanTensor &t);

/// A condition on the symbols beyond their ranges: exprs[expr] <= max
/// (Graph::requirements), e.g. past + sequence <= 2048 for a KV cache of
/// 2048 rows. LoadedPlan::run refuses a run that breaks one, naming it.
struct PlanRequirement {
  uint32_t expr = 0; // index into Plan::exprs
  int64_t max = 0;
};

struct PlanShader {
  std::string name;            // shaders/<name>.comp
  std::vector<uint32_t> spirv; // SPIR-V words
};

enum class CommandKind : uint8_t { Dispatch, Barrier, Release };

/// One entry of the command list.
struct PlanCommand {
  CommandKind kind = CommandKind::Dispatch;
  uint32_t step = 0;  // schedule step (node index) this command belongs to
  std::string label;  // node name, for traces and errors
  // Dispatch:
  uint32_t shader = 0;                 // index into Plan::shaders
  std::vector<uint32_t> specConstants; // constant_id i = specConstants[i]
  std::vector<uint32_t> bindings;      // tensor index per binding (set 0)
  std::vector<uint32_t> writes;        // bindings the dispatch writes
  uint32_t groups[3] = {1, 1, 1};
  /// Dispatches whose sizes depend on symbols (plans for a range of shapes)
  /// run the shader's dyn build: it reads its run-time dimensions from a
  /// uniform block at binding bindings.size() (shaders/dims.glsl), one
  /// 32-bit word per member in block order, word k = exprs[dimExprs[k]];
  /// its group counts are exprs[groupExprs[i]] (vkCmdDispatchIndirect).
  /// groups and specConstants keep the values at the upper bound.
  bool dynamic = false;
  std::vector<uint32_t> dimExprs;
  uint32_t groupExprs[3] = {0, 0, 0};
  /// Runs exactly when the previous dispatch runs no workgroup
  /// (DispatchDesc::exclusiveWithPrevious): codegen's barrier pass uses it.
  /// Compile time only; the plan file does not carry it (its barriers do).
  bool exclusiveWithPrevious = false;
  // Release:
  uint32_t tensor = 0;                 // index into Plan::tensors
};

/// Summary figures reported by the compiler and `tlc inspect`.
struct PlanStats {
  std::string planner;       // "pool", ...
  uint64_t transientBytes = 0; // sum of Transient buffer sizes (bytes)
  uint64_t lowerBound = 0;   // max over steps of live transient bytes
  uint64_t noReuseBytes = 0; // sum of transient tensor sizes (no reuse)
  /// Node order used: "given" (--schedule=given), the memory-aware
  /// scheduler that won ("net-bytes", "depth-first"), or "kept-given" (the
  /// memory-aware scheduler found no order with a lower peak and kept the
  /// model's); and the lower bound under the model's given order, to show
  /// what scheduling saved. scheduleDescription says it in words.
  std::string schedule = "given";
  uint64_t peakGivenOrder = 0;
  /// Slots per pool key, sorted by key (pool planner only).
  std::vector<std::pair<std::string, uint32_t>> slotsPerKey;
};

struct Plan {
  std::string modelName;
  uint32_t alignment = 256; // byte alignment of every tensor offset
  uint32_t numSteps = 0;    // schedule steps (nodes)
  std::vector<PlanShader> shaders;
  std::vector<PlanBuffer> buffers;
  std::vector<PlanTensor> tensors;
  std::vector<PlanCommand> commands;
  std::vector<uint32_t> inputs;  // tensor indices, graph input order
  std::vector<uint32_t> outputs; // tensor indices, graph output order
  std::vector<uint8_t> weights;  // contents of the Weights buffer
  /// Plans for a range of shapes: the symbols and every expression the
  /// tensors and dispatches refer to (empty for a plan of static shapes).
  std::vector<PlanSymbol> symbols;
  std::vector<PlanExpr> exprs;
  std::vector<PlanRequirement> requirements;
  PlanStats stats;
  /// What the model carries beyond its graph (Graph::metadata): text
  /// key/value pairs ("llama.context_length" = "2048") and named files kept
  /// in the blob section ("tokenizer.gguf"). tlc's tools read the keys they
  /// know; the runtime ignores both.
  std::map<std::string, std::string> metadata;
  std::map<std::string, std::vector<uint8_t>> attachments;
};

/// Structural validation: every index in range, every tensor inside its
/// buffer, offsets aligned, bindings consistent, weights sized to the weights
/// buffer, at most one Weights buffer, each Input/Output buffer holding its
/// tensor. For plans over a range of shapes also: symbol names unique and
/// non-empty with 0 <= min <= max; every expression evaluates without error
/// at every corner of the ranges of the symbols it reads (each at min or
/// max; up to 2^8 corners per expression); a symbolic tensor has one dim
/// expression per dim, each within [0, type.shape[d]] at those corners; an
/// input's dims are constants or exactly one symbol (a symbol no input
/// carries is set by the host: LoadedPlan::setSymbol); a dynamic
/// dispatch's dimExprs fit a 32-bit word and its
/// groupExprs lie in [0, groups[i]]. PlanTensor::bytes is checked against
/// type.shape (the bound). Errors name the field ("tensors[3].offset: ...",
/// "commands[12].dimExprs[3]: ...").
llvm::Error validatePlanStructure(const Plan &plan);

/// Plan checker (independent of the planner): no two tensors whose live
/// intervals overlap share bytes of the same buffer, and no transient tensor
/// is touched by a dispatch outside its live interval. Errors name both
/// tensors and the step.
llvm::Error checkPlanMemory(const Plan &plan);

/// Writes \p plan as a .tlp file, atomically (temporary file + rename).
llvm::Error writePlanFile(const Plan &plan, llvm::StringRef path);
/// The bytes writePlanFile writes (docs/plan-format.md: header, JSON, blob).
/// Errors: a plan that fails validatePlanStructure.
llvm::Expected<std::vector<uint8_t>> writePlanBytes(const Plan &plan);

/// Reads and fully validates a .tlp file (magic, version, checksum, every
/// field). Errors name the file, the byte offset or JSON path, and what was
/// expected.
llvm::Expected<Plan> readPlanFile(llvm::StringRef path);
/// Same, from bytes in memory; \p name is used in error messages.
llvm::Expected<Plan> readPlanBytes(llvm::ArrayRef<uint8_t> bytes,
                                   llvm::StringRef name);

} // namespace tlc

#endif // TLC_CODEGEN_PLAN_H
