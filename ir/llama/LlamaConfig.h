//===- ir/llama/LlamaConfig.h - Llama hyperparameters -----------*- C++ -*-===//
//
// The hyperparameters of a Llama-architecture decoder (Touvron et al.,
// "LLaMA", 2023; the layout of Hugging Face's LlamaForCausalLM and of
// llama.cpp's `llama` GGUF architecture): what ir/llama/LlamaGraph.h needs to
// build the graph, read from a GGUF file's `llama.*` metadata (key names:
// llama.cpp's gguf-py/gguf/constants.py, docs/gguf.md).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_LLAMA_LLAMACONFIG_H
#define TLC_IR_LLAMA_LLAMACONFIG_H

#include "ir/Gguf.h"
#include "ir/Types.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tlc {

/// How rotary embeddings pair the dims of a head (ONNX RotaryEmbedding's
/// `interleaved`): GGUF's llama Q and K rows are permuted by llama.cpp's
/// converter so that adjacent dims (2i, 2i+1) pair; Hugging Face's weights
/// pair dim i with i + R/2 (rotate_half).
enum class RopePairing { Adjacent, Halves };

/// A Llama model's hyperparameters. Sizes in elements.
struct LlamaConfig {
  int64_t layers = 0;     // block_count
  int64_t hidden = 0;     // embedding_length
  int64_t ffn = 0;        // feed_forward_length (SwiGLU's inner size)
  int64_t heads = 0;      // attention.head_count
  int64_t kvHeads = 0;    // attention.head_count_kv (grouped-query attention)
  int64_t headDim = 0;    // hidden / heads
  int64_t vocab = 0;      // rows of token_embd
  int64_t contextLength = 0; // context_length: the longest sequence trained
  double rmsEpsilon = 1e-5;  // attention.layer_norm_rms_epsilon
  int64_t ropeDim = 0;       // rope.dimension_count (default headDim)
  double ropeBase = 10000.0; // rope.freq_base
  /// rope.scaling.type "linear": positions are divided by this factor
  /// (1: no scaling).
  double ropeLinearScale = 1.0;
  RopePairing pairing = RopePairing::Adjacent;
  /// No separate LM head: logits use token_embd (tied embeddings).
  bool tiedEmbeddings = false;
};

/// Every weight a Llama graph reads, by its GGUF name ("blk.0.attn_q.weight"),
/// with the row-major shape \p c implies ([out, in] for projections).
std::vector<std::pair<std::string, Shape>>
llamaWeightShapes(const LlamaConfig &c);

/// The Hugging Face name of a weight given by its GGUF name
/// ("blk.0.attn_q.weight" -> "model.layers.0.self_attn.q_proj.weight"), the
/// names transformers' LlamaForCausalLM writes; "" for an unknown name.
std::string llamaHfName(llvm::StringRef ggufName);

/// Reads a Hugging Face checkpoint's config.json at \p path
/// (LlamaForCausalLM: hidden_size, intermediate_size, num_attention_heads,
/// num_key_value_heads, num_hidden_layers, vocab_size,
/// max_position_embeddings, rms_norm_eps, rope_theta, rope_scaling
/// (null or linear), tie_word_embeddings, head_dim when given). Rotary
/// embeddings pair dims i and i + R/2 (RopePairing::Halves). The
/// vocabulary comes from vocab_size; the weights are checked by the
/// importer. Errors name the file and the key (JSON path) and what was
/// expected: not JSON, another architecture, a missing, mistyped or
/// out-of-range value, sizes that do not divide, a rope scaling other than
/// linear.
llvm::Expected<LlamaConfig> readLlamaConfigJson(llvm::StringRef path);

/// Reads the hyperparameters of GGUF file \p f, which must declare
/// general.architecture = "llama", and checks them against its tensors
/// (token_embd gives the vocabulary; every tensor ir/llama/LlamaGraph.h
/// reads must exist with the shape the metadata implies). Errors name the
/// file, the key or tensor (with its byte offset) and what was expected:
/// another architecture, a missing or mistyped key, sizes that do not
/// divide (hidden by heads, heads by KV heads), an odd or too large rope
/// dimension, a rope scaling other than none or linear, a missing tensor or
/// one of the wrong shape.
llvm::Expected<LlamaConfig> readLlamaConfig(const GgufFile &f);

} // namespace tlc

#endif // TLC_IR_LLAMA_LLAMACONFIG_H
