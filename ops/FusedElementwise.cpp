//===- ops/FusedElementwise.cpp - A chain of elementwise ops in one -------===//
//
// FusedElementwise (tlc-internal, created by passes/FuseElementwise.cpp):
// Y = program(X0, ..., Xn-1), where each input is broadcast to Y's shape as
// in ONNX multidirectional broadcasting and the program
// (ops/FusedElementwiseProgram.h) is a list of elementwise instructions
// evaluated per output element. Attributes: "program", "params" and
// optional "rank" (Y has at least this rank: a folded scalar constant of
// higher rank than every input still shapes the output).
// Shader: shaders/fused_elementwise.comp, with the program as
// specialization constants so that the driver's compiler folds the
// interpretation into straight-line code. Y may be written over an input of
// its own type: each invocation reads its inputs before writing the element.
//
//===----------------------------------------------------------------------===//
#include "ops/FusedElementwise.h"
#include "ops/Broadcast.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

#include <cassert>

using namespace llvm;

namespace tlc {

Expected<SymShape> fusedOutputShape(ArrayRef<TensorType> inputs,
                                    int64_t minRank) {
  SymShape s;
  for (const TensorType &t : inputs) {
    Expected<SymShape> b = broadcastShapes(s, t.dims());
    if (!b)
      return b.takeError();
    s = std::move(*b);
  }
  if (int64_t(s.size()) < minRank)
    s.insert(s.begin(), size_t(minRank) - s.size(), DimExpr(1));
  return s;
}

static Error fusedInferTypes(const Node &node, ArrayRef<InputInfo> in,
                             SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"params", "program", "rank"}))
    return e;
  if (Error e = checkInputCount(in, 1, kFusedMaxInputs))
    return e;
  SmallVector<TensorType, 4> types;
  for (unsigned i = 0; i < in.size(); ++i) {
    if (Error e = checkF32(in, i, ("X" + Twine(i)).str()))
      return e;
    types.push_back(in[i].type);
  }
  Expected<int64_t> rank = node.attrs.getInt("rank", 0);
  if (!rank)
    return rank.takeError();
  if (*rank < 0 || *rank > int64_t(kFusedMaxRank))
    return opError("attribute 'rank' is " + Twine(*rank) + "; expected 0 to " +
                   Twine(kFusedMaxRank));
  Expected<SymShape> s = fusedOutputShape(types, *rank);
  if (!s)
    return s.takeError();
  if (s->size() > kFusedMaxRank)
    return opError("output rank " + Twine(s->size()) +
                   " exceeds the supported maximum of " + Twine(kFusedMaxRank));
  TensorType y = TensorType::withDims(DType::F32, *s);
  if (Error e = checkFits32(y, "output"))
    return e;
  Expected<FusedProgram> p = readFusedProgram(node.attrs, unsigned(in.size()));
  if (!p)
    return p.takeError();
  out.push_back(y);
  return Error::success();
}

static Error fusedReference(const Node &node, ArrayRef<const HostTensor *> in,
                            MutableArrayRef<HostTensor> out) {
  FusedProgram p = cantFail(readFusedProgram(node.attrs, unsigned(in.size())));
  const Shape &os = out[0].type.shape;
  SmallVector<Shape, 4> strides;
  for (const HostTensor *t : in)
    strides.push_back(broadcastStrides(t->type.shape, os));
  Shape idx(os.size(), 0);
  SmallVector<float, 4> x(in.size());
  SmallVector<float, 32> scratch;
  int64_t n = out[0].type.numElements();
  for (int64_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < in.size(); ++k) {
      int64_t off = 0;
      for (size_t d = 0; d < os.size(); ++d)
        off += idx[d] * strides[k][d];
      x[k] = in[k]->f32()[size_t(off)];
    }
    out[0].f32()[size_t(i)] = evalFusedProgram(p, x, scratch);
    // Advance the multi-index, innermost dim fastest.
    for (size_t d = os.size(); d-- > 0;) {
      if (++idx[d] < os[d])
        break;
      idx[d] = 0;
    }
  }
  return Error::success();
}

/// Register index of operand \p r in the shader's encoding (255: p0).
static uint32_t shaderOperand(int64_t r) {
  return r == kFusedImmOperand ? 255u : uint32_t(r);
}

static void fusedLower(const Node &node, ArrayRef<TensorType> in,
                       ArrayRef<TensorType> out,
                       const KernelTarget &target,
                       SmallVectorImpl<DispatchDesc> &dispatches) {
  FusedProgram p = cantFail(readFusedProgram(node.attrs, unsigned(in.size())));
  SymShape od = out[0].dims();
  SmallVector<SymShape, 4> strides;
  for (const TensorType &t : in)
    strides.push_back(broadcastStrides(t.dims(), od));
  MergedDims l = mergeBroadcastDims(od, strides);
  assert(l.dims.size() <= kFusedMaxRank && "rank checked by the shape rule");
  size_t pad = kFusedMaxRank - l.dims.size();

  DispatchDesc d;
  d.shader = "fused_elementwise";
  DimExpr n = out[0].numElementsExpr();
  DimExpr units = l.vec4 ? *exactDiv(n, 4) : n;
  // Items per invocation at the bound: any value is correct.
  uint32_t items = elementwiseItemsPerInvocation(uint64_t(units.upperBound()));
  // Constants 0-4: TOTAL, NIN, NSTEPS, VEC4, ITEMS; 5-10: dims D0..D5
  // (padded with leading 1s); 11-34: strides S<k><d> of inputs 0-3 (0 for
  // absent inputs); then three per instruction slot: code (opcode | a << 8
  // | b << 16), p0 bits, p1 bits. TOTAL, dims and strides go through
  // setDim: run-time values of fused_elementwise_dyn when symbolic.
  d.specConstants = spec::u32s({0, uint32_t(in.size()),
                                uint32_t(p.code.size()), l.vec4 ? 1u : 0u,
                                items});
  setDim(d, 0, n);
  for (size_t i = 0; i < kFusedMaxRank; ++i)
    setDim(d, unsigned(5 + i), i < pad ? DimExpr(1) : l.dims[i - pad]);
  for (unsigned k = 0; k < kFusedMaxInputs; ++k)
    for (size_t i = 0; i < kFusedMaxRank; ++i)
      setDim(d, unsigned(11 + kFusedMaxRank * k + i),
             i < pad || k >= in.size() ? DimExpr(0)
                                       : l.strides[k][i - pad]);
  for (const FusedInstr &ins : p.code) {
    d.specConstants.push_back(spec::u32(uint32_t(ins.op) |
                                        shaderOperand(ins.a) << 8 |
                                        shaderOperand(ins.b) << 16));
    d.specConstants.push_back(spec::u32(floatBits(ins.p0)));
    d.specConstants.push_back(spec::u32(floatBits(ins.p1)));
  }
  d.specTailDefaults = true; // instruction slots past NSTEPS go unread
  // Bindings 0-3 are the inputs (input 0 again where there are fewer: the
  // shader declares all four and reads only NIN), 4 the output.
  for (unsigned k = 0; k < kFusedMaxInputs; ++k)
    d.operands.push_back(k < in.size() ? k : 0);
  d.operands.push_back(unsigned(in.size()));
  d.writes = {kFusedMaxInputs};
  setGrid1D(d, ceilDiv(units, items), 256);
  dispatches.push_back(d);
}

const OpDef kFusedElementwiseOp = symbolicOp({
    "FusedElementwise",
    fusedInferTypes,
    fusedReference,
    fusedLower,
    {/*isView=*/false, /*inPlaceInputs=*/{0, 1, 2, 3}}});

} // namespace tlc
