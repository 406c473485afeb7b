//===- ir/Graph.cpp - The tensor IR ---------------------------------------===//
#include "ir/Graph.h"

#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace tlc {

std::string SourceLoc::str() const {
  if (line == 0)
    return file;
  return formatv("{0}:{1}:{2}", file, line, column).str();
}

Error errorAt(const SourceLoc &loc, const Twine &message) {
  std::string where = loc.str();
  if (where.empty())
    return createStringError(inconvertibleErrorCode(), message.str());
  return createStringError(inconvertibleErrorCode(),
                           where + ": " + message.str());
}

bool Attributes::has(StringRef name) const {
  return values.count(name.str()) != 0;
}

static Error wrongKind(StringRef name, StringRef expected) {
  return createStringError(inconvertibleErrorCode(),
                           "attribute '%s': expected %s", name.str().c_str(),
                           expected.str().c_str());
}

Expected<int64_t> Attributes::getInt(StringRef name, int64_t def) const {
  auto it = values.find(name.str());
  if (it == values.end())
    return def;
  if (auto *v = std::get_if<int64_t>(&it->second))
    return *v;
  return wrongKind(name, "an integer");
}

Expected<double> Attributes::getFloat(StringRef name, double def) const {
  auto it = values.find(name.str());
  if (it == values.end())
    return def;
  if (auto *v = std::get_if<double>(&it->second))
    return *v;
  if (auto *v = std::get_if<int64_t>(&it->second))
    return double(*v);
  return wrongKind(name, "a number");
}

Expected<std::vector<int64_t>>
Attributes::getInts(StringRef name, std::vector<int64_t> def) const {
  auto it = values.find(name.str());
  if (it == values.end())
    return def;
  if (auto *v = std::get_if<std::vector<int64_t>>(&it->second))
    return *v;
  if (auto *v = std::get_if<std::vector<DimExpr>>(&it->second)) {
    std::vector<int64_t> r;
    for (const DimExpr &e : *v) {
      if (!e.isConstant())
        return wrongKind(name, "a list of integers (it depends on symbols)");
      r.push_back(e.constant());
    }
    return r;
  }
  return wrongKind(name, "a list of integers");
}

Expected<std::vector<DimExpr>>
Attributes::getDims(StringRef name, std::vector<DimExpr> def) const {
  auto it = values.find(name.str());
  if (it == values.end())
    return def;
  if (auto *v = std::get_if<std::vector<DimExpr>>(&it->second))
    return *v;
  if (auto *v = std::get_if<std::vector<int64_t>>(&it->second))
    return std::vector<DimExpr>(v->begin(), v->end());
  return wrongKind(name, "a list of integers or dimension expressions");
}

Expected<std::string> Attributes::getString(StringRef name,
                                            std::string def) const {
  auto it = values.find(name.str());
  if (it == values.end())
    return def;
  if (auto *v = std::get_if<std::string>(&it->second))
    return *v;
  return wrongKind(name, "a string");
}

Expected<ValueId> Graph::addValue(Value v) {
  if (byName.count(v.name))
    return errorAt(v.loc, "tensor name '" + v.name +
                              "' is already defined; names must be unique");
  ValueId id = ValueId(values.size());
  byName[v.name] = id;
  values.push_back(std::move(v));
  return id;
}

NodeId Graph::addNode(Node n) {
  NodeId id = NodeId(nodes.size());
  for (ValueId out : n.outputs)
    values[out].producer = id;
  nodes.push_back(std::move(n));
  return id;
}

std::optional<ValueId> Graph::lookup(StringRef name) const {
  auto it = byName.find(name);
  if (it == byName.end())
    return std::nullopt;
  return it->second;
}

std::string Graph::freshName(StringRef base) const {
  std::string name = base.str();
  for (unsigned i = 1; lookup(name); ++i)
    name = base.str() + "_" + std::to_string(i);
  return name;
}

void Graph::reindex() {
  byName.clear();
  for (ValueId i = 0; i < values.size(); ++i) {
    byName[values[i].name] = i;
    values[i].producer.reset();
  }
  for (NodeId n = 0; n < nodes.size(); ++n)
    for (ValueId out : nodes[n].outputs)
      values[out].producer = n;
}

bool Graph::isOutput(ValueId id) const {
  for (ValueId o : outputs)
    if (o == id)
      return true;
  return false;
}

} // namespace tlc
