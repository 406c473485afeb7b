//===- tokenizer/LlamaTokenizer.h - Llama vocabularies from GGUF -*- C++ -*-===//
//
// Text to token ids and back for Llama-architecture models (issue #15), from
// the vocabulary a GGUF file carries in its tokenizer.ggml.* metadata (the
// keys llama.cpp's converter writes; docs/gguf.md of ggml, "Tokenizer"):
//
//   tokenizer.ggml.model             string, must be "llama" (SentencePiece)
//   tokenizer.ggml.tokens            array of string, the pieces, by id
//   tokenizer.ggml.scores            array of float32, one per token
//   tokenizer.ggml.token_type        array of int32, one per token: 1 normal,
//                                    2 unknown, 3 control, 4 user-defined,
//                                    5 unused, 6 byte ("<0x00>".."<0xFF>")
//   tokenizer.ggml.bos_token_id      unsigned, optional
//   tokenizer.ggml.eos_token_id      unsigned, optional
//   tokenizer.ggml.unknown_token_id  unsigned, optional
//   tokenizer.ggml.padding_token_id  unsigned, optional
//   tokenizer.ggml.add_bos_token     bool, optional (default: true when a
//                                    BOS id is given)
//   tokenizer.ggml.add_eos_token     bool, optional (default: false)
//   tokenizer.ggml.add_space_prefix  bool, optional (default: true): the
//                                    normalizer's add_dummy_prefix
//   tokenizer.ggml.remove_extra_whitespaces
//                                    bool, optional (default: false)
//   tokenizer.ggml.precompiled_charsmap
//                                    must be absent or empty (a normalization
//                                    table, which tlc does not apply)
//
// Encoding and decoding are tlc's own code (tokenizer/SpmEncoder.h and
// LlamaTokenizer.cpp), written to give exactly what SentencePiece 0.1.97
// (Debian 12's) gives for the same vocabulary as a BPE model with Llama's
// settings: normalizer "identity", the dummy prefix and whitespace settings
// above, whitespace escaped as "▁", byte fallback when the vocabulary has
// byte tokens. tlc does not link libsentencepiece: Debian's
// libsentencepiece.so.0 carries its own protobuf-lite (3.14) and exports its
// symbols, and a process that also loads the system libprotobuf.so.32 (3.21,
// through ONNX) aborts at start-up in protobuf's version check. The library
// is the reference of the tests (tests/tokenizer/, a program without ONNX),
// which compare tlc's ids and text with it (docs/tokenizer.md).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOKENIZER_LLAMATOKENIZER_H
#define TLC_TOKENIZER_LLAMATOKENIZER_H

#include "tokenizer/SentencePieceModel.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tlc {

class GgufFile;

/// A SentencePiece-style (llama) vocabulary: encode text to token ids, decode
/// ids to text, all or one at a time. Immutable after construction; const
/// methods may be called from several threads.
class LlamaTokenizer {
public:
  /// Whether \p file has a vocabulary at all (a tokenizer.ggml.model key).
  /// A model without one runs from token ids only.
  static bool hasVocabulary(const GgufFile &file);

  /// Reads and validates the tokenizer.ggml.* metadata of \p file (see the
  /// file comment). Errors start with the
  /// file's name and name the key and what was expected:
  ///  - a missing or mistyped key ("no metadata key 'tokenizer.ggml.scores'",
  ///    "... has type array of int32; expected array of float32");
  ///  - tokenizer.ggml.model other than "llama";
  ///  - no tokens, or more than INT32_MAX;
  ///  - scores or token_type counts other than the token count; a NaN score;
  ///  - a token type outside 1..6;
  ///  - an empty token; a token twice among the normal, user-defined and
  ///    unused ones, or twice among the unknown, control and byte ones
  ///    (sentencepiece's rule);
  ///  - not exactly one token of type unknown (sentencepiece needs one);
  ///  - a byte token whose text is not "<0xNN>" (two uppercase hex digits),
  ///    or byte tokens for some of the 256 bytes but not all;
  ///  - special ids (bos, eos, unknown, padding) outside the vocabulary, an
  ///    unknown_token_id whose token is not of type unknown;
  ///  - add_bos_token true without a bos_token_id, add_eos_token true
  ///    without an eos_token_id;
  ///  - a non-empty precompiled_charsmap.
  static llvm::Expected<LlamaTokenizer> fromGguf(const GgufFile &file);

  LlamaTokenizer(LlamaTokenizer &&) noexcept;
  LlamaTokenizer &operator=(LlamaTokenizer &&) noexcept;
  ~LlamaTokenizer();

  /// The ids of \p text (UTF-8; each byte that starts no valid character
  /// is read as U+FFFD), as sentencepiece's Encode gives them, with the BOS
  /// id in front when \p addBos (EOS is never added: see addEosToken).
  /// Symbols missing from the vocabulary fall back to byte tokens (or the
  /// unknown token without byte tokens). Errors: \p addBos without a BOS
  /// id; a text whose symbol is a control piece (possible only in odd
  /// vocabularies where a control piece is a single character or equals a
  /// normal piece; sentencepiece fails there too).
  llvm::Expected<std::vector<int32_t>> encode(llvm::StringRef text,
                                              bool addBos) const;

  /// The text encode() runs BPE on: \p text normalized (dummy prefix "▁",
  /// spaces as "▁", malformed UTF-8 as U+FFFD, extra whitespace removed
  /// when the vocabulary asks). For tests and diagnostics.
  std::string normalize(llvm::StringRef text) const;

  /// The text of \p ids, as sentencepiece's Decode gives it: "▁" (U+2581)
  /// becomes a space, the space the encoder put in front of the text is
  /// dropped (with add_space_prefix or remove_extra_whitespaces), control tokens (BOS, EOS) give nothing, the unknown token
  /// " ⁇ ", runs of byte tokens their bytes, each byte that does not form
  /// valid UTF-8 U+FFFD. Errors: an id outside [0, vocabSize()).
  llvm::Expected<std::string> decode(llvm::ArrayRef<int32_t> ids) const;

  /// Decodes ids one at a time, for streaming generated text: the
  /// concatenation of everything decodePiece and finish return equals
  /// decode() of all the ids. Text is returned as soon as it is final; the
  /// bytes of a UTF-8 character spread over several byte tokens ("<0xE2>",
  /// "<0x9D>", "<0xA4>") are held until the character is complete. Keeps a
  /// reference to its tokenizer, which must outlive it.
  class StreamDecoder {
  public:
    explicit StreamDecoder(const LlamaTokenizer &tokenizer);
    /// The text that \p id completes (often empty for byte tokens). Errors:
    /// an id outside [0, vocabSize()).
    llvm::Expected<std::string> decodePiece(int32_t id);
    /// The held bytes of an unfinished UTF-8 character, each as U+FFFD;
    /// the decoder then starts over as for a new sequence.
    std::string finish();

  private:
    /// Appends the complete characters at the front of `pending` (all of it
    /// when \p flush) to \p out.
    void drainBytes(std::string &out, bool flush);

    const LlamaTokenizer *tokenizer;
    std::string pending; // bytes of consecutive byte tokens not yet output
    // The state of sentencepiece's Decode loop:
    bool anyText = false;      // whether any text was output (text)
    bool atStart = true;       // a leading "▁" is still to drop (is_bos_ws)
    bool bosSpaceSeen = false; // the last non-byte piece's leading "▁" was
                               // dropped (bos_ws_seen)
  };

  /// Number of tokens (ids are 0 .. vocabSize() - 1).
  uint32_t vocabSize() const;
  /// tokenizer.ggml.bos_token_id, if given.
  std::optional<int32_t> bosId() const;
  /// tokenizer.ggml.eos_token_id, if given.
  std::optional<int32_t> eosId() const;
  /// tokenizer.ggml.padding_token_id, if given.
  std::optional<int32_t> paddingId() const;
  /// The token of type unknown (tokenizer.ggml.unknown_token_id must agree).
  int32_t unknownId() const;
  /// tokenizer.ggml.add_bos_token (default: whether a BOS id is given):
  /// whether a prompt starts with BOS.
  bool addBosToken() const;
  /// tokenizer.ggml.add_eos_token (default: false): whether a prompt ends
  /// with EOS. encode() does not add it.
  bool addEosToken() const;
  /// tokenizer.ggml.add_space_prefix (default: true).
  bool addsDummyPrefix() const;
  /// tokenizer.ggml.remove_extra_whitespaces (default: false).
  bool removesExtraWhitespaces() const;

  /// The piece of \p id, e.g. "▁the", "<0x0A>", "<s>"; \p id must be valid.
  llvm::StringRef piece(int32_t id) const;
  /// The type of \p id; \p id must be valid.
  SpmPieceType type(int32_t id) const;
  /// The vocabulary and settings as a serialized sentencepiece ModelProto
  /// (tokenizer/SentencePieceModel.h), built on each call: for the tests,
  /// which load it into the library to compare; tlc itself does not use it.
  std::string modelProto() const;
  /// The file name errors are reported with.
  llvm::StringRef name() const;

private:
  struct Impl;
  explicit LlamaTokenizer(std::unique_ptr<Impl> impl);
  llvm::Error checkId(int32_t id) const;
  std::unique_ptr<Impl> impl;
};

} // namespace tlc

#endif // TLC_TOKENIZER_LLAMATOKENIZER_H
