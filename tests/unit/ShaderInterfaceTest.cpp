//===- tests/unit/ShaderInterfaceTest.cpp - Dispatches against shaders ----===//
//
// The C++ <-> shader interface is checked, not trusted: the interface table
// generated at build time matches the SPIR-V; every dispatch the lowerings
// emit for the repo's models, on every kernel target and in fp16 builds,
// passes checkDispatch (the "build time" check of the embedded shaders); and
// a lowering that passes a wrong constant id, a wrong constant type or a
// wrong number of buffers is refused with an error naming the node, the
// shader and the id or binding.
// Run-time dimensions (shaders/dims.glsl, docs/shape-ranges.md): every
// shader has a dyn build whose TlcDims block members map by name to
// constants of its static build; the static builds declare exactly the
// constants and bindings recorded in tests/data/shader_interfaces.txt (so
// plans of static models keep their spec-constant words and bindings); a
// dynamic dispatch is checked against the dyn build.
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

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <map>
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

/// The same against the module d runs, looked up by name (its dyn build for
/// a dynamic dispatch).
std::string checkEmbedded(const DispatchDesc &d) {
  Error e = checkDispatch(d, "node 'n' (Op)");
  return e ? toString(std::move(e)) : "";
}

const DimSymbol kW{"W", 1, 4096};

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

/// One line per module: its constants (id:type:default bits) and bindings
/// (float storage, r readonly / w writeonly / u the TlcDims block).
std::string describe(StringRef name, const ShaderInterfaceRef &iface) {
  std::string out = name.str() + ":";
  for (const SpecConstantDecl &c : iface.specConstants)
    out += " " + std::to_string(c.id) + ":" + specTypeName(c.type) + ":" +
           utohexstr(c.defaultBits, /*LowerCase=*/true);
  out += " |";
  for (const BindingDecl &b : iface.bindings) {
    const char *f[] = {"none", "f16", "f32", "mixed"};
    out += std::string(" ") + (b.declared ? f[int(b.floatStorage)] : "gap");
    if (b.readonly || b.writeonly || b.uniform)
      out += std::string(":") + (b.uniform ? "u" : "") +
             (b.readonly ? "r" : "") + (b.writeonly ? "w" : "");
  }
  return out;
}

bool isDynBuild(StringRef name) { return name.endswith("_dyn"); }

TEST(ShaderInterface, ReadsNamesAndTheDimsBlock) {
  const ShaderInterfaceRef &bin = interfaceOf("binary");
  EXPECT_EQ(bin.specConstantName(0), "TOTAL");
  EXPECT_EQ(bin.specConstantName(1), "OP");
  EXPECT_EQ(bin.specConstantName(21), "ITEMS");
  EXPECT_EQ(bin.specConstantName(22), "");
  ASSERT_NE(bin.specConstantNamed("SB5"), nullptr);
  EXPECT_EQ(bin.specConstantNamed("SB5")->id, 19u);
  EXPECT_FALSE(bin.dims.present());

  const ShaderInterfaceRef &dyn = interfaceOf("binary_dyn");
  ASSERT_TRUE(dyn.dims.present());
  EXPECT_EQ(dyn.dims.binding, 3u);
  ASSERT_EQ(dyn.bindings.size(), 4u);
  EXPECT_TRUE(dyn.bindings[3].uniform);
  EXPECT_TRUE(dyn.bindings[3].readonly);
  EXPECT_EQ(dyn.bindings[3].floatStorage, BindingFloat::None);
  ASSERT_EQ(dyn.dims.members.size(), 19u); // TOTAL, D0..D5, SA0..SA5, SB0..SB5
  EXPECT_STREQ(dyn.dims.members[0].name, "TOTAL");
  EXPECT_EQ(dyn.dims.members[1].offset, 4u);
  EXPECT_EQ(dyn.dims.find("SB5"), 18);
  EXPECT_EQ(dyn.dims.find("OP"), -1);
  // Structural constants stay specialization constants in the dyn build.
  ASSERT_NE(dyn.specConstant(1), nullptr);
  EXPECT_EQ(dyn.specConstantName(1), "OP");
  // Each member's id is its selector TOTAL_SC: 0 (the default) reads the
  // block, value + 1 is a constant (shaders/dims.glsl).
  ASSERT_NE(dyn.specConstant(0), nullptr);
  EXPECT_EQ(dyn.specConstantName(0), "TOTAL_SC");
  EXPECT_EQ(dyn.specConstant(0)->defaultBits, 0u);

  // strided_copy's signed strides are `int` members (TLC_IDIMS).
  const ShaderInterfaceRef &sc = interfaceOf("strided_copy_f16_dyn");
  ASSERT_TRUE(sc.dims.present());
  int ss0 = sc.dims.find("SS0");
  ASSERT_GE(ss0, 0);
  EXPECT_EQ(sc.dims.members[ss0].type, SpecType::I32);
  EXPECT_EQ(sc.dims.members[ss0].offset, 4u * unsigned(ss0));
  EXPECT_EQ(sc.dims.members[0].type, SpecType::U32);
}

/// Every module that is not a dyn build has one (every op shader declares
/// `// tlc-variant: dyn TLC_DYN`), and every dyn build has a static one.
TEST(DynShaders, EveryBuildHasADynBuild) {
  size_t dyn = 0;
  for (const EmbeddedShader &s : embeddedShaders()) {
    StringRef name = s.name;
    if (isDynBuild(name)) {
      ++dyn;
      EXPECT_NE(findEmbeddedShader(name.drop_back(4)), nullptr) << name.str();
      continue;
    }
    EXPECT_NE(findEmbeddedShader(dynBuildName(name)), nullptr)
        << name.str() << " has no dyn build";
  }
  EXPECT_EQ(dyn * 2, embeddedShaders().size());
  EXPECT_NE(findEmbeddedShader("layernorm_subgroup_f16_dyn"), nullptr);
  EXPECT_NE(findEmbeddedShader("gemm_coopmat_f16_dyn"), nullptr);
  EXPECT_NE(findEmbeddedShader("storage_cast_to_f32_dyn"), nullptr);
}

/// A dyn build is its static build with the TLC_DIMS constants moved into
/// the TlcDims block: each member names a u32 (uint) or i32 (int) constant
/// of the static build, whose id now holds the member's selector NAME_SC
/// (default 0: read the block); the other constants keep their ids, types
/// and defaults, and the storage buffers are the same, the block bound
/// after them.
TEST(DynShaders, BlockMembersMapToTheStaticBuildsConstants) {
  for (const EmbeddedShader &s : embeddedShaders()) {
    StringRef name = s.name;
    if (!isDynBuild(name)) {
      EXPECT_FALSE(s.interface.dims.present()) << name.str();
      for (const BindingDecl &b : s.interface.bindings)
        EXPECT_FALSE(b.uniform) << name.str();
      continue;
    }
    SCOPED_TRACE(name.str());
    std::string statName = name.drop_back(4).str();
    const ShaderInterfaceRef &dyn = s.interface;
    const ShaderInterfaceRef &stat = interfaceOf(statName);
    ASSERT_TRUE(dyn.dims.present());
    ASSERT_FALSE(dyn.dims.members.empty());
    Expected<std::vector<unsigned>> ids = dynamicDimIds(statName);
    ASSERT_TRUE(bool(ids)) << toString(ids.takeError());
    ASSERT_EQ(ids->size(), dyn.dims.members.size());
    std::map<uint32_t, const DimsMemberDecl *> byId;
    for (size_t k = 0; k < ids->size(); ++k) {
      const DimsMemberDecl &m = dyn.dims.members[k];
      EXPECT_EQ(m.offset, 4u * k) << m.name; // std140 scalars
      const SpecConstantDecl *c = stat.specConstant((*ids)[k]);
      ASSERT_NE(c, nullptr) << m.name;
      EXPECT_TRUE(c->type == SpecType::U32 || c->type == SpecType::I32);
      EXPECT_EQ(c->type, m.type) << m.name;
      EXPECT_EQ(stat.specConstantName(c->id), m.name);
      // The id now holds the member's selector, NAME_SC, default 0 (read
      // the block).
      const SpecConstantDecl *sel = dyn.specConstant(c->id);
      ASSERT_NE(sel, nullptr) << m.name;
      EXPECT_EQ(dyn.specConstantName(c->id), std::string(m.name) + "_SC");
      EXPECT_EQ(sel->type, m.type) << m.name;
      EXPECT_EQ(sel->defaultBits, 0u) << m.name;
      EXPECT_TRUE(byId.emplace(c->id, &m).second) << m.name;
    }
    // Static constants = dyn constants + members, ids and types unchanged.
    for (const SpecConstantDecl &c : stat.specConstants) {
      if (byId.count(c.id))
        continue;
      const SpecConstantDecl *d = dyn.specConstant(c.id);
      ASSERT_NE(d, nullptr)
          << "constant " << c.id << " '" << stat.specConstantName(c.id).str()
          << "' is neither a member nor declared";
      EXPECT_EQ(d->type, c.type) << c.id;
      EXPECT_EQ(d->defaultBits, c.defaultBits) << c.id;
    }
    EXPECT_EQ(dyn.specConstants.size(), stat.specConstants.size());
    ASSERT_EQ(dyn.bindings.size(), stat.bindings.size() + 1);
    EXPECT_EQ(dyn.dims.binding, stat.bindings.size());
    EXPECT_TRUE(dyn.bindings.back().uniform);
    for (size_t b = 0; b < stat.bindings.size(); ++b) {
      EXPECT_FALSE(dyn.bindings[b].uniform) << b;
      EXPECT_EQ(dyn.bindings[b].declared, stat.bindings[b].declared) << b;
      EXPECT_EQ(dyn.bindings[b].floatStorage, stat.bindings[b].floatStorage)
          << b;
      EXPECT_EQ(dyn.bindings[b].readonly, stat.bindings[b].readonly) << b;
      EXPECT_EQ(dyn.bindings[b].writeonly, stat.bindings[b].writeonly) << b;
    }
  }
}

/// The static builds declare the constants (ids, types, defaults) and
/// bindings they declared before shaders/dims.glsl (recorded in
/// tests/data/shader_interfaces.txt), so plans of static models are
/// unchanged. A shader change that alters them on purpose updates that file
/// with the line printed here.
TEST(DynShaders, StaticBuildsKeepTheirRecordedInterfaces) {
  std::string path =
      std::string(TLC_SOURCE_DIR) + "/tests/data/shader_interfaces.txt";
  auto buf = MemoryBuffer::getFile(path);
  ASSERT_TRUE(bool(buf)) << path;
  std::map<std::string, std::string> recorded;
  SmallVector<StringRef, 64> lines;
  (*buf)->getBuffer().split(lines, '\n', -1, /*KeepEmpty=*/false);
  for (StringRef line : lines)
    if (!line.startswith("#"))
      recorded[line.split(':').first.str()] = line.str();
  size_t checked = 0;
  for (const EmbeddedShader &s : embeddedShaders()) {
    if (isDynBuild(s.name))
      continue;
    std::string actual = describe(s.name, s.interface);
    auto it = recorded.find(s.name);
    EXPECT_TRUE(it != recorded.end() && it->second == actual)
        << "recorded: "
        << (it == recorded.end() ? std::string("(none)") : it->second)
        << "\nactual:   " << actual;
    ++checked;
  }
  EXPECT_EQ(checked, recorded.size());
}

TEST(DynShaders, MatchRefusesMembersWithoutTheirConstant) {
  const SpecConstantDecl stat[] = {
      {0, SpecType::U32, 1}, {1, SpecType::I32, 0}, {2, SpecType::U32, 0}};
  const char *statNames[] = {"N", "S", "OP"};
  BindingDecl none[1];
  ShaderInterfaceRef s{stat, none, statNames};
  const SpecConstantDecl dynConsts[] = {{2, SpecType::U32, 0}};
  const char *dynNames[] = {"OP"};
  auto match = [&](ArrayRef<DimsMemberDecl> members) {
    ShaderInterfaceRef d{dynConsts, none, dynNames, {1, members}};
    auto ids = matchDimsToSpecConstants(d, s);
    if (!ids)
      return toString(ids.takeError());
    std::string out;
    for (uint32_t id : *ids)
      out += std::to_string(id) + " ";
    return out;
  };
  const DimsMemberDecl good[] = {{"S", 4, SpecType::I32},
                                 {"N", 0, SpecType::U32}};
  EXPECT_EQ(match(good), "1 0 ");
  const DimsMemberDecl unknown[] = {{"NOPE", 0, SpecType::U32}};
  EXPECT_EQ(match(unknown), "TlcDims member 'NOPE' has no specialization "
                            "constant of that name in the static build");
  const DimsMemberDecl wrongType[] = {{"S", 0, SpecType::U32}};
  EXPECT_EQ(match(wrongType), "TlcDims member 'S' is u32, but constant_id 1 "
                              "'S' of the static build is i32");
  const DimsMemberDecl stillDeclared[] = {{"OP", 0, SpecType::U32}};
  EXPECT_EQ(match(stillDeclared),
            "TlcDims member 'OP' replaces constant_id 2, which the dyn build "
            "still declares ('OP')");
  const DimsMemberDecl twice[] = {{"N", 0, SpecType::U32},
                                  {"N", 4, SpecType::U32}};
  EXPECT_EQ(match(twice), "TlcDims members replace constant_id 0 twice");
  ShaderInterfaceRef staticOnly{dynConsts, none, dynNames};
  auto ids = matchDimsToSpecConstants(staticOnly, s);
  ASSERT_FALSE(bool(ids));
  EXPECT_EQ(toString(ids.takeError()), "the dyn build has no TlcDims block");

  auto missing = dynamicDimIds("no_such_shader");
  ASSERT_FALSE(bool(missing));
  EXPECT_EQ(toString(missing.takeError()),
            "shader 'no_such_shader': is not built into this tlc");
}

TEST(DynShaders, DynamicDispatchesAreCheckedAgainstTheDynBuild) {
  DimExpr w = DimExpr::symbol(kW);
  DispatchDesc d = lowerUnary(UnaryOpCode::Relu, 1000);
  setDim(d, 0, w * 4); // N
  setGrid1D(d, w * 4, 256);
  ASSERT_TRUE(d.isDynamic());
  EXPECT_EQ(checkEmbedded(d), "");
  Expected<std::vector<unsigned>> ids = dynamicDimIds("unary");
  ASSERT_TRUE(bool(ids)) << toString(ids.takeError());
  EXPECT_EQ(*ids, std::vector<unsigned>{0}); // N; OP, P0, P1, VEC4, ITEMS stay
  const ShaderInterfaceRef &dyn = interfaceOf("unary_dyn");
  auto checkDyn = [&](const DispatchDesc &x) {
    Error e = checkDispatch(x, dyn, "node 'n' (Op)", *ids);
    return e ? toString(std::move(e)) : std::string();
  };
  EXPECT_EQ(checkDyn(d), "");

  // Only TLC_DIMS constants may be symbolic.
  DispatchDesc op = d;
  setDim(op, 1, w); // OP
  EXPECT_EQ(checkEmbedded(op),
            "node 'n' (Op): shader 'unary_dyn': constant_id 1 ('OP') is "
            "symbolic, but it is not a member of the dyn build's TlcDims "
            "block: only the shader's TLC_DIMS constants take run-time "
            "values");
  // A static build cannot take a dynamic dispatch.
  EXPECT_EQ(check(d), "node 'n' (Op): shader 'unary_dyn': has symbolic dims, "
                      "but the module has no TlcDims block (a dynamic "
                      "dispatch runs the shader's dyn build)");
  // Structural constants are still checked.
  DispatchDesc typed = d;
  typed.specConstants[4] = spec::f32(1.0f);
  EXPECT_EQ(checkDyn(typed), "node 'n' (Op): shader 'unary_dyn': constant_id "
                             "4: the shader declares u32, the dispatch passes "
                             "f32");
  // Every member gets a value.
  DispatchDesc unused = d;
  unused.specConstants[0] = spec::unused();
  EXPECT_EQ(checkDyn(unused), "node 'n' (Op): shader 'unary_dyn': "
                              "constant_id 0 is marked unused, but it is the "
                              "TlcDims member 'N'; pass a value");
  // The block is bound after the operands and is never written.
  DispatchDesc bound = d;
  bound.operands.push_back(0);
  EXPECT_EQ(checkDyn(bound),
            "node 'n' (Op): shader 'unary_dyn': binds 3 buffers; the dyn "
            "build declares 3 bindings, its TlcDims block at binding 2 "
            "(expected: the buffers at bindings 0..1 and the block after "
            "them)");
  DispatchDesc writes = d;
  writes.writes.push_back(2);
  EXPECT_EQ(checkDyn(writes), "node 'n' (Op): shader 'unary_dyn': writes "
                              "binding 2, the TlcDims block");
  // The ids must be the block's.
  Error e = checkDispatch(d, dyn, "node 'n' (Op)");
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(toString(std::move(e)),
            "node 'n' (Op): shader 'unary_dyn': the dyn build's TlcDims block "
            "has 1 members, but the check was given 0 constant ids "
            "(dynamicDimIds)");

  // Symbolic group counts alone also run the dyn build.
  DispatchDesc grid = lowerUnary(UnaryOpCode::Relu, 1000);
  setGrid1D(grid, w * 4, 256);
  ASSERT_TRUE(grid.isDynamic() && grid.dynamicDims.empty());
  EXPECT_EQ(checkEmbedded(grid), "");
  EXPECT_EQ(check(grid), "node 'n' (Op): shader 'unary_dyn': has symbolic "
                         "group counts, but the module has no TlcDims block "
                         "(a dynamic dispatch runs the shader's dyn build)");

  // fp16 builds have their own dyn builds.
  DispatchDesc half = d;
  half.shader = f16BuildName(half.shader);
  EXPECT_EQ(checkEmbedded(half), "");

  // Signed dims (strided_copy's strides) are i32 members: a symbolic one
  // passes spec::i32 at its bound, as the static build requires.
  int64_t box[] = {2, 3}, src[] = {3, 1}, dst[] = {1, -2};
  DispatchDesc copy = lowerStridedCopy(box, src, 0, dst, 4, 0, 1);
  setDim(copy, 0, w * 6); // TOTAL
  EXPECT_EQ(checkEmbedded(copy), "");
  copy.specConstants[7] = spec::u32(copy.specConstants[7].bits);
  EXPECT_EQ(checkEmbedded(copy),
            "node 'n' (Op): shader 'strided_copy_dyn': constant_id 7: the "
            "TlcDims member 'SS0' is i32, the dispatch passes u32");
}

} // namespace
