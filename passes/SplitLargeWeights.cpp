//===- passes/SplitLargeWeights.cpp - Weights beyond one binding, in chunks ===//
//
// A storage-buffer binding holds at most maxStorageBufferRange bytes: 128
// MiB on lavapipe (kMaxBindingBytes), while a 32,000 x 2,048 f32 token
// embedding or LM head is 262 MB and vgg's first fully connected weight
// 411 MB. A plan that binds such a tensor fits the device's memory and
// still cannot load. This pass splits every weight larger than the limit
// that one of these ops reads into chunks of at most the limit, each its
// own weight (the bytes are re-laid out at compile time):
//   Gather(data, idx, axis 0)        -> GatherRowChunks(idx, rows of data)
//   Gemm(A, B, [C])  B a weight      -> Gemm per slice of N, then Concat
//                    (C absent or a weight [N] / [1, N], sliced alike)
//   MatMul(A, B)     B a weight [K, N] -> MatMul per slice of N, Concat
//   QuantizedGemm(A, W)              -> QuantizedGemm per slice of W's rows
// The Concat along the last axis joins the slices (in place where the
// output's rows are single rows, as for the LM head of the last position).
// Row chunks are shared by every reader that slices the same rows (a token
// embedding and its tied LM head). Runs after F16Storage, on the bytes the
// plan will hold. A weight such an op cannot split (a column split with
// another reader, a C of another shape) is left whole:
// the runtime then refuses the plan on a device whose limit it exceeds,
// naming the tensor and both sizes.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "passes/FusionUtil.h"
#include "passes/Passes.h"

#include <algorithm>
#include <cstring>
#include <map>

using namespace llvm;

namespace tlc {

namespace {

ValueId addWeight(Graph &g, const Value &from, const std::string &suffix,
                  Shape shape, std::vector<uint8_t> bytes) {
  Value w;
  w.name = g.freshName(from.name + suffix);
  w.kind = ValueKind::Weight;
  w.type = TensorType{from.type.dtype, std::move(shape)};
  w.hasType = true;
  w.loc = from.loc;
  w.data = std::move(bytes);
  return cantFail(g.addValue(std::move(w)));
}

ValueId addIntermediate(Graph &g, const Value &like, const std::string &name,
                        const DimExpr &lastDim) {
  Value v;
  v.name = g.freshName(name);
  SymShape dims = like.type.dims();
  dims.back() = lastDim;
  v.type = TensorType::withDims(like.type.dtype, dims);
  v.hasType = true;
  v.loc = like.loc;
  return cantFail(g.addValue(std::move(v)));
}

/// Slices of [0, n) of at most \p per each (per rounded down to a multiple
/// of 64 when larger, so that kernels keep their aligned paths).
std::vector<std::pair<int64_t, int64_t>> slices(int64_t n, int64_t per) {
  if (per >= 128)
    per -= per % 64;
  per = std::max<int64_t>(per, 1);
  std::vector<std::pair<int64_t, int64_t>> out;
  for (int64_t b = 0; b < n; b += per)
    out.push_back({b, std::min(per, n - b)});
  return out;
}

/// Rows [r0, r0 + rows) of a row-major weight whose rows are \p rowBytes.
std::vector<uint8_t> rowBytes(const Value &w, int64_t r0, int64_t rows,
                              uint64_t rowBytes) {
  auto first = w.data.begin() + int64_t(uint64_t(r0) * rowBytes);
  return std::vector<uint8_t>(first, first + int64_t(uint64_t(rows) * rowBytes));
}

/// Columns [c0, c0 + cols) of a row-major [rows, n] weight of \p elt bytes.
std::vector<uint8_t> columnBytes(const Value &w, int64_t c0, int64_t cols,
                                 int64_t n, unsigned elt) {
  int64_t rows = w.type.shape[0];
  std::vector<uint8_t> out(size_t(rows * cols) * elt);
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(out.data() + size_t(r * cols) * elt,
                w.data.data() + size_t(r * n + c0) * elt, size_t(cols) * elt);
  return out;
}

bool isLargeWeight(const Graph &g, ValueId v, uint64_t maxBytes) {
  const Value &w = g.values[v];
  return w.kind == ValueKind::Weight && w.type.isStatic() &&
         w.type.byteSize() > maxBytes && w.data.size() == w.type.byteSize();
}

} // namespace

/// Axis attribute \p name of \p n normalized to [0, rank), or -1.
static int64_t axisOf(const Node &n, const char *name, int64_t rank,
                      int64_t dflt) {
  Expected<int64_t> a = n.attrs.getInt(name, dflt);
  if (!a) {
    consumeError(a.takeError());
    return -1;
  }
  int64_t v = *a < 0 ? *a + rank : *a;
  return v >= 0 && v < rank ? v : -1;
}

size_t splitLargeWeights(Graph &g, uint64_t maxBytes) {
  UseList uses = collectUses(g);
  auto onlyReader = [&](ValueId v) {
    return uses[v].size() == 1 && !g.isOutput(v);
  };
  // Row chunks, made once per (weight, first row): a Gather over a token
  // embedding and the tied LM head (rows = N) share them, because both
  // slice rows alike.
  std::map<std::pair<ValueId, int64_t>, ValueId> rowChunks;
  auto rowChunk = [&](ValueId v, const std::string &tag, int64_t r0,
                      int64_t rows, uint64_t bytesPerRow) {
    auto [it, inserted] = rowChunks.try_emplace({v, r0}, ValueId(0));
    if (inserted) {
      Shape shape = g.values[v].type.shape;
      shape[0] = rows;
      it->second = addWeight(g, g.values[v], tag, shape,
                             rowBytes(g.values[v], r0, rows, bytesPerRow));
    }
    return it->second;
  };
  std::vector<Node> nodes;
  nodes.reserve(g.nodes.size());
  size_t split = 0;
  for (Node &n : g.nodes) {
    // Gather along axis 0 of a weight table: row chunks.
    if (n.op == "Gather" && n.inputs.size() == 2 &&
        isLargeWeight(g, n.inputs[0], maxBytes) &&
        axisOf(n, "axis", g.values[n.inputs[0]].type.rank(), 0) == 0) {
      const Shape table = g.values[n.inputs[0]].type.shape;
      uint64_t row =
          g.values[n.inputs[0]].type.byteSize() / uint64_t(table[0]);
      Node chunks;
      chunks.op = "GatherRowChunks";
      chunks.name = n.name;
      chunks.loc = n.loc;
      chunks.inputs = {n.inputs[1]};
      chunks.outputs = n.outputs;
      for (auto [r0, rows] : slices(table[0], int64_t(maxBytes / row)))
        chunks.inputs.push_back(rowChunk(
            n.inputs[0], ".rows" + std::to_string(r0), r0, rows, row));
      nodes.push_back(std::move(chunks));
      ++split;
      continue;
    }
    // GEMMs with a weight B: slices of N, joined by a Concat.
    bool gemm = n.op == "Gemm" && (n.inputs.size() == 2 || n.inputs.size() == 3);
    bool matmul = n.op == "MatMul" && n.inputs.size() == 2;
    bool quant = n.op == "QuantizedGemm" && n.inputs.size() == 2;
    if (!(gemm || matmul || quant) || n.outputs.size() != 1 ||
        !isLargeWeight(g, n.inputs[1], maxBytes) ||
        g.values[n.inputs[1]].type.rank() != 2) {
      nodes.push_back(std::move(n));
      continue;
    }
    const Value &b = g.values[n.inputs[1]];
    // Rows of B are N (transB, QuantizedGemm's W) or K (columns are N).
    bool rowsAreN = quant;
    if (gemm) {
      Expected<int64_t> t = n.attrs.getInt("transB", 0);
      if (!t) {
        consumeError(t.takeError());
        nodes.push_back(std::move(n));
        continue;
      }
      rowsAreN = *t != 0;
    }
    int64_t nTotal = rowsAreN ? b.type.shape[0] : b.type.shape[1];
    // A bias C is sliced alike when it is a weight of N values.
    std::optional<ValueId> c;
    if (gemm && n.inputs.size() == 3) {
      const Value &cv = g.values[n.inputs[2]];
      bool perColumn = cv.kind == ValueKind::Weight && cv.type.isStatic() &&
                       cv.type.numElements() == nTotal &&
                       cv.type.shape.back() == nTotal &&
                       cv.data.size() == cv.type.byteSize();
      if (!perColumn) {
        nodes.push_back(std::move(n));
        continue;
      }
      c = n.inputs[2];
    }
    // Slices of N along B's columns are copies of their own; row slices
    // are shared with other readers.
    if (!rowsAreN && !onlyReader(n.inputs[1])) {
      nodes.push_back(std::move(n));
      continue;
    }
    unsigned elt = unsigned(b.type.byteSize() / uint64_t(b.type.numElements()));
    uint64_t sliceBytesPerN =
        rowsAreN ? b.type.byteSize() / uint64_t(nTotal)
                 : uint64_t(b.type.shape[0]) * elt;
    const Value y = g.values[n.outputs[0]]; // a copy: g.values grows below
    Node concat;
    concat.op = "Concat";
    concat.name = n.name;
    concat.loc = n.loc;
    concat.attrs.values["axis"] = int64_t(-1);
    concat.outputs = n.outputs;
    for (auto [n0, cols] :
         slices(nTotal, int64_t(maxBytes / sliceBytesPerN))) {
      std::string tag = ".cols" + std::to_string(n0);
      const Value &bw = g.values[n.inputs[1]];
      ValueId piece =
          rowsAreN ? rowChunk(n.inputs[1], ".rows" + std::to_string(n0), n0,
                              cols, sliceBytesPerN)
                   : addWeight(g, bw, tag, {bw.type.shape[0], cols},
                               columnBytes(bw, n0, cols, nTotal, elt));
      Node part;
      part.op = n.op;
      part.name = n.name + tag;
      part.loc = n.loc;
      part.attrs = n.attrs;
      part.inputs = {n.inputs[0], piece};
      if (c) {
        const Value &cv = g.values[*c];
        Shape cs = cv.type.shape;
        cs.back() = cols;
        unsigned celt = unsigned(cv.type.byteSize() / uint64_t(nTotal));
        part.inputs.push_back(
            addWeight(g, cv, tag, cs,
                      rowBytes(cv, n0, cols, celt)));
      }
      part.outputs = {addIntermediate(g, y, y.name + tag, DimExpr(cols))};
      concat.inputs.push_back(part.outputs[0]);
      nodes.push_back(std::move(part));
    }
    nodes.push_back(std::move(concat));
    ++split;
  }
  g.nodes = std::move(nodes);
  if (split) {
    g.reindex();
    eliminateDeadCode(g); // the whole weights nothing reads any more
  }
  return split;
}

} // namespace tlc
