//===- ops/Tile.cpp - Tile: repeat a tensor along every dim ---------------===//
//
// ONNX Tile (opset 13): input (f32 or i32 on the device; i64 folds; static
// shape, rank 1 to 6) and repeats (a compile-time constant i64 [rank], each
// >= 1; moved into the attribute `repeats` by passes/ConstantFolding.cpp,
// since the lowering sees types only): output dim d is input dim d times
// repeats[d], and element o reads input element (o_d mod N_d)_d.
// Shader: shaders/tile.comp, one invocation per output element (i32
// elements move as the f32 build's words, as ops/Pad.cpp).
//
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {
namespace {

constexpr unsigned kTileMaxRank = 6;

Expected<std::vector<int64_t>> repeatsOf(const Node &node,
                                         ArrayRef<InputInfo> in) {
  if (node.attrs.has("repeats"))
    return node.attrs.getInts("repeats", {});
  if (in.size() < 2)
    return opError("input 1 (repeats) is required");
  return readIntInput(in, 1, "repeats");
}

Error tileInferTypes(const Node &node, ArrayRef<InputInfo> in,
                     SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"repeats"}))
    return e;
  if (Error e = checkInputCount(in, 1, 2))
    return e;
  if (Error e = checkDType(in, 0, "input", kDataDTypes))
    return e;
  const TensorType &x = in[0].type;
  if (!x.isStatic())
    return opError("input " + x.str() + " has symbolic dims; expected a "
                   "static shape");
  if (x.rank() < 1 || x.rank() > kTileMaxRank)
    return opError("input " + x.str() + " must have rank 1 to " +
                   Twine(kTileMaxRank));
  Expected<std::vector<int64_t>> r = repeatsOf(node, in);
  if (!r)
    return r.takeError();
  if (r->size() != x.rank())
    return opError("repeats has " + Twine(r->size()) + " entries; expected " +
                   Twine(x.rank()) + ", the rank of " + x.str());
  Shape o;
  for (size_t d = 0; d < x.rank(); ++d) {
    if ((*r)[d] < 1 || (*r)[d] > (int64_t(1) << 31))
      return opError("repeats[" + Twine(d) + "] is " + Twine((*r)[d]) +
                     "; expected 1 to 2^31 (tlc has no empty tensors)");
    o.push_back(x.shape[d] * (*r)[d]);
  }
  if (Error e = checkedNumElements(o).takeError())
    return opError("the result has shape [" +
                   TensorType{x.dtype, o}.shapeStr() +
                   "]: " + toString(std::move(e)));
  TensorType t{x.dtype, o};
  if (Error e = checkFits32(t, "output"))
    return e;
  out.push_back(t);
  return Error::success();
}

Error tileReference(const Node &, ArrayRef<const HostTensor *> in,
                    MutableArrayRef<HostTensor> out) {
  const Shape &xs = in[0]->type.shape, &ys = out[0].type.shape;
  Shape xstride = rowMajorStrides(xs);
  Shape oc(ys.size(), 0);
  for (int64_t e = 0; e < out[0].numElements(); ++e) {
    int64_t src = 0;
    for (size_t d = 0; d < ys.size(); ++d)
      src += (oc[d] % xs[d]) * xstride[d];
    out[0].copyElement(*in[0], src, e);
    for (size_t d = ys.size(); d-- > 0;) {
      if (++oc[d] < ys[d])
        break;
      oc[d] = 0;
    }
  }
  return Error::success();
}

void tileLower(const Node &, ArrayRef<TensorType> in, ArrayRef<TensorType> out,
               const KernelTarget &, SmallVectorImpl<DispatchDesc> &d) {
  size_t pad = kTileMaxRank - in[0].rank();
  DispatchDesc c;
  c.shader = "tile";
  int64_t n = out[0].numElements();
  c.specConstants.push_back(spec::u32(uint32_t(n)));
  for (const TensorType *t : {&out[0], &in[0]})
    for (size_t k = 0; k < kTileMaxRank; ++k)
      c.specConstants.push_back(
          spec::u32(k < pad ? 1u : uint32_t(t->shape[k - pad])));
  c.operands = {0, unsigned(in.size())};
  c.writes = {1};
  setGrid1D(c, uint64_t(n), 256);
  d.push_back(c);
}

} // namespace

const OpDef kTileOp = {"Tile",
                       tileInferTypes,
                       tileReference,
                       tileLower,
                       /*memory=*/{},
                       /*referenceDTypes=*/kDataDTypes,
                       /*deviceDTypes=*/{DType::F32, DType::I32}};

} // namespace tlc
