//===- tests/unit/ConvTestUtil.cpp - Graphs through both kernel targets ---===//
#include "ConvTestUtil.h"

#include "ops/KernelTarget.h"
#include "passes/Passes.h"
#include "passes/Pipeline.h"
#include "runtime/Runtime.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <cstring>
#include <memory>
#include <set>

using namespace llvm;

namespace tlc {
namespace testing {

Expected<std::vector<HostTensor>>
runGraphReference(const Graph &graph, const std::vector<HostTensor> &inputs) {
  Graph g = graph;
  if (Error e = inferShapes(g))
    return std::move(e);
  std::vector<HostTensor> vals(g.values.size());
  if (inputs.size() != g.inputs.size())
    return createStringError(inconvertibleErrorCode(),
                             "%zu inputs given, the graph has %zu",
                             inputs.size(), g.inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].type != g.values[g.inputs[i]].type)
      return createStringError(inconvertibleErrorCode(),
                               "input %zu is %s, expected %s", i,
                               inputs[i].type.str().c_str(),
                               g.values[g.inputs[i]].type.str().c_str());
    vals[g.inputs[i]] = inputs[i];
  }
  for (ValueId v = 0; v < g.values.size(); ++v) {
    const Value &val = g.values[v];
    if (val.kind != ValueKind::Weight || val.type.dtype != DType::F32)
      continue;
    vals[v] = HostTensor(val.type);
    std::memcpy(vals[v].data.data(), val.data.data(),
                std::min(val.data.size(), vals[v].data.size() * 4));
  }
  for (const Node &n : g.nodes) {
    std::vector<const HostTensor *> ins;
    for (ValueId in : n.inputs)
      ins.push_back(&vals[in]);
    std::vector<HostTensor> outs;
    for (ValueId out : n.outputs)
      outs.emplace_back(g.values[out].type);
    lookupOp(n.op)->reference(n, ins, outs);
    for (size_t i = 0; i < outs.size(); ++i)
      vals[n.outputs[i]] = std::move(outs[i]);
  }
  std::vector<HostTensor> result;
  for (ValueId o : g.outputs)
    result.push_back(vals[o]);
  return result;
}

/// One device for every test of this file, with validation on.
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

Expected<std::vector<HostTensor>>
runGraphOnDevice(const Graph &g, StringRef target,
                 const std::vector<HostTensor> &inputs, Plan *planOut) {
  CompileOptions copts;
  Expected<KernelTarget> kt = kernelTargetByName(target);
  if (!kt)
    return kt.takeError();
  copts.target = *kt;
  Expected<Plan> compiled = compileGraph(g, copts);
  if (!compiled)
    return compiled.takeError();
  SmallString<128> path;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("tlc-conv-test", "tlp", path))
    return errorCodeToError(ec);
  if (Error e = writePlanFile(*compiled, path))
    return std::move(e);
  Expected<Plan> plan = readPlanFile(path);
  sys::fs::remove(path);
  if (!plan)
    return plan.takeError();
  if (planOut)
    *planOut = *plan;

  Expected<Device *> dev = testDevice();
  if (!dev)
    return dev.takeError();
  uint64_t messagesBefore = (*dev)->counters().validationMessages;
  auto loaded = LoadedPlan::load(**dev, *plan);
  if (!loaded)
    return loaded.takeError();
  for (size_t i = 0; i < inputs.size(); ++i) {
    ArrayRef<uint8_t> bytes(
        reinterpret_cast<const uint8_t *>(inputs[i].data.data()),
        inputs[i].data.size() * sizeof(float));
    if (Error e = (*loaded)->setInput(i, bytes))
      return std::move(e);
  }
  if (Error e = (*loaded)->run())
    return std::move(e);
  std::vector<HostTensor> outs;
  for (size_t i = 0; i < plan->outputs.size(); ++i) {
    HostTensor h(plan->tensors[plan->outputs[i]].type);
    ArrayRef<uint8_t> bytes = (*loaded)->output(i);
    if (bytes.size() != h.data.size() * sizeof(float))
      return createStringError(inconvertibleErrorCode(),
                               "output %zu has %zu bytes, expected %zu", i,
                               bytes.size(), h.data.size() * sizeof(float));
    std::memcpy(h.data.data(), bytes.data(), bytes.size());
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

size_t countDispatches(const Plan &plan, StringRef shader) {
  size_t n = 0;
  for (const PlanCommand &c : plan.commands)
    if (c.kind == CommandKind::Dispatch &&
        (shader.empty() || plan.shaders[c.shader].name == shader))
      ++n;
  return n;
}

size_t countDispatchingSteps(const Plan &plan) {
  std::set<uint32_t> steps;
  for (const PlanCommand &c : plan.commands)
    if (c.kind == CommandKind::Dispatch)
      steps.insert(c.step);
  return steps.size();
}

GraphBuilder::GraphBuilder() { g_.name = "conv_test"; }

ValueId GraphBuilder::input(const std::string &name, Shape shape) {
  Value v;
  v.name = name;
  v.type = TensorType{DType::F32, std::move(shape)};
  v.hasType = true;
  v.kind = ValueKind::Input;
  ValueId id = cantFail(g_.addValue(std::move(v)));
  g_.inputs.push_back(id);
  return id;
}

ValueId GraphBuilder::weight(const std::string &name, const HostTensor &t) {
  Value v;
  v.name = name;
  v.type = t.type;
  v.hasType = true;
  v.kind = ValueKind::Weight;
  v.data.resize(t.data.size() * sizeof(float));
  std::memcpy(v.data.data(), t.data.data(), v.data.size());
  return cantFail(g_.addValue(std::move(v)));
}

ValueId GraphBuilder::node(const std::string &op, std::vector<ValueId> inputs,
                           const std::string &out, Attributes attrs) {
  Value v;
  v.name = out;
  ValueId id = cantFail(g_.addValue(std::move(v)));
  Node n;
  n.op = op;
  n.name = out;
  n.inputs.assign(inputs.begin(), inputs.end());
  n.outputs = {id};
  n.attrs = std::move(attrs);
  g_.addNode(std::move(n));
  return id;
}

void GraphBuilder::output(ValueId v) { g_.outputs.push_back(v); }

} // namespace testing
} // namespace tlc
