//===- tests/unit/SoakTest.cpp - Short soak: nothing grows per run --------===//
//
// The short version of bench/soak/soak_fashion (docs/hardening.md): the
// Fashion-MNIST model compiled for batch 1, loaded once and run 200 times on
// the default Vulkan device, cycling through 16 reference images. The
// runtime promises that run() allocates nothing (runtime/Runtime.h), so the
// counters memoryAllocations and allocatedBytes must be exactly equal after
// run 10 and after run 200, every run must submit once, every run's logits
// must be bit-identical to the first run of the same image, and those must
// match PyTorch's logits (tests/data/fashion_ref_logits.npy).
//
//===----------------------------------------------------------------------===//
#include "bench/soak/Soak.h"
#include "codegen/Plan.h"
#include "ir/ModelParser.h"
#include "ir/Npy.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

using namespace llvm;
using namespace tlc;

namespace {

std::string errText(Error e) { return toString(std::move(e)); }

constexpr size_t kImages = 16;
constexpr uint64_t kRuns = 200;

TEST(Soak, CountersStayFlatOverRepeatedRuns) {
  auto images = readNpy(TLC_SOURCE_DIR "/tests/data/fashion_ref_images.npy");
  ASSERT_TRUE(bool(images)) << errText(images.takeError());
  auto logits = readNpy(TLC_SOURCE_DIR "/tests/data/fashion_ref_logits.npy");
  ASSERT_TRUE(bool(logits)) << errText(logits.takeError());
  ASSERT_EQ(images->shape.size(), 4u);
  ASSERT_GE(images->shape[0], int64_t(kImages));
  size_t imageBytes = 28 * 28 * sizeof(float);
  size_t logitBytes = 10 * sizeof(float);
  std::vector<std::vector<uint8_t>> inputs(kImages);
  for (size_t i = 0; i < kImages; ++i)
    inputs[i].assign(images->bytes.begin() + i * imageBytes,
                     images->bytes.begin() + (i + 1) * imageBytes);

  ModelParseOptions parse;
  parse.inputShapes["image"] = Shape{1, 1, 28, 28};
  auto plan = compileModelFile(TLC_SOURCE_DIR "/models/fashion_cnn.yaml",
                               parse, CompileOptions());
  ASSERT_TRUE(bool(plan)) << errText(plan.takeError());
  auto device = Device::create(DeviceOptions());
  ASSERT_TRUE(bool(device)) << errText(device.takeError());
  auto loaded = LoadedPlan::load(**device, *plan);
  ASSERT_TRUE(bool(loaded)) << errText(loaded.takeError());

  uint64_t sampleAt[] = {10, kRuns};
  auto result = soak::run(**device, **loaded, inputs, kRuns, sampleAt);
  ASSERT_TRUE(bool(result)) << errText(result.takeError());
  ASSERT_EQ(result->samples.size(), 2u);
  const RuntimeCounters &a = result->samples[0].counters;
  const RuntimeCounters &b = result->samples[1].counters;
  EXPECT_GT(a.memoryAllocations, 0u);
  EXPECT_EQ(a.memoryAllocations, b.memoryAllocations);
  EXPECT_EQ(a.allocatedBytes, b.allocatedBytes);
  EXPECT_EQ(b.submits - a.submits, kRuns - 10);
  EXPECT_EQ(b.validationMessages, 0u);
  EXPECT_EQ(result->mismatchedRuns, 0u);

  for (size_t i = 0; i < kImages; ++i) {
    const std::vector<uint8_t> &out = result->firstOutputs[i];
    ASSERT_EQ(out.size(), logitBytes) << "image " << i;
    const float *got = reinterpret_cast<const float *>(out.data());
    const float *want =
        reinterpret_cast<const float *>(logits->bytes.data() + i * logitBytes);
    double num = 0, den = 0;
    for (size_t k = 0; k < 10; ++k) {
      num += (double(got[k]) - want[k]) * (double(got[k]) - want[k]);
      den += double(want[k]) * want[k];
    }
    EXPECT_LE(std::sqrt(num), 1e-4 * std::sqrt(den)) << "image " << i;
  }
}

} // namespace
