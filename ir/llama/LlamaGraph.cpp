//===- ir/llama/LlamaGraph.cpp - Llama decoders as tlc graphs -------------===//
//
// See LlamaGraph.h for the graph. Names follow the GGUF tensors they come
// from ("blk.3.attn_q" for layer 3's query projection), so that --print-ir
// and `tlc inspect` read like llama.cpp's dumps.
//
//===----------------------------------------------------------------------===//
#include "ir/llama/LlamaGraph.h"

#include "ir/GgufQuant.h"
#include "ir/GgufWriter.h"
#include "ir/Half.h"
#include "ir/Safetensors.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>

using namespace llvm;

namespace tlc {

namespace {

/// Appends values and nodes to a graph under construction; intermediate
/// types are left to shape inference.
class Builder {
public:
  Builder(Graph &g, SourceLoc loc) : g(g), loc(std::move(loc)) {}

  ValueId input(const std::string &name, TensorType type) {
    Value v;
    v.name = name;
    v.kind = ValueKind::Input;
    v.type = std::move(type);
    v.hasType = true;
    v.loc = loc;
    ValueId id = cantFail(g.addValue(std::move(v)));
    g.inputs.push_back(id);
    return id;
  }

  ValueId weight(const std::string &name, TensorType type,
                 std::vector<uint8_t> data) {
    Value v;
    v.name = name;
    v.kind = ValueKind::Weight;
    v.type = std::move(type);
    v.hasType = true;
    v.data = std::move(data);
    v.loc = loc;
    return cantFail(g.addValue(std::move(v)));
  }

  /// Planned state of f32 \p shape (a KV cache), zeroed at load.
  ValueId state(const std::string &name, Shape shape) {
    Value v;
    v.name = name;
    v.kind = ValueKind::State;
    v.type = TensorType{DType::F32, std::move(shape)};
    v.hasType = true;
    v.loc = loc;
    return cantFail(g.addValue(std::move(v)));
  }

  ValueId f32(const std::string &name, Shape shape, ArrayRef<float> values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(float));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return weight(name, TensorType{DType::F32, std::move(shape)},
                  std::move(bytes));
  }

  ValueId i64(const std::string &name, Shape shape, ArrayRef<int64_t> values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(int64_t));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return weight(name, TensorType{DType::I64, std::move(shape)},
                  std::move(bytes));
  }

  /// One node with one output called \p out.
  ValueId node(const std::string &op, const std::string &out,
               ArrayRef<ValueId> inputs, Attributes attrs = {}) {
    Value v;
    v.name = out;
    v.loc = loc;
    ValueId id = cantFail(g.addValue(std::move(v)));
    Node n;
    n.op = op;
    n.name = out;
    n.inputs.assign(inputs.begin(), inputs.end());
    n.outputs = {id};
    n.attrs = std::move(attrs);
    n.loc = loc;
    g.addNode(std::move(n));
    return id;
  }

  /// The weight of GGUF name \p name from \p source (loaded once), checked
  /// against the shape the config implies. A quantized matrix stays
  /// quantized (a u8 weight of its rows padded to quantizedRowStride, read
  /// by QuantizedGemm in linear() and, for the token embedding, by
  /// QuantizedGather, which a tied LM head shares); a token embedding whose
  /// rows those kernels cannot take is dequantized. Anything else
  /// quantized is dequantized.
  Expected<ValueId> modelWeight(const LlamaWeightSource &source,
                                const std::string &name) {
    auto it = loaded.find(name);
    if (it != loaded.end())
      return it->second;
    Expected<LlamaWeight> w = source(name);
    if (!w)
      return w.takeError();
    auto want = shapes.find(name);
    if (want != shapes.end() && w->shape != want->second)
      return createStringError(
          inconvertibleErrorCode(),
          "%s: weight '%s' has shape %s; the hyperparameters imply %s",
          loc.file.c_str(), name.c_str(),
          TensorType(DType::F32, w->shape).shapeStr().c_str(),
          TensorType(DType::F32, want->second).shapeStr().c_str());
    ValueId id;
    if (!w->quant) {
      id = f32(name, w->shape, w->values);
    } else if (w->shape.size() == 2) {
      Expected<ValueId> q = quantizedWeight(name, *w);
      if (q) {
        id = *q;
      } else if (name != "token_embd.weight") {
        return q.takeError();
      } else { // rows the kernels cannot take: f32 for Gather and Gemm
        consumeError(q.takeError());
        Expected<std::vector<float>> values = dequantized(name, *w);
        if (!values)
          return values.takeError();
        id = f32(name, w->shape, *values);
      }
    } else {
      Expected<std::vector<float>> values = dequantized(name, *w);
      if (!values)
        return values.takeError();
      id = f32(name, w->shape, *values);
    }
    loaded[name] = id;
    return id;
  }

  /// \p x [rows, in] times weight \p w [out, in] transposed, as node \p out:
  /// QuantizedGemm for a weight kept quantized, else Gemm with transB.
  ValueId linear(const std::string &out, ValueId x, ValueId w) {
    Attributes a;
    auto q = quantOf.find(w);
    if (q == quantOf.end()) {
      a.values["transB"] = int64_t(1);
      return node("Gemm", out, {x, w}, std::move(a));
    }
    a.values["quant"] = q->second;
    return node("QuantizedGemm", out, {x, w}, std::move(a));
  }

  /// Whether weight \p w is kept quantized, and its `quant` attribute.
  bool isQuantized(ValueId w) const { return quantOf.count(w) != 0; }
  std::string quantOfWeight(ValueId w) const { return quantOf.at(w); }

  /// The shape of each weight, by GGUF name (llamaWeightShapes).
  std::map<std::string, Shape> shapes;

private:
  /// \p w (quantized) as a u8 weight \p name for QuantizedGemm: [rows,
  /// quantizedRowStride] with each row's GGUF blocks first. Errors: a type
  /// QuantizedGemm does not take, a row length that is not a whole number
  /// of blocks, a byte count that does not match the shape.
  Expected<ValueId> quantizedWeight(const std::string &name,
                                    const LlamaWeight &w) {
    int64_t rows = w.shape[0], k = w.shape[1];
    Expected<std::vector<uint8_t>> bytes =
        padQuantizedRows(*w.quant, rows, k, w.quantBytes);
    if (!bytes)
      return createStringError(inconvertibleErrorCode(), "%s: weight '%s': %s",
                               loc.file.c_str(), name.c_str(),
                               toString(bytes.takeError()).c_str());
    int64_t stride = int64_t(*quantizedRowStride(*w.quant, k));
    ValueId id = weight(name, TensorType{DType::U8, {rows, stride}},
                        std::move(*bytes));
    quantOf[id] = ggmlTypeInfo(uint32_t(*w.quant))->name.lower();
    return id;
  }

  /// The f32 values of quantized \p w, in GGUF element order (row-major).
  Expected<std::vector<float>> dequantized(const std::string &name,
                                           const LlamaWeight &w) {
    GgufTensor t;
    t.name = name;
    t.type = *w.quant;
    uint64_t elems = 1;
    for (auto it = w.shape.rbegin(); it != w.shape.rend(); ++it) {
      t.dims.push_back(uint64_t(*it));
      elems *= uint64_t(*it);
    }
    t.numElements = elems;
    t.numBytes = w.quantBytes.size();
    t.data = w.quantBytes;
    Expected<std::vector<float>> v = dequantize(t);
    if (!v)
      return createStringError(inconvertibleErrorCode(), "%s: %s",
                               loc.file.c_str(),
                               toString(v.takeError()).c_str());
    return v;
  }

  Graph &g;
  SourceLoc loc;
  std::map<std::string, ValueId> loaded;
  /// Weights kept quantized, and their `quant` attribute ("q8_0", ...).
  std::map<ValueId, std::string> quantOf;
};

Attributes attrs(std::initializer_list<std::pair<const char *, AttrValue>> kv) {
  Attributes a;
  for (const auto &[k, v] : kv)
    a.values[k] = v;
  return a;
}

/// cos and sin of the rotary angles p / scale * base^(-2i/R) for positions
/// p < rows and i < R/2, as [rows, R/2] tables (double, then rounded).
void ropeTables(const LlamaConfig &c, int64_t rows, std::vector<float> &cosT,
                std::vector<float> &sinT) {
  int64_t half = c.ropeDim / 2;
  cosT.resize(size_t(rows * half));
  sinT.resize(size_t(rows * half));
  for (int64_t p = 0; p < rows; ++p)
    for (int64_t i = 0; i < half; ++i) {
      double invFreq = std::pow(c.ropeBase, -2.0 * double(i) / double(c.ropeDim));
      double angle = double(p) / c.ropeLinearScale * invFreq;
      cosT[size_t(p * half + i)] = float(std::cos(angle));
      sinT[size_t(p * half + i)] = float(std::sin(angle));
    }
}

} // namespace

Expected<Graph> buildLlamaGraph(const LlamaConfig &c,
                                const LlamaWeightSource &weights,
                                StringRef source,
                                const LlamaGraphOptions &opts) {
  constexpr int64_t kMaxLength = int64_t(1) << 20;
  int64_t maxLength = opts.maxLength ? opts.maxLength : c.contextLength;
  if (maxLength < 1 || maxLength > kMaxLength)
    return createStringError(inconvertibleErrorCode(),
                             "%s: a context of %lld tokens is outside "
                             "[1, %lld]",
                             source.str().c_str(), (long long)maxLength,
                             (long long)kMaxLength);
  Graph g;
  g.name = "llama";
  SourceLoc loc;
  loc.file = source.str();
  Builder b(g, loc);
  for (auto &[name, shape] : llamaWeightShapes(c))
    b.shapes[name] = shape;

  // S new tokens (the input's length) after P positions already in the KV
  // cache (set by the host before each run): a prompt runs with P = 0, each
  // generated token with S = 1 and P = the tokens before it. One plan, one
  // cache, P + S <= the cache's rows.
  DimSymbol seqSym{"sequence", 1, maxLength}, pastSym{"past", 0, maxLength - 1};
  g.symbols = {seqSym, pastSym};
  DimExpr seq = DimExpr::symbol(seqSym), past = DimExpr::symbol(pastSym);
  g.requirements.push_back({past + seq, maxLength});
  // Keys attention reads: P + S, which the requirement keeps <= maxLength;
  // min() says so to the bounds (interval arithmetic cannot see it).
  DimExpr keys = min(past + seq, DimExpr(maxLength));
  const int64_t H = c.heads, Hkv = c.kvHeads, D = c.headDim, E = c.hidden;
  ValueId ids = b.input("input_ids", TensorType::withDims(DType::I64, {1, seq}));

  // Rotary tables of every position the plan serves, [L, R/2]; the tokens
  // of a run sit at positions P..P+S-1 (position_offset P).
  std::vector<float> cosT, sinT;
  ropeTables(c, maxLength, cosT, sinT);
  ValueId cosV = b.f32("rope_cos", {maxLength, c.ropeDim / 2}, cosT);
  ValueId sinV = b.f32("rope_sin", {maxLength, c.ropeDim / 2}, sinT);

  ValueId rowsShape = b.i64("rows_shape", {2}, {-1, E});
  ValueId seqShape = b.i64("seq_shape", {3}, {1, -1, E});
  ValueId qShape = b.i64("q_shape", {3}, {1, -1, H * D});
  ValueId kvShape = b.i64("kv_shape", {3}, {1, -1, Hkv * D});
  ValueId attnRows = b.i64("attn_rows_shape", {2}, {-1, H * D});
  Attributes rms = attrs({{"axis", int64_t(-1)}, {"epsilon", c.rmsEpsilon}});
  int64_t interleaved = c.pairing == RopePairing::Adjacent ? 1 : 0;

  Expected<ValueId> embd = b.modelWeight(weights, "token_embd.weight");
  if (!embd)
    return embd.takeError();
  // A quantized table is read in its blocks (QuantizedGather).
  ValueId x = b.isQuantized(*embd)
                  ? b.node("QuantizedGather", "embeddings", {*embd, ids},
                           attrs({{"quant", b.quantOfWeight(*embd)}}))
                  : b.node("Gather", "embeddings", {*embd, ids},
                           attrs({{"axis", int64_t(0)}}));

  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = "blk." + std::to_string(l) + ".";
    Expected<ValueId> w[9] = {
        b.modelWeight(weights, p + "attn_norm.weight"),
        b.modelWeight(weights, p + "attn_q.weight"),
        b.modelWeight(weights, p + "attn_k.weight"),
        b.modelWeight(weights, p + "attn_v.weight"),
        b.modelWeight(weights, p + "attn_output.weight"),
        b.modelWeight(weights, p + "ffn_norm.weight"),
        b.modelWeight(weights, p + "ffn_gate.weight"),
        b.modelWeight(weights, p + "ffn_up.weight"),
        b.modelWeight(weights, p + "ffn_down.weight")};
    for (Expected<ValueId> &e : w)
      if (!e)
        return e.takeError();
    // Attention.
    ValueId h = b.node("RMSNormalization", p + "attn_norm", {x, *w[0]}, rms);
    ValueId rows = b.node("Reshape", p + "attn_in", {h, rowsShape});
    ValueId q = b.linear(p + "attn_q", rows, *w[1]);
    ValueId k = b.linear(p + "attn_k", rows, *w[2]);
    ValueId v = b.linear(p + "attn_v", rows, *w[3]);
    q = b.node("Reshape", p + "attn_q3", {q, qShape});
    k = b.node("Reshape", p + "attn_k3", {k, kvShape});
    v = b.node("Reshape", p + "attn_v3", {v, kvShape});
    std::vector<DimExpr> at = {past};
    q = b.node("RotaryEmbedding", p + "attn_q_rope", {q, cosV, sinV},
               attrs({{"interleaved", interleaved},
                      {"num_heads", H},
                      {"rotary_embedding_dim", c.ropeDim},
                      {"position_offset", at}}));
    k = b.node("RotaryEmbedding", p + "attn_k_rope", {k, cosV, sinV},
               attrs({{"interleaved", interleaved},
                      {"num_heads", Hkv},
                      {"rotary_embedding_dim", c.ropeDim},
                      {"position_offset", at}}));
    // The KV cache: this layer's keys and values of every position so far,
    // [1, L, Hkv*D] each; the S new rows are written at P in place.
    Attributes write = attrs({{"axis", int64_t(1)}, {"write_offset", at}});
    k = b.node("TensorScatter", p + "attn_k_cache",
               {b.state(p + "cache_k", {1, maxLength, Hkv * D}), k}, write);
    v = b.node("TensorScatter", p + "attn_v_cache",
               {b.state(p + "cache_v", {1, maxLength, Hkv * D}), v}, write);
    // Q [1, S, H*D] and the caches [1, L, Hkv*D] read as [B, H, S, D] and
    // [B, Hkv, P+S, D] views (ops/FusedAttention.h); Y written as
    // [1, S, H*D]. Query i sits at position P + i: it sees keys <= P + i.
    Attributes a = attrs(
        {{"dims", std::vector<DimExpr>{1, H, seq, keys, D, D}},
         {"q_view", std::vector<int64_t>{0, 0, D, H * D, 1}},
         {"k_view", std::vector<int64_t>{0, 0, D, Hkv * D, 1}},
         {"v_view", std::vector<int64_t>{0, 0, D, Hkv * D, 1}},
         {"y_view", std::vector<int64_t>{0, 0, D, H * D, 1}},
         {"y_shape", std::vector<DimExpr>{1, seq, H * D}},
         {"scale", 1.0 / std::sqrt(double(D))},
         {"causal", int64_t(1)},
         {"causal_offset", at}});
    if (H != Hkv)
      a.values["kv_group"] = H / Hkv;
    ValueId att =
        b.node("FusedAttention", p + "attn", {q, k, v}, std::move(a));
    att = b.node("Reshape", p + "attn_rows", {att, attnRows});
    ValueId o = b.linear(p + "attn_output", att, *w[4]);
    o = b.node("Reshape", p + "attn_out3", {o, seqShape});
    x = b.node("Add", p + "attn_residual", {x, o});
    // SwiGLU feed-forward (Shazeer, "GLU Variants Improve Transformer",
    // 2020): down(silu(gate(h)) * up(h)), silu(z) = z * sigmoid(z).
    h = b.node("RMSNormalization", p + "ffn_norm", {x, *w[5]}, rms);
    rows = b.node("Reshape", p + "ffn_in", {h, rowsShape});
    ValueId gate = b.linear(p + "ffn_gate", rows, *w[6]);
    ValueId up = b.linear(p + "ffn_up", rows, *w[7]);
    ValueId silu = b.node("Mul", p + "ffn_silu",
                          {gate, b.node("Sigmoid", p + "ffn_sigmoid", {gate})});
    ValueId act = b.node("Mul", p + "ffn_act", {silu, up});
    ValueId down = b.linear(p + "ffn_down", act, *w[8]);
    down = b.node("Reshape", p + "ffn_out3", {down, seqShape});
    x = b.node("Add", p + "ffn_residual", {x, down});
  }

  Expected<ValueId> normW = b.modelWeight(weights, "output_norm.weight");
  if (!normW)
    return normW.takeError();
  Expected<ValueId> head = b.modelWeight(
      weights, c.tiedEmbeddings ? "token_embd.weight" : "output.weight");
  if (!head)
    return head.takeError();
  ValueId h = b.node("RMSNormalization", "output_norm", {x, *normW}, rms);
  ValueId rows = b.node("Reshape", "output_in", {h, rowsShape});
  if (!opts.allLogits) // the last position only
    rows = b.node("Slice", "output_last",
                  {rows, b.i64("last_start", {1}, {-1}),
                   b.i64("last_end", {1}, {std::numeric_limits<int64_t>::max()}),
                   b.i64("last_axes", {1}, {0})});
  ValueId logits = b.linear("output", rows, *head);
  logits = b.node("Reshape", "logits", {logits,
                                        b.i64("logits_shape", {3},
                                              {1, -1, c.vocab})});
  g.outputs.push_back(logits);
  g.metadata["llama.context_length"] = std::to_string(maxLength);
  g.metadata["llama.vocab_size"] = std::to_string(c.vocab);
  return g;
}

Expected<Graph> importLlamaGguf(StringRef path, const LlamaGraphOptions &opts) {
  Expected<GgufFile> f = readGgufFile(path);
  if (!f)
    return f.takeError();
  Expected<LlamaConfig> c = readLlamaConfig(*f);
  if (!c)
    return c.takeError();
  const GgufFile &file = *f;
  bool keepQuantized = !opts.dequantizeWeights;
  LlamaWeightSource source =
      [&file, keepQuantized](const std::string &name) -> Expected<LlamaWeight> {
    Expected<const GgufTensor *> t = file.tensor(name);
    if (!t)
      return t.takeError();
    const GgufTensor &tensor = **t;
    LlamaWeight w;
    w.shape = tensor.shape();
    if (keepQuantized && (tensor.type == GgmlType::Q8_0 ||
                          tensor.type == GgmlType::Q4_0 ||
                          tensor.type == GgmlType::Q6_K)) {
      w.quant = tensor.type;
      w.quantBytes.assign(tensor.data.begin(), tensor.data.end());
      return w;
    }
    Expected<std::vector<float>> values = dequantize(tensor);
    if (!values)
      return values.takeError();
    w.values = std::move(*values);
    return w;
  };
  Expected<Graph> g = buildLlamaGraph(*c, source, path, opts);
  if (!g)
    return g.takeError();
  // The vocabulary travels with the plan: the tokenizer.ggml.* keys as a
  // GGUF file of metadata only, plus the ids generation needs as text.
  std::vector<GgufKeyValue> vocab;
  for (const GgufKeyValue &kv : file.metadata)
    if (StringRef(kv.key).startswith("tokenizer.ggml."))
      vocab.push_back({kv.key, kv.value, 0});
  if (!vocab.empty()) {
    Expected<std::vector<uint8_t>> bytes = encodeGguf(vocab, {});
    if (!bytes)
      return bytes.takeError();
    g->attachments["tokenizer.gguf"] = std::move(*bytes);
  }
  for (const char *key : {"tokenizer.ggml.bos_token_id",
                          "tokenizer.ggml.eos_token_id"})
    if (const GgufValue *v = file.find(key))
      if (std::optional<uint64_t> id = v->asUnsigned())
        g->metadata[key] = std::to_string(*id);
  return g;
}

namespace {
/// The tensors of a Hugging Face folder: model.safetensors, or the shards
/// of model.safetensors.index.json, each read when first needed.
class HfTensors {
public:
  static Expected<HfTensors> open(StringRef folder) {
    HfTensors h;
    h.dir = folder.str();
    SmallString<256> single(folder), index(folder);
    sys::path::append(single, "model.safetensors");
    sys::path::append(index, "model.safetensors.index.json");
    if (sys::fs::exists(single) || !sys::fs::exists(index))
      return h;
    h.index = index.str().str();
    ErrorOr<std::unique_ptr<MemoryBuffer>> buf = MemoryBuffer::getFile(index);
    if (!buf)
      return createStringError(buf.getError(), "%s: cannot read: %s",
                               h.index.c_str(),
                               buf.getError().message().c_str());
    Expected<json::Value> root = json::parse((*buf)->getBuffer());
    if (!root)
      return createStringError(inconvertibleErrorCode(), "%s: not JSON: %s",
                               h.index.c_str(),
                               toString(root.takeError()).c_str());
    const json::Object *map =
        root->getAsObject() ? root->getAsObject()->getObject("weight_map")
                            : nullptr;
    if (!map)
      return createStringError(inconvertibleErrorCode(),
                               "%s: expected an object with 'weight_map'",
                               h.index.c_str());
    for (const auto &kv : *map) {
      llvm::Optional<StringRef> file = kv.second.getAsString();
      // Shards are files of this folder, nothing else.
      if (!file || file->empty() || file->contains('/') ||
          file->contains('\\') || *file == "." || *file == "..")
        return createStringError(inconvertibleErrorCode(),
                                 "%s: weight_map['%s']: expected a file name "
                                 "in the folder",
                                 h.index.c_str(), kv.first.str().c_str());
      h.fileOf[kv.first.str()] = file->str();
    }
    return h;
  }

  /// Tensor \p name as f32 values.
  Expected<LlamaWeight> get(const std::string &name) {
    std::string file = "model.safetensors";
    if (!index.empty()) {
      auto it = fileOf.find(name);
      if (it == fileOf.end())
        return createStringError(inconvertibleErrorCode(),
                                 "%s: the weight_map has no tensor '%s'",
                                 index.c_str(), name.c_str());
      file = it->second;
    }
    auto loaded = files.find(file);
    if (loaded == files.end()) {
      SmallString<256> path(dir);
      sys::path::append(path, file);
      Expected<SafetensorsFile> st = readSafetensors(path);
      if (!st)
        return st.takeError();
      loaded = files.emplace(file, std::move(*st)).first;
    }
    const SafetensorsTensor *t = loaded->second.find(name);
    if (!t)
      return createStringError(inconvertibleErrorCode(),
                               "%s/%s: no tensor '%s'", dir.c_str(),
                               file.c_str(), name.c_str());
    LlamaWeight w;
    w.shape = t->shape;
    size_t n = size_t(TensorType(DType::F32, t->shape).numElements());
    w.values.resize(n);
    if (t->dtype == DType::F32) { // BF16 arrives widened to F32
      std::memcpy(w.values.data(), t->data.data(), n * sizeof(float));
    } else if (t->dtype == DType::F16) {
      for (size_t i = 0; i < n; ++i)
        w.values[i] =
            halfToFloat(uint16_t(t->data[2 * i] | (t->data[2 * i + 1] << 8)));
    } else {
      return createStringError(inconvertibleErrorCode(),
                               "%s/%s: tensor '%s' has dtype %s; expected "
                               "F32, F16 or BF16",
                               dir.c_str(), file.c_str(), name.c_str(),
                               safetensorsDTypeName(t->dtype).str().c_str());
    }
    return w;
  }

private:
  std::string dir, index;
  std::map<std::string, std::string> fileOf;    // tensor -> shard
  std::map<std::string, SafetensorsFile> files; // shards read so far
};
} // namespace

Expected<Graph> importLlamaHf(StringRef folder, const LlamaGraphOptions &opts) {
  SmallString<256> config(folder);
  sys::path::append(config, "config.json");
  Expected<LlamaConfig> c = readLlamaConfigJson(config);
  if (!c)
    return c.takeError();
  Expected<HfTensors> tensors = HfTensors::open(folder);
  if (!tensors)
    return tensors.takeError();
  bool tied = c->tiedEmbeddings;
  HfTensors &t = *tensors;
  LlamaWeightSource source = [&t, tied](const std::string &gguf) {
    return t.get(llamaHfName(gguf == "output.weight" && tied
                                 ? "token_embd.weight"
                                 : gguf));
  };
  return buildLlamaGraph(*c, source, folder, opts);
}

} // namespace tlc
