//===- ops/Pad.cpp - Pad: constant, reflect or edge padding ---------------===//
//
// ONNX Pad (opset 13): data (f32 or i32 on the device; i64 folds; static
// shape, rank 1 to 6), pads (a compile-time constant i64 [2 * rank]: the
// starts of every dim, then the ends; negative values crop; moved into the
// attribute `pads` by passes/ConstantFolding.cpp, since the lowering sees
// types only) and an optional constant_value (a scalar of data's dtype, read
// from its buffer, so it need not be constant; default 0). i32 elements move
// as the bits of the f32 build's words (F16Storage never narrows integers).
// Attribute mode: constant (default), reflect (the mirror image about the
// edge element, excluding it: each pad must be below the dim) or edge (the
// edge element repeated). A Pad whose pads are all 0 is removed
// (ops/NoOp.cpp: exporters put such Pads around AveragePool). Shader:
// shaders/pad.comp, one invocation per output element.
//
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"

#include <algorithm>

using namespace llvm;

namespace tlc {
namespace {

constexpr unsigned kPadMaxRank = 6;

enum class PadMode : uint32_t { Constant = 0, Reflect = 1, Edge = 2 };

Expected<PadMode> padMode(const Node &node) {
  Expected<std::string> m = node.attrs.getString("mode", "constant");
  if (!m)
    return m.takeError();
  if (*m == "constant")
    return PadMode::Constant;
  if (*m == "reflect")
    return PadMode::Reflect;
  if (*m == "edge")
    return PadMode::Edge;
  return opError("attribute 'mode' is '" + Twine(*m) +
                 "'; expected constant, reflect or edge");
}

/// The pads (input 1 or the attribute) and the index of constant_value
/// among the inputs (0 when absent).
struct PadArgs {
  std::vector<int64_t> pads;
  unsigned valueInput = 0;
};

Expected<PadArgs> padArgs(const Node &node, ArrayRef<InputInfo> in) {
  PadArgs a;
  unsigned next = 1;
  if (node.attrs.has("pads")) {
    Expected<std::vector<int64_t>> p = node.attrs.getInts("pads", {});
    if (!p)
      return p.takeError();
    a.pads = std::move(*p);
  } else {
    if (in.size() < 2)
      return opError("input 1 (pads) is required");
    Expected<std::vector<int64_t>> p = readIntInput(in, 1, "pads");
    if (!p)
      return p.takeError();
    a.pads = std::move(*p);
    next = 2;
  }
  if (in.size() > next + 1)
    return opError("the axes input (opset 18) is not supported");
  if (in.size() == next + 1)
    a.valueInput = next;
  return a;
}

Error padInferTypes(const Node &node, ArrayRef<InputInfo> in,
                    SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"mode", "pads"}))
    return e;
  if (Error e = checkInputCount(in, 1, 3))
    return e;
  if (Error e = checkDType(in, 0, "data", kDataDTypes))
    return e;
  const TensorType &x = in[0].type;
  if (!x.isStatic())
    return opError("data " + x.str() + " has symbolic dims; expected a "
                   "static shape");
  if (x.rank() < 1 || x.rank() > kPadMaxRank)
    return opError("data " + x.str() + " must have rank 1 to " +
                   Twine(kPadMaxRank));
  Expected<PadMode> mode = padMode(node);
  if (!mode)
    return mode.takeError();
  Expected<PadArgs> a = padArgs(node, in);
  if (!a)
    return a.takeError();
  size_t r = x.rank();
  if (a->pads.size() != 2 * r)
    return opError("pads has " + Twine(a->pads.size()) + " entries; expected " +
                   Twine(2 * r) + " (a start and an end per dim of " +
                   x.str() + ")");
  if (a->valueInput) {
    if (in[a->valueInput].type.dtype != x.dtype)
      return opError("constant_value has dtype " +
                     dtypeName(in[a->valueInput].type.dtype) +
                     "; expected data's, " + dtypeName(x.dtype));
    if (in[a->valueInput].type.numElements() != 1)
      return opError("constant_value " + in[a->valueInput].type.str() +
                     " must hold one element");
  }
  Shape o;
  for (size_t d = 0; d < r; ++d) {
    int64_t b = a->pads[d], e = a->pads[d + r], n = x.shape[d];
    if (std::abs(b) > (int64_t(1) << 30) || std::abs(e) > (int64_t(1) << 30))
      return opError("pads of dim " + Twine(d) + " (" + Twine(b) + ", " +
                     Twine(e) + ") are out of range");
    if (*mode == PadMode::Reflect && (b >= n || e >= n))
      return opError("reflect pads of dim " + Twine(d) + " (" + Twine(b) +
                     ", " + Twine(e) + ") must be below its size " + Twine(n));
    if (*mode != PadMode::Constant && n + std::min<int64_t>(b, 0) +
                                              std::min<int64_t>(e, 0) < 1)
      return opError("dim " + Twine(d) + " is cropped to nothing");
    if (n + b + e < 1)
      return opError("dim " + Twine(d) + " of " + x.str() + " padded by (" +
                     Twine(b) + ", " + Twine(e) +
                     ") is empty; tlc has no empty tensors");
    o.push_back(n + b + e);
  }
  TensorType t{x.dtype, o};
  if (Error e = checkFits32(t, "output"))
    return e;
  out.push_back(t);
  return Error::success();
}

/// The input coordinate output coordinate \p o of a dim of \p n elements
/// padded by \p b at its start reads, or -1 for the constant.
int64_t sourceIndex(PadMode mode, int64_t o, int64_t b, int64_t n) {
  int64_t i = o - b;
  if (i >= 0 && i < n)
    return i;
  if (mode == PadMode::Constant)
    return -1;
  if (mode == PadMode::Reflect)
    return i < 0 ? -i : 2 * (n - 1) - i;
  return std::clamp<int64_t>(i, 0, n - 1);
}

Error padReference(const Node &node, ArrayRef<const HostTensor *> in,
                   MutableArrayRef<HostTensor> out) {
  SmallVector<InputInfo, 3> info;
  for (const HostTensor *h : in)
    info.push_back({h->type, h->bytes()});
  PadArgs a = verifiedValue(padArgs(node, info));
  PadMode mode = verifiedValue(padMode(node));
  const Shape &xs = in[0]->type.shape, &ys = out[0].type.shape;
  size_t r = xs.size();
  Shape xstride = rowMajorStrides(xs);
  Shape oc(r, 0);
  for (int64_t e = 0; e < out[0].numElements(); ++e) {
    int64_t src = 0;
    bool outside = false;
    for (size_t d = 0; d < r; ++d) {
      int64_t i = sourceIndex(mode, oc[d], a.pads[d], xs[d]);
      outside |= i < 0;
      src += std::max<int64_t>(i, 0) * xstride[d];
    }
    if (!outside)
      out[0].copyElement(*in[0], src, e);
    else if (a.valueInput)
      out[0].copyElement(*in[a.valueInput], 0, e);
    // else: outputs arrive zero-filled
    for (size_t d = r; d-- > 0;) {
      if (++oc[d] < ys[d])
        break;
      oc[d] = 0;
    }
  }
  return Error::success();
}

void padLower(const Node &node, ArrayRef<TensorType> in,
              ArrayRef<TensorType> out, const KernelTarget &,
              SmallVectorImpl<DispatchDesc> &d) {
  // ConstantFolding has moved constant pads into the attribute; a node with
  // them left as an input has no lowering to reach (the verifier refuses a
  // non-constant pads input through the shape rule).
  SmallVector<InputInfo, 3> info;
  for (const TensorType &t : in)
    info.push_back({t, {}});
  PadArgs a = verifiedValue(padArgs(node, info));
  PadMode mode = verifiedValue(padMode(node));
  size_t r = in[0].rank(), pad = kPadMaxRank - r;
  DispatchDesc c;
  c.shader = "pad";
  int64_t n = out[0].numElements();
  c.specConstants.push_back(spec::u32(uint32_t(n)));
  for (size_t k = 0; k < kPadMaxRank; ++k)
    c.specConstants.push_back(
        spec::u32(k < pad ? 1u : uint32_t(out[0].shape[k - pad])));
  for (size_t k = 0; k < kPadMaxRank; ++k)
    c.specConstants.push_back(
        spec::u32(k < pad ? 1u : uint32_t(in[0].shape[k - pad])));
  for (size_t k = 0; k < kPadMaxRank; ++k)
    c.specConstants.push_back(
        spec::i32(k < pad ? 0 : int32_t(a.pads[k - pad])));
  c.specConstants.push_back(spec::u32(uint32_t(mode)));
  c.specConstants.push_back(spec::u32(a.valueInput ? 1u : 0u));
  unsigned y = unsigned(in.size());
  c.operands = {0, y, a.valueInput ? a.valueInput : 0u};
  c.writes = {1};
  if (!a.valueInput)
    c.unread = {2};
  setGrid1D(c, uint64_t(n), 256);
  d.push_back(c);
}

} // namespace

const OpDef kPadOp = {"Pad",
                      padInferTypes,
                      padReference,
                      padLower,
                      /*memory=*/{},
                      /*referenceDTypes=*/{DType::F32, DType::I32, DType::I64},
                      /*deviceDTypes=*/{DType::F32, DType::I32}};

} // namespace tlc
