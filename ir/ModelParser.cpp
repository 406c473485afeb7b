//===- ir/ModelParser.cpp - model.yaml -> Graph ---------------------------===//
//
// Parsing is strict: unknown keys, wrong kinds and out-of-range numbers are
// errors that point at the YAML node (file:line:col), since a typo in a model
// that silently falls back to a default is a wrong answer later.
//
// Names are resolved in two phases so that nodes may be listed in any order:
// first every input, constant and node output is declared, then node inputs
// are looked up; names still unknown are weights, read from the safetensors
// file. The schedule pass orders the nodes and rejects cycles.
//
//===----------------------------------------------------------------------===//
#include "ir/ModelParser.h"
#include "ir/Suggest.h"
#include "ir/Weights.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace llvm;

namespace tlc {
namespace {

class ModelParser {
public:
  ModelParser(StringRef fileName, StringRef baseDir,
              const ModelParseOptions &opts)
      : fileName(fileName.str()), baseDir(baseDir.str()), opts(opts) {}

  Expected<Graph> parse(StringRef text);

private:
  SourceLoc loc(const YAML::Node &n) const {
    SourceLoc l;
    l.file = fileName;
    YAML::Mark m = n.Mark();
    if (!m.is_null()) {
      l.line = unsigned(m.line + 1);
      l.column = unsigned(m.column + 1);
    }
    return l;
  }
  Error err(const YAML::Node &n, const Twine &msg) const {
    return errorAt(loc(n), msg);
  }
  /// "; did you mean 'NAME'?" for the declared tensor (of \p kind, or any)
  /// closest to \p name, else "".
  std::string suggestTensor(StringRef name,
                            std::optional<ValueKind> kind = {}) const {
    SmallVector<StringRef, 32> names;
    for (const Value &v : g.values)
      if (!kind || v.kind == *kind)
        names.push_back(v.name);
    return didYouMean(name, names);
  }

  Error checkKeys(const YAML::Node &map, ArrayRef<StringRef> allowed,
                  StringRef what);
  Expected<std::string> getString(const YAML::Node &n, StringRef what);
  Expected<int64_t> getInt(const YAML::Node &n, StringRef what);
  Expected<double> getNumber(const YAML::Node &n, StringRef what);
  Expected<std::vector<std::string>> getNames(const YAML::Node &n,
                                              StringRef what);
  Expected<DType> getDType(const YAML::Node &n);
  Expected<Shape> getShape(const YAML::Node &n, StringRef what);
  Expected<SymShape> getInputDims(const YAML::Node &n, StringRef input);
  Expected<AttrValue> getAttr(const YAML::Node &n, StringRef name);

  Error parseDims(const YAML::Node &dims);
  Error parseInputs(const YAML::Node &inputs);
  Error parseConstants(const YAML::Node &constants);
  Error parseNodes(const YAML::Node &nodes);
  Error resolveNodeInputs(const YAML::Node &weightsKey);
  Error parseOutputs(const YAML::Node &outputs);

  std::string fileName, baseDir;
  const ModelParseOptions &opts;
  Graph g;
  std::map<std::string, DimRange> dims; // the model's `dims:`
  std::optional<SymbolBinder> binder;
  // Node inputs by name, resolved once every tensor is declared.
  std::vector<std::vector<std::pair<std::string, YAML::Node>>> pendingInputs;
};

Error ModelParser::checkKeys(const YAML::Node &map, ArrayRef<StringRef> allowed,
                             StringRef what) {
  if (!map.IsMap())
    return err(map, what + " must be a mapping");
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar())
      return err(it->first, what + ": keys must be plain names");
    std::string key = it->first.Scalar();
    if (!llvm::is_contained(allowed, key)) {
      std::string list;
      for (StringRef a : allowed)
        list += (list.empty() ? "" : ", ") + a.str();
      return err(it->first, "unknown key '" + key + "' in " + what +
                                "; expected one of: " + list);
    }
  }
  return Error::success();
}

Expected<std::string> ModelParser::getString(const YAML::Node &n,
                                             StringRef what) {
  if (!n.IsScalar())
    return err(n, what + ": expected a string");
  return n.Scalar();
}

Expected<int64_t> ModelParser::getInt(const YAML::Node &n, StringRef what) {
  if (!n.IsScalar() || n.Tag() == "!")
    return err(n, what + ": expected an integer");
  StringRef s = n.Scalar();
  long long v;
  if (s.getAsInteger(0, v))
    return err(n, what + ": expected an integer, got '" + s + "'");
  return int64_t(v);
}

Expected<double> ModelParser::getNumber(const YAML::Node &n, StringRef what) {
  if (!n.IsScalar() || n.Tag() == "!")
    return err(n, what + ": expected a number");
  std::string s = n.Scalar();
  char *end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
    return err(n, what + ": expected a finite number, got '" + s + "'");
  return v;
}

Expected<std::vector<std::string>> ModelParser::getNames(const YAML::Node &n,
                                                         StringRef what) {
  std::vector<std::string> names;
  if (n.IsScalar()) {
    names.push_back(n.Scalar());
    return names;
  }
  if (!n.IsSequence())
    return err(n, what + ": expected a tensor name or a list of names");
  for (const YAML::Node &e : n) {
    if (!e.IsScalar() || e.Scalar().empty())
      return err(e, what + ": expected a tensor name");
    names.push_back(e.Scalar());
  }
  return names;
}

Expected<DType> ModelParser::getDType(const YAML::Node &n) {
  auto s = getString(n, "dtype");
  if (!s)
    return s.takeError();
  if (auto t = parseDType(*s); t && *t != DType::U8)
    return *t;
  return err(n, "unknown dtype '" + *s + "'; expected f32, f16, i32 or i64");
}

Expected<Shape> ModelParser::getShape(const YAML::Node &n, StringRef what) {
  if (!n.IsSequence())
    return err(n, what + ": expected a list of dimensions");
  Shape shape;
  for (const YAML::Node &d : n) {
    if (!d.IsScalar())
      return err(d, what + ": expected a dimension (integer or name)");
    StringRef s = d.Scalar();
    long long v = 0;
    if (!s.getAsInteger(10, v)) {
      if (v < 1)
        return err(d, what + ": dimension " + s +
                          " is not positive; expected a size >= 1");
      shape.push_back(int64_t(v));
      continue;
    }
    std::optional<DimRange> r;
    if (auto f = opts.dims.find(s.str()); f != opts.dims.end())
      r = f->second;
    else if (auto m = dims.find(s.str()); m != dims.end())
      r = m->second;
    if (!r)
      return err(d, what + ": symbolic dimension '" + s +
                        "' has no value; give it in 'dims:' or with --dim " +
                        s + "=VALUE");
    if (r->min != r->max)
      return err(d, what + ": symbolic dimension '" + s +
                        "' has a range; a constant's shape must be static");
    shape.push_back(r->min);
  }
  if (auto e = checkedNumElements(shape).takeError())
    return err(n, what + ": " + toString(std::move(e)));
  return shape;
}

Expected<SymShape> ModelParser::getInputDims(const YAML::Node &n,
                                             StringRef input) {
  std::string what = ("input '" + input + "' shape").str();
  if (!n.IsSequence())
    return err(n, what + ": expected a list of dimensions");
  auto ov = opts.inputShapes.find(input.str());
  if (ov != opts.inputShapes.end() && n.size() != ov->second.size())
    return err(n, "--input-shape " + input + ": rank " +
                      Twine(ov->second.size()) +
                      " differs from the declared rank " + Twine(n.size()));
  SymShape dimsOut;
  for (size_t i = 0; i < n.size(); ++i) {
    const YAML::Node &d = n[i];
    if (!d.IsScalar())
      return err(d, what + ": expected a dimension (integer or name)");
    StringRef s = d.Scalar();
    long long v = 0;
    bool isSize = !s.getAsInteger(10, v);
    std::string where = what + ", dim " + std::to_string(i);
    Expected<DimExpr> dim = DimExpr(0);
    if (ov != opts.inputShapes.end()) {
      std::string modelName =
          isSize ? (input + "_" + Twine(i)).str() : s.str();
      dim = binder->resolve(ov->second.dims[i], modelName, where);
    } else if (isSize) {
      if (v < 1)
        return err(d, what + ": dimension " + s +
                          " is not positive; expected a size >= 1");
      dim = DimExpr(int64_t(v));
    } else {
      dim = binder->named(s, where);
    }
    if (!dim)
      return err(d, toString(dim.takeError()));
    dimsOut.push_back(*dim);
  }
  Shape bound;
  for (const DimExpr &d : dimsOut)
    bound.push_back(d.upperBound());
  if (auto e = checkedNumElements(bound).takeError())
    return err(n, what + ": " + toString(std::move(e)));
  return dimsOut;
}

Expected<AttrValue> ModelParser::getAttr(const YAML::Node &n, StringRef name) {
  std::string what = ("attribute '" + name + "'").str();
  if (n.IsScalar()) {
    StringRef s = n.Scalar();
    long long i;
    if (n.Tag() != "!" && !s.getAsInteger(10, i))
      return AttrValue(int64_t(i));
    if (n.Tag() != "!") {
      auto d = getNumber(n, what);
      if (d)
        return AttrValue(*d);
      consumeError(d.takeError());
    }
    return AttrValue(s.str());
  }
  if (n.IsSequence()) {
    std::vector<int64_t> ints;
    std::vector<double> floats;
    bool allInts = true;
    for (const YAML::Node &e : n) {
      if (!e.IsScalar() || e.Tag() == "!")
        return err(e, what + ": list elements must be numbers");
      long long i;
      if (allInts && !StringRef(e.Scalar()).getAsInteger(10, i)) {
        ints.push_back(int64_t(i));
        floats.push_back(double(i));
        continue;
      }
      allInts = false;
      auto d = getNumber(e, what);
      if (!d)
        return d.takeError();
      floats.push_back(*d);
    }
    if (allInts)
      return AttrValue(std::move(ints));
    return AttrValue(std::move(floats));
  }
  return err(n, what + ": expected a number, a string or a list of numbers");
}

Error ModelParser::parseDims(const YAML::Node &node) {
  if (node) {
    if (!node.IsMap())
      return err(node, "'dims' must map names to sizes or ranges, e.g. "
                       "{N: 1, W: [32, 1280]}");
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string what = "dims." + it->first.Scalar();
      DimRange r;
      if (it->second.IsSequence()) {
        if (it->second.size() != 2)
          return err(it->second, what + ": a range is [MIN, MAX]");
        auto lo = getInt(it->second[0], what);
        if (!lo)
          return lo.takeError();
        auto hi = getInt(it->second[1], what);
        if (!hi)
          return hi.takeError();
        r = DimRange{*lo, *hi};
      } else {
        auto v = getInt(it->second, what);
        if (!v)
          return v.takeError();
        r = DimRange{*v, *v};
      }
      if (r.min < 1 || r.min > r.max || r.max > (int64_t(1) << 40))
        return err(it->second, what + " must be a size >= 1 or a range "
                                      "[MIN, MAX] with 1 <= MIN <= MAX");
      dims[it->first.Scalar()] = r;
    }
  }
  binder.emplace(opts.dims, dims);
  return Error::success();
}

Error ModelParser::parseInputs(const YAML::Node &node) {
  if (!node || !node.IsSequence() || node.size() == 0)
    return err(node ? node : YAML::Node(),
               "'inputs' must be a non-empty list of {name, shape, dtype}");
  std::map<std::string, bool> overridden;
  for (auto &kv : opts.inputShapes)
    overridden[kv.first] = false;
  for (const YAML::Node &in : node) {
    if (auto e = checkKeys(in, {"name", "shape", "dtype"}, "an input"))
      return e;
    if (!in["name"] || !in["shape"] || !in["dtype"])
      return err(in, "an input needs 'name', 'shape' and 'dtype'");
    auto name = getString(in["name"], "input name");
    if (!name)
      return name.takeError();
    auto dtype = getDType(in["dtype"]);
    if (!dtype)
      return dtype.takeError();
    Value v;
    v.name = *name;
    v.kind = ValueKind::Input;
    v.loc = loc(in);
    v.type.dtype = *dtype;
    if (opts.inputShapes.count(*name))
      overridden[*name] = true;
    auto dimsOf = getInputDims(in["shape"], *name);
    if (!dimsOf)
      return dimsOf.takeError();
    v.type = TensorType::withDims(*dtype, *dimsOf);
    // Integer inputs (token ids) feed ops that accept them (Gather), as in
    // the ONNX importer; shape rules refuse them anywhere else.
    if (v.type.dtype != DType::F32 && v.type.dtype != DType::I32 &&
        v.type.dtype != DType::I64)
      return err(in["dtype"], "input '" + *name + "' has dtype " +
                                  dtypeName(v.type.dtype) +
                                  "; only f32, i32 and i64 inputs are "
                                  "supported");
    v.hasType = true;
    auto id = g.addValue(std::move(v));
    if (!id)
      return id.takeError();
    g.inputs.push_back(*id);
  }
  g.symbols = binder->symbols();
  for (auto &kv : overridden)
    if (!kv.second)
      return createStringError(
          inconvertibleErrorCode(),
          "%s: --input-shape names '%s', which is not an input of the "
          "model%s",
          fileName.c_str(), kv.first.c_str(),
          suggestTensor(kv.first, ValueKind::Input).c_str());
  return Error::success();
}

/// Appends \p v to \p bytes as a little-endian value of \p t.
static bool appendScalar(DType t, double v, std::vector<uint8_t> &bytes) {
  auto put = [&](const void *p, size_t n) {
    const uint8_t *b = static_cast<const uint8_t *>(p);
    bytes.insert(bytes.end(), b, b + n);
  };
  switch (t) {
  case DType::F32: {
    float f = float(v);
    put(&f, 4);
    return true;
  }
  case DType::I32: {
    if (v != std::floor(v) || v < -2147483648.0 || v > 2147483647.0)
      return false;
    int32_t i = int32_t(v);
    put(&i, 4);
    return true;
  }
  case DType::I64: {
    if (v != std::floor(v) || std::fabs(v) > 9.0e18)
      return false;
    int64_t i = int64_t(v);
    put(&i, 8);
    return true;
  }
  case DType::F16:
  case DType::Bool:
  case DType::U8:
    return false;
  }
  return false;
}

Error ModelParser::parseConstants(const YAML::Node &node) {
  if (!node)
    return Error::success();
  if (!node.IsSequence())
    return err(node, "'constants' must be a list of {name, shape, dtype, "
                     "values}");
  for (const YAML::Node &c : node) {
    if (auto e = checkKeys(c, {"name", "shape", "dtype", "values"},
                           "a constant"))
      return e;
    if (!c["name"] || !c["shape"] || !c["dtype"] || !c["values"])
      return err(c, "a constant needs 'name', 'shape', 'dtype' and 'values'");
    auto name = getString(c["name"], "constant name");
    if (!name)
      return name.takeError();
    auto dtype = getDType(c["dtype"]);
    if (!dtype)
      return dtype.takeError();
    Value v;
    v.name = *name;
    v.kind = ValueKind::Weight;
    v.loc = loc(c);
    v.type.dtype = *dtype;
    const YAML::Node &shapeNode = c["shape"];
    if (!shapeNode.IsSequence())
      return err(shapeNode, "constant shape: expected a list of dimensions");
    if (shapeNode.size() > 0) {
      auto shape = getShape(shapeNode, "constant '" + *name + "' shape");
      if (!shape)
        return shape.takeError();
      v.type.shape = *shape;
    }
    if (*dtype == DType::F16)
      return err(c["dtype"], "constant '" + *name +
                                 "': f16 constants are not supported");
    const YAML::Node &values = c["values"];
    std::vector<YAML::Node> elems;
    if (values.IsSequence())
      for (const YAML::Node &e : values)
        elems.push_back(e);
    else
      elems.push_back(values);
    if (int64_t(elems.size()) != v.type.numElements())
      return err(values, "constant '" + *name + "' has " +
                             Twine(elems.size()) + " values; its shape " +
                             (v.type.shape.empty() ? std::string("(scalar)")
                                                   : v.type.shapeStr()) +
                             " needs " + Twine(v.type.numElements()));
    for (const YAML::Node &e : elems) {
      auto d = getNumber(e, "constant '" + *name + "' value");
      if (!d)
        return d.takeError();
      if (!appendScalar(*dtype, *d, v.data))
        return err(e, "constant '" + *name + "': value " + e.Scalar() +
                          " does not fit dtype " + dtypeName(*dtype));
    }
    v.hasType = true;
    if (auto id = g.addValue(std::move(v)); !id)
      return id.takeError();
  }
  return Error::success();
}

Error ModelParser::parseNodes(const YAML::Node &node) {
  if (!node || !node.IsSequence() || node.size() == 0)
    return err(node ? node : YAML::Node(),
               "'nodes' must be a non-empty list of {op, in, out, attrs}");
  for (const YAML::Node &n : node) {
    if (auto e = checkKeys(n, {"op", "in", "out", "attrs", "name"}, "a node"))
      return e;
    if (!n["op"] || !n["out"])
      return err(n, "a node needs 'op' and 'out'");
    Node node;
    node.loc = loc(n);
    auto op = getString(n["op"], "op");
    if (!op)
      return op.takeError();
    node.op = *op;
    std::vector<std::pair<std::string, YAML::Node>> ins;
    if (n["in"]) {
      const YAML::Node &in = n["in"];
      if (in.IsScalar()) {
        ins.push_back({in.Scalar(), in});
      } else if (in.IsSequence()) {
        for (const YAML::Node &e : in) {
          if (!e.IsScalar() || e.Scalar().empty())
            return err(e, "node input: expected a tensor name");
          ins.push_back({e.Scalar(), e});
        }
      } else {
        return err(in, "'in': expected a tensor name or a list of names");
      }
    }
    auto outs = getNames(n["out"], "'out'");
    if (!outs)
      return outs.takeError();
    if (outs->empty())
      return err(n["out"], "a node needs at least one output");
    for (const std::string &o : *outs) {
      Value v;
      v.name = o;
      v.kind = ValueKind::Intermediate;
      v.loc = loc(n["out"]);
      auto id = g.addValue(std::move(v));
      if (!id)
        return id.takeError();
      node.outputs.push_back(*id);
    }
    node.name = n["name"] ? n["name"].Scalar() : outs->front();
    if (n["attrs"]) {
      const YAML::Node &attrs = n["attrs"];
      if (!attrs.IsMap())
        return err(attrs, "'attrs' must be a mapping of attribute names");
      for (auto it = attrs.begin(); it != attrs.end(); ++it) {
        auto a = getAttr(it->second, it->first.Scalar());
        if (!a)
          return a.takeError();
        node.attrs.values[it->first.Scalar()] = std::move(*a);
      }
    }
    pendingInputs.push_back(std::move(ins));
    g.nodes.push_back(std::move(node));
  }
  return Error::success();
}

Error ModelParser::resolveNodeInputs(const YAML::Node &weightsKey) {
  // Names not declared anywhere are weights from the safetensors file.
  MapVector<std::string, YAML::Node, StringMap<unsigned>> missing;
  for (auto &ins : pendingInputs)
    for (auto &in : ins)
      if (!g.lookup(in.first) && !missing.count(in.first))
        missing.insert({in.first, in.second});
  if (!missing.empty()) {
    if (!weightsKey) {
      auto &first = missing.front();
      return err(first.second, "tensor '" + first.first +
                                   "' is not defined: it is no input, "
                                   "constant or node output, and the model "
                                   "names no weights file" +
                                   suggestTensor(first.first));
    }
    auto rel = getString(weightsKey, "weights");
    if (!rel)
      return rel.takeError();
    SmallString<256> path;
    if (sys::path::is_absolute(*rel))
      path = *rel;
    else
      sys::path::append(path, baseDir, *rel);
    std::vector<std::string> names;
    for (auto &m : missing)
      names.push_back(m.first);
    auto weights = loadWeightTensors(path, names);
    if (!weights)
      return err(weightsKey, toString(weights.takeError()));
    for (size_t i = 0; i < names.size(); ++i) {
      WeightTensor &w = (*weights)[i];
      if (!w.found)
        return err(missing[names[i]],
                   "tensor '" + names[i] +
                       "' is not defined: it is no "
                       "input, constant or node output, and " +
                       path.str() + " has no tensor of that name" +
                       suggestTensor(names[i]));
      Value v;
      v.name = names[i];
      v.kind = ValueKind::Weight;
      v.type = w.type;
      v.hasType = true;
      v.data = std::move(w.data);
      v.loc = loc(missing[names[i]]);
      if (auto id = g.addValue(std::move(v)); !id)
        return id.takeError();
    }
  }
  for (size_t n = 0; n < g.nodes.size(); ++n)
    for (auto &in : pendingInputs[n])
      g.nodes[n].inputs.push_back(*g.lookup(in.first));
  return Error::success();
}

Error ModelParser::parseOutputs(const YAML::Node &node) {
  if (!node)
    return err(node, "the model needs 'outputs'");
  auto names = getNames(node, "'outputs'");
  if (!names)
    return names.takeError();
  if (names->empty())
    return err(node, "'outputs' must name at least one tensor");
  StringSet<> seen;
  for (const std::string &n : *names) {
    auto id = g.lookup(n);
    if (!id)
      return err(node, "output '" + n + "' is not defined by any node" +
                           suggestTensor(n, ValueKind::Intermediate));
    if (g.values[*id].kind != ValueKind::Intermediate)
      return err(node, "output '" + n +
                           "' must be produced by a node, not be an input "
                           "or weight");
    if (!seen.insert(n).second)
      return err(node, "output '" + n + "' is listed twice");
    g.outputs.push_back(*id);
  }
  return Error::success();
}

Expected<Graph> ModelParser::parse(StringRef text) {
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception &e) {
    SourceLoc l;
    l.file = fileName;
    if (!e.mark.is_null()) {
      l.line = unsigned(e.mark.line + 1);
      l.column = unsigned(e.mark.column + 1);
    }
    // yaml-cpp (>= 0.7) stops recursing at 2000 nesting levels with a
    // DeepRecursion whose message is only "bad file"; say what happened.
    if (const auto *deep = dynamic_cast<const YAML::DeepRecursion *>(&e))
      return errorAt(l, "malformed YAML: nesting too deep (yaml-cpp stops at " +
                            std::to_string(deep->depth()) +
                            " levels of recursion)");
    return errorAt(l, "malformed YAML: " + e.msg);
  }
  try {
    if (!root.IsMap())
      return errorAt(SourceLoc{fileName, 1, 1},
                     "expected a YAML mapping with keys tlc, name, inputs, "
                     "outputs, nodes");
    if (auto e = checkKeys(root,
                           {"tlc", "name", "weights", "dims", "inputs",
                            "outputs", "nodes", "constants"},
                           "the model"))
      return std::move(e);
    if (!root["tlc"])
      return err(root, "missing 'tlc: " + Twine(kModelFormatVersion) +
                           "' (the format version)");
    auto version = getInt(root["tlc"], "tlc");
    if (!version)
      return version.takeError();
    if (*version != kModelFormatVersion)
      return err(root["tlc"], "model format version " + Twine(*version) +
                                  " is not supported; this tlc reads "
                                  "version " +
                                  Twine(kModelFormatVersion));
    g.name = root["name"] ? root["name"].Scalar() : "model";
    if (auto e = parseDims(root["dims"]))
      return std::move(e);
    if (auto e = parseInputs(root["inputs"]))
      return std::move(e);
    if (auto e = parseConstants(root["constants"]))
      return std::move(e);
    if (auto e = parseNodes(root["nodes"]))
      return std::move(e);
    if (auto e = resolveNodeInputs(root["weights"]))
      return std::move(e);
    if (auto e = parseOutputs(root["outputs"]))
      return std::move(e);
  } catch (const YAML::Exception &e) {
    SourceLoc l;
    l.file = fileName;
    if (!e.mark.is_null()) {
      l.line = unsigned(e.mark.line + 1);
      l.column = unsigned(e.mark.column + 1);
    }
    return errorAt(l, "bad model: " + e.msg);
  }
  return std::move(g);
}

} // namespace

Expected<Graph> parseModelString(StringRef text, StringRef fileName,
                                 StringRef baseDir,
                                 const ModelParseOptions &opts) {
  ModelParser p(fileName, baseDir, opts);
  return p.parse(text);
}

Expected<Graph> parseModelFile(StringRef path, const ModelParseOptions &opts) {
  auto buf = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return createStringError(buf.getError(), "%s: cannot read model: %s",
                             path.str().c_str(),
                             buf.getError().message().c_str());
  SmallString<256> dir = sys::path::parent_path(path);
  if (dir.empty())
    dir = ".";
  return parseModelString((*buf)->getBuffer(), path, dir, opts);
}

} // namespace tlc
