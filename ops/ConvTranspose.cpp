//===- ops/ConvTranspose.cpp - 2-D transposed convolution (NCHW) ----------===//
//
// ONNX ConvTranspose (opset 11, unchanged through 17), 2-D only: X [N, C, H,
// W], W [C, M/group, kH, kW], optional B [M]. Attributes strides, pads
// ([top, left, bottom, right]), dilations, group, kernel_shape (checked
// against W), output_padding (each >= 0 and < max(stride, dilation)) and
// auto_pad NOTSET or VALID; output_shape is an error (give pads instead). Output
// size per the ONNX formula:
//   out = stride * (in - 1) + output_padding + (k - 1) * dilation + 1
//         - padBegin - padEnd
// Shader: shaders/conv_transpose2d.comp gathers, per output element, every
// input element whose scattered window covers it.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/Window2D.h"

#include <cassert>

using namespace llvm;

namespace tlc {

namespace {
/// Validated ConvTranspose parameters.
struct ConvTParams {
  int64_t n, c, h, w; // input
  int64_t m;          // output channels
  int64_t group;
  Window2D win; // win.out: output H, W
  int64_t outPad[2] = {0, 0};
};
} // namespace

static Expected<ConvTParams> parseConvT(const Node &node,
                                        ArrayRef<InputInfo> in) {
  if (node.attrs.has("output_shape"))
    return opError("attribute 'output_shape' is not supported; give 'pads' "
                   "(and 'output_padding') instead");
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
  if (Error e = checkRank(wt, 4, "W", "C x M/group x kH x kW"))
    return e;
  ConvTParams p;
  p.n = x.shape[0];
  p.c = x.shape[1];
  p.h = x.shape[2];
  p.w = x.shape[3];
  Expected<int64_t> group = node.attrs.getInt("group", 1);
  if (!group)
    return group.takeError();
  if (*group < 1 || *group > kMaxWindowValue)
    return opError("attribute 'group' is " + Twine(*group) +
                   "; expected a value >= 1");
  p.group = *group;
  if (wt.shape[0] != p.c)
    return opError("W dim 0 is " + Twine(wt.shape[0]) +
                   "; expected the input channels " + Twine(p.c) + " (W " +
                   wt.str() + ", X " + x.str() + ")");
  if (p.c % p.group != 0)
    return opError("input channels " + Twine(p.c) +
                   " are not divisible by group " + Twine(p.group));
  p.m = wt.shape[1] * p.group;
  if (Error e = checkConvBiasAndKernel(node, in, p.m))
    return std::move(e);
  Expected<Window2D> win =
      parseWindow2D(node.attrs, wt.shape[2], wt.shape[3], true);
  if (!win)
    return win.takeError();
  p.win = *win;
  // ConvTranspose's auto_pad derives pads from output_shape, which tlc does
  // not take either.
  if (p.win.autoPad != AutoPad::NotSet && p.win.autoPad != AutoPad::Valid)
    return opError("attribute 'auto_pad' is SAME_UPPER or SAME_LOWER; only "
                   "NOTSET and VALID are supported (give explicit 'pads')");
  auto op = getIntList(node.attrs, "output_padding", 2, {0, 0}, 0);
  if (!op)
    return op.takeError();
  for (int d = 0; d < 2; ++d) {
    p.outPad[d] = (*op)[d];
    if (p.outPad[d] >= std::max(p.win.stride[d], p.win.dilation[d]))
      return opError("attribute 'output_padding'[" + Twine(d) + "] is " +
                     Twine(p.outPad[d]) +
                     "; expected a value < max(stride, dilation) = " +
                     Twine(std::max(p.win.stride[d], p.win.dilation[d])));
    int64_t in = d == 0 ? p.h : p.w;
    // Every term is < 2^31 and in < 2^32, so this stays far from overflow.
    int64_t o = p.win.stride[d] * (in - 1) + p.outPad[d] + p.win.extent(d) -
                p.win.padBegin[d] - p.win.padEnd[d];
    if (o < 1)
      return opError("output " + Twine(d == 0 ? "height" : "width") + " is " +
                     Twine(o) + ": the pads remove more than the full output");
    p.win.out[d] = o;
  }
  return p;
}

static Error convTInferTypes(const Node &node, ArrayRef<InputInfo> in,
                             SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"auto_pad", "dilations", "group",
                                       "kernel_shape", "output_padding",
                                       "output_shape", "pads", "strides"}))
    return e;
  Expected<ConvTParams> p = parseConvT(node, in);
  if (!p)
    return p.takeError();
  TensorType y{DType::F32, {p->n, p->m, p->win.out[0], p->win.out[1]}};
  if (Error e = checkFits32(y, "output"))
    return e;
  out.push_back(y);
  return Error::success();
}

/// The parameters of a node whose shape rule passed.
static ConvTParams convTFromTypes(const Node &node, ArrayRef<TensorType> in) {
  SmallVector<InputInfo, 3> infos;
  for (const TensorType &t : in)
    infos.push_back({t, {}});
  Expected<ConvTParams> p = parseConvT(node, infos);
  assert(p && "ConvTranspose node was not verified by its shape rule");
  if (!p) {
    consumeError(p.takeError());
    return ConvTParams{};
  }
  return *p;
}

static Error convTReference(const Node &node, ArrayRef<const HostTensor *> in,
                            MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 3> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  ConvTParams p = convTFromTypes(node, types);
  const Window2D &w = p.win;
  int64_t cg = p.c / p.group, mg = p.m / p.group;
  int64_t kh = w.kernel[0], kw = w.kernel[1];
  int64_t oh = w.out[0], ow = w.out[1];
  std::vector<double> acc(out[0].f32().size(), 0.0);
  // Scatter form (the definition): each input element adds its weighted
  // kernel to the output window it maps to.
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t c = 0; c < p.c; ++c) {
      int64_t g = c / cg;
      for (int64_t ih = 0; ih < p.h; ++ih)
        for (int64_t iw = 0; iw < p.w; ++iw) {
          double xv = in[0]->f32()[((n * p.c + c) * p.h + ih) * p.w + iw];
          for (int64_t mm = 0; mm < mg; ++mm)
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t b = 0; b < kw; ++b) {
                int64_t y =
                    ih * w.stride[0] + a * w.dilation[0] - w.padBegin[0];
                int64_t x =
                    iw * w.stride[1] + b * w.dilation[1] - w.padBegin[1];
                if (y < 0 || y >= oh || x < 0 || x >= ow)
                  continue;
                int64_t m = g * mg + mm;
                acc[((n * p.m + m) * oh + y) * ow + x] +=
                    xv * in[1]->f32()[((c * mg + mm) * kh + a) * kw + b];
              }
        }
    }
  for (size_t i = 0; i < acc.size(); ++i) {
    int64_t m = (int64_t(i) / (oh * ow)) % p.m;
    out[0].f32()[i] = float(acc[i] + (in.size() == 3 ? in[2]->f32()[m] : 0.0));
  }
  return Error::success();
}

static void convTLower(const Node &node, ArrayRef<TensorType> in,
                       ArrayRef<TensorType> out,
                       const KernelTarget &target,
                       SmallVectorImpl<DispatchDesc> &d) {
  ConvTParams p = convTFromTypes(node, in);
  const Window2D &w = p.win;
  DispatchDesc c;
  c.shader = "conv_transpose2d";
  uint64_t n = uint64_t(out[0].numElements());
  c.specConstants = spec::u32s(
      {uint32_t(n), uint32_t(p.c), uint32_t(p.h), uint32_t(p.w), uint32_t(p.m),
       uint32_t(w.out[0]), uint32_t(w.out[1]), uint32_t(w.kernel[0]),
       uint32_t(w.kernel[1]), uint32_t(w.stride[0]), uint32_t(w.stride[1]),
       uint32_t(w.dilation[0]), uint32_t(w.dilation[1]),
       uint32_t(w.padBegin[0]), uint32_t(w.padBegin[1]), uint32_t(p.group),
       uint32_t(in.size() == 3)});
  // Bindings: 0 = X, 1 = W, 2 = B (X again, unread, without a bias), 3 = Y.
  unsigned y = unsigned(in.size());
  c.operands = {0, 1, in.size() == 3 ? 2u : 0u, y};
  c.writes = {3};
  setGrid1D(c, n, 64);
  d.push_back(c);
}

const OpDef kConvTransposeOp = {"ConvTranspose", convTInferTypes,
                                convTReference, convTLower};

} // namespace tlc
