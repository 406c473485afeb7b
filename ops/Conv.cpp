//===- ops/Conv.cpp - Conv: 2-D grouped, strided, dilated convolution -----===//
//
// ONNX Conv (opset 11 semantics, unchanged in 17) for 2-D NCHW inputs:
//   X [N, C, H, W], W [M, C/group, kH, kW], optional B [M] -> Y [N, M, oH, oW]
//   Y[n, m, oh, ow] = B[m] + sum_{c, kh, kw} X[n, g*C/group + c, ih, iw] *
//                     W[m, c, kh, kw],  g = m / (M/group),
//   ih = oh*strideH - padTop + kh*dilationH (zero outside the input), same
//   for w. auto_pad other than NOTSET is rejected.
// Shader: shaders/conv2d.comp, one invocation per 4x4 block of outputs.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/Window2D.h"

using namespace llvm;

namespace tlc {

namespace {
/// Validated Conv parameters.
struct ConvParams {
  int64_t n, c, h, w; // input
  int64_t m;          // output channels
  int64_t group;
  Window2D win;
};
} // namespace

static Expected<ConvParams> parseConv(const Node &node,
                                      ArrayRef<InputInfo> in) {
  if (Error e = checkInputCount(in, 2, 3))
    return e;
  static const char *names[3] = {"X", "W", "B"};
  for (unsigned i = 0; i < in.size(); ++i)
    if (Error e = checkF32(in, i, names[i]))
      return e;
  if (Error e = checkInputsFit32(in))
    return e;
  const TensorType &x = in[0].type, &wt = in[1].type;
  if (Error e = checkRank(x, 4, "X", "NCHW"))
    return e;
  if (Error e = checkRank(wt, 4, "W", "M x C/group x kH x kW"))
    return e;
  ConvParams p;
  p.n = x.shape[0];
  p.c = x.shape[1];
  p.h = x.shape[2];
  p.w = x.shape[3];
  p.m = wt.shape[0];
  Expected<int64_t> group = node.attrs.getInt("group", 1);
  if (!group)
    return group.takeError();
  if (*group < 1)
    return opError("attribute 'group' is " + Twine(*group) +
                   "; expected a value >= 1");
  p.group = *group;
  if (p.c % p.group != 0)
    return opError("input channels " + Twine(p.c) +
                   " are not divisible by group " + Twine(p.group));
  if (p.m % p.group != 0)
    return opError("output channels (W dim 0) " + Twine(p.m) +
                   " are not divisible by group " + Twine(p.group));
  if (wt.shape[1] != p.c / p.group)
    return opError("W dim 1 is " + Twine(wt.shape[1]) +
                   "; expected input channels / group = " + Twine(p.c) + "/" +
                   Twine(p.group) + " = " + Twine(p.c / p.group) + " (W " +
                   wt.str() + ", X " + x.str() + ")");
  if (in.size() == 3) {
    if (Error e = checkRank(in[2].type, 1, "B"))
      return e;
    if (in[2].type.shape[0] != p.m)
      return opError("B has " + Twine(in[2].type.shape[0]) +
                     " elements; expected one per output channel (" +
                     Twine(p.m) + ")");
  }
  if (node.attrs.has("kernel_shape")) {
    auto ks = getIntList(node.attrs, "kernel_shape", 2, {}, 1);
    if (!ks)
      return ks.takeError();
    if ((*ks)[0] != wt.shape[2] || (*ks)[1] != wt.shape[3])
      return opError("attribute 'kernel_shape' [" + Twine((*ks)[0]) + ", " +
                     Twine((*ks)[1]) + "] does not match W's kernel " +
                     Twine(wt.shape[2]) + "x" + Twine(wt.shape[3]));
  }
  Expected<Window2D> win =
      parseWindow2D(node.attrs, wt.shape[2], wt.shape[3], true);
  if (!win)
    return win.takeError();
  p.win = *win;
  if (Error e = computeWindowOutput(p.win, p.h, p.w, false))
    return e;
  return p;
}

static Error convInferTypes(const Node &node, ArrayRef<InputInfo> in,
                            SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"auto_pad", "dilations", "group",
                                       "kernel_shape", "pads", "strides"}))
    return e;
  Expected<ConvParams> p = parseConv(node, in);
  if (!p)
    return p.takeError();
  TensorType y{DType::F32, {p->n, p->m, p->win.out[0], p->win.out[1]}};
  if (Error e = checkFits32(y, "output"))
    return e;
  out.push_back(y);
  return Error::success();
}

/// Recovers the parameters of an already-verified node from its types.
static ConvParams convParamsFromTypes(const Node &node,
                                      ArrayRef<TensorType> in) {
  SmallVector<InputInfo, 3> infos;
  for (const TensorType &t : in)
    infos.push_back({t, {}});
  Expected<ConvParams> p = parseConv(node, infos);
  assert(p && "Conv node was not verified by its shape rule");
  if (!p) {
    consumeError(p.takeError());
    return ConvParams{};
  }
  return *p;
}

static void convReference(const Node &node, ArrayRef<const HostTensor *> in,
                          MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 3> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  ConvParams p = convParamsFromTypes(node, types);
  const Window2D &win = p.win;
  const float *x = in[0]->data.data();
  const float *wt = in[1]->data.data();
  const float *b = in.size() == 3 ? in[2]->data.data() : nullptr;
  float *y = out[0].data.data();
  int64_t cPerGroup = p.c / p.group, mPerGroup = p.m / p.group;
  int64_t kh = win.kernel[0], kw = win.kernel[1];
  int64_t oh = win.out[0], ow = win.out[1];
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t m = 0; m < p.m; ++m) {
      int64_t g = m / mPerGroup;
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double acc = b ? b[m] : 0.0;
          for (int64_t c = 0; c < cPerGroup; ++c)
            for (int64_t u = 0; u < kh; ++u) {
              int64_t ih =
                  i * win.stride[0] - win.padBegin[0] + u * win.dilation[0];
              if (ih < 0 || ih >= p.h)
                continue;
              for (int64_t v = 0; v < kw; ++v) {
                int64_t iw =
                    j * win.stride[1] - win.padBegin[1] + v * win.dilation[1];
                if (iw < 0 || iw >= p.w)
                  continue;
                int64_t ci = g * cPerGroup + c;
                acc += double(x[((n * p.c + ci) * p.h + ih) * p.w + iw]) *
                       double(wt[((m * cPerGroup + c) * kh + u) * kw + v]);
              }
            }
          y[((n * p.m + m) * oh + i) * ow + j] = float(acc);
        }
    }
}

static void convLower(const Node &node, ArrayRef<TensorType> in,
                      ArrayRef<TensorType> out,
                      SmallVectorImpl<DispatchDesc> &dispatches) {
  ConvParams p = convParamsFromTypes(node, in);
  const Window2D &w = p.win;
  bool hasBias = in.size() == 3;
  DispatchDesc d;
  d.shader = "conv2d";
  // One invocation per block of 4 output channels x 4 output columns; keep
  // in sync with shaders/conv2d.comp.
  constexpr uint64_t kBlock = 4;
  uint64_t blocks = uint64_t(p.n) * uint64_t(p.group) *
                    ceilDiv(uint64_t(p.m / p.group), kBlock) *
                    uint64_t(w.out[0]) * ceilDiv(uint64_t(w.out[1]), kBlock);
  d.specConstants = {
      uint32_t(p.n),           uint32_t(p.c),           uint32_t(p.h),
      uint32_t(p.w),           uint32_t(p.m),           uint32_t(w.out[0]),
      uint32_t(w.out[1]),      uint32_t(w.kernel[0]),   uint32_t(w.kernel[1]),
      uint32_t(w.stride[0]),   uint32_t(w.stride[1]),   uint32_t(w.padBegin[0]),
      uint32_t(w.padBegin[1]), uint32_t(w.dilation[0]), uint32_t(w.dilation[1]),
      uint32_t(p.group),       uint32_t(hasBias),       uint32_t(blocks)};
  // Binding 2 is the bias; without one, X is bound there and never read.
  unsigned outIdx = unsigned(in.size());
  d.operands = {0, 1, hasBias ? 2u : 0u, outIdx};
  d.writes = {3};
  setGrid1D(d, blocks, 64);
  dispatches.push_back(d);
}

const OpDef kConvOp = {"Conv", convInferTypes, convReference, convLower};

} // namespace tlc
