//===- ops/Einsum.cpp - Einsum: sums of products over named indices -------===//
//
// ONNX Einsum (opset 12), numpy.einsum's semantics: attribute `equation`,
// e.g. "bhid,bhjd->bhij" or "...ii->...i" (spaces ignored), one or two
// inputs of static shape. Each letter names an index; "..." stands for the
// leading dims of an input (right-aligned across inputs, broadcast where
// one is 1). Without "->" the output is the ellipsis dims followed by the
// letters that occur once, in ASCII order. Every letter absent from the
// output is summed; a letter repeated within one input reads its diagonal.
// A letter's occurrences must have equal sizes, or size 1 (broadcast).
//
// Shader: shaders/einsum.comp, one invocation per output element looping
// over the summed indices, with each index's stride in each input. At most
// kEinsumMaxIndices distinct indices (ellipsis dims included). Contractions
// that are batched matrix products are rewritten into MatMul first where
// that pays (none yet: this is the general path).
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"

#include <algorithm>

using namespace llvm;

namespace tlc {
namespace {

constexpr unsigned kEinsumMaxIndices = 8;
constexpr unsigned kEinsumMaxInputs = 2;

/// A parsed equation over concrete input shapes. Indices are numbered with
/// the output's first, in output order, then the summed ones.
struct EinsumSpec {
  std::vector<std::vector<unsigned>> inputIdx; // per input dim: its index
  std::vector<int64_t> size;                   // per index: its extent
  unsigned numOutput = 0;                      // indices 0..numOutput-1
};

struct Term {
  std::string letters;  // in order, with '.' standing for the ellipsis
  bool ellipsis = false;
};

Expected<Term> parseTerm(StringRef t, const Twine &what) {
  Term r;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '.') {
      if (r.ellipsis || !t.substr(i).startswith("..."))
        return opError("equation: " + what + " '" + t +
                       "' has a '.' that is not one '...'");
      r.ellipsis = true;
      r.letters.push_back('.');
      i += 2;
    } else if (isAlpha(c)) {
      r.letters.push_back(c);
    } else {
      return opError("equation: " + what + " '" + t + "' has '" +
                     Twine(c) + "'; expected letters and '...'");
    }
  }
  return r;
}

Expected<EinsumSpec> parseEinsum(StringRef equation,
                                 ArrayRef<TensorType> inputs) {
  std::string eq;
  for (char c : equation)
    if (c != ' ')
      eq.push_back(c);
  StringRef lhs = eq, rhs;
  bool explicitOut = false;
  size_t arrow = lhs.find("->");
  if (arrow != StringRef::npos) {
    rhs = lhs.substr(arrow + 2);
    lhs = lhs.substr(0, arrow);
    explicitOut = true;
  }
  SmallVector<StringRef, 2> termText;
  lhs.split(termText, ',');
  if (termText.size() != inputs.size())
    return opError("equation '" + equation + "' has " +
                   Twine(termText.size()) + " input terms; the node has " +
                   Twine(inputs.size()) + " inputs");
  std::vector<Term> terms;
  unsigned ellipsisRank = 0;
  for (size_t k = 0; k < termText.size(); ++k) {
    Expected<Term> t = parseTerm(termText[k], "term " + Twine(k));
    if (!t)
      return t.takeError();
    size_t named = t->letters.size() - (t->ellipsis ? 1 : 0);
    if (named > inputs[k].rank() ||
        (!t->ellipsis && named != inputs[k].rank()))
      return opError("equation term '" + termText[k] + "' names " +
                     Twine(named) + " dims; input " + Twine(k) + " " +
                     inputs[k].str() + " has " + Twine(inputs[k].rank()));
    if (t->ellipsis)
      ellipsisRank = std::max<unsigned>(ellipsisRank,
                                        unsigned(inputs[k].rank() - named));
    terms.push_back(std::move(*t));
  }
  // Labels: letters as themselves, ellipsis dim j as "#j" (j from the left
  // of the ellipsisRank broadcast dims).
  auto ellLabel = [](unsigned j) { return "#" + std::to_string(j); };
  std::vector<std::string> outLabels;
  if (explicitOut) {
    Expected<Term> t = parseTerm(rhs, "the output");
    if (!t)
      return t.takeError();
    for (char c : t->letters) {
      if (c == '.') {
        for (unsigned j = 0; j < ellipsisRank; ++j)
          outLabels.push_back(ellLabel(j));
        continue;
      }
      if (lhs.find(c) == StringRef::npos)
        return opError("equation: output letter '" + Twine(c) +
                       "' is in no input term");
      if (std::count(t->letters.begin(), t->letters.end(), c) > 1)
        return opError("equation: output letter '" + Twine(c) +
                       "' appears twice");
      outLabels.push_back(std::string(1, c));
    }
  } else {
    for (unsigned j = 0; j < ellipsisRank; ++j)
      outLabels.push_back(ellLabel(j));
    for (char c = 'A'; c <= 'z'; ++c)
      if (isAlpha(c) && std::count(lhs.begin(), lhs.end(), c) == 1)
        outLabels.push_back(std::string(1, c));
  }
  // Number the labels: output first, then the rest in order of appearance.
  std::vector<std::string> labels = outLabels;
  EinsumSpec s;
  s.numOutput = unsigned(outLabels.size());
  auto indexOf = [&](const std::string &l) {
    auto it = std::find(labels.begin(), labels.end(), l);
    if (it != labels.end())
      return unsigned(it - labels.begin());
    labels.push_back(l);
    return unsigned(labels.size() - 1);
  };
  s.inputIdx.resize(inputs.size());
  for (size_t k = 0; k < terms.size(); ++k) {
    unsigned ell = unsigned(inputs[k].rank() -
                            (terms[k].letters.size() - terms[k].ellipsis));
    for (char c : terms[k].letters) {
      if (c == '.') {
        for (unsigned j = ellipsisRank - ell; j < ellipsisRank; ++j)
          s.inputIdx[k].push_back(indexOf(ellLabel(j)));
      } else {
        s.inputIdx[k].push_back(indexOf(std::string(1, c)));
      }
    }
  }
  if (labels.size() > kEinsumMaxIndices)
    return opError("equation '" + equation + "' has " + Twine(labels.size()) +
                   " distinct indices (ellipsis dims included); tlc supports "
                   "at most " + Twine(kEinsumMaxIndices));
  // Extents: equal across occurrences, or 1 (broadcast).
  s.size.assign(labels.size(), 1);
  for (size_t k = 0; k < inputs.size(); ++k)
    for (size_t d = 0; d < inputs[k].rank(); ++d) {
      int64_t n = inputs[k].shape[d];
      int64_t &have = s.size[s.inputIdx[k][d]];
      if (n != 1 && have != 1 && n != have)
        return opError("equation index '" + labels[s.inputIdx[k][d]] +
                       "' has size " + Twine(have) + " and " + Twine(n) +
                       " (input " + Twine(k) + " " + inputs[k].str() +
                       "); expected equal sizes or 1");
      have = std::max(have, n);
    }
  return s;
}

/// Element strides of every index in input \p k (0 where the index is
/// absent or the input's dim is 1); a repeated index adds its strides.
std::vector<int64_t> indexStrides(const EinsumSpec &s, const Shape &shape,
                                  size_t k) {
  std::vector<int64_t> st(s.size.size(), 0);
  Shape rm = rowMajorStrides(shape);
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] != 1)
      st[s.inputIdx[k][d]] += rm[d];
  return st;
}

Expected<EinsumSpec> specOf(const Node &node, ArrayRef<TensorType> types) {
  Expected<std::string> eq = node.attrs.getString("equation", "");
  if (!eq)
    return eq.takeError();
  if (eq->empty())
    return opError("attribute 'equation' is required");
  return parseEinsum(*eq, types);
}

Error einsumInferTypes(const Node &node, ArrayRef<InputInfo> in,
                       SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"equation"}))
    return e;
  if (Error e = checkInputCount(in, 1, kEinsumMaxInputs))
    return e;
  SmallVector<TensorType, 2> types;
  for (size_t k = 0; k < in.size(); ++k) {
    if (Error e = checkDType(in, unsigned(k), "input", kDataDTypes))
      return e;
    if (in[k].type.dtype != in[0].type.dtype)
      return opError("input " + Twine(k) + " " + in[k].type.str() +
                     " has another dtype than input 0 " + in[0].type.str());
    if (!in[k].type.isStatic())
      return opError("input " + in[k].type.str() +
                     " has symbolic dims; expected a static shape");
    types.push_back(in[k].type);
  }
  Expected<EinsumSpec> s = specOf(node, types);
  if (!s)
    return s.takeError();
  Shape o(s->size.begin(), s->size.begin() + s->numOutput);
  TensorType t{in[0].type.dtype, o};
  if (Error e = checkFits32(t, "output"))
    return e;
  if (Error e = checkInputsFit32(in))
    return e;
  out.push_back(t);
  return Error::success();
}

Error einsumReference(const Node &node, ArrayRef<const HostTensor *> in,
                      MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 2> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  EinsumSpec s = verifiedValue(specOf(node, types));
  std::vector<std::vector<int64_t>> strides;
  for (size_t k = 0; k < in.size(); ++k)
    strides.push_back(indexStrides(s, in[k]->type.shape, k));
  size_t n = s.size.size();
  bool isFloat = out[0].type.dtype == DType::F32;
  std::vector<int64_t> idx(n, 0);
  int64_t sumCount = 1;
  for (size_t j = s.numOutput; j < n; ++j)
    sumCount *= s.size[j];
  for (int64_t e = 0; e < out[0].numElements(); ++e) {
    double accF = 0;
    int64_t accI = 0;
    for (int64_t q = 0; q < sumCount; ++q) {
      // Summed indices from q, last fastest.
      int64_t r = q;
      for (size_t j = n; j-- > s.numOutput;) {
        idx[j] = r % s.size[j];
        r /= s.size[j];
      }
      double pf = 1;
      int64_t pi = 1;
      for (size_t k = 0; k < in.size(); ++k) {
        int64_t off = 0;
        for (size_t j = 0; j < n; ++j)
          off += idx[j] * strides[k][j];
        if (isFloat)
          pf *= in[k]->doubleAt(off);
        else
          pi *= in[k]->intAt(off);
      }
      accF += pf;
      accI += pi;
    }
    if (isFloat)
      out[0].setDouble(e, accF);
    else
      out[0].setInt(e, accI);
    for (size_t j = s.numOutput; j-- > 0;) {
      if (++idx[j] < s.size[j])
        break;
      idx[j] = 0;
    }
  }
  return Error::success();
}

void einsumLower(const Node &node, ArrayRef<TensorType> in,
                 ArrayRef<TensorType> out, const KernelTarget &,
                 SmallVectorImpl<DispatchDesc> &d) {
  EinsumSpec s = verifiedValue(specOf(node, in));
  std::vector<int64_t> sa = indexStrides(s, in[0].shape, 0);
  std::vector<int64_t> sb = in.size() > 1 ? indexStrides(s, in[1].shape, 1)
                                          : std::vector<int64_t>(sa.size(), 0);
  DispatchDesc c;
  c.shader = "einsum";
  int64_t total = out[0].numElements(), sumCount = 1;
  for (size_t j = s.numOutput; j < s.size.size(); ++j)
    sumCount *= s.size[j];
  c.specConstants.push_back(spec::u32(uint32_t(total)));
  c.specConstants.push_back(spec::u32(uint32_t(sumCount)));
  auto slot = [&](const std::vector<int64_t> &v, unsigned j, int64_t pad) {
    return spec::u32(uint32_t(j < v.size() ? v[j] : pad));
  };
  for (unsigned j = 0; j < kEinsumMaxIndices; ++j)
    c.specConstants.push_back(slot(s.size, j, 1));
  for (unsigned j = 0; j < kEinsumMaxIndices; ++j)
    c.specConstants.push_back(slot(sa, j, 0));
  for (unsigned j = 0; j < kEinsumMaxIndices; ++j)
    c.specConstants.push_back(slot(sb, j, 0));
  c.specConstants.push_back(spec::u32(s.numOutput));
  c.specConstants.push_back(spec::u32(unsigned(in.size())));
  unsigned y = unsigned(in.size());
  c.operands = {0, in.size() > 1 ? 1u : 0u, y};
  if (in.size() == 1)
    c.unread = {1};
  c.writes = {2};
  setGrid1D(c, uint64_t(total), 64);
  d.push_back(c);
}

} // namespace

const OpDef kEinsumOp = {"Einsum",
                         einsumInferTypes,
                         einsumReference,
                         einsumLower,
                         /*memory=*/{},
                         /*referenceDTypes=*/kDataDTypes,
                         /*deviceDTypes=*/{DType::F32}};

} // namespace tlc
