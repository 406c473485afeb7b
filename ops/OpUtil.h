//===- ops/OpUtil.h - Checks and helpers shared by shape rules --*- C++ -*-===//
//
// Small helpers that every op's shape rule and lowering uses: error values
// with a formatted message, input count / dtype / rank checks, ONNX axis
// normalization, row-major strides and the bit pattern of an f32 for a
// specialization constant. Keeping them here gives every op the same wording
// of the same mistake.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_OPUTIL_H
#define TLC_OPS_OPUTIL_H

#include "ops/OpDef.h"

#include "llvm/ADT/Twine.h"

#include <cassert>

namespace tlc {

/// An llvm::Error carrying \p message (no location: the shape rule's caller
/// prefixes node name and file:line:col).
llvm::Error opError(const llvm::Twine &message);

/// The value in \p v, which the node's shape rule has already accepted
/// (the lowering and the reference run only on verified nodes): asserts
/// that it holds one. Should an error reach here in a build without
/// assertions, it is consumed and T{} returned.
template <typename T> T verifiedValue(llvm::Expected<T> v) {
  assert(v && "node was not verified by its shape rule");
  if (!v) {
    llvm::consumeError(v.takeError());
    return T{};
  }
  return std::move(*v);
}

/// The integer attribute \p name of \p node as a flag, \p defaultValue when
/// absent. Errors when it is not an integer or not 0 or 1:
/// "attribute 'transA' is 2; expected 0 or 1".
llvm::Expected<bool> getFlagAttr(const Node &node, llvm::StringRef name,
                                 bool defaultValue);

/// Errors when the node has an attribute not in \p known (sorted names), so
/// that a misspelt attribute is not silently replaced by its default:
/// "unknown attribute 'stride'; supported: dilations, group, ...".
llvm::Error checkKnownAttrs(const Node &node,
                            llvm::ArrayRef<llvm::StringRef> known);

/// Errors unless min <= in.size() <= max: "expected 2 or 3 inputs, got 1".
llvm::Error checkInputCount(llvm::ArrayRef<InputInfo> in, unsigned min,
                            unsigned max);

/// Errors when the node lists more than \p n outputs; \p why explains what
/// is unsupported about the others (e.g. "the Indices output"). Fewer
/// outputs are left to the caller, which compares the counts.
llvm::Error checkMaxOutputs(const Node &node, unsigned n, llvm::StringRef why);

/// Errors unless input \p idx (called \p what, e.g. "X") has dtype f32.
llvm::Error checkF32(llvm::ArrayRef<InputInfo> in, unsigned idx,
                     llvm::StringRef what);

/// Errors unless input \p idx (called \p what) has a dtype in \p allowed:
/// "input 0 (A) has dtype f16; expected f32, i32 or i64".
llvm::Error checkDType(llvm::ArrayRef<InputInfo> in, unsigned idx,
                       llvm::StringRef what, DTypeSet allowed);

/// The dtypes of tensors that data-movement ops (Gather, Concat, Slice,
/// Reshape, ...) take: f32 on the device, and i32 and i64 too when they fold.
inline constexpr DTypeSet kDataDTypes = {DType::F32, DType::I32, DType::I64};

/// Errors unless \p t has rank \p rank: "X must have rank 4 (NCHW), got 3".
llvm::Error checkRank(const TensorType &t, unsigned rank, llvm::StringRef what,
                      llvm::StringRef layout = "");

/// ONNX axis in [-rank, rank-1] mapped to [0, rank-1]; errors when out of
/// range. \p attr names the attribute for the message.
llvm::Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                      llvm::StringRef attr);

/// Integer-list attribute \p name with exactly \p count entries, each >=
/// \p minValue; \p def when absent. Errors name the attribute and the entry.
llvm::Expected<std::vector<int64_t>>
getIntList(const Attributes &attrs, llvm::StringRef name, size_t count,
           std::vector<int64_t> def, int64_t minValue);

/// Errors unless \p t has at most 2^32-1 elements: shaders index tensors
/// with 32-bit integers (specialization constants are 32-bit). Also errors
/// on a dim < 1 or a count over 2^40 (checkedNumElements), so callers may
/// pass a shape they just computed.
llvm::Error checkFits32(const TensorType &t, llvm::StringRef what);

/// checkFits32 for every input ("input 2 ...").
llvm::Error checkInputsFit32(llvm::ArrayRef<InputInfo> in);

/// Attribute `epsilon` of a normalization (LayerNormalization,
/// RMSNormalization, RMSNormGemm), default 1e-5 (ONNX). Errors: not a
/// float, or not finite and >= 0 (the value is named).
llvm::Expected<double> normEpsilon(const Node &node);

/// Largest kernel size, stride, pad or dilation tlc accepts (2^31-1): they
/// reach the shaders as 32-bit constants, and the bound keeps the window
/// arithmetic far from 64-bit overflow.
constexpr int64_t kMaxWindowValue = 0x7fffffff;

/// Row-major element strides of \p shape (innermost stride 1).
Shape rowMajorStrides(llvm::ArrayRef<int64_t> shape);
/// The same for dims that may be symbolic (shape ranges).
SymShape rowMajorStrides(llvm::ArrayRef<DimExpr> shape);

/// The IEEE-754 bit pattern of \p v (for specialization constants read with
/// uintBitsToFloat).
uint32_t floatBits(float v);

} // namespace tlc

#endif // TLC_OPS_OPUTIL_H
