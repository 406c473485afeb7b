//===- codegen/PlanValidate.cpp - Structural checks of a Plan -------------===//
//
// validatePlanStructure: the checks that make a Plan safe to hand to the
// runtime, whatever file it came from. Every index is in range, every tensor
// lies inside its buffer at an aligned offset and has the byte size of its
// type, buffers and tensors agree on roles, the weights fill the Weights
// buffer exactly, and every SPIR-V module starts with the SPIR-V magic number
// (SPIR-V specification, section 2.3 "Physical Layout of a SPIR-V Module").
// It does not check lifetimes or overlap (checkPlanMemory does).
//
// Plans for a range of shapes (docs/shape-ranges.md) also carry symbols and
// expressions. Each expression is evaluated at the corners of the ranges of
// the symbols it reads (each symbol at its min or its max); that finds every
// malformed program, and every overflow or division by zero that happens at
// a corner. The values found there are then checked against what each use
// needs: a tensor dim within [0, its bound in type.shape], a dispatch's
// run-time dimension within a 32-bit word, a group count within [0, the
// group count at the bound].
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cstdint>

using namespace llvm;

namespace tlc {

/// First word of every SPIR-V module (SPIR-V spec, section 2.3).
static constexpr uint32_t kSpirvMagic = 0x07230203;

static Error fieldError(const Twine &field, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           (field + ": " + msg).str());
}

static std::string at(StringRef list, size_t i) {
  return (list + "[" + Twine(i) + "]").str();
}

//===----------------------------------------------------------------------===//
// Symbols and expressions
//===----------------------------------------------------------------------===//

/// Most symbols one expression's corners vary independently: 2^8 corners.
static constexpr unsigned kMaxCornerBits = 8;

namespace {
/// The smallest and largest value of one expression over the corners
/// evaluated, and the corner numbers (setCorner) where they were found.
struct ExprRange {
  int64_t min = 0, max = 0;
  uint32_t atMin = 0, atMax = 0;
};
} // namespace

/// The symbols \p e reads (indices into Plan::symbols), in order of first
/// use; indices out of range are left out (evaluatePlanExpr reports them).
static SmallVector<size_t, 4> symbolsRead(const Plan &plan, const PlanExpr &e) {
  SmallVector<size_t, 4> read;
  for (size_t pc = 0; pc + 1 < e.code.size(); ++pc) {
    int64_t op = e.code[pc];
    if (op != int64_t(ExprOp::Const) && op != int64_t(ExprOp::Symbol))
      continue;
    int64_t k = e.code[++pc];
    if (op == int64_t(ExprOp::Symbol) && k >= 0 &&
        uint64_t(k) < plan.symbols.size() && !is_contained(read, size_t(k)))
      read.push_back(size_t(k));
  }
  return read;
}

/// Number of corners evaluated for an expression reading \p numRead
/// symbols: 2^min(numRead, kMaxCornerBits).
static uint32_t numCorners(size_t numRead) {
  return 1u << std::min<size_t>(numRead, kMaxCornerBits);
}

/// Sets \p values (Plan::symbols order) at corner \p corner of the symbols
/// \p read: the j-th at its max when bit j mod kMaxCornerBits of \p corner
/// is set, else at its min. Corner 0 is all-min, numCorners - 1 all-max.
static void setCorner(const Plan &plan, ArrayRef<size_t> read, uint32_t corner,
                      std::vector<int64_t> &values) {
  for (size_t j = 0; j < read.size(); ++j) {
    const PlanSymbol &sym = plan.symbols[read[j]];
    values[read[j]] = (corner >> (j % kMaxCornerBits)) & 1 ? sym.max : sym.min;
  }
}

/// " at W=1280, S=1": the values of the symbols \p read, for messages; ""
/// when there are none.
static std::string cornerStr(const Plan &plan, ArrayRef<size_t> read,
                             ArrayRef<int64_t> values) {
  std::string s;
  for (size_t k : read)
    s += (s.empty() ? " at " : ", ") + plan.symbols[k].name + "=" +
         std::to_string(values[k]);
  return s;
}

/// Symbols: names unique and non-empty, 0 <= min <= max.
static Error checkSymbols(const Plan &plan) {
  StringMap<size_t> seen;
  for (size_t i = 0; i < plan.symbols.size(); ++i) {
    const PlanSymbol &s = plan.symbols[i];
    std::string f = at("symbols", i);
    if (s.name.empty())
      return fieldError(f + ".name", "a symbol needs a name");
    auto ins = seen.try_emplace(s.name, i);
    if (!ins.second)
      return fieldError(f + ".name",
                        "duplicate symbol name '" + s.name + "' (symbols[" +
                            Twine(ins.first->second) + "] has it)");
    if (s.min < 0)
      return fieldError(f + ".min", "symbol '" + s.name + "' has min " +
                                        Twine(s.min) + "; expected >= 0");
    if (s.min > s.max)
      return fieldError(f + ".max", "symbol '" + s.name + "' has range [" +
                                        Twine(s.min) + ", " + Twine(s.max) +
                                        "]; expected min <= max");
  }
  return Error::success();
}

/// Evaluates every expression at each corner (setCorner) of the ranges of
/// the symbols it reads, up to 2^kMaxCornerBits corners. Fills \p ranges,
/// one per expression; the first evaluation error names the expression and
/// the corner.
static Error checkExprs(const Plan &plan, std::vector<ExprRange> &ranges) {
  ranges.assign(plan.exprs.size(), ExprRange());
  std::vector<int64_t> values(plan.symbols.size(), 0);
  for (size_t i = 0; i < plan.exprs.size(); ++i) {
    const PlanExpr &e = plan.exprs[i];
    SmallVector<size_t, 4> read = symbolsRead(plan, e);
    ExprRange &r = ranges[i];
    for (uint32_t corner = 0; corner < numCorners(read.size()); ++corner) {
      setCorner(plan, read, corner, values);
      Expected<int64_t> v = evaluatePlanExpr(e, values);
      if (!v)
        return fieldError(at("exprs", i) + cornerStr(plan, read, values),
                          toString(v.takeError()));
      if (corner == 0 || *v < r.min)
        r = {*v, r.max, corner, r.atMax};
      if (corner == 0 || *v > r.max)
        r = {r.min, *v, r.atMin, corner};
    }
  }
  return Error::success();
}

/// Checks that expression index \p k (the value of field \p f) is in range
/// and that its values at the corners lie in [lo, hi]; \p what says what
/// the bounds are, for the message.
static Error checkExprUse(const Plan &plan,
                          const std::vector<ExprRange> &ranges,
                          const std::string &f, uint32_t k, int64_t lo,
                          int64_t hi, const Twine &what) {
  if (k >= plan.exprs.size())
    return fieldError(f, "expression index " + Twine(k) +
                             " out of range; the plan has " +
                             Twine(plan.exprs.size()) + " expressions");
  const ExprRange &r = ranges[k];
  if (r.min >= lo && r.max <= hi)
    return Error::success();
  const PlanExpr &e = plan.exprs[k];
  bool low = r.min < lo;
  SmallVector<size_t, 4> read = symbolsRead(plan, e);
  std::vector<int64_t> values(plan.symbols.size(), 0);
  setCorner(plan, read, low ? r.atMin : r.atMax, values);
  return fieldError(f, "exprs[" + Twine(k) + "] = " + planExprStr(plan, e) +
                           " is " + Twine(low ? r.min : r.max) +
                           cornerStr(plan, read, values) + "; expected " +
                           what);
}

/// A symbolic tensor: one expression per dim, each within [0, the dim's
/// bound]. An input's dims are constants or exactly one symbol each.
static Error checkTensorDims(const Plan &plan,
                             const std::vector<ExprRange> &ranges, size_t i) {
  const PlanTensor &t = plan.tensors[i];
  std::string f = at("tensors", i) + ".dims";
  if (t.dims.empty())
    return Error::success();
  if (t.dims.size() != t.type.shape.size())
    return fieldError(f, Twine(t.dims.size()) + " expressions for tensor '" +
                             t.name + "' of rank " +
                             Twine(t.type.shape.size()) +
                             "; expected one per dim");
  for (size_t d = 0; d < t.dims.size(); ++d) {
    std::string fd = at(f, d);
    if (Error e = checkExprUse(plan, ranges, fd, t.dims[d], 0, t.type.shape[d],
                               "0 to the bound " + Twine(t.type.shape[d]) +
                                   " (shape[" + Twine(d) + "])"))
      return e;
    if (t.role != TensorRole::Input)
      continue;
    const std::vector<int64_t> &code = plan.exprs[t.dims[d]].code;
    bool single = code.size() == 2 && (code[0] == int64_t(ExprOp::Const) ||
                                       code[0] == int64_t(ExprOp::Symbol));
    if (!single)
      return fieldError(fd, "input tensor '" + t.name + "' has dim " +
                                planExprStr(plan, plan.exprs[t.dims[d]]) +
                                "; an input dim must be a constant or "
                                "exactly one symbol (the runtime takes the "
                                "symbols' values from the input shapes)");
  }
  return Error::success();
}


//===----------------------------------------------------------------------===//
// Buffers, tensors, shaders, commands
//===----------------------------------------------------------------------===//

static Error checkBuffers(const Plan &plan) {
  int weightsBuffer = -1;
  for (size_t i = 0; i < plan.buffers.size(); ++i) {
    const PlanBuffer &b = plan.buffers[i];
    if (b.bytes == 0)
      return fieldError(at("buffers", i) + ".bytes", "a buffer must not be "
                                                     "empty");
    if (b.role == BufferRole::Weights) {
      if (weightsBuffer >= 0)
        return fieldError(at("buffers", i) + ".role",
                          "second Weights buffer (buffers[" +
                              Twine(weightsBuffer) +
                              "] is one); a plan has at most one");
      weightsBuffer = int(i);
      if (b.bytes != plan.weights.size())
        return fieldError(at("buffers", i) + ".bytes",
                          "Weights buffer is " + Twine(b.bytes) +
                              " bytes but the plan carries " +
                              Twine(plan.weights.size()) +
                              " bytes of weights; they must be equal");
    }
  }
  if (weightsBuffer < 0 && !plan.weights.empty())
    return fieldError("weights", Twine(plan.weights.size()) +
                                     " bytes of weights but no Weights buffer");
  return Error::success();
}

static Error checkTensor(const Plan &plan, size_t i) {
  const PlanTensor &t = plan.tensors[i];
  std::string f = at("tensors", i);
  Expected<int64_t> n = checkedNumElements(t.type.shape);
  if (!n)
    return fieldError(f + ".shape", toString(n.takeError()));
  if (t.bytes != t.type.byteSize())
    return fieldError(f + ".bytes", Twine(t.bytes) + " but type " +
                                        t.type.str() + " needs " +
                                        Twine(t.type.byteSize()) + " bytes");
  if (t.buffer >= plan.buffers.size())
    return fieldError(f + ".buffer", "index " + Twine(t.buffer) +
                                         " out of range; the plan has " +
                                         Twine(plan.buffers.size()) +
                                         " buffers");
  const PlanBuffer &b = plan.buffers[t.buffer];
  if (t.offset % plan.alignment != 0)
    return fieldError(f + ".offset", Twine(t.offset) +
                                         " is not a multiple of the alignment " +
                                         Twine(plan.alignment));
  if (t.offset > b.bytes || t.bytes > b.bytes - t.offset)
    return fieldError(f + ".offset", "tensor '" + t.name + "' [" +
                                         Twine(t.offset) + ", +" +
                                         Twine(t.bytes) + ") does not fit in "
                                         "buffers[" + Twine(t.buffer) +
                                         "] (" + Twine(b.bytes) + " bytes)");
  BufferRole want = BufferRole::Transient;
  switch (t.role) {
  case TensorRole::Input: want = BufferRole::Input; break;
  case TensorRole::Output: want = BufferRole::Output; break;
  case TensorRole::Weight: want = BufferRole::Weights; break;
  case TensorRole::Transient: want = BufferRole::Transient; break;
  case TensorRole::State: want = BufferRole::State; break;
  case TensorRole::Alias: {
    // An alias shares the bytes of a non-alias tensor, in its buffer.
    if (t.aliasOf < 0 || size_t(t.aliasOf) >= plan.tensors.size())
      return fieldError(f + ".aliasOf", "alias '" + t.name + "' names tensor " +
                                            Twine(t.aliasOf) +
                                            "; expected an index below " +
                                            Twine(plan.tensors.size()));
    const PlanTensor &r = plan.tensors[size_t(t.aliasOf)];
    if (r.role == TensorRole::Alias || r.role == TensorRole::Output ||
        r.buffer != t.buffer || t.offset < r.offset ||
        t.offset + t.bytes > r.offset + r.bytes)
      return fieldError(f + ".aliasOf", "alias '" + t.name +
                                            "' is not inside the bytes of "
                                            "tensor '" + r.name + "'");
    want = b.role;
    break;
  }
  }
  if (t.role != TensorRole::Alias && t.aliasOf != -1)
    return fieldError(f + ".aliasOf", Twine(t.aliasOf) + " on a " +
                                          tensorRoleName(t.role) +
                                          " tensor; expected -1");
  if (b.role != want)
    return fieldError(f + ".buffer", Twine(tensorRoleName(t.role)) +
                                         " tensor '" + t.name + "' lives in " +
                                         bufferRoleName(b.role) + " buffer " +
                                         Twine(t.buffer) + "; expected a " +
                                         bufferRoleName(want) + " buffer");
  if (t.releaseStep < -1)
    return fieldError(f + ".releaseStep", Twine(t.releaseStep) +
                                              "; expected -1 or a step");
  return Error::success();
}

static Error checkTensors(const Plan &plan,
                          const std::vector<ExprRange> &ranges) {
  StringSet<> names;
  // Tensors per Input/Output buffer: exactly one each.
  std::vector<int> owner(plan.buffers.size(), -1);
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    if (Error e = checkTensor(plan, i))
      return e;
    if (Error e = checkTensorDims(plan, ranges, i))
      return e;
    const PlanTensor &t = plan.tensors[i];
    if (!names.insert(t.name).second)
      return fieldError(at("tensors", i) + ".name",
                        "duplicate tensor name '" + t.name + "'");
    BufferRole r = plan.buffers[t.buffer].role;
    if ((r == BufferRole::Input || r == BufferRole::Output) &&
        t.role != TensorRole::Alias) {
      if (owner[t.buffer] >= 0)
        return fieldError(at("tensors", i) + ".buffer",
                          Twine(bufferRoleName(r)) + " buffer " +
                              Twine(t.buffer) + " already holds tensors[" +
                              Twine(owner[t.buffer]) +
                              "]; it must hold exactly one tensor");
      owner[t.buffer] = int(i);
    }
  }
  for (size_t b = 0; b < plan.buffers.size(); ++b) {
    BufferRole r = plan.buffers[b].role;
    if ((r == BufferRole::Input || r == BufferRole::Output) && owner[b] < 0)
      return fieldError(at("buffers", b), Twine(bufferRoleName(r)) +
                                              " buffer holds no tensor; it "
                                              "must hold exactly one");
  }
  return Error::success();
}

/// plan.inputs / plan.outputs: in range, the right role, no duplicates, and
/// every tensor of that role listed.
static Error checkIO(const Plan &plan, StringRef list,
                     const std::vector<uint32_t> &ids, TensorRole role) {
  DenseSet<uint32_t> seen;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= plan.tensors.size())
      return fieldError(at(list, i), "tensor index " + Twine(ids[i]) +
                                         " out of range; the plan has " +
                                         Twine(plan.tensors.size()) +
                                         " tensors");
    const PlanTensor &t = plan.tensors[ids[i]];
    if (t.role != role)
      return fieldError(at(list, i), "tensor '" + t.name + "' has role " +
                                         tensorRoleName(t.role) +
                                         "; expected " + tensorRoleName(role));
    if (!seen.insert(ids[i]).second)
      return fieldError(at(list, i), "tensor '" + t.name + "' listed twice");
  }
  for (size_t i = 0; i < plan.tensors.size(); ++i)
    if (plan.tensors[i].role == role && !seen.count(uint32_t(i)))
      return fieldError(at("tensors", i) + ".role",
                        Twine(tensorRoleName(role)) + " tensor '" +
                            plan.tensors[i].name + "' is missing from " +
                            list);
  return Error::success();
}

/// plan.requirements: each names an expression of the plan.
static Error checkRequirements(const Plan &plan) {
  for (size_t i = 0; i < plan.requirements.size(); ++i)
    if (plan.requirements[i].expr >= plan.exprs.size())
      return fieldError(at("requirements", i) + ".expr",
                        "index " + Twine(plan.requirements[i].expr) +
                            " out of range; the plan has " +
                            Twine(plan.exprs.size()) + " expressions");
  return Error::success();
}

static Error checkShaders(const Plan &plan) {
  for (size_t i = 0; i < plan.shaders.size(); ++i) {
    const PlanShader &s = plan.shaders[i];
    if (s.spirv.empty())
      return fieldError(at("shaders", i), "shader '" + s.name +
                                              "' has no SPIR-V code");
    if (s.spirv[0] != kSpirvMagic)
      return fieldError(at("shaders", i), "shader '" + s.name +
                                              "' does not start with the "
                                              "SPIR-V magic number "
                                              "0x07230203");
  }
  return Error::success();
}

/// A dynamic dispatch: its run-time dimensions fit a 32-bit word, its group
/// counts lie in [0, the group count at the bound].
static Error checkDynamicDispatch(const Plan &plan,
                                  const std::vector<ExprRange> &ranges,
                                  const PlanCommand &c, const std::string &f) {
  for (size_t k = 0; k < c.dimExprs.size(); ++k)
    if (Error e = checkExprUse(plan, ranges, at(f + ".dimExprs", k),
                               c.dimExprs[k], INT32_MIN, UINT32_MAX,
                               "a value that fits the 32-bit word of the "
                               "shader's dims block"))
      return e;
  for (unsigned d = 0; d < 3; ++d)
    if (Error e = checkExprUse(plan, ranges, at(f + ".groupExprs", d),
                               c.groupExprs[d], 0, c.groups[d],
                               "0 to the group count at the bound, groups[" +
                                   Twine(d) + "] = " + Twine(c.groups[d])))
      return e;
  return Error::success();
}

static Error checkCommand(const Plan &plan,
                          const std::vector<ExprRange> &ranges, size_t i) {
  const PlanCommand &c = plan.commands[i];
  std::string f = at("commands", i);
  switch (c.kind) {
  case CommandKind::Barrier:
    return Error::success();
  case CommandKind::Release: {
    if (c.tensor >= plan.tensors.size())
      return fieldError(f + ".tensor", "index " + Twine(c.tensor) +
                                           " out of range; the plan has " +
                                           Twine(plan.tensors.size()) +
                                           " tensors");
    const PlanTensor &t = plan.tensors[c.tensor];
    if (t.role != TensorRole::Transient)
      return fieldError(f + ".tensor", "release of " +
                                           tensorRoleName(t.role) +
                                           " tensor '" + t.name +
                                           "'; only transient tensors are "
                                           "released");
    return Error::success();
  }
  case CommandKind::Dispatch:
    break;
  }
  if (c.shader >= plan.shaders.size())
    return fieldError(f + ".shader", "index " + Twine(c.shader) +
                                         " out of range; the plan has " +
                                         Twine(plan.shaders.size()) +
                                         " shaders");
  for (size_t k = 0; k < c.bindings.size(); ++k)
    if (c.bindings[k] >= plan.tensors.size())
      return fieldError(f + ".bindings[" + Twine(k) + "]",
                        "tensor index " + Twine(c.bindings[k]) +
                            " out of range; the plan has " +
                            Twine(plan.tensors.size()) + " tensors");
  for (size_t k = 0; k < c.writes.size(); ++k) {
    if (c.writes[k] >= c.bindings.size())
      return fieldError(f + ".writes[" + Twine(k) + "]",
                        "binding " + Twine(c.writes[k]) +
                            " out of range; the dispatch has " +
                            Twine(c.bindings.size()) + " bindings");
    const PlanTensor &t = plan.tensors[c.bindings[c.writes[k]]];
    if (t.role == TensorRole::Weight || t.role == TensorRole::Input)
      return fieldError(f + ".writes[" + Twine(k) + "]",
                        "dispatch writes " + tensorRoleName(t.role) +
                            " tensor '" + t.name + "', which is read-only");
  }
  for (unsigned d = 0; d < 3; ++d)
    if (c.groups[d] < 1)
      return fieldError(f + ".groups[" + Twine(d) + "]",
                        "group count is 0; expected at least 1");
  if (c.dynamic)
    return checkDynamicDispatch(plan, ranges, c, f);
  return Error::success();
}

Error validatePlanStructure(const Plan &plan) {
  if (!isPowerOf2_32(plan.alignment))
    return fieldError("alignment", Twine(plan.alignment) +
                                       " is not a power of two");
  if (Error e = checkBuffers(plan))
    return e;
  if (Error e = checkSymbols(plan))
    return e;
  std::vector<ExprRange> ranges;
  if (Error e = checkExprs(plan, ranges))
    return e;
  if (Error e = checkTensors(plan, ranges))
    return e;
  if (Error e = checkRequirements(plan))
    return e;
  if (Error e = checkIO(plan, "inputs", plan.inputs, TensorRole::Input))
    return e;
  if (Error e = checkIO(plan, "outputs", plan.outputs, TensorRole::Output))
    return e;
  if (Error e = checkShaders(plan))
    return e;
  for (size_t i = 0; i < plan.commands.size(); ++i)
    if (Error e = checkCommand(plan, ranges, i))
      return e;
  return Error::success();
}

} // namespace tlc
