//===- tests/unit/PlanCheckTest.cpp - The plan checker catches bad plans --===//
#include "driver/Pipeline.h"

#include <gtest/gtest.h>

using namespace tlc;

namespace {

Plan compileMlp(const std::string &planner) {
  CompileOptions opts;
  opts.planner = planner;
  auto plan = compileModelFile(std::string(TLC_SOURCE_DIR) +
                                   "/tests/lit/Inputs/mlp.yaml",
                               {}, opts);
  EXPECT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  return plan ? std::move(*plan) : Plan();
}

int findTensor(const Plan &p, llvm::StringRef name) {
  for (size_t i = 0; i < p.tensors.size(); ++i)
    if (p.tensors[i].name == name)
      return int(i);
  return -1;
}

TEST(PlanCheck, AcceptsEveryPlannersPlans) {
  for (const char *planner : {"pool", "arena", "no-alias", "auto"}) {
    Plan p = compileMlp(planner);
    EXPECT_FALSE(bool(checkPlanMemory(p))) << planner;
  }
}

TEST(PlanCheck, CatchesOverlappingLiveTensors) {
  // h (live 0..2) and m (live 2..4) are both live at step 2: putting them at
  // the same bytes must be rejected.
  Plan p = compileMlp("arena");
  int h = findTensor(p, "h"), m = findTensor(p, "m");
  ASSERT_GE(h, 0);
  ASSERT_GE(m, 0);
  ASSERT_TRUE(p.tensors[h].lastStep >= p.tensors[m].firstStep);
  p.tensors[m].buffer = p.tensors[h].buffer;
  p.tensors[m].offset = p.tensors[h].offset;
  llvm::Error e = checkPlanMemory(p);
  ASSERT_TRUE(bool(e));
  std::string msg = llvm::toString(std::move(e));
  EXPECT_NE(msg.find("share bytes"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'h'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'m'"), std::string::npos) << msg;
}

TEST(PlanCheck, CatchesAnEarlyRelease) {
  Plan p = compileMlp("pool");
  for (PlanCommand &c : p.commands)
    if (c.kind == CommandKind::Release) {
      c.step -= 1; // released a step before its last use
      break;
    }
  llvm::Error e = checkPlanMemory(p);
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find("releases"), std::string::npos);
}

TEST(PlanCheck, CatchesADispatchOutsideTheLiveInterval) {
  Plan p = compileMlp("pool");
  int m = findTensor(p, "m");
  ASSERT_GE(m, 0);
  p.tensors[m].firstStep += 1; // m is written at its first step
  llvm::Error e = checkPlanMemory(p);
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find("outside its live interval"),
            std::string::npos);
}

TEST(PlanCheck, CatchesAnAliasOutsideItsRoot) {
  Plan p = compileMlp("pool");
  int r = findTensor(p, "r");
  ASSERT_GE(r, 0);
  ASSERT_EQ(p.tensors[r].role, TensorRole::Alias);
  p.tensors[r].offset += 256;
  EXPECT_TRUE(bool(checkPlanMemory(p)));
  llvm::consumeError(checkPlanMemory(p));
}

} // namespace
