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

#include "ir/Half.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstring>

using namespace llvm;

namespace tlc {

/// A double as %g, with ".0" added where %g looks like an integer, so that
/// the text parser (ir/TextParser.h) reads it back as a float.
static void printDouble(double d, raw_ostream &os) {
  std::string s = formatv("{0}", format("%g", d)).str();
  if (s.find_first_of(".eEna") == std::string::npos)
    s += ".0";
  os << s;
}

static void printAttr(const AttrValue &a, raw_ostream &os) {
  if (auto *v = std::get_if<int64_t>(&a)) {
    os << *v;
  } else if (auto *v = std::get_if<double>(&a)) {
    printDouble(*v, os);
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
    {
      os << (i ? ", " : "");
      printDouble((*v)[i], os);
    }
    os << ']';
  } else if (auto *v = std::get_if<std::vector<DimExpr>>(&a)) {
    os << '[';
    for (size_t i = 0; i < v->size(); ++i)
      os << (i ? ", " : "") << (*v)[i].str();
    os << ']';
  }
}

/// \p name as printed: as is, or in double quotes (with \" and \\) when
/// it has a character the text parser ends a name at.
static std::string nameText(StringRef name) {
  if (!name.empty() && name.find_first_of(" \t\r\n,(){}\"\\") == StringRef::npos)
    return name.str();
  std::string s = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\')
      s += '\\';
    s += c == '\n' ? ' ' : c;
  }
  return s + "\"";
}

static std::string typeOf(const Value &v) {
  return v.hasType ? v.type.str() : "?";
}

/// " = [v, ...]" for a weight of at most kMaxInlineElements elements with
/// data (PrintOptions::inlineConstants).
static void printValues(const Value &v, raw_ostream &os) {
  if (!v.symData.empty())
    return; // printed by printShapeValue
  int64_t n = v.type.numElements();
  unsigned w = dtypeBytes(v.type.dtype);
  if (!v.hasType || n > kMaxInlineElements ||
      v.data.size() != uint64_t(n) * w)
    return;
  os << " = [";
  for (int64_t k = 0; k < n; ++k) {
    const uint8_t *p = v.data.data() + k * w;
    os << (k ? ", " : "");
    switch (v.type.dtype) {
    case DType::F32: {
      float f;
      std::memcpy(&f, p, 4);
      printDouble(f, os);
      break;
    }
    case DType::F16: {
      uint16_t h;
      std::memcpy(&h, p, 2);
      printDouble(halfToFloat(h), os);
      break;
    }
    case DType::I32: {
      int32_t x;
      std::memcpy(&x, p, 4);
      os << x;
      break;
    }
    case DType::I64: {
      int64_t x;
      std::memcpy(&x, p, 8);
      os << x;
      break;
    }
    case DType::Bool:
    case DType::U8:
      os << unsigned(*p);
      break;
    }
  }
  os << "]";
}

/// " = [S, 4]" for a shape value with symbolic elements (Value::symData):
/// always printed, since the elements are what shapes read.
static void printShapeValue(const Value &v, raw_ostream &os) {
  if (v.symData.empty())
    return;
  os << " = [";
  for (size_t k = 0; k < v.symData.size(); ++k)
    os << (k ? ", " : "") << v.symData[k].str();
  os << "]";
}

void printGraph(const Graph &g, raw_ostream &os, const PrintOptions &opts) {
  os << "graph " << nameText(g.name) << " {\n";
  for (const DimSymbol &s : g.symbols)
    os << "  symbol " << s.name << " : " << s.min << ".." << s.max << "\n";
  for (const DimRequirement &r : g.requirements)
    os << "  require " << r.expr.str() << " <= " << r.max << "\n";
  for (ValueId id : g.inputs)
    os << "  input  %" << nameText(g.values[id].name) << " : " << typeOf(g.values[id])
       << "\n";
  for (const Value &v : g.values)
    if (v.kind == ValueKind::Weight) {
      os << "  weight %" << nameText(v.name) << " : " << typeOf(v);
      printShapeValue(v, os);
      if (opts.inlineConstants)
        printValues(v, os);
      os << "\n";
    }
  for (const Value &v : g.values)
    if (v.kind == ValueKind::State)
      os << "  state  %" << nameText(v.name) << " : " << typeOf(v) << "\n";
  for (const Node &n : g.nodes) {
    os << "  ";
    for (size_t i = 0; i < n.outputs.size(); ++i)
      os << (i ? ", " : "") << "%" << nameText(g.values[n.outputs[i]].name) << " : "
         << typeOf(g.values[n.outputs[i]]);
    os << " = " << n.op << "(";
    for (size_t i = 0; i < n.inputs.size(); ++i)
      os << (i ? ", " : "") << "%" << nameText(g.values[n.inputs[i]].name);
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
    os << "  output %" << nameText(g.values[id].name) << "\n";
  os << "}\n";
}

} // namespace tlc
