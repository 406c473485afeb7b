//===- tests/unit/OpGpt2FoldTest.cpp - Mask ops in the folding evaluator --===//
//
// The comparisons and logical ops GPT-2's causal mask is built from (Less,
// LessOrEqual, Greater, GreaterOrEqual, And, Or, Xor, Not), evaluated by
// their ops' own definitions (ops/Compare.cpp, ops/Logical.cpp) against the ONNX project's node tests
// (libonnx-testdata: inputs and outputs computed by ONNX's reference
// implementation; skipped without the package), plus the errors a bad
// boolean gives and a ConstantOfShape of an empty shape imported as a
// scalar.
//
//===----------------------------------------------------------------------===//
#include "ir/onnx/OnnxImporter.h"
#include "ir/onnx/OnnxTensor.h"
#include "OpTestUtil.h"
#include "ops/OpDef.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace tlc;
using namespace llvm;
namespace tt = tlc::testing;

namespace {

const char *kNodeTests = "/usr/share/libonnx-testdata/data/node/";

bool readProto(const std::string &path, google::protobuf::MessageLite &msg) {
  auto buf = MemoryBuffer::getFile(path, false, false);
  return buf && msg.ParseFromArray((*buf)->getBufferStart(),
                                   int((*buf)->getBufferSize()));
}

/// Imports \p model (its inputs already made initializers) with one dummy
/// f32 input, which the importer needs. Before IR version 4 the checker
/// wants initializers listed as inputs too, so they stay there.
Expected<Graph> importWithDummyInput(onnx::ModelProto &model,
                                     StringRef name) {
  onnx::GraphProto *graph = model.mutable_graph();
  if (model.ir_version() >= 4)
    graph->clear_input();
  onnx::ValueInfoProto *dummy = graph->add_input();
  dummy->set_name("tlc_dummy");
  auto *tt = dummy->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_value(1);
  std::string bytes = model.SerializeAsString();
  return importOnnxBytes(
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()),
                        bytes.size()),
      name);
}

class MaskOpNodeTests : public ::testing::TestWithParam<const char *> {};

TEST_P(MaskOpNodeTests, EvaluatorMatchesOnnxReference) {
  std::string dir = std::string(kNodeTests) + GetParam() + "/";
  if (!sys::fs::exists(dir + "model.onnx"))
    GTEST_SKIP() << dir << " not found (libonnx-testdata)";
  onnx::ModelProto model;
  ASSERT_TRUE(readProto(dir + "model.onnx", model));
  onnx::GraphProto *graph = model.mutable_graph();
  ASSERT_EQ(graph->node_size(), 1);
  for (int i = 0; i < graph->input_size(); ++i) {
    onnx::TensorProto t;
    ASSERT_TRUE(readProto(
        dir + "test_data_set_0/input_" + std::to_string(i) + ".pb", t));
    t.set_name(graph->input(i).name());
    *graph->add_initializer() = t;
  }
  Expected<Graph> g = importWithDummyInput(model, GetParam());
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  ASSERT_EQ(g->nodes.size(), 1u);
  const Node &node = g->nodes[0];
  ASSERT_TRUE(lookupOp(node.op)) << node.op;
  Expected<std::vector<HostTensor>> folded = tt::foldNode(*g, node);
  ASSERT_TRUE(bool(folded)) << toString(folded.takeError());
  std::vector<HostTensor> &out = *folded;
  onnx::TensorProto want;
  ASSERT_TRUE(readProto(dir + "test_data_set_0/output_0.pb", want));
  Expected<OnnxConstant> ref = decodeOnnxTensor(want);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  ASSERT_EQ(out[0].type, ref->type)
      << out[0].type.str() << " vs " << ref->type.str();
  EXPECT_EQ(out[0].bytes().vec(), ref->data); // booleans: exact
}

INSTANTIATE_TEST_SUITE_P(
    Onnx, MaskOpNodeTests,
    ::testing::Values("test_less", "test_less_bcast", "test_less_equal",
                      "test_less_equal_bcast", "test_greater",
                      "test_greater_bcast", "test_greater_equal",
                      "test_greater_equal_bcast", "test_and2d",
                      "test_and_bcast4v3d", "test_or3d",
                      "test_or_bcast3v1d", "test_xor4d",
                      "test_xor_bcast4v2d", "test_not_2d", "test_not_4d"));

HostTensor i64s(Shape shape, std::vector<int64_t> v) {
  return HostTensor::i64(std::move(shape), v);
}

std::vector<int64_t> values(const HostTensor &t) { return t.as<int64_t>().vec(); }

/// \p node evaluated as constant folding evaluates it.
Error evaluateConstantNode(const Node &node, std::vector<HostTensor> in,
                           std::vector<HostTensor> &out) {
  std::vector<const HostTensor *> ptrs;
  for (const HostTensor &h : in)
    ptrs.push_back(&h);
  std::vector<HostTensor> result;
  if (Error e = evaluateOp(*lookupOp(node.op), node, ptrs, result))
    return e;
  out = std::move(result);
  return Error::success();
}

TEST(MaskOpFolding, CausalMaskByHand) {
  // GPT-2's mask: key position (1x1x1xT) <= query position (1x1xTx1),
  // broadcast to 1x1xTxT, the lower triangle.
  Node le;
  le.op = "LessOrEqual";
  le.outputs = {0};
  std::vector<HostTensor> out;
  Error e = evaluateConstantNode(
      le, {i64s({1, 3}, {0, 1, 2}), i64s({3, 1}, {0, 1, 2})}, out);
  ASSERT_FALSE(bool(e)) << toString(std::move(e));
  EXPECT_EQ(out[0].type.str(), "3x3xi64");
  EXPECT_EQ(values(out[0]), (std::vector<int64_t>{1, 0, 0, 1, 1, 0, 1, 1, 1}));
  Node andNode;
  andNode.op = "And";
  andNode.outputs = {0};
  e = evaluateConstantNode(andNode, {out[0], i64s({1}, {1})}, out);
  ASSERT_FALSE(bool(e)) << toString(std::move(e));
  EXPECT_EQ(values(out[0]), (std::vector<int64_t>{1, 0, 0, 1, 1, 0, 1, 1, 1}));
}

TEST(MaskOpFolding, NonBooleanInputsAreErrors) {
  Node andNode;
  andNode.op = "And";
  andNode.outputs = {0};
  std::vector<HostTensor> out;
  Error e = evaluateConstantNode(
      andNode, {i64s({2}, {1, 2}), i64s({2}, {1, 1})}, out);
  ASSERT_TRUE(bool(e));
  EXPECT_NE(toString(std::move(e)).find("A holds 2 at element 1"),
            std::string::npos);
  Node notNode;
  notNode.op = "Not";
  notNode.outputs = {0};
  HostTensor f(TensorType{DType::F32, {1}});
  e = evaluateConstantNode(notNode, {f}, out);
  ASSERT_TRUE(bool(e));
  EXPECT_NE(toString(std::move(e)).find("Not takes i64"), std::string::npos);
}

TEST(MaskOpFolding, ConstantOfShapeOfEmptyShapeIsAScalar) {
  // shape = Constant([]) (int64, 0 elements); ConstantOfShape(shape) with a
  // boolean fill is a boolean scalar, read by an output-producing Add.
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(17);
  onnx::GraphProto *g = model.mutable_graph();
  g->set_name("scalar_fill");
  onnx::NodeProto *c = g->add_node();
  c->set_op_type("Constant");
  c->add_output("shape");
  onnx::AttributeProto *a = c->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  a->mutable_t()->set_data_type(onnx::TensorProto::INT64);
  a->mutable_t()->add_dims(0);
  onnx::NodeProto *f = g->add_node();
  f->set_op_type("ConstantOfShape");
  f->add_input("shape");
  f->add_output("fill");
  onnx::AttributeProto *v = f->add_attribute();
  v->set_name("value");
  v->set_type(onnx::AttributeProto::TENSOR);
  v->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  v->mutable_t()->add_dims(1);
  v->mutable_t()->add_float_data(2.5f);
  onnx::NodeProto *add = g->add_node();
  add->set_op_type("Add");
  add->add_input("tlc_dummy");
  add->add_input("fill");
  add->add_output("y");
  onnx::ValueInfoProto *y = g->add_output();
  y->set_name("y");
  y->mutable_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::FLOAT);
  y->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()
      ->set_dim_value(1);
  Expected<Graph> graph = importWithDummyInput(model, "scalar_fill.onnx");
  ASSERT_TRUE(bool(graph)) << toString(graph.takeError());
  std::optional<ValueId> fill = graph->lookup("fill");
  ASSERT_TRUE(fill.has_value());
  const Value &fv = graph->value(*fill);
  EXPECT_EQ(fv.kind, ValueKind::Weight);
  EXPECT_EQ(fv.type.str(), "f32");
  float x = 0;
  ASSERT_EQ(fv.data.size(), 4u);
  std::memcpy(&x, fv.data.data(), 4);
  EXPECT_EQ(x, 2.5f);
  EXPECT_FALSE(graph->lookup("shape").has_value()); // the empty constant
}

} // namespace
