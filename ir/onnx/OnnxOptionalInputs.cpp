//===- ir/onnx/OnnxOptionalInputs.cpp - Omitted ONNX inputs ---------------===//
//
// See OnnxOptionalInputs.h. Which inputs are optional comes from ONNX's own
// operator schemas (onnx/defs, OpSchema::FormalParameterOption), so the
// rules hold for every op, not only those tlc implements today.
//
//===----------------------------------------------------------------------===//
#include "ir/onnx/OnnxOptionalInputs.h"
#include "ir/onnx/OnnxFreshNames.h"
#include "ir/onnx/OnnxNodeLabel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"

#include <onnx/defs/schema.h>

#include <cfloat>
#include <string>
#include <vector>

using namespace llvm;

namespace tlc {

namespace {

Error nodeError(const onnx::NodeProto &n, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           onnxNodePrefix(n) + msg.str());
}

bool isDefaultDomain(const onnx::NodeProto &n) {
  return n.domain().empty() || n.domain() == "ai.onnx";
}

bool hasZeroDim(const onnx::TensorProto &t) {
  return llvm::is_contained(t.dims(), 0);
}

/// Names of the 0-element constants: initializers with a dim of 0 and
/// Constant nodes whose value is such a tensor or an empty list.
StringSet<> emptyConstants(const onnx::GraphProto &g) {
  StringSet<> names;
  for (const onnx::TensorProto &t : g.initializer())
    if (hasZeroDim(t))
      names.insert(t.name());
  for (const onnx::NodeProto &n : g.node()) {
    if (n.op_type() != "Constant" || !isDefaultDomain(n) ||
        n.output_size() != 1 || n.attribute_size() != 1)
      continue;
    const onnx::AttributeProto &a = n.attribute(0);
    bool empty = (a.name() == "value" && a.has_t() && hasZeroDim(a.t())) ||
                 (a.name() == "value_floats" && a.floats_size() == 0) ||
                 (a.name() == "value_ints" && a.ints_size() == 0);
    if (empty)
      names.insert(n.output(0));
  }
  return names;
}

/// The schema's name of input \p i (the last formal parameter covers the
/// variadic tail), or "" without a schema.
std::string inputName(const onnx::OpSchema *s, int i) {
  if (!s || s->inputs().empty())
    return "";
  size_t k = std::min<size_t>(size_t(i), s->inputs().size() - 1);
  return s->inputs()[k].GetName();
}

/// "input 2 ('scales')", for messages.
std::string inputLabel(const onnx::OpSchema *s, int i) {
  std::string name = inputName(s, i);
  return "input " + std::to_string(i) +
         (name.empty() ? std::string() : " ('" + name + "')");
}

bool isOptional(const onnx::OpSchema *s, int i) {
  if (!s || s->inputs().empty())
    return false;
  size_t k = std::min<size_t>(size_t(i), s->inputs().size() - 1);
  return s->inputs()[k].GetOption() == onnx::OpSchema::Optional;
}

/// Resize-13 (X, roi, scales, sizes) -> X, scales or X, sizes.
Error canonicalizeResize(onnx::NodeProto &n) {
  auto given = [&](int i) { return i < n.input_size() && !n.input(i).empty(); };
  bool scales = given(2), sizes = given(3);
  if (scales && sizes)
    return nodeError(n, "both scales (input 2) and sizes (input 3) are "
                        "given; ONNX Resize takes exactly one of them");
  if (!scales && !sizes)
    return nodeError(n, "neither scales (input 2) nor sizes (input 3) is "
                        "given (omitted or empty); ONNX Resize needs one");
  if (!given(0))
    return nodeError(n, "input 0 ('X') is omitted");
  std::string x = n.input(0), s = n.input(scales ? 2 : 3);
  n.clear_input();
  n.add_input(x);
  n.add_input(s);
  return Error::success();
}

/// Fills omitted inputs that have a constant ONNX default (Clip-13's min
/// and max: numeric_limits<float>::lowest() / max()) with new scalar f32
/// initializers. Returns whether \p n is such an op.
bool fillConstantDefaults(onnx::NodeProto &n, onnx::GraphProto &g,
                          OnnxFreshNames &fresh) {
  if (n.op_type() != "Clip")
    return false;
  for (int i = 1; i < std::min(n.input_size(), 3); ++i) {
    if (!n.input(i).empty())
      continue;
    onnx::TensorProto *t = g.add_initializer();
    t->set_name(fresh.get(onnxNodeLabel(n) + (i == 1 ? "/min" : "/max")));
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_float_data(i == 1 ? -FLT_MAX : FLT_MAX);
    n.set_input(i, t->name());
  }
  return true;
}

/// Removes the 0-element initializers and Constant nodes in \p empty that
/// no node input and no graph output names any more.
void removeUnusedEmpties(onnx::GraphProto &g, const StringSet<> &empty) {
  StringSet<> used;
  for (const onnx::NodeProto &n : g.node())
    for (const std::string &s : n.input())
      used.insert(s);
  for (const onnx::ValueInfoProto &v : g.output())
    used.insert(v.name());
  auto dead = [&](const std::string &name) {
    return empty.count(name) && !used.count(name);
  };
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (onnx::NodeProto &n : *g.mutable_node())
    if (!(n.op_type() == "Constant" && n.output_size() == 1 &&
          dead(n.output(0))))
      *nodes.Add() = std::move(n);
  g.mutable_node()->Swap(&nodes);
  google::protobuf::RepeatedPtrField<onnx::TensorProto> inits;
  for (onnx::TensorProto &t : *g.mutable_initializer())
    if (!dead(t.name()))
      *inits.Add() = std::move(t);
  g.mutable_initializer()->Swap(&inits);
  // Before IR version 4 initializers are also listed as graph inputs.
  google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> inputs;
  for (onnx::ValueInfoProto &v : *g.mutable_input())
    if (!dead(v.name()))
      *inputs.Add() = std::move(v);
  g.mutable_input()->Swap(&inputs);
}

} // namespace

Error resolveOptionalInputs(onnx::ModelProto &model, int64_t opset) {
  onnx::GraphProto &g = *model.mutable_graph();
  StringSet<> empty = emptyConstants(g);
  OnnxFreshNames fresh(g);
  for (onnx::NodeProto &n : *g.mutable_node()) {
    if (!isDefaultDomain(n))
      continue;
    const onnx::OpSchema *schema =
        onnx::OpSchemaRegistry::Schema(n.op_type(), int(opset), "");
    if (!schema)
      continue;
    // 1. Empty constants at optional positions are omitted inputs.
    for (int i = 0; i < n.input_size(); ++i) {
      if (n.input(i).empty() || !empty.count(n.input(i)))
        continue;
      if (!isOptional(schema, i))
        return nodeError(n, inputLabel(schema, i) + " is '" + n.input(i) +
                                "', an empty tensor (a dim of 0); tlc has "
                                "no empty tensors");
      n.set_input(i, "");
    }
    // 2. Canonical forms; 3. constant defaults.
    if (n.op_type() == "Resize") {
      if (Error e = canonicalizeResize(n))
        return e;
    } else {
      fillConstantDefaults(n, g, fresh);
    }
    // 4. Trailing omitted inputs go; one before a present input is an error.
    int count = n.input_size();
    while (count > 0 && n.input(count - 1).empty())
      --count;
    for (int i = 0; i < count; ++i)
      if (n.input(i).empty())
        return nodeError(n, inputLabel(schema, i) + " is omitted but " +
                                inputLabel(schema, count - 1) +
                                " is given; tlc's inputs are positional and "
                                "it knows no default for this one");
    while (n.input_size() > count)
      n.mutable_input()->RemoveLast();
  }
  // 5.
  removeUnusedEmpties(g, empty);
  return Error::success();
}

} // namespace tlc
