//===- tests/unit/F16StorageTest.cpp - --precision=fp16 -------------------===//
//
// The pieces of fp16 storage: binary16 conversion (against LLVM's APFloat),
// the float width read from a shader's SPIR-V, the pass's rewrite (casts at
// the interface, converted weights, f32 readers of f16 values), the
// runtime's capability check, and one op through the whole pipeline.
// Whole models: F16ModelTest.cpp.
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "ops/Verifier.h"
#include "OpTestUtil.h"

#include "ir/Half.h"
#include "ir/Npy.h"
#include "ir/onnx/OnnxImporter.h"
#include "passes/Passes.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"
#include "runtime/ShaderCheck.h"
#include "spirv/EmbeddedShaders.h"
#include "spirv/SpirvInterface.h"

#include "llvm/ADT/APFloat.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace tlc;
using namespace llvm;
namespace tt = tlc::testing;

namespace {

const std::string kData = std::string(TLC_SOURCE_DIR) + "/tests/data/";

float apHalfToFloat(uint16_t h) {
  APFloat a(APFloat::IEEEhalf(), APInt(16, h));
  bool lost;
  a.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
  return a.convertToFloat();
}

uint16_t apFloatToHalf(float f) {
  APFloat a(f);
  bool lost;
  a.convert(APFloat::IEEEhalf(), APFloat::rmNearestTiesToEven, &lost);
  return uint16_t(a.bitcastToAPInt().getZExtValue());
}

float bitsToFloat(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

TEST(Half, EveryBinary16DecodesAsApfloat) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float mine = halfToFloat(uint16_t(h)), ref = apHalfToFloat(uint16_t(h));
    if (std::isnan(ref)) {
      EXPECT_TRUE(std::isnan(mine)) << h;
      continue;
    }
    uint32_t a, b;
    std::memcpy(&a, &mine, 4);
    std::memcpy(&b, &ref, 4);
    ASSERT_EQ(a, b) << "binary16 0x" << std::hex << h;
  }
}

TEST(Half, RoundingMatchesApfloatAtEveryBoundary) {
  // Each binary16 value, the exact midpoints to its successor (ties) and the
  // f32 neighbours of both, then random f32 bit patterns.
  std::vector<float> probes;
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    float lo = apHalfToFloat(uint16_t(h)), hi = apHalfToFloat(uint16_t(h + 1));
    float mid = float((double(lo) + double(hi)) / 2);
    for (float f : {lo, mid, std::nextafter(mid, 0.0f),
                    std::nextafter(mid, 1e30f), std::nextafter(lo, 1e30f)}) {
      probes.push_back(f);
      probes.push_back(-f);
    }
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i)
    probes.push_back(bitsToFloat(rng()));
  for (float f : {65504.0f, 65519.99f, 65520.0f, 1e10f,
                  std::numeric_limits<float>::infinity(),
                  std::numeric_limits<float>::denorm_min(), 2.9802322e-8f,
                  2.9802326e-8f})
    probes.push_back(f);
  for (float f : probes) {
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(f))));
      continue;
    }
    // LLVM 14's APFloat rounds some f32 subnormals (< 1.2e-38, far below
    // binary16's 6e-8) to the smallest binary16 subnormal: they must be 0.
    if (f != 0 && std::fpclassify(f) == FP_SUBNORMAL) {
      ASSERT_EQ(floatToHalf(f), std::signbit(f) ? 0x8000 : 0x0000) << f;
      continue;
    }
    ASSERT_EQ(floatToHalf(f), apFloatToHalf(f)) << "f32 " << f;
  }
}

TEST(ShaderBindings, ReadsTheFloatWidthOfEachBinding) {
  // From the SPIR-V, and from the table generated at build time: the same.
  auto storage = [](const char *name) {
    SmallVector<BindingFloat, 8> out;
    const EmbeddedShader *s = findEmbeddedShader(name);
    EXPECT_NE(s, nullptr) << name;
    if (!s)
      return out;
    Expected<SpirvInterface> iface =
        readSpirvInterface(ArrayRef<uint32_t>(s->words, s->numWords));
    EXPECT_TRUE(bool(iface)) << toString(iface.takeError());
    if (!iface)
      return out;
    EXPECT_EQ(iface->bindings.size(), s->interface.bindings.size()) << name;
    for (size_t b = 0; b < iface->bindings.size(); ++b) {
      out.push_back(iface->bindings[b].floatStorage);
      if (b < s->interface.bindings.size()) {
        EXPECT_EQ(s->interface.bindings[b].floatStorage,
                  iface->bindings[b].floatStorage)
            << name << " binding " << b;
      }
    }
    return out;
  };
  using BF = BindingFloat;
  EXPECT_EQ(storage("binary"), (SmallVector<BF, 8>{BF::F32, BF::F32, BF::F32}));
  EXPECT_EQ(storage("binary_f16"),
            (SmallVector<BF, 8>{BF::F16, BF::F16, BF::F16}));
  EXPECT_EQ(storage("storage_cast"), (SmallVector<BF, 8>{BF::F32, BF::F16}));
  EXPECT_EQ(storage("storage_cast_to_f32"),
            (SmallVector<BF, 8>{BF::F16, BF::F32}));
  // Staged through uvec4 views, declared binary16 by float16_t views.
  EXPECT_EQ(storage("gemm_coopmat_f16"),
            (SmallVector<BF, 8>{BF::F16, BF::F16, BF::F16, BF::F16}));
  Expected<SpirvInterface> empty = readSpirvInterface({});
  ASSERT_FALSE(bool(empty));
  EXPECT_EQ(toString(empty.takeError()), "not a SPIR-V module (no header)");
  Expected<SpirvInterface> past =
      readSpirvInterface({0x07230203u, 0x10000u, 0, 5, 0, (9u << 16) | 71u});
  ASSERT_FALSE(bool(past)) << "an instruction running past the end";
  EXPECT_EQ(toString(past.takeError()), "malformed instruction at word 5");
}

/// y = x + w; z = y * y, with y and z graph outputs and w a weight.
Graph addMulGraph(const HostTensor &x, const HostTensor &w) {
  Expected<Graph> g = tt::buildOneNodeGraph(
      "Add", {}, {{x, false}, {w, true}});
  EXPECT_TRUE(bool(g));
  Value z;
  z.name = "z";
  ValueId zid = cantFail(g->addValue(std::move(z)));
  Node mul;
  mul.op = "Mul";
  mul.name = "mul";
  ValueId y = g->nodes[0].outputs[0];
  mul.inputs = {y, y};
  mul.outputs = {zid};
  g->addNode(std::move(mul));
  g->outputs.push_back(zid);
  EXPECT_FALSE(bool(inferShapes(*g)));
  return std::move(*g);
}

TEST(F16Storage, CastsAtTheInterfaceAndConvertsWeights) {
  HostTensor x = tt::randomTensor({2, 8}, 1), w = tt::randomTensor({8}, 2);
  w.f32()[3] = 1e6f; // saturates to the largest binary16
  Graph g = addMulGraph(x, w);
  KernelTarget cpu = cantFail(kernelTargetByName("cpu"));
  F16StorageStats stats = useF16Storage(g, cpu);
  EXPECT_EQ(stats.f16Nodes, 2u);
  EXPECT_EQ(stats.weightsConverted, 1u);
  // x -> f16 before Add; y (an output read by Mul) and z back to f32.
  EXPECT_EQ(stats.casts, 3u);
  Error e = verifyGraph(g);
  ASSERT_FALSE(bool(e)) << toString(std::move(e));
  for (ValueId v : g.inputs)
    EXPECT_EQ(g.values[v].type.dtype, DType::F32);
  for (ValueId v : g.outputs)
    EXPECT_EQ(g.values[v].type.dtype, DType::F32);
  ValueId wid = *g.lookup("in1");
  ASSERT_EQ(g.values[wid].type.dtype, DType::F16);
  ASSERT_EQ(g.values[wid].data.size(), 16u);
  uint16_t h;
  std::memcpy(&h, g.values[wid].data.data() + 6, 2);
  EXPECT_EQ(halfToFloat(h), kHalfMax);
  for (const Node &n : g.nodes) {
    if (n.op == "Mul") { // reads the f16 y, not the f32 output copy
      for (ValueId in : n.inputs)
        EXPECT_EQ(g.values[in].type.dtype, DType::F16);
    }
  }
}

TEST(F16Storage, PlanMatchesTheReferenceOnDevice) {
  HostTensor x = tt::roundedToF16(tt::randomTensor({3, 40}, 3));
  HostTensor w = tt::roundedToF16(tt::randomTensor({40}, 4));
  CompileOptions opts;
  opts.floatStorage = DType::F16;
  Expected<Plan> plan = compileGraph(addMulGraph(x, w), opts);
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  EXPECT_EQ(tt::countDispatches(*plan, "binary_f16"), 2u);
  EXPECT_EQ(tt::countDispatches(*plan, "binary"), 0u);
  auto out = tt::runPlanOnDevice(*plan, {{x, false}, {w, true}});
  ASSERT_TRUE(bool(out)) << toString(out.takeError());
  ASSERT_EQ(out->size(), 2u);
  HostTensor y(tt::f32({3, 40})), z(tt::f32({3, 40}));
  for (size_t i = 0; i < y.f32().size(); ++i) {
    y.f32()[i] = x.f32()[i] + w.f32()[i % 40];
    z.f32()[i] = roundToHalf(y.f32()[i]) * roundToHalf(y.f32()[i]);
  }
  EXPECT_LE(tt::relativeL2((*out)[0], y), tt::kToleranceF16);
  EXPECT_LE(tt::relativeL2((*out)[1], z), tt::kToleranceF16);
  // Storage really is binary16: outputs are rounded, so not f32-exact.
  EXPECT_GT(tt::relativeL2((*out)[0], y), 1e-6);
}

TEST(F16Storage, BroadcastAndScalarPathsOfBinary) {
  for (Shape bs : {Shape{1, 5}, Shape{4, 1}, Shape{1}}) {
    HostTensor a = tt::roundedToF16(tt::randomTensor({4, 5}, 5));
    HostTensor b = tt::roundedToF16(tt::randomTensor(bs, 6, 0.5f, 2.0f));
    for (const char *op : {"Add", "Sub", "Mul", "Div"}) {
      auto ref = tt::runReference(op, {}, {{a, false}, {b, false}});
      ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
      auto dev = tt::runOnDeviceF16(op, {}, {{a, false}, {b, false}});
      ASSERT_TRUE(bool(dev)) << op << ": " << toString(dev.takeError());
      EXPECT_LE(tt::relativeL2((*dev)[0], (*ref)[0]), tt::kToleranceF16) << op;
    }
  }
}

TEST(F16Storage, DeviceWithoutStorage16IsRefused) {
  SmallVector<uint32_t, 2> caps = {1 /*Shader*/, 4433};
  Error e = checkStorageCapabilities(caps, false, "shaders[0] ('binary_f16')");
  ASSERT_TRUE(bool(e));
  std::string msg = toString(std::move(e));
  EXPECT_NE(msg.find("storageBuffer16BitAccess"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--precision=fp32"), std::string::npos) << msg;
  EXPECT_FALSE(bool(checkStorageCapabilities(caps, true, "x")));
  EXPECT_FALSE(bool(checkStorageCapabilities({1}, false, "x")));
}

} // namespace
