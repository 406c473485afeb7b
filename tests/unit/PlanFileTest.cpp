//===- tests/unit/PlanFileTest.cpp - .tlp write/read round trips ----------===//
//
// Every field of a Plan survives writePlanFile + readPlanFile exactly; every
// single-byte corruption and every truncation of a file is rejected with an
// error naming the file; the baseline written by tools/make_bad_inputs.py
// (an independent Python encoder of docs/plan-format.md) reads back as the
// plan it describes; validatePlanStructure rejects broken in-memory plans.
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llvm;
using namespace tlc;

namespace {

constexpr uint32_t kSpirvMagic = 0x07230203;

/// A plan with every field set to a non-default value somewhere.
Plan richPlan() {
  Plan p;
  p.modelName = "rich \"model\" \xc3\xa9\n";
  p.alignment = 64;
  p.numSteps = 3;
  p.shaders = {{"unary", {kSpirvMagic, 0x00010300, 7, 9, 0, 0xdeadbeef}},
               {"conv2d", {kSpirvMagic, 1, 2}}};
  p.buffers = {{BufferRole::Input, 24},
               {BufferRole::Weights, 13},
               {BufferRole::Transient, 1ull << 33},
               {BufferRole::Output, 8}};
  p.weights = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};

  PlanTensor x;
  x.name = "x";
  x.type = {DType::F32, {2, 3}};
  x.role = TensorRole::Input;
  x.buffer = 0;
  x.bytes = 24;
  x.lastStep = 0;
  PlanTensor w;
  w.name = "w";
  w.type = {DType::F16, {5}};
  w.role = TensorRole::Weight;
  w.buffer = 1;
  w.bytes = 10;
  w.lastStep = 2;
  PlanTensor t;
  t.name = "t/with/slashes";
  t.type = {DType::I64, {1, 1, 1, 1}};
  t.role = TensorRole::Transient;
  t.buffer = 2;
  t.offset = (1ull << 33) - 64;
  t.bytes = 8;
  t.firstStep = 1;
  t.lastStep = 2;
  t.releaseStep = 2;
  t.poolKey = "1x1x1x1xi64";
  t.slot = 7;
  t.producer = "node1";
  PlanTensor y;
  y.name = "y";
  y.type = {DType::I32, {}}; // scalar
  y.role = TensorRole::Output;
  y.buffer = 3;
  y.bytes = 4;
  y.firstStep = 2;
  y.lastStep = 2;
  y.producer = "node2";
  PlanTensor v; // a view of t's bytes
  v.name = "v";
  v.type = {DType::I32, {2}};
  v.role = TensorRole::Alias;
  v.buffer = 2;
  v.offset = t.offset;
  v.bytes = 8;
  v.firstStep = 2;
  v.lastStep = 2;
  v.aliasOf = 2;
  p.tensors = {x, w, t, y, v};

  PlanCommand d;
  d.kind = CommandKind::Dispatch;
  d.step = 1;
  d.label = "node1";
  d.shader = 1;
  d.specConstants = {0, 0xffffffffu, 0x3f800000u};
  d.bindings = {0, 1, 2};
  d.writes = {2};
  d.groups[0] = 4;
  d.groups[1] = 65535;
  d.groups[2] = 2;
  PlanCommand b;
  b.kind = CommandKind::Barrier;
  b.step = 1;
  b.label = "node1";
  PlanCommand d2;
  d2.kind = CommandKind::Dispatch;
  d2.step = 2;
  d2.label = "node2";
  d2.bindings = {2, 3};
  d2.writes = {1};
  PlanCommand r;
  r.kind = CommandKind::Release;
  r.step = 2;
  r.label = "node2";
  r.tensor = 2;
  // A barrier carrying non-default dispatch fields must round-trip too.
  PlanCommand odd;
  odd.kind = CommandKind::Barrier;
  odd.step = 2;
  odd.shader = 1;
  odd.bindings = {3};
  odd.groups[2] = 5;
  p.commands = {d, b, d2, r, odd};
  p.inputs = {0};
  p.outputs = {3};
  p.stats.planner = "pool";
  p.stats.transientBytes = 1ull << 33;
  p.stats.lowerBound = 8;
  p.stats.noReuseBytes = 8;
  p.stats.schedule = "depth-first";
  p.stats.peakGivenOrder = 1ull << 40;
  p.stats.slotsPerKey = {{"1x1x1x1xi64", 1}, {"z", 4000000000u}};
  return p;
}

constexpr int64_t C = int64_t(ExprOp::Const), S = int64_t(ExprOp::Symbol),
                  ADD = int64_t(ExprOp::Add), SUB = int64_t(ExprOp::Sub),
                  MUL = int64_t(ExprOp::Mul), DIV = int64_t(ExprOp::FloorDiv),
                  MIN = int64_t(ExprOp::Min), MAX = int64_t(ExprOp::Max);

/// A plan over a range of shapes with every new field set somewhere: two
/// symbols (W in [32, 1280] from input x = 1x3xW, N in [1, 100] from input
/// ids = N), symbolic transient and output tensors planned at the bound,
/// a dynamic dispatch with run-time dims and groups, one whose dims are
/// all static but whose groups are dynamic, a static dispatch, and a
/// barrier carrying non-default dynamic fields (which must round-trip).
Plan symbolicPlan() {
  Plan p;
  p.modelName = "sym";
  p.alignment = 256;
  p.numSteps = 2;
  p.shaders = {{"conv", {kSpirvMagic, 1, 2}}, {"gather", {kSpirvMagic}}};
  p.symbols = {{"W", 32, 1280}, {"N", 1, 100}};
  p.exprs = {
      {{C, 1}},                                  // 0: 1
      {{C, 3}},                                  // 1: 3
      {{S, 0}},                                  // 2: W
      {{S, 1}},                                  // 3: N
      {{S, 0, C, 1, ADD, C, 2, DIV, C, 1, SUB}}, // 4: floor((W+1)/2)-1
      {{S, 0, C, 63, ADD, C, 64, DIV}},          // 5: floor((W+63)/64)
      {{S, 1, C, 64, MIN}},                      // 6: min(N,64)
      {{S, 0, C, 2, S, 1, MUL, SUB, C, 0, MAX}}, // 7: max(W-2*N,0)
      {{C, 3, S, 0, MUL}},                       // 8: 3*W
      {{C, -5}},                                 // 9: -5 (unused)
  };
  p.buffers = {{BufferRole::Input, 15360}, // x: 1x3x1280 f32
               {BufferRole::Input, 400},   // ids: 100 i32
               {BufferRole::Weights, 16},  // w: 4 f32
               {BufferRole::Transient, 7680},
               {BufferRole::Output, 255600}}; // y: 100x639 f32
  p.weights.assign(16, 7);
  auto tensor = [](std::string name, TensorType type, TensorRole role,
                   uint32_t buffer, std::vector<uint32_t> dims) {
    PlanTensor t;
    t.name = std::move(name);
    t.type = std::move(type);
    t.role = role;
    t.buffer = buffer;
    t.bytes = t.type.byteSize();
    t.lastStep = 1;
    t.dims = std::move(dims);
    return t;
  };
  p.tensors = {
      tensor("x", {DType::F32, {1, 3, 1280}}, TensorRole::Input, 0, {0, 1, 2}),
      tensor("ids", {DType::I32, {100}}, TensorRole::Input, 1, {3}),
      tensor("w", {DType::F32, {4}}, TensorRole::Weight, 2, {}),
      tensor("t", {DType::F32, {1, 3, 639}}, TensorRole::Transient, 3,
             {0, 1, 4}),
      tensor("y", {DType::F32, {100, 639}}, TensorRole::Output, 4, {3, 4}),
  };
  p.tensors[3].releaseStep = 1;
  PlanCommand conv;
  conv.step = 0;
  conv.label = "conv";
  conv.shader = 0;
  conv.specConstants = {3840, 639};
  conv.bindings = {0, 2, 3};
  conv.writes = {2};
  conv.groups[0] = 20;
  conv.dynamic = true;
  conv.dimExprs = {8, 4, 7};
  conv.groupExprs[0] = 5;
  conv.groupExprs[1] = 0;
  conv.groupExprs[2] = 0;
  PlanCommand barrier;
  barrier.kind = CommandKind::Barrier;
  barrier.step = 0;
  barrier.label = "conv";
  barrier.dimExprs = {2};
  barrier.groupExprs[0] = 1;
  PlanCommand gather;
  gather.step = 1;
  gather.label = "gather";
  gather.shader = 1;
  gather.bindings = {1, 3, 4};
  gather.writes = {2};
  gather.groups[0] = 64;
  gather.groups[1] = 20;
  gather.dynamic = true;
  gather.groupExprs[0] = 6;
  gather.groupExprs[1] = 5;
  gather.groupExprs[2] = 0;
  PlanCommand fixed;
  fixed.step = 1;
  fixed.label = "fixed";
  fixed.bindings = {2, 4};
  fixed.writes = {1};
  PlanCommand release;
  release.kind = CommandKind::Release;
  release.step = 1;
  release.label = "gather";
  release.tensor = 3;
  p.commands = {conv, barrier, gather, fixed, release};
  p.inputs = {0, 1};
  p.outputs = {4};
  p.stats.planner = "pool";
  return p;
}

void expectPlansEqual(const Plan &a, const Plan &b) {
  EXPECT_EQ(a.modelName, b.modelName);
  EXPECT_EQ(a.alignment, b.alignment);
  EXPECT_EQ(a.numSteps, b.numSteps);
  ASSERT_EQ(a.shaders.size(), b.shaders.size());
  for (size_t i = 0; i < a.shaders.size(); ++i) {
    EXPECT_EQ(a.shaders[i].name, b.shaders[i].name);
    EXPECT_EQ(a.shaders[i].spirv, b.shaders[i].spirv);
  }
  ASSERT_EQ(a.buffers.size(), b.buffers.size());
  for (size_t i = 0; i < a.buffers.size(); ++i) {
    EXPECT_EQ(a.buffers[i].role, b.buffers[i].role);
    EXPECT_EQ(a.buffers[i].bytes, b.buffers[i].bytes);
  }
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const PlanTensor &x = a.tensors[i], &y = b.tensors[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.role, y.role);
    EXPECT_EQ(x.buffer, y.buffer);
    EXPECT_EQ(x.offset, y.offset);
    EXPECT_EQ(x.bytes, y.bytes);
    EXPECT_EQ(x.firstStep, y.firstStep);
    EXPECT_EQ(x.lastStep, y.lastStep);
    EXPECT_EQ(x.releaseStep, y.releaseStep);
    EXPECT_EQ(x.poolKey, y.poolKey);
    EXPECT_EQ(x.slot, y.slot);
    EXPECT_EQ(x.producer, y.producer);
    EXPECT_EQ(x.aliasOf, y.aliasOf);
    EXPECT_EQ(x.dims, y.dims) << "tensor " << i;
  }
  ASSERT_EQ(a.commands.size(), b.commands.size());
  for (size_t i = 0; i < a.commands.size(); ++i) {
    const PlanCommand &x = a.commands[i], &y = b.commands[i];
    EXPECT_EQ(x.kind, y.kind) << "command " << i;
    EXPECT_EQ(x.step, y.step);
    EXPECT_EQ(x.label, y.label);
    EXPECT_EQ(x.shader, y.shader);
    EXPECT_EQ(x.specConstants, y.specConstants);
    EXPECT_EQ(x.bindings, y.bindings);
    EXPECT_EQ(x.writes, y.writes);
    for (int d = 0; d < 3; ++d)
      EXPECT_EQ(x.groups[d], y.groups[d]) << "command " << i << " dim " << d;
    EXPECT_EQ(x.tensor, y.tensor);
    EXPECT_EQ(x.dynamic, y.dynamic) << "command " << i;
    EXPECT_EQ(x.dimExprs, y.dimExprs) << "command " << i;
    for (int d = 0; d < 3; ++d)
      EXPECT_EQ(x.groupExprs[d], y.groupExprs[d])
          << "command " << i << " dim " << d;
  }
  ASSERT_EQ(a.symbols.size(), b.symbols.size());
  for (size_t i = 0; i < a.symbols.size(); ++i) {
    EXPECT_EQ(a.symbols[i].name, b.symbols[i].name);
    EXPECT_EQ(a.symbols[i].min, b.symbols[i].min);
    EXPECT_EQ(a.symbols[i].max, b.symbols[i].max);
  }
  ASSERT_EQ(a.exprs.size(), b.exprs.size());
  for (size_t i = 0; i < a.exprs.size(); ++i)
    EXPECT_EQ(a.exprs[i].code, b.exprs[i].code) << "expression " << i;
  ASSERT_EQ(a.requirements.size(), b.requirements.size());
  for (size_t i = 0; i < a.requirements.size(); ++i) {
    EXPECT_EQ(a.requirements[i].expr, b.requirements[i].expr);
    EXPECT_EQ(a.requirements[i].max, b.requirements[i].max);
  }
  EXPECT_EQ(a.inputs, b.inputs);
  EXPECT_EQ(a.outputs, b.outputs);
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_EQ(a.stats.planner, b.stats.planner);
  EXPECT_EQ(a.stats.transientBytes, b.stats.transientBytes);
  EXPECT_EQ(a.stats.lowerBound, b.stats.lowerBound);
  EXPECT_EQ(a.stats.noReuseBytes, b.stats.noReuseBytes);
  EXPECT_EQ(a.stats.schedule, b.stats.schedule);
  EXPECT_EQ(a.stats.peakGivenOrder, b.stats.peakGivenOrder);
  EXPECT_EQ(a.stats.slotsPerKey, b.stats.slotsPerKey);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.attachments, b.attachments);
}

/// A fresh temporary directory, removed with its files at scope exit.
struct TempDir {
  SmallString<128> path;
  TempDir() {
    EXPECT_FALSE(sys::fs::createUniqueDirectory("tlc-planfile", path));
  }
  ~TempDir() { sys::fs::remove_directories(path); }
  std::string file(StringRef name) const {
    SmallString<128> p(path);
    sys::path::append(p, name);
    return std::string(p);
  }
};

std::vector<uint8_t> readAll(StringRef path) {
  auto buf = MemoryBuffer::getFile(path, false, false);
  EXPECT_TRUE(bool(buf)) << path.str();
  if (!buf)
    return {};
  return std::vector<uint8_t>((*buf)->getBufferStart(),
                              (*buf)->getBufferEnd());
}

/// The message of \p e, or "" on success (consumes the error).
std::string errText(Error e) { return e ? toString(std::move(e)) : ""; }

std::string errorOf(Expected<Plan> p) {
  if (p)
    return "";
  return toString(p.takeError());
}

TEST(PlanFile, RoundTripsEveryField) {
  TempDir dir;
  Plan p = richPlan();
  ASSERT_EQ(errText(validatePlanStructure(p)), "");
  std::string path = dir.file("rich.tlp");
  ASSERT_EQ(errText(writePlanFile(p, path)), "");
  Expected<Plan> back = readPlanFile(path);
  ASSERT_TRUE(bool(back)) << toString(back.takeError());
  expectPlansEqual(p, *back);

  // Writing the plan read back gives the same bytes: the format is stable.
  std::string again = dir.file("again.tlp");
  ASSERT_EQ(errText(writePlanFile(*back, again)), "");
  EXPECT_EQ(readAll(path), readAll(again));
}

TEST(PlanFile, RoundTripsEveryFieldOfASymbolicPlan) {
  TempDir dir;
  Plan p = symbolicPlan();
  ASSERT_EQ(errText(validatePlanStructure(p)), "");
  std::string path = dir.file("sym.tlp");
  ASSERT_EQ(errText(writePlanFile(p, path)), "");
  Expected<Plan> back = readPlanFile(path);
  ASSERT_TRUE(bool(back)) << toString(back.takeError());
  expectPlansEqual(p, *back);
  std::string again = dir.file("again.tlp");
  ASSERT_EQ(errText(writePlanFile(*back, again)), "");
  EXPECT_EQ(readAll(path), readAll(again));
}

/// The JSON metadata section of the .tlp file at \p path.
std::string jsonSection(StringRef path) {
  std::vector<uint8_t> b = readAll(path);
  if (b.size() < 64)
    return "";
  uint64_t size = support::endian::read64le(b.data() + 24);
  return std::string(b.begin() + 64, b.begin() + 64 + size);
}

TEST(PlanFile, RoundTripsStateAndRequirements) {
  // A KV cache: a State buffer with its tensor, and a requirement on the
  // symbols (here N <= 3, inside N's range [1, 4]).
  TempDir dir;
  Plan p = symbolicPlan();
  p.buffers.push_back({BufferRole::State, 512});
  PlanTensor cache;
  cache.name = "cache";
  cache.type = TensorType{DType::F32, {2, 64}};
  cache.role = TensorRole::State;
  cache.buffer = uint32_t(p.buffers.size() - 1);
  cache.offset = 0;
  cache.bytes = 512;
  cache.lastStep = int64_t(p.numSteps) - 1;
  p.tensors.push_back(cache);
  p.requirements.push_back({1, 3});
  ASSERT_EQ(errText(validatePlanStructure(p)), "");
  std::string path = dir.file("state.tlp");
  ASSERT_EQ(errText(writePlanFile(p, path)), "");
  Expected<Plan> back = readPlanFile(path);
  ASSERT_TRUE(bool(back)) << toString(back.takeError());
  expectPlansEqual(p, *back);
  std::string json = jsonSection(path);
  EXPECT_NE(json.find("\"role\": \"state\""), std::string::npos);
  EXPECT_NE(json.find("\"requirements\""), std::string::npos);
  // A requirement naming no expression is refused.
  p.requirements[0].expr = uint32_t(p.exprs.size());
  EXPECT_NE(errText(validatePlanStructure(p)).find("requirements[0].expr"),
            std::string::npos);
}

TEST(PlanFile, RoundTripsMetadataAndAttachments) {
  // A language model's plan carries its context length and vocabulary:
  // text pairs in the JSON, files in the blob (an empty one too).
  TempDir dir;
  Plan p = richPlan();
  p.metadata = {{"llama.context_length", "64"}, {"tokenizer.eos", "2"}};
  p.attachments["tokenizer.gguf"] = {'G', 'G', 'U', 'F', 3, 0, 0, 0, 9};
  p.attachments["empty"] = {};
  std::string path = dir.file("meta.tlp");
  ASSERT_EQ(errText(writePlanFile(p, path)), "");
  Expected<Plan> back = readPlanFile(path);
  ASSERT_TRUE(bool(back)) << toString(back.takeError());
  expectPlansEqual(p, *back);
  EXPECT_NE(jsonSection(path).find("\"llama.context_length\": \"64\""),
            std::string::npos);
  // A plan without either writes neither field.
  std::string plain = dir.file("plain.tlp");
  ASSERT_EQ(errText(writePlanFile(richPlan(), plain)), "");
  EXPECT_EQ(jsonSection(plain).find("metadata"), std::string::npos);
  EXPECT_EQ(jsonSection(plain).find("attachments"), std::string::npos);
}

TEST(PlanFile, StaticPlansCarryNoSymbolicFields) {
  TempDir dir;
  std::string path = dir.file("rich.tlp");
  ASSERT_EQ(errText(writePlanFile(richPlan(), path)), "");
  std::string json = jsonSection(path);
  ASSERT_NE(json.find("\"tensors\""), std::string::npos);
  for (const char *key : {"\"symbols\"", "\"exprs\"", "\"dims\"", "\"dynamic\"",
                          "\"dimExprs\"", "\"groupExprs\""})
    EXPECT_EQ(json.find(key), std::string::npos) << key;

  std::string sym = dir.file("sym.tlp");
  ASSERT_EQ(errText(writePlanFile(symbolicPlan(), sym)), "");
  json = jsonSection(sym);
  for (const char *key : {"\"symbols\"", "\"exprs\"", "\"dims\"", "\"dynamic\"",
                          "\"dimExprs\"", "\"groupExprs\""})
    EXPECT_NE(json.find(key), std::string::npos) << key;
  // Only the two dynamic dispatches say so.
  size_t n = 0;
  for (size_t at = 0;
       (at = json.find("\"dynamic\": true", at)) != std::string::npos; ++at)
    ++n;
  EXPECT_EQ(n, 2u);
}

TEST(PlanFile, OlderVersionsAreRefusedWithAHintToRecompile) {
  TempDir dir;
  std::string path = dir.file("p.tlp");
  ASSERT_EQ(errText(writePlanFile(richPlan(), path)), "");
  std::vector<uint8_t> b = readAll(path);
  // The header is outside the checksum: only the version changes.
  support::endian::write32le(b.data() + 8, 1);
  EXPECT_EQ(errorOf(readPlanBytes(b, "old.tlp")),
            "old.tlp: byte offset 8: format version 1 is older than the "
            "version this tlc reads (4); recompile the model with `tlc "
            "compile`");
  support::endian::write32le(b.data() + 8, 5);
  EXPECT_EQ(errorOf(readPlanBytes(b, "new.tlp")),
            "new.tlp: byte offset 8: format version 5 is newer than the "
            "newest this tlc reads (4); use a newer tlc");
  support::endian::write32le(b.data() + 8, 0);
  EXPECT_EQ(errorOf(readPlanBytes(b, "zero.tlp")),
            "zero.tlp: byte offset 8: unsupported format version 0; "
            "expected 4");
}

TEST(PlanFile, HeaderLayout) {
  TempDir dir;
  std::string path = dir.file("p.tlp");
  ASSERT_EQ(errText(writePlanFile(richPlan(), path)), "");
  std::vector<uint8_t> b = readAll(path);
  ASSERT_GE(b.size(), 64u);
  EXPECT_EQ(0, memcmp(b.data(), "TLCPLAN\0", 8));
  auto u64 = [&](size_t off) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
      v = (v << 8) | b[off + i];
    return v;
  };
  EXPECT_EQ(u64(8) & 0xffffffffu, 4u); // version
  EXPECT_EQ(u64(8) >> 32, 0u);         // flags
  EXPECT_EQ(u64(16), 64u);             // JSON offset
  uint64_t jsonEnd = 64 + u64(24);
  EXPECT_EQ(b[64], '{');
  EXPECT_EQ(u64(32) % 8, 0u);
  EXPECT_GE(u64(32), jsonEnd);
  EXPECT_EQ(u64(32) + u64(40), b.size());
  EXPECT_EQ(u64(56), 0u);
  // The first shader's code starts the blob, little-endian.
  EXPECT_EQ(u64(u64(32)) & 0xffffffffu, kSpirvMagic);
}

class PlanFileBytes : public ::testing::TestWithParam<bool> {
protected:
  /// richPlan() or, for the parameter true, symbolicPlan().
  Plan plan() const { return GetParam() ? symbolicPlan() : richPlan(); }
};
INSTANTIATE_TEST_SUITE_P(StaticAndSymbolic, PlanFileBytes, ::testing::Bool());

TEST_P(PlanFileBytes, EveryFlippedByteIsRejected) {
  TempDir dir;
  std::string path = dir.file("p.tlp");
  ASSERT_EQ(errText(writePlanFile(plan(), path)), "");
  std::vector<uint8_t> good = readAll(path);
  ASSERT_EQ(errorOf(readPlanBytes(good, "p.tlp")), "");
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x01;
    std::string err = errorOf(readPlanBytes(bad, "p.tlp"));
    EXPECT_EQ(err.rfind("p.tlp: ", 0), 0u) << "byte " << i << ": " << err;
    if (i >= 64) {
      EXPECT_NE(err.find("byte offset 48: checksum mismatch"),
                std::string::npos)
          << "byte " << i << ": " << err;
    }
  }
}

TEST_P(PlanFileBytes, EveryTruncationIsRejected) {
  TempDir dir;
  std::string path = dir.file("p.tlp");
  ASSERT_EQ(errText(writePlanFile(plan(), path)), "");
  std::vector<uint8_t> good = readAll(path);
  for (size_t n = 0; n < good.size(); ++n) {
    std::string err =
        errorOf(readPlanBytes(makeArrayRef(good).take_front(n), "p.tlp"));
    EXPECT_EQ(err.rfind("p.tlp: ", 0), 0u) << "length " << n << ": " << err;
    if (n < 64)
      EXPECT_NE(err.find("shorter than the 64-byte"), std::string::npos) << err;
    else
      EXPECT_NE(err.find("truncated?"), std::string::npos) << err;
  }
}

TEST_P(PlanFileBytes, CorruptedMetadataWithAValidChecksumNeverCrashes) {
  // Get past the checksum to reach the JSON and structure checks: edit one
  // byte of the JSON, re-seal, and require a clean error or a plan that
  // passes validation.
  TempDir dir;
  std::string path = dir.file("p.tlp");
  ASSERT_EQ(errText(writePlanFile(plan(), path)), "");
  std::vector<uint8_t> good = readAll(path);
  uint64_t jsonSize = support::endian::read64le(good.data() + 24);
  int rejected = 0, accepted = 0;
  // Every other byte, six replacements each, keeps this near one second.
  for (uint64_t i = 64; i < 64 + jsonSize; i += 2)
    for (char c : {'9', '-', '"', ']', '}', 'x'}) {
      if (good[i] == uint8_t(c))
        continue;
      std::vector<uint8_t> bad = good;
      bad[i] = uint8_t(c);
      support::endian::write64le(
          bad.data() + 48, xxHash64(makeArrayRef(bad).drop_front(64)));
      Expected<Plan> r = readPlanBytes(bad, "p.tlp");
      if (!r) {
        std::string err = toString(r.takeError());
        EXPECT_EQ(err.rfind("p.tlp: ", 0), 0u) << err;
        EXPECT_EQ(err.find("checksum"), std::string::npos) << err;
        ++rejected;
        continue;
      }
      EXPECT_EQ(errText(validatePlanStructure(*r)), "");
      ++accepted;
    }
  // Most edits break the syntax or the schema; some (a digit in a step, a
  // character inside a name) make another valid plan.
  EXPECT_GT(rejected, 10 * accepted);
}

TEST(PlanFile, DeeplyNestedMetadataIsAnErrorNotAStackOverflow) {
  TempDir dir;
  std::string path = dir.file("p.tlp");
  ASSERT_EQ(errText(writePlanFile(richPlan(), path)), "");
  std::vector<uint8_t> b = readAll(path);
  // Replace the JSON by two million '[' and re-seal the file.
  std::vector<uint8_t> deep(b.begin(), b.begin() + 64);
  deep.insert(deep.end(), 2000000, '[');
  support::endian::write64le(deep.data() + 24, 2000000);
  support::endian::write64le(deep.data() + 32, 64 + 2000000);
  support::endian::write64le(deep.data() + 40, 0);
  support::endian::write64le(deep.data() + 48,
                             xxHash64(makeArrayRef(deep).drop_front(64)));
  EXPECT_EQ(errorOf(readPlanBytes(deep, "deep.tlp")),
            "deep.tlp: byte offset 80: JSON metadata nested deeper than 16 "
            "levels");
}

TEST(PlanFile, ReadsTheIndependentlyEncodedBaseline) {
  Expected<Plan> p = readPlanFile(TLC_SOURCE_DIR "/tests/bad/ok_plan.tlp");
  ASSERT_TRUE(bool(p)) << toString(p.takeError());
  EXPECT_EQ(p->modelName, "tiny");
  EXPECT_EQ(p->alignment, 256u);
  EXPECT_EQ(p->numSteps, 2u);
  ASSERT_EQ(p->shaders.size(), 1u);
  EXPECT_EQ(p->shaders[0].spirv,
            (std::vector<uint32_t>{kSpirvMagic, 0x00010300, 0, 1, 0}));
  // WEIGHTS = struct.pack("<4f", 0.5, -1.0, 2.0, 0.25)
  ASSERT_EQ(p->weights.size(), 16u);
  float w[4];
  memcpy(w, p->weights.data(), 16);
  EXPECT_EQ(w[0], 0.5f);
  EXPECT_EQ(w[1], -1.0f);
  EXPECT_EQ(w[2], 2.0f);
  EXPECT_EQ(w[3], 0.25f);
  ASSERT_EQ(p->tensors.size(), 4u);
  EXPECT_EQ(p->tensors[2].name, "t");
  EXPECT_EQ(p->tensors[2].releaseStep, 1);
  EXPECT_EQ(p->tensors[2].type.str(), "1x4xf32");
  ASSERT_EQ(p->commands.size(), 4u);
  EXPECT_EQ(p->commands[1].kind, CommandKind::Barrier);
  EXPECT_EQ(p->commands[3].kind, CommandKind::Release);
  EXPECT_EQ(p->commands[3].tensor, 2u);
  EXPECT_EQ(p->stats.slotsPerKey.size(), 1u);
}

TEST(PlanFile, ReadsTheIndependentlyEncodedSymbolicBaseline) {
  Expected<Plan> p = readPlanFile(TLC_SOURCE_DIR "/tests/bad/ok_plan_sym.tlp");
  ASSERT_TRUE(bool(p)) << toString(p.takeError());
  EXPECT_EQ(p->modelName, "tiny_sym");
  ASSERT_EQ(p->symbols.size(), 1u);
  EXPECT_EQ(p->symbols[0].name, "N");
  EXPECT_EQ(p->symbols[0].min, 1);
  EXPECT_EQ(p->symbols[0].max, 4);
  ASSERT_EQ(p->exprs.size(), 5u);
  // [SYM 0, CONST 63, ADD, CONST 64, FLOORDIV] in tools/make_bad_inputs.py.
  EXPECT_EQ(p->exprs[2].code,
            (std::vector<int64_t>{S, 0, C, 63, ADD, C, 64, DIV}));
  EXPECT_EQ(planExprStr(*p, p->exprs[2]), "floor((N+63)/64)");
  EXPECT_EQ(planExprStr(*p, p->exprs[4]), "2*N+1");
  ASSERT_EQ(p->tensors.size(), 4u);
  EXPECT_EQ(p->tensors[0].dims, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(planShapeStr(*p, p->tensors[0]), "1xN");
  EXPECT_TRUE(p->tensors[1].dims.empty()); // the weight stays static
  EXPECT_EQ(planShapeStr(*p, p->tensors[1]), "1x4");
  EXPECT_EQ(p->tensors[3].type.shape, (Shape{1, 4})); // the bound
  EXPECT_EQ(p->tensors[3].bytes, 16u);
  const PlanCommand &g = p->commands[0];
  EXPECT_TRUE(g.dynamic);
  EXPECT_EQ(g.dimExprs, (std::vector<uint32_t>{1, 4}));
  EXPECT_EQ(g.groupExprs[0], 2u);
  EXPECT_EQ(g.groupExprs[1], 3u);
  EXPECT_EQ(g.groupExprs[2], 3u);
  EXPECT_FALSE(p->commands[2].dynamic);
  EXPECT_TRUE(p->commands[2].dimExprs.empty());
  for (auto [k, want] : {std::pair<size_t, int64_t>{2, 1}, {4, 9}}) {
    Expected<int64_t> v = evaluatePlanExpr(p->exprs[k], {4});
    ASSERT_TRUE(bool(v)) << toString(v.takeError());
    EXPECT_EQ(*v, want) << "exprs[" << k << "] at N=4";
  }
}

TEST(PlanFile, MissingFileNamesThePath) {
  std::string err = errorOf(readPlanFile("/nonexistent/dir/x.tlp"));
  EXPECT_NE(err.find("/nonexistent/dir/x.tlp: cannot read"), std::string::npos)
      << err;
}

TEST(PlanFile, WriterRefusesInvalidPlansAndLeavesNoFile) {
  TempDir dir;
  Plan p = richPlan();
  p.tensors[2].offset = 3; // misaligned
  std::string path = dir.file("bad.tlp");
  Error e = writePlanFile(p, path);
  ASSERT_TRUE(bool(e));
  std::string msg = toString(std::move(e));
  EXPECT_NE(msg.find("tensors[2].offset: 3 is not a multiple of the "
                     "alignment 64"),
            std::string::npos)
      << msg;
  EXPECT_FALSE(sys::fs::exists(path));
}

TEST(PlanFile, AtomicWriteKeepsOldFileOnFailureAndLeavesNoTemporary) {
  TempDir dir;
  std::string path = dir.file("p.tlp");
  ASSERT_EQ(errText(writePlanFile(richPlan(), path)), "");
  std::vector<uint8_t> before = readAll(path);
  Plan bad = richPlan();
  bad.alignment = 3;
  EXPECT_NE(errText(writePlanFile(bad, path)), "");
  EXPECT_EQ(readAll(path), before);
  // A write into a missing directory fails with the path in the message.
  Error e = writePlanFile(richPlan(), dir.file("no/such/dir/p.tlp"));
  ASSERT_TRUE(bool(e));
  EXPECT_NE(toString(std::move(e)).find("no/such/dir/p.tlp: cannot create "
                                        "temporary file"),
            std::string::npos);
  // Only p.tlp is left in the directory.
  std::error_code ec;
  int count = 0;
  for (sys::fs::directory_iterator it(dir.path, ec), end; it != end && !ec;
       it.increment(ec))
    ++count;
  EXPECT_EQ(count, 1);
}

//===----------------------------------------------------------------------===//
// validatePlanStructure on in-memory plans
//===----------------------------------------------------------------------===//

std::string validateError(const Plan &p) {
  Error e = validatePlanStructure(p);
  return e ? toString(std::move(e)) : "";
}

TEST(PlanValidate, AcceptsTheRichPlan) {
  EXPECT_EQ(validateError(richPlan()), "");
}

TEST(PlanValidate, OffsetOverflowIsCaught) {
  Plan p = richPlan();
  p.tensors[2].offset = ~uint64_t(0) - 63; // offset + bytes wraps around
  EXPECT_NE(validateError(p).find("tensors[2].offset: tensor "
                                  "'t/with/slashes'"),
            std::string::npos);
}

TEST(PlanValidate, EmptyShaderAndMissingOutputs) {
  Plan p = richPlan();
  p.shaders[1].spirv.clear();
  EXPECT_NE(validateError(p).find("shaders[1]: shader 'conv2d' has no SPIR-V"),
            std::string::npos);
  p = richPlan();
  p.outputs.clear();
  EXPECT_NE(validateError(p).find("tensors[3].role: output tensor 'y' is "
                                  "missing from outputs"),
            std::string::npos);
  p = richPlan();
  p.buffers.push_back({BufferRole::Output, 4});
  EXPECT_NE(validateError(p).find("buffers[4]: output buffer holds no tensor"),
            std::string::npos);
}

TEST(PlanValidate, WeightsWithoutBufferAndWritesToWeights) {
  Plan p = richPlan();
  p.buffers[1].role = BufferRole::Transient;
  p.tensors[1].role = TensorRole::Transient;
  EXPECT_NE(validateError(p).find("weights: 13 bytes of weights but no "
                                  "Weights buffer"),
            std::string::npos);
  p = richPlan();
  p.commands[0].writes = {1};
  EXPECT_NE(validateError(p).find("commands[0].writes[0]: dispatch writes "
                                  "weight tensor 'w'"),
            std::string::npos);
  p = richPlan();
  p.tensors[3].name = "x";
  EXPECT_NE(validateError(p).find("tensors[3].name: duplicate tensor name"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// validatePlanStructure on plans over a range of shapes
//===----------------------------------------------------------------------===//

/// Expects validatePlanStructure(\p p) to fail with exactly \p want.
void expectInvalid(const Plan &p, const std::string &want) {
  EXPECT_EQ(validateError(p), want);
}

TEST(PlanValidateSymbolic, AcceptsTheSymbolicPlan) {
  EXPECT_EQ(validateError(symbolicPlan()), "");
}

TEST(PlanValidateSymbolic, Symbols) {
  Plan p = symbolicPlan();
  p.symbols[1].name = "";
  expectInvalid(p, "symbols[1].name: a symbol needs a name");
  p = symbolicPlan();
  p.symbols[1].name = "W";
  expectInvalid(p, "symbols[1].name: duplicate symbol name 'W' (symbols[0] "
                   "has it)");
  p = symbolicPlan();
  p.symbols[0].min = -1;
  expectInvalid(p, "symbols[0].min: symbol 'W' has min -1; expected >= 0");
  p = symbolicPlan();
  p.symbols[1].min = 101;
  expectInvalid(p, "symbols[1].max: symbol 'N' has range [101, 100]; "
                   "expected min <= max");
  // min = max and min = 0 are fine (a dim of 0 is an empty tensor).
  p = symbolicPlan();
  p.symbols[1] = {"N", 0, 0};
  EXPECT_EQ(validateError(p), "");
  // A symbol no input carries is valid: the host sets it (setSymbol).
  p = symbolicPlan();
  p.symbols.push_back({"H", 1, 8});
  EXPECT_EQ(validateError(p), "");
}

TEST(PlanValidateSymbolic, ExpressionsAreEvaluatedAtTheCorners) {
  Plan p = symbolicPlan();
  p.exprs[9] = {{C, 1, C, 2, 11}};
  expectInvalid(p, "exprs[9]: expression word 4: unknown opcode 11");
  p.exprs[9] = {{S, 1, SUB}};
  expectInvalid(p, "exprs[9] at N=1: expression word 2: stack underflow");
  p.exprs[9] = {{S, 2}};
  expectInvalid(p, "exprs[9]: expression word 1: symbol 2 out of range (2 "
                   "symbols)");
  p.exprs[9] = {{}};
  expectInvalid(p, "exprs[9]: expression leaves 0 values, expected 1");
  // 0 only at W = 1280, N = 100 (the all-max corner).
  p.exprs[9] = {{C, 1, C, 1380, S, 0, S, 1, ADD, SUB, DIV}};
  expectInvalid(p, "exprs[9] at W=1280, N=100: expression word 10: division "
                   "by a value <= 0");
  // 0 only at W = 32, N = 100: a corner that is neither all-min nor all-max.
  p.exprs[9] = {{C, 1, S, 0, C, 32, SUB, C, 100, S, 1, SUB, ADD, DIV}};
  expectInvalid(p, "exprs[9] at W=32, N=100: expression word 13: division "
                   "by a value <= 0");
  // Overflow at the max of W only.
  p.exprs[9] = {{C, int64_t(1) << 53, S, 0, MUL}};
  expectInvalid(p, "exprs[9] at W=1280: expression word 4: result beyond 64 "
                   "bits");
  // Inside the range but off the corners: not found (documented limit).
  // 1 / (W-100)^2: positive at W = 32 and W = 1280, 0 at W = 100.
  p.exprs[9] = {{C, 1, S, 0, C, 100, SUB, S, 0, C, 100, SUB, MUL, DIV}};
  EXPECT_EQ(validateError(p), "");
}

TEST(PlanValidateSymbolic, ManySymbolsStillReachTheAllMaxAndAllMinCorners) {
  // Ten symbols, each some input's dim; an expression reading all ten
  // shares corner bits between symbols 0 and 8, 1 and 9.
  Plan p = symbolicPlan();
  std::vector<int64_t> sum = {C, 0}; // S0+...+S9, each in [1, 2]
  for (int i = 0; i < 10; ++i) {
    p.symbols.push_back({"S" + std::to_string(i), 1, 2});
    int64_t s = int64_t(p.symbols.size() - 1);
    p.tensors[1].dims.push_back(uint32_t(p.exprs.size())); // ids: rank 11
    p.exprs.push_back({{S, s}});
    p.tensors[1].type.shape.push_back(2);
    sum.insert(sum.end(), {S, s, ADD});
  }
  p.tensors[1].bytes = p.tensors[1].type.byteSize();
  p.buffers[1].bytes = p.tensors[1].bytes;
  ASSERT_EQ(validateError(p), "");
  // 1 / (20 - sum): positive except at the all-max corner.
  std::vector<int64_t> e = {C, 1, C, 20};
  e.insert(e.end(), sum.begin(), sum.end());
  e.insert(e.end(), {SUB, DIV});
  p.exprs[9] = {e};
  std::string err = validateError(p);
  EXPECT_EQ(err.rfind("exprs[9] at S0=2, S1=2, S2=2", 0), 0u) << err;
  EXPECT_NE(err.find("S9=2: expression word"), std::string::npos) << err;
  // 1 / (sum - 10): positive except at the all-min corner.
  e = {C, 1};
  e.insert(e.end(), sum.begin(), sum.end());
  e.insert(e.end(), {C, 10, SUB, DIV});
  p.exprs[9] = {e};
  err = validateError(p);
  EXPECT_EQ(err.rfind("exprs[9] at S0=1, S1=1, S2=1", 0), 0u) << err;
  EXPECT_NE(err.find("S9=1: expression word"), std::string::npos) << err;
}

TEST(PlanValidateSymbolic, TensorDims) {
  Plan p = symbolicPlan();
  p.tensors[3].dims = {0, 1, 12};
  expectInvalid(p, "tensors[3].dims[2]: expression index 12 out of range; "
                   "the plan has 10 expressions");
  p = symbolicPlan();
  p.tensors[3].dims = {0, 4};
  expectInvalid(p, "tensors[3].dims: 2 expressions for tensor 't' of rank 3; "
                   "expected one per dim");
  // The bound must hold: 1x3x639 cannot hold 3*W = 3840 at W = 1280.
  p = symbolicPlan();
  p.tensors[3].dims = {0, 1, 8};
  expectInvalid(p, "tensors[3].dims[2]: exprs[8] = 3*W is 3840 at W=1280; "
                   "expected 0 to the bound 639 (shape[2])");
  // A constant dim above its bound, and a negative one.
  p = symbolicPlan();
  p.tensors[4].dims = {3, 1};
  p.tensors[4].type.shape = {100, 2};
  p.tensors[4].bytes = 800;
  expectInvalid(p, "tensors[4].dims[1]: exprs[1] = 3 is 3; expected 0 to the "
                   "bound 2 (shape[1])");
  p.tensors[4].dims = {3, 9};
  expectInvalid(p, "tensors[4].dims[1]: exprs[9] = -5 is -5; expected 0 to "
                   "the bound 2 (shape[1])");
  // bytes stays checked against type.shape, the bound.
  p = symbolicPlan();
  p.tensors[3].bytes = 60; // 1x3x5 f32, W = 32: not the bound
  expectInvalid(p, "tensors[3].bytes: 60 but type 1x3x639xf32 needs 7668 "
                   "bytes");
}

TEST(PlanValidateSymbolic, InputDimsAreConstantsOrOneSymbol) {
  Plan p = symbolicPlan();
  p.tensors[0].dims = {0, 1, 4};
  p.tensors[0].type.shape = {1, 3, 639};
  p.tensors[0].bytes = 7668;
  expectInvalid(p, "tensors[0].dims[2]: input tensor 'x' has dim "
                   "floor((W+1)/2)-1; an input dim must be a constant or "
                   "exactly one symbol (the runtime takes the symbols' values "
                   "from the input shapes)");
  // The output may have any expression; the input holding N is enough.
  p = symbolicPlan();
  p.tensors[1].dims = {6}; // min(N,64)
  p.tensors[1].type.shape = {64};
  p.tensors[1].bytes = 256;
  expectInvalid(p, "tensors[1].dims[0]: input tensor 'ids' has dim "
                   "min(N,64); an input dim must be a constant or exactly "
                   "one symbol (the runtime takes the symbols' values from "
                   "the input shapes)");
}

TEST(PlanValidateSymbolic, DynamicDispatches) {
  Plan p = symbolicPlan();
  p.commands[0].dimExprs = {8, 4, 10};
  expectInvalid(p, "commands[0].dimExprs[2]: expression index 10 out of "
                   "range; the plan has 10 expressions");
  p = symbolicPlan();
  p.commands[2].groupExprs[2] = 99;
  expectInvalid(p, "commands[2].groupExprs[2]: expression index 99 out of "
                   "range; the plan has 10 expressions");
  // Group counts stay within the counts at the bound (and >= 0).
  p = symbolicPlan();
  p.commands[2].groups[0] = 63;
  expectInvalid(p, "commands[2].groupExprs[0]: exprs[6] = min(N,64) is 64 at "
                   "N=100; expected 0 to the group count at the bound, "
                   "groups[0] = 63");
  p = symbolicPlan();
  p.commands[2].groupExprs[0] = 9;
  expectInvalid(p, "commands[2].groupExprs[0]: exprs[9] = -5 is -5; expected "
                   "0 to the group count at the bound, groups[0] = 64");
  // A run-time dim must fit its 32-bit word.
  p = symbolicPlan();
  p.exprs[9] = {{C, int64_t(1) << 22, S, 0, MUL}};
  p.commands[0].dimExprs = {9};
  expectInvalid(p, "commands[0].dimExprs[0]: exprs[9] = 4194304*W is "
                   "5368709120 at W=1280; expected a value that fits the "
                   "32-bit word of the shader's dims block");
  p.exprs[9] = {{C, -(int64_t(1) << 31)}};
  EXPECT_EQ(validateError(p), "") << "INT32_MIN fits";
  p.exprs[9] = {{C, 0xffffffffll}};
  EXPECT_EQ(validateError(p), "") << "UINT32_MAX fits";
  p.exprs[9] = {{C, -(int64_t(1) << 31), S, 1, SUB}};
  expectInvalid(p, "commands[0].dimExprs[0]: exprs[9] = -2147483648-N is "
                   "-2147483748 at N=100; expected a value that fits the "
                   "32-bit word of the shader's dims block");
  // The dynamic fields of a command that is not a dynamic dispatch are
  // not used, and not checked (the barrier of symbolicPlan() has some).
  p = symbolicPlan();
  p.commands[1].dimExprs = {77};
  p.commands[3].groupExprs[1] = 55;
  EXPECT_EQ(validateError(p), "");
}

} // namespace
