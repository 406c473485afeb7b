//===- passes/Windows1DAs2D.cpp - 1-D convolutions and pools as 2-D -------===//
//
// Conv, ConvTranspose, MaxPool and AveragePool over [N, C, L] (audio
// front ends such as Whisper's encoder, 1-D CNNs) are the 2-D ops over
// [N, C, 1, L] with a 1 x k window: this pass rewrites each such node into
//   Unsqueeze(X, [2]) -> Op2D -> Squeeze(., [2])
// whose Unsqueeze and Squeeze constant folding turns into views (no copy),
// so the 2-D kernels, their tests and their tuning serve both. A node is
// 1-D when its weight W has rank 3 (Conv, ConvTranspose) or its
// kernel_shape has one entry (pools); the pass needs no types, so it runs
// before constant folding. Attributes gain the unit dim: kernel_shape [k]
// -> [1, k], strides, dilations and output_padding [s] -> [1, s], pads
// [b, e] -> [0, b, 0, e]. A weight W that is a constant gets the same
// bytes under the 4-D shape; any other W is unsqueezed too.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include <cstring>

using namespace llvm;

namespace tlc {
namespace {

ValueId addAxesWeight(Graph &g, const std::string &base, const SourceLoc &loc) {
  Value w;
  w.name = g.freshName(base);
  w.kind = ValueKind::Weight;
  w.type = TensorType{DType::I64, {1}};
  w.hasType = true;
  w.loc = loc;
  int64_t two = 2;
  w.data.resize(8);
  std::memcpy(w.data.data(), &two, 8);
  return cantFail(g.addValue(std::move(w)));
}

ValueId addIntermediate(Graph &g, const std::string &base,
                        const SourceLoc &loc) {
  Value v;
  v.name = g.freshName(base);
  v.loc = loc;
  return cantFail(g.addValue(std::move(v)));
}

/// Whether \p n is a 1-D window op (see the file comment).
bool isWindow1D(const Graph &g, const Node &n) {
  if (n.op == "Conv" || n.op == "ConvTranspose")
    return n.inputs.size() >= 2 && g.values[n.inputs[1]].hasType &&
           g.values[n.inputs[1]].type.rank() == 3;
  if (n.op == "MaxPool" || n.op == "AveragePool") {
    auto k = n.attrs.getInts("kernel_shape", {});
    if (!k) {
      consumeError(k.takeError());
      return false;
    }
    return k->size() == 1 && n.outputs.size() == 1;
  }
  return false;
}

/// The attributes of the 2-D op: a unit H prepended to each spatial list.
/// Lists of the wrong length are left as they are for the 2-D shape rule
/// to refuse (with the node's name).
Attributes attrs2D(const Attributes &a) {
  Attributes r = a;
  for (const char *name :
       {"kernel_shape", "strides", "dilations", "output_padding"}) {
    auto *v = a.values.count(name)
                  ? std::get_if<std::vector<int64_t>>(&a.values.at(name))
                  : nullptr;
    if (v && v->size() == 1)
      r.values[name] = std::vector<int64_t>{name == std::string("output_padding")
                                                ? 0
                                                : 1,
                                            (*v)[0]};
  }
  if (a.values.count("output_shape"))
    if (auto *v = std::get_if<std::vector<int64_t>>(&a.values.at("output_shape")))
      if (v->size() == 1)
        r.values["output_shape"] = std::vector<int64_t>{1, (*v)[0]};
  if (a.values.count("pads"))
    if (auto *v = std::get_if<std::vector<int64_t>>(&a.values.at("pads")))
      if (v->size() == 2)
        r.values["pads"] = std::vector<int64_t>{0, (*v)[0], 0, (*v)[1]};
  return r;
}

} // namespace

size_t rewriteWindows1DAs2D(Graph &g) {
  std::vector<Node> out;
  size_t count = 0;
  std::vector<Node> nodes = std::move(g.nodes);
  g.nodes.clear();
  for (Node &n : nodes) {
    if (!isWindow1D(g, n)) {
      out.push_back(std::move(n));
      continue;
    }
    ++count;
    ValueId axes = addAxesWeight(g, n.name + ".unit_axis", n.loc);
    auto unsqueeze = [&](ValueId v, const std::string &what) {
      ValueId r = addIntermediate(g, g.values[v].name + "." + what, n.loc);
      Node u;
      u.op = "Unsqueeze";
      u.name = g.values[r].name;
      u.inputs = {v, axes};
      u.outputs = {r};
      u.loc = n.loc;
      out.push_back(std::move(u));
      return r;
    };
    Node op = n;
    op.attrs = attrs2D(n.attrs);
    op.inputs[0] = unsqueeze(n.inputs[0], "2d");
    if (n.inputs.size() >= 2 && (n.op == "Conv" || n.op == "ConvTranspose")) {
      Value &w = g.values[n.inputs[1]];
      if (w.kind == ValueKind::Weight && w.hasType) {
        Value w4 = w;
        w4.name = g.freshName(w.name + ".2d");
        Shape s = w.type.shape;
        w4.type = TensorType{w.type.dtype, {s[0], s[1], 1, s[2]}};
        op.inputs[1] = cantFail(g.addValue(std::move(w4)));
      } else {
        op.inputs[1] = unsqueeze(n.inputs[1], "2d");
      }
    }
    ValueId y = n.outputs[0];
    ValueId y4 = addIntermediate(g, g.values[y].name + ".2d", n.loc);
    op.outputs = {y4};
    op.name = n.name + ".2d";
    out.push_back(std::move(op));
    Node sq;
    sq.op = "Squeeze";
    sq.name = n.name;
    sq.inputs = {y4, axes};
    sq.outputs = {y};
    sq.loc = n.loc;
    out.push_back(std::move(sq));
  }
  g.nodes = std::move(out);
  g.reindex();
  return count;
}

} // namespace tlc
