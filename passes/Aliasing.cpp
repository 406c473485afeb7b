//===- passes/Aliasing.cpp - Views, in-place reuse, Concat slices ---------===//
//
// Fewer bytes to plan: some tensors need no memory of their own.
//  - Views: Reshape and Flatten only reinterpret their input's bytes, so
//    their output shares its input's memory and no dispatch runs (unless the
//    output is a graph output, which has its own buffer).
//  - In place: an elementwise op may write its output over an input that
//    dies at this op, when that input is read at exactly the index written
//    (same element count as the output) and its memory is transient. An op
//    that updates input 0 (TensorScatter) writes over it when it is state
//    (a KV cache) or a transient, and it dies here.
//  - Concat slices: when a Concat input's slice of the output is one
//    contiguous byte range, the input's producer can write straight into it;
//    the Concat then copies only the other inputs (none, when all are in
//    place, and runs no dispatch at all). Since the output then lives from
//    the first slice's producer on, a Concat's slices are kept only when
//    they do not raise the lower bound of live transient bytes.
// Each tensor gets a storage root (itself, or the tensor whose memory it
// shares) and a byte offset inside it. Liveness then gives a root the union
// of its group's intervals.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "passes/MemoryPlan.h"
#include "passes/Passes.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cassert>
#include <limits>

using namespace llvm;

namespace tlc {

/// Views, then in-place outputs, as a union-find flattened at the end: every
/// entry names its final root. Marks in \p isViewAlias the view outputs that
/// share their input's bytes (they are written by no dispatch).
static std::vector<ValueId>
viewAndInPlaceRoots(const Graph &g, const AliasOptions &opts,
                    std::vector<bool> &isViewAlias) {
  const size_t nv = g.values.size();
  std::vector<ValueId> root(nv);
  for (ValueId v = 0; v < nv; ++v)
    root[v] = v;
  auto find = [&](ValueId v) {
    while (root[v] != v)
      v = root[v];
    return v;
  };
  auto flatten = [&] {
    for (ValueId v = 0; v < nv; ++v)
      root[v] = find(v);
    return root;
  };

  // Views first: they depend only on the graph's structure.
  if (opts.views)
    for (const Node &n : g.nodes) {
      const OpDef *def = lookupOp(n.op);
      if (def && def->memory.isView && !g.isOutput(n.outputs[0])) {
        root[n.outputs[0]] = find(n.inputs[0]);
        isViewAlias[n.outputs[0]] = true;
      }
    }
  if (!opts.inPlace)
    return flatten();

  // Last step that touches each storage group (views included).
  std::vector<int64_t> groupLast(nv, -1);
  for (size_t s = 0; s < g.nodes.size(); ++s) {
    for (ValueId in : g.nodes[s].inputs)
      groupLast[find(in)] = int64_t(s);
    for (ValueId out : g.nodes[s].outputs)
      groupLast[find(out)] = std::max(groupLast[find(out)], int64_t(s));
  }
  for (size_t s = 0; s < g.nodes.size(); ++s) {
    const Node &n = g.nodes[s];
    const OpDef *def = lookupOp(n.op);
    if (!def || n.outputs.size() != 1)
      continue;
    ValueId out = n.outputs[0];
    if (g.isOutput(out) || find(out) != out)
      continue;
    if (def->memory.updatesInput0 && !n.inputs.empty()) {
      // The update of state or of a transient nothing reads afterwards;
      // state that is still read later keeps its bytes (codegen refuses
      // the node: state changes only in place).
      ValueId r = find(n.inputs[0]);
      const Value &rv = g.values[r];
      bool ownBytes = rv.kind == ValueKind::State ||
                      (rv.kind == ValueKind::Intermediate && !g.isOutput(r));
      bool otherOperand = false;
      for (size_t i = 1; i < n.inputs.size(); ++i)
        otherOperand |= find(n.inputs[i]) == r;
      if (ownBytes && !otherOperand && groupLast[r] == int64_t(s) &&
          g.values[n.inputs[0]].type == g.values[out].type) {
        root[out] = r;
        groupLast[r] = std::max(groupLast[r], groupLast[out]);
      }
      continue;
    }
    const TensorType &outType = g.values[out].type;
    for (unsigned i : def->memory.inPlaceInputs) {
      if (i >= n.inputs.size())
        continue;
      ValueId r = find(n.inputs[i]);
      const Value &rv = g.values[r];
      bool transient = rv.kind == ValueKind::Intermediate && !g.isOutput(r);
      if (!transient || groupLast[r] != int64_t(s) ||
          g.values[n.inputs[i]].type != outType)
        continue;
      // Every operand in this group must be read at the index written.
      bool sameIndex = true;
      for (ValueId in : n.inputs)
        if (find(in) == r &&
            g.values[in].type.numElementsExpr() != outType.numElementsExpr())
          sameIndex = false;
      if (!sameIndex)
        continue;
      root[out] = r;
      groupLast[r] = std::max(groupLast[r], groupLast[out]);
      break;
    }
  }
  return flatten();
}

namespace {
/// Moves whole storage groups into slices of Concat outputs. Works on a
/// flattened layout (every root is its own root) and keeps it flattened.
class ConcatSlicer {
public:
  ConcatSlicer(const Graph &g, uint64_t alignment, StorageLayout &layout,
               const std::vector<bool> &isViewAlias)
      : g(g), alignment(alignment), layout(layout), members(g.values.size()),
        step(g.values.size(), -1), lastRead(g.values.size(), -1),
        writes(g.values.size(), false) {
    currentBound = transientLowerBound(g, computeLiveness(g, layout.root));
    for (ValueId v = 0; v < g.values.size(); ++v)
      members[layout.root[v]].push_back(v);
    for (size_t s = 0; s < g.nodes.size(); ++s) {
      for (ValueId in : g.nodes[s].inputs)
        lastRead[in] = std::max(lastRead[in], int64_t(s));
      for (ValueId out : g.nodes[s].outputs) {
        step[out] = int64_t(s);
        writes[out] = !isViewAlias[out];
      }
    }
  }

  /// Places the inputs of the Concat-like node at schedule step \p s.
  void run(size_t s) {
    const Node &n = g.nodes[s];
    ValueId out = n.outputs[0];
    const Shape &os = g.values[out].type.shape;
    Expected<int64_t> axisAttr = n.attrs.getInt("axis", 0);
    if (!axisAttr) { // the shape rule accepted it, so this cannot happen
      consumeError(axisAttr.takeError());
      return;
    }
    int64_t rank = int64_t(os.size());
    int64_t axis = *axisAttr < 0 ? *axisAttr + rank : *axisAttr;
    if (axis < 0 || axis >= rank || g.isOutput(out) ||
        g.values[out].kind != ValueKind::Intermediate ||
        layout.root[out] != out)
      return;
    // Contiguous slices: nothing outside the axis varies faster than it.
    for (int64_t d = 0; d < axis; ++d)
      if (os[size_t(d)] != 1)
        return;
    // The first write over the output's bytes after this step (an in-place
    // op over the output); slice members must not be read from then on.
    int64_t firstLaterWrite = std::numeric_limits<int64_t>::max();
    for (ValueId m : members[out])
      if (writes[m] && step[m] > int64_t(s))
        firstLaterWrite = std::min(firstLaterWrite, step[m]);

    StorageLayout before = layout;
    std::vector<SmallVector<ValueId, 4>> membersBefore = members;
    bool moved = false;
    uint64_t sliceOffset = 0;
    for (ValueId in : n.inputs) {
      uint64_t bytes = g.values[in].type.byteSize();
      if (canMove(in, s, firstLaterWrite, sliceOffset)) {
        moveGroup(layout.root[in], out, sliceOffset);
        moved = true;
      }
      sliceOffset += bytes;
    }
    // The output now lives from its first slice's producer on, which can
    // raise the peak elsewhere (say, while a long branch computes the last
    // input); keep the slices only when the lower bound does not rise.
    if (!moved)
      return;
    uint64_t bound = transientLowerBound(g, computeLiveness(g, layout.root));
    if (bound > currentBound) {
      layout = std::move(before);
      members = std::move(membersBefore);
    } else {
      currentBound = bound;
    }
  }

private:
  /// Whether \p in's whole storage group may move to \p sliceOffset inside
  /// the output of the Concat at step \p s.
  bool canMove(ValueId in, size_t s, int64_t firstLaterWrite,
               uint64_t sliceOffset) const {
    ValueId r = layout.root[in];
    ValueId out = g.nodes[s].outputs[0];
    // The group is exactly this input's bytes (not a slice of something
    // else, nor already moved here as an earlier operand).
    if (r == out || layout.offset[in] != 0 ||
        g.values[r].type.byteSize() != g.values[in].type.byteSize())
      return false;
    if (sliceOffset % alignment != 0)
      return false;
    for (ValueId m : members[r]) {
      const Value &mv = g.values[m];
      if (mv.kind != ValueKind::Intermediate || g.isOutput(m) || step[m] < 0)
        return false;
      // Written only before the Concat, so the slice holds the input when
      // the Concat's step comes.
      if (writes[m] && step[m] >= int64_t(s))
        return false;
      if (lastRead[m] >= firstLaterWrite)
        return false;
    }
    return true;
  }

  /// Makes every member of group \p r a member of \p dst's group, at
  /// \p sliceOffset plus its offset inside \p r.
  void moveGroup(ValueId r, ValueId dst, uint64_t sliceOffset) {
    SmallVector<ValueId, 4> moved = std::move(members[r]);
    members[r].clear();
    for (ValueId m : moved) {
      layout.root[m] = dst;
      layout.offset[m] += sliceOffset;
      members[dst].push_back(m);
    }
  }

  const Graph &g;
  uint64_t alignment;
  StorageLayout &layout;
  std::vector<SmallVector<ValueId, 4>> members; // per root
  std::vector<int64_t> step;                    // producing step, -1 for none
  std::vector<int64_t> lastRead; // last reading step, -1 for none
  std::vector<bool> writes;      // written by its producer's dispatches
  uint64_t currentBound = 0;     // lower bound of the layout so far, bytes
};
} // namespace

StorageLayout computeStorageLayout(const Graph &g, const AliasOptions &opts,
                                   uint64_t alignment) {
  assert(alignment && !(alignment & (alignment - 1)) &&
         "alignment must be a power of two");
  std::vector<bool> isViewAlias(g.values.size(), false);
  StorageLayout layout;
  layout.root = viewAndInPlaceRoots(g, opts, isViewAlias);
  layout.offset.assign(g.values.size(), 0);
  if (!opts.concatSlices)
    return layout;
  ConcatSlicer slicer(g, alignment, layout, isViewAlias);
  for (size_t s = 0; s < g.nodes.size(); ++s) {
    const OpDef *def = lookupOp(g.nodes[s].op);
    // A slice's offset inside a symbolic output moves with the symbols;
    // plan offsets are fixed, so such inputs keep their own memory. So do
    // symbolic inputs of a static output (W and 8-W joined), whose offsets
    // move too.
    const Node &n = g.nodes[s];
    if (def && def->memory.joinsInputs && n.outputs.size() == 1 &&
        g.values[n.outputs[0]].type.isStatic() &&
        llvm::all_of(n.inputs,
                     [&](ValueId v) { return g.values[v].type.isStatic(); }))
      slicer.run(s);
  }
  return layout;
}

std::vector<ValueId> computeStorageRoots(const Graph &g,
                                         const AliasOptions &opts,
                                         uint64_t alignment) {
  return computeStorageLayout(g, opts, alignment).root;
}

} // namespace tlc
