//===- ir/llama/LlamaGraph.h - Llama decoders as tlc graphs -----*- C++ -*-===//
//
// Builds the IR of a Llama-architecture decoder from its hyperparameters
// and weights (a GGUF file of architecture `llama`, or a Hugging Face
// checkpoint folder), the way the ONNX
// importer builds one from a protobuf: every op is an ordinary tlc op with
// its shape rule, reference and kernel. Per layer:
//
//   h = RMSNormalization(x, attn_norm)
//   q, k, v = Gemm(h, W{q,k,v}, transB)           [S, H*D], [S, Hkv*D] x2
//   q, k = RotaryEmbedding(q, k; cos, sin, positions P..P+S-1)
//                                                  (GGUF: adjacent pairs)
//   K, V = TensorScatter(cache_k, k), TensorScatter(cache_v, v)
//                                 rows [P, P+S) of the layer's KV cache
//   a = FusedAttention(q, K, V; keys 0..P+S-1, causal with offset P,
//                      kv_group = H / Hkv)         [1, S, H*D]
//   x = x + Gemm(a, Wo, transB)
//   h = RMSNormalization(x, ffn_norm)
//   x = x + Gemm(silu(Gemm(h, Wgate)) * Gemm(h, Wup), Wdown)   (SwiGLU)
//
// then RMSNormalization(x, output_norm) and the LM head (output.weight, or
// token_embd when tied). Two symbols make one plan serve a prompt and every
// generated token: `sequence` S in [1, L] (the input's length) and `past`
// P in [0, L-1] (the positions already cached, set by the host before each
// run: LoadedPlan::setSymbol), with the requirement P + S <= L (L the
// longest context). The KV cache is planned state (ValueKind::State), per
// layer cache_k and cache_v of [1, L, Hkv*D] f32: 2 x layers x L x Hkv x D x
// 4 bytes, zeroed at load, written in place, kept from run to run.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_LLAMA_LLAMAGRAPH_H
#define TLC_IR_LLAMA_LLAMAGRAPH_H

#include "ir/GgmlType.h"
#include "ir/Graph.h"
#include "ir/llama/LlamaConfig.h"

#include <functional>
#include <optional>
#include <vector>

namespace tlc {

/// What to build.
struct LlamaGraphOptions {
  /// Longest context (tokens: cached plus new) the graph serves, the KV
  /// cache's rows; 0: the model's context length.
  int64_t maxLength = 0;
  /// Logits for every position ([1, S, vocab]) instead of the last one only
  /// ([1, 1, vocab], what generation reads after a prefill).
  bool allLogits = false;
  /// Dequantize Q8_0, Q4_0 and Q6_K weights to f32 at compile time (the
  /// behaviour before QuantizedGemm) instead of keeping the projection
  /// matrices quantized in memory (importLlamaGguf).
  bool dequantizeWeights = false;
};

/// One weight for the builder, of logical shape \p shape (outermost first):
/// row-major f32 values, or, when \p quant is set, the tensor's bytes in
/// GGUF layout, block-quantized as Q8_0, Q4_0 or Q6_K (ir/GgufQuant.h:
/// shape.back() values per row, shape.back() / blockElems blocks of
/// blockBytes, rows one after the other).
struct LlamaWeight {
  Shape shape;
  std::vector<float> values;
  std::optional<GgmlType> quant;
  std::vector<uint8_t> quantBytes;
};

/// Gives the weight of a GGUF name ("blk.0.attn_q.weight"), as f32 values
/// or as quantized bytes (LlamaWeight::quant), or an error naming the file
/// and tensor. The builder keeps a quantized matrix quantized where a
/// projection reads it (a QuantizedGemm node over a u8 weight,
/// ops/QuantizedGemm.cpp) and dequantizes it where f32 values are needed
/// (the token embedding's Gather, norms).
using LlamaWeightSource =
    std::function<llvm::Expected<LlamaWeight>(const std::string &ggufName)>;

/// The graph of the Llama model of config \p c whose weights \p weights
/// gives (\p source names it in messages and source locations): input `input_ids` [1, S] i64 (token ids), output
/// `logits` (f32, see LlamaGraphOptions), the KV cache as state (file
/// comment). Projections (attn_q/k/v/output, ffn_gate/up/down, the LM head)
/// whose weight the source gives quantized are QuantizedGemm nodes over the
/// u8 bytes, rows padded to quantizedRowStride; every other weight is f32
/// (a quantized one dequantized by ir/GgufQuant.h): the token embedding is
/// f32 even when the LM head, tied to it, reads its quantized bytes.
/// Attention is causal by position in the kernel (no mask tensor); rotary
/// embeddings read the rows P..P+S-1 of cos/sin tables of [L, R/2] (L the
/// longest context, R the rope dimension), with angles
/// p / scale * base^(-2i/R) (RoFormer, arXiv:2104.09864, eq. 34). Errors
/// name the source: a maxLength outside [1, 2^20], or a weight \p weights
/// cannot give, or gives with a shape other than llamaWeightShapes'.
llvm::Expected<Graph> buildLlamaGraph(const LlamaConfig &c,
                                      const LlamaWeightSource &weights,
                                      llvm::StringRef source,
                                      const LlamaGraphOptions &opts);

/// A GGUF file of architecture llama: readGgufFile + readLlamaConfig +
/// buildLlamaGraph, with F32, F16 and BF16 tensors as f32 and Q8_0, Q4_0
/// and Q6_K ones kept quantized (dequantized to f32 at compile time when
/// opts.dequantizeWeights). The
/// graph's metadata gets llama.context_length (the plan's longest
/// sequence), llama.vocab_size and the BOS/EOS ids the file gives; its
/// tokenizer.ggml.* keys go along as the attachment "tokenizer.gguf" (a
/// GGUF file of metadata only).
llvm::Expected<Graph> importLlamaGguf(llvm::StringRef path,
                                      const LlamaGraphOptions &opts);

/// A Hugging Face checkpoint folder: config.json (readLlamaConfigJson) and
/// model.safetensors, or the shards model.safetensors.index.json names
/// (its weight_map), in F32, F16 or BF16; the tensors' names are
/// llamaHfName's. Errors name the file: a missing config, index, shard or
/// tensor, a tensor of another shape or dtype.
llvm::Expected<Graph> importLlamaHf(llvm::StringRef folder,
                                    const LlamaGraphOptions &opts);

} // namespace tlc

#endif // TLC_IR_LLAMA_LLAMAGRAPH_H
