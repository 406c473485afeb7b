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
  EXPECT_EQ(u64(8) & 0xffffffffu, 1u); // version
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

TEST(PlanFile, EveryFlippedByteIsRejected) {
  TempDir dir;
  std::string path = dir.file("p.tlp");
  ASSERT_EQ(errText(writePlanFile(richPlan(), path)), "");
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

TEST(PlanFile, EveryTruncationIsRejected) {
  TempDir dir;
  std::string path = dir.file("p.tlp");
  ASSERT_EQ(errText(writePlanFile(richPlan(), path)), "");
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

TEST(PlanFile, CorruptedMetadataWithAValidChecksumNeverCrashes) {
  // Get past the checksum to reach the JSON and structure checks: edit one
  // byte of the JSON, re-seal, and require a clean error or a plan that
  // passes validation.
  TempDir dir;
  std::string path = dir.file("p.tlp");
  ASSERT_EQ(errText(writePlanFile(richPlan(), path)), "");
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

} // namespace
