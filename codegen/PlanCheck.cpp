//===- codegen/PlanCheck.cpp - Independent check of a memory plan ---------===//
//
// Trusts nothing the planner computed except the final placement: for every
// pair of tensors in one buffer whose byte ranges overlap, their live
// intervals must not overlap; an alias (view, in-place output or Concat
// slice) must lie inside the bytes and the live interval of the tensor it
// shares, and the tensors sharing one root overlap either exactly or by
// nesting; every dispatch may only touch tensors live at its step; a release
// must come at the tensor's last step. Run on every plan the compiler emits
// and by the tests.
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <numeric>

using namespace llvm;

namespace tlc {

static Error planError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           "plan check failed: " + msg.str());
}

Error checkPlanMemory(const Plan &plan) {
  // 1. Overlap in memory implies disjoint live intervals. Sort by (buffer,
  // offset) and compare each tensor with those that start before it ends.
  std::vector<uint32_t> order(plan.tensors.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const PlanTensor &x = plan.tensors[a], &y = plan.tensors[b];
    return std::tie(x.buffer, x.offset) < std::tie(y.buffer, y.offset);
  });
  for (size_t i = 0; i < order.size(); ++i) {
    const PlanTensor &a = plan.tensors[order[i]];
    if (a.role == TensorRole::Alias)
      continue;
    for (size_t j = i + 1; j < order.size(); ++j) {
      const PlanTensor &b = plan.tensors[order[j]];
      if (b.role == TensorRole::Alias)
        continue;
      if (b.buffer != a.buffer || b.offset >= a.offset + a.bytes)
        break;
      bool timeOverlap = a.firstStep <= b.lastStep && b.firstStep <= a.lastStep;
      if (timeOverlap)
        return planError(formatv(
            "tensors '{0}' (live {1}..{2}) and '{3}' (live {4}..{5}) share "
            "bytes [{6}, {7}) of buffer {8} while both are live",
            a.name, a.firstStep, a.lastStep, b.name, b.firstStep, b.lastStep,
            b.offset, std::min(a.offset + a.bytes, b.offset + b.bytes),
            a.buffer));
    }
  }
  // 2. An alias lies inside its root's bytes and lives within its interval.
  for (const PlanTensor &t : plan.tensors) {
    if (t.role != TensorRole::Alias)
      continue;
    if (t.aliasOf < 0 || size_t(t.aliasOf) >= plan.tensors.size())
      return planError("alias '" + t.name + "' names no tensor");
    const PlanTensor &r = plan.tensors[size_t(t.aliasOf)];
    if (r.role == TensorRole::Alias || r.buffer != t.buffer ||
        t.offset < r.offset || t.offset + t.bytes > r.offset + r.bytes)
      return planError("alias '" + t.name + "' is not inside the bytes of '" +
                       r.name + "'");
    if (r.role == TensorRole::Transient &&
        (t.firstStep < r.firstStep || t.lastStep > r.lastStep))
      return planError(formatv("alias '{0}' (live {1}..{2}) outlives '{3}' "
                               "(live {4}..{5})",
                               t.name, t.firstStep, t.lastStep, r.name,
                               r.firstStep, r.lastStep));
  }
  // 2b. Inside one root, two tensors either share a byte range exactly (a
  // view, an in-place output) or one contains the other (a Concat slice and
  // the Concat output); a partial overlap while both are live means a slice
  // offset is wrong.
  std::vector<std::vector<uint32_t>> group(plan.tensors.size());
  for (uint32_t i = 0; i < plan.tensors.size(); ++i) {
    const PlanTensor &t = plan.tensors[i];
    group[t.role == TensorRole::Alias ? uint32_t(t.aliasOf) : i].push_back(i);
  }
  for (const std::vector<uint32_t> &members : group)
    for (size_t i = 0; i < members.size(); ++i)
      for (size_t j = i + 1; j < members.size(); ++j) {
        const PlanTensor &a = plan.tensors[members[i]];
        const PlanTensor &b = plan.tensors[members[j]];
        uint64_t aEnd = a.offset + a.bytes, bEnd = b.offset + b.bytes;
        bool disjoint = aEnd <= b.offset || bEnd <= a.offset;
        bool nested = (a.offset <= b.offset && bEnd <= aEnd) ||
                      (b.offset <= a.offset && aEnd <= bEnd);
        if (disjoint || nested)
          continue;
        if (a.firstStep <= b.lastStep && b.firstStep <= a.lastStep)
          return planError(formatv(
              "tensors '{0}' [{1}, {2}) and '{3}' [{4}, {5}) of buffer {6} "
              "overlap partly while both are live",
              a.name, a.offset, aEnd, b.name, b.offset, bEnd, a.buffer));
      }
  // 3. Dispatches touch only live tensors; releases at the last use.
  for (size_t c = 0; c < plan.commands.size(); ++c) {
    const PlanCommand &cmd = plan.commands[c];
    if (cmd.kind == CommandKind::Dispatch) {
      for (uint32_t t : cmd.bindings) {
        const PlanTensor &pt = plan.tensors[t];
        if (pt.role != TensorRole::Transient && pt.role != TensorRole::Alias)
          continue;
        if (int64_t(cmd.step) < pt.firstStep || int64_t(cmd.step) > pt.lastStep)
          return planError(formatv("command {0} ('{1}', step {2}) uses '{3}' "
                                   "outside its live interval {4}..{5}",
                                   c, cmd.label, cmd.step, pt.name,
                                   pt.firstStep, pt.lastStep));
      }
    } else if (cmd.kind == CommandKind::Release) {
      const PlanTensor &pt = plan.tensors[cmd.tensor];
      if (pt.role != TensorRole::Transient || int64_t(cmd.step) != pt.lastStep)
        return planError(formatv("command {0} releases '{1}' at step {2}; its "
                                 "last use is step {3}",
                                 c, pt.name, cmd.step, pt.lastStep));
    }
  }
  return Error::success();
}

} // namespace tlc
