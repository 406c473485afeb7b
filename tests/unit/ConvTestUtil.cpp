//===- tests/unit/ConvTestUtil.cpp - Graphs through both kernel targets ---===//
#include "ConvTestUtil.h"
#include "OpTestUtil.h"

#include "ops/KernelTarget.h"
#include "passes/Passes.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <cstring>
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
    if (val.kind != ValueKind::Weight)
      continue;
    vals[v] = HostTensor::fromBytes(val.type, val.data);
  }
  for (const Node &n : g.nodes) {
    std::vector<const HostTensor *> ins;
    for (ValueId in : n.inputs)
      ins.push_back(&vals[in]);
    std::vector<HostTensor> outs;
    for (ValueId out : n.outputs)
      outs.emplace_back(g.values[out].type);
    if (Error e = lookupOp(n.op)->reference(n, ins, outs))
      return std::move(e);
    for (size_t i = 0; i < outs.size(); ++i)
      vals[n.outputs[i]] = std::move(outs[i]);
  }
  std::vector<HostTensor> result;
  for (ValueId o : g.outputs)
    result.push_back(vals[o]);
  return result;
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

  std::vector<OpOperand> operands;
  for (const HostTensor &t : inputs)
    operands.push_back({t, /*isWeight=*/false});
  return runPlanOnDevice(*plan, operands);
}

Attributes convAttrs(std::vector<int64_t> strides, std::vector<int64_t> pads,
                     std::vector<int64_t> dilations, int64_t group) {
  Attributes a;
  a.values["strides"] = strides;
  a.values["pads"] = pads;
  a.values["dilations"] = dilations;
  a.values["group"] = group;
  return a;
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
  v.data.resize(t.f32().size() * sizeof(float));
  std::memcpy(v.data.data(), t.f32().data(), v.data.size());
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
