//===- ir/Printer.cpp - Stable text form of the IR ------------------------===//
//
//   graph fashion_cnn {
//     input  %image : 1x1x28x28xf32
//     weight %conv1.weight : 16x1x3x3xf32
//     state  %blk.0.cache_k : 1x2048x256xf32   (planned state: a KV cache)
//     %c1 : 1x16x28x28xf32 = Conv(%image, %conv1.weight, %conv1.bias) {pads = [1, 1, 1, 1]}
//     output %logits
//   }
//===----------------------------------------------------------------------===//
#include "ir/Graph.h"

#include "llvm/Support/Format.h"

using namespace llvm;

namespace tlc {

static void printAttr(const AttrValue &a, raw_ostream &os) {
  if (auto *v = std::get_if<int64_t>(&a)) {
    os << *v;
  } else if (auto *v = std::get_if<double>(&a)) {
    os << format("%g", *v);
  } else if (auto *v = std::get_if<std::string>(&a)) {
    os << '"' << *v << '"';
  } else if (auto *v = std::get_if<std::vector<int64_t>>(&a)) {
    os << '[';
    for (size_t i = 0; i < v->size(); ++i)
      os << (i ? ", " : "") << (*v)[i];
    os << ']';
  } else if (auto *v = std::get_if<std::vector<double>>(&a)) {
    os << '[';
    for (size_t i = 0; i < v->size(); ++i)
      os << (i ? ", " : "") << format("%g", (*v)[i]);
    os << ']';
  } else if (auto *v = std::get_if<std::vector<DimExpr>>(&a)) {
    os << '[';
    for (size_t i = 0; i < v->size(); ++i)
      os << (i ? ", " : "") << (*v)[i].str();
    os << ']';
  }
}

static std::string typeOf(const Value &v) {
  return v.hasType ? v.type.str() : "?";
}

void printGraph(const Graph &g, raw_ostream &os) {
  os << "graph " << g.name << " {\n";
  for (const DimSymbol &s : g.symbols)
    os << "  symbol " << s.name << " : " << s.min << ".." << s.max << "\n";
  for (const DimRequirement &r : g.requirements)
    os << "  require " << r.expr.str() << " <= " << r.max << "\n";
  for (ValueId id : g.inputs)
    os << "  input  %" << g.values[id].name << " : " << typeOf(g.values[id])
       << "\n";
  for (const Value &v : g.values)
    if (v.kind == ValueKind::Weight)
      os << "  weight %" << v.name << " : " << typeOf(v) << "\n";
  for (const Value &v : g.values)
    if (v.kind == ValueKind::State)
      os << "  state  %" << v.name << " : " << typeOf(v) << "\n";
  for (const Node &n : g.nodes) {
    os << "  ";
    for (size_t i = 0; i < n.outputs.size(); ++i)
      os << (i ? ", " : "") << "%" << g.values[n.outputs[i]].name << " : "
         << typeOf(g.values[n.outputs[i]]);
    os << " = " << n.op << "(";
    for (size_t i = 0; i < n.inputs.size(); ++i)
      os << (i ? ", " : "") << "%" << g.values[n.inputs[i]].name;
    os << ")";
    if (!n.attrs.values.empty()) {
      os << " {";
      bool first = true;
      for (const auto &kv : n.attrs.values) {
        os << (first ? "" : ", ") << kv.first << " = ";
        printAttr(kv.second, os);
        first = false;
      }
      os << "}";
    }
    os << "\n";
  }
  for (ValueId id : g.outputs)
    os << "  output %" << g.values[id].name << "\n";
  os << "}\n";
}

} // namespace tlc
