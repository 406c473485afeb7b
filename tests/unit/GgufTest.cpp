//===- tests/unit/GgufTest.cpp - GGUF round trips and look-ups ------------===//
//
// ir/GgufWriter.h writes, ir/Gguf.h reads back: every metadata value type
// (arrays of each, nested arrays), every tensor type tlc writes plus
// hand-built Q6_K, non-default alignment, version 2, typed getters and
// their errors, tensors tlc reads but does not compute with. And
// tools/gguf_writer.py (run with /usr/bin/python3 and numpy) writes the same
// bytes as the C++ writer for the same content.
//
//===----------------------------------------------------------------------===//
#include "ir/Gguf.h"
#include "ir/GgufQuant.h"
#include "ir/GgufWriter.h"
#include "ir/Half.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace llvm;
using namespace tlc;

namespace {

std::string errText(Error e) { return toString(std::move(e)); }

GgufValue arrayOf(GgufValueType t, std::vector<GgufValue> elems) {
  Expected<GgufValue> v = GgufValue::ofArray(t, elems);
  EXPECT_TRUE(bool(v));
  return v ? std::move(*v) : GgufValue();
}

/// One key for every scalar type, a string, an array of each type, and
/// nested arrays.
std::vector<GgufKeyValue> everyValueType() {
  using V = GgufValue;
  using T = GgufValueType;
  std::vector<GgufKeyValue> kv = {
      {"general.architecture", V::ofString("llama")},
      {"t.u8", V::ofU8(200)},
      {"t.i8", V::ofI8(-5)},
      {"t.u16", V::ofU16(60000)},
      {"t.i16", V::ofI16(-30000)},
      {"t.u32", V::ofU32(4000000000u)},
      {"t.i32", V::ofI32(-2000000000)},
      {"t.f32", V::ofF32(1.5f)},
      {"t.bool", V::ofBool(true)},
      {"t.u64", V::ofU64(~uint64_t(0))},
      {"t.i64", V::ofI64(INT64_MIN)},
      {"t.f64", V::ofF64(0.1)},
      {"t.string", V::ofString("h\xc3\xa9llo")},
      {"t.empty_string", V::ofString("")},
      {"t.a_u8", arrayOf(T::UInt8, {V::ofU8(1), V::ofU8(255)})},
      {"t.a_i8", arrayOf(T::Int8, {V::ofI8(-128), V::ofI8(127)})},
      {"t.a_u16", arrayOf(T::UInt16, {V::ofU16(65535)})},
      {"t.a_i16", arrayOf(T::Int16, {V::ofI16(-1), V::ofI16(2)})},
      {"t.a_u32", arrayOf(T::UInt32, {V::ofU32(7)})},
      {"t.a_i32", arrayOf(T::Int32, {V::ofI32(1), V::ofI32(-2), V::ofI32(3)})},
      {"t.a_f32", arrayOf(T::Float32, {V::ofF32(-0.0f), V::ofF32(INFINITY)})},
      {"t.a_bool", arrayOf(T::Bool, {V::ofBool(false), V::ofBool(true)})},
      {"t.a_string", arrayOf(T::String, {V::ofString("a"), V::ofString("")})},
      {"t.a_u64", arrayOf(T::UInt64, {V::ofU64(uint64_t(1) << 63)})},
      {"t.a_i64", arrayOf(T::Int64, {V::ofI64(-7)})},
      {"t.a_f64", arrayOf(T::Float64, {V::ofF64(-2.5)})},
      {"t.a_empty", arrayOf(T::Float32, {})},
      {"t.nested",
       arrayOf(T::Array,
               {arrayOf(T::UInt8, {V::ofU8(1), V::ofU8(2)}),
                arrayOf(T::String, {V::ofString("x")}),
                arrayOf(T::Array, {arrayOf(T::Int32, {V::ofI32(-9)})})})},
  };
  return kv;
}

/// x_i = ((37 i) mod 101 - 50) / 16 * 1.1 in float32, as tools/gguf_writer.py
/// computes it (sample_writer).
std::vector<float> sampleValues(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = float(int64_t(i * 37 % 101) - 50) / 16.0f * 1.1f;
  return v;
}

GgufTensorData tensorOf(StringRef name, ArrayRef<int64_t> shape, GgmlType t,
                        ArrayRef<float> values) {
  Expected<GgufTensorData> d = makeGgufTensor(name, shape, t, values);
  EXPECT_TRUE(bool(d)) << (d ? "" : errText(d.takeError()));
  return d ? std::move(*d) : GgufTensorData();
}

Expected<GgufFile> roundTrip(ArrayRef<GgufKeyValue> kv,
                             ArrayRef<GgufTensorData> tensors,
                             std::vector<uint8_t> &bytes) {
  Expected<std::vector<uint8_t>> enc = encodeGguf(kv, tensors);
  if (!enc)
    return enc.takeError();
  bytes = std::move(*enc);
  return readGgufBytes(bytes, "rt.gguf");
}

TEST(GgufTest, MetadataOfEveryTypeRoundTrips) {
  std::vector<GgufKeyValue> kv = everyValueType();
  std::vector<uint8_t> bytes;
  Expected<GgufFile> f = roundTrip(kv, {}, bytes);
  ASSERT_TRUE(bool(f)) << errText(f.takeError());
  EXPECT_EQ(f->version, 3u);
  EXPECT_EQ(f->alignment, 32u);
  ASSERT_EQ(f->metadata.size(), kv.size());
  for (size_t i = 0; i < kv.size(); ++i) {
    EXPECT_EQ(f->metadata[i].key, kv[i].key);
    EXPECT_TRUE(f->metadata[i].value == kv[i].value) << kv[i].key;
    EXPECT_EQ(f->find(kv[i].key), &f->metadata[i].value);
  }
  EXPECT_EQ(f->metadata[0].offset, 24u); // right after the header
  EXPECT_EQ(bytes.size() % 32, 0u);      // padded like ggml, no tensors
}

TEST(GgufTest, TypedGetters) {
  std::vector<uint8_t> bytes;
  Expected<GgufFile> f = roundTrip(everyValueType(), {}, bytes);
  ASSERT_TRUE(bool(f)) << errText(f.takeError());
  EXPECT_EQ(*f->getU8("t.u8"), 200);
  EXPECT_EQ(*f->getU32("t.u32"), 4000000000u);
  EXPECT_EQ(*f->getI32("t.i32"), -2000000000);
  EXPECT_EQ(*f->getU64("t.u64"), ~uint64_t(0));
  EXPECT_EQ(*f->getI64("t.i64"), INT64_MIN);
  EXPECT_EQ(*f->getF32("t.f32"), 1.5f);
  EXPECT_EQ(*f->getF64("t.f64"), 0.1);
  EXPECT_EQ(*f->getBool("t.bool"), true);
  EXPECT_EQ(*f->getString("t.string"), "h\xc3\xa9llo");
  EXPECT_EQ(*f->getUnsigned("t.u16"), 60000u);
  EXPECT_EQ(*f->getUnsigned("t.u32"), 4000000000u);
  EXPECT_EQ(*f->getFloat("t.f32"), 1.5);
  EXPECT_EQ(*f->getFloat("t.f64"), 0.1);
  Expected<ArrayRef<std::string>> strs = f->getStringArray("t.a_string");
  ASSERT_TRUE(bool(strs));
  EXPECT_EQ(strs->size(), 2u);
  EXPECT_EQ((*strs)[0], "a");
  Expected<const GgufValue *> a = f->getArray("t.a_i32", GgufValueType::Int32);
  ASSERT_TRUE(bool(a));
  EXPECT_EQ((*a)->count, 3u);
  EXPECT_EQ(*(*a)->element(1).asSigned(), -2);
  const GgufValue *nested = f->find("t.nested");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->element(2).element(0).element(0).asSigned(), -9);
  EXPECT_EQ(nested->element(1).typeName(), "array of string");
}

TEST(GgufTest, GetterErrorsNameTheKeyAndBothTypes) {
  std::vector<uint8_t> bytes;
  Expected<GgufFile> f = roundTrip(everyValueType(), {}, bytes);
  ASSERT_TRUE(bool(f)) << errText(f.takeError());
  uint64_t at = f->metadata[0].offset;
  EXPECT_EQ(errText(f->getU32("general.architecture").takeError()),
            "rt.gguf: metadata key 'general.architecture' (byte offset " +
                std::to_string(at) + ") has type string; expected uint32");
  EXPECT_NE(errText(f->getUnsigned("t.i32").takeError())
                .find("has type int32; expected an unsigned integer"),
            std::string::npos);
  EXPECT_NE(errText(f->getFloat("t.u8").takeError())
                .find("has type uint8; expected float32 or float64"),
            std::string::npos);
  EXPECT_NE(errText(f->getStringArray("t.a_i32").takeError())
                .find("has type array of int32; expected array of string"),
            std::string::npos);
  EXPECT_EQ(errText(f->getBool("llama.block_count").takeError()),
            "rt.gguf: no metadata key 'llama.block_count'");
  EXPECT_EQ(errText(f->tensor("token_embd.weight").takeError()),
            "rt.gguf: no tensor 'token_embd.weight' (the file has 0 tensors)");
}

/// Tensors of every type tlc writes, plus hand-made Q6_K bytes.
std::vector<GgufTensorData> everyTensorType() {
  std::vector<float> v = sampleValues(128);
  std::vector<GgufTensorData> t;
  t.push_back(tensorOf("t.f32", {3, 5}, GgmlType::F32, makeArrayRef(v).take_front(15)));
  t.push_back(tensorOf("t.f16", {2, 3}, GgmlType::F16, makeArrayRef(v).take_front(6)));
  t.push_back(tensorOf("t.bf16", {4}, GgmlType::BF16, makeArrayRef(v).take_front(4)));
  t.push_back(tensorOf("t.q8_0", {2, 64}, GgmlType::Q8_0, v));
  t.push_back(tensorOf("t.q4_0", {3, 32}, GgmlType::Q4_0, makeArrayRef(v).take_front(96)));
  GgufTensorData q6;
  q6.name = "t.q6_k";
  q6.dims = {256};
  q6.type = GgmlType::Q6_K;
  for (int i = 0; i < 210; ++i)
    q6.data.push_back(uint8_t((i * 7 + 3) % 256));
  t.push_back(std::move(q6));
  return t;
}

TEST(GgufTest, TensorsOfEveryTypeRoundTrip) {
  std::vector<GgufTensorData> in = everyTensorType();
  std::vector<uint8_t> bytes;
  Expected<GgufFile> f = roundTrip({}, in, bytes);
  ASSERT_TRUE(bool(f)) << errText(f.takeError());
  ASSERT_EQ(f->tensors.size(), in.size());
  uint64_t next = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const GgufTensor &t = f->tensors[i];
    SCOPED_TRACE(t.name);
    EXPECT_EQ(t.name, in[i].name);
    EXPECT_EQ(t.type, in[i].type);
    EXPECT_EQ(ArrayRef<uint64_t>(t.dims), ArrayRef<uint64_t>(in[i].dims));
    EXPECT_EQ(t.offset, next); // packed in order, each padded to 32
    EXPECT_EQ(t.fileOffset % 32, 0u);
    EXPECT_EQ(t.fileOffset, f->dataOffset + t.offset);
    EXPECT_EQ(t.numBytes, in[i].data.size());
    EXPECT_EQ(t.data, ArrayRef<uint8_t>(in[i].data));
    EXPECT_EQ(t.data.data(), bytes.data() + t.fileOffset); // not copied
    EXPECT_EQ(f->findTensor(t.name), &t);
    next += alignTo(t.numBytes, 32);
  }
  EXPECT_EQ(bytes.size(), f->dataOffset + next);
  EXPECT_EQ(f->tensors[0].shape(), Shape({3, 5}));
  EXPECT_EQ(f->tensors[0].dims[0], 5u); // ggml order: innermost first

  // F32 exactly, F16 and BF16 as their rounding of each value.
  std::vector<float> v = sampleValues(128);
  Expected<std::vector<float>> f32 = dequantize(f->tensors[0]);
  Expected<std::vector<float>> f16 = dequantize(f->tensors[1]);
  Expected<std::vector<float>> bf16 = dequantize(f->tensors[2]);
  ASSERT_TRUE(f32 && f16 && bf16);
  for (int i = 0; i < 15; ++i)
    EXPECT_EQ((*f32)[i], v[i]);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ((*f16)[i], roundToHalf(v[i]));
  for (int i = 0; i < 4; ++i) {
    // Independently: bf16 keeps 8 significant bits, so the error is at most
    // half a unit in the last place, 2^-9 relative.
    EXPECT_LE(std::fabs((*bf16)[i] - v[i]), std::ldexp(std::fabs(v[i]), -8));
    uint32_t b;
    std::memcpy(&b, &(*bf16)[i], 4);
    EXPECT_EQ(b & 0xffffu, 0u);
  }
  for (size_t i = 3; i < 6; ++i) {
    Expected<std::vector<float>> q = dequantize(f->tensors[i]);
    ASSERT_TRUE(bool(q)) << errText(q.takeError());
    EXPECT_EQ(q->size(), f->tensors[i].numElements);
  }
}

TEST(GgufTest, AlignmentFromMetadataAndVersion2) {
  std::vector<GgufKeyValue> kv = {
      {"general.alignment", GgufValue::ofU32(256)}};
  std::vector<GgufTensorData> in = everyTensorType();
  std::vector<uint8_t> bytes;
  Expected<GgufFile> f = roundTrip(kv, in, bytes);
  ASSERT_TRUE(bool(f)) << errText(f.takeError());
  EXPECT_EQ(f->alignment, 256u);
  for (const GgufTensor &t : f->tensors)
    EXPECT_EQ(t.fileOffset % 256, 0u) << t.name;
  bytes[4] = 2; // version 2 has the same layout
  Expected<GgufFile> v2 = readGgufBytes(bytes, "v2.gguf");
  ASSERT_TRUE(bool(v2)) << errText(v2.takeError());
  EXPECT_EQ(v2->version, 2u);
}

TEST(GgufTest, UnsupportedTypesAreReadButNotDequantized) {
  GgufTensorData q5;
  q5.name = "blk.0.ffn_up.weight";
  q5.dims = {256, 2};
  q5.type = GgmlType::Q5_K;
  q5.data.assign(2 * 176, 0);
  std::vector<uint8_t> bytes;
  Expected<GgufFile> f = roundTrip({}, {q5}, bytes);
  ASSERT_TRUE(bool(f)) << errText(f.takeError());
  Expected<const GgufTensor *> t = f->tensor("blk.0.ffn_up.weight");
  ASSERT_TRUE(bool(t));
  EXPECT_EQ((*t)->numBytes, 352u);
  EXPECT_EQ(errText(checkTlcSupports(**t)),
            "tensor 'blk.0.ffn_up.weight' has type Q5_K (13), which tlc does "
            "not support; supported: F32, F16, BF16, Q8_0, Q4_0, Q6_K");
}

TEST(GgufTest, ReadsFilesFromDisk) {
  SmallString<128> path;
  ASSERT_FALSE(sys::fs::createTemporaryFile("gguf-test", "gguf", path));
  std::vector<GgufKeyValue> kv = everyValueType();
  ASSERT_FALSE(bool(writeGguf(path, kv, everyTensorType())));
  Expected<GgufFile> f = readGgufFile(path);
  sys::fs::remove(path);
  ASSERT_TRUE(bool(f)) << errText(f.takeError());
  GgufFile copy = *f; // copies share the mapping
  Expected<std::vector<float>> v = dequantize(copy.tensors[0]);
  ASSERT_TRUE(bool(v));
  EXPECT_EQ((*v)[14], sampleValues(15)[14]);
  EXPECT_EQ(*copy.getString("general.architecture"), "llama");

  Expected<GgufFile> missing = readGgufFile(std::string(path) + ".absent");
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(errText(missing.takeError()).find(".absent: cannot read: "),
            std::string::npos);
}

TEST(GgufTest, WriterRefusesWhatTheReaderWould) {
  auto refusal = [](ArrayRef<GgufKeyValue> kv, ArrayRef<GgufTensorData> t) {
    Expected<std::vector<uint8_t>> b = encodeGguf(kv, t);
    return b ? std::string("accepted") : errText(b.takeError());
  };
  GgufKeyValue k{"k", GgufValue::ofU8(1)};
  EXPECT_EQ(refusal({k, k}, {}), "duplicate metadata key 'k'");
  EXPECT_NE(refusal({{"general.alignment", GgufValue::ofU32(48)}}, {})
                .find("must be a uint32 power of two"),
            std::string::npos);
  GgufTensorData t = tensorOf("w", {2, 32}, GgmlType::Q8_0, sampleValues(64));
  GgufTensorData odd = t;
  odd.dims = {16, 4};
  EXPECT_NE(refusal({}, {odd}).find("dims[0] = 16 is no multiple of the Q8_0 "
                                    "block size 32"),
            std::string::npos);
  GgufTensorData shortData = t;
  shortData.data.pop_back();
  EXPECT_NE(refusal({}, {shortData}).find("67 data bytes; 64 elements of Q8_0 "
                                          "take 68"),
            std::string::npos);
  EXPECT_EQ(refusal({}, {t, t}), "duplicate tensor name 'w'");
  Expected<GgufValue> mixed = GgufValue::ofArray(
      GgufValueType::UInt8, {GgufValue::ofU8(1), GgufValue::ofI8(1)});
  ASSERT_FALSE(bool(mixed));
  EXPECT_EQ(errText(mixed.takeError()),
            "array element 1 has type int8; the array's element type is uint8");
}

/// The content of tools/gguf_writer.py's sample_writer().
std::vector<uint8_t> cppSample() {
  using V = GgufValue;
  using T = GgufValueType;
  std::vector<GgufKeyValue> kv = {
      {"general.architecture", V::ofString("llama")},
      {"general.alignment", V::ofU32(64)},
      {"test.u8", V::ofU8(200)},
      {"test.i8", V::ofI8(-5)},
      {"test.u16", V::ofU16(60000)},
      {"test.i16", V::ofI16(-30000)},
      {"test.u32", V::ofU32(4000000000u)},
      {"test.i32", V::ofI32(-2000000000)},
      {"test.f32", V::ofF32(1.5f)},
      {"test.bool", V::ofBool(true)},
      {"test.u64", V::ofU64((uint64_t(1) << 63) + 5)},
      {"test.i64", V::ofI64(-(int64_t(1) << 62))},
      {"test.f64", V::ofF64(0.1)},
      {"test.string", V::ofString("h\xc3\xa9llo")},
      {"test.array_i32", arrayOf(T::Int32, {V::ofI32(1), V::ofI32(-2), V::ofI32(3)})},
      {"test.array_str",
       arrayOf(T::String, {V::ofString("a"), V::ofString("bc"), V::ofString("")})},
      {"test.nested", arrayOf(T::Array, {arrayOf(T::UInt8, {V::ofU8(1), V::ofU8(2)}),
                                         arrayOf(T::UInt8, {V::ofU8(3)})})},
  };
  std::vector<GgufTensorData> t = everyTensorType();
  Expected<std::vector<uint8_t>> b = encodeGguf(kv, t);
  EXPECT_TRUE(bool(b));
  return b ? *b : std::vector<uint8_t>();
}

TEST(GgufTest, PythonWriterMatchesCpp) {
  const char *python = "/usr/bin/python3";
  if (!sys::fs::can_execute(python))
    GTEST_SKIP() << "no " << python << ": tools/gguf_writer.py not checked";
  Optional<StringRef> quiet[] = {StringRef(""), StringRef(""), StringRef("")};
  if (sys::ExecuteAndWait(python, {python, "-c", "import numpy"}, None,
                          quiet) != 0)
    GTEST_SKIP() << "numpy is absent (Debian: apt-get install python3-numpy): "
                    "tools/gguf_writer.py not checked";
  SmallString<128> path;
  ASSERT_FALSE(sys::fs::createTemporaryFile("gguf-py", "gguf", path));
  std::string script = TLC_SOURCE_DIR "/tools/gguf_writer.py";
  std::string err;
  int rc = sys::ExecuteAndWait(python, {python, script, "--sample", path},
                               None, {}, 0, 0, &err);
  ASSERT_EQ(rc, 0) << script << " --sample failed: " << err;
  auto buf = MemoryBuffer::getFile(path, false, false);
  ASSERT_TRUE(bool(buf));
  std::vector<uint8_t> py((*buf)->getBufferStart(), (*buf)->getBufferEnd());
  Expected<GgufFile> f = readGgufFile(path);
  sys::fs::remove(path);
  ASSERT_TRUE(bool(f)) << errText(f.takeError());
  EXPECT_EQ(f->alignment, 64u);
  EXPECT_EQ(*f->getU64("test.u64"), (uint64_t(1) << 63) + 5);
  EXPECT_EQ(*f->getString("test.string"), "h\xc3\xa9llo");
  EXPECT_EQ(f->tensors.size(), 6u);
  std::vector<uint8_t> cpp = cppSample();
  ASSERT_EQ(py.size(), cpp.size());
  for (size_t i = 0; i < py.size(); ++i)
    ASSERT_EQ(py[i], cpp[i]) << "first difference at byte offset " << i;
}

} // namespace
