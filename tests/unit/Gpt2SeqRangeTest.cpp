//===- tests/unit/Gpt2SeqRangeTest.cpp - GPT-2 over a sequence range -----===//
//
// The tiny GPT-2 of tests/data/peer exported with a dynamic sequence length
// (tools/make_gpt2_testdata.py: gpt2_tiny_seq.onnx, dim_param "sequence",
// n_positions 64) compiled once for sequences 1..64 and run on lavapipe at
// lengths 1, 7, 13, 32 and 64: each run's logits must match PyTorch's for the
// same token ids (prefixes of gpt2_tiny_seq_input_ids.npy) within 1e-4
// relative L2, with the output at its actual shape, nothing allocated after
// load and no validation message. The causal mask and the position
// embeddings read only the length: they are computed at the bound and
// sliced (passes/FoldAtBound.cpp). Both kernel targets.
//
//===----------------------------------------------------------------------===//
#include "driver/Pipeline.h"
#include "ir/Npy.h"
#include "ir/onnx/OnnxImporter.h"
#include "runtime/Runtime.h"

#include "OpTestUtil.h"

#include <gtest/gtest.h>

using namespace tlc;
using namespace llvm;

namespace {

const std::string kPeer = std::string(TLC_SOURCE_DIR) + "/tests/data/peer/";

void expectSeqRangeMatchesPytorch(StringRef target) {
  ModelParseOptions parse;
  parse.dims["sequence"] = DimRange{1, 64};
  Expected<Graph> g = importOnnxFile(kPeer + "gpt2_tiny_seq.onnx", parse);
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  CompileOptions copts;
  copts.target = cantFail(kernelTargetByName(target));
  Expected<Plan> plan = compileGraph(std::move(*g), copts);
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  ASSERT_EQ(plan->symbols.size(), 1u);
  EXPECT_EQ(plan->symbols[0].name, "sequence");

  Expected<NpyArray> ids = readNpy(kPeer + "gpt2_tiny_seq_input_ids.npy");
  ASSERT_TRUE(bool(ids)) << toString(ids.takeError());
  ASSERT_EQ(std::vector<int64_t>(ids->shape.begin(), ids->shape.end()),
            (std::vector<int64_t>{1, 64}));

  DeviceOptions dopts;
  dopts.validation = true;
  auto dev = Device::create(dopts);
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  auto loaded = LoadedPlan::load(**dev, *plan);
  ASSERT_TRUE(bool(loaded)) << toString(loaded.takeError());
  RuntimeCounters before = (*dev)->counters();
  for (int64_t n : {1, 7, 13, 32, 64, 7}) {
    SCOPED_TRACE("length " + std::to_string(n));
    Expected<NpyArray> want = readNpy(kPeer + "gpt2_tiny_seq_logits_" +
                                      std::to_string(n) + ".npy");
    ASSERT_TRUE(bool(want)) << toString(want.takeError());
    // Row-major [1, 64]: the first n ids are the prefix.
    ArrayRef<uint8_t> prefix(ids->bytes.data(), size_t(n) * 8);
    Error e = (*loaded)->setInput(0, prefix, {1, n});
    ASSERT_FALSE(bool(e)) << toString(std::move(e));
    e = (*loaded)->run();
    ASSERT_FALSE(bool(e)) << toString(std::move(e));
    EXPECT_EQ((*loaded)->outputShape(0),
              std::vector<int64_t>(want->shape.begin(), want->shape.end()));
    ArrayRef<uint8_t> logits = (*loaded)->output(0);
    ASSERT_EQ(logits.size(), want->bytes.size());
    EXPECT_LE(tlc::testing::relativeL2Bytes(logits, want->bytes), 1e-4);
  }
  RuntimeCounters after = (*dev)->counters();
  EXPECT_EQ(after.allocatedBytes, before.allocatedBytes);
  EXPECT_EQ(after.pipelinesCreated, before.pipelinesCreated);
  EXPECT_EQ(after.validationMessages, 0u);
}

} // namespace

TEST(Gpt2SeqRange, TinyLogitsMatchPytorchAtEveryLength) {
  expectSeqRangeMatchesPytorch("cpu");
}

TEST(Gpt2SeqRange, TinyLogitsMatchPytorchAtEveryLengthGpuKernels) {
  expectSeqRangeMatchesPytorch("gpu");
}
