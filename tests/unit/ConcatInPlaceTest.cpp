//===- tests/unit/ConcatInPlaceTest.cpp - Concat inputs in their slices ---===//
//
// passes/Aliasing.cpp lets a Concat's producers write straight into their
// slice of the output. These tests compile small models with and without that
// (AliasOptions::concatSlices), with every planner and with NaN-poisoning of
// released memory, run them on the default Vulkan device and check:
//  - the outputs are bitwise identical to the copying version and match a
//    naive CPU run of the ops' references (relative L2 <= 1e-5);
//  - the plan runs the expected number of Concat dispatches (none when every
//    input is in place) and the transient bytes drop by the slices' size;
//  - the cases that must fall back (leading dim > 1, a graph input, the same
//    tensor twice, a misaligned offset, a slice read after the Concat output
//    is overwritten) still copy and stay correct.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include "ir/ModelParser.h"
#include "ir/onnx/OnnxImporter.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstring>
#include <iostream>

using namespace tlc;
using namespace tlc::testing;

namespace {

/// A model text builder: constants get seeded random values.
struct ModelText {
  std::string consts, nodes;
  uint32_t seed = 1;

  void constant(const std::string &name, const Shape &shape) {
    HostTensor t = randomTensor(shape, seed++, -0.5f, 0.5f);
    llvm::raw_string_ostream os(consts);
    os << "  - {name: " << name << ", shape: [";
    for (size_t i = 0; i < shape.size(); ++i)
      os << (i ? ", " : "") << shape[i];
    os << "], dtype: f32, values: [";
    for (size_t i = 0; i < t.f32().size(); ++i)
      os << (i ? ", " : "") << llvm::format("%.9g", t.f32()[i]);
    os << "]}\n";
  }
  /// A 3x3 Conv (pads 1) with \p out channels over \p in channels.
  void conv(const std::string &x, const std::string &y, int64_t in,
            int64_t out) {
    constant(y + "_w", {out, in, 3, 3});
    constant(y + "_b", {out});
    nodes += "  - {op: Conv, in: [" + x + ", " + y + "_w, " + y +
             "_b], out: " + y + ", attrs: {pads: [1, 1, 1, 1]}}\n";
  }
  void node(const std::string &line) { nodes += "  - " + line + "\n"; }

  std::string str(const std::string &input, const Shape &shape,
                  const std::string &outputs) const {
    std::string s = "tlc: 1\nname: concat_test\ninputs:\n  - {name: " + input +
                    ", shape: [";
    for (size_t i = 0; i < shape.size(); ++i)
      s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "], dtype: f32}\noutputs: [" + outputs + "]\nconstants:\n" +
           consts + "nodes:\n" + nodes;
  }
};

Device *device() {
  static std::unique_ptr<Device> dev;
  if (!dev) {
    DeviceOptions opts;
    opts.validation = true;
    auto created = Device::create(opts);
    if (!created) {
      ADD_FAILURE() << llvm::toString(created.takeError());
      return nullptr;
    }
    dev = std::move(*created);
  }
  return dev.get();
}

Graph parse(const std::string &text) {
  auto g = parseModelString(text, "concat_test.yaml", ".");
  EXPECT_TRUE(bool(g)) << llvm::toString(g.takeError());
  return g ? std::move(*g) : Graph();
}

/// The graph run op by op through the CPU references, in model order (the
/// test models are listed in a topological order). Returns the outputs.
std::vector<HostTensor> runCpu(const Graph &g, const HostTensor &input) {
  std::vector<HostTensor> vals(g.values.size());
  for (ValueId v = 0; v < g.values.size(); ++v)
    if (g.values[v].kind == ValueKind::Weight) {
      // Typed: an i64 weight (a Reshape shape) keeps its 8-byte elements.
      vals[v] = HostTensor::fromBytes(g.values[v].type, g.values[v].data);
    }
  vals[g.inputs[0]] = input;
  for (const Node &n : g.nodes) {
    const OpDef *def = lookupOp(n.op);
    llvm::SmallVector<InputInfo, 4> infos;
    std::vector<const HostTensor *> ins;
    for (ValueId in : n.inputs) {
      infos.push_back({vals[in].type, g.values[in].data});
      ins.push_back(&vals[in]);
    }
    llvm::SmallVector<TensorType, 2> types;
    if (llvm::Error e = def->inferTypes(n, infos, types)) {
      ADD_FAILURE() << llvm::toString(std::move(e));
      return {};
    }
    std::vector<HostTensor> outs;
    for (const TensorType &t : types)
      outs.emplace_back(t);
    if (llvm::Error e = def->reference(n, ins, outs)) {
      ADD_FAILURE() << llvm::toString(std::move(e));
      return {};
    }
    for (size_t i = 0; i < outs.size(); ++i)
      vals[n.outputs[i]] = std::move(outs[i]);
  }
  std::vector<HostTensor> result;
  for (ValueId out : g.outputs)
    result.push_back(vals[out]);
  return result;
}

struct Run {
  Plan plan;
  std::vector<HostTensor> outputs;
};

/// Compiles \p text with \p planner (slices on or off, the given schedule),
/// runs it on \p input and returns the plan and outputs.
Run compileAndRun(const std::string &text, const std::string &planner,
                  bool slices, bool poison, const HostTensor &input) {
  Run r;
  CompileOptions opts;
  opts.planner = planner;
  opts.schedule = "given";
  opts.aliasing.concatSlices = slices;
  auto plan = compileGraph(parse(text), opts);
  if (!plan) {
    ADD_FAILURE() << llvm::toString(plan.takeError());
    return r;
  }
  r.plan = std::move(*plan);
  Device *dev = device();
  if (!dev)
    return r;
  LoadOptions lopts;
  lopts.poisonReleased = poison;
  auto loaded = LoadedPlan::load(*dev, r.plan, lopts);
  if (!loaded) {
    ADD_FAILURE() << llvm::toString(loaded.takeError());
    return r;
  }
  llvm::ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>(input.f32().data()),
      input.f32().size() * sizeof(float));
  EXPECT_FALSE(bool((*loaded)->setInput(0, bytes)));
  if (llvm::Error e = (*loaded)->run()) {
    ADD_FAILURE() << llvm::toString(std::move(e));
    return r;
  }
  for (size_t i = 0; i < r.plan.outputs.size(); ++i) {
    HostTensor h(r.plan.tensors[r.plan.outputs[i]].type);
    llvm::ArrayRef<uint8_t> o = (*loaded)->output(i);
    EXPECT_EQ(o.size(), h.f32().size() * sizeof(float));
    std::memcpy(h.f32().data(), o.data(),
                std::min(o.size(), h.f32().size() * sizeof(float)));
    r.outputs.push_back(std::move(h));
  }
  return r;
}

/// Dispatches that node \p label runs in \p plan.
size_t dispatchesOf(const Plan &plan, llvm::StringRef label) {
  size_t n = 0;
  for (const PlanCommand &c : plan.commands)
    n += c.kind == CommandKind::Dispatch && c.label == label;
  return n;
}

const PlanTensor *tensorNamed(const Plan &plan, llvm::StringRef name) {
  for (const PlanTensor &t : plan.tensors)
    if (t.name == name)
      return &t;
  return nullptr;
}

bool sameBits(const std::vector<HostTensor> &a,
              const std::vector<HostTensor> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].f32().size() != b[i].f32().size() ||
        std::memcmp(a[i].f32().data(), b[i].f32().data(),
                    a[i].f32().size() * sizeof(float)) != 0)
      return false;
  return true;
}

/// Runs \p text with every planner, slices on and off, poisoned or not:
/// every run gives the bits of the copying pool plan, which matches the CPU
/// reference. Expects \p concat to run \p expectedDispatches with slices on.
/// Returns the arena plans with slices {off, on}.
std::pair<Plan, Plan> expectCorrectEverywhere(const std::string &text,
                                              const Shape &inputShape,
                                              const std::string &concat,
                                              size_t expectedDispatches) {
  HostTensor input = randomTensor(inputShape, 99);
  std::vector<HostTensor> cpu = runCpu(parse(text), input);
  Run ref = compileAndRun(text, "pool", false, false, input);
  EXPECT_EQ(ref.outputs.size(), cpu.size());
  for (size_t i = 0; i < cpu.size() && i < ref.outputs.size(); ++i)
    EXPECT_LE(relativeL2(ref.outputs[i], cpu[i]), kTolerance)
        << "output " << i << ", max abs diff "
        << maxAbsDiff(ref.outputs[i], cpu[i]);
  std::pair<Plan, Plan> arena;
  for (const char *planner : {"pool", "arena", "no-alias"})
    for (bool slices : {false, true})
      for (bool poison : {false, true}) {
        SCOPED_TRACE(std::string(planner) + (slices ? " slices" : " copies") +
                     (poison ? " poisoned" : ""));
        Run r = compileAndRun(text, planner, slices, poison, input);
        EXPECT_TRUE(sameBits(r.outputs, ref.outputs));
        size_t inputs = 0;
        for (const Node &n : parse(text).nodes)
          if (n.name == concat)
            inputs = n.inputs.size();
        EXPECT_EQ(dispatchesOf(r.plan, concat),
                  slices ? expectedDispatches : inputs);
        if (std::string(planner) == "arena")
          (slices ? arena.second : arena.first) = r.plan;
      }
  EXPECT_EQ(device()->counters().validationMessages, 0u);
  return arena;
}

/// Two Conv branches (one through an in-place Mul by a constant)
/// concatenated on the channel axis at batch 1, then a Conv over the result.
/// (A Mul, not an activation, so that epilogue fusion keeps both tensors.)
std::string channelConcatModel() {
  ModelText m;
  m.conv("x", "a", 3, 4);
  m.constant("k", {1});
  m.node("{op: Mul, in: [a, k], out: ar}");
  m.conv("x", "b", 3, 4);
  m.node("{op: Concat, in: [ar, b], out: cat, attrs: {axis: 1}}");
  m.conv("cat", "y", 8, 2);
  return m.str("x", {1, 3, 8, 8}, "y");
}

TEST(ConcatInPlace, ChannelConcatRunsNoDispatchAndSavesTheSlices) {
  std::string text = channelConcatModel();
  auto [copies, slices] = expectCorrectEverywhere(text, {1, 3, 8, 8}, "cat", 0);
  // Both inputs are 1x4x8x8 f32 = 1024 bytes: aliases at offsets 0 and 1024
  // inside cat, which is the only transient left.
  const PlanTensor *cat = tensorNamed(slices, "cat");
  const PlanTensor *ar = tensorNamed(slices, "ar");
  const PlanTensor *a = tensorNamed(slices, "a");
  const PlanTensor *b = tensorNamed(slices, "b");
  ASSERT_TRUE(cat && ar && a && b);
  EXPECT_EQ(cat->role, TensorRole::Transient);
  for (const PlanTensor *t : {a, ar, b}) {
    EXPECT_EQ(t->role, TensorRole::Alias) << t->name;
    EXPECT_EQ(t->buffer, cat->buffer) << t->name;
  }
  EXPECT_EQ(a->offset, cat->offset);
  EXPECT_EQ(ar->offset, cat->offset);
  EXPECT_EQ(b->offset, cat->offset + 1024);
  // The group lives from the first slice's producer (step 0) on.
  EXPECT_EQ(cat->firstStep, 0);
  // Transient bytes: the slices' 2048 bytes are gone, both without reuse and
  // at the peak (a, b and cat were all live at the Concat).
  EXPECT_EQ(copies.stats.noReuseBytes - slices.stats.noReuseBytes, 2048u);
  EXPECT_EQ(copies.stats.lowerBound, 4096u);
  EXPECT_EQ(slices.stats.lowerBound, 2048u);
  EXPECT_EQ(slices.stats.transientBytes, 2048u);
  EXPECT_EQ(copies.stats.transientBytes, 4096u);
}

TEST(ConcatInPlace, PoolAndNoAliasPlansShrinkBySlices) {
  std::string text = channelConcatModel();
  for (const char *planner : {"pool", "no-alias"}) {
    SCOPED_TRACE(planner);
    CompileOptions opts;
    opts.planner = planner;
    opts.schedule = "given";
    opts.aliasing.concatSlices = false;
    auto copies = compileGraph(parse(text), opts);
    opts.aliasing.concatSlices = true;
    auto slices = compileGraph(parse(text), opts);
    ASSERT_TRUE(copies && slices);
    EXPECT_EQ(copies->stats.transientBytes - slices->stats.transientBytes,
              2048u);
    EXPECT_FALSE(bool(checkPlanMemory(*slices)));
  }
}

TEST(ConcatInPlace, NestedConcatsAndAxisZero) {
  // cat = [a, b] (channels), cat2 = [cat, c] (channels), then an axis-0
  // Concat of two tensors whose leading dims are 1 and 2: all in place.
  ModelText m;
  m.conv("x", "a", 3, 4);
  m.conv("x", "b", 3, 4);
  m.node("{op: Concat, in: [a, b], out: cat, attrs: {axis: 1}}");
  m.conv("x", "c", 3, 8);
  m.node("{op: Concat, in: [cat, c], out: cat2, attrs: {axis: 1}}");
  m.node("{op: Relu, in: [cat2], out: r}");
  m.node("{op: Reshape, in: [r, shape2], out: r2}");
  m.conv("x", "d", 3, 16);
  m.node("{op: Reshape, in: [d, shape1], out: d2}");
  m.node("{op: Concat, in: [r2, d2], out: cat3, attrs: {axis: 0}}");
  m.node("{op: Sigmoid, in: [cat3], out: y}");
  m.consts += "  - {name: shape1, shape: [3], dtype: i64, values: [1, 16, "
              "64]}\n  - {name: shape2, shape: [3], dtype: i64, values: [1, "
              "16, 64]}\n";
  std::string text = m.str("x", {1, 3, 8, 8}, "y");
  expectCorrectEverywhere(text, {1, 3, 8, 8}, "cat", 0);
  auto [copies, slices] =
      expectCorrectEverywhere(text, {1, 3, 8, 8}, "cat3", 0);
  EXPECT_EQ(dispatchesOf(slices, "cat2"), 0u);
  // a (1 KiB), b (1 KiB), c (2 KiB) and d (4 KiB) all live in cat3's bytes.
  const PlanTensor *cat3 = tensorNamed(slices, "cat3");
  const PlanTensor *b = tensorNamed(slices, "b");
  const PlanTensor *d = tensorNamed(slices, "d");
  ASSERT_TRUE(cat3 && b && d);
  EXPECT_EQ(b->role, TensorRole::Alias);
  EXPECT_EQ(b->offset, cat3->offset + 1024);
  EXPECT_EQ(tensorNamed(slices, "c")->offset, cat3->offset + 2048);
  EXPECT_EQ(d->offset, cat3->offset + 4096);
  EXPECT_LT(slices.stats.lowerBound, copies.stats.lowerBound);
}

TEST(ConcatInPlace, PoolPlacesTheOutputAtItsFirstSlice) {
  // p has cat's shape and dies at step 1, where a (cat's first slice) is
  // written: cat's pool slot is taken at step 1, so it cannot be p's.
  ModelText m;
  m.conv("x", "p", 8, 8);
  m.conv("p", "a", 8, 4);
  m.conv("x", "b", 8, 4);
  m.node("{op: Concat, in: [a, b], out: cat, attrs: {axis: 1}}");
  m.conv("cat", "y", 8, 2);
  std::string text = m.str("x", {1, 8, 8, 8}, "y");
  expectCorrectEverywhere(text, {1, 8, 8, 8}, "cat", 0);
  CompileOptions opts;
  opts.planner = "pool";
  opts.schedule = "given";
  auto plan = compileGraph(parse(text), opts);
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  const PlanTensor *p = tensorNamed(*plan, "p");
  const PlanTensor *cat = tensorNamed(*plan, "cat");
  ASSERT_TRUE(p && cat);
  EXPECT_EQ(cat->firstStep, 1);
  EXPECT_NE(p->buffer, cat->buffer);
}

TEST(ConcatInPlace, SlicesThatRaiseTheLowerBoundAreDropped) {
  // a (1 KiB) is computed first, then a chain through two 8 KiB tensors
  // gives b (1 KiB). Copying, the peak is a + big1 + big2 = 17408 bytes at
  // step 2; with slices, cat (2 KiB) would be live there instead of a:
  // 18432 bytes. So the Concat keeps its copies.
  ModelText m;
  m.conv("x", "a", 3, 4);
  m.conv("x", "big1", 3, 32);
  m.conv("big1", "big2", 32, 32);
  m.conv("big2", "b", 32, 4);
  m.node("{op: Concat, in: [a, b], out: cat, attrs: {axis: 1}}");
  m.conv("cat", "y", 8, 2);
  auto [copies, slices] = expectCorrectEverywhere(m.str("x", {1, 3, 8, 8}, "y"),
                                                  {1, 3, 8, 8}, "cat", 2);
  EXPECT_EQ(copies.stats.lowerBound, 17408u);
  EXPECT_EQ(slices.stats.lowerBound, 17408u);
}

TEST(ConcatInPlace, LeadingDimAboveOneCopies) {
  // Batch 2: each input's slice is two separate byte ranges.
  ModelText m;
  m.conv("x", "a", 3, 4);
  m.conv("x", "b", 3, 4);
  m.node("{op: Concat, in: [a, b], out: cat, attrs: {axis: 1}}");
  m.conv("cat", "y", 8, 2);
  expectCorrectEverywhere(m.str("x", {2, 3, 8, 8}, "y"), {2, 3, 8, 8}, "cat",
                          2);
}

TEST(ConcatInPlace, GraphInputOperandIsCopied) {
  // x (1x3x8x8, 768 bytes) is a graph input: copied; a, at offset 768 (a
  // multiple of 256), is computed in place.
  ModelText m;
  m.conv("x", "a", 3, 4);
  m.node("{op: Concat, in: [x, a], out: cat, attrs: {axis: 1}}");
  m.conv("cat", "y", 7, 2);
  std::string text = m.str("x", {1, 3, 8, 8}, "y");
  auto [copies, slices] = expectCorrectEverywhere(text, {1, 3, 8, 8}, "cat", 1);
  const PlanTensor *a = tensorNamed(slices, "a");
  const PlanTensor *cat = tensorNamed(slices, "cat");
  ASSERT_TRUE(a && cat);
  EXPECT_EQ(a->role, TensorRole::Alias);
  EXPECT_EQ(a->offset, cat->offset + 768);
}

TEST(ConcatInPlace, SameTensorTwiceCopiesTheSecond) {
  ModelText m;
  m.conv("x", "a", 3, 4);
  m.node("{op: Concat, in: [a, a], out: cat, attrs: {axis: 1}}");
  m.conv("cat", "y", 8, 2);
  expectCorrectEverywhere(m.str("x", {1, 3, 8, 8}, "y"), {1, 3, 8, 8}, "cat",
                          1);
}

TEST(ConcatInPlace, MisalignedOffsetCopies) {
  // 1x4x5x5 f32 = 400 bytes: b's slice starts at 400, not a multiple of 256.
  // A graph output operand (a) is copied too.
  ModelText m;
  m.conv("x", "a", 3, 4);
  m.conv("x", "b", 3, 4);
  m.node("{op: Concat, in: [b, a], out: cat, attrs: {axis: 1}}");
  m.node("{op: Concat, in: [a, b], out: cat2, attrs: {axis: 1}}");
  m.node("{op: Add, in: [cat, cat2], out: y}");
  std::string text = m.str("x", {1, 3, 5, 5}, "y, a");
  // cat: b at 0 in place, a (a graph output) copied. cat2: a copied, b is
  // already a slice of cat, copied.
  auto [copies, slices] = expectCorrectEverywhere(text, {1, 3, 5, 5}, "cat", 1);
  EXPECT_EQ(dispatchesOf(slices, "cat2"), 2u);
  ModelText m2;
  m2.conv("x", "a", 3, 4);
  m2.conv("x", "b", 3, 4);
  m2.node("{op: Concat, in: [a, b], out: cat, attrs: {axis: 1}}");
  m2.conv("cat", "y", 8, 2);
  expectCorrectEverywhere(m2.str("x", {1, 3, 5, 5}, "y"), {1, 3, 5, 5}, "cat",
                          1);
}

TEST(ConcatInPlace, SliceReadAfterTheOutputIsOverwrittenIsCopied) {
  // r = Relu(cat) runs in place over cat (cat dies there), and a is read
  // again after r: a in cat's bytes would be clobbered, so it is copied; b
  // is not read again and stays in place.
  ModelText m;
  m.conv("x", "a", 3, 4);
  m.conv("x", "b", 3, 4);
  m.node("{op: Concat, in: [a, b], out: cat, attrs: {axis: 1}}");
  m.node("{op: Relu, in: [cat], out: r}");
  m.conv("r", "y", 8, 2);
  m.conv("a", "s", 4, 2);
  expectCorrectEverywhere(m.str("x", {1, 3, 8, 8}, "y, s"), {1, 3, 8, 8}, "cat",
                          1);
}

TEST(ConcatInPlace, LayoutOffsetsAndFallbacks) {
  // The pass itself, without running anything.
  ModelText m;
  m.conv("x", "a", 3, 4);
  m.conv("x", "b", 3, 4);
  m.node("{op: Concat, in: [a, b], out: cat, attrs: {axis: 1}}");
  m.conv("cat", "y", 8, 2);
  Graph g = parse(m.str("x", {1, 3, 8, 8}, "y"));
  ASSERT_FALSE(bool(inferShapes(g)));
  ValueId a = *g.lookup("a"), b = *g.lookup("b"), cat = *g.lookup("cat");
  StorageLayout l = computeStorageLayout(g, AliasOptions(), 256);
  EXPECT_EQ(l.root[a], cat);
  EXPECT_EQ(l.root[b], cat);
  EXPECT_EQ(l.offset[a], 0u);
  EXPECT_EQ(l.offset[b], 1024u);
  // With a 2048-byte alignment b's offset is misaligned.
  l = computeStorageLayout(g, AliasOptions(), 2048);
  EXPECT_EQ(l.root[a], cat);
  EXPECT_EQ(l.root[b], b);
  AliasOptions off;
  off.concatSlices = false;
  l = computeStorageLayout(g, off, 256);
  EXPECT_EQ(l.root[a], a);
  Liveness live = computeLiveness(g, computeStorageLayout(g, {}, 256));
  EXPECT_EQ(live.intervals[cat].first, 0);
  EXPECT_EQ(live.offsetInRoot(b), 1024u);
}

// The PP-OCRv4 detector (its one Concat joins four 1x24x160x160 tensors at
// 640x640): every input goes in place, the Concat runs no dispatch, the
// tensors without reuse drop by the four slices, and the outputs keep their
// bits. Prints the figures quoted in docs/planner.md.
TEST(ConcatInPlace, OcrDetectorFigures) {
  std::string model = std::string(TLC_SOURCE_DIR) +
                      "/third_party/ocr-models/ch_PP-OCRv4_det_infer.onnx";
  if (!llvm::sys::fs::exists(model))
    GTEST_SKIP() << model << " is absent (run tools/fetch_ocr_models.sh)";
  ModelParseOptions parse;
  parse.inputShapes["x"] = {1, 3, 640, 640};
  auto compile = [&](const std::string &planner, bool slices) {
    auto g = importOnnxFile(model, parse);
    EXPECT_TRUE(bool(g)) << llvm::toString(g.takeError());
    CompileOptions opts;
    opts.planner = planner;
    opts.aliasing.concatSlices = slices;
    auto plan =
        g ? compileGraph(std::move(*g), opts) : llvm::Expected<Plan>(Plan());
    EXPECT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
    return plan ? std::move(*plan) : Plan();
  };
  const uint64_t sliceBytes = 4 * 24 * 160 * 160 * 4;
  std::vector<std::pair<Plan, Plan>> plans;
  for (const char *planner : {"pool", "arena", "auto"}) {
    Plan copies = compile(planner, false), slices = compile(planner, true);
    EXPECT_EQ(dispatchesOf(copies, "p2o.Concat.0"), 4u);
    EXPECT_EQ(dispatchesOf(slices, "p2o.Concat.0"), 0u);
    EXPECT_EQ(copies.stats.noReuseBytes - slices.stats.noReuseBytes,
              sliceBytes);
    EXPECT_LE(slices.stats.lowerBound, copies.stats.lowerBound);
    EXPECT_LE(slices.stats.transientBytes, copies.stats.transientBytes);
    std::cout << "detector 1x3x640x640 " << planner << ": transient "
              << copies.stats.transientBytes << " -> "
              << slices.stats.transientBytes << " bytes, lower bound "
              << copies.stats.lowerBound << " -> " << slices.stats.lowerBound
              << ", without reuse " << copies.stats.noReuseBytes << " -> "
              << slices.stats.noReuseBytes << "\n";
    if (std::string(planner) == "pool")
      plans.push_back({std::move(copies), std::move(slices)});
  }
  // Same bits with and without slices (pool plans, poisoned releases).
  Device *dev = device();
  ASSERT_TRUE(dev);
  std::vector<std::vector<uint8_t>> outs;
  HostTensor input = randomTensor({1, 3, 640, 640}, 5, 0.0f, 1.0f);
  for (const Plan *p : {&plans[0].first, &plans[0].second}) {
    LoadOptions lopts;
    lopts.poisonReleased = true;
    auto loaded = LoadedPlan::load(*dev, *p, lopts);
    ASSERT_TRUE(bool(loaded)) << llvm::toString(loaded.takeError());
    ASSERT_FALSE(bool((*loaded)->setInput(
        0, llvm::ArrayRef<uint8_t>(
               reinterpret_cast<const uint8_t *>(input.f32().data()),
               input.f32().size() * 4))));
    llvm::Error e = (*loaded)->run();
    ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
    llvm::ArrayRef<uint8_t> o = (*loaded)->output(0);
    outs.emplace_back(o.begin(), o.end());
  }
  EXPECT_EQ(outs[0], outs[1]);
  EXPECT_EQ(dev->counters().validationMessages, 0u);
}

TEST(ConcatInPlace, PlanCheckCatchesAMisplacedSlice) {
  CompileOptions opts;
  opts.planner = "arena";
  auto plan = compileGraph(parse(channelConcatModel()), opts);
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  EXPECT_FALSE(bool(checkPlanMemory(*plan)));
  // b moved half-way into a's slice: a and b overlap partly while both live.
  for (PlanTensor &t : plan->tensors)
    if (t.name == "b")
      t.offset -= 512;
  llvm::Error e = checkPlanMemory(*plan);
  ASSERT_TRUE(bool(e));
  std::string msg = llvm::toString(std::move(e));
  EXPECT_NE(msg.find("overlap partly"), std::string::npos) << msg;
}

} // namespace
