//===- tests/unit/OpTestUtil.cpp - Run one op on the device ---------------===//
#include "OpTestUtil.h"

#include "ir/Half.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace llvm;

namespace tlc {
namespace testing {

HostTensor randomTensor(const Shape &shape, uint32_t seed, float lo, float hi) {
  TensorType t;
  t.shape = shape;
  HostTensor h(t);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (float &x : h.f32())
    x = dist(rng);
  return h;
}

/// The bytes of \p h.
static std::vector<uint8_t> toBytes(const HostTensor &h) {
  return std::vector<uint8_t>(h.bytes().begin(), h.bytes().end());
}

Expected<Graph> buildOneNodeGraph(StringRef op, const Attributes &attrs,
                                  const std::vector<OpOperand> &operands) {
  Graph g;
  g.name = ("test_" + op).str();
  Node n;
  n.op = op.str();
  n.name = "node";
  n.attrs = attrs;
  for (size_t i = 0; i < operands.size(); ++i) {
    Value v;
    v.name = "in" + std::to_string(i);
    v.type = operands[i].tensor.type;
    v.hasType = true;
    v.kind = operands[i].isWeight ? ValueKind::Weight : ValueKind::Input;
    if (operands[i].isWeight)
      v.data = toBytes(operands[i].tensor);
    auto id = g.addValue(std::move(v));
    if (!id)
      return id.takeError();
    if (!operands[i].isWeight)
      g.inputs.push_back(*id);
    n.inputs.push_back(*id);
  }
  // The number of outputs comes from the shape rule.
  const OpDef *def = lookupOp(op);
  if (!def)
    return createStringError(inconvertibleErrorCode(), "unknown op %s",
                             op.str().c_str());
  SmallVector<InputInfo, 4> infos;
  for (ValueId in : n.inputs)
    infos.push_back({g.values[in].type, g.values[in].data});
  SmallVector<TensorType, 2> outTypes;
  if (Error e = def->inferTypes(n, infos, outTypes))
    return std::move(e);
  for (size_t i = 0; i < outTypes.size(); ++i) {
    Value v;
    v.name = "out" + std::to_string(i);
    auto id = g.addValue(std::move(v));
    if (!id)
      return id.takeError();
    n.outputs.push_back(*id);
    g.outputs.push_back(*id);
  }
  g.addNode(std::move(n));
  return std::move(g);
}

Expected<std::vector<HostTensor>>
runReference(StringRef op, const Attributes &attrs,
             const std::vector<OpOperand> &operands) {
  Expected<Graph> g = buildOneNodeGraph(op, attrs, operands);
  if (!g)
    return g.takeError();
  const Node &n = g->nodes[0];
  std::vector<const HostTensor *> ins;
  for (const OpOperand &o : operands)
    ins.push_back(&o.tensor);
  SmallVector<InputInfo, 4> infos;
  for (ValueId in : n.inputs)
    infos.push_back({g->values[in].type, g->values[in].data});
  SmallVector<TensorType, 2> outTypes;
  if (Error e = lookupOp(op)->inferTypes(n, infos, outTypes))
    return std::move(e);
  std::vector<HostTensor> outs;
  for (const TensorType &t : outTypes)
    outs.emplace_back(t);
  if (Error e = lookupOp(op)->reference(n, ins, outs))
    return std::move(e);
  return outs;
}

/// One device for the whole test binary, with validation on.
static Expected<Device *> testDevice() {
  static std::unique_ptr<Device> device;
  if (!device) {
    DeviceOptions opts;
    opts.validation = true;
    auto d = Device::create(opts);
    if (!d)
      return d.takeError();
    device = std::move(*d);
  }
  return device.get();
}

/// \p plan written to a temporary .tlp and read back, as users run plans.
static Expected<Plan> roundTripPlanFile(const Plan &plan) {
  SmallString<128> path;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("tlc-op-test", "tlp", path))
    return errorCodeToError(ec);
  if (Error e = writePlanFile(plan, path))
    return std::move(e);
  Expected<Plan> read = readPlanFile(path);
  sys::fs::remove(path);
  return read;
}

Expected<std::vector<HostTensor>>
runOnDevice(StringRef op, const Attributes &attrs,
            const std::vector<OpOperand> &operands) {
  Expected<Graph> g = buildOneNodeGraph(op, attrs, operands);
  if (!g)
    return g.takeError();
  CompileOptions copts;
  copts.planner = "pool";
  Expected<Plan> compiled = compileGraph(std::move(*g), copts);
  if (!compiled)
    return compiled.takeError();
  Expected<Plan> plan = roundTripPlanFile(*compiled);
  if (!plan)
    return plan.takeError();
  return runPlanOnDevice(*plan, operands);
}

Expected<std::vector<HostTensor>>
runOnDeviceF16(StringRef op, const Attributes &attrs,
               const std::vector<OpOperand> &operands, StringRef target) {
  Expected<Graph> g = buildOneNodeGraph(op, attrs, operands);
  if (!g)
    return g.takeError();
  std::string nodeName = g->nodes[0].name;
  Expected<Plan> compiled = compileWithF16Storage(std::move(*g), target);
  if (!compiled)
    return compiled.takeError();
  Expected<Plan> plan = roundTripPlanFile(*compiled);
  if (!plan)
    return plan.takeError();
  // Fusion passes may rename the node: every dispatch that is not a
  // StorageCast belongs to the op.
  size_t f16Dispatches = 0;
  for (const PlanCommand &c : plan->commands) {
    if (c.kind != CommandKind::Dispatch)
      continue;
    StringRef shader = plan->shaders[c.shader].name;
    if (shader.startswith("storage_cast"))
      continue;
    if (!shader.endswith("_f16"))
      return createStringError(inconvertibleErrorCode(),
                               "dispatch of '%s' ran shader '%s', not an "
                               "fp16 build",
                               c.label.c_str(), shader.str().c_str());
    ++f16Dispatches;
  }
  if (f16Dispatches == 0)
    return createStringError(inconvertibleErrorCode(),
                             "no fp16 dispatch in the plan of '%s'",
                             nodeName.c_str());
  return runPlanOnDevice(*plan, operands);
}

/// \p g compiled with the pool planner for \p target and \p floatStorage.
static Expected<Plan> compileForTest(Graph g, StringRef target,
                                     DType floatStorage) {
  CompileOptions copts;
  copts.planner = "pool";
  copts.floatStorage = floatStorage;
  Expected<KernelTarget> t = kernelTargetByName(target);
  if (!t)
    return t.takeError();
  copts.target = *t;
  return compileGraph(std::move(g), copts);
}

Expected<Plan> compileWithF16Storage(Graph g, StringRef target) {
  return compileForTest(std::move(g), target, DType::F16);
}

Expected<Plan> compileOneNode(StringRef op, const Attributes &attrs,
                              const std::vector<OpOperand> &operands,
                              StringRef target, DType floatStorage) {
  Expected<Graph> g = buildOneNodeGraph(op, attrs, operands);
  if (!g)
    return g.takeError();
  return compileForTest(std::move(*g), target, floatStorage);
}

std::vector<std::string> dispatchShaders(const Plan &plan,
                                         bool skipStorageCasts) {
  std::vector<std::string> names;
  for (const PlanCommand &c : plan.commands) {
    if (c.kind != CommandKind::Dispatch)
      continue;
    const std::string &name = plan.shaders[c.shader].name;
    if (!skipStorageCasts || !StringRef(name).startswith("storage_cast"))
      names.push_back(name);
  }
  return names;
}

Expected<std::vector<HostTensor>> foldNode(const Graph &g, const Node &node) {
  const OpDef *def = lookupOp(node.op);
  if (!def)
    return createStringError(inconvertibleErrorCode(), "unknown op %s",
                             node.op.c_str());
  std::vector<HostTensor> in;
  for (ValueId id : node.inputs)
    in.push_back(def->readsTypesOnly
                     ? HostTensor::typeOnly(g.values[id].type)
                     : HostTensor::fromBytes(g.values[id].type,
                                             g.values[id].data));
  std::vector<const HostTensor *> ptrs;
  for (const HostTensor &h : in)
    ptrs.push_back(&h);
  std::vector<HostTensor> out;
  if (Error e = evaluateOp(*def, node, ptrs, out))
    return std::move(e);
  return out;
}

double relativeL2Bytes(ArrayRef<uint8_t> got, ArrayRef<uint8_t> want) {
  double num = 0, den = 0;
  for (size_t i = 0; i + 4 <= got.size() && i + 4 <= want.size(); i += 4) {
    float a, b;
    std::memcpy(&a, got.data() + i, 4);
    std::memcpy(&b, want.data() + i, 4);
    num += (double(a) - b) * (double(a) - b);
    den += double(b) * b;
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

HostTensor roundedToF16(HostTensor t) {
  for (float &x : t.f32())
    x = roundToHalf(x);
  return t;
}

Expected<std::vector<HostTensor>>
runPlanOnDevice(const Plan &plan, const std::vector<OpOperand> &operands) {
  Expected<Device *> dev = testDevice();
  if (!dev)
    return dev.takeError();
  uint64_t messagesBefore = (*dev)->counters().validationMessages;
  auto loaded = LoadedPlan::load(**dev, plan);
  if (!loaded)
    return loaded.takeError();
  size_t input = 0;
  for (const OpOperand &o : operands) {
    if (o.isWeight)
      continue;
    std::vector<uint8_t> bytes = toBytes(o.tensor);
    if (Error e = (*loaded)->setInput(input++, bytes))
      return std::move(e);
  }
  if (Error e = (*loaded)->run())
    return std::move(e);
  std::vector<HostTensor> outs;
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    HostTensor h(plan.tensors[plan.outputs[i]].type);
    ArrayRef<uint8_t> bytes = (*loaded)->output(i);
    if (bytes.size() != h.bytes().size())
      return createStringError(inconvertibleErrorCode(),
                               "output %zu has %zu bytes, expected %zu", i,
                               bytes.size(), h.bytes().size());
    llvm::copy(bytes, h.bytes().begin());
    outs.push_back(std::move(h));
  }
  loaded->reset();
  uint64_t messages = (*dev)->counters().validationMessages - messagesBefore;
  if (messages != 0)
    return createStringError(inconvertibleErrorCode(),
                             "%llu Vulkan validation messages (see stderr)",
                             (unsigned long long)messages);
  return outs;
}

std::string shapeRule(StringRef op, const Attributes &attrs,
                      std::vector<TensorType> types,
                      std::vector<TensorType> *out) {
  const OpDef *def = lookupOp(op);
  if (!def)
    return "no such op";
  Node node;
  node.op = op.str();
  node.attrs = attrs;
  node.outputs = {0};
  std::vector<InputInfo> infos;
  for (const TensorType &t : types)
    infos.push_back({t, {}});
  SmallVector<TensorType, 2> outs;
  if (Error e = def->inferTypes(node, infos, outs))
    return toString(std::move(e));
  if (out)
    out->assign(outs.begin(), outs.end());
  return "";
}

Attributes gemmAttrs(double alpha, double beta, int64_t transA,
                     int64_t transB) {
  Attributes a;
  a.values["alpha"] = alpha;
  a.values["beta"] = beta;
  a.values["transA"] = transA;
  a.values["transB"] = transB;
  return a;
}

HostTensor tensor(Shape shape, std::vector<float> data) {
  return HostTensor::f32(std::move(shape), std::move(data));
}

void expectDeviceMatchesReference(StringRef op, const Attributes &attrs,
                                  const std::vector<OpOperand> &operands) {
  auto ref = runReference(op, attrs, operands);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  auto dev = runOnDevice(op, attrs, operands);
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  ASSERT_EQ(ref->size(), dev->size());
  for (size_t i = 0; i < ref->size(); ++i) {
    EXPECT_EQ((*dev)[i].type, (*ref)[i].type);
    EXPECT_LE(relativeL2((*dev)[i], (*ref)[i]), kTolerance)
        << op.str() << " output " << i << ", max abs diff "
        << maxAbsDiff((*dev)[i], (*ref)[i]);
  }
}

double relativeL2(const HostTensor &a, const HostTensor &b) {
  if (a.numElements() != b.numElements() || !a.hasBytes() || !b.hasBytes())
    return INFINITY;
  double num = 0, den = 0;
  for (int64_t i = 0; i < a.numElements(); ++i) {
    double x = a.doubleAt(i), y = b.doubleAt(i);
    num += (x - y) * (x - y);
    den += y * y;
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

double maxAbsDiff(const HostTensor &a, const HostTensor &b) {
  if (a.numElements() != b.numElements() || !a.hasBytes() || !b.hasBytes())
    return INFINITY;
  double m = 0;
  for (int64_t i = 0; i < a.numElements(); ++i)
    m = std::max(m, std::fabs(a.doubleAt(i) - b.doubleAt(i)));
  return m;
}

} // namespace testing
} // namespace tlc
