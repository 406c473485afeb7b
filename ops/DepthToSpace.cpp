//===- ops/DepthToSpace.cpp - DepthToSpace and SpaceToDepth ---------------===//
//
// ONNX DepthToSpace (opset 13) and SpaceToDepth (opset 13) on f32 NCHW
// tensors of static shape, attribute blocksize b >= 1; DepthToSpace's mode
// is DCR (default) or CRD. Per the operator definitions, with C' = C / b^2
// (DepthToSpace) and i, j in [0, b):
//   DepthToSpace DCR: y[n, c', h b + i, w b + j] = x[n, (i b + j) C' + c', h, w]
//   DepthToSpace CRD: y[n, c', h b + i, w b + j] = x[n, c' b^2 + i b + j, h, w]
//   SpaceToDepth:     y[n, (i b + j) C + c, h, w] = x[n, c, h b + i, w b + j]
// Each is one permutation of six coordinates: one shaders/strided_copy.comp
// dispatch over the output viewed as a 6-D box (ops/StridedCopy.h). The CPU
// reference evaluates the formulas above element by element.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/StridedCopy.h"

using namespace llvm;

namespace tlc {
namespace {

enum class Mode { DCR, CRD, SpaceToDepth };

Expected<Mode> modeOf(const Node &node) {
  if (node.op == "SpaceToDepth")
    return Mode::SpaceToDepth;
  Expected<std::string> m = node.attrs.getString("mode", "DCR");
  if (!m)
    return m.takeError();
  if (*m == "DCR")
    return Mode::DCR;
  if (*m == "CRD")
    return Mode::CRD;
  return opError("attribute 'mode' is '" + Twine(*m) +
                 "'; expected 'DCR' or 'CRD'");
}

Error inferTypes(const Node &node, ArrayRef<InputInfo> in,
                 SmallVectorImpl<TensorType> &out) {
  bool toSpace = node.op == "DepthToSpace";
  if (Error e = checkKnownAttrs(node, toSpace
                                          ? ArrayRef<StringRef>{"blocksize",
                                                                "mode"}
                                          : ArrayRef<StringRef>{"blocksize"}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkF32(in, 0, "input"))
    return e;
  if (Error e = checkFits32(in[0].type, "input"))
    return e;
  Expected<Mode> mode = modeOf(node);
  if (!mode)
    return mode.takeError();
  if (!node.attrs.has("blocksize"))
    return opError("attribute 'blocksize' is required");
  Expected<int64_t> b = node.attrs.getInt("blocksize", 0);
  if (!b)
    return b.takeError();
  if (*b < 1 || *b > 4096)
    return opError("attribute 'blocksize' is " + Twine(*b) +
                   "; expected 1 to 4096");
  const TensorType &t = in[0].type;
  if (t.rank() != 4)
    return opError("input must have rank 4 (NCHW), got " + t.str());
  if (!t.isStatic())
    return opError("input " + t.str() + " has symbolic dims; expected a "
                   "static shape");
  const Shape &s = t.shape;
  int64_t bb = *b * *b;
  if (toSpace) {
    if (s[1] % bb != 0)
      return opError("channels (" + Twine(s[1]) +
                     ") are not a multiple of blocksize^2 (" + Twine(bb) +
                     ")");
    out.push_back(
        TensorType{DType::F32, {s[0], s[1] / bb, s[2] * *b, s[3] * *b}});
  } else {
    if (s[2] % *b != 0 || s[3] % *b != 0)
      return opError("height and width (" + Twine(s[2]) + ", " + Twine(s[3]) +
                     ") are not multiples of blocksize (" + Twine(*b) + ")");
    out.push_back(
        TensorType{DType::F32, {s[0], s[1] * bb, s[2] / *b, s[3] / *b}});
  }
  return checkFits32(out[0], "output");
}

/// The output as a 6-D box, with the output's and the input's strides
/// (elements) for each of its coordinates.
struct Box {
  int64_t dims[6], dst[6], src[6];
};

Box boxOf(const Node &node, const Shape &x) {
  Mode mode = cantFail(modeOf(node));
  int64_t b = cantFail(node.attrs.getInt("blocksize", 0));
  int64_t N = x[0], C = x[1], H = x[2], W = x[3];
  if (mode == Mode::SpaceToDepth) {
    int64_t h = H / b, w = W / b; // box [n, i, j, c, h, w]
    return {{N, b, b, C, h, w},
            {C * b * b * h * w, b * C * h * w, C * h * w, h * w, w, 1},
            {C * H * W, W, 1, H * W, b * W, b}};
  }
  int64_t c = C / (b * b); // box [n, c', h, i, w, j]
  Box box{{N, c, H, b, W, b},
          {c * H * b * W * b, H * b * W * b, b * W * b, W * b, b, 1},
          {C * H * W, H * W, W, 0, 1, 0}};
  if (mode == Mode::DCR) {
    box.src[3] = b * c * H * W; // i
    box.src[5] = c * H * W;     // j
  } else {
    box.src[1] = b * b * H * W; // c'
    box.src[3] = b * H * W;     // i
    box.src[5] = H * W;         // j
  }
  return box;
}

Error reference(const Node &node, ArrayRef<const HostTensor *> in,
                MutableArrayRef<HostTensor> out) {
  // The formulas of the file comment, coordinate by coordinate.
  Mode mode = cantFail(modeOf(node));
  int64_t b = cantFail(node.attrs.getInt("blocksize", 0));
  const Shape &xs = in[0]->type.shape, &ys = out[0].type.shape;
  ArrayRef<float> x = in[0]->f32();
  MutableArrayRef<float> y = out[0].f32();
  auto at = [](const Shape &s, int64_t n, int64_t c, int64_t h, int64_t w) {
    return ((n * s[1] + c) * s[2] + h) * s[3] + w;
  };
  for (int64_t n = 0; n < ys[0]; ++n)
    for (int64_t c = 0; c < ys[1]; ++c)
      for (int64_t h = 0; h < ys[2]; ++h)
        for (int64_t w = 0; w < ys[3]; ++w) {
          int64_t src;
          if (mode == Mode::SpaceToDepth) {
            int64_t C = xs[1], block = c / C, i = block / b, j = block % b;
            src = at(xs, n, c % C, h * b + i, w * b + j);
          } else {
            int64_t i = h % b, j = w % b, blockC = ys[1];
            int64_t xc = mode == Mode::DCR ? (i * b + j) * blockC + c
                                           : c * b * b + i * b + j;
            src = at(xs, n, xc, h / b, w / b);
          }
          y[at(ys, n, c, h, w)] = x[src];
        }
  return Error::success();
}

void lower(const Node &node, ArrayRef<TensorType> in, ArrayRef<TensorType>,
           const KernelTarget &, SmallVectorImpl<DispatchDesc> &d) {
  Box box = boxOf(node, in[0].shape);
  d.push_back(lowerStridedCopy(box.dims, box.src, 0, box.dst, 0, 0, 1));
}

} // namespace

const OpDef kDepthToSpaceOp = {"DepthToSpace", inferTypes, reference, lower};
const OpDef kSpaceToDepthOp = {"SpaceToDepth", inferTypes, reference, lower};

} // namespace tlc
