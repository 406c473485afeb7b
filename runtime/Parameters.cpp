//===- runtime/Parameters.cpp - Plans for shape ranges: run-time values ---===//
//
// The parameters buffer's layout, symbol binding from input shapes, and the
// evaluation of a plan's expressions (evaluatePlanExpr) into the parameters
// staging buffer. run() calls resolveSymbols and evaluateParameters on
// memory sized at load, so a run allocates nothing on the host unless it
// fails (error messages are built on error paths only).
//
//===----------------------------------------------------------------------===//
#include "runtime/Parameters.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <cassert>
#include <cstring>

using namespace llvm;

namespace tlc {

template <typename... Ts> static Error fail(const char *fmt, Ts &&...vals) {
  return createStringError(inconvertibleErrorCode(),
                           formatv(fmt, std::forward<Ts>(vals)...).str());
}

ParamLayout layoutParameters(const Plan &plan, uint64_t uniformAlignment) {
  ParamLayout layout;
  uint64_t align = std::max<uint64_t>(uniformAlignment, 16);
  layout.sliceOf.assign(plan.commands.size(), -1);
  uint64_t end = 0;
  for (size_t c = 0; c < plan.commands.size(); ++c) {
    const PlanCommand &cmd = plan.commands[c];
    if (cmd.kind != CommandKind::Dispatch || !cmd.dynamic)
      continue;
    ParamSlice s;
    s.command = uint32_t(c);
    s.offset = (end + align - 1) / align * align;
    s.dimsRange = bindsDims(cmd) ? dimsBlockBytes(cmd.dimExprs.size()) : 0;
    s.indirectOffset = s.offset + s.dimsRange;
    end = s.indirectOffset + 3 * sizeof(uint32_t);
    layout.sliceOf[c] = int32_t(layout.slices.size());
    layout.slices.push_back(s);
  }
  layout.bytes = end;
  return layout;
}

bool isConstantExpr(const PlanExpr &e, int64_t &value) {
  if (e.code.size() != 2 || e.code[0] != int64_t(ExprOp::Const))
    return false;
  value = e.code[1];
  return true;
}

bool isSymbolExpr(const PlanExpr &e, int64_t &value) {
  if (e.code.size() != 2 || e.code[0] != int64_t(ExprOp::Symbol))
    return false;
  value = e.code[1];
  return true;
}

SymbolBindings findSymbolSites(const Plan &plan) {
  SymbolBindings b;
  constexpr uint32_t kNone = SymbolBindings::kHostSet;
  b.firstSite.assign(plan.symbols.size(), kNone);
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const PlanTensor &t = plan.tensors[plan.inputs[i]];
    for (size_t d = 0; d < t.dims.size(); ++d) {
      int64_t k = 0;
      if (!isSymbolExpr(plan.exprs[t.dims[d]], k) || k < 0 ||
          uint64_t(k) >= plan.symbols.size())
        continue;
      if (b.firstSite[size_t(k)] == kNone)
        b.firstSite[size_t(k)] = uint32_t(b.sites.size());
      b.sites.push_back({uint32_t(i), uint32_t(d), uint32_t(k)});
    }
  }
  return b;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "()";
  std::string s;
  for (size_t d = 0; d < shape.size(); ++d)
    s += (d ? "x" : "") + std::to_string(shape[d]);
  return s;
}

std::string planShapeString(const Plan &plan, const PlanTensor &t) {
  return t.dims.empty() ? shapeString(t.type.shape) : planShapeStr(plan, t);
}

std::string planTypeString(const Plan &plan, const PlanTensor &t) {
  if (t.dims.empty())
    return t.type.str();
  return planShapeString(plan, t) + "x" + dtypeName(t.type.dtype).str();
}

std::string symbolValuesString(const Plan &plan, ArrayRef<int64_t> values) {
  std::string s;
  for (size_t k = 0; k < plan.symbols.size() && k < values.size(); ++k)
    s += (k ? ", " : "") + plan.symbols[k].name + "=" +
         std::to_string(values[k]);
  return s;
}

Error checkInputShape(const Plan &plan, size_t index, ArrayRef<int64_t> shape) {
  const PlanTensor &t = plan.tensors[plan.inputs[index]];
  auto what = [&] {
    return formatv("input {0} ('{1}', {2})", index, t.name,
                   planTypeString(plan, t))
        .str();
  };
  if (shape.size() != t.type.shape.size())
    return fail("{0}: got a shape of rank {1} ({2}), expected rank {3}", what(),
                shape.size(), shapeString(shape), t.type.shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    int64_t v = shape[d], k = 0, c = 0;
    if (t.dims.empty() || isConstantExpr(plan.exprs[t.dims[d]], c)) {
      c = t.dims.empty() ? t.type.shape[d] : c;
      if (v != c)
        return fail("{0}: dim {1} is {2}, expected {3} (shape {4})", what(), d,
                    v, c, shapeString(shape));
      continue;
    }
    if (isSymbolExpr(plan.exprs[t.dims[d]], k) && k >= 0 &&
        uint64_t(k) < plan.symbols.size()) {
      const PlanSymbol &s = plan.symbols[size_t(k)];
      if (v < s.min || v > s.max)
        return fail("{0}: dim {1} is {2}, outside the range [{3}, {4}] of "
                    "symbol '{5}' (shape {6})",
                    what(), d, v, s.min, s.max, s.name, shapeString(shape));
      for (size_t d2 = 0; d2 < d; ++d2) {
        int64_t k2 = 0;
        if (isSymbolExpr(plan.exprs[t.dims[d2]], k2) && k2 == k &&
            shape[d2] != v)
          return fail("{0}: dims {1} and {2} are both symbol '{3}' but are "
                      "{4} and {5} (shape {6})",
                      what(), d2, d, s.name, shape[d2], v, shapeString(shape));
      }
      continue;
    }
    // Any other expression: within its bound here, exactly by run().
    if (v < 0 || v > t.type.shape[d])
      return fail("{0}: dim {1} is {2}, outside [0, {3}], the range of its "
                  "expression {4} (shape {5})",
                  what(), d, v, t.type.shape[d],
                  planExprStr(plan, plan.exprs[t.dims[d]]),
                  shapeString(shape));
  }
  return Error::success();
}

Error resolveSymbols(const Plan &plan, const SymbolBindings &bindings,
                     ArrayRef<std::vector<int64_t>> inputShapes,
                     ArrayRef<int64_t> hostValues,
                     MutableArrayRef<int64_t> values) {
  auto inputName = [&](uint32_t i) {
    return formatv("input {0} ('{1}')", i, plan.tensors[plan.inputs[i]].name)
        .str();
  };
  for (size_t k = 0; k < plan.symbols.size(); ++k) {
    if (bindings.isHostSet(k)) {
      if (k >= hostValues.size() || hostValues[k] == kSymbolUnset)
        return fail("symbol '{0}' is no input's dim: set its value before "
                    "running (LoadedPlan::setSymbol; tlc run --dim {0}=V)",
                    plan.symbols[k].name);
      values[k] = hostValues[k]; // checked by setSymbol
      continue;
    }
    const SymbolSite &s = bindings.sites[bindings.firstSite[k]];
    values[k] = inputShapes[s.input][s.dim];
  }
  for (const SymbolSite &s : bindings.sites) {
    int64_t v = inputShapes[s.input][s.dim];
    if (v == values[s.symbol])
      continue;
    const SymbolSite &first = bindings.sites[bindings.firstSite[s.symbol]];
    return fail("inputs disagree on symbol '{0}': {1} dim {2} is {3} (shape "
                "{4}), {5} dim {6} is {7} (shape {8})",
                plan.symbols[s.symbol].name, inputName(first.input), first.dim,
                values[s.symbol], shapeString(inputShapes[first.input]),
                inputName(s.input), s.dim, v,
                shapeString(inputShapes[s.input]));
  }
  for (size_t k = 0; k < plan.symbols.size(); ++k) {
    const PlanSymbol &s = plan.symbols[k];
    if ((values[k] < s.min || values[k] > s.max) && !bindings.isHostSet(k)) {
      // Only a site's value can be out of range (setSymbol checks).
      const SymbolSite &site = bindings.sites[bindings.firstSite[k]];
      return fail("{0} dim {1} is {2}, outside the range [{3}, {4}] of "
                  "symbol '{5}'",
                  inputName(site.input), site.dim, values[k], s.min, s.max,
                  s.name);
    }
  }
  for (size_t i = 0; i < plan.requirements.size(); ++i) {
    const PlanRequirement &q = plan.requirements[i];
    const PlanExpr &e = plan.exprs[q.expr];
    Expected<int64_t> v = evaluatePlanExpr(e, values);
    if (!v)
      return fail("requirement {0} <= {1}: {2} ({3})", planExprStr(plan, e),
                  q.max, toString(v.takeError()),
                  symbolValuesString(plan, values));
    if (*v > q.max)
      return fail("the plan requires {0} <= {1}; it is {2} for {3}",
                  planExprStr(plan, e), q.max, *v,
                  symbolValuesString(plan, values));
  }
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const PlanTensor &t = plan.tensors[plan.inputs[i]];
    for (size_t d = 0; d < t.dims.size(); ++d) {
      const PlanExpr &e = plan.exprs[t.dims[d]];
      int64_t unused = 0;
      if (isConstantExpr(e, unused) || isSymbolExpr(e, unused))
        continue; // checked by checkInputShape and above
      Expected<int64_t> want = evaluatePlanExpr(e, values);
      if (!want)
        return fail("{0} dim {1} ({2}): {3} ({4})", inputName(uint32_t(i)), d,
                    planExprStr(plan, e), toString(want.takeError()),
                    symbolValuesString(plan, values));
      if (*want != inputShapes[i][d])
        return fail("{0} dim {1} is {2}, but its expression {3} is {4} for "
                    "{5} (shape {6})",
                    inputName(uint32_t(i)), d, inputShapes[i][d],
                    planExprStr(plan, e), *want,
                    symbolValuesString(plan, values),
                    shapeString(inputShapes[i]));
    }
  }
  return Error::success();
}

Error evaluateParameters(const Plan &plan, const ParamLayout &layout,
                         const uint32_t maxGroups[3], ArrayRef<int64_t> values,
                         uint8_t *staging,
                         MutableArrayRef<uint64_t> outputBytes) {
  auto cmdName = [&](uint32_t c) {
    return formatv("commands[{0}] ('{1}')", c, plan.commands[c].label).str();
  };
  for (const ParamSlice &slice : layout.slices) {
    const PlanCommand &cmd = plan.commands[slice.command];
    for (size_t k = 0; k < cmd.dimExprs.size(); ++k) {
      const PlanExpr &e = plan.exprs[cmd.dimExprs[k]];
      Expected<int64_t> v = evaluatePlanExpr(e, values);
      if (!v)
        return fail("{0}: run-time dim word {1} ({2}): {3} ({4})",
                    cmdName(slice.command), k, planExprStr(plan, e),
                    toString(v.takeError()), symbolValuesString(plan, values));
      if (*v < INT64_C(-2147483648) || *v >= INT64_C(4294967296))
        return fail("{0}: run-time dim word {1} ({2}) is {3} for {4}, which "
                    "does not fit a 32-bit word",
                    cmdName(slice.command), k, planExprStr(plan, e), *v,
                    symbolValuesString(plan, values));
      if (staging) {
        uint32_t word = uint32_t(uint64_t(*v));
        std::memcpy(staging + slice.offset + 4 * k, &word, 4);
      }
    }
    for (unsigned i = 0; i < 3; ++i) {
      const PlanExpr &e = plan.exprs[cmd.groupExprs[i]];
      Expected<int64_t> v = evaluatePlanExpr(e, values);
      if (!v)
        return fail("{0}: group count {1} ({2}): {3} ({4})",
                    cmdName(slice.command), i, planExprStr(plan, e),
                    toString(v.takeError()), symbolValuesString(plan, values));
      if (*v < 0 || *v > int64_t(maxGroups[i]))
        return fail("{0}: {1} workgroups in dimension {2} ({3}) for {4}; the "
                    "device allows 0 to {5} (maxComputeWorkGroupCount[{2}])",
                    cmdName(slice.command), *v, i, planExprStr(plan, e),
                    symbolValuesString(plan, values), maxGroups[i]);
      if (staging) {
        uint32_t word = uint32_t(*v);
        std::memcpy(staging + slice.indirectOffset + 4 * i, &word, 4);
      }
    }
  }
  // Tensor dims: within the bounds memory was planned for; outputs' sizes.
  for (size_t o = 0; o < outputBytes.size(); ++o)
    outputBytes[o] = plan.tensors[plan.outputs[o]].bytes;
  for (size_t ti = 0; ti < plan.tensors.size(); ++ti) {
    const PlanTensor &t = plan.tensors[ti];
    if (t.dims.empty())
      continue;
    uint64_t elements = 1;
    for (size_t d = 0; d < t.dims.size(); ++d) {
      const PlanExpr &e = plan.exprs[t.dims[d]];
      Expected<int64_t> v = evaluatePlanExpr(e, values);
      if (!v)
        return fail("tensors[{0}] ('{1}') dim {2} ({3}): {4} ({5})", ti, t.name,
                    d, planExprStr(plan, e), toString(v.takeError()),
                    symbolValuesString(plan, values));
      if (*v < 0 || *v > t.type.shape[d])
        return fail("tensors[{0}] ('{1}') dim {2} ({3}) is {4} for {5}, "
                    "outside [0, {6}], the upper bound its memory was "
                    "planned for",
                    ti, t.name, d, planExprStr(plan, e), *v,
                    symbolValuesString(plan, values), t.type.shape[d]);
      elements *= uint64_t(*v);
    }
    if (outputBytes.empty())
      continue;
    for (size_t o = 0; o < plan.outputs.size(); ++o)
      if (plan.outputs[o] == ti)
        outputBytes[o] = elements * dtypeBytes(t.type.dtype);
  }
  return Error::success();
}

} // namespace tlc
