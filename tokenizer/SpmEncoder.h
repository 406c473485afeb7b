//===- tokenizer/SpmEncoder.h - SentencePiece BPE encoding, natively -*- C++ -*-===//
//
// Text to ids for a SentencePiece BPE vocabulary with Llama's settings,
// written by tlc from SentencePiece 0.1.97's description and behaviour (the
// version Debian 12 ships; src/normalizer.cc, src/bpe_model.cc,
// src/sentencepiece_processor.cc), without linking it: Debian's
// libsentencepiece carries its own protobuf, which cannot share a process
// with the libprotobuf that ONNX brings (docs/tokenizer.md). The tests
// (tests/tokenizer/) compare every step's result with the library's.
//
// Encoding is three steps:
//  1. Normalization (normalizer "identity": no character mapping). The text
//     is read in units: the longest user-defined piece that starts there,
//     else one UTF-8 character, else one byte that starts no valid
//     character, which becomes U+FFFD. With remove_extra_whitespaces,
//     leading spaces are dropped, runs of spaces become one and trailing
//     ones go. With add_dummy_prefix, "▁" (U+2581) goes in front of any
//     non-empty result. Every space (U+0020) becomes "▁".
//  2. BPE on the normalized text. It is cut into symbols: the longest
//     user-defined piece at each position (never merged again), else one
//     UTF-8 character. Then, repeatedly, the adjacent pair of symbols whose
//     concatenation is a normal, user-defined or unused piece with the
//     highest score is merged, the leftmost pair on equal scores, until no
//     pair is a piece. A symbol that is an unused piece is split back into
//     the two symbols it was last formed from (recursively).
//  3. Ids. Each symbol's id is looked up among the unknown, control and byte
//     pieces first, then among the others; one found nowhere is unknown.
//     With byte fallback an unknown symbol becomes the byte pieces
//     "<0xNN>" of its UTF-8 bytes; without, consecutive unknown symbols
//     give one unknown id. A symbol that is a control piece is an error
//     (sentencepiece fails there too: the piece consumes no text).
//
// SentencePiece's trainer options such as split_digits, split_by_number,
// split_by_whitespace, max_sentencepiece_length shape the vocabulary at
// training only; BPE encoding in 0.1.97 does not read them.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOKENIZER_SPMENCODER_H
#define TLC_TOKENIZER_SPMENCODER_H

#include "tokenizer/SentencePieceModel.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tlc {

/// string_util::DecodeUTF8 of sentencepiece 0.1.97: whether the bytes at
/// the front of \p s (not empty) are one valid UTF-8 character, of \p len
/// bytes; if not, \p len = 1. A character needs all its bytes within \p s;
/// surrogates, overlong forms and code points past U+10FFFF are invalid.
bool spmDecodeUtf8(llvm::StringRef s, size_t &len);

/// sentencepiece's ByteToPiece: "<0xNN>", two uppercase hex digits.
std::string spmByteToPiece(uint8_t b);

/// A piece's text for an error message, in single quotes: printable ASCII
/// kept, other bytes as \xNN (so that "▁the" reads '\xe2\x96\x81the').
std::string quotePiece(llvm::StringRef s);

/// The BPE encoder of one vocabulary. Immutable after construction.
class SpmBpeEncoder {
public:
  struct Options {
    bool addDummyPrefix = true;          // NormalizerSpec.add_dummy_prefix
    bool removeExtraWhitespaces = false; // .remove_extra_whitespaces
    bool byteFallback = true;            // TrainerSpec.byte_fallback
  };

  /// \p pieces, \p scores and \p types are one per id and already
  /// validated as LlamaTokenizer::fromGguf does: pieces non-empty and unique
  /// within each of the two groups (normal, user-defined, unused; unknown,
  /// control, byte), \p unkId the one piece of type unknown, and with
  /// \p options.byteFallback all 256 byte pieces present.
  SpmBpeEncoder(llvm::ArrayRef<std::string> pieces, llvm::ArrayRef<float> scores,
                llvm::ArrayRef<SpmPieceType> types, int32_t unkId,
                Options options);

  /// Step 1: the normalized text of \p text.
  std::string normalize(llvm::StringRef text) const;

  /// The ids of \p text (all three steps). Errors: a symbol that is a
  /// control piece (message: the piece and its id, without a file name).
  llvm::Expected<std::vector<int32_t>> encode(llvm::StringRef text) const;

  /// sentencepiece's PieceToId: the id of \p piece among the unknown,
  /// control and byte pieces, else among the others, else the unknown id.
  int32_t pieceToId(llvm::StringRef piece) const;

private:
  /// Length of the longest user-defined piece at the front of \p s, or 0.
  size_t matchUserDefined(llvm::StringRef s) const;

  std::vector<std::string> pieces;
  std::vector<float> scores;
  std::vector<SpmPieceType> types;
  llvm::StringMap<int32_t> normalIds;   // normal, user-defined, unused
  llvm::StringMap<int32_t> reservedIds; // unknown, control, byte
  llvm::StringMap<int32_t> userDefined; // user-defined pieces
  std::vector<size_t> userDefinedLengths; // distinct lengths, longest first
  std::array<int32_t, 256> byteIds{};
  int32_t unkId;
  Options options;
};

} // namespace tlc

#endif // TLC_TOKENIZER_SPMENCODER_H
