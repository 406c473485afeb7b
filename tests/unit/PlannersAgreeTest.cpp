//===- tests/unit/PlannersAgreeTest.cpp - Every planner, the same bits ----===//
//
// Memory planning must never change results: the repo's models compiled with
// the pool, the arena and the no-alias planner, and run with and without
// NaN-poisoning of released memory, produce bitwise identical outputs. A
// planner that frees too early shows up as NaN or a difference here.
//
//===----------------------------------------------------------------------===//
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace tlc;

namespace {

struct Case {
  const char *model;
  const char *input; // name=dims
};

std::unique_ptr<Device> &sharedDevice() {
  static std::unique_ptr<Device> device;
  return device;
}

Device *device() {
  auto &d = sharedDevice();
  if (!d) {
    DeviceOptions opts;
    opts.validation = true;
    auto created = Device::create(opts);
    if (!created) {
      ADD_FAILURE() << llvm::toString(created.takeError());
      return nullptr;
    }
    d = std::move(*created);
  }
  return d.get();
}

/// Compiles \p c with \p planner and runs it on fixed random inputs; returns
/// the bytes of every output, concatenated.
std::vector<uint8_t> compileAndRun(const Case &c, const std::string &planner,
                                   bool poison, Plan *planOut = nullptr) {
  ModelParseOptions parse;
  auto [name, dims] = llvm::StringRef(c.input).split('=');
  parse.inputShapes[name.str()] = llvm::cantFail(parseShapeString(dims));
  CompileOptions opts;
  opts.planner = planner;
  if (planner == "arena-split") {
    // An arena cut into several buffers (as for lavapipe's 128 MiB binding
    // limit), here at a size that forces cuts on these small models.
    opts.planner = "arena";
    opts.maxBufferBytes = 160 << 10;
  }
  auto plan = compileModelFile(std::string(TLC_SOURCE_DIR) + "/" + c.model,
                               parse, opts);
  if (!plan) {
    ADD_FAILURE() << llvm::toString(plan.takeError());
    return {};
  }
  if (planOut)
    *planOut = *plan;
  Device *dev = device();
  if (!dev)
    return {};
  LoadOptions lopts;
  lopts.poisonReleased = poison;
  auto loaded = LoadedPlan::load(*dev, *plan, lopts);
  if (!loaded) {
    ADD_FAILURE() << llvm::toString(loaded.takeError());
    return {};
  }
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (size_t i = 0; i < plan->inputs.size(); ++i) {
    std::vector<float> x(size_t(plan->tensors[plan->inputs[i]].type.numElements()));
    for (float &v : x)
      v = u(rng);
    llvm::ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(x.data()),
                                  x.size() * sizeof(float));
    EXPECT_FALSE(bool((*loaded)->setInput(i, bytes)));
  }
  if (llvm::Error e = (*loaded)->run()) {
    ADD_FAILURE() << llvm::toString(std::move(e));
    return {};
  }
  std::vector<uint8_t> out;
  for (size_t i = 0; i < plan->outputs.size(); ++i) {
    llvm::ArrayRef<uint8_t> o = (*loaded)->output(i);
    out.insert(out.end(), o.begin(), o.end());
  }
  return out;
}

class PlannersAgree : public ::testing::TestWithParam<Case> {};

TEST_P(PlannersAgree, BitwiseIdenticalOutputs) {
  const Case &c = GetParam();
  Plan poolPlan, arenaPlan;
  std::vector<uint8_t> ref = compileAndRun(c, "pool", false, &poolPlan);
  ASSERT_FALSE(ref.empty());
  // The reference itself is finite: poisoning would show as NaN.
  for (size_t i = 0; i + 4 <= ref.size(); i += 4) {
    float f;
    std::memcpy(&f, &ref[i], 4);
    ASSERT_TRUE(std::isfinite(f)) << "element " << i / 4;
  }
  for (const char *planner : {"pool", "arena", "no-alias", "arena-split"})
    for (bool poison : {false, true}) {
      SCOPED_TRACE(std::string(planner) + (poison ? " poisoned" : ""));
      std::vector<uint8_t> got =
          compileAndRun(c, planner, poison,
                        std::string(planner) == "arena" ? &arenaPlan : nullptr);
      EXPECT_EQ(got, ref);
    }
  // The arena never needs more than the sum of the tensors, and is at least
  // the lower bound.
  EXPECT_GE(arenaPlan.stats.transientBytes, arenaPlan.stats.lowerBound);
  EXPECT_LE(arenaPlan.stats.transientBytes, arenaPlan.stats.noReuseBytes + 4096);
  EXPECT_EQ(device()->counters().validationMessages, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Models, PlannersAgree,
    ::testing::Values(Case{"models/fashion_cnn.yaml", "image=3x1x28x28"},
                      Case{"tests/lit/Inputs/mlp.yaml", "x=7x4"}));

} // namespace
