//===- tests/unit/GenerationTest.cpp - Choosing tokens, running a plan ----===//
//
// runtime/Generation.h: greedy choice (argmax, first on ties, NaN never
// chosen), sampling (reproducible by seed; top-k and top-p restrict the
// candidates; frequencies follow softmax(logits / T) within a tolerance a
// correct sampler meets with overwhelming probability), option checks, and
// PlanGenerator on the tiny Llama model against the NumPy reference's
// greedy tokens.
//
//===----------------------------------------------------------------------===//
#include "driver/Pipeline.h"
#include "ir/Npy.h"
#include "ir/llama/LlamaGraph.h"
#include "runtime/Generation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

using namespace llvm;
using namespace tlc;

TEST(Generation, GreedyIsTheFirstMaximumAndSkipsNaN) {
  std::mt19937_64 rng(1);
  SamplingOptions greedy;
  EXPECT_EQ(chooseToken({0.5f, 2.0f, -1.0f, 2.0f}, greedy, rng), 1);
  EXPECT_EQ(chooseToken({NAN, -3.0f, NAN}, greedy, rng), 1);
  // top-k 1 at any temperature is greedy too.
  SamplingOptions k1;
  k1.temperature = 5.0;
  k1.topK = 1;
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(chooseToken({0.1f, 0.2f, 3.0f, 0.0f}, k1, rng), 2);
}

TEST(Generation, SamplingFollowsTheSoftmaxAndIsReproducible) {
  // Logits log(1), log(2), log(3), log(4) at T = 1: probabilities 0.1, 0.2,
  // 0.3, 0.4. 20,000 draws: each frequency within 0.02 (over 7 standard
  // deviations).
  std::vector<float> logits = {0.0f, std::log(2.0f), std::log(3.0f),
                               std::log(4.0f)};
  SamplingOptions o;
  o.temperature = 1.0;
  std::mt19937_64 rng(7);
  std::map<int64_t, int> count;
  const int n = 20000;
  for (int i = 0; i < n; ++i)
    ++count[chooseToken(logits, o, rng)];
  for (int64_t t = 0; t < 4; ++t)
    EXPECT_NEAR(double(count[t]) / n, 0.1 * double(t + 1), 0.02) << t;
  // top-p 0.5 keeps the smallest set reaching 0.5: tokens 3 and 2 (0.4 +
  // 0.3); top-k 2 the same two.
  for (SamplingOptions r : {SamplingOptions{1.0, 0, 0.5, 0},
                            SamplingOptions{1.0, 2, 1.0, 0}}) {
    std::map<int64_t, int> c;
    for (int i = 0; i < 2000; ++i)
      ++c[chooseToken(logits, r, rng)];
    EXPECT_EQ(c.count(0) + c.count(1), 0u);
    EXPECT_GT(c[2], 0);
    EXPECT_GT(c[3], c[2]);
  }
  // The same seed gives the same tokens.
  std::mt19937_64 a(99), b(99);
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(chooseToken(logits, o, a), chooseToken(logits, o, b));
}

TEST(Generation, OptionsOutOfRangeAreErrors) {
  auto msg = [](SamplingOptions o) {
    Error e = checkSamplingOptions(o);
    return e ? toString(std::move(e)) : std::string();
  };
  EXPECT_EQ(msg({}), "");
  EXPECT_NE(msg({-0.5, 0, 1.0, 0}).find("--temperature"), std::string::npos);
  EXPECT_NE(msg({1.0, -1, 1.0, 0}).find("--top-k"), std::string::npos);
  EXPECT_NE(msg({1.0, 0, 0.0, 0}).find("--top-p"), std::string::npos);
  EXPECT_NE(msg({1.0, 0, 1.5, 0}).find("--top-p"), std::string::npos);
}

TEST(Generation, PlanGeneratorFollowsTheReferenceGreedily) {
  const std::string dir = std::string(TLC_SOURCE_DIR) + "/tests/data/llama/";
  Expected<Graph> g = importLlamaGguf(dir + "tiny_q8_0.gguf", {});
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  CompileOptions copts;
  copts.target = cantFail(kernelTargetByName("cpu"));
  Expected<Plan> plan = compileGraph(std::move(*g), copts);
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  DeviceOptions dopts;
  dopts.validation = true;
  Expected<std::unique_ptr<Device>> dev = Device::create(dopts);
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  Expected<std::unique_ptr<PlanGenerator>> gen =
      PlanGenerator::load(**dev, *plan);
  ASSERT_TRUE(bool(gen)) << toString(gen.takeError());
  EXPECT_EQ((*gen)->contextLength(), 64);
  EXPECT_EQ((*gen)->vocab(), 64);
  auto readIds = [&](const std::string &f) {
    Expected<NpyArray> a = readNpy(dir + f);
    EXPECT_TRUE(bool(a));
    std::vector<int64_t> v(a ? a->bytes.size() / 8 : 0);
    if (a)
      std::memcpy(v.data(), a->bytes.data(), v.size() * 8);
    return v;
  };
  std::vector<int64_t> prompt = readIds("prompt_ids.npy");
  std::vector<int64_t> want = readIds("tiny_q8_0_greedy_ids.npy");
  ASSERT_TRUE((*gen)->hasKvCache());
  std::mt19937_64 rng(0);
  std::vector<int64_t> got;
  std::vector<float> logits(64);
  for (size_t t = 0; t < want.size(); ++t) {
    // The prompt, then one token at a time after the cached ones.
    ArrayRef<int64_t> feed =
        t == 0 ? ArrayRef<int64_t>(prompt) : ArrayRef<int64_t>(got.back());
    ASSERT_FALSE(bool((*gen)->append(feed, logits)));
    EXPECT_EQ((*gen)->position(), int64_t(prompt.size() + t));
    got.push_back(chooseToken(logits, SamplingOptions{}, rng));
  }
  EXPECT_EQ(got, want);
  // Past the context: an error, the context unchanged.
  int64_t at = (*gen)->position();
  std::vector<int64_t> tooLong(size_t(64 - at + 1), 1);
  Error bad = (*gen)->append(tooLong, logits);
  ASSERT_TRUE(bool(bad));
  EXPECT_NE(toString(std::move(bad)).find("the plan takes 1 to 64"),
            std::string::npos);
  EXPECT_EQ((*gen)->position(), at);
  // reset() starts over: the prompt's logits again, the same first token.
  (*gen)->reset();
  ASSERT_FALSE(bool((*gen)->append(prompt, logits)));
  EXPECT_EQ(chooseToken(logits, SamplingOptions{}, rng), want[0]);
  EXPECT_EQ((*dev)->counters().validationMessages, 0u);
}
