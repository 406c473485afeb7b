//===- ops/Resize.cpp - Resize: nearest / bilinear on the last two dims ---===//
//
// ONNX Resize (opset 13, the version opset 17 uses). Two input forms:
//   - canonical, what the ONNX importer emits (ir/onnx/OnnxOptionalInputs):
//     X, S where S is scales (f32) or sizes (i64), told apart by dtype;
//   - ONNX's positional form: X, roi, scales[, sizes]. roi is ignored (only
//     tf_crop_and_resize reads it, and that mode is rejected); tlc has no
//     empty tensors, so when sizes is given the scales input (the empty
//     placeholder of ONNX models) is ignored whatever it holds.
// X is f32 of rank 2 to 6; scales / sizes must be a compile-time constant
// with one entry per dim. Only the last two dims may change size (the
// others must keep scale 1), which covers NCHW upsampling.
//
// Output size: sizes, or floor(in * scale). The scale in the coordinate
// formulas is the given one, or out / in when sizes is given. Source
// coordinate of output index x (ONNX spec, coordinate_transformation_mode):
//   half_pixel (default):  (x + 0.5) / scale - 0.5
//   pytorch_half_pixel:    out > 1 ? (x + 0.5) / scale - 0.5 : 0
//   align_corners:         out == 1 ? 0 : x * (in - 1) / (len - 1), len =
//                          in * scale when scales are given (unfloored, as
//                          ONNX's reference implementation), else out
//   asymmetric:            x / scale
// mode nearest rounds it per nearest_mode (round_prefer_floor default,
// round_prefer_ceil, floor, ceil) and clamps to [0, in-1]; mode linear
// interpolates between floor(c) and floor(c)+1, both clamped to the edge
// (the spec reference pads with edge values). Other modes (cubic) and
// coordinate modes are errors, as are exclude_outside = 1 and a non-default
// cubic_coeff_a / extrapolation_value with no effect here.
// Coordinates are computed in f32 in the same order as shaders/resize.comp,
// so that the CPU reference picks the same neighbours.
//
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"

#include <cmath>
#include <cstring>

#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace tlc {

namespace {
enum class CoordMode : uint32_t {
  HalfPixel = 0,
  Asymmetric = 1,
  AlignCorners = 2,
  PytorchHalfPixel = 3
};
enum class NearestMode : uint32_t {
  RoundPreferFloor = 0,
  RoundPreferCeil = 1,
  Floor = 2,
  Ceil = 3
};

/// Validated Resize parameters; index 0 is H (dim r-2), 1 is W (dim r-1).
struct ResizeParams {
  bool linear = false;
  CoordMode coord = CoordMode::HalfPixel;
  NearestMode nearest = NearestMode::RoundPreferFloor;
  int64_t in[2] = {1, 1}, out[2] = {1, 1};
  float scale[2] = {1, 1};
  /// Scales were given (not sizes): align_corners then divides by the
  /// unfloored resized length in * scale, as ONNX's reference does.
  bool scalesGiven = false;
  int64_t outer = 1; // product of the leading dims
};
} // namespace

namespace {
/// Which operand holds the scales and which the sizes (-1: none), for either
/// input form (file header).
struct ResizeOperands {
  int scales = -1, sizes = -1;
  bool invalidDtype = false; // canonical form with neither f32 nor i64
};
} // namespace

static DType dtypeOf(const InputInfo &i) { return i.type.dtype; }
static DType dtypeOf(const TensorType &t) { return t.dtype; }

/// Locates scales and sizes in \p in (the node's input infos or types).
template <typename Info>
static ResizeOperands resizeOperands(ArrayRef<Info> in) {
  ResizeOperands r;
  if (in.size() == 2) {
    DType t = dtypeOf(in[1]);
    if (t == DType::F32)
      r.scales = 1;
    else if (t == DType::I64)
      r.sizes = 1;
    else
      r.invalidDtype = true;
  } else if (in.size() == 3) {
    r.scales = 2;
  } else if (in.size() == 4) {
    r.sizes = 3;
  }
  return r;
}

static Expected<ResizeParams> parseResize(const Node &node,
                                          ArrayRef<InputInfo> in) {
  if (Error e = checkInputCount(in, 1, 4))
    return e;
  if (Error e = checkF32(in, 0, "X"))
    return e;
  if (Error e = checkFits32(in[0].type, "input 0 (X)"))
    return e;
  ResizeParams p;
  Expected<std::string> mode = node.attrs.getString("mode", "nearest");
  if (!mode)
    return mode.takeError();
  if (*mode == "linear")
    p.linear = true;
  else if (*mode != "nearest")
    return opError("attribute 'mode' is '" + *mode +
                   "'; supported: nearest, linear");
  Expected<std::string> ctm =
      node.attrs.getString("coordinate_transformation_mode", "half_pixel");
  if (!ctm)
    return ctm.takeError();
  if (*ctm == "half_pixel")
    p.coord = CoordMode::HalfPixel;
  else if (*ctm == "asymmetric")
    p.coord = CoordMode::Asymmetric;
  else if (*ctm == "align_corners")
    p.coord = CoordMode::AlignCorners;
  else if (*ctm == "pytorch_half_pixel")
    p.coord = CoordMode::PytorchHalfPixel;
  else
    return opError("attribute 'coordinate_transformation_mode' is '" + *ctm +
                   "'; supported: half_pixel, asymmetric, align_corners, "
                   "pytorch_half_pixel");
  Expected<std::string> nm =
      node.attrs.getString("nearest_mode", "round_prefer_floor");
  if (!nm)
    return nm.takeError();
  if (*nm == "round_prefer_floor")
    p.nearest = NearestMode::RoundPreferFloor;
  else if (*nm == "round_prefer_ceil")
    p.nearest = NearestMode::RoundPreferCeil;
  else if (*nm == "floor")
    p.nearest = NearestMode::Floor;
  else if (*nm == "ceil")
    p.nearest = NearestMode::Ceil;
  else
    return opError("attribute 'nearest_mode' is '" + *nm +
                   "'; supported: round_prefer_floor, round_prefer_ceil, "
                   "floor, ceil");
  Expected<int64_t> excl = node.attrs.getInt("exclude_outside", 0);
  if (!excl)
    return excl.takeError();
  if (*excl != 0)
    return opError("attribute 'exclude_outside' is " + Twine(*excl) +
                   "; only 0 is supported (it affects cubic mode only)");
  for (StringRef f : {"cubic_coeff_a", "extrapolation_value"})
    if (Expected<double> v = node.attrs.getFloat(f, 0.0); !v)
      return v.takeError();

  const Shape &s = in[0].type.shape;
  int64_t rank = int64_t(s.size());
  if (rank < 2 || rank > 6)
    return opError("input 0 (X) " + in[0].type.str() +
                   " must have rank 2 to 6 (the last two dims are resized)");
  std::vector<float> scales;
  bool haveScales = false;
  ResizeOperands ops = resizeOperands(in);
  if (ops.invalidDtype)
    return opError("input 1 (scales or sizes) has dtype " +
                   dtypeName(in[1].type.dtype) +
                   "; expected f32 (scales) or i64 (sizes)");
  if (ops.scales >= 0) {
    const InputInfo &sc = in[ops.scales];
    std::string what = "input " + std::to_string(ops.scales) + " (scales)";
    if (sc.type.dtype != DType::F32)
      return opError(what + " has dtype " + dtypeName(sc.type.dtype) +
                     "; expected f32");
    if (sc.type.shape.size() != 1)
      return opError(what + " is " + sc.type.str() + "; expected rank 1");
    int64_t count = sc.type.shape[0];
    if (count != 0) {
      if (sc.data.empty())
        return opError(what + " must be a compile-time constant (a "
                              "weight); tlc plans memory ahead of time");
      if (sc.data.size() != uint64_t(count) * 4)
        return opError(what + " holds " + Twine(sc.data.size()) +
                       " bytes; expected " + Twine(count * 4));
      scales.resize(size_t(count));
      std::memcpy(scales.data(), sc.data.data(), sc.data.size());
      haveScales = true;
    }
  }
  std::vector<int64_t> sizes;
  if (ops.sizes >= 0) {
    if (in[ops.sizes].type.dtype != DType::I64)
      return opError("input " + Twine(ops.sizes) + " (sizes) has dtype " +
                     dtypeName(in[ops.sizes].type.dtype) + "; expected i64");
    Expected<std::vector<int64_t>> v = readIntInput(in, ops.sizes, "sizes");
    if (!v)
      return v.takeError();
    sizes = std::move(*v);
  } else if (!haveScales) {
    return opError("neither scales nor sizes is given");
  }
  size_t count = haveScales ? scales.size() : sizes.size();
  if (int64_t(count) != rank)
    return opError(Twine(haveScales ? "scales" : "sizes") + " has " +
                   Twine(count) + " entries; expected one per dim of X (" +
                   Twine(rank) + ")");
  Shape o(s.size());
  for (int64_t d = 0; d < rank; ++d) {
    if (haveScales) {
      float f = scales[d];
      if (!(f > 0.0f) || !std::isfinite(f))
        return opError("scales[" + Twine(d) + "] is " +
                       Twine(formatv("{0}", double(f)).str()) +
                       "; expected a finite value > 0");
      double od = std::floor(double(s[d]) * double(f));
      if (od < 1 || od > double(1u << 31))
        return opError("scales[" + Twine(d) +
                       "] = " + Twine(formatv("{0}", double(f)).str()) +
                       " gives an output dim of " +
                       Twine(formatv("{0}", od).str()) +
                       "; expected 1 to 2^31");
      o[d] = int64_t(od);
    } else {
      if (sizes[d] < 1 || sizes[d] > (int64_t(1) << 31))
        return opError("sizes[" + Twine(d) + "] is " + Twine(sizes[d]) +
                       "; expected 1 to 2^31");
      o[d] = sizes[d];
    }
    if (d < rank - 2 && o[d] != s[d])
      return opError("dim " + Twine(d) + " changes from " + Twine(s[d]) +
                     " to " + Twine(o[d]) +
                     "; only the last two dims can be resized");
  }
  for (int d = 0; d < 2; ++d) {
    int64_t k = rank - 2 + d;
    p.in[d] = s[k];
    p.out[d] = o[k];
    p.scale[d] = haveScales ? scales[k] : float(o[k]) / float(s[k]);
  }
  p.scalesGiven = haveScales;
  for (int64_t d = 0; d < rank - 2; ++d)
    p.outer *= s[d];
  TensorType y{DType::F32, o};
  if (Error e = checkFits32(y, "output"))
    return e;
  return p;
}

static Error resizeInferTypes(const Node &node, ArrayRef<InputInfo> in,
                              SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"coordinate_transformation_mode",
                                       "cubic_coeff_a", "exclude_outside",
                                       "extrapolation_value", "mode",
                                       "nearest_mode"}))
    return e;
  Expected<ResizeParams> p = parseResize(node, in);
  if (!p)
    return p.takeError();
  Shape o = in[0].type.shape;
  o[o.size() - 2] = p->out[0];
  o[o.size() - 1] = p->out[1];
  out.push_back(TensorType{DType::F32, o});
  return Error::success();
}

/// Source coordinate of output index \p x along one dim, in f32, in the
/// order shaders/resize.comp computes it.
static float sourceCoord(CoordMode m, float x, float scale, int64_t in,
                         int64_t out, bool scalesGiven) {
  switch (m) {
  case CoordMode::HalfPixel:
    return (x + 0.5f) / scale - 0.5f;
  case CoordMode::PytorchHalfPixel:
    return out > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
  case CoordMode::AlignCorners:
    return out == 1 ? 0.0f
                    : x * float(in - 1) /
                          ((scalesGiven ? float(in) * scale : float(out)) -
                           1.0f);
  case CoordMode::Asymmetric:
    return x / scale;
  }
  return 0.0f;
}

static int64_t nearestIndex(NearestMode m, float c, int64_t in) {
  float f = std::floor(c);
  float r = f;
  switch (m) {
  case NearestMode::RoundPreferFloor:
    r = c - f == 0.5f ? f : std::floor(c + 0.5f);
    break;
  case NearestMode::RoundPreferCeil:
    r = std::floor(c + 0.5f);
    break;
  case NearestMode::Floor:
    r = f;
    break;
  case NearestMode::Ceil:
    r = std::ceil(c);
    break;
  }
  return std::min<int64_t>(std::max<int64_t>(int64_t(r), 0), in - 1);
}

/// The parameters of a node whose shape rule passed.
static ResizeParams resizeFromInfos(const Node &node, ArrayRef<InputInfo> in) {
  Expected<ResizeParams> p = parseResize(node, in);
  if (!p) {
    consumeError(p.takeError());
    return ResizeParams{};
  }
  return *p;
}

static Error resizeReference(const Node &node, ArrayRef<const HostTensor *> in,
                             MutableArrayRef<HostTensor> out) {
  SmallVector<InputInfo, 4> infos;
  for (const HostTensor *t : in)
    infos.push_back({t->type, t->bytes()});
  ResizeParams p = resizeFromInfos(node, infos);
  const float *x = in[0]->f32().data();
  float *y = out[0].f32().data();
  int64_t ih = p.in[0], iw = p.in[1], oh = p.out[0], ow = p.out[1];
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t a = 0; a < oh; ++a) {
      float cy = sourceCoord(p.coord, float(a), p.scale[0], ih, oh,
                             p.scalesGiven);
      for (int64_t b = 0; b < ow; ++b) {
        float cx = sourceCoord(p.coord, float(b), p.scale[1], iw, ow,
                               p.scalesGiven);
        const float *plane = x + o * ih * iw;
        float v;
        if (!p.linear) {
          v = plane[nearestIndex(p.nearest, cy, ih) * iw +
                    nearestIndex(p.nearest, cx, iw)];
        } else {
          auto clampi = [](int64_t i, int64_t n) {
            return std::min<int64_t>(std::max<int64_t>(i, 0), n - 1);
          };
          float fy = std::floor(cy), fx = std::floor(cx);
          double ry = double(cy) - fy, rx = double(cx) - fx;
          int64_t y0 = clampi(int64_t(fy), ih),
                  y1 = clampi(int64_t(fy) + 1, ih);
          int64_t x0 = clampi(int64_t(fx), iw),
                  x1 = clampi(int64_t(fx) + 1, iw);
          double top =
              (1 - rx) * plane[y0 * iw + x0] + rx * plane[y0 * iw + x1];
          double bot =
              (1 - rx) * plane[y1 * iw + x0] + rx * plane[y1 * iw + x1];
          v = float((1 - ry) * top + ry * bot);
        }
        y[(o * oh + a) * ow + b] = v;
      }
    }
  return Error::success();
}

static void resizeLower(const Node &node, ArrayRef<TensorType> in,
                        ArrayRef<TensorType> out,
                        const KernelTarget &target,
                        SmallVectorImpl<DispatchDesc> &d) {
  // The lowering sees only types: the modes come from the attributes, the
  // sizes from the types, and a given scale (not recoverable from the sizes:
  // floor(5 * 1.5) / 5 != 1.5) is read by the shader from the scales buffer.
  const Shape &s = in[0].shape, &o = out[0].shape;
  size_t r = s.size();
  int scalesOperand = resizeOperands(in).scales;
  bool bufScales = scalesOperand >= 0 && in[scalesOperand].numElements() > 0;
  // The shape rule has checked these attributes.
  std::string mode = cantFail(node.attrs.getString("mode", "nearest"));
  std::string ctm = cantFail(
      node.attrs.getString("coordinate_transformation_mode", "half_pixel"));
  std::string nm =
      cantFail(node.attrs.getString("nearest_mode", "round_prefer_floor"));
  uint32_t coord = ctm == "asymmetric"           ? 1
                   : ctm == "align_corners"      ? 2
                   : ctm == "pytorch_half_pixel" ? 3
                                                 : 0;
  uint32_t nearest = nm == "round_prefer_ceil" ? 1
                     : nm == "floor"           ? 2
                     : nm == "ceil"            ? 3
                                               : 0;
  DispatchDesc c;
  c.shader = "resize";
  uint64_t n = uint64_t(out[0].numElements());
  c.specConstants = spec::u32s(
      {uint32_t(n), uint32_t(s[r - 2]), uint32_t(s[r - 1]), uint32_t(o[r - 2]),
       uint32_t(o[r - 1]), uint32_t(mode == "linear"), coord, nearest,
       uint32_t(bufScales), uint32_t(r),
       floatBits(float(o[r - 2]) / float(s[r - 2])),
       floatBits(float(o[r - 1]) / float(s[r - 1]))});
  unsigned y = unsigned(in.size());
  // Bindings: 0 = X, 1 = Y, 2 = scales (X again, unread, without scales).
  c.operands = {0, y, bufScales ? unsigned(scalesOperand) : 0u};
  if (!bufScales)
    c.unread = {2}; // X fills the scales slot
  c.writes = {1};
  setGrid1D(c, n, 256);
  d.push_back(c);
}

// roi and scales are f32, sizes i64.
const OpDef kResizeOp = {"Resize",        resizeInferTypes,
                         resizeReference, resizeLower,
                         /*memory=*/{},   /*referenceDTypes=*/{DType::F32,
                                                               DType::I64}};

} // namespace tlc
