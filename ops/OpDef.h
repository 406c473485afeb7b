//===- ops/OpDef.h - One definition per op ----------------------*- C++ -*-===//
//
// Every op tlc supports is defined in one file, ops/<Op>.cpp, as an OpDef:
//   - its shape rule (inferTypes), which also validates inputs and attributes,
//   - its naive CPU reference (reference) over typed host tensors, which
//     constant folding (passes/ConstantFolding.cpp) and the tests both use,
//   - its lowering to compute dispatches of shaders/<shader>.comp (lower);
//     ops without one (Shape, Where, Range, ...) exist only at compile time
//     and must fold.
// Semantics follow ONNX opset 17 (https://onnx.ai/onnx/operators/).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_OPDEF_H
#define TLC_OPS_OPDEF_H

#include "ir/Graph.h"
#include "ops/HostTensor.h"
#include "ops/KernelTarget.h"
#include "spirv/SpecConstant.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tlc {

/// One compute dispatch of a SPIR-V shader, as an op's lowering emits it.
///
/// The shader's storage buffers are `layout(set = 0, binding = i)` for i in
/// 0..operands.size()-1; operand k names the node's operand bound at binding k:
/// indices 0..inputs-1 are the node's inputs, inputs..inputs+outputs-1 its
/// outputs. Specialization constant `constant_id = i` receives
/// specConstants[i], typed as the shader declares it (spirv/SpecConstant.h:
/// spec::u32, spec::i32, spec::f32, spec::boolean; spec::unused for an id the
/// shader lacks). Codegen checks every dispatch against its shader's SPIR-V
/// (codegen/DispatchCheck.h): each id passed is declared with that type, every
/// declared constant is passed (unless specTailDefaults), operands.size() is
/// the shader's binding count, and no binding in writes is declared readonly.
struct DispatchDesc {
  std::string shader;                         // name of shaders/<shader>.comp
  llvm::SmallVector<SpecConstant, 24> specConstants; // index = constant_id
  /// Whether the constants the shader declares past specConstants keep their
  /// defaults: a variable-length tail (fused_elementwise's instruction slots
  /// past NSTEPS). Otherwise every declared constant must be passed.
  bool specTailDefaults = false;
  llvm::SmallVector<unsigned, 4> operands;    // operand index per binding
  llvm::SmallVector<unsigned, 2> writes;      // bindings the shader writes
  /// Bindings the shader does not access in this dispatch (a placeholder
  /// operand fills a slot its constants turn off, e.g. an absent mask):
  /// they do not constrain the operand's storage (passes/F16Storage.cpp).
  llvm::SmallVector<unsigned, 1> unread;
  uint32_t groups[3] = {1, 1, 1};             // vkCmdDispatch group counts
  /// Shapes with symbols (ir/DimExpr.h): the constants among the shader's
  /// TLC_DIMS (shaders/dims.glsl) whose value depends on symbols, as
  /// constant_id -> expression, and the group counts when they do. A
  /// dispatch with either runs the shader's dyn build (every TLC_DIMS
  /// constant read at run time); specConstants and groups then hold the
  /// values at the upper bound. Set them with setDim and setGrid1D.
  std::vector<std::pair<unsigned, DimExpr>> dynamicDims;
  std::optional<std::array<DimExpr, 3>> dynamicGroups;
  /// Runs exactly when the node's previous dispatch runs no workgroup: the
  /// two are alternatives chosen by complementary gates on a symbol
  /// (runWhenOne / runWhenAboveOne), so the barrier pass orders this one
  /// against what came before that one, never against it.
  bool exclusiveWithPrevious = false;
  bool isDynamic() const {
    return !dynamicDims.empty() || dynamicGroups.has_value();
  }
};

/// Sets u32 constant \p id of \p d to \p value: specConstants[id] holds it
/// (its upper bound when symbolic, growing the list with spec::unused), and
/// a symbolic value is also recorded in dynamicDims. The shader must list
/// \p id in TLC_DIMS when the value is symbolic (codegen checks).
void setDim(DispatchDesc &d, unsigned id, const DimExpr &value);
/// setDim for an i32 constant (a shader's TLC_IDIMS: signed strides and
/// offsets); the value must lie in [INT32_MIN, INT32_MAX] over the range.
void setDimI32(DispatchDesc &d, unsigned id, const DimExpr &value);

/// Sets d.groups to \p x, \p y, \p z; dynamicGroups too when one is
/// symbolic.
void setGroups(DispatchDesc &d, const DimExpr &x, const DimExpr &y,
               const DimExpr &z);

/// Shape ranges, kernels specialized for one value of a size: limits \p d
/// to runs where \p m (>= 1 over its range) is 1 (runWhenOne: a decoded
/// token) or at least 2 (runWhenAboveOne), by multiplying its x group count
/// by max(0, 2 - m) or min(1, m - 1); outside those runs the dispatch has
/// no workgroups (vkCmdDispatchIndirect with a zero count does nothing).
void runWhenOne(DispatchDesc &d, const DimExpr &m);
void runWhenAboveOne(DispatchDesc &d, const DimExpr &m);

/// What a shape rule sees of one input: its type and, when the input is a
/// weight or constant, its bytes (little-endian, row-major; empty otherwise).
/// Ops such as Reshape read their shape operand from here. A shape value
/// with symbolic elements (Value::symData) also gives them in symData, and
/// data holds their values at the upper bounds; only ops with
/// OpDef::symbolicShapes or foldSymbolic see such an input (inferOpTypes).
struct InputInfo {
  TensorType type;
  llvm::ArrayRef<uint8_t> data;
  llvm::ArrayRef<DimExpr> symData = {};
};

/// The InputInfo of \p v: its type, bytes and symbolic elements.
inline InputInfo inputInfo(const Value &v) {
  return {v.type, v.data, v.symData};
}

/// A small integer tensor whose elements are dimension expressions: a shape
/// value while constant folding (ops' foldSymbolic). type is static, i32 or
/// i64; elems has type.numElements() entries, row-major.
struct SymTensor {
  TensorType type;
  std::vector<DimExpr> elems;
};

/// How an op's output may share memory with an input.
struct OpMemoryTraits {
  /// Output 0 is input 0's bytes reinterpreted with another shape (Reshape,
  /// Flatten, Squeeze, Unsqueeze): the compiler makes it a view, with no
  /// dispatch and no memory of its own. When the output is a graph output
  /// the op's lowering (a copy) runs instead.
  bool isView = false;
  /// Elementwise ops that read input i at exactly the index they write (an
  /// input of the output's own shape) may write in place over it when that
  /// input dies at this op: list such inputs in priority order. Inputs of
  /// another shape (broadcast) are skipped by the compiler.
  llvm::SmallVector<unsigned, 2> inPlaceInputs = {};
  /// Output 0 is the inputs joined, in order, along integer attribute 'axis'
  /// (Concat). Where an input's slice of the output is contiguous, the
  /// compiler may compute the input straight into that slice
  /// (passes/Aliasing.cpp); lowering then drops the op's dispatches whose
  /// every read binding is an input already in its slice, so the lowering
  /// must copy each input with dispatches that read only that input.
  bool joinsInputs = false;
  /// Output 0 is input 0 with some elements replaced (TensorScatter's
  /// cache update). The lowering's first dispatch copies input 0 to output
  /// 0 (reading nothing else) and the later ones write the replaced
  /// elements. The compiler computes the output in input 0's bytes when
  /// input 0 is state (ValueKind::State, always: that is how state is
  /// updated) or a transient dying here, and then drops the copy.
  bool updatesInput0 = false;
};

struct OpDef {
  /// ONNX op type, e.g. "Conv".
  const char *name;

  /// Shape rule: checks the input types and attributes and computes the
  /// output types. Errors say what is wrong (the caller adds the location).
  llvm::Error (*inferTypes)(const Node &node,
                            llvm::ArrayRef<InputInfo> inputs,
                            llvm::SmallVectorImpl<TensorType> &outputs);

  /// Naive CPU reference: computes every output from the inputs, whose
  /// dtypes are in referenceDTypes and which inferTypes accepted (attributes
  /// validated there). Outputs arrive zero-filled with the types inferTypes
  /// gave. Errors are what only the values show (integer division by zero
  /// or overflow, a float that does not fit the integer it is cast to); the
  /// caller names the node.
  llvm::Error (*reference)(const Node &node,
                           llvm::ArrayRef<const HostTensor *> inputs,
                           llvm::MutableArrayRef<HostTensor> outputs);

  /// Lowering: appends the dispatches that compute this node, in order,
  /// for outputs of the dtypes in deviceDTypes; nullptr for ops that run only
  /// at compile time (they must fold: passes/ConstantFolding.cpp),
  /// choosing and tuning kernels for \p target (the kernel profile the plan
  /// is compiled for: `tlc compile --target`).
  void (*lower)(const Node &node, llvm::ArrayRef<TensorType> inputs,
                llvm::ArrayRef<TensorType> outputs, const KernelTarget &target,
                llvm::SmallVectorImpl<DispatchDesc> &dispatches);

  /// Memory properties the planner may exploit (passes/Aliasing.cpp).
  OpMemoryTraits memory = {};

  /// The dtypes the shape rule and the reference take (every input and
  /// output is one of them; the rule says which input takes which).
  DTypeSet referenceDTypes = {DType::F32};

  /// The dtypes the lowering computes: a node whose outputs have another
  /// dtype (say an i64 Gather of shape values) runs only when it folds. The
  /// verifier refuses it otherwise (ops/Verifier.cpp).
  DTypeSet deviceDTypes = {DType::F32};

  /// The reference reads only its inputs' types, never their bytes (Shape):
  /// it folds whenever its inputs are typed, constant or not.
  bool readsTypesOnly = false;

  /// Shape ranges (docs/shape-ranges.md): the shape rule reads symbolic
  /// dims through TensorType::dims() and builds outputs with withDims;
  /// shape inference refuses a symbolic input to an op without it.
  bool symbolicShapes = false;
  /// The lowering emits symbolic dims and group counts (setDim, setGroups,
  /// setGrid1D); codegen refuses a symbolic node of an op without it.
  bool symbolicLowering = false;

  /// Constant folding of shape values (docs/shape-ranges.md): computes the
  /// outputs' elements as expressions when an input is a shape value with
  /// symbolic elements or, for readsTypesOnly ops, has a symbolic type.
  /// Outputs arrive typed by the shape rule with elems sized and 0. Errors
  /// say what cannot be expressed (the node is then left to the device, or
  /// refused when it has no lowering). nullptr: such inputs are refused.
  llvm::Error (*foldSymbolic)(const Node &node, llvm::ArrayRef<SymTensor> in,
                              llvm::MutableArrayRef<SymTensor> out) = nullptr;
};

/// OpDef::foldSymbolic for ops that only move elements (every output element
/// is a copy of one input element: Slice, Gather, Concat, Reshape, Squeeze,
/// Unsqueeze, Identity): runs the op's reference with each symbolic element
/// replaced by a code naming it (a value near the dtype's minimum, which
/// shape arithmetic never produces; a constant input holding one is refused)
/// and maps the codes in the outputs back to the expressions.
llvm::Error foldByElementIndex(const Node &node, llvm::ArrayRef<SymTensor> in,
                               llvm::MutableArrayRef<SymTensor> out);

/// \p def with foldSymbolic = \p fold.
inline OpDef withSymbolicFold(OpDef def,
                              llvm::Error (*fold)(const Node &,
                                                  llvm::ArrayRef<SymTensor>,
                                                  llvm::MutableArrayRef<SymTensor>)) {
  def.foldSymbolic = fold;
  return def;
}

/// Checks that \p node, whose outputs the shape rule of \p def types
/// \p outputs, can run on the device: the op has a lowering and computes
/// those output dtypes there (deviceDTypes). Errors say why not (the caller
/// names the node's location); nodes of compile-time-only ops and integer
/// shape arithmetic are fine as long as they fold first.
llvm::Error checkRunsOnDevice(const OpDef &def, const Node &node,
                              llvm::ArrayRef<TensorType> outputs);

/// Runs \p def's shape rule on \p inputs, first refusing a symbolic input
/// (docs/shape-ranges.md) to an op whose rule does not handle one
/// (OpDef::symbolicShapes): the error names the input, the dim and its
/// expression (the caller adds the node's location). Every pass calls shape
/// rules through this.
llvm::Error inferOpTypes(const OpDef &def, const Node &node,
                         llvm::ArrayRef<InputInfo> inputs,
                         llvm::SmallVectorImpl<TensorType> &outputs);

/// Refuses a node with a symbolic input or output type when \p def's
/// lowering does not emit symbolic dispatches (OpDef::symbolicLowering).
llvm::Error checkSymbolicLowering(const OpDef &def, const Node &node,
                                  llvm::ArrayRef<TensorType> inputs,
                                  llvm::ArrayRef<TensorType> outputs);

/// Runs \p def's reference on \p inputs: types the outputs with the shape
/// rule and computes them. Errors: an input dtype outside
/// def.referenceDTypes, the shape rule's and the reference's errors, an
/// output larger than \p maxOutputElements.
llvm::Error evaluateOp(const OpDef &def, const Node &node,
                       llvm::ArrayRef<const HostTensor *> inputs,
                       std::vector<HostTensor> &outputs,
                       int64_t maxOutputElements = int64_t(1) << 26);

/// The definition of \p op, or nullptr when tlc does not support it.
const OpDef *lookupOp(llvm::StringRef op);

/// Every supported op, sorted by name.
llvm::ArrayRef<OpDef> allOps();

/// Number of workgroups of \p groupSize invocations that cover \p n items.
inline uint64_t ceilDiv(uint64_t n, uint64_t groupSize) {
  return (n + groupSize - 1) / groupSize;
}

/// Sets d.groups to cover \p n invocations with 1-D workgroups of
/// \p groupSize: groups[0] stays <= 65535 (the minimum
/// maxComputeWorkGroupCount the Vulkan spec guarantees, table 53) and the rest
/// spill into groups[1]. Shaders compute the linear index as
///   gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * groupSize
/// and return when it is >= n.
void setGrid1D(DispatchDesc &d, uint64_t n, uint32_t groupSize);
/// Same for a symbolic \p n: groups[0] = min(ceil(n / groupSize), 65535),
/// groups[1] = ceil(ceil(n / groupSize) / 65535).
void setGrid1D(DispatchDesc &d, const DimExpr &n, uint32_t groupSize);

} // namespace tlc

#endif // TLC_OPS_OPDEF_H
