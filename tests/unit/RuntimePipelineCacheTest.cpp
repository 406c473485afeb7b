//===- tests/unit/RuntimePipelineCacheTest.cpp - On-disk pipeline cache ---===//
//
// The pipeline cache file: a first load writes it, a second finds it (hit)
// and leaves it alone; truncated, garbage and foreign (other pipelineCacheUUID,
// other driver version) files are ignored with a note and the plan still
// loads and computes the right result; "off" disables it. The file format
// is also checked by hand: every corruption is named with its byte offset.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestUtil.h"

#include "runtime/PipelineCacheFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstdlib>
#include <fstream>

using namespace llvm;
using namespace tlc;
using namespace tlc::testing;

namespace {

Plan reluPlan(int64_t n) {
  PlanBuilder b("cached");
  uint32_t x = b.ioTensor("x", TensorRole::Input, n);
  uint32_t y = b.ioTensor("y", TensorRole::Output, n);
  b.unary(UnaryOpCode::Relu, x, y, 0);
  return b.plan;
}

std::vector<uint8_t> readAll(StringRef path) {
  auto buf = MemoryBuffer::getFile(path, false, false);
  if (!buf)
    return {};
  return std::vector<uint8_t>((*buf)->getBufferStart(), (*buf)->getBufferEnd());
}

void writeAll(StringRef path, ArrayRef<uint8_t> bytes) {
  std::ofstream f(path.str(), std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

class RuntimePipelineCacheTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(sys::fs::createUniqueDirectory("tlc-pipeline-cache", dir));
    setenv("TLC_PIPELINE_CACHE", dir.c_str(), 1);
    device = makeTestDevice();
    ASSERT_NE(device, nullptr);
  }
  void TearDown() override {
    setenv("TLC_PIPELINE_CACHE", "off", 1);
    if (device) {
      EXPECT_EQ(device->counters().validationMessages, 0u);
    }
    sys::fs::remove_directories(dir);
  }
  /// Loads and runs reluPlan, checks the result, returns the cache report.
  PipelineCacheReport loadAndRun() {
    const int64_t n = 1000;
    auto lp = LoadedPlan::load(*device, reluPlan(n));
    if (!lp) {
      ADD_FAILURE() << toString(lp.takeError());
      return {};
    }
    std::vector<float> x = testValues(size_t(n), 5);
    EXPECT_FALSE(bool((*lp)->setInput(0, asBytes(x))));
    EXPECT_FALSE(bool((*lp)->run()));
    EXPECT_EQ(asFloats((*lp)->output(0)), reluReference(x));
    return (*lp)->pipelineCache();
  }
  SmallString<128> dir;
  std::unique_ptr<Device> device;
};

TEST_F(RuntimePipelineCacheTest, FirstLoadWritesSecondLoadHits) {
  PipelineCacheReport first = loadAndRun();
  EXPECT_FALSE(first.hit);
  EXPECT_TRUE(first.saved) << first.note;
  EXPECT_TRUE(StringRef(first.path).startswith(dir));
  EXPECT_TRUE(sys::fs::exists(first.path));
  PipelineCacheReport second = loadAndRun();
  EXPECT_EQ(second.path, first.path);
  EXPECT_TRUE(second.hit) << second.note;
  EXPECT_EQ(second.note, "");
}

TEST_F(RuntimePipelineCacheTest, CorruptFilesAreIgnoredAndReplaced) {
  PipelineCacheReport first = loadAndRun();
  std::vector<uint8_t> good = readAll(first.path);
  ASSERT_GE(good.size(), kPipelineCacheFileHeaderBytes + 32);

  struct Case {
    const char *what;
    std::vector<uint8_t> bytes;
    const char *note;
  };
  ASSERT_GT(good.size(), 20u);
  std::vector<uint8_t> truncated(good.begin(), good.end() - 1);
  std::vector<uint8_t> flipped = good;
  flipped.back() ^= 0x5a;
  std::vector<uint8_t> garbage(100, 0xab);
  std::vector<uint8_t> headerOnly(good.begin(), good.begin() + 20);
  for (const Case &c : {Case{"truncated by one byte", truncated, "recorded"},
                        Case{"one flipped bit", flipped, "checksum"},
                        Case{"garbage", garbage, "magic"},
                        Case{"half a header", headerOnly, "truncated"},
                        Case{"empty", {}, "truncated"}}) {
    SCOPED_TRACE(c.what);
    writeAll(first.path, c.bytes);
    PipelineCacheReport r = loadAndRun();
    EXPECT_FALSE(r.hit);
    EXPECT_NE(r.note.find(c.note), std::string::npos) << r.note;
    EXPECT_TRUE(r.saved); // replaced by a good file
    EXPECT_TRUE(loadAndRun().hit);
  }
}

TEST_F(RuntimePipelineCacheTest, ForeignDeviceOrDriverIsIgnored) {
  PipelineCacheReport first = loadAndRun();
  std::vector<uint8_t> good = readAll(first.path);
  VkPhysicalDeviceProperties props = {};
  auto data = decodePipelineCache(good, first.path, props);
  // Another driver version: the props above are all zero.
  ASSERT_FALSE(bool(data));
  std::string msg = toString(data.takeError());
  EXPECT_NE(msg.find("byte 24: driverVersion"), std::string::npos) << msg;

  // Re-encode the driver's data with another pipelineCacheUUID byte.
  ArrayRef<uint8_t> payload =
      ArrayRef<uint8_t>(good).drop_front(kPipelineCacheFileHeaderBytes);
  std::vector<uint8_t> foreign(payload.begin(), payload.end());
  foreign[16] ^= 0xff;
  // Keep the driver version of the good file, fix size and checksum.
  std::vector<uint8_t> reencoded = encodePipelineCache(foreign, props);
  std::copy(good.begin() + 24, good.begin() + 28, reencoded.begin() + 24);
  writeAll(first.path, reencoded);
  PipelineCacheReport r = loadAndRun();
  EXPECT_FALSE(r.hit);
  EXPECT_NE(r.note.find("pipelineCacheUUID"), std::string::npos) << r.note;
}

TEST_F(RuntimePipelineCacheTest, OffDisablesTheCache) {
  setenv("TLC_PIPELINE_CACHE", "off", 1);
  PipelineCacheReport r = loadAndRun();
  EXPECT_EQ(r.path, "");
  EXPECT_FALSE(r.hit);
  EXPECT_FALSE(r.saved);
  std::error_code ec;
  EXPECT_TRUE(sys::fs::directory_iterator(dir, ec) ==
              sys::fs::directory_iterator());
}

TEST(RuntimePipelineCacheFile, DecodeNamesEveryProblem) {
  VkPhysicalDeviceProperties props = {};
  props.vendorID = 0x10de;
  props.deviceID = 0x2330;
  props.driverVersion = 0x12345678;
  for (uint32_t i = 0; i < VK_UUID_SIZE; ++i)
    props.pipelineCacheUUID[i] = uint8_t(i);
  // A driver blob: VkPipelineCacheHeaderVersionOne + 8 bytes of data.
  std::vector<uint8_t> blob(32 + 8, 0);
  auto put32 = [&](size_t at, uint32_t v) {
    for (int k = 0; k < 4; ++k)
      blob[at + k] = uint8_t(v >> (8 * k));
  };
  put32(0, 32);
  put32(4, VK_PIPELINE_CACHE_HEADER_VERSION_ONE);
  put32(8, props.vendorID);
  put32(12, props.deviceID);
  std::copy(props.pipelineCacheUUID, props.pipelineCacheUUID + VK_UUID_SIZE,
            blob.begin() + 16);
  std::vector<uint8_t> file = encodePipelineCache(blob, props);
  auto ok = decodePipelineCache(file, "c.bin", props);
  ASSERT_TRUE(bool(ok)) << toString(ok.takeError());
  EXPECT_EQ(std::vector<uint8_t>(ok->begin(), ok->end()), blob);

  auto expectError = [&](std::vector<uint8_t> bytes,
                         const VkPhysicalDeviceProperties &p, StringRef part) {
    auto r = decodePipelineCache(bytes, "c.bin", p);
    ASSERT_FALSE(bool(r)) << part.str();
    std::string msg = toString(r.takeError());
    EXPECT_NE(msg.find(part.str()), std::string::npos) << msg;
    EXPECT_EQ(msg.rfind("c.bin: byte ", 0), 0u) << msg;
  };
  VkPhysicalDeviceProperties other = props;
  other.vendorID = 0x1002;
  expectError(file, other, "byte 40: vendorID:deviceID 0x10de:0x2330");
  other = props;
  other.pipelineCacheUUID[3] ^= 1;
  expectError(file, other, "byte 48: pipelineCacheUUID");
  std::vector<uint8_t> badVersion = blob;
  badVersion[4] = 7;
  expectError(encodePipelineCache(badVersion, props), props, "headerVersion 7");
  std::vector<uint8_t> badSize = blob;
  badSize[0] = 200;
  expectError(encodePipelineCache(badSize, props), props, "headerSize 200");
  std::vector<uint8_t> shortBlob(blob.begin(), blob.begin() + 20);
  expectError(encodePipelineCache(shortBlob, props), props, "shorter than");
  std::vector<uint8_t> longer = file;
  longer.push_back(0);
  expectError(longer, props, "byte 8: payload of 40 bytes recorded, 41");
}

TEST(RuntimePipelineCacheFile, NameCarriesTheDeviceKey) {
  VkPhysicalDeviceProperties props = {};
  props.vendorID = 0x10de;
  props.deviceID = 0x2330;
  props.driverVersion = 0x91234000;
  props.pipelineCacheUUID[0] = 0xab;
  EXPECT_EQ(
      pipelineCacheFileName(props),
      "pipelines-10de-2330-91234000-ab000000000000000000000000000000.bin");
}

} // namespace
