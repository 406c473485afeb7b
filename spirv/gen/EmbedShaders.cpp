//===- spirv/gen/EmbedShaders.cpp - Generates the embedded-shader table ---===//
//
// Build-time tool (CMakeLists.txt): writes a C++ file that embeds SPIR-V
// modules as uint32_t arrays, each with its interface (spec constants with
// their names, bindings, a dyn build's TlcDims block: read by
// readSpirvInterface), sorted by module name as embeddedShaders() promises
// (variants such as NAME_subgroup would otherwise follow their source, not
// their name).
//
//   tlc_embed_shaders OUT.cpp A.spv [B.spv ...]
//
// A module whose interface cannot be read fails the build, naming it, and
// so does a dyn build NAME_dyn whose TlcDims members do not match NAME's
// constants by name and type (matchDimsToSpecConstants), or that has no
// static build NAME among the modules.
//
//===----------------------------------------------------------------------===//
#include "spirv/SpirvInterface.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <map>
#include <string>
#include <vector>

using namespace llvm;
using namespace tlc;

static const char *specTypeEnum(SpecType t) {
  switch (t) {
  case SpecType::U32:
    return "SpecType::U32";
  case SpecType::I32:
    return "SpecType::I32";
  case SpecType::F32:
    return "SpecType::F32";
  case SpecType::Bool:
    return "SpecType::Bool";
  }
  return "";
}

static const char *bindingFloatEnum(BindingFloat f) {
  switch (f) {
  case BindingFloat::None:
    return "BindingFloat::None";
  case BindingFloat::F16:
    return "BindingFloat::F16";
  case BindingFloat::F32:
    return "BindingFloat::F32";
  case BindingFloat::Mixed:
    return "BindingFloat::Mixed";
  }
  return "";
}

int main(int argc, char **argv) {
  if (argc < 2) {
    errs() << "usage: tlc_embed_shaders OUT.cpp A.spv [B.spv ...]\n";
    return 2;
  }
  std::vector<std::pair<std::string, std::string>> modules; // (name, path)
  for (int i = 2; i < argc; ++i)
    modules.push_back({sys::path::stem(argv[i]).str(), argv[i]});
  llvm::sort(modules);

  std::string body, table;
  raw_string_ostream os(body), ts(table);
  // Interfaces by module name, to match the dyn builds with their static
  // builds below.
  std::map<std::string, SpirvInterface> ifaces;
  for (auto &[name, path] : modules) {
    auto buf = MemoryBuffer::getFile(path, /*IsText=*/false);
    if (!buf) {
      errs() << path << ": " << buf.getError().message() << "\n";
      return 1;
    }
    StringRef bytes = (*buf)->getBuffer();
    if (bytes.size() % 4 != 0) {
      errs() << path << ": size is not a multiple of 4 bytes\n";
      return 1;
    }
    // SPIR-V is little-endian words on every host tlc builds on (x86-64,
    // arm64), as the generated arrays are.
    std::vector<uint32_t> words(bytes.size() / 4);
    std::memcpy(words.data(), bytes.data(), bytes.size());
    Expected<SpirvInterface> iface = readSpirvInterface(words);
    if (!iface) {
      errs() << path << ": " << toString(iface.takeError()) << "\n";
      return 1;
    }
    os << "static const uint32_t spv_" << name << "[] = {";
    for (size_t w = 0; w < words.size(); ++w)
      os << (w % 8 == 0 ? "\n    " : " ") << format("0x%08xu,", words[w]);
    os << "};\n";
    os << "static const SpecConstantDecl spec_" << name << "[] = {";
    for (const SpecConstantDecl &c : iface->specConstants)
      os << "\n    {" << c.id << ", " << specTypeEnum(c.type) << ", "
         << format("0x%08xu", c.defaultBits) << "},";
    if (iface->specConstants.empty())
      os << "{0, SpecType::U32, 0}"; // unused: zero-length arrays are invalid
    os << "};\n";
    os << "static const char *const specname_" << name << "[] = {";
    for (const char *n : iface->specConstantNames)
      os << "\n    \"" << n << "\",";
    if (iface->specConstantNames.empty())
      os << "\"\"";
    os << "};\n";
    os << "static const BindingDecl bind_" << name << "[] = {";
    for (const BindingDecl &b : iface->bindings)
      os << "\n    {" << (b.declared ? "true" : "false") << ", "
         << bindingFloatEnum(b.floatStorage) << ", "
         << (b.readonly ? "true" : "false") << ", "
         << (b.writeonly ? "true" : "false") << ", "
         << (b.uniform ? "true" : "false") << "},";
    if (iface->bindings.empty())
      os << "{}";
    os << "};\n";
    os << "static const DimsMemberDecl dims_" << name << "[] = {";
    for (const DimsMemberDecl &m : iface->dimsMembers)
      os << "\n    {\"" << m.name << "\", " << m.offset << ", "
         << specTypeEnum(m.type) << "},";
    if (iface->dimsMembers.empty())
      os << "{\"\", 0, SpecType::U32}";
    os << "};\n\n";
    ts << "    {\"" << name << "\", spv_" << name << ", " << words.size()
       << ",\n     {ArrayRef<SpecConstantDecl>(spec_" << name << ", size_t("
       << iface->specConstants.size() << ")), ArrayRef<BindingDecl>(bind_"
       << name << ", size_t(" << iface->bindings.size()
       << ")),\n      ArrayRef<const char *>(specname_" << name << ", size_t("
       << iface->specConstantNames.size() << ")),\n      {"
       << (iface->dimsBinding == DimsBlockRef::kNone
               ? std::string("DimsBlockRef::kNone")
               : std::to_string(iface->dimsBinding))
       << ", ArrayRef<DimsMemberDecl>(dims_" << name << ", size_t("
       << iface->dimsMembers.size() << "))}}},\n";
    ifaces.emplace(name, std::move(*iface));
  }
  // Every dyn build against its static build (shaders/dims.glsl).
  for (auto &[name, iface] : ifaces) {
    if (iface.dimsBinding == DimsBlockRef::kNone)
      continue;
    StringRef dyn(name);
    if (!dyn.endswith("_dyn")) {
      errs() << name << ": has a " << kDimsBlockName
             << " block, but a dyn build is named NAME_dyn\n";
      return 1;
    }
    auto stat = ifaces.find(dyn.drop_back(4).str());
    if (stat == ifaces.end()) {
      errs() << name << ": no static build " << dyn.drop_back(4)
             << " among the modules\n";
      return 1;
    }
    auto ids = matchDimsToSpecConstants(iface.ref(), stat->second.ref());
    if (!ids) {
      errs() << name << ": " << toString(ids.takeError()) << "\n";
      return 1;
    }
  }
  os.flush();
  ts.flush();

  SmallString<256> tmp(argv[1]);
  tmp += ".tmp";
  {
    std::error_code ec;
    raw_fd_ostream out(tmp, ec);
    if (ec) {
      errs() << tmp << ": " << ec.message() << "\n";
      return 1;
    }
    out << "// Generated by spirv/gen/EmbedShaders.cpp. Do not edit.\n"
        << "#include \"spirv/EmbeddedShaders.h\"\n"
        << "using llvm::ArrayRef;\n"
        << "namespace tlc {\n"
        << body << "static const EmbeddedShader kShaders[] = {\n"
        << table << "};\n"
        << "llvm::ArrayRef<EmbeddedShader> embeddedShaders() { return "
           "kShaders; }\n"
        << "} // namespace tlc\n";
  }
  if (std::error_code ec = sys::fs::rename(tmp, argv[1])) {
    errs() << argv[1] << ": " << ec.message() << "\n";
    return 1;
  }
  return 0;
}
