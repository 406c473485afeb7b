//===- codegen/Lowering.cpp - Graph + memory plan -> dispatches -----------===//
//
// Every op's lowering (ops/<Op>.cpp) names a shader and its specialization
// constants; here each dispatch is checked against the shader's interface
// (codegen/DispatchCheck.h) and becomes a Plan command bound to the tensors'
// planned memory, in schedule order, with release points after each step.
//
//===----------------------------------------------------------------------===//
#include "codegen/Codegen.h"
#include "codegen/DispatchCheck.h"
#include "codegen/SymbolicExprs.h"
#include "ops/KernelTarget.h"
#include "ops/LowerNode.h"
#include "ops/OpDef.h"
#include "spirv/EmbeddedShaders.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

#include <cstring>

using namespace llvm;

namespace tlc {

namespace {
struct Lowering {
  const Graph &g;
  const Liveness &live;
  const MemoryPlan &mem;
  uint32_t alignment;
  const KernelTarget &target;
  Plan plan;
  std::vector<int64_t> tensorOf; // ValueId -> plan tensor index, -1 if none
  StringMap<uint32_t> shaderIndex;
  PlanExprTable exprs;

  Lowering(const Graph &g, const Liveness &live, const MemoryPlan &mem,
           uint32_t alignment, const KernelTarget &target)
      : g(g), live(live), mem(mem), alignment(alignment), target(target),
        tensorOf(g.values.size(), -1), exprs(plan, g.symbols) {}

  /// Index of \p e in plan.exprs. Every symbol in the graph's types comes
  /// from g.symbols (the parsers declare them with the inputs), so this
  /// cannot fail.
  uint32_t exprIndex(const DimExpr &e) {
    return cantFail(exprs.intern(e),
                    "a dim reads a symbol the graph does not declare");
  }

  uint32_t addTensor(ValueId v, TensorRole role, uint32_t buffer,
                     uint64_t offset) {
    const Value &val = g.values[v];
    PlanTensor t;
    t.name = val.name;
    t.type = val.type;
    // The plan keeps bounds in type.shape and the expressions in dims.
    t.type.sym.clear();
    for (const DimExpr &d : val.type.sym)
      t.dims.push_back(exprIndex(d));
    t.role = role;
    t.buffer = buffer;
    t.offset = offset;
    t.bytes = val.type.byteSize();
    t.firstStep = live.intervals[v].first;
    t.lastStep = live.intervals[v].last;
    t.poolKey = val.type.str();
    if (val.producer)
      t.producer = g.nodes[*val.producer].name;
    uint32_t idx = uint32_t(plan.tensors.size());
    plan.tensors.push_back(std::move(t));
    tensorOf[v] = idx;
    return idx;
  }

  uint32_t addBuffer(BufferRole role, uint64_t bytes) {
    plan.buffers.push_back({role, std::max<uint64_t>(bytes, 4)});
    return uint32_t(plan.buffers.size() - 1);
  }

  Error placeTensors() {
    for (ValueId in : g.inputs) {
      if (g.isOutput(in))
        return errorAt(g.values[in].loc, "input '" + g.values[in].name +
                                             "' is also an output");
      uint32_t b = addBuffer(BufferRole::Input, g.values[in].type.byteSize());
      plan.inputs.push_back(addTensor(in, TensorRole::Input, b, 0));
    }
    for (ValueId out : g.outputs) {
      uint32_t b = addBuffer(BufferRole::Output, g.values[out].type.byteSize());
      plan.outputs.push_back(addTensor(out, TensorRole::Output, b, 0));
    }
    // Weights: one buffer, each tensor at an aligned offset.
    uint64_t weightBytes = 0;
    std::vector<std::pair<ValueId, uint64_t>> weights;
    for (ValueId v = 0; v < g.values.size(); ++v) {
      const Value &val = g.values[v];
      if (val.kind != ValueKind::Weight || !live.intervals[v].isLive())
        continue;
      if (val.data.size() != val.type.byteSize())
        return errorAt(val.loc, "weight '" + val.name + "' has " +
                                    Twine(val.data.size()) +
                                    " bytes; its type " + val.type.str() +
                                    " needs " + Twine(val.type.byteSize()));
      weights.push_back({v, weightBytes});
      weightBytes = alignTo(weightBytes + val.data.size(), alignment);
    }
    if (!weights.empty()) {
      uint32_t b = addBuffer(BufferRole::Weights, weightBytes);
      plan.weights.assign(size_t(plan.buffers[b].bytes), 0);
      for (auto &[v, off] : weights) {
        addTensor(v, TensorRole::Weight, b, off);
        std::memcpy(plan.weights.data() + off, g.values[v].data.data(),
                    g.values[v].data.size());
      }
    }
    // State (KV caches): its own buffers, packed at aligned offsets up to
    // kMaxStateBufferBytes each; zeroed at load, never shared.
    uint32_t stateBuffer = 0;
    uint64_t stateBytes = 0;
    bool anyState = false;
    for (ValueId v = 0; v < g.values.size(); ++v) {
      const Value &val = g.values[v];
      if (val.kind != ValueKind::State || !live.intervals[v].isLive())
        continue;
      uint64_t bytes = val.type.byteSize();
      if (!anyState || stateBytes + bytes > kMaxStateBufferBytes) {
        stateBuffer = addBuffer(BufferRole::State, bytes);
        stateBytes = 0;
        anyState = true;
      }
      addTensor(v, TensorRole::State, stateBuffer, stateBytes);
      stateBytes = alignTo(stateBytes + bytes, alignment);
      plan.buffers[stateBuffer].bytes =
          std::max<uint64_t>(stateBytes, 4);
    }
    // Transients: per the memory plan.
    uint32_t firstTransient = uint32_t(plan.buffers.size());
    for (uint64_t bytes : mem.bufferBytes)
      addBuffer(BufferRole::Transient, bytes);
    for (ValueId v = 0; v < g.values.size(); ++v) {
      if (!live.isTransient[v])
        continue;
      const Placement &p = *mem.placement[v];
      uint32_t t = addTensor(v, TensorRole::Transient,
                             firstTransient + p.buffer, p.offset);
      plan.tensors[t].slot = p.slot;
      plan.tensors[t].poolKey = p.poolKey;
      plan.tensors[t].releaseStep = live.intervals[v].last;
    }
    // Aliases: views, in-place outputs and Concat slices, in their root's
    // bytes at their offset inside it. Roots are never aliases, so one level
    // suffices.
    for (ValueId v = 0; v < g.values.size(); ++v) {
      if (!live.isAlias(v) || !live.intervals[v].isLive())
        continue;
      int64_t root = tensorOf[live.storageRoot[v]];
      if (root < 0)
        return errorAt(g.values[v].loc, "tensor '" + g.values[v].name +
                                            "' aliases a tensor with no "
                                            "memory");
      const PlanTensor rt = plan.tensors[size_t(root)];
      uint32_t t = addTensor(v, TensorRole::Alias, rt.buffer,
                             rt.offset + live.offsetInRoot(v));
      plan.tensors[t].aliasOf = int32_t(root);
    }
    // State changes only in place: an update that got its own bytes (the
    // state is read again after it) would leave the state as it was.
    for (const Node &n : g.nodes) {
      const OpDef *def = lookupOp(n.op);
      if (!def || !def->memory.updatesInput0 || n.inputs.empty())
        continue;
      ValueId r = live.storageRoot[n.inputs[0]];
      if (g.values[r].kind != ValueKind::State ||
          live.storageRoot[n.outputs[0]] == r)
        continue;
      if (g.isOutput(n.outputs[0]))
        return errorAt(n.loc, "node '" + n.name + "' (" + n.op +
                                  ") updates state '" + g.values[r].name +
                                  "' but its output is a graph output, "
                                  "which has its own buffer; state changes "
                                  "only in place: output a copy instead");
      return errorAt(n.loc, "node '" + n.name + "' (" + n.op +
                                ") updates state '" + g.values[r].name +
                                "', which is read again afterwards; read "
                                "the update's output instead");
    }
    return Error::success();
  }

  /// Whether \p node updates input 0 in its bytes (updatesInput0, computed
  /// in place), so the lowering's first dispatch, a copy of input 0 onto
  /// the output, can go.
  bool updatesInPlace(const Node &node, const OpDef &def) const {
    if (!def.memory.updatesInput0 || node.inputs.empty())
      return false;
    ValueId in = node.inputs[0], out = node.outputs[0];
    return live.storageRoot[in] == live.storageRoot[out] &&
           live.offsetInRoot(in) == live.offsetInRoot(out);
  }

  /// Whether input \p i of \p node (an op that joins its inputs) was
  /// computed straight into its slice of output 0: same storage root, at the
  /// output's offset plus the bytes of the inputs before it.
  bool inputInSlice(const Node &node, unsigned i) const {
    ValueId out = node.outputs[0], in = node.inputs[i];
    uint64_t slice = 0;
    for (unsigned j = 0; j < i; ++j)
      slice += g.values[node.inputs[j]].type.byteSize();
    return live.storageRoot[in] == live.storageRoot[out] &&
           live.offsetInRoot(in) == live.offsetInRoot(out) + slice;
  }

  /// Whether dispatch \p d of \p node only copies inputs that are already in
  /// their slice of the output (OpMemoryTraits::joinsInputs), so it can go.
  bool copiesOnlyInSlice(const Node &node, const DispatchDesc &d) const {
    bool readsAny = false;
    for (unsigned b = 0; b < d.operands.size(); ++b) {
      if (llvm::is_contained(d.writes, b))
        continue;
      unsigned op = d.operands[b];
      if (op >= node.inputs.size() || !inputInSlice(node, op))
        return false;
      readsAny = true;
    }
    return readsAny;
  }

  Expected<uint32_t> shaderFor(StringRef name, const Node &node) {
    auto it = shaderIndex.find(name);
    if (it != shaderIndex.end())
      return it->second;
    const EmbeddedShader *s = findEmbeddedShader(name);
    if (!s)
      return errorAt(node.loc, "node '" + node.name + "': shader '" + name +
                                   "' is not built into this tlc");
    PlanShader ps;
    ps.name = name.str();
    ps.spirv.assign(s->words, s->words + s->numWords);
    uint32_t idx = uint32_t(plan.shaders.size());
    plan.shaders.push_back(std::move(ps));
    shaderIndex[name] = idx;
    return idx;
  }

  /// Fills the run-time part of dynamic dispatch \p c from \p d: one
  /// expression per member of the dyn build's TlcDims block (the symbolic
  /// value, or the constant the lowering passed), the group counts, and for
  /// each member's id the selector word of shaders/dims.glsl: 0 for a
  /// symbolic dim (read from the block), value + 1 for a constant one.
  Error emitRunTimeDims(const DispatchDesc &d, PlanCommand &c) {
    Expected<std::vector<unsigned>> ids = dynamicDimIds(d.shader);
    if (!ids)
      return ids.takeError();
    c.dynamic = true;
    for (unsigned id : *ids) {
      DimExpr value;
      auto it = llvm::find_if(d.dynamicDims,
                              [&](const auto &e) { return e.first == id; });
      // The spec word selects (shaders/dims.glsl): 0 reads the block, v + 1
      // is a range-constant v (an int v < 0 is itself), so the driver folds
      // the dims that do not depend on symbols.
      uint32_t select = 0;
      if (it != d.dynamicDims.end()) {
        value = it->second;
      } else {
        const SpecConstant &k = d.specConstants[id]; // checkDispatch: passed
        bool isInt = k.type == SpecType::I32;
        value = isInt ? DimExpr(int32_t(k.bits)) : DimExpr(int64_t(k.bits));
        // A value with no encoding (u32 0xffffffff, i32 INT32_MAX) is read
        // from the block like a symbolic one.
        int32_t v = int32_t(k.bits);
        if (isInt)
          select = v < 0 ? k.bits : v == INT32_MAX ? 0u : uint32_t(v) + 1u;
        else if (k.bits != 0xffffffffu)
          select = k.bits + 1;
      }
      c.dimExprs.push_back(exprIndex(value));
      c.specConstants[id] = select;
    }
    for (int i = 0; i < 3; ++i)
      c.groupExprs[i] = exprIndex(d.dynamicGroups ? (*d.dynamicGroups)[i]
                                                  : DimExpr(d.groups[i]));
    return Error::success();
  }

  Error emitCommands(const std::vector<std::vector<ValueId>> &releases) {
    for (size_t step = 0; step < g.nodes.size(); ++step) {
      const Node &node = g.nodes[step];
      const OpDef *def = lookupOp(node.op);
      if (!def || !def->lower)
        return errorAt(node.loc, "node '" + node.name + "': op '" + node.op +
                                     "' has no lowering");
      SmallVector<ValueId, 6> operands(node.inputs.begin(), node.inputs.end());
      operands.append(node.outputs.begin(), node.outputs.end());
      // Graph inputs and outputs are what `tlc run` reads and writes: f32,
      // i32 or i64 (fp16 storage stays inside the plan, behind StorageCast).
      bool f16Storage = false;
      for (ValueId v : operands) {
        if (g.values[v].type.dtype != DType::F16)
          continue;
        if (g.values[v].kind == ValueKind::Input || g.isOutput(v))
          return errorAt(node.loc, "node '" + node.name + "': tensor '" +
                                       g.values[v].name + "' has dtype " +
                                       dtypeName(g.values[v].type.dtype) +
                                       "; plan inputs and outputs are f32, "
                                       "i32 or i64");
        f16Storage = node.op != "StorageCast";
      }
      // A view whose output shares its input's bytes needs no dispatch.
      bool isView = def->memory.isView && live.isAlias(node.outputs[0]);
      SmallVector<DispatchDesc, 2> dispatches;
      if (!isView) {
        SmallVector<TensorType, 4> inTypes, outTypes;
        for (ValueId v : node.inputs)
          inTypes.push_back(g.values[v].type);
        for (ValueId v : node.outputs)
          outTypes.push_back(g.values[v].type);
        if (Error e = checkSymbolicLowering(*def, node, inTypes, outTypes))
          return errorAt(node.loc, toString(std::move(e)));
        dispatches = lowerNode(g, node, f16Storage, target);
      }
      // Each dispatch against the module it runs: the shader's static
      // build, or its dyn build when its dims depend on symbols.
      for (const DispatchDesc &d : dispatches)
        if (Error e = checkDispatch(d, "node '" + node.name + "' (" +
                                           node.op + ")"))
          return errorAt(node.loc, toString(std::move(e)));
      bool inPlaceUpdate = updatesInPlace(node, *def);
      for (const DispatchDesc &d : dispatches) {
        if (def->memory.joinsInputs && copiesOnlyInSlice(node, d))
          continue; // the producer wrote this input in place
        if (inPlaceUpdate && &d == &dispatches.front())
          continue; // the copy of input 0 onto itself

        PlanCommand c;
        c.kind = CommandKind::Dispatch;
        c.step = uint32_t(step);
        c.label = node.name;
        auto shader = shaderFor(
            d.isDynamic() ? dynBuildName(d.shader) : d.shader, node);
        if (!shader)
          return shader.takeError();
        c.shader = *shader;
        // Plans pass constants by position: constant_id i = word i (an id
        // the shader lacks, spec::unused, gets 0).
        llvm::append_range(c.specConstants, specWords(d.specConstants));
        if (d.isDynamic())
          if (Error e = emitRunTimeDims(d, c))
            return errorAt(node.loc, "node '" + node.name + "': " +
                                         toString(std::move(e)));
        for (unsigned op : d.operands) {
          assert(op < operands.size() && "lowering names a bad operand");
          int64_t t = tensorOf[operands[op]];
          assert(t >= 0 && "operand without a plan tensor");
          c.bindings.push_back(uint32_t(t));
        }
        c.writes.assign(d.writes.begin(), d.writes.end());
        c.exclusiveWithPrevious = d.exclusiveWithPrevious;
        std::copy(std::begin(d.groups), std::end(d.groups), c.groups);
        plan.commands.push_back(std::move(c));
      }
      for (ValueId v : releases[step]) {
        PlanCommand c;
        c.kind = CommandKind::Release;
        c.step = uint32_t(step);
        c.label = g.values[v].name;
        c.tensor = uint32_t(tensorOf[v]);
        plan.commands.push_back(std::move(c));
      }
    }
    return Error::success();
  }
};
} // namespace

Expected<Plan> lowerToPlan(const Graph &g, const Liveness &live,
                           const MemoryPlan &mem,
                           const std::vector<std::vector<ValueId>> &releases,
                           uint32_t alignment, const KernelTarget &target) {
  Lowering l(g, live, mem, alignment, target);
  l.plan.modelName = g.name;
  l.plan.metadata = g.metadata;
  l.plan.attachments = g.attachments;
  l.plan.alignment = alignment;
  for (const DimRequirement &r : g.requirements)
    l.plan.requirements.push_back({l.exprIndex(r.expr), r.max});
  l.plan.numSteps = uint32_t(g.nodes.size());
  if (Error e = l.placeTensors())
    return std::move(e);
  if (Error e = l.emitCommands(releases))
    return std::move(e);
  PlanStats &st = l.plan.stats;
  st.planner = mem.planner;
  st.transientBytes = mem.totalBytes();
  st.lowerBound = mem.lowerBound;
  st.noReuseBytes = mem.noReuseBytes;
  st.slotsPerKey = mem.slotsPerKey;
  return std::move(l.plan);
}


} // namespace tlc
