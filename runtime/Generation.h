//===- runtime/Generation.h - Tokens from a language-model plan -*- C++ -*-===//
//
// What `tlc generate` does with a plan compiled from a Llama model
// (ir/llama/LlamaGraph.h): feed token ids, read the logits of the last
// position, choose the next token, repeat. Today every step runs the whole
// sequence again through the prefill plan (one plan for every length, zero
// allocations per step); the planned KV cache (docs/generation.md) will make
// a step one token's work.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_GENERATION_H
#define TLC_RUNTIME_GENERATION_H

#include "codegen/Plan.h"
#include "runtime/Runtime.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace tlc {

/// How the next token is chosen from a step's logits. temperature 0 is
/// greedy (argmax, the first on ties); otherwise softmax(logits / T) is
/// sampled after keeping the topK most likely tokens (0: all) and then the
/// smallest set of most likely tokens whose probability reaches topP
/// (nucleus sampling: Holtzman et al., "The Curious Case of Neural Text
/// Degeneration", ICLR 2020).
struct SamplingOptions {
  double temperature = 0.0;
  int64_t topK = 0;
  double topP = 1.0;
  uint64_t seed = 0;
};

/// Errors for values out of range: temperature outside [0, 100], topK < 0,
/// topP outside (0, 1]; the message names the flag (--temperature, ...).
llvm::Error checkSamplingOptions(const SamplingOptions &opts);

/// The token \p opts chooses from \p logits (vocabulary order); \p rng is
/// used only when sampling. NaN logits are never chosen unless all are.
int64_t chooseToken(llvm::ArrayRef<float> logits, const SamplingOptions &opts,
                    std::mt19937_64 &rng);

/// A language-model plan loaded on a device: input `input_ids` [1, S]
/// (i64), output logits [1, 1 or S, vocab] (f32), and a context of the
/// tokens fed so far. With a KV cache (the plan has the host-set symbol
/// `past`, ir/llama/LlamaGraph.h) each call runs only the new tokens at
/// positions past..past+S-1 and the cache keeps the rest; without one each
/// call runs the whole context again.
class PlanGenerator {
public:
  /// Checks that \p plan has that interface (errors name what differs) and
  /// loads it. The context length is the largest S the plan accepts.
  static llvm::Expected<std::unique_ptr<PlanGenerator>>
  load(Device &device, const Plan &plan);

  /// Feeds \p ids after the context (1 <= size, context + size <=
  /// contextLength()) and writes the logits of the last position into
  /// \p logits (vocab() floats). Allocates nothing on the host for a plan
  /// with a KV cache, once the context's storage has grown to its size.
  /// Errors: an empty \p ids, a context past contextLength(), a \p logits
  /// of another size, the run's errors; the context is then unchanged.
  llvm::Error append(llvm::ArrayRef<int64_t> ids,
                     llvm::MutableArrayRef<float> logits);
  /// Empties the context (the KV cache's old rows are overwritten before
  /// they are read again).
  void reset() { tokens.clear(); }

  /// Tokens in the context.
  int64_t position() const { return int64_t(tokens.size()); }
  int64_t contextLength() const { return context; }
  int64_t vocab() const { return vocabSize; }
  /// Whether the plan keeps a KV cache (symbol `past`).
  bool hasKvCache() const { return kvCache; }

private:
  std::unique_ptr<LoadedPlan> loaded;
  int64_t context = 0, vocabSize = 0;
  bool kvCache = false;
  std::vector<int64_t> tokens; // the context
};

} // namespace tlc

#endif // TLC_RUNTIME_GENERATION_H
