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
//
// The pieces, scores and types are turned into a SentencePiece BPE model
// (tokenizer/SentencePieceModel.h) with Llama's settings (normalizer
// "identity", a dummy prefix space, whitespace kept, byte fallback when the
// vocabulary has byte tokens) and handed to Debian's libsentencepiece
// (0.1.97), which does the encoding and decoding; tlc's own code here only
// validates the metadata and decodes a stream of ids piece by piece the way
// sentencepiece decodes them all at once.
//
// Linking: Debian's libsentencepiece.so.0 carries its own protobuf-lite
// (3.14) and exports its symbols; a process that also loads the system
// libprotobuf.so.32 (3.21, through ONNX: tlc_onnx, onnx_proto) aborts at
// start-up in protobuf's version check, whichever comes first. So
// tlc_tokenizer must not be linked into a program that links tlc_onnx or
// protobuf; its tests are their own executable (tests/tokenizer/).
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
  /// file comment) and loads it into sentencepiece. Errors start with the
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
  ///  - add_bos_token true without a bos_token_id;
  ///  - sentencepiece refusing the model (its message).
  static llvm::Expected<LlamaTokenizer> fromGguf(const GgufFile &file);

  LlamaTokenizer(LlamaTokenizer &&) noexcept;
  LlamaTokenizer &operator=(LlamaTokenizer &&) noexcept;
  ~LlamaTokenizer();

  /// The ids of \p text (UTF-8; sentencepiece maps each invalid byte to
  /// U+FFFD before encoding), as sentencepiece's Encode gives them, with
  /// the BOS id in front when \p addBos. Pieces missing from the vocabulary
  /// fall back to byte tokens (or the unknown token without byte tokens).
  /// Errors: \p addBos without a BOS id; sentencepiece failing.
  llvm::Expected<std::vector<int32_t>> encode(llvm::StringRef text,
                                              bool addBos) const;

  /// The text of \p ids, as sentencepiece's Decode gives it: "▁" (U+2581)
  /// becomes a space, the space the encoder put in front of the text is
  /// dropped, control tokens (BOS, EOS) give nothing, the unknown token
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

  /// The piece of \p id, e.g. "▁the", "<0x0A>", "<s>"; \p id must be valid.
  llvm::StringRef piece(int32_t id) const;
  /// The type of \p id; \p id must be valid.
  SpmPieceType type(int32_t id) const;
  /// The serialized sentencepiece ModelProto built from the metadata.
  const std::string &modelProto() const;
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
