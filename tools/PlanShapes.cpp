//===- tools/PlanShapes.cpp - A plan's memory at one shape in its range ---===//
#include "tools/PlanShapes.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

static Error atError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), "--at: " + msg.str());
}

Expected<ShapePoint> parseShapePoint(const Plan &plan, StringRef spec) {
  if (plan.symbols.empty())
    return atError("the plan has static shapes; --at takes a plan compiled "
                   "for a range (tlc compile --dim or a range in "
                   "--input-shape)");
  ShapePoint p = boundPoint(plan);
  std::vector<bool> seen(plan.symbols.size(), false);
  SmallVector<StringRef, 4> items;
  spec.split(items, ',');
  for (StringRef item : items) {
    item = item.trim();
    // Not a structured binding: clang-14 refuses one captured by a lambda.
    std::pair<StringRef, StringRef> kv = item.split('=');
    StringRef name = kv.first.trim(), value = kv.second.trim();
    int64_t v;
    if (name.empty() || !item.contains('=') || value.getAsInteger(10, v))
      return atError("'" + item + "' is not NAME=VALUE (e.g. W=100)");
    auto it = llvm::find_if(plan.symbols,
                            [&](const PlanSymbol &s) { return s.name == name; });
    if (it == plan.symbols.end()) {
      std::string names;
      for (const PlanSymbol &s : plan.symbols)
        names += (names.empty() ? "" : ", ") + s.name;
      return atError("the plan has no symbol '" + name + "' (its symbols: " +
                     names + ")");
    }
    size_t i = size_t(it - plan.symbols.begin());
    if (seen[i])
      return atError("symbol '" + name + "' is given twice");
    seen[i] = true;
    if (v < it->min || v > it->max)
      return atError(formatv("{0}={1} is outside the range [{2}, {3}] of "
                             "symbol '{0}'",
                             name, v, it->min, it->max)
                         .str());
    p.values[i] = v;
  }
  return p;
}

ShapePoint boundPoint(const Plan &plan) {
  ShapePoint p;
  for (const PlanSymbol &s : plan.symbols)
    p.values.push_back(s.max);
  return p;
}

std::string shapePointStr(const Plan &plan, const ShapePoint &at) {
  std::string s;
  for (size_t i = 0; i < plan.symbols.size(); ++i)
    s += formatv("{0}{1}={2}", i ? ", " : "", plan.symbols[i].name,
                 at.values[i])
             .str();
  return s;
}

std::vector<int64_t> tensorShapeAt(const Plan &plan, const PlanTensor &t,
                                   const ShapePoint &at) {
  if (t.dims.empty())
    return std::vector<int64_t>(t.type.shape.begin(), t.type.shape.end());
  std::vector<int64_t> shape;
  for (size_t d = 0; d < t.dims.size(); ++d) {
    // A loaded plan passed validatePlanStructure: every expression
    // evaluates within the range; fall back to the bound if not.
    Expected<int64_t> v = evaluatePlanExpr(plan.exprs[t.dims[d]], at.values);
    if (!v) {
      consumeError(v.takeError());
      shape.push_back(t.type.shape[d]);
      continue;
    }
    shape.push_back(*v);
  }
  return shape;
}

uint64_t tensorBytesAt(const Plan &plan, const PlanTensor &t,
                       const ShapePoint &at) {
  if (t.dims.empty())
    return t.bytes;
  uint64_t n = dtypeBytes(t.type.dtype);
  for (int64_t d : tensorShapeAt(plan, t, at))
    n *= uint64_t(d);
  return n;
}

std::vector<uint64_t> liveBytesPerStepAt(const Plan &plan,
                                         const ShapePoint &at) {
  std::vector<uint64_t> live(plan.numSteps, 0);
  for (const PlanTensor &t : plan.tensors) {
    if (t.role != TensorRole::Transient)
      continue;
    uint64_t bytes = tensorBytesAt(plan, t, at);
    for (int64_t s = std::max<int64_t>(0, t.firstStep);
         s <= t.lastStep && s < int64_t(plan.numSteps); ++s)
      live[size_t(s)] += bytes;
  }
  return live;
}

uint64_t lowerBoundAt(const Plan &plan, const ShapePoint &at) {
  std::vector<uint64_t> live = liveBytesPerStepAt(plan, at);
  return live.empty() ? 0 : *std::max_element(live.begin(), live.end());
}

WorstShape worstShapeInRange(const Plan &plan) {
  // Candidate values per symbol: its min and max, plus 7 evenly spaced
  // interior values while the grid stays at most 4096 shapes.
  size_t n = plan.symbols.size();
  size_t perSymbol = 2;
  for (size_t k = 9; k > 2; --k) {
    double total = 1;
    for (size_t i = 0; i < n; ++i)
      total *= double(k);
    if (total <= 4096) {
      perSymbol = k;
      break;
    }
  }
  std::vector<std::vector<int64_t>> candidates;
  for (const PlanSymbol &s : plan.symbols) {
    std::vector<int64_t> c;
    for (size_t j = 0; j < perSymbol; ++j)
      c.push_back(s.min + (s.max - s.min) * int64_t(j) / int64_t(perSymbol - 1));
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
    candidates.push_back(std::move(c));
  }
  // Only shapes a run may have: the plan's requirements hold
  // (past + sequence <= the KV cache's rows).
  auto allowed = [&](const ShapePoint &p) {
    for (const PlanRequirement &q : plan.requirements) {
      Expected<int64_t> v = evaluatePlanExpr(plan.exprs[q.expr], p.values);
      if (!v) {
        consumeError(v.takeError());
        return false;
      }
      if (*v > q.max)
        return false;
    }
    return true;
  };
  WorstShape worst;
  worst.at = boundPoint(plan);
  worst.lowerBound = allowed(worst.at) ? lowerBoundAt(plan, worst.at) : 0;
  std::vector<size_t> idx(n, 0);
  while (true) {
    ShapePoint p;
    for (size_t i = 0; i < n; ++i)
      p.values.push_back(candidates[i][idx[i]]);
    bool ok = allowed(p);
    uint64_t lb = ok ? lowerBoundAt(plan, p) : 0;
    worst.shapesTried += ok;
    if (ok && (lb > worst.lowerBound || !allowed(worst.at))) {
      worst.lowerBound = lb;
      worst.at = p;
    }
    size_t i = 0;
    for (; i < n; ++i) {
      if (++idx[i] < candidates[i].size())
        break;
      idx[i] = 0;
    }
    if (i == n)
      break;
  }
  return worst;
}

} // namespace tlc
