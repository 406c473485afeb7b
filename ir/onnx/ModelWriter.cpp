//===- ir/onnx/ModelWriter.cpp - Graph -> model.yaml + weights ------------===//
#include "ir/onnx/ModelWriter.h"
#include "ir/AtomicFile.h"
#include "ir/Safetensors.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>

using namespace llvm;

namespace tlc {

/// A double that the model parser reads back as the same double, and as a
/// float (never as an integer): 17 significant digits plus ".0" if needed.
static std::string formatDouble(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".eE") == std::string::npos)
    s += ".0";
  return s;
}

static Error emitAttr(YAML::Emitter &out, const Node &n, const std::string &key,
                      const AttrValue &v) {
  auto bad = [&]() {
    return createStringError(inconvertibleErrorCode(),
                             "node '%s' (%s): attribute '%s' is not finite; "
                             "the model format has no NaN or infinity",
                             n.name.c_str(), n.op.c_str(), key.c_str());
  };
  out << YAML::Key << key << YAML::Value;
  if (auto *i = std::get_if<int64_t>(&v)) {
    out << *i;
  } else if (auto *d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d))
      return bad();
    out << formatDouble(*d);
  } else if (auto *s = std::get_if<std::string>(&v)) {
    out << YAML::DoubleQuoted << *s;
  } else if (auto *is = std::get_if<std::vector<int64_t>>(&v)) {
    out << YAML::Flow << YAML::BeginSeq;
    for (int64_t x : *is)
      out << x;
    out << YAML::EndSeq;
  } else if (auto *ds = std::get_if<std::vector<double>>(&v)) {
    out << YAML::Flow << YAML::BeginSeq;
    for (double x : *ds) {
      if (!std::isfinite(x))
        return bad();
      out << formatDouble(x);
    }
    out << YAML::EndSeq;
  } else if (std::holds_alternative<std::vector<DimExpr>>(v)) {
    return createStringError(inconvertibleErrorCode(),
                             "node '%s' (%s): attribute '%s' depends on shape "
                             "symbols; the model format has no such attribute",
                             n.name.c_str(), n.op.c_str(), key.c_str());
  }
  return Error::success();
}

static void emitNames(YAML::Emitter &out, const Graph &g,
                      ArrayRef<ValueId> ids) {
  out << YAML::Flow << YAML::BeginSeq;
  for (ValueId id : ids)
    out << YAML::DoubleQuoted << g.values[id].name;
  out << YAML::EndSeq;
}

Expected<std::string> emitModelYaml(const Graph &g, StringRef weightsName) {
  YAML::Emitter out;
  out << YAML::Comment("Imported from ONNX by tlc import; weights in " +
                       weightsName.str());
  out << YAML::BeginMap;
  out << YAML::Key << "tlc" << YAML::Value << 1;
  out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << g.name;
  out << YAML::Key << "weights" << YAML::Value << YAML::DoubleQuoted
      << weightsName.str();
  out << YAML::Key << "inputs" << YAML::Value << YAML::BeginSeq;
  for (ValueId id : g.inputs) {
    const Value &v = g.values[id];
    out << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << v.name;
    out << YAML::Key << "shape" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (int64_t d : v.type.shape)
      out << d;
    out << YAML::EndSeq;
    out << YAML::Key << "dtype" << YAML::Value
        << dtypeName(v.type.dtype).str();
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "outputs" << YAML::Value;
  emitNames(out, g, g.outputs);
  out << YAML::Key << "nodes" << YAML::Value << YAML::BeginSeq;
  for (const Node &n : g.nodes) {
    out << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "op" << YAML::Value << n.op;
    if (n.outputs.empty() || n.name != g.values[n.outputs[0]].name)
      out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted
          << n.name;
    out << YAML::Key << "in" << YAML::Value;
    emitNames(out, g, n.inputs);
    out << YAML::Key << "out" << YAML::Value;
    emitNames(out, g, n.outputs);
    if (!n.attrs.values.empty()) {
      out << YAML::Key << "attrs" << YAML::Value << YAML::Flow
          << YAML::BeginMap;
      for (const auto &[key, v] : n.attrs.values)
        if (Error e = emitAttr(out, n, key, v))
          return std::move(e);
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::EndMap;
  if (!out.good())
    return createStringError(inconvertibleErrorCode(), "YAML emitter: %s",
                             out.GetLastError().c_str());
  return std::string(out.c_str()) + "\n";
}

Error writeModel(const Graph &g, StringRef yamlPath, StringRef weightsPath) {
  // Every weight some node reads, once, in order of first use.
  std::vector<SafetensorsTensor> tensors;
  StringSet<> seen;
  for (const Node &n : g.nodes)
    for (ValueId id : n.inputs) {
      const Value &v = g.values[id];
      if (v.kind != ValueKind::Weight || !seen.insert(v.name).second)
        continue;
      tensors.push_back({v.name, v.type.dtype, v.type.shape, v.data});
    }
  Expected<std::string> text =
      emitModelYaml(g, sys::path::filename(weightsPath));
  if (!text)
    return createStringError(inconvertibleErrorCode(), "%s: %s",
                             yamlPath.str().c_str(),
                             toString(text.takeError()).c_str());
  if (Error e = writeSafetensors(weightsPath, tensors))
    return e;
  ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(text->data()),
                          text->size());
  return writeFileAtomically(yamlPath, bytes);
}

} // namespace tlc
