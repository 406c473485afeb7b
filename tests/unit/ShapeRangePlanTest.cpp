// Shape ranges end to end: one plan compiled for a range runs every shape in
// it, and each output equals that of a plan compiled for exactly that shape
// (the fixed-shape plans are the reference; the tlc reference logits of
// the fashion model are the independent one), with nothing allocated after
// load.
#include "driver/Pipeline.h"
#include "ir/Npy.h"
#include "ops/KernelTarget.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace tlc;
using llvm::Error;

namespace {
std::string errText(Error e) { return llvm::toString(std::move(e)); }

/// Runs \p plan on \p device with input \p bytes of \p shape; returns
/// output 0.
std::vector<float> runOnce(LoadedPlan &lp, llvm::ArrayRef<uint8_t> bytes,
                           llvm::ArrayRef<int64_t> shape) {
  if (Error e = lp.setInput(0, bytes, shape)) {
    ADD_FAILURE() << errText(std::move(e));
    return {};
  }
  if (Error e = lp.run()) {
    ADD_FAILURE() << errText(std::move(e));
    return {};
  }
  llvm::ArrayRef<uint8_t> out = lp.output(0);
  std::vector<float> v(out.size() / 4);
  std::memcpy(v.data(), out.data(), out.size());
  return v;
}
} // namespace

TEST(ShapeRangePlan, FashionBatchRangeMatchesFixedPlansAndReference) {
  auto images = readNpy(TLC_SOURCE_DIR "/tests/data/fashion_ref_images.npy");
  ASSERT_TRUE(bool(images)) << errText(images.takeError());
  auto logits = readNpy(TLC_SOURCE_DIR "/tests/data/fashion_ref_logits.npy");
  ASSERT_TRUE(bool(logits)) << errText(logits.takeError());
  const int64_t available = images->shape[0];
  const size_t imageBytes = 28 * 28 * 4;

  auto device = Device::create(DeviceOptions());
  ASSERT_TRUE(bool(device)) << errText(device.takeError());
  for (const char *target : {"cpu", "gpu"}) {
    SCOPED_TRACE(target);
    CompileOptions opts;
    opts.target = llvm::cantFail(kernelTargetByName(target));
    ModelParseOptions ranged;
    ranged.dims["N"] = DimRange{1, 100};
    auto plan = compileModelFile(TLC_SOURCE_DIR "/models/fashion_cnn.yaml",
                                 ranged, opts);
    ASSERT_TRUE(bool(plan)) << errText(plan.takeError());
    ASSERT_EQ(plan->symbols.size(), 1u);
    auto loaded = LoadedPlan::load(**device, *plan);
    ASSERT_TRUE(bool(loaded)) << errText(loaded.takeError());
    RuntimeCounters before = (*device)->counters();

    std::mt19937 rng(7);
    std::vector<int64_t> batches = {1, 100, 7, 64, 1, 33};
    for (int i = 0; i < 3; ++i)
      batches.push_back(1 + int64_t(rng() % 100));
    for (int64_t n : batches) {
      SCOPED_TRACE("N=" + std::to_string(n));
      // Images i % available, so any batch size has inputs.
      std::vector<uint8_t> in(size_t(n) * imageBytes);
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(in.data() + i * imageBytes,
                    images->bytes.data() + (i % available) * imageBytes,
                    imageBytes);
      std::vector<float> got = runOnce(**loaded, in, {n, 1, 28, 28});
      ASSERT_EQ(got.size(), size_t(n) * 10);
      EXPECT_EQ((*loaded)->outputShape(0), (std::vector<int64_t>{n, 10}));

      // The plan compiled for exactly this batch.
      ModelParseOptions fixed;
      fixed.dims["N"] = DimRange{n, n};
      auto fplan = compileModelFile(TLC_SOURCE_DIR "/models/fashion_cnn.yaml",
                                    fixed, opts);
      ASSERT_TRUE(bool(fplan)) << errText(fplan.takeError());
      auto floaded = LoadedPlan::load(**device, *fplan);
      ASSERT_TRUE(bool(floaded)) << errText(floaded.takeError());
      ASSERT_FALSE(bool((*floaded)->setInput(0, in)));
      ASSERT_FALSE(bool((*floaded)->run()));
      llvm::ArrayRef<uint8_t> want = (*floaded)->output(0);
      ASSERT_EQ(want.size(), got.size() * 4);
      const float *w = reinterpret_cast<const float *>(want.data());
      // Bitwise where the kernels agree; where the fixed plan picks another
      // kernel for its exact shape (split-K, another tiling) the sums are
      // ordered differently: relative L2 <= 1e-6.
      double num = 0, den = 0;
      for (size_t k = 0; k < got.size(); ++k) {
        num += (double(got[k]) - w[k]) * (double(got[k]) - w[k]);
        den += double(w[k]) * w[k];
      }
      EXPECT_LE(std::sqrt(num / den), 1e-6);
      // And the reference logits.
      const float *ref = reinterpret_cast<const float *>(logits->bytes.data());
      for (int64_t i = 0; i < n; ++i)
        for (int k = 0; k < 10; ++k)
          ASSERT_NEAR(got[size_t(i) * 10 + k],
                      ref[(i % available) * 10 + k], 1e-3)
              << "image " << i;
    }
    // The range plan allocated nothing after load (the fixed plans were
    // freed when their LoadedPlan went away).
    RuntimeCounters after = (*device)->counters();
    EXPECT_EQ(after.memoryAllocations, before.memoryAllocations);
    EXPECT_EQ(after.allocatedBytes, before.allocatedBytes);
    EXPECT_EQ(after.validationMessages, 0u);
  }
}

TEST(ShapeRangePlan, OutOfRangeBatchIsRefusedBeforeRunning) {
  ModelParseOptions ranged;
  ranged.dims["N"] = DimRange{1, 8};
  auto plan = compileModelFile(TLC_SOURCE_DIR "/models/fashion_cnn.yaml",
                               ranged, CompileOptions());
  ASSERT_TRUE(bool(plan)) << errText(plan.takeError());
  auto device = Device::create(DeviceOptions());
  ASSERT_TRUE(bool(device)) << errText(device.takeError());
  auto loaded = LoadedPlan::load(**device, *plan);
  ASSERT_TRUE(bool(loaded)) << errText(loaded.takeError());
  std::vector<uint8_t> in(9 * 28 * 28 * 4, 0);
  Error e = (*loaded)->setInput(0, in, {9, 1, 28, 28});
  if (!e)
    e = (*loaded)->run();
  ASSERT_TRUE(bool(e));
  std::string msg = errText(std::move(e));
  EXPECT_NE(msg.find("'N'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[1, 8]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("9"), std::string::npos) << msg;
}
