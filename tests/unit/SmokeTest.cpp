#include "ir/Types.h"
#include <gtest/gtest.h>
TEST(Types, ShapeString) {
  auto s = tlc::parseShapeString("1x3x224x224");
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s->size(), 4u);
  auto bad = tlc::parseShapeString("3xx2");
  EXPECT_FALSE(bool(bad));
  llvm::consumeError(bad.takeError());
}
