//===- ir/onnx/OnnxScalarFill.cpp - ConstantOfShape of no dims ------------===//
#include "ir/onnx/OnnxScalarFill.h"

#include "llvm/ADT/StringSet.h"

using namespace llvm;

namespace tlc {

/// Whether \p t holds 0 elements (a dim of 0).
static bool isEmpty(const onnx::TensorProto &t) {
  for (int64_t d : t.dims())
    if (d == 0)
      return true;
  return false;
}

/// Names of the constants of \p g that hold 0 elements.
static StringSet<> emptyConstantNames(const onnx::GraphProto &g) {
  StringSet<> names;
  for (const onnx::TensorProto &t : g.initializer())
    if (isEmpty(t))
      names.insert(t.name());
  for (const onnx::NodeProto &n : g.node()) {
    if (n.op_type() != "Constant" || n.output_size() != 1 ||
        n.attribute_size() != 1)
      continue;
    const onnx::AttributeProto &a = n.attribute(0);
    if ((a.name() == "value" && a.has_t() && isEmpty(a.t())) ||
        (a.name() == "value_ints" && a.ints_size() == 0))
      names.insert(n.output(0));
  }
  return names;
}

unsigned rewriteScalarConstantOfShape(onnx::ModelProto &model) {
  onnx::GraphProto &g = *model.mutable_graph();
  StringSet<> empty = emptyConstantNames(g);
  if (empty.empty())
    return 0;
  unsigned count = 0;
  for (onnx::NodeProto &n : *g.mutable_node()) {
    bool defaultDomain = n.domain().empty() || n.domain() == "ai.onnx";
    if (!defaultDomain || n.op_type() != "ConstantOfShape" ||
        n.input_size() != 1 || !empty.count(n.input(0)))
      continue;
    onnx::TensorProto fill;
    bool hasValue = false;
    for (const onnx::AttributeProto &a : n.attribute())
      if (a.name() == "value" && a.has_t()) {
        fill = a.t();
        hasValue = true;
      }
    if (!hasValue) {
      fill.set_data_type(onnx::TensorProto::FLOAT);
      fill.add_float_data(0.0f);
    }
    int64_t elements = 1;
    for (int64_t d : fill.dims())
      elements *= d;
    if (elements != 1)
      continue; // the importer names the bad fill value
    fill.clear_dims();
    fill.clear_name();
    n.set_op_type("Constant");
    n.clear_input();
    n.clear_attribute();
    onnx::AttributeProto *value = n.add_attribute();
    value->set_name("value");
    value->set_type(onnx::AttributeProto::TENSOR);
    *value->mutable_t() = std::move(fill);
    ++count;
  }
  if (count == 0)
    return 0;
  // Drop the empty Constant nodes that nothing reads any more (tlc cannot
  // import them).
  StringSet<> read;
  for (const onnx::NodeProto &n : g.node())
    for (const std::string &in : n.input())
      read.insert(in);
  for (const onnx::ValueInfoProto &o : g.output())
    read.insert(o.name());
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
  for (onnx::NodeProto &n : *g.mutable_node()) {
    bool deadEmpty = n.op_type() == "Constant" && n.output_size() == 1 &&
                     empty.count(n.output(0)) && !read.count(n.output(0));
    if (!deadEmpty)
      *kept.Add() = std::move(n);
  }
  g.mutable_node()->Swap(&kept);
  return count;
}

} // namespace tlc
