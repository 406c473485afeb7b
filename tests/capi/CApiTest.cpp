//===- tests/capi/CApiTest.cpp - The C API, as a program linking it sees it ===//
//
// Links only libtlc_runtime and libtlc_compiler (include/tlc/tlc.h), as an
// application would. References are independent of tlc: PyTorch's logits of
// the Fashion-MNIST model (tests/data/fashion_ref_*.npy) and the float64
// NumPy Llama of tests/data/llama/ (greedy ids). Error texts are compared
// with what the tlc command line prints for the same mistake.
//
//===----------------------------------------------------------------------===//
#include "tlc/tlc.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace {

const std::string kSource = TLC_SOURCE_DIR;
const std::string kBinary = TLC_BINARY_DIR;

/// A little-endian .npy file of version 1 (NumPy's format, "NEP 1"): its
/// shape and raw data. Enough for the reference files; fails the test on
/// anything else.
struct Npy {
  std::string descr;
  std::vector<int64_t> shape;
  std::vector<char> data;
};

Npy readNpy(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> b((std::istreambuf_iterator<char>(f)), {});
  Npy out;
  if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY\x01", 7) != 0) {
    ADD_FAILURE() << path << ": not a version-1 .npy file";
    return out;
  }
  size_t headerLen = size_t(uint8_t(b[8])) | size_t(uint8_t(b[9])) << 8;
  std::string header(b.data() + 10, headerLen);
  size_t d = header.find("'descr': '") + 10;
  out.descr = header.substr(d, header.find('\'', d) - d);
  size_t s = header.find('(', header.find("'shape'")) + 1;
  std::string dims = header.substr(s, header.find(')', s) - s);
  for (size_t p = 0; p < dims.size();) {
    size_t q = dims.find(',', p);
    std::string t = dims.substr(p, q == std::string::npos ? q : q - p);
    if (t.find_first_of("0123456789") != std::string::npos)
      out.shape.push_back(std::stoll(t));
    if (q == std::string::npos)
      break;
    p = q + 1;
  }
  out.data.assign(b.begin() + 10 + long(headerLen), b.end());
  return out;
}

/// Runs \p cmd through the shell; its stderr (2>&1) as text.
std::string shellOutput(const std::string &cmd) {
  std::string out;
  FILE *p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p)
    return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, n);
  pclose(p);
  return out;
}

/// What `tlc ...` prints after "tlc: error: " (first error line).
std::string cliError(const std::string &args) {
  std::string out = shellOutput(kBinary + "/tlc " + args);
  size_t at = out.find("error: ");
  if (at == std::string::npos)
    return "(no error printed: " + out + ")";
  std::string msg = out.substr(at + 7);
  while (!msg.empty() && msg.back() == '\n')
    msg.pop_back();
  return msg;
}

/// The Fashion-MNIST plan for batches 1..8, compiled once into memory.
class CApi : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    tlc_compile_options o;
    tlc_compile_options_init(&o);
    o.input_shapes = "image=1..8x1x28x28";
    o.target = "cpu";
    void *data = nullptr;
    size_t size = 0;
    ASSERT_EQ(tlc_compile_to_memory((kSource + "/models/fashion_cnn.yaml").c_str(),
                                    &o, &data, &size),
              TLC_OK)
        << tlc_last_error();
    planBytes.assign(static_cast<uint8_t *>(data),
                     static_cast<uint8_t *>(data) + size);
    tlc_free(data);
    ASSERT_EQ(tlc_device_create(-1, 0, &device), TLC_OK) << tlc_last_error();
  }
  static void TearDownTestSuite() { tlc_device_destroy(device); }

  tlc_plan *load() {
    tlc_plan *plan = nullptr;
    EXPECT_EQ(tlc_plan_load_memory(device, planBytes.data(), planBytes.size(),
                                   "fashion.tlp", &plan),
              TLC_OK)
        << tlc_last_error();
    return plan;
  }

  static std::vector<uint8_t> planBytes;
  static tlc_device *device;
};
std::vector<uint8_t> CApi::planBytes;
tlc_device *CApi::device = nullptr;

TEST_F(CApi, InputsOutputsAndTheirRanges) {
  tlc_plan *plan = load();
  size_t nin = 0, nout = 0;
  ASSERT_EQ(tlc_plan_input_count(plan, &nin), TLC_OK);
  ASSERT_EQ(tlc_plan_output_count(plan, &nout), TLC_OK);
  EXPECT_EQ(nin, 1u);
  EXPECT_EQ(nout, 1u);
  tlc_tensor_info in, out;
  ASSERT_EQ(tlc_plan_input_info(plan, 0, &in), TLC_OK);
  EXPECT_STREQ(in.name, "image");
  EXPECT_EQ(in.dtype, TLC_F32);
  ASSERT_EQ(in.rank, 4u);
  EXPECT_EQ(std::vector<int64_t>(in.min_shape, in.min_shape + 4),
            (std::vector<int64_t>{1, 1, 28, 28}));
  EXPECT_EQ(std::vector<int64_t>(in.max_shape, in.max_shape + 4),
            (std::vector<int64_t>{8, 1, 28, 28}));
  ASSERT_EQ(tlc_plan_output_info(plan, 0, &out), TLC_OK);
  EXPECT_STREQ(out.name, "logits");
  EXPECT_EQ(out.rank, 2u);
  EXPECT_EQ(out.max_shape[1], 10);
  EXPECT_EQ(tlc_plan_input_info(plan, 1, &in), TLC_ERROR_NOT_FOUND);
  EXPECT_EQ(tlc_plan_destroy(plan), TLC_OK);
}

// Batches of 1..8 images from one plan, against PyTorch's logits; no device
// memory is allocated by any run.
TEST_F(CApi, RunsMatchPyTorchWithoutAllocating) {
  Npy images = readNpy(kSource + "/tests/data/fashion_ref_images.npy");
  Npy logits = readNpy(kSource + "/tests/data/fashion_ref_logits.npy");
  ASSERT_EQ(images.descr, "<f4");
  ASSERT_EQ(logits.descr, "<f4");
  const float *img = reinterpret_cast<const float *>(images.data.data());
  const float *ref = reinterpret_cast<const float *>(logits.data.data());
  tlc_plan *plan = load();
  tlc_counters before{}, after{};
  size_t first = 0;
  for (int64_t batch : {3, 8, 1, 5, 8, 2}) {
    int64_t shape[4] = {batch, 1, 28, 28};
    size_t bytes = size_t(batch) * 784 * sizeof(float);
    ASSERT_EQ(tlc_plan_set_input(plan, "image", TLC_F32, shape, 4,
                                 img + first * 784, bytes),
              TLC_OK)
        << tlc_last_error();
    ASSERT_EQ(tlc_plan_run(plan), TLC_OK) << tlc_last_error();
    if (first == 0) {
      ASSERT_EQ(tlc_device_counters(device, &before), TLC_OK);
    }
    tlc_tensor_info out;
    ASSERT_EQ(tlc_plan_output_info(plan, 0, &out), TLC_OK);
    EXPECT_EQ(out.shape[0], batch);
    std::vector<float> y(size_t(batch) * 10);
    size_t written = 0;
    ASSERT_EQ(tlc_plan_get_output(plan, "logits", y.data(),
                                  y.size() * sizeof(float), &written),
              TLC_OK)
        << tlc_last_error();
    EXPECT_EQ(written, y.size() * sizeof(float));
    double num = 0, den = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      double d = double(y[i]) - ref[first * 10 + i];
      num += d * d;
      den += double(ref[first * 10 + i]) * ref[first * 10 + i];
    }
    EXPECT_LE(std::sqrt(num / den), 1e-5) << "batch " << batch;
    first += size_t(batch);
  }
  ASSERT_EQ(tlc_device_counters(device, &after), TLC_OK);
  EXPECT_EQ(after.memory_allocations, before.memory_allocations);
  EXPECT_EQ(after.allocated_bytes, before.allocated_bytes);
  EXPECT_EQ(after.pipelines_created, before.pipelines_created);
  EXPECT_GT(after.submits, before.submits);
  tlc_timing t;
  ASSERT_EQ(tlc_plan_last_timing(plan, &t), TLC_OK);
  EXPECT_GT(t.host_us, 0);
  tlc_plan_destroy(plan);
}

// Mistakes a caller can make come back as codes with a message; none
// crashes.
TEST_F(CApi, BadCallsReturnErrors) {
  tlc_plan *plan = load();
  float pixels[2 * 784] = {};
  int64_t shape[4] = {2, 1, 28, 28};

  EXPECT_EQ(tlc_plan_set_input(plan, "img", TLC_F32, shape, 4, pixels,
                               sizeof pixels),
            TLC_ERROR_NOT_FOUND);
  EXPECT_STREQ(tlc_last_error(), "the plan has no input 'img'; did you mean "
                                 "'image'? (the plan's inputs: image)");
  EXPECT_EQ(tlc_plan_set_input(plan, "image", TLC_I64, shape, 4, pixels,
                               sizeof pixels),
            TLC_ERROR_DTYPE);
  EXPECT_STREQ(tlc_last_error(), "input 'image' has dtype f32, not i64");
  EXPECT_EQ(tlc_plan_set_input(plan, "image", TLC_F32, shape, 4, pixels, 100),
            TLC_ERROR_INVALID_ARGUMENT);
  int64_t big[4] = {9, 1, 28, 28};
  std::vector<float> nine(9 * 784);
  EXPECT_EQ(tlc_plan_set_input(plan, "image", TLC_F32, big, 4, nine.data(),
                               nine.size() * 4),
            TLC_ERROR_SHAPE);
  EXPECT_NE(std::string(tlc_last_error()).find("9"), std::string::npos)
      << tlc_last_error();
  int64_t wide[4] = {2, 1, 28, 27};
  EXPECT_EQ(tlc_plan_set_input(plan, "image", TLC_F32, wide, 4, pixels,
                               2 * 28 * 27 * 4),
            TLC_ERROR_SHAPE);
  EXPECT_EQ(tlc_plan_set_input(plan, "image", TLC_F32, shape, 3, pixels,
                               2 * 28 * 4),
            TLC_ERROR_SHAPE);
  EXPECT_EQ(tlc_plan_set_input(plan, "image", TLC_F32, shape, 4, nullptr,
                               sizeof pixels),
            TLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(tlc_plan_set_input(plan, nullptr, TLC_F32, shape, 4, pixels,
                               sizeof pixels),
            TLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(tlc_plan_set_input(plan, "image", tlc_dtype(42), shape, 4,
                               pixels, sizeof pixels),
            TLC_ERROR_DTYPE);

  float y[20];
  EXPECT_EQ(tlc_plan_get_output(plan, "logits", y, sizeof y, nullptr),
            TLC_ERROR_STATE);
  ASSERT_EQ(tlc_plan_set_input(plan, "image", TLC_F32, shape, 4, pixels,
                               sizeof pixels),
            TLC_OK);
  ASSERT_EQ(tlc_plan_run(plan), TLC_OK);
  EXPECT_EQ(tlc_plan_get_output(plan, "logits", y, 8, nullptr),
            TLC_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tlc_last_error(),
               "output 'logits' is 80 bytes; the buffer holds 8");
  EXPECT_EQ(tlc_plan_get_output(plan, "logit", y, sizeof y, nullptr),
            TLC_ERROR_NOT_FOUND);
  EXPECT_EQ(tlc_plan_set_symbol(plan, "Q", 3), TLC_ERROR_NOT_FOUND);

  // Handles: NULL, another kind, destroyed.
  EXPECT_EQ(tlc_plan_run(nullptr), TLC_ERROR_INVALID_HANDLE);
  EXPECT_STREQ(tlc_last_error(), "tlc_plan_run: the plan handle is NULL");
  EXPECT_EQ(tlc_plan_run(reinterpret_cast<tlc_plan *>(device)),
            TLC_ERROR_INVALID_HANDLE);
  EXPECT_STREQ(tlc_last_error(),
               "tlc_plan_run: not a plan handle (a device handle)");
  EXPECT_EQ(tlc_plan_destroy(plan), TLC_OK);
  EXPECT_EQ(tlc_plan_run(plan), TLC_ERROR_INVALID_HANDLE);
  EXPECT_STREQ(tlc_last_error(),
               "tlc_plan_run: the plan handle was destroyed (or never "
               "created)");
  EXPECT_EQ(tlc_plan_destroy(plan), TLC_ERROR_INVALID_HANDLE);
  EXPECT_EQ(tlc_plan_set_input(plan, "image", TLC_F32, shape, 4, pixels,
                               sizeof pixels),
            TLC_ERROR_INVALID_HANDLE);
  EXPECT_EQ(tlc_device_counters(reinterpret_cast<tlc_device *>(0x1234), nullptr),
            TLC_ERROR_INVALID_HANDLE);
  EXPECT_EQ(tlc_device_create(-1, 0, nullptr), TLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(tlc_device_create(-7, 0, nullptr), TLC_ERROR_INVALID_ARGUMENT);
}

// A corrupted or truncated plan in memory, and a missing file: the error
// text is the one `tlc run` prints for the same file.
TEST_F(CApi, CorruptedPlansAreRefusedWithTheCliText) {
  std::string dir = testing::TempDir();
  std::vector<uint8_t> flipped = planBytes;
  flipped[flipped.size() / 2] ^= 0x40;
  std::string path = dir + "/capi_flipped.tlp";
  {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char *>(flipped.data()),
            std::streamsize(flipped.size()));
  }
  tlc_plan *plan = nullptr;
  EXPECT_EQ(tlc_plan_load_memory(device, flipped.data(), flipped.size(),
                                 path.c_str(), &plan),
            TLC_ERROR_PLAN);
  EXPECT_EQ(plan, nullptr);
  std::string memoryText = tlc_last_error();
  EXPECT_EQ(tlc_plan_load_file(device, path.c_str(), &plan), TLC_ERROR_PLAN);
  EXPECT_EQ(memoryText, tlc_last_error());
  EXPECT_EQ(tlc_last_error(),
            cliError("run " + path + " --input image=/dev/null"));

  for (size_t keep : {size_t(0), size_t(10), size_t(64), planBytes.size() / 3,
                      planBytes.size() - 1}) {
    EXPECT_EQ(tlc_plan_load_memory(device, planBytes.data(), keep, nullptr,
                                   &plan),
              TLC_ERROR_PLAN)
        << keep;
    EXPECT_NE(std::string(tlc_last_error()).find("<memory>"),
              std::string::npos)
        << tlc_last_error();
  }
  std::string missing = dir + "/capi_no_such.tlp";
  EXPECT_EQ(tlc_plan_load_file(device, missing.c_str(), &plan), TLC_ERROR_IO);
  EXPECT_EQ(tlc_last_error(),
            cliError("run " + missing + " --input image=/dev/null"));
}

TEST(CApiCompile, ErrorsNameTheFlagOrTheModel) {
  tlc_compile_options o;
  tlc_compile_options_init(&o);
  o.precision = "fp8";
  std::string model = kSource + "/models/fashion_cnn.yaml";
  std::string out = testing::TempDir() + "/capi_never.tlp";
  EXPECT_EQ(tlc_compile_file(model.c_str(), &o, out.c_str()),
            TLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(tlc_last_error(),
            cliError("compile " + model + " -o " + out + " --precision fp8"));
  tlc_compile_options_init(&o);
  o.input_shapes = "image=1x1x28";
  EXPECT_EQ(tlc_compile_file(model.c_str(), &o, out.c_str()),
            TLC_ERROR_MODEL);
  EXPECT_EQ(tlc_last_error(),
            cliError("compile " + model + " -o " + out +
                     " --input-shape image=1x1x28"));
  std::string bad = kSource + "/tests/bad/models/unsupported-ops.yaml";
  EXPECT_EQ(tlc_compile_file(bad.c_str(), nullptr, out.c_str()),
            TLC_ERROR_MODEL);
  EXPECT_EQ(tlc_last_error(), cliError("compile " + bad + " -o " + out));
  EXPECT_NE(std::string(tlc_last_error()).find("unsupported-ops.yaml"),
            std::string::npos);
  o.planner = "bogus";
  EXPECT_EQ(tlc_compile_file(model.c_str(), &o, out.c_str()),
            TLC_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tlc_last_error(),
               "--planner=bogus: expected pool, arena, no-alias or auto");
  std::string absent = kSource + "/models/no_such_model.yaml";
  EXPECT_EQ(tlc_compile_file(absent.c_str(), nullptr, out.c_str()),
            TLC_ERROR_IO);
  EXPECT_EQ(tlc_last_error(), cliError("compile " + absent + " -o " + out));
  EXPECT_EQ(tlc_compile_file(nullptr, nullptr, out.c_str()),
            TLC_ERROR_INVALID_ARGUMENT);
  o.struct_size = 3;
  EXPECT_EQ(tlc_compile_file(model.c_str(), &o, out.c_str()),
            TLC_ERROR_INVALID_ARGUMENT);
  std::ifstream never(out);
  EXPECT_FALSE(never.good()) << "a failed compile wrote " << out;
}

// Greedy generation through the API against the float64 NumPy Llama.
TEST(CApiGenerate, GreedyTokensMatchTheNumPyReference) {
  std::string dir = kSource + "/tests/data/llama/";
  std::string plan = testing::TempDir() + "/capi_tiny_b.tlp";
  tlc_compile_options o;
  tlc_compile_options_init(&o);
  o.target = "cpu";
  ASSERT_EQ(tlc_compile_file((dir + "tiny_b_f32.gguf").c_str(), &o,
                             plan.c_str()),
            TLC_OK)
      << tlc_last_error();
  Npy prompt = readNpy(dir + "prompt_ids.npy");
  Npy want = readNpy(dir + "tiny_b_f32_greedy_ids.npy");
  ASSERT_EQ(prompt.descr, "<i8");
  ASSERT_EQ(want.descr, "<i8");
  const int64_t *p = reinterpret_cast<const int64_t *>(prompt.data.data());
  const int64_t *w = reinterpret_cast<const int64_t *>(want.data.data());
  size_t np = size_t(prompt.shape[0]), nw = size_t(want.shape[0]);

  tlc_device *device = nullptr;
  ASSERT_EQ(tlc_device_create(-1, 0, &device), TLC_OK) << tlc_last_error();
  tlc_generator *gen = nullptr;
  ASSERT_EQ(tlc_generator_load_file(device, plan.c_str(), &gen), TLC_OK)
      << tlc_last_error();
  // The device handle may go first: the generator keeps the device.
  EXPECT_EQ(tlc_device_destroy(device), TLC_OK);
  int64_t vocab = 0, context = 0;
  int kv = -1;
  ASSERT_EQ(tlc_generator_info(gen, &vocab, &context, &kv), TLC_OK);
  EXPECT_EQ(vocab, 72);
  EXPECT_EQ(kv, 1);
  std::vector<int64_t> out(nw);
  size_t generated = 0;
  ASSERT_EQ(tlc_generator_generate(gen, p, np, nw, nullptr, -1, out.data(),
                                   &generated),
            TLC_OK)
      << tlc_last_error();
  ASSERT_EQ(generated, nw);
  EXPECT_EQ(out, std::vector<int64_t>(w, w + nw));
  int64_t position = 0;
  ASSERT_EQ(tlc_generator_position(gen, &position), TLC_OK);
  EXPECT_EQ(position, int64_t(np + nw - 1));

  // The same tokens one append at a time, choosing the argmax here.
  ASSERT_EQ(tlc_generator_reset(gen), TLC_OK);
  std::vector<float> logits(static_cast<size_t>(vocab));
  ASSERT_EQ(tlc_generator_append(gen, p, np, logits.data(), logits.size()),
            TLC_OK);
  for (size_t i = 0; i < 8; ++i) {
    int64_t best = 0;
    for (int64_t v = 1; v < vocab; ++v)
      if (logits[size_t(v)] > logits[size_t(best)])
        best = v;
    EXPECT_EQ(best, w[i]) << "token " << i;
    ASSERT_EQ(tlc_generator_append(gen, &best, 1, logits.data(),
                                   logits.size()),
              TLC_OK);
  }
  EXPECT_EQ(tlc_generator_append(gen, p, np, logits.data(), 3),
            TLC_ERROR_INVALID_ARGUMENT);
  std::vector<int64_t> tooMany(size_t(context), 1);
  EXPECT_EQ(tlc_generator_append(gen, tooMany.data(), tooMany.size(),
                                 nullptr, 0),
            TLC_ERROR_SHAPE);
  tlc_sampling bad{-1.0, 0, 1.0, 0};
  EXPECT_EQ(tlc_generator_generate(gen, p, 1, 1, &bad, -1, out.data(),
                                   &generated),
            TLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(tlc_generator_destroy(gen), TLC_OK);
  EXPECT_EQ(tlc_generator_destroy(gen), TLC_ERROR_INVALID_HANDLE);

  // From memory: the same plan's bytes load; a truncated copy does not.
  std::ifstream f(plan, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), {});
  tlc_device *again = nullptr;
  ASSERT_EQ(tlc_device_create(-1, 0, &again), TLC_OK);
  ASSERT_EQ(tlc_generator_load_memory(again, bytes.data(), bytes.size(),
                                      "tiny_b", &gen),
            TLC_OK)
      << tlc_last_error();
  ASSERT_EQ(tlc_generator_generate(gen, p, np, 4, nullptr, -1, out.data(),
                                   &generated),
            TLC_OK);
  EXPECT_EQ(std::vector<int64_t>(out.begin(), out.begin() + 4),
            std::vector<int64_t>(w, w + 4));
  EXPECT_EQ(tlc_generator_destroy(gen), TLC_OK);
  EXPECT_EQ(tlc_generator_load_memory(again, bytes.data(), bytes.size() / 2,
                                      "tiny_b", &gen),
            TLC_ERROR_PLAN);
  EXPECT_NE(std::string(tlc_last_error()).find("tiny_b"), std::string::npos);
  tlc_device_destroy(again);
}

// Two threads run two plans of one device at once; each gets the results
// it would get alone.
TEST_F(CApi, PlansRunFromSeveralThreads) {
  Npy images = readNpy(kSource + "/tests/data/fashion_ref_images.npy");
  const float *img = reinterpret_cast<const float *>(images.data.data());
  auto work = [&](int64_t batch, size_t first, std::vector<float> &y) {
    tlc_plan *plan = load();
    int64_t shape[4] = {batch, 1, 28, 28};
    y.assign(size_t(batch) * 10, 0.f);
    for (int i = 0; i < 20; ++i) {
      if (tlc_plan_set_input(plan, "image", TLC_F32, shape, 4,
                             img + first * 784, size_t(batch) * 784 * 4) ||
          tlc_plan_run(plan) ||
          tlc_plan_get_output(plan, "logits", y.data(), y.size() * 4,
                              nullptr))
        ADD_FAILURE() << tlc_last_error();
    }
    tlc_plan_destroy(plan);
  };
  std::vector<float> a, b, a1, b1;
  std::thread t1(work, 4, 0, std::ref(a)), t2(work, 6, 10, std::ref(b));
  t1.join();
  t2.join();
  work(4, 0, a1);
  work(6, 10, b1);
  EXPECT_EQ(a, a1);
  EXPECT_EQ(b, b1);
}

TEST(CApiMisc, NamesAndVersions) {
  EXPECT_EQ(tlc_api_version(), TLC_API_VERSION);
  EXPECT_STREQ(tlc_status_name(TLC_ERROR_SHAPE), "TLC_ERROR_SHAPE");
  EXPECT_STREQ(tlc_status_name(tlc_status(99)), "TLC_ERROR_UNKNOWN");
  EXPECT_EQ(tlc_dtype_size(TLC_F16), 2u);
  EXPECT_EQ(tlc_dtype_size(tlc_dtype(17)), 0u);
  EXPECT_STREQ(tlc_dtype_name(TLC_I64), "i64");
  EXPECT_STRNE(tlc_version(), "");
}

} // namespace
