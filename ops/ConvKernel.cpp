//===- ops/ConvKernel.cpp - Conv parameters, reference and kernels --------===//
//
// The part of Conv and FusedConv they share: attribute checks, the CPU
// reference with its epilogue, and the choice among the three conv shaders
// (see ops/ConvKernel.h).
//
//===----------------------------------------------------------------------===//
#include "ops/ConvKernel.h"
#include "ops/KernelTarget.h"
#include "ops/OpUtil.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace llvm;

namespace tlc {

Expected<ConvParams> parseConvParams(const Node &node, ArrayRef<InputInfo> in) {
  if (Error e = checkInputCount(in, 2, 3))
    return std::move(e);
  static const char *names[3] = {"X", "W", "B"};
  for (unsigned i = 0; i < in.size(); ++i)
    if (Error e = checkF32(in, i, names[i]))
      return std::move(e);
  if (Error e = checkInputsFit32(in))
    return std::move(e);
  const TensorType &x = in[0].type, &wt = in[1].type;
  if (Error e = checkRank(x, 4, "X", "NCHW"))
    return std::move(e);
  if (Error e = checkRank(wt, 4, "W", "M x C/group x kH x kW"))
    return std::move(e);
  ConvParams p;
  p.n = x.shape[0];
  p.c = x.shape[1];
  p.h = x.shape[2];
  p.w = x.shape[3];
  p.nDim = x.dim(0);
  p.hDim = x.dim(2);
  p.wDim = x.dim(3);
  if (!x.dim(1).isConstant())
    return opError("X's channel dim is symbolic (" + x.dim(1).str() +
                   "); its channels must be fixed, as W's are");
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
  if (Error e = checkConvBiasAndKernel(node, in, p.m))
    return std::move(e);
  Expected<Window2D> win =
      parseWindow2D(node.attrs, wt.shape[2], wt.shape[3], true);
  if (!win)
    return win.takeError();
  p.win = *win;
  if (Error e = computeWindowOutput(p.win, p.hDim, p.wDim, false))
    return std::move(e);
  return p;
}

TensorType convOutputType(const ConvParams &p) {
  return TensorType::withDims(
      DType::F32, {p.nDim, p.m, p.win.outDim[0], p.win.outDim[1]});
}

ConvParams convParamsFromTypes(const Node &node, ArrayRef<TensorType> in) {
  SmallVector<InputInfo, 3> infos;
  for (const TensorType &t : in.take_front(3))
    infos.push_back({t, {}});
  Expected<ConvParams> p = parseConvParams(node, infos);
  assert(p && "conv node was not verified by its shape rule");
  if (!p) {
    consumeError(p.takeError());
    return ConvParams{};
  }
  return *p;
}

StringRef convActivationName(ConvActivation a) {
  switch (a) {
  case ConvActivation::None:
    return "";
  case ConvActivation::Relu:
    return "Relu";
  case ConvActivation::Sigmoid:
    return "Sigmoid";
  case ConvActivation::HardSigmoid:
    return "HardSigmoid";
  case ConvActivation::HardSwish:
    return "HardSwish";
  case ConvActivation::Clip:
    return "Clip";
  }
  return "";
}

Expected<ConvEpilogue> parseConvEpilogue(const Attributes &attrs) {
  ConvEpilogue e;
  Expected<std::string> name = attrs.getString("activation", "");
  if (!name)
    return name.takeError();
  std::vector<double> params;
  auto it = attrs.values.find("activation_params");
  if (it != attrs.values.end()) {
    if (const auto *fs = std::get_if<std::vector<double>>(&it->second))
      params = *fs;
    else if (const auto *is = std::get_if<std::vector<int64_t>>(&it->second))
      params.assign(is->begin(), is->end());
    else if (const auto *f = std::get_if<double>(&it->second))
      params = {*f};
    else
      return opError("attribute 'activation_params' must be a list of "
                     "floats");
  }
  size_t want = 0;
  double d0 = 0.0, d1 = 0.0;
  if (*name == "") {
    if (!params.empty())
      return opError("attribute 'activation_params' given without an "
                     "'activation'");
  } else if (*name == "Relu") {
    e.activation = ConvActivation::Relu;
  } else if (*name == "Sigmoid") {
    e.activation = ConvActivation::Sigmoid;
  } else if (*name == "HardSwish") {
    e.activation = ConvActivation::HardSwish;
  } else if (*name == "HardSigmoid") {
    e.activation = ConvActivation::HardSigmoid;
    want = 2, d0 = 0.2, d1 = 0.5;
  } else if (*name == "Clip") {
    e.activation = ConvActivation::Clip;
    want = 2, d0 = -std::numeric_limits<double>::infinity(),
    d1 = std::numeric_limits<double>::infinity();
  } else {
    return opError("attribute 'activation' is '" + *name +
                   "'; expected Relu, Sigmoid, HardSigmoid, HardSwish or "
                   "Clip");
  }
  if (!params.empty() && params.size() != want)
    return opError("activation " + *name + " takes " + Twine(want) +
                   " activation_params, got " + Twine(params.size()));
  e.p0 = float(params.empty() ? d0 : params[0]);
  e.p1 = float(params.empty() ? d1 : params[1]);
  return e;
}

float applyConvActivation(const ConvEpilogue &e, float v) {
  switch (e.activation) {
  case ConvActivation::None:
    return v;
  case ConvActivation::Relu:
    return v > 0.0f ? v : 0.0f;
  case ConvActivation::Sigmoid:
    return float(1.0 / (1.0 + std::exp(-double(v))));
  case ConvActivation::HardSigmoid:
    return float(std::min(1.0, std::max(0.0, double(e.p0) * v + e.p1)));
  case ConvActivation::HardSwish:
    return float(double(v) * std::min(1.0, std::max(0.0, v / 6.0 + 0.5)));
  case ConvActivation::Clip:
    return std::min(std::max(v, e.p0), e.p1);
  }
  return v;
}

void convReferenceCompute(const ConvParams &p, const float *x, const float *wt,
                          const float *b, const float *z, const ConvEpilogue &e,
                          float *y) {
  const Window2D &win = p.win;
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
          int64_t idx = ((n * p.m + m) * oh + i) * ow + j;
          if (z)
            acc += double(z[idx]);
          y[idx] = applyConvActivation(e, float(acc));
        }
    }
}

IgemmTile pickIgemmTile(uint64_t m, uint64_t n, uint64_t batches,
                        uint64_t minGroups) {
  static const IgemmTile kTiles[] = {{64, 64}, {64, 32}, {32, 64}, {32, 32}};
  for (const IgemmTile &t : kTiles) {
    // A tile much wider than the matrix wastes its invocations.
    if ((t.bm > 32 && m <= 32) || (t.bn > 32 && n <= 32))
      continue;
    if (ceilDiv(m, t.bm) * ceilDiv(n, t.bn) * batches >= minGroups)
      return t;
  }
  return {32, 32};
}

bool useSmallIgemm(uint64_t m, uint64_t n, uint64_t k, uint64_t batches) {
  constexpr uint64_t kSms = 132;
  return k >= 64 && ceilDiv(m, 32) * ceilDiv(n, 32) * batches < 2 * kSms;
}

/// Specialization constants 0..21, the same in every conv shader.
static SmallVector<SpecConstant, 24> commonConstants(const ConvParams &p,
                                                     const ConvEpilogue &e,
                                                     bool hasBias,
                                                     uint64_t total) {
  const Window2D &w = p.win;
  return spec::u32s({uint32_t(p.n),           uint32_t(p.c),
                     uint32_t(p.h),           uint32_t(p.w),
                     uint32_t(p.m),           uint32_t(w.out[0]),
                     uint32_t(w.out[1]),      uint32_t(w.kernel[0]),
                     uint32_t(w.kernel[1]),   uint32_t(w.stride[0]),
                     uint32_t(w.stride[1]),   uint32_t(w.padBegin[0]),
                     uint32_t(w.padBegin[1]), uint32_t(w.dilation[0]),
                     uint32_t(w.dilation[1]), uint32_t(p.group),
                     uint32_t(hasBias),       uint32_t(total),
                     uint32_t(e.activation),  floatBits(e.p0),
                     floatBits(e.p1),         uint32_t(e.hasZ)});
}

/// Gives the conv dispatch \p d its shape-dependent constants as dims
/// (ids as in commonConstants) and the grid of \p units workgroups-worth
/// of work: symbolic when the input's N, H or W is.
static void setConvDims(DispatchDesc &d, const ConvParams &p,
                        const DimExpr &units, uint32_t groupSize) {
  setDim(d, 0, p.nDim);
  setDim(d, 2, p.hDim);
  setDim(d, 3, p.wDim);
  setDim(d, 5, p.win.outDim[0]);
  setDim(d, 6, p.win.outDim[1]);
  setDim(d, 17, units);
  setGrid1D(d, units, groupSize);
}

void lowerConvKernel(const ConvParams &p, const ConvEpilogue &e,
                     const ConvOperands &ops, const KernelTarget &target,
                     SmallVectorImpl<DispatchDesc> &dispatches) {
  assert(e.hasZ == (ops.z >= 0) && "epilogue and operands disagree on Z");
  const Window2D &w = p.win;
  bool hasBias = ops.b >= 0;
  uint64_t cg = uint64_t(p.c / p.group), mg = uint64_t(p.m / p.group);
  // Kernel choice and tiles at the upper bound; sizes as expressions.
  uint64_t pixels = uint64_t(p.n) * uint64_t(w.out[0]) * uint64_t(w.out[1]);
  DimExpr pixelsDim = p.nDim * w.outDim[0] * w.outDim[1];
  DispatchDesc d;
  d.operands = {ops.x, ops.w, hasBias ? unsigned(ops.b) : ops.x, ops.y,
                e.hasZ ? unsigned(ops.z) : ops.x};
  d.writes = {3};
  if (!target.isGpu()) {
    // One invocation per block of 4 output channels x 4 output columns;
    // keep in sync with shaders/conv2d.comp.
    constexpr uint64_t kBlock = 4;
    DimExpr blocks = p.nDim * int64_t(uint64_t(p.group) * ceilDiv(mg, kBlock)) *
                     w.outDim[0] * tlc::ceilDiv(w.outDim[1], kBlock);
    d.shader = "conv2d";
    d.specConstants = commonConstants(p, e, hasBias, 0);
    setConvDims(d, p, blocks, 64);
  } else if (cg == 1) {
    // Depthwise (and channel multipliers): one invocation per output.
    DimExpr outputs = pixelsDim * p.m;
    d.shader = "conv2d_depthwise";
    d.specConstants = commonConstants(p, e, hasBias, 0);
    setConvDims(d, p, outputs, 256);
  } else if (useSmallIgemm(mg, pixels,
                           cg * uint64_t(w.kernel[0]) * uint64_t(w.kernel[1]),
                           uint64_t(p.group))) {
    DimExpr tiles = tlc::ceilDiv(pixelsDim, 16) *
                    int64_t(ceilDiv(mg, 16) * uint64_t(p.group));
    d.shader = "conv2d_igemm_small";
    d.specConstants = commonConstants(p, e, hasBias, 0);
    setConvDims(d, p, tiles, 1);
  } else {
    IgemmTile t = pickIgemmTile(mg, pixels, uint64_t(p.group));
    DimExpr tiles = tlc::ceilDiv(pixelsDim, t.bn) *
                    int64_t(ceilDiv(mg, t.bm) * uint64_t(p.group));
    d.shader = "conv2d_igemm";
    d.specConstants = commonConstants(p, e, hasBias, 0);
    d.specConstants.push_back(spec::u32(t.bm));
    d.specConstants.push_back(spec::u32(t.bn));
    // One workgroup per tile: setGrid1D with a group size of 1 lays the
    // tiles out as workgroups, spilling past 65535 into groups[1].
    setConvDims(d, p, tiles, 1);
  }
  dispatches.push_back(d);
}

} // namespace tlc
