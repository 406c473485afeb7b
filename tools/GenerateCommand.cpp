//===- tools/GenerateCommand.cpp - tlc generate ---------------------------===//
//
// Generates tokens with a plan compiled from a Llama model (tlc compile
// model.gguf / HF folder): prompt ids in, one token per step, greedy or
// sampled (runtime/Generation.h), streamed as they come; then the times and
// the memory: weights, KV cache, transient peak against its lower bound,
// device allocations during generation. --json prints one object instead;
// --logits writes the logits each generated token was chosen from.
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"
#include "ir/Gguf.h"
#include "ir/Npy.h"
#include "runtime/Runtime.h"
#include "tools/Commands.h"
#include "runtime/Generation.h"
#include "tools/HostAllocations.h"
#include "tokenizer/LlamaTokenizer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>

using namespace llvm;

namespace tlc {

cl::SubCommand GenerateSubcommand(
    "generate", "Generate tokens with a plan compiled from a Llama model");

static cl::opt<std::string> PlanPath(cl::Positional, cl::Required,
                                     cl::desc("<plan.tlp>"),
                                     cl::sub(GenerateSubcommand));
static cl::opt<std::string>
    PromptIds("prompt-ids", cl::desc("The prompt as token ids, e.g. 1,450,22"),
              cl::value_desc("ID,ID,..."), cl::sub(GenerateSubcommand));
static cl::opt<std::string>
    Prompt("prompt", cl::desc("The prompt as text (needs the model's "
                              "vocabulary and tokenizer)"),
           cl::value_desc("TEXT"), cl::sub(GenerateSubcommand));
static cl::opt<long long>
    MaxNewTokens("max-new-tokens", cl::init(32),
                 cl::desc("Tokens to generate at most (default: 32)"),
                 cl::sub(GenerateSubcommand));
static cl::opt<double> Temperature(
    "temperature", cl::init(0.0),
    cl::desc("Sampling temperature (default 0: greedy)"),
    cl::sub(GenerateSubcommand));
static cl::opt<long long> TopK("top-k", cl::init(0),
                               cl::desc("Sample among the K most likely "
                                        "tokens (default 0: all)"),
                               cl::sub(GenerateSubcommand));
static cl::opt<double> TopP("top-p", cl::init(1.0),
                            cl::desc("Nucleus sampling: the most likely "
                                     "tokens up to this probability "
                                     "(default: 1)"),
                            cl::sub(GenerateSubcommand));
static cl::opt<unsigned long long>
    Seed("seed", cl::init(0), cl::desc("Random seed for sampling (default: 0)"),
         cl::sub(GenerateSubcommand));
static cl::opt<bool> Json("json", cl::desc("Print one JSON object"),
                          cl::sub(GenerateSubcommand));
static cl::opt<long long>
    Repeat("repeat", cl::init(1),
           cl::desc("Run the whole generation N times in this process, "
                    "reporting the resident memory after each (default: 1)"),
           cl::value_desc("N"), cl::sub(GenerateSubcommand));
static cl::opt<std::string>
    LogitsPath("logits",
               cl::desc("Write the logits each token was chosen from, f32 "
                        "[generated tokens, vocab]"),
               cl::value_desc("FILE.npy"), cl::sub(GenerateSubcommand));
static cl::opt<unsigned> WaitTimeout(
    "wait-timeout", cl::init(60),
    cl::desc("Seconds to wait for the device before giving up (default: "
             "60)"),
    cl::value_desc("SECONDS"), cl::sub(GenerateSubcommand));
static cl::opt<int> DeviceIndex("device", cl::init(-1),
                                cl::desc("Vulkan device index (tlc devices); "
                                         "default: env TLC_DEVICE, else the "
                                         "first discrete GPU"),
                                cl::sub(GenerateSubcommand));
static cl::opt<bool> Validation("validation",
                                cl::desc("Enable the Vulkan validation layers"),
                                cl::sub(GenerateSubcommand));

static Error error(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg.str());
}

/// This process's resident set in KiB (Linux /proc/self/statm, field 2 in
/// pages); 0 where it cannot be read.
static uint64_t residentKiB() {
  ErrorOr<std::unique_ptr<MemoryBuffer>> f =
      MemoryBuffer::getFileAsStream("/proc/self/statm");
  if (!f)
    return 0;
  SmallVector<StringRef, 4> fields;
  (*f)->getBuffer().split(fields, ' ');
  uint64_t pages = 0;
  if (fields.size() < 2 || fields[1].trim().getAsInteger(10, pages))
    return 0;
  return pages * uint64_t(sys::Process::getPageSizeEstimate()) / 1024;
}

/// "1,450,22" -> ids, each in [0, vocab).
static Expected<std::vector<int64_t>> parseIds(StringRef text, int64_t vocab) {
  std::vector<int64_t> ids;
  SmallVector<StringRef, 16> parts;
  text.split(parts, ',');
  for (size_t i = 0; i < parts.size(); ++i) {
    StringRef p = parts[i].trim();
    int64_t id;
    if (p.getAsInteger(10, id))
      return error("--prompt-ids: item " + Twine(i + 1) + " '" + p +
                   "' is not an integer");
    if (id < 0 || id >= vocab)
      return error("--prompt-ids: id " + Twine(id) + " (item " +
                   Twine(i + 1) + ") is outside the vocabulary [0, " +
                   Twine(vocab) + ")");
    ids.push_back(id);
  }
  return ids;
}

/// The tokenizer of the vocabulary the plan carries (attachment
/// tokenizer.gguf, ir/llama/LlamaGraph.h), or the reason there is none.
static Expected<LlamaTokenizer> planTokenizer(const Plan &plan) {
  auto it = plan.attachments.find("tokenizer.gguf");
  if (it == plan.attachments.end())
    return error("the plan carries no vocabulary (its model had no "
                 "tokenizer.ggml.* keys)");
  Expected<GgufFile> vocab = readGgufBytes(it->second, "tokenizer.gguf");
  if (!vocab)
    return vocab.takeError();
  return LlamaTokenizer::fromGguf(*vocab);
}

/// A metadata id of the plan, if it has one.
static std::optional<int64_t> metadataId(const Plan &plan, StringRef key) {
  auto it = plan.metadata.find(key.str());
  int64_t v;
  if (it == plan.metadata.end() || StringRef(it->second).getAsInteger(10, v))
    return std::nullopt;
  return v;
}

int runGenerate() {
  SamplingOptions sampling;
  sampling.temperature = Temperature;
  sampling.topK = TopK;
  sampling.topP = TopP;
  sampling.seed = Seed;
  if (Error e = checkSamplingOptions(sampling))
    return reportError(std::move(e));
  if (MaxNewTokens < 1)
    return reportError(error("--max-new-tokens " + Twine(MaxNewTokens) +
                             ": expected a count >= 1"));
  if (Repeat < 1 || Repeat > 1000000)
    return reportError(error("--repeat " + Twine(Repeat) +
                             ": expected a count in [1, 1000000]"));
  if (PromptIds.empty() == Prompt.empty())
    return reportError(error("give the prompt with exactly one of "
                             "--prompt-ids and --prompt"));
  Expected<Plan> plan = readPlanFile(PlanPath);
  if (!plan)
    return reportError(plan.takeError());
  // Text in and out through the plan's vocabulary when it has a usable one;
  // ids otherwise.
  Expected<LlamaTokenizer> tok = planTokenizer(*plan);
  std::string noTokenizer;
  if (!tok)
    noTokenizer = toString(tok.takeError());
  if (!Prompt.empty() && !tok)
    return reportError(error(PlanPath + ": --prompt needs the model's "
                                        "tokenizer: " +
                             noTokenizer + "; use --prompt-ids"));
  DeviceOptions dopts;
  dopts.index = DeviceIndex;
  dopts.waitTimeoutSeconds = WaitTimeout;
  dopts.validation = Validation;
  Expected<std::unique_ptr<Device>> dev = Device::create(dopts);
  if (!dev)
    return reportError(dev.takeError());
  Expected<std::unique_ptr<PlanGenerator>> gen =
      PlanGenerator::load(**dev, *plan);
  if (!gen)
    return reportError(error(PlanPath + ": " + toString(gen.takeError())));
  PlanGenerator &g = **gen;
  Expected<std::vector<int64_t>> prompt = std::vector<int64_t>();
  if (!Prompt.empty()) {
    Expected<std::vector<int32_t>> ids =
        tok->encode(Prompt, tok->addBosToken());
    if (!ids)
      return reportError(error("--prompt: " + toString(ids.takeError())));
    prompt->assign(ids->begin(), ids->end());
    if (prompt->empty())
      return reportError(error("--prompt: the text gives no tokens"));
    for (int64_t id : *prompt)
      if (id >= g.vocab())
        return reportError(error("--prompt: token id " + Twine(id) +
                                 " is outside the plan's vocabulary of " +
                                 Twine(g.vocab())));
  } else {
    prompt = parseIds(PromptIds, g.vocab());
  }
  if (!prompt)
    return reportError(prompt.takeError());
  // Refused before anything runs.
  if (int64_t(prompt->size()) + MaxNewTokens > g.contextLength())
    return reportError(error(
        "the prompt's " + Twine(prompt->size()) + " tokens plus " +
        Twine(MaxNewTokens) + " new ones exceed the plan's context of " +
        Twine(g.contextLength()) + " tokens (tlc compile --max-context)"));

  std::optional<int64_t> eos = metadataId(*plan, "tokenizer.ggml.eos_token_id");
  std::optional<LlamaTokenizer::StreamDecoder> stream;
  std::string text;
  RuntimeCounters atStart = (*dev)->counters();
  std::vector<int64_t> generated;
  std::vector<float> logits(size_t(g.vocab())), chosenLogits;
  generated.reserve(size_t(MaxNewTokens));
  if (!LogitsPath.empty())
    chosenLogits.reserve(size_t(MaxNewTokens * g.vocab()));
  using Clock = std::chrono::steady_clock;
  double firstMs = 0, restMs = 0;
  // Host allocations of the decode steps after the first (the prompt's
  // step and the first decoded token's are the warm-up: a driver may
  // compile a kernel on its first use, as lavapipe does for the one-token
  // kernels the prompt's command buffer leaves out), counted around the
  // runs only: text streaming allocates as it prints. The first decoded
  // token's are reported apart.
  uint64_t decodeHostAllocations = 0, firstDecodeHostAllocations = 0;
  std::vector<uint64_t> rssKiB; // after each generation
  for (int64_t rep = 0; rep < Repeat; ++rep) {
    // Each repetition is the same generation from an empty context; the
    // figures and output are the last one's, the first one's is printed.
    bool print = !Json && rep == 0;
    g.reset();
    generated.clear();
    chosenLogits.clear();
    text.clear();
    firstMs = restMs = 0;
    decodeHostAllocations = firstDecodeHostAllocations = 0;
    std::mt19937_64 rng(sampling.seed);
    if (tok)
      stream.emplace(*tok);
    // Printed text starts with the prompt, decoded by the same stream, so
    // the continuation keeps the space before its first word (a decoder
    // drops the space of the text's first piece). --json's text is the
    // continuation alone, as sentencepiece decodes the generated ids.
    if (stream && !Json)
      for (int64_t id : *prompt) {
        Expected<std::string> piece = stream->decodePiece(int32_t(id));
        if (!piece)
          return reportError(piece.takeError());
        if (print)
          outs() << *piece;
      }
    for (int64_t step = 0; step < MaxNewTokens; ++step) {
      auto t0 = Clock::now();
      uint64_t allocBefore = hostAllocations();
      // The prompt first; then the last token, after the cached context.
      ArrayRef<int64_t> feed = step == 0 ? ArrayRef<int64_t>(*prompt)
                                         : ArrayRef<int64_t>(generated.back());
      if (Error e = g.append(feed, logits))
        return reportError(error(PlanPath + ": " + toString(std::move(e))));
      if (step == 1)
        firstDecodeHostAllocations = hostAllocations() - allocBefore;
      else if (step > 1)
        decodeHostAllocations += hostAllocations() - allocBefore;
      double ms =
          std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      (step == 0 ? firstMs : restMs) += ms;
      int64_t next = chooseToken(logits, sampling, rng);
      generated.push_back(next);
      if (!LogitsPath.empty())
        chosenLogits.insert(chosenLogits.end(), logits.begin(), logits.end());
      if (stream) {
        Expected<std::string> piece = stream->decodePiece(int32_t(next));
        if (!piece)
          return reportError(piece.takeError());
        text += *piece;
        if (print)
          outs() << *piece;
      } else if (print) {
        outs() << (step ? " " : "") << next;
      }
      if (print)
        outs().flush();
      if (eos && next == *eos)
        break;
    }
    if (stream) {
      std::string rest = stream->finish();
      text += rest;
      if (print)
        outs() << rest;
    }
    rssKiB.push_back(residentKiB());
  }
  RuntimeCounters atEnd = (*dev)->counters();
  uint64_t allocations = atEnd.memoryAllocations - atStart.memoryAllocations;
  uint64_t weights = 0, kvCache = 0;
  for (const PlanBuffer &b : plan->buffers) {
    if (b.role == BufferRole::Weights)
      weights += b.bytes;
    if (b.role == BufferRole::State)
      kvCache += b.bytes;
  }
  int64_t decoded = int64_t(generated.size()) - 1;
  double hostPerToken = decoded > 1 ? double(decodeHostAllocations) /
                                          double(decoded - 1)
                                    : 0.0;
  double perToken =
      generated.size() > 1 ? restMs / double(generated.size() - 1) : firstMs;

  if (!LogitsPath.empty()) {
    ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(
                                chosenLogits.data()),
                            chosenLogits.size() * sizeof(float));
    if (Error e = writeNpy(LogitsPath, NpyDType::F32,
                           {int64_t(generated.size()), g.vocab()}, bytes))
      return reportError(std::move(e));
  }
  if (Json) {
    json::OStream j(outs(), 1);
    j.object([&] {
      j.attributeArray("prompt_ids", [&] {
        for (int64_t id : *prompt)
          j.value(id);
      });
      j.attributeArray("generated_ids", [&] {
        for (int64_t id : generated)
          j.value(id);
      });
      if (tok)
        j.attribute("text", text);
      else
        j.attribute("text", nullptr); // ids only: no usable vocabulary
      j.attribute("prefill_ms", firstMs);
      j.attribute("decode_ms_per_token", perToken);
      j.attribute("weights_bytes", int64_t(weights));
      j.attribute("kv_cache_bytes", int64_t(kvCache));
      j.attribute("transient_bytes", int64_t(plan->stats.transientBytes));
      j.attribute("transient_lower_bound_bytes",
                  int64_t(plan->stats.lowerBound));
      j.attribute("device_allocations_during_generation",
                  int64_t(allocations));
      j.attribute("host_allocations_per_decoded_token", hostPerToken);
      j.attribute("host_allocations_first_decoded_token",
                  int64_t(firstDecodeHostAllocations));
      j.attributeArray("rss_kib_after_each_generation", [&] {
        for (uint64_t r : rssKiB)
          j.value(int64_t(r));
      });
      j.attribute("kv_cache", g.hasKvCache()
                                  ? "planned state: each step runs its new "
                                    "tokens only"
                                  : "none: each step recomputes the "
                                    "sequence");
    });
    outs() << "\n";
    return 0;
  }
  outs() << "\n";
  outs() << formatv("prefill: {0} tokens in {1:f2} ms; {2} more tokens at "
                    "{3:f2} ms each ({4:f1} tokens/s){5}\n",
                    prompt->size(), firstMs, decoded, perToken,
                    perToken > 0 ? 1000.0 / perToken : 0.0,
                    g.hasKvCache() ? ""
                                   : "; no KV cache: each step recomputes "
                                     "the sequence");
  outs() << formatv("memory: weights {0} bytes, KV cache {1} bytes, transient "
                    "{2} bytes (lower bound {3}), device allocations during "
                    "generation: {4}, host allocations per decoded token "
                    "after the first: "
                    "{5:f1}\n",
                    weights, kvCache, plan->stats.transientBytes,
                    plan->stats.lowerBound, allocations, hostPerToken);
  if (Repeat > 1 && rssKiB.front() > 0) {
    double change = 100.0 *
                    (double(rssKiB.back()) - double(rssKiB.front())) /
                    double(rssKiB.front());
    outs() << formatv("resident memory after each of {0} generations: first "
                      "{1} KiB, last {2} KiB ({3}{4:f2}%)\n",
                      rssKiB.size(), rssKiB.front(), rssKiB.back(),
                      change < 0 ? '-' : '+', std::fabs(change));
  }
  return 0;
}

} // namespace tlc
