//===- ops/Window2D.cpp - Sliding-window attributes of 2-D ops ------------===//
#include "ops/Window2D.h"
#include "ops/OpUtil.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

Expected<Window2D> parseWindow2D(const Attributes &attrs, int64_t kh,
                                 int64_t kw, bool allowDilations) {
  Window2D w;
  w.kernel[0] = kh;
  w.kernel[1] = kw;
  Expected<std::string> autoPad = attrs.getString("auto_pad", "NOTSET");
  if (!autoPad)
    return autoPad.takeError();
  if (*autoPad == "VALID")
    w.autoPad = AutoPad::Valid;
  else if (*autoPad == "SAME_UPPER")
    w.autoPad = AutoPad::SameUpper;
  else if (*autoPad == "SAME_LOWER")
    w.autoPad = AutoPad::SameLower;
  else if (*autoPad != "NOTSET")
    return opError("attribute 'auto_pad' is '" + *autoPad +
                   "'; expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  if (w.autoPad != AutoPad::NotSet && attrs.has("pads"))
    return opError("attributes 'auto_pad' (" + *autoPad +
                   ") and 'pads' are both given; ONNX allows pads only with "
                   "auto_pad NOTSET");
  auto strides = getIntList(attrs, "strides", 2, {1, 1}, 1);
  if (!strides)
    return strides.takeError();
  auto pads = getIntList(attrs, "pads", 4, {0, 0, 0, 0}, 0);
  if (!pads)
    return pads.takeError();
  auto dilations = getIntList(attrs, "dilations", 2, {1, 1}, 1);
  if (!dilations)
    return dilations.takeError();
  if (!allowDilations && ((*dilations)[0] != 1 || (*dilations)[1] != 1))
    return opError("attribute 'dilations' is not supported by this op "
                   "(opset 17); expected it absent or [1, 1]");
  for (const auto &[name, list] :
       {std::pair<const char *, const std::vector<int64_t> *>{"strides",
                                                              &*strides},
        {"pads", &*pads},
        {"dilations", &*dilations}})
    for (size_t i = 0; i < list->size(); ++i)
      if ((*list)[i] > kMaxWindowValue)
        return opError(Twine("attribute '") + name + "'[" + Twine(i) + "] is " +
                       Twine((*list)[i]) + "; expected a value <= 2^31-1");
  for (int d = 0; d < 2; ++d) {
    if (w.kernel[d] > kMaxWindowValue)
      return opError("kernel size " + Twine(w.kernel[d]) + " exceeds 2^31-1");
    w.stride[d] = (*strides)[d];
    w.dilation[d] = (*dilations)[d];
    w.padBegin[d] = (*pads)[d];
    w.padEnd[d] = (*pads)[d + 2];
  }
  return w;
}

Error computeWindowOutput(Window2D &w, int64_t inH, int64_t inW,
                          bool ceilMode) {
  int64_t in[2] = {inH, inW};
  static const char *dimName[2] = {"height", "width"};
  for (int d = 0; d < 2; ++d) {
    if (w.autoPad == AutoPad::SameUpper || w.autoPad == AutoPad::SameLower) {
      int64_t out = (in[d] + w.stride[d] - 1) / w.stride[d];
      int64_t total =
          std::max<int64_t>(0, (out - 1) * w.stride[d] + w.extent(d) - in[d]);
      int64_t small = total / 2;
      w.padBegin[d] = w.autoPad == AutoPad::SameUpper ? small : total - small;
      w.padEnd[d] = total - w.padBegin[d];
    }
    int64_t padded = in[d] + w.padBegin[d] + w.padEnd[d];
    if (w.extent(d) > padded)
      return opError(Twine("kernel ") + dimName[d] + " " + Twine(w.kernel[d]) +
                     " (dilated extent " + Twine(w.extent(d)) +
                     ") is larger than the padded input " + dimName[d] + " " +
                     Twine(padded));
    int64_t span = padded - w.extent(d);
    int64_t o = (ceilMode ? (span + w.stride[d] - 1) / w.stride[d]
                          : span / w.stride[d]) +
                1;
    if (ceilMode && (o - 1) * w.stride[d] >= in[d] + w.padBegin[d])
      --o;
    w.out[d] = o;
    w.outDim[d] = o;
  }
  return Error::success();
}

Error computeWindowOutput(Window2D &w, const DimExpr &inH, const DimExpr &inW,
                          bool ceilMode) {
  if (inH.isConstant() && inW.isConstant())
    return computeWindowOutput(w, inH.constant(), inW.constant(), ceilMode);
  if (w.autoPad == AutoPad::SameUpper || w.autoPad == AutoPad::SameLower)
    return opError("auto_pad SAME_UPPER / SAME_LOWER needs static spatial "
                   "dims (its pads depend on them), got " + inH.str() + "x" +
                   inW.str());
  const DimExpr in[2] = {inH, inW};
  static const char *dimName[2] = {"height", "width"};
  for (int d = 0; d < 2; ++d) {
    DimExpr padded = in[d] + w.padBegin[d] + w.padEnd[d];
    if (w.extent(d) > padded.lowerBound())
      return opError(Twine("kernel ") + dimName[d] + " " + Twine(w.kernel[d]) +
                     " (dilated extent " + Twine(w.extent(d)) +
                     ") is larger than the padded input " + dimName[d] + " " +
                     padded.str() + " at its smallest, " +
                     Twine(padded.lowerBound()));
    DimExpr span = padded - w.extent(d);
    DimExpr o = ceilMode ? min(ceilDiv(span, w.stride[d]) + 1,
                               ceilDiv(in[d] + w.padBegin[d], w.stride[d]))
                         : floorDiv(span, w.stride[d]) + 1;
    w.outDim[d] = o;
    w.out[d] = o.upperBound();
  }
  return Error::success();
}

Error checkConvBiasAndKernel(const Node &node, ArrayRef<InputInfo> in,
                             int64_t channels) {
  if (in.size() == 3) {
    if (Error e = checkRank(in[2].type, 1, "B"))
      return e;
    if (in[2].type.shape[0] != channels)
      return opError("B has " + Twine(in[2].type.shape[0]) +
                     " elements; expected one per output channel (" +
                     Twine(channels) + ")");
  }
  if (!node.attrs.has("kernel_shape"))
    return Error::success();
  const Shape &w = in[1].type.shape;
  auto ks = getIntList(node.attrs, "kernel_shape", 2, {}, 1);
  if (!ks)
    return ks.takeError();
  if ((*ks)[0] != w[2] || (*ks)[1] != w[3])
    return opError("attribute 'kernel_shape' [" + Twine((*ks)[0]) + ", " +
                   Twine((*ks)[1]) + "] does not match W's kernel " +
                   Twine(w[2]) + "x" + Twine(w[3]));
  return Error::success();
}

} // namespace tlc
