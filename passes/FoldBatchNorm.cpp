//===- passes/FoldBatchNorm.cpp - BatchNormalization into Conv ------------===//
//
// ONNX BatchNormalization (opset 15), inference mode, per channel c:
//   y = (x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + B[c]
// With s[c] = scale[c] / sqrt(var[c] + epsilon) this is y = x * s[c] + t[c],
// t[c] = B[c] - mean[c] * s[c]. After a Conv whose output nothing else reads,
// the affine map folds into the Conv's weights and bias (the standard
// inference-time fusion, e.g. Jacob et al., "Quantization and Training of
// Neural Networks for Efficient Integer-Arithmetic-Only Inference", CVPR
// 2018, section 3.2):
//   W'[oc, ...] = W[oc, ...] * s[oc],  b'[oc] = (b[oc] - mean[oc]) * s[oc] + B[oc].
// Any other BatchNormalization with constant parameters becomes
// Mul(x, s) + Add(., t) with s and t shaped [C, 1, ..., 1] (broadcast over
// N and the spatial dims). Arithmetic is in double, stored as f32.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include <cmath>
#include <cstring>

using namespace llvm;

namespace tlc {
namespace {

std::vector<double> readF32(const Value &v) {
  std::vector<double> out(v.data.size() / 4);
  for (size_t i = 0; i < out.size(); ++i) {
    float f;
    std::memcpy(&f, v.data.data() + 4 * i, 4);
    out[i] = f;
  }
  return out;
}

std::vector<uint8_t> writeF32(const std::vector<double> &v) {
  std::vector<uint8_t> out(v.size() * 4);
  for (size_t i = 0; i < v.size(); ++i) {
    float f = float(v[i]);
    std::memcpy(out.data() + 4 * i, &f, 4);
  }
  return out;
}

bool isF32Weight(const Value &v, int64_t elems) {
  return v.kind == ValueKind::Weight && v.hasType &&
         v.type.dtype == DType::F32 && v.type.numElements() == elems &&
         v.data.size() == size_t(elems) * 4;
}

/// Adds a weight named \p base (or base_1, base_2, ... when taken).
ValueId addWeight(Graph &g, const std::string &base, TensorType type,
                  std::vector<uint8_t> data, const SourceLoc &loc) {
  std::string name = base;
  for (unsigned i = 1; g.lookup(name); ++i)
    name = base + "_" + std::to_string(i);
  Value v;
  v.name = name;
  v.kind = ValueKind::Weight;
  v.type = std::move(type);
  v.hasType = true;
  v.data = std::move(data);
  v.loc = loc;
  return cantFail(g.addValue(std::move(v)));
}

/// Per-channel scale s and shift t of \p bn, or false when its parameters
/// are not constant f32 vectors of one length or it is in training mode.
bool affineOf(const Graph &g, const Node &bn, std::vector<double> &s,
              std::vector<double> &t) {
  if (bn.inputs.size() != 5 || bn.outputs.size() != 1)
    return false;
  Expected<int64_t> training = bn.attrs.getInt("training_mode", 0);
  Expected<double> eps = bn.attrs.getFloat("epsilon", 1e-5);
  if (!training || !eps || *training != 0) {
    consumeError(training.takeError());
    consumeError(eps.takeError());
    return false;
  }
  const Value &scale = g.values[bn.inputs[1]];
  if (!scale.hasType || scale.type.shape.size() != 1)
    return false;
  int64_t c = scale.type.shape[0];
  for (unsigned i = 1; i < 5; ++i)
    if (!isF32Weight(g.values[bn.inputs[i]], c))
      return false;
  std::vector<double> gamma = readF32(scale),
                      beta = readF32(g.values[bn.inputs[2]]),
                      mean = readF32(g.values[bn.inputs[3]]),
                      var = readF32(g.values[bn.inputs[4]]);
  s.resize(size_t(c));
  t.resize(size_t(c));
  for (size_t k = 0; k < size_t(c); ++k) {
    if (!(var[k] + *eps > 0))
      return false;
    s[k] = gamma[k] / std::sqrt(var[k] + *eps);
    t[k] = beta[k] - mean[k] * s[k];
  }
  return true;
}

/// Number of node inputs reading \p v.
size_t readers(const Graph &g, ValueId v) {
  size_t n = 0;
  for (const Node &node : g.nodes)
    n += llvm::count(node.inputs, v);
  return n;
}

/// Folds \p bn into the Conv producing its input; false when that is not a
/// Conv with constant f32 weights whose output only \p bn reads.
bool foldIntoConv(Graph &g, const Node &bn, const std::vector<double> &s,
                  const std::vector<double> &t) {
  ValueId x = bn.inputs[0];
  const Value &xv = g.values[x];
  if (!xv.producer || g.isOutput(x) || readers(g, x) != 1)
    return false;
  Node &conv = g.nodes[*xv.producer];
  if (conv.op != "Conv" || conv.inputs.size() < 2 || conv.outputs.size() != 1)
    return false;
  const Value &w = g.values[conv.inputs[1]];
  int64_t oc = int64_t(s.size());
  if (!w.hasType || w.type.shape.empty() || w.type.shape[0] != oc ||
      !isF32Weight(w, w.type.numElements()))
    return false;
  std::vector<double> bias(size_t(oc), 0.0);
  if (conv.inputs.size() > 2) {
    const Value &b = g.values[conv.inputs[2]];
    if (!isF32Weight(b, oc))
      return false;
    bias = readF32(b);
  }
  std::vector<double> wd = readF32(w);
  size_t per = wd.size() / size_t(oc);
  for (size_t o = 0; o < size_t(oc); ++o) {
    for (size_t i = 0; i < per; ++i)
      wd[o * per + i] *= s[o];
    // b' = (b - mean) * s + B = b * s + t.
    bias[o] = bias[o] * s[o] + t[o];
  }
  TensorType wType = w.type;
  TensorType bType{DType::F32, {oc}};
  ValueId nw = addWeight(g, conv.name + ".bn_folded_weight", wType,
                         writeF32(wd), bn.loc);
  ValueId nb = addWeight(g, conv.name + ".bn_folded_bias", bType,
                         writeF32(bias), bn.loc);
  // addWeight grew g.values (w is stale now); g.nodes did not move.
  conv.inputs.resize(3);
  conv.inputs[1] = nw;
  conv.inputs[2] = nb;
  conv.outputs[0] = bn.outputs[0];
  return true;
}

} // namespace

size_t foldBatchNorm(Graph &g) {
  std::vector<Node> out;
  std::vector<bool> drop(g.nodes.size(), false);
  size_t count = 0;
  // First pass: folds into Conv (the graph's node list is edited in place).
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (g.nodes[n].op != "BatchNormalization")
      continue;
    std::vector<double> s, t;
    Node bn = g.nodes[n];
    if (!affineOf(g, bn, s, t))
      continue;
    if (foldIntoConv(g, bn, s, t)) {
      drop[n] = true;
      ++count;
      continue;
    }
    // Otherwise Mul + Add with [C, 1, ..., 1] constants.
    const Value &xv = g.values[bn.inputs[0]];
    if (!xv.hasType || xv.type.shape.size() < 2 ||
        xv.type.shape[1] != int64_t(s.size()))
      continue;
    TensorType ct{DType::F32, Shape(xv.type.shape.size() - 1, 1)};
    ct.shape[0] = int64_t(s.size());
    ValueId sv = addWeight(g, bn.name + ".scale", ct, writeF32(s), bn.loc);
    ValueId tv = addWeight(g, bn.name + ".shift", ct, writeF32(t), bn.loc);
    Value mid;
    mid.name = bn.name + ".scaled";
    for (unsigned i = 1; g.lookup(mid.name); ++i)
      mid.name = bn.name + ".scaled_" + std::to_string(i);
    mid.loc = bn.loc;
    ValueId m = cantFail(g.addValue(std::move(mid)));
    Node mul = bn, add = bn;
    mul.op = "Mul";
    mul.name = bn.name + ".mul";
    mul.attrs = {};
    mul.inputs = {bn.inputs[0], sv};
    mul.outputs = {m};
    add.op = "Add";
    add.attrs = {};
    add.inputs = {m, tv};
    g.nodes[n] = std::move(mul);
    g.nodes.insert(g.nodes.begin() + n + 1, std::move(add));
    drop.insert(drop.begin() + n + 1, false);
    ++n;
    ++count;
  }
  for (size_t n = 0; n < g.nodes.size(); ++n)
    if (!drop[n])
      out.push_back(std::move(g.nodes[n]));
  g.nodes = std::move(out);
  g.reindex();
  return count;
}

} // namespace tlc
