//===- tests/unit/OffsetPlannerTraceCsvTest.cpp - MiniMalloc CSV traces ---===//
//
// The trace reader on good input (extra columns, any column order, CRLF) and
// on each kind of bad input, which must give a "name:line:col: expected ..."
// error; the offsets writer round-trips through the reader.
//
//===----------------------------------------------------------------------===//
#include "passes/TraceCsv.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

using namespace tlc;

namespace {

std::string errorOf(llvm::StringRef text) {
  auto trace = parseTraceCsv(text, "t.csv");
  if (trace)
    return "";
  return llvm::toString(trace.takeError());
}

TEST(OffsetPlannerTraceCsv, ParsesGoodInput) {
  auto trace =
      parseTraceCsv("id,lower,upper,size\nb1,0,3,4\n\nb2,3,9,4\n", "t.csv");
  ASSERT_TRUE(bool(trace)) << llvm::toString(trace.takeError());
  ASSERT_EQ(trace->ranges.size(), 2u);
  EXPECT_EQ(trace->ids[1], "b2");
  EXPECT_EQ(trace->ranges[1].start, 3);
  EXPECT_EQ(trace->ranges[1].end, 9);
  EXPECT_EQ(trace->ranges[1].size, 4u);
}

TEST(OffsetPlannerTraceCsv, ExtraColumnsOrderAndCrlf) {
  auto trace = parseTraceCsv("size, id ,upper,lower,offset\r\n16, x ,5,2,0\r\n",
                             "t.csv");
  ASSERT_TRUE(bool(trace)) << llvm::toString(trace.takeError());
  ASSERT_EQ(trace->ranges.size(), 1u);
  EXPECT_EQ(trace->ids[0], "x");
  EXPECT_EQ(trace->ranges[0].start, 2);
  EXPECT_EQ(trace->ranges[0].end, 5);
  EXPECT_EQ(trace->ranges[0].size, 16u);
}

TEST(OffsetPlannerTraceCsv, BadInputs) {
  struct Case {
    const char *text, *expected;
  } cases[] = {
      {"", "t.csv:1:1: expected a header"},
      {"id,lower,size\n", "'upper' is missing"},
      {"id,lower,upper,size\na,0,1\n", "t.csv:2:1: expected 4 comma-separated"},
      {"id,lower,upper,size\na,0,1,4,5\n", "got 5"},
      {"id,lower,upper,size\n,0,1,4\n", "t.csv:2:1: expected a buffer id"},
      {"id,lower,upper,size\na,0,1,4\nb,0,1,4\na,0,2,4\n",
       "t.csv:4:1: expected a unique id; 'a' is already on line 2"},
      {"id,lower,upper,size\na,-1,1,4\n", "t.csv:2:3: expected a non-negative "
                                          "integer for 'lower', got '-1' "
                                          "(negative)"},
      {"id,lower,upper,size\na,0,1,4.5\n", "t.csv:2:7: expected a non-negative "
                                           "integer for 'size', got '4.5'"},
      {"id,lower,upper,size\na,0,x,4\n", "for 'upper', got 'x'"},
      {"id,lower,upper,size\na,0,1,\n", "(empty field)"},
      {"id,lower,upper,size\na,0,99999999999999999999,4\n", "too large"},
      {"id,lower,upper,size\na,0,1,9223372036854775807\n", "too large"},
      {"id,lower,upper,size\na,5,5,4\n", "t.csv:2:5: expected lower < upper"},
      {"id,lower,upper,size\na,6,5,4\n", "got lower 6 and upper 5"},
      {"id,id,lower,upper,size\n", "'id' only once"},
  };
  for (const Case &c : cases) {
    std::string msg = errorOf(c.text);
    EXPECT_NE(msg.find(c.expected), std::string::npos)
        << "input: " << c.text << "\nerror: " << msg;
  }
}

TEST(OffsetPlannerTraceCsv, MissingFile) {
  auto trace = readTraceCsv("/nonexistent/trace.csv");
  ASSERT_FALSE(bool(trace));
  EXPECT_NE(llvm::toString(trace.takeError())
                .find("/nonexistent/trace.csv: cannot read"),
            std::string::npos);
}

TEST(OffsetPlannerTraceCsv, WriteRoundTrips) {
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("tlc-trace", dir));
  llvm::SmallString<128> path(dir);
  llvm::sys::path::append(path, "out.csv");
  auto trace = parseTraceCsv("id,lower,upper,size\na,0,3,4\nb,1,2,8\n", "t");
  ASSERT_TRUE(bool(trace));
  ASSERT_FALSE(bool(writeOffsetsCsv(path, *trace, {8, 0})));
  auto back = readTraceCsv(path);
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->ids, trace->ids);
  auto text = llvm::MemoryBuffer::getFile(path);
  ASSERT_TRUE(bool(text));
  EXPECT_EQ((*text)->getBuffer(),
            "id,lower,upper,size,offset\na,0,3,4,8\nb,1,2,8,0\n");
  llvm::sys::fs::remove(path);
  llvm::sys::fs::remove(dir);
}

} // namespace
