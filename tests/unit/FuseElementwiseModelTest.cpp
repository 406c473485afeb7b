//===- tests/unit/FuseElementwiseModelTest.cpp - Fusion in GPT-2 ----------===//
//
// Elementwise fusion on the tiny GPT-2 of tests/data/peer (2 layers, the
// same export as GPT-2 small): after the front end (folding, shape
// inference, dead-code elimination) each layer's tanh GELU (Mul, Pow, Mul,
// Add, Mul, Tanh, Add, Mul) becomes one FusedElementwise node and the
// attention's scale and mask (Mul, Add) another; the compiled plan (full
// pipeline, whatever earlier fusions take) runs no Tanh or Pow dispatch and
// its logits match PyTorch's (gpt2_tiny_logits.npy) within 1e-4 relative
// L2, as Gpt2ModelTest requires of the whole pipeline.
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "ops/Verifier.h"

#include "ir/Npy.h"
#include "ir/onnx/OnnxImporter.h"
#include "ops/FusedElementwiseProgram.h"
#include "passes/Passes.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

using namespace tlc;
using namespace llvm;
namespace tt = tlc::testing;

namespace {

const std::string kPeer = std::string(TLC_SOURCE_DIR) + "/tests/data/peer/";

/// Node count per op of \p g.
std::map<std::string, int> opCounts(const Graph &g) {
  std::map<std::string, int> ops;
  for (const Node &n : g.nodes)
    ++ops[n.op];
  return ops;
}

TEST(FuseElementwiseModel, TinyGpt2GeluAndMaskFuse) {
  Expected<Graph> g = importOnnxFile(kPeer + "gpt2_tiny.onnx");
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  ASSERT_FALSE(bool(scheduleTopological(*g)));
  Expected<size_t> folded = foldConstants(*g);
  ASSERT_TRUE(bool(folded)) << toString(folded.takeError());
  removeIdentities(*g);
  ASSERT_FALSE(bool(inferShapes(*g)));
  eliminateDeadCode(*g);
  std::map<std::string, int> before = opCounts(*g);
  size_t nodesBefore = g->nodes.size();
  EXPECT_EQ(before["Tanh"], 2);
  EXPECT_EQ(before["Pow"], 2);

  EXPECT_EQ(fuseElementwise(*g), 4u);
  Error e = verifyGraph(*g);
  ASSERT_FALSE(bool(e)) << toString(std::move(e));
  std::map<std::string, int> after = opCounts(*g);
  EXPECT_EQ(after["FusedElementwise"], 4);
  for (const char *op : {"Tanh", "Pow", "Mul", "Sub", "Div"})
    EXPECT_EQ(after.count(op), 0u) << op;
  // 2 x (8 + 2) nodes became 4.
  EXPECT_EQ(g->nodes.size(), nodesBefore - 16);
  int gelus = 0;
  for (const Node &n : g->nodes)
    if (n.op == "FusedElementwise") {
      FusedProgram p =
          cantFail(readFusedProgram(n.attrs, unsigned(n.inputs.size())));
      if (p.code.size() == 8) {
        ++gelus;
        EXPECT_EQ(n.inputs.size(), 1u);
        EXPECT_EQ(p.code[5].op, FusedOpcode::Tanh);
      } else {
        EXPECT_EQ(p.code.size(), 2u); // scale and mask
        EXPECT_EQ(n.inputs.size(), 2u);
      }
    }
  EXPECT_EQ(gelus, 2);
}

TEST(FuseElementwiseModel, TinyGpt2PlanMatchesPytorch) {
  Expected<Graph> g = importOnnxFile(kPeer + "gpt2_tiny.onnx");
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  Expected<Plan> plan = compileGraph(std::move(*g), CompileOptions());
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  EXPECT_GE(tt::countDispatches(*plan, "fused_elementwise"), 2u);
  EXPECT_EQ(tt::countDispatches(*plan, "unary_math"), 0u) << "a Tanh is left";

  Expected<NpyArray> ids = readNpy(kPeer + "gpt2_tiny_input_ids.npy");
  ASSERT_TRUE(bool(ids)) << toString(ids.takeError());
  Expected<NpyArray> want = readNpy(kPeer + "gpt2_tiny_logits.npy");
  ASSERT_TRUE(bool(want)) << toString(want.takeError());
  DeviceOptions dopts;
  dopts.validation = true;
  auto dev = Device::create(dopts);
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  auto loaded = LoadedPlan::load(**dev, *plan);
  ASSERT_TRUE(bool(loaded)) << toString(loaded.takeError());
  Error e = (*loaded)->setInput(0, ids->bytes);
  ASSERT_FALSE(bool(e)) << toString(std::move(e));
  e = (*loaded)->run();
  ASSERT_FALSE(bool(e)) << toString(std::move(e));
  ArrayRef<uint8_t> logits = (*loaded)->output(0);
  ASSERT_EQ(logits.size(), want->bytes.size());
  double num = 0, den = 0;
  for (size_t i = 0; i + 4 <= logits.size(); i += 4) {
    float a, b;
    std::memcpy(&a, logits.data() + i, 4);
    std::memcpy(&b, want->bytes.data() + i, 4);
    num += (double(a) - b) * (double(a) - b);
    den += double(b) * b;
  }
  EXPECT_LE(std::sqrt(num) / std::max(std::sqrt(den), 1e-30), 1e-4);
  EXPECT_EQ((*dev)->counters().validationMessages, 0u);
}

} // namespace
