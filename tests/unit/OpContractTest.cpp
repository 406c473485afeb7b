//===- tests/unit/OpContractTest.cpp - One definition per op --------------===//
//
// The op contract (ops/OpDef.h): constant folding evaluates a node through
// its op's own shape rule and typed reference (evaluateOp), in every dtype
// the op folds, and the verifier refuses a node that cannot run on the
// device (an op without a lowering, or integer outputs of an f32 kernel).
// Expected values are worked out by hand from the ONNX operator spec
// (numpy semantics), independently of tlc.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "ops/Verifier.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace tlc;
using namespace llvm;

namespace {

HostTensor i32s(Shape shape, std::vector<int32_t> v) {
  HostTensor t(TensorType{DType::I32, std::move(shape)});
  for (size_t i = 0; i < v.size(); ++i)
    t.setInt(int64_t(i), v[i]);
  return t;
}

HostTensor i64s(Shape shape, std::vector<int64_t> v) {
  return HostTensor::i64(std::move(shape), v);
}

std::vector<int64_t> ints(const HostTensor &t) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t.numElements(); ++i)
    v.push_back(t.intAt(i));
  return v;
}

/// \p op on \p in, as folding evaluates it; the error text on failure.
Expected<HostTensor> fold(StringRef op, std::vector<HostTensor> in,
                          Attributes attrs = {}) {
  Node n;
  n.op = op.str();
  n.name = "n";
  n.attrs = std::move(attrs);
  n.outputs = {0};
  const OpDef *def = lookupOp(op);
  if (!def)
    return createStringError(inconvertibleErrorCode(), "no op");
  std::vector<const HostTensor *> ptrs;
  for (const HostTensor &h : in)
    ptrs.push_back(&h);
  std::vector<HostTensor> out;
  if (Error e = evaluateOp(*def, n, ptrs, out))
    return std::move(e);
  return std::move(out[0]);
}

TEST(OpContract, IntegerArithmeticFoldsInI32AndI64) {
  for (DType dt : {DType::I32, DType::I64}) {
    auto make = [&](Shape s, std::vector<int32_t> v) {
      return dt == DType::I32 ? i32s(s, v)
                              : i64s(s, std::vector<int64_t>(v.begin(), v.end()));
    };
    // Broadcast [2] against [2, 1]; division truncates toward zero.
    HostTensor a = make({2}, {7, -7}), b = make({2, 1}, {2, 3});
    struct Case {
      const char *op;
      std::vector<int64_t> want;
    } cases[] = {{"Add", {9, -5, 10, -4}},
                 {"Sub", {5, -9, 4, -10}},
                 {"Mul", {14, -14, 21, -21}},
                 {"Div", {3, -3, 2, -2}}};
    for (const Case &c : cases) {
      Expected<HostTensor> y = fold(c.op, {a, b});
      ASSERT_TRUE(bool(y)) << c.op << ": " << toString(y.takeError());
      EXPECT_EQ(y->type, (TensorType{dt, {2, 2}})) << c.op;
      EXPECT_EQ(ints(*y), c.want) << c.op << " " << dtypeName(dt).str();
    }
  }
}

TEST(OpContract, IntegerErrorsAreReported) {
  Expected<HostTensor> z = fold("Div", {i64s({1}, {1}), i64s({1}, {0})});
  ASSERT_FALSE(bool(z));
  EXPECT_NE(toString(z.takeError()).find("integer division by zero"),
            std::string::npos);
  Expected<HostTensor> o =
      fold("Mul", {i32s({1}, {1 << 20}), i32s({1}, {1 << 12})});
  ASSERT_FALSE(bool(o));
  EXPECT_NE(toString(o.takeError()).find("integer overflow"),
            std::string::npos);
}

TEST(OpContract, DataMovementFoldsIntegers) {
  // Gather of a shape vector with a negative index.
  Expected<HostTensor> g = fold("Gather", {i64s({3}, {2, 5, 7}), i64s({}, {-1})});
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  EXPECT_EQ(g->type, (TensorType{DType::I64, {}}));
  EXPECT_EQ(ints(*g), (std::vector<int64_t>{7}));
  // Concat of i32 pieces.
  Attributes axis0;
  axis0.values["axis"] = int64_t(0);
  Expected<HostTensor> c =
      fold("Concat", {i32s({1}, {4}), i32s({2}, {-1, 9})}, axis0);
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_EQ(c->type, (TensorType{DType::I32, {3}}));
  EXPECT_EQ(ints(*c), (std::vector<int64_t>{4, -1, 9}));
  // Slice [1:] of an i64 vector; Unsqueeze and Reshape keep the elements.
  Expected<HostTensor> s = fold(
      "Slice", {i64s({3}, {10, 20, 30}), i64s({1}, {1}), i64s({1}, {3})});
  ASSERT_TRUE(bool(s)) << toString(s.takeError());
  EXPECT_EQ(ints(*s), (std::vector<int64_t>{20, 30}));
  Expected<HostTensor> u =
      fold("Unsqueeze", {i64s({2}, {20, 30}), i64s({1}, {0})});
  ASSERT_TRUE(bool(u)) << toString(u.takeError());
  EXPECT_EQ(u->type, (TensorType{DType::I64, {1, 2}}));
  EXPECT_EQ(ints(*u), (std::vector<int64_t>{20, 30}));
}

TEST(OpContract, CompileTimeOnlyOpsFold) {
  // Shape reads only its input's type.
  Expected<HostTensor> sh =
      fold("Shape", {HostTensor::typeOnly(TensorType{DType::F32, {2, 5, 3}})});
  ASSERT_TRUE(bool(sh)) << toString(sh.takeError());
  EXPECT_EQ(ints(*sh), (std::vector<int64_t>{2, 5, 3}));
  // Where over an Equal of i64s (a boolean held as i64).
  Expected<HostTensor> eq = fold("Equal", {i64s({3}, {1, 2, 3}), i64s({}, {2})});
  ASSERT_TRUE(bool(eq)) << toString(eq.takeError());
  EXPECT_EQ(ints(*eq), (std::vector<int64_t>{0, 1, 0}));
  Expected<HostTensor> w =
      fold("Where", {*eq, i64s({}, {-1}), i64s({3}, {4, 5, 6})});
  ASSERT_TRUE(bool(w)) << toString(w.takeError());
  EXPECT_EQ(ints(*w), (std::vector<int64_t>{4, -1, 6}));
  // Cast f32 -> i32 truncates toward zero; an out-of-range value is refused.
  Attributes toI32;
  toI32.values["to"] = int64_t(6);
  Expected<HostTensor> c =
      fold("Cast", {HostTensor::f32({3}, {2.7f, -2.7f, 0.0f})}, toI32);
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_EQ(c->type.dtype, DType::I32);
  EXPECT_EQ(ints(*c), (std::vector<int64_t>{2, -2, 0}));
  Expected<HostTensor> big = fold("Cast", {HostTensor::f32({1}, {3e9f})}, toI32);
  ASSERT_FALSE(bool(big));
  EXPECT_NE(toString(big.takeError()).find("does not fit i32"),
            std::string::npos);
  // Range in i32, counting down: 10, 7, 4.
  Expected<HostTensor> r =
      fold("Range", {i32s({}, {10}), i32s({}, {2}), i32s({}, {-3})});
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  EXPECT_EQ(ints(*r), (std::vector<int64_t>{10, 7, 4}));
}

TEST(OpContract, ReferenceRefusesUndeclaredDTypes) {
  // Relu's reference takes f32 only: folding does not call it on i64.
  Expected<HostTensor> y = fold("Relu", {i64s({2}, {1, -1})});
  ASSERT_FALSE(bool(y));
  EXPECT_NE(toString(y.takeError()).find("Relu takes f32"), std::string::npos);
}

Value typed(const std::string &name, ValueKind kind, TensorType t) {
  Value v;
  v.name = name;
  v.kind = kind;
  v.type = std::move(t);
  v.hasType = true;
  return v;
}

TEST(OpContract, VerifierRefusesWhatCannotRunOnTheDevice) {
  // Shape of a run-time input: Shape has no device kernel (it folds
  // whenever its input is typed; here the verifier sees it unfolded).
  {
    Graph g;
    ValueId a = cantFail(
        g.addValue(typed("a", ValueKind::Input, TensorType{DType::I64, {3}})));
    ValueId y = cantFail(g.addValue(
        typed("y", ValueKind::Intermediate, TensorType{DType::I64, {1}})));
    g.inputs = {a};
    g.outputs = {y};
    Node n;
    n.op = "Shape";
    n.name = "shape";
    n.inputs = {a};
    n.outputs = {y};
    g.addNode(std::move(n));
    Error e = verifyGraph(g);
    ASSERT_TRUE(bool(e));
    EXPECT_NE(toString(std::move(e)).find(
                  "op 'Shape' runs only at compile time, and its inputs are "
                  "not all constants"),
              std::string::npos);
  }
  // Div of i64 run-time inputs: Div's kernel computes f32.
  {
    Graph g;
    TensorType t{DType::I64, {3}};
    ValueId a = cantFail(g.addValue(typed("a", ValueKind::Input, t)));
    ValueId y = cantFail(g.addValue(typed("y", ValueKind::Intermediate, t)));
    g.inputs = {a};
    g.outputs = {y};
    Node n;
    n.op = "Div";
    n.name = "div";
    n.inputs = {a, a};
    n.outputs = {y};
    g.addNode(std::move(n));
    Error e = verifyGraph(g);
    ASSERT_TRUE(bool(e));
    EXPECT_NE(toString(std::move(e)).find(
                  "node 'div' (Div): the output has dtype i64; on the device "
                  "Div computes f32"),
              std::string::npos);
  }
}

TEST(OpContract, FoldingOfACompileTimeOpThatCannotFoldIsAnError) {
  // Range whose delta is 0, inside a graph: the node names itself.
  Graph g;
  ValueId x = cantFail(
      g.addValue(typed("x", ValueKind::Input, TensorType{DType::F32, {3}})));
  g.inputs = {x};
  auto scalar = [&](const char *name, int64_t v) {
    Value w = typed(name, ValueKind::Weight, TensorType{DType::I64, {}});
    w.data.resize(8);
    std::memcpy(w.data.data(), &v, 8);
    return cantFail(g.addValue(std::move(w)));
  };
  ValueId r = cantFail(g.addValue(typed("r", ValueKind::Intermediate, {})));
  Node n;
  n.op = "Range";
  n.name = "range";
  n.inputs = {scalar("s", 0), scalar("l", 4), scalar("d", 0)};
  n.outputs = {r};
  g.addNode(std::move(n));
  ValueId y = cantFail(g.addValue(typed("y", ValueKind::Intermediate, {})));
  Node relu;
  relu.op = "Relu";
  relu.name = "relu";
  relu.inputs = {x};
  relu.outputs = {y};
  g.addNode(std::move(relu));
  g.outputs = {y};
  Expected<size_t> folded = foldConstants(g);
  ASSERT_FALSE(bool(folded));
  EXPECT_NE(toString(folded.takeError())
                .find("node 'range' (Range): cannot fold its constant "
                      "inputs: delta is 0"),
            std::string::npos);
}

} // namespace
