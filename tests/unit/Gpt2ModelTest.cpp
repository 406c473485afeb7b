//===- tests/unit/Gpt2ModelTest.cpp - GPT-2 end to end against PyTorch ----===//
//
// The tiny GPT-2 of tests/data/peer (tools/make_gpt2_testdata.py: 2 layers,
// 64 wide, vocabulary 512, 32 tokens, exported by torch.onnx at opset 17)
// imported, folded (the causal mask becomes a constant), compiled and run on
// the default device with validation on. Its logits must match PyTorch's
// (gpt2_tiny_logits.npy) for the committed token ids within 1e-4 relative
// L2. The graph exercises Gather on the i64 graph input, LayerNormalization,
// Split, Tanh, Gemm, batched MatMul, Softmax and the folded mask. Checked
// with both kernel targets' lowering ("cpu", and "gpu": tiled GEMMs with the
// residual Adds fused into them).
//
//===----------------------------------------------------------------------===//
#include "ir/Npy.h"
#include "ir/onnx/OnnxImporter.h"
#include "passes/Passes.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include "OpTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

using namespace tlc;
using namespace llvm;

namespace {

const std::string kPeer = std::string(TLC_SOURCE_DIR) + "/tests/data/peer/";


/// Compiles the tiny GPT-2 for kernel target \p target and checks its logits
/// against PyTorch's.
void expectTinyLogitsMatchPytorch(StringRef target) {
  Expected<Graph> g = importOnnxFile(kPeer + "gpt2_tiny.onnx");
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  CompileOptions copts;
  copts.target = cantFail(kernelTargetByName(target));
  Expected<Plan> plan = compileGraph(std::move(*g), copts);
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  ASSERT_EQ(plan->inputs.size(), 1u);
  ASSERT_EQ(plan->outputs.size(), 1u);
  const PlanTensor &in = plan->tensors[plan->inputs[0]];
  EXPECT_EQ(in.name, "input_ids");
  EXPECT_EQ(in.type.str(), "1x32xi64");

  Expected<NpyArray> ids = readNpy(kPeer + "gpt2_tiny_input_ids.npy");
  ASSERT_TRUE(bool(ids)) << toString(ids.takeError());
  Expected<NpyArray> want = readNpy(kPeer + "gpt2_tiny_logits.npy");
  ASSERT_TRUE(bool(want)) << toString(want.takeError());
  ASSERT_EQ(ids->dtype, NpyDType::I64);
  ASSERT_EQ(want->dtype, NpyDType::F32);
  const PlanTensor &out = plan->tensors[plan->outputs[0]];
  ASSERT_EQ(out.type.shape, want->shape);

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
  double err = tlc::testing::relativeL2Bytes(logits, want->bytes);
  EXPECT_LE(err, 1e-4) << "relative L2 error of the logits against PyTorch";
  EXPECT_EQ((*dev)->counters().validationMessages, 0u);

  // The check can fail: a different token changes the logits well beyond
  // the tolerance.
  std::vector<uint8_t> other = ids->bytes;
  int64_t first;
  std::memcpy(&first, other.data(), 8);
  first = (first + 1) % 512;
  std::memcpy(other.data(), &first, 8);
  ASSERT_FALSE(bool((*loaded)->setInput(0, other)));
  ASSERT_FALSE(bool((*loaded)->run()));
  EXPECT_GT(tlc::testing::relativeL2Bytes((*loaded)->output(0), want->bytes), 1e-3);
}

TEST(Gpt2Model, TinyLogitsMatchPytorch) { expectTinyLogitsMatchPytorch("cpu"); }

// The "gpu" profile: tiled GEMMs, and each residual Add fused into the
// GEMM before it (GemmResidual; passes/FuseEpilogues.cpp).
TEST(Gpt2Model, TinyLogitsMatchPytorchGpuKernels) {
  expectTinyLogitsMatchPytorch("gpu");
}

TEST(Gpt2Model, CausalMaskFoldsAway) {
  Expected<Graph> g = importOnnxFile(kPeer + "gpt2_tiny.onnx");
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  Expected<size_t> folded = foldConstants(*g);
  ASSERT_TRUE(bool(folded)) << toString(folded.takeError());
  removeIdentities(*g);
  // The mask (ConstantOfShape, LessOrEqual, And, Equal, Where, Expand,
  // Cast, Flatten) and the position embedding's Gather are constants now;
  // what runs is the model's arithmetic.
  std::map<std::string, int> ops;
  for (const Node &n : g->nodes)
    ++ops[n.op];
  for (const char *op : {"ConstantOfShape", "LessOrEqual", "And", "Equal",
                         "Where", "Expand", "Cast", "Flatten", "Identity"})
    EXPECT_EQ(ops.count(op), 0u) << op << " was not folded";
  EXPECT_EQ(ops["Gather"], 1); // the token embedding, on input_ids
  EXPECT_EQ(ops["LayerNormalization"], 5);
  EXPECT_EQ(ops["Split"], 2);
  EXPECT_EQ(ops["Tanh"], 2);
}

} // namespace
