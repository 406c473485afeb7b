//===- tests/unit/OpGemmCoopMatTest.cpp - Gemm on tensor cores -------------===//
//
// shaders/gemm_coopmat_f16.comp (fp16 storage with the "gpu-nv" target).
// Everywhere: which nodes the lowering sends to it (shapes it can compute,
// only with fp16 storage and the gpu-nv profile, no split-K then). On a
// device with VK_NV_cooperative_matrix (the GPU machine; lavapipe has none
// and the numeric tests skip there): Gemm, MatMul and GemmResidual results
// against the CPU reference on binary16-rounded inputs, relative L2 <= 3e-3.
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "OpTestUtil.h"

#include "ops/GemmKernel.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::gemmAttrs;
using tt::OpOperand;

namespace {

/// The shaders of \p op's one-node plan for \p target and \p storage,
/// StorageCasts included.
std::vector<std::string> planShaders(StringRef op, const Attributes &attrs,
                                     const std::vector<OpOperand> &operands,
                                     StringRef target, DType storage) {
  Expected<Plan> plan =
      tt::compileOneNode(op, attrs, operands, target, storage);
  EXPECT_TRUE(bool(plan)) << toString(plan.takeError());
  return plan ? tt::dispatchShaders(*plan, /*skipStorageCasts=*/false)
              : std::vector<std::string>();
}

std::vector<OpOperand> gemmOperands(int64_t m, int64_t n, int64_t k,
                                    bool transB, bool bias) {
  std::vector<OpOperand> ops = {
      {tt::roundedToF16(tt::randomTensor({m, k}, 1)), false},
      {tt::roundedToF16(tt::randomTensor(transB ? Shape{n, k} : Shape{k, n}, 2)),
       true}};
  if (bias)
    ops.push_back({tt::roundedToF16(tt::randomTensor({n}, 3)), true});
  return ops;
}

TEST(GemmCoopMat, ChosenOnlyForFp16StorageOnGpuNv) {
  // GPT-2's qkv projection (128 x 2304 x 768, 72 blocks of 64 x 64): on
  // "gpu-nv" with fp16 storage, tensor-core partial products over 4 slices
  // of 192 (288 workgroups) and their reduction.
  auto ops = gemmOperands(128, 2304, 768, false, true);
  Attributes a = gemmAttrs(1.0, 1.0, 0, 0);
  std::vector<std::string> nv =
      planShaders("Gemm", a, ops, "gpu-nv", DType::F16);
  EXPECT_EQ(nv, (std::vector<std::string>{"storage_cast", "gemm_coopmat_f16",
                                          "splitk_reduce_f16",
                                          "storage_cast_to_f32"}));
  GemmKernelArgs qkv;
  qkv.m = 128, qkv.n = 2304, qkv.k = 768;
  KernelTarget t16 = cantFail(kernelTargetByName("gpu-nv"));
  t16.f16Storage = true;
  EXPECT_EQ(chooseSplitKSlice(qkv, t16), 192u);
  // GPT-2's LM head (786 x 2 blocks) needs no split.
  qkv.n = 50257;
  EXPECT_EQ(chooseSplitKSlice(qkv, t16), 0u);
  for (const char *target : {"gpu", "cpu"})
    for (const std::string &s :
         planShaders("Gemm", a, ops, target, DType::F16))
      EXPECT_NE(s, "gemm_coopmat_f16") << target;
  for (const std::string &s :
       planShaders("Gemm", a, ops, "gpu-nv", DType::F32))
    EXPECT_EQ(s.find("coopmat"), std::string::npos) << s;
}

TEST(GemmCoopMat, ShapesItCannotComputeFallBack) {
  // K not a multiple of 8, or A transposed: gemm_tiled's f16 build.
  for (bool transA : {false, true}) {
    int64_t k = transA ? 64 : 60;
    std::vector<OpOperand> ops = {
        {tt::randomTensor(transA ? Shape{k, 96} : Shape{96, k}, 4), false},
        {tt::randomTensor({k, 80}, 5), true}};
    std::vector<std::string> s = planShaders(
        "Gemm", gemmAttrs(1.0, 1.0, transA, 0), ops, "gpu-nv", DType::F16);
    EXPECT_EQ(std::count(s.begin(), s.end(), "gemm_coopmat_f16"), 0)
        << "transA " << transA;
  }
  GemmKernelArgs args;
  args.m = 128, args.n = 50257, args.k = 768;
  EXPECT_TRUE(gemmCoopMatApplies(args)) << "unaligned N is read per element";
  args.kSlice = 128;
  EXPECT_TRUE(gemmCoopMatApplies(args)) << "split-K slices of whole uvec4s";
  args.kSlice = 100;
  EXPECT_FALSE(gemmCoopMatApplies(args));
}

/// Whether the default device runs cooperative matrices; the numeric tests
/// skip elsewhere (lavapipe).
bool deviceHasCoopMat() {
  static int has = -1;
  if (has < 0) {
    auto dev = Device::create(DeviceOptions());
    has = dev && (*dev)->info().cooperativeMatrixNV;
    if (!dev)
      consumeError(dev.takeError());
  }
  return has == 1;
}

void expectCoopMatMatches(StringRef op, const Attributes &attrs,
                          const std::vector<OpOperand> &ops) {
  auto ref = tt::runReference(op, attrs, ops);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  auto dev = tt::runOnDeviceF16(op, attrs, ops, "gpu-nv");
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  double err = tt::relativeL2((*dev)[0], (*ref)[0]);
  EXPECT_LE(err, tt::kToleranceF16);
  EXPECT_GT(err, 0.0);
}

TEST(GemmCoopMat, GemmMatchesReferenceOnTensorCores) {
  if (!deviceHasCoopMat())
    GTEST_SKIP() << "the default device has no VK_NV_cooperative_matrix";
  struct Case {
    int64_t m, n, k;
    bool transB, bias;
    double alpha, beta;
  };
  // Whole and partial 64 x 64 blocks, K tails of a 32 slab, unaligned N
  // (element loads of B), bias and alpha/beta, transposed B.
  for (Case c : {Case{64, 64, 32, false, false, 1, 1},
                 Case{128, 200, 768, false, true, 1, 1},
                 Case{37, 77, 40, false, true, 0.5, 2},
                 Case{130, 96, 72, true, true, 1, 1},
                 Case{1, 1000, 256, true, true, 1, 1},
                 Case{128, 513, 64, false, false, 1, 1}}) {
    SCOPED_TRACE(std::to_string(c.m) + "x" + std::to_string(c.n) + "x" +
                 std::to_string(c.k) + (c.transB ? " transB" : ""));
    expectCoopMatMatches("Gemm", gemmAttrs(c.alpha, c.beta, 0, c.transB),
                         gemmOperands(c.m, c.n, c.k, c.transB, c.bias));
  }
}

TEST(GemmCoopMat, SplitKMatchesReferenceOnTensorCores) {
  // 128 x 256 x 1024: 8 blocks, split into 8 slices of 128 (partials in
  // fp16 storage, summed in f32 by splitk_reduce_f16), with bias.
  auto ops = gemmOperands(128, 256, 1024, false, true);
  Attributes a = gemmAttrs(1.0, 1.0, 0, 0);
  EXPECT_EQ(planShaders("Gemm", a, ops, "gpu-nv", DType::F16),
            (std::vector<std::string>{"storage_cast", "gemm_coopmat_f16",
                                      "splitk_reduce_f16",
                                      "storage_cast_to_f32"}));
  if (!deviceHasCoopMat())
    GTEST_SKIP() << "the default device has no VK_NV_cooperative_matrix";
  expectCoopMatMatches("Gemm", a, ops);
  auto t = gemmOperands(64, 96, 1000, true, false); // K tail in the last slice
  expectCoopMatMatches("Gemm", gemmAttrs(1.0, 1.0, 0, 1), t);
}

TEST(GemmCoopMat, MatMulAndResidualMatchReference) {
  if (!deviceHasCoopMat())
    GTEST_SKIP() << "the default device has no VK_NV_cooperative_matrix";
  expectCoopMatMatches("MatMul", {},
                       {{tt::roundedToF16(tt::randomTensor({96, 128}, 7)),
                         false},
                        {tt::roundedToF16(tt::randomTensor({128, 50}, 8)),
                         true}});
  // GemmResidual: Y = A B + bias + Z, Z updated in place.
  auto ops = gemmOperands(128, 192, 256, false, false);
  ops.insert(ops.begin() + 2,
             {tt::roundedToF16(tt::randomTensor({128, 192}, 9)), false});
  ops.push_back({tt::roundedToF16(tt::randomTensor({192}, 10)), true});
  expectCoopMatMatches("GemmResidual", gemmAttrs(1.0, 1.0, 0, 0), ops);
}

} // namespace
