//===- tests/unit/OpTensorScatterTest.cpp - KV-cache writes ---------------===//
//
// TensorScatter (ONNX opset 24, ops/TensorScatter.cpp):
//  - the CPU reference against values worked out by hand (rows written at
//    the offset, rows past the cache's end skipped);
//  - the shader against the reference, for caches that are graph inputs
//    (the lowering copies the cache, then writes the rows): rank 3 and 4,
//    axis -2 and 1, an offset whose rows run past the end;
//  - a State cache (ValueKind::State) updated in place with a write offset
//    the host sets: one dispatch (no copy), the cache keeps its rows from
//    run to run, starts at zero, and no device memory is allocated per run;
//  - shape-rule and codegen errors.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

Attributes scatterAttrs(int64_t axis, int64_t offset) {
  Attributes a;
  a.values["axis"] = axis;
  a.values["write_offset"] = std::vector<int64_t>{offset};
  return a;
}

HostTensor tensorOf(const Shape &shape, std::vector<float> values) {
  HostTensor t(TensorType{DType::F32, shape});
  std::copy(values.begin(), values.end(), t.f32().begin());
  return t;
}

std::string shapeRuleError(const Attributes &a, const Shape &past,
                           const Shape &update, bool writeIndices = false) {
  std::vector<tt::OpOperand> ops = {{HostTensor(TensorType{DType::F32, past})},
                                    {HostTensor(TensorType{DType::F32, update})}};
  if (writeIndices)
    ops.push_back({HostTensor(TensorType{DType::I64, {1}})});
  auto r = tt::runReference("TensorScatter", a, ops);
  return r ? std::string() : toString(r.takeError());
}

} // namespace

TEST(OpTensorScatter, ReferenceByHand) {
  // A cache of 4 rows of 2; rows 1 and 2 replaced.
  HostTensor past = tensorOf({1, 4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  HostTensor upd = tensorOf({1, 2, 2}, {-1, -2, -3, -4});
  auto out = tt::runReference("TensorScatter", scatterAttrs(-2, 1),
                              {{past}, {upd}});
  ASSERT_TRUE(bool(out)) << toString(out.takeError());
  std::vector<float> want = {1, 2, -1, -2, -3, -4, 7, 8};
  EXPECT_EQ(std::vector<float>((*out)[0].f32().begin(), (*out)[0].f32().end()),
            want);
  // At offset 3 only the first row fits: the second is skipped.
  out = tt::runReference("TensorScatter", scatterAttrs(1, 3), {{past}, {upd}});
  ASSERT_TRUE(bool(out)) << toString(out.takeError());
  want = {1, 2, 3, 4, 5, 6, -1, -2};
  EXPECT_EQ(std::vector<float>((*out)[0].f32().begin(), (*out)[0].f32().end()),
            want);
}

TEST(OpTensorScatter, DeviceMatchesReference) {
  struct Case {
    Shape past, update;
    int64_t axis, offset;
  };
  for (const Case &c : {Case{{2, 3, 5, 4}, {2, 3, 2, 4}, -2, 2},
                        Case{{1, 7, 6}, {1, 3, 6}, 1, 0},
                        Case{{2, 9, 3}, {2, 4, 3}, 1, 7},
                        Case{{3, 5}, {1, 5}, 0, 2}}) {
    SCOPED_TRACE(c.offset);
    std::vector<tt::OpOperand> ops = {{tt::randomTensor(c.past, 5)},
                                      {tt::randomTensor(c.update, 6)}};
    Attributes a = scatterAttrs(c.axis, c.offset);
    auto want = tt::runReference("TensorScatter", a, ops);
    ASSERT_TRUE(bool(want)) << toString(want.takeError());
    auto got = tt::runOnDevice("TensorScatter", a, ops);
    ASSERT_TRUE(bool(got)) << toString(got.takeError());
    // Copies, so the device result equals the reference exactly.
    EXPECT_EQ(tt::maxAbsDiff((*got)[0], (*want)[0]), 0.0);
  }
}

namespace {
/// cache (State [1, 6, 3]) <- update [1, S, 3] at rows P.., S in [1, 3] and
/// P in [0, 5] set by the host; y = the updated cache * 1.
Graph stateGraph() {
  DimSymbol s{"S", 1, 3}, p{"P", 0, 5};
  Graph g;
  g.name = "kv";
  g.symbols = {s, p};
  Value cache;
  cache.name = "cache";
  cache.kind = ValueKind::State;
  cache.type = TensorType{DType::F32, {1, 6, 3}};
  cache.hasType = true;
  ValueId c = cantFail(g.addValue(std::move(cache)));
  Value in;
  in.name = "update";
  in.kind = ValueKind::Input;
  in.type = TensorType::withDims(DType::F32, {1, DimExpr::symbol(s), 3});
  in.hasType = true;
  ValueId u = cantFail(g.addValue(std::move(in)));
  g.inputs = {u};
  auto value = [&](const char *name) {
    Value v;
    v.name = name;
    return cantFail(g.addValue(std::move(v)));
  };
  ValueId w = value("written"), y = value("y");
  Value oneV;
  oneV.name = "one";
  oneV.kind = ValueKind::Weight;
  oneV.type = TensorType{DType::F32, {1}};
  oneV.hasType = true;
  float one = 1.0f;
  oneV.data.resize(4);
  std::memcpy(oneV.data.data(), &one, 4);
  ValueId oneId = cantFail(g.addValue(std::move(oneV)));
  Node n;
  n.op = "TensorScatter";
  n.name = "write";
  n.inputs = {c, u};
  n.outputs = {w};
  n.attrs.values["axis"] = int64_t(1);
  n.attrs.values["write_offset"] =
      std::vector<DimExpr>{DimExpr::symbol(p)};
  g.addNode(std::move(n));
  // y = written * 1: a copy that no pass removes (an Identity would be,
  // and a graph output has its own buffer, so the update could not be in
  // the state's bytes).
  Node id;
  id.op = "Mul";
  id.name = "y";
  id.inputs = {w, oneId};
  id.outputs = {y};
  g.addNode(std::move(id));
  g.outputs = {y};
  g.requirements.push_back({DimExpr::symbol(s) + DimExpr::symbol(p), 6});
  return g;
}
} // namespace

TEST(OpTensorScatter, StateIsUpdatedInPlaceAndKept) {
  CompileOptions opts;
  opts.target = cantFail(kernelTargetByName("cpu"));
  Expected<Plan> plan = compileGraph(stateGraph(), opts);
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  // The update is one dispatch: the copy of the cache onto itself is gone.
  std::vector<std::string> shaders = tt::dispatchShaders(*plan, false);
  auto count = [&](StringRef prefix) {
    return std::count_if(shaders.begin(), shaders.end(),
                         [&](const std::string &n) {
                           return StringRef(n).startswith(prefix);
                         });
  };
  EXPECT_EQ(count("tensor_scatter"), 1);
  EXPECT_EQ(count("strided_copy"), 0);
  ASSERT_EQ(std::count_if(plan->buffers.begin(), plan->buffers.end(),
                          [](const PlanBuffer &b) {
                            return b.role == BufferRole::State;
                          }),
            1);
  DeviceOptions dopts;
  dopts.validation = true;
  auto dev = Device::create(dopts);
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  auto lp = LoadedPlan::load(**dev, *plan);
  ASSERT_TRUE(bool(lp)) << toString(lp.takeError());
  RuntimeCounters before = (*dev)->counters();
  std::vector<float> want(18, 0.0f); // the cache starts at zero
  struct Step {
    int64_t p, s;
  };
  float next = 1;
  for (Step st : {Step{0, 2}, Step{2, 3}, Step{5, 1}, Step{1, 1}}) {
    SCOPED_TRACE(std::to_string(st.p) + "," + std::to_string(st.s));
    std::vector<float> upd(size_t(st.s * 3));
    for (float &x : upd)
      x = next++;
    for (int64_t r = 0; r < st.s; ++r)
      for (int64_t c = 0; c < 3; ++c)
        want[size_t((st.p + r) * 3 + c)] = upd[size_t(r * 3 + c)];
    ASSERT_FALSE(bool((*lp)->setSymbol("P", st.p)));
    ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(upd.data()),
                            upd.size() * 4);
    ASSERT_FALSE(bool((*lp)->setInput(0, bytes, {1, st.s, 3})));
    Error e = (*lp)->run();
    ASSERT_FALSE(bool(e)) << toString(std::move(e));
    ArrayRef<uint8_t> out = (*lp)->output(0);
    ASSERT_EQ(out.size(), 18u * 4);
    std::vector<float> got(18);
    std::memcpy(got.data(), out.data(), out.size());
    EXPECT_EQ(got, want);
  }
  // P + S past the 6 rows: refused before anything runs.
  ASSERT_FALSE(bool((*lp)->setSymbol("P", 5)));
  std::vector<float> two(6, 0.0f);
  ASSERT_FALSE(bool((*lp)->setInput(
      0, ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(two.data()), 24),
      {1, 2, 3})));
  Error e = (*lp)->run();
  ASSERT_TRUE(bool(e));
  std::string msg = toString(std::move(e));
  EXPECT_NE(msg.find("requires P+S <= 6; it is 7 for S=2, P=5"), std::string::npos) << msg;
  EXPECT_EQ((*dev)->counters().allocatedBytes, before.allocatedBytes);
  EXPECT_EQ((*dev)->counters().validationMessages, 0u);
}

TEST(OpTensorScatter, StateReadAfterItsUpdateIsRefused) {
  // y2 reads the cache itself after the update wrote it: the state would
  // hold the new rows already, so codegen refuses the graph.
  Graph g = stateGraph();
  ValueId cache = *g.lookup("cache"), one = *g.lookup("one");
  Value v;
  v.name = "y2";
  ValueId y2 = cantFail(g.addValue(std::move(v)));
  Node n;
  n.op = "Mul";
  n.name = "y2";
  n.inputs = {cache, one};
  n.outputs = {y2};
  g.addNode(std::move(n));
  g.outputs.push_back(y2);
  CompileOptions opts;
  opts.target = cantFail(kernelTargetByName("cpu"));
  Expected<Plan> plan = compileGraph(std::move(g), opts);
  ASSERT_FALSE(bool(plan));
  std::string msg = toString(plan.takeError());
  EXPECT_NE(msg.find("node 'write' (TensorScatter) updates state 'cache', "
                     "which is read again afterwards"),
            std::string::npos)
      << msg;
}

TEST(OpTensorScatter, ShapeRuleErrors) {
  Attributes a = scatterAttrs(-2, 0);
  EXPECT_NE(shapeRuleError(a, {1, 4, 2}, {1, 2, 2}, true)
                .find("input 2 (write_indices) is not supported"),
            std::string::npos);
  Attributes circular = a;
  circular.values["mode"] = std::string("circular");
  EXPECT_NE(shapeRuleError(circular, {1, 4, 2}, {1, 2, 2})
                .find("only 'linear' is supported"),
            std::string::npos);
  std::string msg = shapeRuleError(a, {1, 4, 2}, {1, 2, 3});
  EXPECT_NE(msg.find("expected the dims of input 0 (past_cache) 1x4x2xf32 except "
                     "along axis 1"),
            std::string::npos)
      << msg;
  EXPECT_NE(shapeRuleError(a, {1, 4, 2}, {4, 2}).find("expected the rank"),
            std::string::npos);
  EXPECT_NE(shapeRuleError(a, {1, 4, 2}, {1, 5, 2}).find("holds 4"),
            std::string::npos);
  EXPECT_NE(shapeRuleError(scatterAttrs(-2, -1), {1, 4, 2}, {1, 2, 2})
                .find("'write_offset' must be one value >= 0"),
            std::string::npos);
  EXPECT_NE(shapeRuleError(scatterAttrs(3, 0), {1, 4, 2}, {1, 2, 2})
                .find("axis"),
            std::string::npos);
}
