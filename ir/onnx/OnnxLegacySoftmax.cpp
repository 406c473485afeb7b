//===- ir/onnx/OnnxLegacySoftmax.cpp - Softmax before opset 13 ------------===//
//
// See OnnxLegacySoftmax.h: Flatten -> Op(axis = 1) -> Reshape(Shape(x)) for
// the opset-1..12 forms of Softmax, LogSoftmax and Hardmax.
//
//===----------------------------------------------------------------------===//
#include "ir/onnx/OnnxLegacySoftmax.h"
#include "ir/onnx/OnnxFreshNames.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace tlc {

void makeLegacySoftmaxExplicit(onnx::ModelProto &model, int64_t opset) {
  if (opset < 5 || opset >= 13)
    return;
  onnx::GraphProto &g = *model.mutable_graph();
  OnnxFreshNames fresh(g);
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (onnx::NodeProto &n : *g.mutable_node()) {
    llvm::StringRef op = n.op_type();
    bool legacy = (n.domain().empty() || n.domain() == "ai.onnx") &&
                  (op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") &&
                  n.input_size() == 1 && n.output_size() == 1 &&
                  !n.input(0).empty() && !n.output(0).empty();
    if (!legacy) {
      *nodes.Add() = std::move(n);
      continue;
    }
    int64_t axis = 1;
    for (const onnx::AttributeProto &a : n.attribute())
      if (a.name() == "axis")
        axis = a.i();
    std::string x = n.input(0), y = n.output(0);
    std::string base = n.name().empty() ? y : n.name();
    std::string flat = fresh.get(y + "/flatten"), normed = fresh.get(y + "/2d"),
                shape = fresh.get(y + "/shape");

    onnx::NodeProto *f = nodes.Add();
    f->set_op_type("Flatten");
    f->set_name(fresh.get(base + "/flatten"));
    f->add_input(x);
    f->add_output(flat);
    onnx::AttributeProto *fa = f->add_attribute();
    fa->set_name("axis");
    fa->set_type(onnx::AttributeProto::INT);
    fa->set_i(axis);

    // The op itself, on the 2-D tensor; axis 1 is its last dim, where the
    // opset-13 semantics agree with the old ones.
    n.clear_attribute();
    onnx::AttributeProto *na = n.add_attribute();
    na->set_name("axis");
    na->set_type(onnx::AttributeProto::INT);
    na->set_i(1);
    n.set_input(0, flat);
    n.set_output(0, normed);
    *nodes.Add() = std::move(n);

    onnx::NodeProto *s = nodes.Add();
    s->set_op_type("Shape");
    s->set_name(fresh.get(base + "/shape"));
    s->add_input(x);
    s->add_output(shape);

    onnx::NodeProto *r = nodes.Add();
    r->set_op_type("Reshape");
    r->set_name(fresh.get(base + "/reshape"));
    r->add_input(normed);
    r->add_input(shape);
    r->add_output(y);

    // Rank 2, dims unknown: what the converter's adapter reads.
    onnx::ValueInfoProto *vi = g.add_value_info();
    vi->set_name(flat);
    onnx::TypeProto_Tensor *tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_param(flat + ":0");
    tt->mutable_shape()->add_dim()->set_dim_param(flat + ":1");
  }
  g.mutable_node()->Swap(&nodes);
}

} // namespace tlc
