//===- ir/llama/LlamaConfig.cpp - Llama hyperparameters from GGUF ---------===//
//
// Reads llama.cpp's `llama.*` metadata keys and checks every tensor the graph
// will read against them, so that ir/llama/LlamaGraph.cpp sees only
// consistent models. Defaults follow llama.cpp (llama-model.cpp): KV heads
// default to the heads, the rope dimension to the head size, the rope base
// to 10000.
//
//===----------------------------------------------------------------------===//
#include "ir/llama/LlamaConfig.h"

#include "ir/GgufQuant.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <optional>

using namespace llvm;

namespace tlc {

static Error configError(const GgufFile &f, const Twine &message) {
  return createStringError(inconvertibleErrorCode(), "%s: %s", f.name.c_str(),
                           message.str().c_str());
}

/// A positive count stored under \p key (any unsigned integer type).
static Expected<int64_t> readCount(const GgufFile &f, StringRef key) {
  Expected<uint64_t> v = f.getUnsigned(key);
  if (!v)
    return v.takeError();
  if (*v == 0 || *v > (uint64_t(1) << 31))
    return configError(f, "metadata key '" + key + "' is " + Twine(*v) +
                              "; expected a count in [1, 2^31]");
  return int64_t(*v);
}

/// \p key's count, or \p def when the file does not have the key.
static Expected<int64_t> readCountOr(const GgufFile &f, StringRef key,
                                     int64_t def) {
  if (!f.find(key))
    return def;
  return readCount(f, key);
}

/// Errors unless tensor \p name exists with row-major shape \p want.
static Error checkTensor(const GgufFile &f, StringRef name,
                         ArrayRef<int64_t> want) {
  Expected<const GgufTensor *> t = f.tensor(name);
  if (!t)
    return t.takeError();
  Shape got = (*t)->shape();
  if (ArrayRef<int64_t>(got) != want) {
    std::string w, g;
    for (int64_t d : want)
      w += (w.empty() ? "" : "x") + std::to_string(d);
    for (int64_t d : got)
      g += (g.empty() ? "" : "x") + std::to_string(d);
    return configError(f, "tensor '" + name + "' (tensor info at byte " +
                              Twine((*t)->infoOffset) + ") has shape " + g +
                              "; the metadata implies " + w);
  }
  return checkTlcSupports(**t);
}

Expected<LlamaConfig> readLlamaConfig(const GgufFile &f) {
  Expected<StringRef> arch = f.getString("general.architecture");
  if (!arch)
    return arch.takeError();
  if (*arch != "llama")
    return configError(f, "architecture '" + *arch +
                              "' is not supported; expected llama");
  LlamaConfig c;
  struct {
    int64_t *field;
    const char *key;
  } counts[] = {{&c.layers, "llama.block_count"},
                {&c.hidden, "llama.embedding_length"},
                {&c.ffn, "llama.feed_forward_length"},
                {&c.heads, "llama.attention.head_count"},
                {&c.contextLength, "llama.context_length"}};
  for (auto &[field, key] : counts) {
    Expected<int64_t> v = readCount(f, key);
    if (!v)
      return v.takeError();
    *field = *v;
  }
  Expected<int64_t> kv =
      readCountOr(f, "llama.attention.head_count_kv", c.heads);
  if (!kv)
    return kv.takeError();
  c.kvHeads = *kv;
  if (c.hidden % c.heads != 0)
    return configError(f, "llama.embedding_length " + Twine(c.hidden) +
                              " is not a multiple of the " + Twine(c.heads) +
                              " heads");
  if (c.heads % c.kvHeads != 0)
    return configError(f, "llama.attention.head_count " + Twine(c.heads) +
                              " is not a multiple of head_count_kv " +
                              Twine(c.kvHeads));
  c.headDim = c.hidden / c.heads;
  Expected<int64_t> rope =
      readCountOr(f, "llama.rope.dimension_count", c.headDim);
  if (!rope)
    return rope.takeError();
  c.ropeDim = *rope;
  if (c.ropeDim > c.headDim || c.ropeDim % 2 != 0)
    return configError(f, "llama.rope.dimension_count " + Twine(c.ropeDim) +
                              " must be even and at most the head size " +
                              Twine(c.headDim));
  if (f.find("llama.attention.layer_norm_rms_epsilon")) {
    Expected<double> eps =
        f.getFloat("llama.attention.layer_norm_rms_epsilon");
    if (!eps)
      return eps.takeError();
    if (!(*eps >= 0.0 && *eps < 1.0))
      return configError(f, "llama.attention.layer_norm_rms_epsilon is " +
                                std::to_string(*eps) + "; expected a value in [0, 1)");
    c.rmsEpsilon = *eps;
  }
  if (f.find("llama.rope.freq_base")) {
    Expected<double> base = f.getFloat("llama.rope.freq_base");
    if (!base)
      return base.takeError();
    if (!(*base > 1.0 && *base < 1e12))
      return configError(f, "llama.rope.freq_base is " + std::to_string(*base) +
                                "; expected a value in (1, 1e12)");
    c.ropeBase = *base;
  }
  if (f.find("llama.rope.scaling.type")) {
    Expected<StringRef> type = f.getString("llama.rope.scaling.type");
    if (!type)
      return type.takeError();
    if (*type == "linear") {
      Expected<double> factor = f.getFloat("llama.rope.scaling.factor");
      if (!factor)
        return factor.takeError();
      if (!(*factor >= 1.0 && *factor <= 1024.0))
        return configError(f, "llama.rope.scaling.factor is " +
                                  std::to_string(*factor) +
                                  "; expected a value in [1, 1024]");
      c.ropeLinearScale = *factor;
    } else if (*type != "none") {
      return configError(f, "llama.rope.scaling.type '" + *type +
                                "' is not supported; expected none or linear");
    }
  }

  // The vocabulary is token_embd's row count.
  Expected<const GgufTensor *> embd = f.tensor("token_embd.weight");
  if (!embd)
    return embd.takeError();
  Shape es = (*embd)->shape();
  if (es.size() != 2 || es[1] != c.hidden)
    return configError(f, "tensor 'token_embd.weight' (tensor info at byte " +
                              Twine((*embd)->infoOffset) +
                              ") must be [vocab, " + Twine(c.hidden) + "]");
  c.vocab = es[0];
  if (Error e = checkTlcSupports(**embd))
    return std::move(e);
  c.tiedEmbeddings = f.findTensor("output.weight") == nullptr;

  for (auto &[name, shape] : llamaWeightShapes(c))
    if (name != "token_embd.weight")
      if (Error e = checkTensor(f, name, shape))
        return std::move(e);
  return c;
}

std::vector<std::pair<std::string, Shape>>
llamaWeightShapes(const LlamaConfig &c) {
  int64_t q = c.heads * c.headDim, kvw = c.kvHeads * c.headDim;
  std::vector<std::pair<std::string, Shape>> want = {
      {"token_embd.weight", {c.vocab, c.hidden}},
      {"output_norm.weight", {c.hidden}}};
  if (!c.tiedEmbeddings)
    want.push_back({"output.weight", {c.vocab, c.hidden}});
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string b = "blk." + std::to_string(l) + ".";
    want.push_back({b + "attn_norm.weight", {c.hidden}});
    want.push_back({b + "attn_q.weight", {q, c.hidden}});
    want.push_back({b + "attn_k.weight", {kvw, c.hidden}});
    want.push_back({b + "attn_v.weight", {kvw, c.hidden}});
    want.push_back({b + "attn_output.weight", {c.hidden, q}});
    want.push_back({b + "ffn_norm.weight", {c.hidden}});
    want.push_back({b + "ffn_gate.weight", {c.ffn, c.hidden}});
    want.push_back({b + "ffn_up.weight", {c.ffn, c.hidden}});
    want.push_back({b + "ffn_down.weight", {c.hidden, c.ffn}});
  }
  return want;
}

std::string llamaHfName(StringRef g) {
  if (g == "token_embd.weight")
    return "model.embed_tokens.weight";
  if (g == "output_norm.weight")
    return "model.norm.weight";
  if (g == "output.weight")
    return "lm_head.weight";
  if (!g.consume_front("blk."))
    return "";
  auto [layer, rest] = g.split('.');
  static const std::pair<const char *, const char *> kMap[] = {
      {"attn_norm.weight", "input_layernorm.weight"},
      {"attn_q.weight", "self_attn.q_proj.weight"},
      {"attn_k.weight", "self_attn.k_proj.weight"},
      {"attn_v.weight", "self_attn.v_proj.weight"},
      {"attn_output.weight", "self_attn.o_proj.weight"},
      {"ffn_norm.weight", "post_attention_layernorm.weight"},
      {"ffn_gate.weight", "mlp.gate_proj.weight"},
      {"ffn_up.weight", "mlp.up_proj.weight"},
      {"ffn_down.weight", "mlp.down_proj.weight"}};
  for (const auto &[from, to] : kMap)
    if (rest == from)
      return ("model.layers." + layer + "." + to).str();
  return "";
}

namespace {
/// Reads config.json values with errors naming the file and the key.
struct JsonConfig {
  std::string path;
  const json::Object *o = nullptr;

  Error error(const Twine &msg) const {
    return createStringError(inconvertibleErrorCode(), "%s: %s", path.c_str(),
                             msg.str().c_str());
  }
  Expected<int64_t> count(StringRef key, std::optional<int64_t> def) const {
    const json::Value *v = o->get(key);
    if (!v || v->kind() == json::Value::Null) {
      if (def)
        return *def;
      return error("no key '" + key + "'");
    }
    std::optional<int64_t> i;
    if (auto x = v->getAsInteger())
      i = *x;
    if (!i || *i < 1 || *i > (int64_t(1) << 31))
      return error("key '" + key + "': expected a count in [1, 2^31]");
    return *i;
  }
  Expected<double> number(StringRef key, double def) const {
    const json::Value *v = o->get(key);
    if (!v || v->kind() == json::Value::Null)
      return def;
    if (auto x = v->getAsNumber())
      return *x;
    return error("key '" + key + "': expected a number");
  }
};
} // namespace

Expected<LlamaConfig> readLlamaConfigJson(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf = MemoryBuffer::getFile(path);
  if (!buf)
    return createStringError(buf.getError(), "%s: cannot read: %s",
                             path.str().c_str(),
                             buf.getError().message().c_str());
  Expected<json::Value> root = json::parse((*buf)->getBuffer());
  if (!root)
    return createStringError(inconvertibleErrorCode(), "%s: not JSON: %s",
                             path.str().c_str(),
                             toString(root.takeError()).c_str());
  JsonConfig j{path.str(), root->getAsObject()};
  if (!j.o)
    return j.error("expected a JSON object");
  bool llama = false;
  if (const json::Array *archs = j.o->getArray("architectures"))
    for (const json::Value &a : *archs)
      llama = llama || a.getAsString() == StringRef("LlamaForCausalLM");
  if (!llama)
    return j.error("'architectures' does not list LlamaForCausalLM; tlc "
                   "builds Llama-architecture models only");
  LlamaConfig c;
  c.pairing = RopePairing::Halves;
  struct {
    int64_t *field;
    const char *key;
  } counts[] = {{&c.layers, "num_hidden_layers"},
                {&c.hidden, "hidden_size"},
                {&c.ffn, "intermediate_size"},
                {&c.heads, "num_attention_heads"},
                {&c.vocab, "vocab_size"},
                {&c.contextLength, "max_position_embeddings"}};
  for (auto &[field, key] : counts) {
    Expected<int64_t> v = j.count(key, std::nullopt);
    if (!v)
      return v.takeError();
    *field = *v;
  }
  Expected<int64_t> kv = j.count("num_key_value_heads", c.heads);
  if (!kv)
    return kv.takeError();
  c.kvHeads = *kv;
  if (c.hidden % c.heads != 0 || c.heads % c.kvHeads != 0)
    return j.error("hidden_size " + Twine(c.hidden) +
                   " must be a multiple of num_attention_heads " +
                   Twine(c.heads) + ", and that of num_key_value_heads " +
                   Twine(c.kvHeads));
  c.headDim = c.hidden / c.heads;
  Expected<int64_t> headDim = j.count("head_dim", c.headDim);
  if (!headDim)
    return headDim.takeError();
  if (*headDim != c.headDim)
    return j.error("head_dim " + Twine(*headDim) +
                   " differs from hidden_size / num_attention_heads = " +
                   Twine(c.headDim) + "; not supported");
  c.ropeDim = c.headDim;
  Expected<double> eps = j.number("rms_norm_eps", 1e-6);
  if (!eps)
    return eps.takeError();
  Expected<double> theta = j.number("rope_theta", 10000.0);
  if (!theta)
    return theta.takeError();
  if (!(*eps >= 0.0 && *eps < 1.0) || !(*theta > 1.0 && *theta < 1e12))
    return j.error("rms_norm_eps must lie in [0, 1) and rope_theta in "
                   "(1, 1e12)");
  c.rmsEpsilon = *eps;
  c.ropeBase = *theta;
  if (const json::Value *rs = j.o->get("rope_scaling");
      rs && rs->kind() != json::Value::Null) {
    const json::Object *r = rs->getAsObject();
    llvm::Optional<StringRef> type;
    llvm::Optional<double> factor;
    if (r) {
      type = r->getString("rope_type");
      if (!type)
        type = r->getString("type");
      factor = r->getNumber("factor");
    }
    if (!type || *type != "linear" || !factor || *factor < 1.0 ||
        *factor > 1024.0)
      return j.error("'rope_scaling': only {\"type\": \"linear\", "
                     "\"factor\": F} with F in [1, 1024] is supported");
    c.ropeLinearScale = *factor;
  }
  c.tiedEmbeddings = j.o->getBoolean("tie_word_embeddings").getValueOr(false);
  return c;
}

} // namespace tlc
