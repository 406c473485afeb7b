//===- tests/unit/OnnxConstantEvalTest.cpp - Evaluator vs ONNX test data --===//
//
// Constant folding through each op's own definition (shape rule and typed
// CPU reference, ops/<Op>.cpp, run by evaluateOp as passes/ConstantFolding.cpp
// runs it) against the
// ONNX project's own node tests (Debian package libonnx-testdata: for each
// op, model.onnx plus input_i.pb / output_0.pb computed by ONNX's reference
// implementation). Each case's inputs become initializers, the model is
// imported, and the single node is evaluated on those constants; the result
// must equal output_0.pb (exactly for integers, to 1 ulp-ish for floats).
// Skipped when the package is not installed.
//
//===----------------------------------------------------------------------===//
#include "ir/onnx/OnnxImporter.h"
#include "ir/onnx/OnnxTensor.h"
#include "OpTestUtil.h"
#include "ops/OpDef.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <cmath>
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

class OnnxNodeTests : public ::testing::TestWithParam<const char *> {};

TEST_P(OnnxNodeTests, EvaluatorMatchesOnnxReference) {
  std::string dir = std::string(kNodeTests) + GetParam() + "/";
  if (!sys::fs::exists(dir + "model.onnx"))
    GTEST_SKIP() << dir << " not found (libonnx-testdata)";
  onnx::ModelProto model;
  ASSERT_TRUE(readProto(dir + "model.onnx", model));
  onnx::GraphProto *graph = model.mutable_graph();
  ASSERT_EQ(graph->node_size(), 1);
  // Graph inputs become initializers; a dummy f32 input keeps the model
  // valid for the importer (which needs one real input).
  for (int i = 0; i < graph->input_size(); ++i) {
    onnx::TensorProto t;
    ASSERT_TRUE(readProto(dir + "test_data_set_0/input_" + std::to_string(i) +
                              ".pb",
                          t));
    t.set_name(graph->input(i).name());
    *graph->add_initializer() = t;
  }
  graph->clear_input();
  onnx::ValueInfoProto *dummy = graph->add_input();
  dummy->set_name("tlc_dummy");
  dummy->mutable_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::FLOAT);
  dummy->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()
      ->set_dim_value(1);
  std::string bytes = model.SerializeAsString();
  Expected<Graph> g = importOnnxBytes(
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()),
                        bytes.size()),
      GetParam());
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
  ASSERT_EQ(out[0].type, ref->type) << out[0].type.str() << " vs "
                                    << ref->type.str();
  if (ref->type.dtype != DType::F32) {
    EXPECT_EQ(out[0].bytes().vec(), ref->data);
    return;
  }
  for (int64_t i = 0; i < ref->type.numElements(); ++i) {
    float a, b;
    std::memcpy(&a, out[0].bytes().data() + 4 * i, 4);
    std::memcpy(&b, ref->data.data() + 4 * i, 4);
    EXPECT_NEAR(a, b, 1e-6 * std::max(1.0f, std::fabs(b))) << "element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Onnx, OnnxNodeTests,
    ::testing::Values(
        "test_add", "test_add_bcast", "test_sub", "test_sub_bcast",
        "test_sub_example", "test_mul", "test_mul_bcast", "test_mul_example",
        "test_div", "test_div_bcast", "test_div_example", "test_equal",
        "test_equal_bcast", "test_where_example", "test_where_long_example",
        "test_concat_1d_axis_0", "test_concat_2d_axis_1",
        "test_concat_2d_axis_negative_2", "test_concat_3d_axis_2",
        "test_concat_3d_axis_negative_3", "test_constantofshape_float_ones",
        "test_constantofshape_int_zeros", "test_expand_dim_changed",
        "test_expand_dim_unchanged", "test_flatten_axis0",
        "test_flatten_axis2", "test_flatten_negative_axis1",
        "test_gather_0", "test_gather_1", "test_gather_2d_indices",
        "test_gather_negative_indices", "test_identity",
        "test_range_float_type_positive_delta",
        "test_range_int32_type_negative_delta", "test_reshape_extended_dims",
        "test_reshape_negative_dim", "test_reshape_negative_extended_dims",
        "test_reshape_one_dim", "test_reshape_reduced_dims",
        "test_reshape_reordered_all_dims", "test_reshape_zero_and_negative_dim",
        "test_reshape_zero_dim", "test_shape", "test_shape_clip_end",
        "test_shape_clip_start", "test_shape_end_1",
        "test_shape_end_negative_1", "test_shape_start_1_end_2",
        "test_shape_start_negative_1", "test_slice", "test_slice_default_axes",
        "test_slice_default_steps", "test_slice_end_out_of_bounds",
        "test_slice_neg", "test_slice_neg_steps", "test_slice_negative_axes",
        "test_squeeze", "test_squeeze_negative_axes", "test_unsqueeze_axis_0",
        "test_unsqueeze_axis_3", "test_unsqueeze_negative_axes",
        "test_unsqueeze_three_axes", "test_unsqueeze_two_axes",
        "test_unsqueeze_unsorted_axes"));

} // namespace
