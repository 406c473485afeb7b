//===- runtime/Generation.cpp - Tokens from a language-model plan ---------===//
#include "runtime/Generation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <numeric>

using namespace llvm;

namespace tlc {

static Error genError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg.str());
}

Error checkSamplingOptions(const SamplingOptions &o) {
  if (!(o.temperature >= 0.0 && o.temperature <= 100.0))
    return genError("--temperature " + std::to_string(o.temperature) +
                    ": expected a value in [0, 100] (0: greedy)");
  if (o.topK < 0)
    return genError("--top-k " + Twine(o.topK) +
                    ": expected a count >= 0 (0: every token)");
  if (!(o.topP > 0.0 && o.topP <= 1.0))
    return genError("--top-p " + std::to_string(o.topP) +
                    ": expected a probability in (0, 1]");
  return Error::success();
}

int64_t chooseToken(ArrayRef<float> logits, const SamplingOptions &o,
                    std::mt19937_64 &rng) {
  auto less = [&](size_t a, size_t b) {
    // NaN sorts below everything.
    float x = logits[a], y = logits[b];
    if (std::isnan(x))
      return !std::isnan(y);
    return !std::isnan(y) && x < y;
  };
  std::vector<size_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  if (o.temperature == 0.0) // the first maximum
    return int64_t(*std::max_element(order.begin(), order.end(), less));
  // Most likely first; stable, so ties keep vocabulary order.
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return less(b, a); });
  size_t keep = order.size();
  if (o.topK > 0)
    keep = std::min(keep, size_t(o.topK));
  double top = double(logits[order[0]]);
  std::vector<double> p(keep);
  double sum = 0;
  for (size_t i = 0; i < keep; ++i) {
    double x = double(logits[order[i]]);
    p[i] = std::isnan(x) ? 0.0 : std::exp((x - top) / o.temperature);
    sum += p[i];
  }
  if (!(sum > 0.0))
    return int64_t(order[0]);
  // Nucleus: the smallest prefix whose probability reaches topP.
  double acc = 0;
  size_t nucleus = keep;
  for (size_t i = 0; i < keep; ++i) {
    acc += p[i] / sum;
    if (acc >= o.topP) {
      nucleus = i + 1;
      break;
    }
  }
  std::discrete_distribution<size_t> pick(p.begin(), p.begin() + nucleus);
  return int64_t(order[pick(rng)]);
}

Expected<std::unique_ptr<PlanGenerator>>
PlanGenerator::load(Device &device, const Plan &plan) {
  if (plan.inputs.size() != 1 || plan.outputs.size() != 1)
    return genError("expected a language-model plan with one input "
                    "(input_ids) and one output (logits); this one has " +
                    Twine(plan.inputs.size()) + " and " +
                    Twine(plan.outputs.size()));
  const PlanTensor &in = plan.tensors[plan.inputs[0]];
  const PlanTensor &out = plan.tensors[plan.outputs[0]];
  if (in.type.dtype != DType::I64 || in.type.rank() != 2 ||
      in.type.shape[0] != 1)
    return genError("input '" + in.name + "' is " + in.type.str() +
                    "; expected token ids [1, S] of i64");
  if (out.type.dtype != DType::F32 || out.type.rank() != 3 ||
      out.type.shape[0] != 1)
    return genError("output '" + out.name + "' is " + out.type.str() +
                    "; expected logits [1, S or 1, vocab] of f32");
  // The sequence length must be a range starting at 1 (an input dim is a
  // constant or one symbol): its value with every symbol at its minimum.
  bool ranged = in.dims.size() == 2 && !plan.symbols.empty();
  if (ranged) {
    std::vector<int64_t> mins;
    for (const PlanSymbol &s : plan.symbols)
      mins.push_back(s.min);
    Expected<int64_t> least = evaluatePlanExpr(plan.exprs[in.dims[1]], mins);
    ranged = least && *least == 1;
    if (!least)
      consumeError(least.takeError());
  }
  auto p = std::unique_ptr<PlanGenerator>(new PlanGenerator());
  p->context = in.type.shape[1];
  p->vocabSize = out.type.shape[2];
  if (!ranged && p->context != 1)
    return genError("input '" + in.name + "' is " + in.type.str() +
                    ": generation needs a plan for every length from 1 "
                    "(compile the model without a fixed length)");
  p->kvCache = llvm::any_of(plan.symbols, [](const PlanSymbol &s) {
    return s.name == "past";
  });
  Expected<std::unique_ptr<LoadedPlan>> loaded = LoadedPlan::load(device, plan);
  if (!loaded)
    return loaded.takeError();
  p->loaded = std::move(*loaded);
  p->tokens.reserve(size_t(p->context));
  return std::move(p);
}

Error PlanGenerator::append(ArrayRef<int64_t> ids, MutableArrayRef<float> logits) {
  if (ids.empty() || position() + int64_t(ids.size()) > context)
    return genError("a context of " + Twine(position() + int64_t(ids.size())) +
                    " tokens (" + Twine(position()) + " + " +
                    Twine(ids.size()) + "); the plan takes 1 to " +
                    Twine(context));
  if (int64_t(logits.size()) != vocabSize)
    return genError("room for " + Twine(logits.size()) +
                    " logits; the vocabulary has " + Twine(vocabSize));
  size_t before = tokens.size();
  tokens.insert(tokens.end(), ids.begin(), ids.end());
  // With a cache only the new tokens run, after the cached ones; without,
  // the whole context from position 0.
  ArrayRef<int64_t> run = kvCache ? ArrayRef<int64_t>(tokens).drop_front(before)
                                  : ArrayRef<int64_t>(tokens);
  ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(run.data()),
                          run.size() * sizeof(int64_t));
  auto fail = [&](Error e) {
    tokens.resize(before);
    return e;
  };
  if (kvCache)
    if (Error e = loaded->setSymbol("past", int64_t(before)))
      return fail(std::move(e));
  if (Error e = loaded->setInput(0, bytes, {1, int64_t(run.size())}))
    return fail(std::move(e));
  if (Error e = loaded->run())
    return fail(std::move(e));
  ArrayRef<uint8_t> out = loaded->output(0);
  size_t row = size_t(vocabSize) * sizeof(float);
  if (out.size() < row || out.size() % row != 0)
    return fail(genError("the plan wrote " + Twine(out.size()) +
                         " bytes of logits; expected rows of " +
                         Twine(vocabSize)));
  std::memcpy(logits.data(), out.data() + out.size() - row, row);
  return Error::success();
}

} // namespace tlc
