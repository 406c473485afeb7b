//===- ops/Pool2D.cpp - Shared parts of MaxPool and AveragePool -----------===//
#include "ops/Pool2D.h"
#include "ops/OpUtil.h"

#include <algorithm>
#include <limits>

using namespace llvm;

namespace tlc {

Expected<Pool2DParams> parsePool2D(const Node &node, PoolMode mode,
                                   ArrayRef<TensorType> in) {
  Pool2DParams p;
  p.mode = mode;
  const TensorType &x = in[0];
  if (Error e = checkRank(x, 4, "X", "NCHW"))
    return e;
  p.n = x.shape[0];
  p.c = x.shape[1];
  p.h = x.shape[2];
  p.w = x.shape[3];
  p.x = x.dims();
  if (!node.attrs.has("kernel_shape"))
    return opError("attribute 'kernel_shape' is required");
  auto ks = getIntList(node.attrs, "kernel_shape", 2, {}, 1);
  if (!ks)
    return ks.takeError();
  Expected<Window2D> win =
      parseWindow2D(node.attrs, (*ks)[0], (*ks)[1], mode == PoolMode::Max);
  if (!win)
    return win.takeError();
  p.win = *win;
  Expected<bool> ceilMode = getFlagAttr(node, "ceil_mode", false);
  if (!ceilMode)
    return ceilMode.takeError();
  p.ceilMode = *ceilMode;
  if (mode == PoolMode::Max) {
    Expected<int64_t> order = node.attrs.getInt("storage_order", 0);
    if (!order)
      return order.takeError();
    if (*order != 0)
      return opError("attribute 'storage_order' is " + Twine(*order) +
                     "; only 0 (row major) is supported");
  } else {
    if (node.attrs.has("dilations"))
      return opError("attribute 'dilations' is not part of AveragePool in "
                     "opset 17");
    Expected<bool> cip = getFlagAttr(node, "count_include_pad", false);
    if (!cip)
      return cip.takeError();
    p.countIncludePad = *cip;
  }
  if (Error e = computeWindowOutput(p.win, p.x[2], p.x[3], p.ceilMode))
    return e;
  // After computeWindowOutput, which sets auto_pad SAME's pads.
  for (int d = 0; d < 2; ++d)
    if (p.win.padBegin[d] >= p.win.kernel[d] ||
        p.win.padEnd[d] >= p.win.kernel[d])
      return opError("pads [" + Twine(p.win.padBegin[0]) + ", " +
                     Twine(p.win.padBegin[1]) + ", " + Twine(p.win.padEnd[0]) +
                     ", " + Twine(p.win.padEnd[1]) +
                     "]: each pad must be smaller than the kernel " +
                     Twine(p.win.kernel[0]) + "x" + Twine(p.win.kernel[1]));
  return p;
}

Error inferPool2DTypes(const Node &node, PoolMode mode, ArrayRef<InputInfo> in,
                       SmallVectorImpl<TensorType> &out) {
  // AveragePool lists dilations so that it gets its own message below.
  static const StringRef maxAttrs[] = {
      "auto_pad", "ceil_mode",     "dilations", "kernel_shape",
      "pads",     "storage_order", "strides"};
  static const StringRef avgAttrs[] = {
      "auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape",
      "pads",     "strides"};
  if (Error e = checkKnownAttrs(node, mode == PoolMode::Max
                                          ? ArrayRef<StringRef>(maxAttrs)
                                          : ArrayRef<StringRef>(avgAttrs)))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkF32(in, 0, "X"))
    return e;
  if (Error e = checkMaxOutputs(node, 1,
                                mode == PoolMode::Max
                                    ? "the Indices output is not supported"
                                    : "AveragePool has one output"))
    return e;
  if (Error e = checkInputsFit32(in))
    return e;
  Expected<Pool2DParams> p = parsePool2D(node, mode, {in[0].type});
  if (!p)
    return p.takeError();
  TensorType y = TensorType::withDims(
      DType::F32, {p->x[0], p->x[1], p->win.outDim[0], p->win.outDim[1]});
  if (Error e = checkFits32(y, "output"))
    return e;
  out.push_back(y);
  return Error::success();
}

void referencePool2D(const Pool2DParams &p, const HostTensor &x,
                     HostTensor &y) {
  const Window2D &w = p.win;
  int64_t oh = w.out[0], ow = w.out[1];
  for (int64_t nc = 0; nc < p.n * p.c; ++nc)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        int64_t h0 = i * w.stride[0] - w.padBegin[0];
        int64_t w0 = j * w.stride[1] - w.padBegin[1];
        double sum = 0.0;
        float best = -std::numeric_limits<float>::infinity();
        int64_t count = 0;
        for (int64_t u = 0; u < w.kernel[0]; ++u)
          for (int64_t v = 0; v < w.kernel[1]; ++v) {
            int64_t ih = h0 + u * w.dilation[0], iw = w0 + v * w.dilation[1];
            if (ih < 0 || ih >= p.h || iw < 0 || iw >= p.w)
              continue;
            float val = x.f32()[(nc * p.h + ih) * p.w + iw];
            best = std::max(best, val);
            sum += val;
            ++count;
          }
        float result = best;
        if (p.mode == PoolMode::Average) {
          if (p.countIncludePad) {
            // Window clipped to the padded input [-padBegin, in + padEnd).
            int64_t hEnd = std::min(h0 + w.kernel[0], p.h + w.padEnd[0]);
            int64_t wEnd = std::min(w0 + w.kernel[1], p.w + w.padEnd[1]);
            count = (hEnd - h0) * (wEnd - w0);
          }
          result = float(sum / double(count));
        }
        y.f32()[(nc * oh + i) * ow + j] = result;
      }
}

DispatchDesc lowerPool2D(const Pool2DParams &p) {
  const Window2D &w = p.win;
  DimExpr planes = p.x[0] * p.x[1];
  DimExpr total = planes * w.outDim[0] * w.outDim[1];
  DispatchDesc d;
  d.shader = "pool2d";
  d.specConstants = spec::u32s(
      {0, 0, 0, 0, 0, uint32_t(w.kernel[0]), uint32_t(w.kernel[1]),
       uint32_t(w.stride[0]), uint32_t(w.stride[1]), uint32_t(w.padBegin[0]),
       uint32_t(w.padBegin[1]), uint32_t(w.padEnd[0]), uint32_t(w.padEnd[1]),
       uint32_t(w.dilation[0]), uint32_t(w.dilation[1]), uint32_t(p.mode),
       uint32_t(p.countIncludePad), 0});
  setDim(d, 0, planes);
  setDim(d, 1, p.x[2]);
  setDim(d, 2, p.x[3]);
  setDim(d, 3, w.outDim[0]);
  setDim(d, 4, w.outDim[1]);
  setDim(d, 17, total);
  d.operands = {0, 1};
  d.writes = {1};
  setGrid1D(d, total, 64);
  return d;
}

} // namespace tlc
