//===- ops/FusedAttention.h - Scaled dot-product attention -----*- C++ -*-===//
//
// FusedAttention is tlc's internal op for one attention block,
//   Y[b,h] = softmax(scale * Q[b,h] K[b,h]^T + mask[b,h]) V[b,h],
// computed by one dispatch of shaders/attention.comp (an online-softmax,
// FlashAttention-style kernel: the scores never reach memory). Its operands
// may be strided views into larger tensors (the QKV projection's output,
// the tensor an output Transpose + Reshape would have produced), so that
// passes/FuseAttention.cpp can drop the Split, Transpose and Reshape copies
// around attention. This header gives the pass and the op one description
// of the problem and of the attribute encoding.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_FUSEDATTENTION_H
#define TLC_OPS_FUSEDATTENTION_H

#include "ir/DimExpr.h"
#include "ops/OpDef.h"

#include <array>
#include <optional>

namespace tlc {

/// How one operand of attention is read (or Y written): element (b, h, s, d)
/// of the logical [B, H, S, D] tensor is element
///   offset + b*strides[0] + h*strides[1] + s*strides[2] + d*strides[3]
/// of the flat, row-major tensor bound to the operand. Units: elements.
/// I is int64_t for one shape, DimExpr for a shape range (sizes and strides
/// over the plan's symbols).
template <typename I> struct AttentionViewT {
  I offset = 0;
  std::array<I, 4> strides = {0, 0, 0, 0};
};
using AttentionView = AttentionViewT<int64_t>;
using SymAttentionView = AttentionViewT<DimExpr>;

/// One FusedAttention node, decoded and checked: the logical sizes, the
/// scale and where each operand lives. Q is [B, H, Sq, D], K [B, H, Sk, D],
/// V [B, H, Sk, Dv], Y [B, H, Sq, Dv]; the mask (optional) is read at
/// maskStrides (0 on broadcast dims) over [B, H, Sq, Sk].
template <typename I> struct AttentionProblemT {
  I b = 1, h = 1, sq = 1, sk = 1, d = 1, dv = 1;
  float scale = 1.0f;
  AttentionViewT<I> q, k, v, y;
  bool hasMask = false;
  std::array<I, 4> maskStrides = {0, 0, 0, 0};
  /// Attribute key_limit, or -1: every key j > i + keyLimit of query row i
  /// is masked (mask <= kMaskedScore), so the kernel skips the key blocks
  /// past its last row's limit (a causal mask: 0). Needs a constant mask;
  /// the shape rule checks the claim against its data (checkKeyLimit).
  int64_t keyLimit = -1;
  /// Attribute causal = 1: the kernel itself hides key j from query row i
  /// when j > i + causalOffset (a decoder's causal mask without a mask
  /// tensor; causal_offset, default 0, is the number of earlier positions
  /// the keys start before the queries, e.g. the KV cache's length), and
  /// skips the key blocks past each workgroup's last row. Exclusive with
  /// key_limit.
  bool causal = false;
  I causalOffset = 0;
  /// Grouped-query attention (Ainslie et al., "GQA", EMNLP 2023; ONNX
  /// Attention's kv_num_heads): query head h reads K and V head h / kvGroup,
  /// so K and V have H / kvGroup heads. 1: one K/V head per query head.
  int64_t kvGroup = 1;
  /// The output tensor's shape.
  llvm::SmallVector<I, 4> yShape;
};
using AttentionProblem = AttentionProblemT<int64_t>;
/// The problem of a graph compiled for shape ranges: Sq, Sk, B and the
/// strides may depend on symbols; D and Dv are constants (they size the
/// kernel's shared memory).
using SymAttentionProblem = AttentionProblemT<DimExpr>;

/// \p p with every symbol at the top of its range (the sizes the plan's
/// memory and the key-limit check are taken at).
AttentionProblem attentionAtBound(const SymAttentionProblem &p);

/// Mask values at or below this count as masked: added to a finite score
/// and exponentiated after subtracting a finite row maximum, they give
/// exactly 0 in f32 and f64 (exp(-1e30) underflows), so skipping such keys
/// changes nothing. Exporters write -inf or the f32 minimum (-3.4e38).
constexpr float kMaskedScore = -1e30f;

/// The smallest key limit L >= 0 that \p mask (laid out as \p p's mask,
/// p.maskStrides over [B, H, Sq, Sk]) supports: for every row i, keys
/// j > i + L are masked; std::nullopt when some row has no unmasked key
/// among its first \p minKeys keys (skipping would change the softmax of a
/// row whose every key is masked; minKeys is Sk for one shape, the smallest
/// Sk of a range, whose rows are leading blocks of this mask) or when no
/// limit below Sk - 1 holds (nothing to skip). \p minKeys < 0 means p.sk.
std::optional<int64_t> findKeyLimit(const AttentionProblem &p,
                                    const float *mask, int64_t minKeys = -1);

/// Checks p.keyLimit (when set) against the constant mask bytes \p mask
/// (empty when the mask is not a constant), as findKeyLimit derives it:
/// keys past the limit masked, and every row with an unmasked key among
/// its first \p minKeys (< 0: p.sk). Errors name the attribute and the
/// first row (and key) that contradict it.
llvm::Error checkKeyLimit(const AttentionProblem &p,
                          llvm::ArrayRef<uint8_t> mask, int64_t minKeys = -1);

/// Largest head size (D and Dv) FusedAttention accepts: the kernel keeps a
/// query row and a key and value row per workgroup in shared memory, and
/// 512 still fits the 16 KiB every Vulkan device has (ops/KernelTarget.h).
constexpr int64_t kMaxAttentionHeadSize = 512;

/// Writes the view attributes of \p p into \p attrs: `dims` = [B, H, Sq, Sk,
/// D, Dv], `q_view`, `k_view`, `v_view`, `y_view` = [offset, stride_b,
/// stride_h, stride_s, stride_d] and `y_shape`; plus `scale`. The mask's
/// strides are not attributes: they follow from the mask input's shape.
/// For a SymAttentionProblem the lists are dimension-expression attributes
/// (integer lists when every entry is a constant).
void setAttentionAttrs(Attributes &attrs, const AttentionProblem &p);
void setAttentionAttrs(Attributes &attrs, const SymAttentionProblem &p);

/// Decodes and checks a FusedAttention node over inputs of \p types (Q, K,
/// V sources and the optional mask), which may be symbolic. Without view
/// attributes the inputs are plain row-major Q [.., Sq, D], K [.., Sk, D],
/// V [.., Sk, Dv] of rank 2 to 4 with equal leading dims (padded with 1s on
/// the left to [B, H]), except that K and V may have fewer heads than Q
/// when their count divides Q's (grouped-query attention); with them, each
/// operand is read through its view, K and V at head h / `kv_group`
/// (attribute, default 1, dividing H). The mask (f32, rank <= 4)
/// is right-aligned against [B, H, Sq, Sk] and broadcast along its dims of
/// size 1; with attribute `mask_block` = 1 a mask dim may also be larger
/// than its logical dim and is read from its start (the mask of a shape
/// range: the mask at the bound, of which every shape reads the leading
/// block; passes/FoldAtBound.cpp proves that property). Errors name the
/// attribute or input and what was expected: a view that reads outside its
/// input (at any point of the range), an output view that does not cover
/// y_shape exactly once, mismatched sizes, a symbolic head size, a head
/// size over kMaxAttentionHeadSize.
llvm::Expected<SymAttentionProblem>
parseAttentionProblem(const Node &node, llvm::ArrayRef<TensorType> types);

/// Naive CPU evaluation of \p p (double accumulation, max-subtracted
/// softmax): reads the flat inputs through their views and writes every
/// element of \p y (which has y_shape's element count).
void attentionReferenceCompute(const AttentionProblem &p, const float *q,
                               const float *k, const float *v,
                               const float *mask, float *y);

} // namespace tlc

#endif // TLC_OPS_FUSEDATTENTION_H
