//===- tests/unit/ShaderInterfaceTest.cpp - Dispatches against shaders ----===//
//
// The C++ <-> shader interface is checked, not trusted: the interface table
// generated at build time matches the SPIR-V; every dispatch the lowerings
// emit for the repo's models, on every kernel target and in fp16 builds,
// passes checkDispatch (the "build time" check of the embedded shaders); and
// a lowering that passes a wrong constant id, a wrong constant type or a
// wrong number of buffers is refused with an error naming the node, the
// shader and the id or binding.
//
//===----------------------------------------------------------------------===//
#include "codegen/DispatchCheck.h"
#include "ir/ModelParser.h"
#include "ir/onnx/OnnxImporter.h"
#include "ops/StridedCopy.h"
#include "ops/Unary.h"
#include "driver/Pipeline.h"
#include "spirv/EmbeddedShaders.h"
#include "spirv/SpirvInterface.h"

#include <gtest/gtest.h>

#include <string>

using namespace tlc;
using namespace llvm;

namespace {

const ShaderInterfaceRef &interfaceOf(StringRef shader) {
  const EmbeddedShader *s = findEmbeddedShader(shader);
  if (!s) {
    ADD_FAILURE() << shader.str() << " is not embedded";
    static const ShaderInterfaceRef none;
    return none;
  }
  return s->interface;
}

/// checkDispatch's message for \p d, or "" when it accepts it.
std::string check(const DispatchDesc &d) {
  Error e = checkDispatch(d, interfaceOf(d.shader), "node 'n' (Op)");
  return e ? toString(std::move(e)) : "";
}

TEST(ShaderInterface, GeneratedTableMatchesTheSpirv) {
  ASSERT_FALSE(embeddedShaders().empty());
  for (const EmbeddedShader &s : embeddedShaders()) {
    Expected<SpirvInterface> iface =
        readSpirvInterface(ArrayRef<uint32_t>(s.words, s.numWords));
    ASSERT_TRUE(bool(iface)) << s.name << ": " << toString(iface.takeError());
    ASSERT_EQ(iface->specConstants.size(), s.interface.specConstants.size())
        << s.name;
    for (size_t i = 0; i < iface->specConstants.size(); ++i) {
      EXPECT_EQ(iface->specConstants[i].id, s.interface.specConstants[i].id);
      EXPECT_EQ(iface->specConstants[i].type,
                s.interface.specConstants[i].type);
    }
    ASSERT_EQ(iface->bindings.size(), s.interface.bindings.size()) << s.name;
    for (size_t b = 0; b < iface->bindings.size(); ++b) {
      EXPECT_EQ(iface->bindings[b].readonly, s.interface.bindings[b].readonly);
      EXPECT_EQ(iface->bindings[b].floatStorage,
                s.interface.bindings[b].floatStorage);
    }
  }
}

TEST(ShaderInterface, ReadsTypesIdsAndReadonly) {
  const ShaderInterfaceRef &sc = interfaceOf("strided_copy");
  ASSERT_NE(sc.specConstant(0), nullptr);
  EXPECT_EQ(sc.specConstant(0)->type, SpecType::U32); // TOTAL
  ASSERT_NE(sc.specConstant(7), nullptr);
  EXPECT_EQ(sc.specConstant(7)->type, SpecType::I32); // SS0
  EXPECT_EQ(sc.specConstant(21), nullptr);
  const ShaderInterfaceRef &cm = interfaceOf("gemm_coopmat_f16");
  ASSERT_NE(cm.specConstant(5), nullptr);
  EXPECT_EQ(cm.specConstant(5)->type, SpecType::F32); // ALPHA
  EXPECT_EQ(cm.specConstant(5)->defaultBits, 0x3f800000u);
  EXPECT_EQ(cm.specConstant(3), nullptr); // no TRANS_A
  ASSERT_EQ(cm.bindings.size(), 4u);
  EXPECT_TRUE(cm.bindings[0].readonly);
  EXPECT_FALSE(cm.bindings[3].readonly); // Y is read and written
  // gemm_tiled's workgroup size is constant 30 (local_size_x_id).
  ASSERT_NE(interfaceOf("gemm_tiled").specConstant(30), nullptr);
  const ShaderInterfaceRef &un = interfaceOf("unary");
  ASSERT_EQ(un.bindings.size(), 2u);
  EXPECT_TRUE(un.bindings[0].readonly);
  EXPECT_TRUE(un.bindings[1].writeonly);
}

TEST(ShaderInterface, LoweringsPassWhatTheirShadersDeclare) {
  DispatchDesc u = lowerUnary(UnaryOpCode::Relu, 1000);
  EXPECT_EQ(check(u), "");
  int64_t box[] = {2, 3}, src[] = {3, 1}, dst[] = {1, -2};
  EXPECT_EQ(check(lowerStridedCopy(box, src, 0, dst, 4, 0, 1)), "");
}

TEST(ShaderInterface, WrongConstantIdIsRefused) {
  DispatchDesc d = lowerUnary(UnaryOpCode::Relu, 1000);
  ASSERT_EQ(d.specConstants.size(), 6u);
  d.specConstants.push_back(spec::u32(7));
  EXPECT_EQ(check(d), "node 'n' (Op): shader 'unary': passes constant_id 6 "
                      "(u32 0x7), which the shader does not declare");
  d.specConstants.pop_back();
  d.specConstants[2] = spec::unused();
  EXPECT_EQ(check(d), "node 'n' (Op): shader 'unary': constant_id 2 is marked "
                      "unused, but the shader declares it (u32); pass a value");
}

TEST(ShaderInterface, MissingConstantIsRefused) {
  DispatchDesc d = lowerUnary(UnaryOpCode::Relu, 1000);
  d.specConstants.pop_back();
  EXPECT_EQ(check(d), "node 'n' (Op): shader 'unary': does not pass "
                      "constant_id 5 (u32), which the shader declares; the "
                      "dispatch passes ids 0..4");
  d.specTailDefaults = true; // a declared tail may keep its defaults
  EXPECT_EQ(check(d), "");
}

TEST(ShaderInterface, WrongConstantTypeIsRefused) {
  int64_t box[] = {2, 3}, src[] = {3, 1}, dst[] = {1, -2};
  DispatchDesc d = lowerStridedCopy(box, src, 0, dst, 4, 0, 1);
  ASSERT_EQ(d.specConstants[7].type, SpecType::I32);
  d.specConstants[7] = spec::u32(d.specConstants[7].bits);
  EXPECT_EQ(check(d), "node 'n' (Op): shader 'strided_copy': constant_id 7: "
                      "the shader declares i32, the dispatch passes u32");
  DispatchDesc u = lowerUnary(UnaryOpCode::Relu, 1000);
  u.specConstants[2] = spec::f32(0.5f);
  EXPECT_EQ(check(u), "node 'n' (Op): shader 'unary': constant_id 2: the "
                      "shader declares u32, the dispatch passes f32");
}

TEST(ShaderInterface, WrongBindingCountIsRefused) {
  DispatchDesc d = lowerUnary(UnaryOpCode::Relu, 1000);
  d.operands.push_back(0);
  EXPECT_EQ(check(d), "node 'n' (Op): shader 'unary': binds 3 buffers; the "
                      "shader declares 2 (bindings 0..1)");
  d.operands = {0};
  EXPECT_EQ(check(d), "node 'n' (Op): shader 'unary': binds 1 buffers; the "
                      "shader declares 2 (bindings 0..1)");
}

TEST(ShaderInterface, WritingAReadonlyBindingIsRefused) {
  DispatchDesc d = lowerUnary(UnaryOpCode::Relu, 1000);
  d.writes = {0, 1};
  EXPECT_EQ(check(d), "node 'n' (Op): shader 'unary': writes binding 0, "
                      "which the shader declares readonly");
  d.writes = {};
  EXPECT_EQ(check(d), "node 'n' (Op): shader 'unary': binding 1 is declared "
                      "writeonly, but the dispatch does not list it in writes");
}

/// Every model of the repo, compiled for every kernel target in fp32 and
/// fp16: codegen checks each dispatch against its embedded shader
/// (codegen/Lowering.cpp), so a lowering that disagrees with its shader
/// fails here.
TEST(ShaderInterface, EveryModelsDispatchesMatchTheirShaders) {
  struct Model {
    const char *path;
    const char *inputShape; // NAME=DIMS or ""
  };
  const Model models[] = {
      {"models/fashion_cnn.yaml", ""},
      {"tests/lit/Inputs/mlp.yaml", ""},
      {"tests/lit/Inputs/concat-slices.yaml", ""},
      {"tests/lit/Inputs/no-transient.yaml", ""},
      {"tests/data/onnx/conv_bn_relu.onnx", "x=2x3x8x8"},
      {"tests/data/onnx/shape_chain.onnx", "x=2x3x4x4"},
      {"tests/data/onnx/opset13_mlp.onnx", ""},
      {"tests/data/peer/gpt2_tiny.onnx", ""},
  };
  size_t plans = 0;
  for (const Model &m : models)
    for (const char *target : {"cpu", "gpu", "gpu-nv"})
      for (DType storage : {DType::F32, DType::F16}) {
        std::string path = std::string(TLC_SOURCE_DIR) + "/" + m.path;
        ModelParseOptions parse;
        if (*m.inputShape) {
          auto [name, dims] = StringRef(m.inputShape).split('=');
          Shape shape;
          SmallVector<StringRef, 4> parts;
          dims.split(parts, 'x');
          for (StringRef p : parts)
            shape.push_back(std::stoll(p.str()));
          parse.inputShapes[name.str()] = shape;
        }
        CompileOptions opts;
        Expected<KernelTarget> t = kernelTargetByName(target);
        ASSERT_TRUE(bool(t)) << toString(t.takeError());
        opts.target = *t;
        opts.floatStorage = storage;
        Expected<Graph> g = StringRef(path).endswith(".onnx")
                                ? importOnnxFile(path, parse)
                                : parseModelFile(path, parse);
        ASSERT_TRUE(bool(g)) << m.path << ": " << toString(g.takeError());
        Expected<Plan> plan = compileGraph(std::move(*g), opts);
        ASSERT_TRUE(bool(plan))
            << m.path << " --target=" << target
            << (storage == DType::F16 ? " --precision=fp16" : "") << ": "
            << toString(plan.takeError());
        EXPECT_FALSE(plan->commands.empty());
        ++plans;
      }
  EXPECT_EQ(plans, 48u);
}

} // namespace
