//===- tests/unit/OnnxImportOptionalInputsTest.cpp - Omitted inputs -------===//
//
// The importer's ModelProto rewrites (ir/onnx/OnnxOptionalInputs.h,
// ir/onnx/OnnxLegacySoftmax.h) on small models built here with ONNX's
// protobuf classes: each is imported, compiled and run on the default
// Vulkan device (validation on) and checked against a naive CPU loop written
// from the ONNX operator spec in this file; the error cases check that the
// message names the node and the input.
//
//===----------------------------------------------------------------------===//
#include "ir/onnx/OnnxImporter.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include "llvm/ADT/StringRef.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace tlc;
using namespace llvm;

namespace {

/// A one-graph model of default-domain opset \p opset with input `x`
/// (f32, \p xShape) and output `y` (f32, symbolic dims of x's rank).
onnx::ModelProto makeModel(int64_t opset, const std::vector<int64_t> &xShape) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(opset);
  onnx::GraphProto *g = m.mutable_graph();
  g->set_name("t");
  auto addIo = [](onnx::ValueInfoProto *v, const char *name,
                  const std::vector<int64_t> &dims) {
    v->set_name(name);
    onnx::TypeProto_Tensor *t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims)
      t->mutable_shape()->add_dim()->set_dim_value(d);
  };
  addIo(g->add_input(), "x", xShape);
  // y: the rank of x (every test keeps it), dims left symbolic.
  addIo(g->add_output(), "y", {});
  onnx::TensorShapeProto *ys = g->mutable_output(0)
                                   ->mutable_type()
                                   ->mutable_tensor_type()
                                   ->mutable_shape();
  for (size_t d = 0; d < xShape.size(); ++d)
    ys->add_dim()->set_dim_param("y" + std::to_string(d));
  return m;
}

onnx::NodeProto *addNode(onnx::ModelProto &m, const char *op, const char *name,
                         std::vector<std::string> inputs,
                         std::vector<std::string> outputs) {
  onnx::NodeProto *n = m.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (auto &i : inputs)
    n->add_input(i);
  for (auto &o : outputs)
    n->add_output(o);
  return n;
}

void setString(onnx::NodeProto *n, const char *name, const char *value) {
  onnx::AttributeProto *a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

void setInt(onnx::NodeProto *n, const char *name, int64_t value) {
  onnx::AttributeProto *a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

/// A Constant node writing \p name: f32 values (empty: a 0-element tensor)
/// or i64 values.
void addConstant(onnx::ModelProto &m, const std::string &name,
                 const std::vector<float> &f,
                 const std::vector<int64_t> &i = {}, bool isInt = false) {
  onnx::NodeProto *n = addNode(m, "Constant", "", {}, {name});
  onnx::AttributeProto *a = n->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  onnx::TensorProto *t = a->mutable_t();
  t->set_data_type(isInt ? onnx::TensorProto::INT64 : onnx::TensorProto::FLOAT);
  t->add_dims(isInt ? int64_t(i.size()) : int64_t(f.size()));
  for (float v : f)
    t->add_float_data(v);
  for (int64_t v : i)
    t->add_int64_data(v);
}

Expected<Graph> import(const onnx::ModelProto &m) {
  std::string bytes;
  m.SerializeToString(&bytes);
  return importOnnxBytes(
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()),
                        bytes.size()),
      "t.onnx");
}

/// The error text of importing and compiling \p m ("" when both succeed).
std::string compileError(const onnx::ModelProto &m) {
  Expected<Graph> g = import(m);
  if (!g)
    return toString(g.takeError());
  Expected<Plan> p = compileGraph(std::move(*g), CompileOptions());
  return p ? "" : toString(p.takeError());
}

/// Imports, compiles and runs \p m on \p x; returns y and its shape.
std::vector<float> run(const onnx::ModelProto &m, const std::vector<float> &x,
                       Shape *yShape = nullptr) {
  Expected<Graph> g = import(m);
  if (!g) {
    ADD_FAILURE() << toString(g.takeError());
    return {};
  }
  Expected<Plan> plan = compileGraph(std::move(*g), CompileOptions());
  if (!plan) {
    ADD_FAILURE() << toString(plan.takeError());
    return {};
  }
  if (yShape)
    *yShape = plan->tensors[plan->outputs[0]].type.shape;
  DeviceOptions opts;
  opts.validation = true;
  auto dev = Device::create(opts);
  if (!dev) {
    ADD_FAILURE() << toString(dev.takeError());
    return {};
  }
  auto loaded = LoadedPlan::load(**dev, *plan);
  if (!loaded) {
    ADD_FAILURE() << toString(loaded.takeError());
    return {};
  }
  EXPECT_FALSE(bool((*loaded)->setInput(
      0, ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(x.data()),
                           x.size() * 4))));
  if (Error e = (*loaded)->run()) {
    ADD_FAILURE() << toString(std::move(e));
    return {};
  }
  ArrayRef<uint8_t> out = (*loaded)->output(0);
  std::vector<float> y(out.size() / 4);
  std::memcpy(y.data(), out.data(), y.size() * 4);
  EXPECT_EQ((*dev)->counters().validationMessages, 0u);
  return y;
}

std::vector<float> iota(size_t n, float scale = 1.0f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = float(int(i * 7 % 11) - 5) * scale;
  return v;
}

/// Nearest, asymmetric, floor (ONNX Resize spec; Upsample's semantics) on
/// NCHW: y[n][c][i][j] = x[n][c][floor(i / sh)][floor(j / sw)].
std::vector<float> nearestUpsample(const std::vector<float> &x, int64_t nc,
                                   int64_t h, int64_t w, int64_t oh,
                                   int64_t ow) {
  std::vector<float> y;
  double sh = double(oh) / h, sw = double(ow) / w;
  for (int64_t p = 0; p < nc; ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        int64_t si = std::min<int64_t>(int64_t(std::floor(i / sh)), h - 1);
        int64_t sj = std::min<int64_t>(int64_t(std::floor(j / sw)), w - 1);
        y.push_back(x[(p * h + si) * w + sj]);
      }
  return y;
}

// Paddle2ONNX's opset-11 form: roi and scales are given as empty tensors
// when unused. The empty roi is an omitted input; scales are read.
TEST(OnnxOptionalInputs, ResizeWithEmptyRoiConstant) {
  onnx::ModelProto m = makeModel(11, {1, 2, 3, 4});
  addConstant(m, "roi", {});
  addConstant(m, "scales", {1, 1, 2, 2});
  onnx::NodeProto *r =
      addNode(m, "Resize", "up", {"x", "roi", "scales"}, {"y"});
  setString(r, "mode", "nearest");
  setString(r, "coordinate_transformation_mode", "asymmetric");
  setString(r, "nearest_mode", "floor");
  Expected<Graph> g = import(m);
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  ASSERT_EQ(g->nodes.size(), 1u);
  EXPECT_EQ(g->nodes[0].inputs.size(), 2u); // X, scales
  EXPECT_FALSE(g->lookup("roi")) << "the unused empty constant stays";
  std::vector<float> x = iota(24);
  Shape shape;
  std::vector<float> y = run(m, x, &shape);
  EXPECT_EQ(shape, Shape({1, 2, 6, 8}));
  EXPECT_EQ(y, nearestUpsample(x, 2, 3, 4, 6, 8));
}

// Opset 17: roi and scales omitted by empty names, sizes given.
TEST(OnnxOptionalInputs, ResizeWithOmittedRoiAndScales) {
  onnx::ModelProto m = makeModel(17, {1, 1, 3, 4});
  addConstant(m, "sizes", {}, {1, 1, 7, 9}, true);
  onnx::NodeProto *r =
      addNode(m, "Resize", "up", {"x", "", "", "sizes"}, {"y"});
  setString(r, "coordinate_transformation_mode", "asymmetric");
  setString(r, "nearest_mode", "floor");
  std::vector<float> x = iota(12);
  Shape shape;
  std::vector<float> y = run(m, x, &shape);
  EXPECT_EQ(shape, Shape({1, 1, 7, 9}));
  EXPECT_EQ(y, nearestUpsample(x, 1, 3, 4, 7, 9));
}

TEST(OnnxOptionalInputs, ResizeErrorsNameTheNode) {
  onnx::ModelProto both = makeModel(17, {1, 1, 3, 4});
  addConstant(both, "scales", {1, 1, 2, 2});
  addConstant(both, "sizes", {}, {1, 1, 6, 8}, true);
  addNode(both, "Resize", "up", {"x", "", "scales", "sizes"}, {"y"});
  EXPECT_NE(compileError(both).find("t.onnx: node 'up' (Resize): both scales "
                                    "(input 2) and sizes (input 3) are given"),
            std::string::npos)
      << compileError(both);

  onnx::ModelProto neither = makeModel(11, {1, 1, 3, 4});
  addConstant(neither, "roi", {});
  addConstant(neither, "scales", {});
  addNode(neither, "Resize", "up", {"x", "roi", "scales"}, {"y"});
  EXPECT_NE(compileError(neither).find(
                "t.onnx: node 'up' (Resize): neither scales (input 2) nor "
                "sizes (input 3) is given"),
            std::string::npos)
      << compileError(neither);
}

// Clip-13 with min omitted and max given: min defaults to the lowest float.
TEST(OnnxOptionalInputs, ClipOmittedMinGetsItsDefault) {
  onnx::ModelProto m = makeModel(17, {2, 5});
  onnx::TensorProto *hi = m.mutable_graph()->add_initializer();
  hi->set_name("hi");
  hi->set_data_type(onnx::TensorProto::FLOAT);
  hi->add_float_data(1.5f);
  addNode(m, "Clip", "clip", {"x", "", "hi"}, {"y"});
  std::vector<float> x = iota(10, 0.75f), want;
  for (float v : x)
    want.push_back(std::min(v, 1.5f));
  EXPECT_EQ(run(m, x), want);
}

TEST(OnnxOptionalInputs, UnresolvableOmissionsAreErrors) {
  // Slice's axes omitted, steps given: no constant default (it depends on
  // the length of starts).
  onnx::ModelProto slice = makeModel(17, {4, 6});
  addConstant(slice, "starts", {}, {1}, true);
  addConstant(slice, "ends", {}, {3}, true);
  addConstant(slice, "steps", {}, {1}, true);
  addNode(slice, "Slice", "cut", {"x", "starts", "ends", "", "steps"}, {"y"});
  EXPECT_NE(compileError(slice).find(
                "t.onnx: node 'cut' (Slice): input 3 ('axes') is omitted but "
                "input 4 ('steps') is given"),
            std::string::npos)
      << compileError(slice);

  // An empty tensor where the op requires an input.
  onnx::ModelProto add = makeModel(17, {2, 2});
  addConstant(add, "nothing", {});
  addNode(add, "Add", "plus", {"x", "nothing"}, {"y"});
  EXPECT_NE(compileError(add).find(
                "t.onnx: node 'plus' (Add): input 1 ('B') is 'nothing', an "
                "empty tensor (a dim of 0)"),
            std::string::npos)
      << compileError(add);
}

/// Softmax-11 semantics: x coerced to 2-D [prod(dims < axis), prod(dims >=
/// axis)], softmax along the second dim.
std::vector<float> legacySoftmax(const std::vector<float> &x,
                                 const std::vector<int64_t> &dims,
                                 int64_t axis) {
  int64_t rows = 1, cols = 1;
  for (size_t d = 0; d < dims.size(); ++d)
    (int64_t(d) < axis ? rows : cols) *= dims[d];
  std::vector<float> y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double mx = -INFINITY, sum = 0;
    for (int64_t c = 0; c < cols; ++c)
      mx = std::max(mx, double(x[r * cols + c]));
    for (int64_t c = 0; c < cols; ++c)
      sum += std::exp(double(x[r * cols + c]) - mx);
    for (int64_t c = 0; c < cols; ++c)
      y[r * cols + c] = float(std::exp(double(x[r * cols + c]) - mx) / sum);
  }
  return y;
}

// Opset-11 Softmax over an axis that is not the last: the importer makes the
// 2-D coercion explicit, so the version converter needs no shapes and the
// result normalizes over the flattened trailing dims.
TEST(OnnxLegacySoftmax, AxisBeforeTheLastNormalizesTrailingDims) {
  for (int64_t axis : {1, 2}) {
    onnx::ModelProto m = makeModel(11, {2, 3, 4});
    onnx::NodeProto *s = addNode(m, "Softmax", "sm", {"x"}, {"y"});
    setInt(s, "axis", axis);
    std::vector<float> x = iota(24, 0.3f);
    Shape shape;
    std::vector<float> y = run(m, x, &shape);
    EXPECT_EQ(shape, Shape({2, 3, 4}));
    std::vector<float> want = legacySoftmax(x, {2, 3, 4}, axis);
    ASSERT_EQ(y.size(), want.size());
    for (size_t i = 0; i < y.size(); ++i)
      EXPECT_NEAR(y[i], want[i], 1e-6) << "axis " << axis << " at " << i;
  }
}

// An opset-9 model whose Softmax input comes from a Reshape and has no
// value_info: the version converter alone fails on it ("input shape is
// unknown"), as on the PP-OCR recognizer and classifier.
TEST(OnnxLegacySoftmax, ComputedShapeInput) {
  onnx::ModelProto m = makeModel(9, {2, 12});
  addConstant(m, "dims", {}, {2, 3, 4}, true);
  addNode(m, "Reshape", "r", {"x", "dims"}, {"x3"});
  onnx::NodeProto *s = addNode(m, "Softmax", "sm", {"x3"}, {"y"});
  setInt(s, "axis", 1);
  std::vector<float> x = iota(24, 0.3f);
  std::vector<float> y = run(m, x);
  std::vector<float> want = legacySoftmax(x, {2, 3, 4}, 1);
  ASSERT_EQ(y.size(), want.size());
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_NEAR(y[i], want[i], 1e-6) << i;
}

} // namespace
