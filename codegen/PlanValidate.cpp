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
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/MathExtras.h"

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

static Error checkTensors(const Plan &plan) {
  StringSet<> names;
  // Tensors per Input/Output buffer: exactly one each.
  std::vector<int> owner(plan.buffers.size(), -1);
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    if (Error e = checkTensor(plan, i))
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

static Error checkCommand(const Plan &plan, size_t i) {
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
  return Error::success();
}

Error validatePlanStructure(const Plan &plan) {
  if (!isPowerOf2_32(plan.alignment))
    return fieldError("alignment", Twine(plan.alignment) +
                                       " is not a power of two");
  if (Error e = checkBuffers(plan))
    return e;
  if (Error e = checkTensors(plan))
    return e;
  if (Error e = checkIO(plan, "inputs", plan.inputs, TensorRole::Input))
    return e;
  if (Error e = checkIO(plan, "outputs", plan.outputs, TensorRole::Output))
    return e;
  if (Error e = checkShaders(plan))
    return e;
  for (size_t i = 0; i < plan.commands.size(); ++i)
    if (Error e = checkCommand(plan, i))
      return e;
  return Error::success();
}

} // namespace tlc
