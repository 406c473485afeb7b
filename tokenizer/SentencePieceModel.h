//===- tokenizer/SentencePieceModel.h - A ModelProto in wire format -*- C++ -*-===//
//
// SentencePiece loads its models from a serialized protobuf message,
// sentencepiece.ModelProto. tlc encodes and decodes by itself
// (LlamaTokenizer.h); it writes a GGUF vocabulary as a ModelProto so that
// the tests can load the very same vocabulary and settings into Debian's
// libsentencepiece and compare. That package ships no header for the
// message (only sentencepiece_processor.h and sentencepiece_trainer.h), and
// tlc's own protobuf (for ONNX) must not be mixed with the copy inside
// libsentencepiece, so tlc writes the few fields it needs in protobuf's wire
// format by hand
// (https://protobuf.dev/programming-guides/encoding/): a field is a varint key
// (field number << 3 | wire type) and a value: wire type 0 a varint, 2 a
// varint length and that many bytes (strings, nested messages), 5 four
// little-endian bytes (float).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOKENIZER_SENTENCEPIECEMODEL_H
#define TLC_TOKENIZER_SENTENCEPIECEMODEL_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tlc {

/// sentencepiece.ModelProto.SentencePiece.Type (src/sentencepiece_model.proto
/// of sentencepiece); llama.cpp's token types (GGUF tokenizer.ggml.token_type,
/// gguf-py's TokenType) use the same numbers.
enum class SpmPieceType : int32_t {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

/// "normal", "unknown", "control", "user-defined", "unused", "byte"; "?" for
/// anything else.
llvm::StringRef spmPieceTypeName(SpmPieceType t);

/// The settings of a BPE SentencePiece model that tlc writes. The defaults
/// are those of Llama's tokenizer.model (normalizer "identity", a dummy
/// prefix space, whitespace kept as it is, byte fallback).
struct SpmModelSpec {
  llvm::ArrayRef<std::string> pieces;
  llvm::ArrayRef<float> scores;       // one per piece
  llvm::ArrayRef<SpmPieceType> types; // one per piece
  bool byteFallback = true;
  /// Special ids, written with their pieces (trainer_spec unk/bos/eos/pad
  /// ids and pieces); sentencepiece's bos_id() and friends look the pieces
  /// up. Absent ones are left out (sentencepiece's defaults then apply).
  std::optional<int32_t> unkId, bosId, eosId, padId;
  bool addDummyPrefix = true;
  bool removeExtraWhitespaces = false;
};

/// The serialized sentencepiece.ModelProto of \p spec, model type BPE. Field
/// numbers from src/sentencepiece_model.proto of sentencepiece (v0.1.97,
/// the version Debian 12 ships; checked by tools/make_tokenizer_testdata.py
/// against a model that sentencepiece's trainer wrote):
///   ModelProto: pieces = 1 (repeated SentencePiece), trainer_spec = 2,
///     normalizer_spec = 3;
///   SentencePiece: piece = 1 (string), score = 2 (float), type = 3 (enum);
///   TrainerSpec: model_type = 3 (UNIGRAM = 1, BPE = 2), vocab_size = 4,
///     byte_fallback = 35, unk_id = 40, bos_id = 41, eos_id = 42,
///     pad_id = 43, unk_piece = 45, bos_piece = 46, eos_piece = 47,
///     pad_piece = 48;
///   NormalizerSpec: name = 1, add_dummy_prefix = 3,
///     remove_extra_whitespaces = 4, escape_whitespaces = 5.
/// The caller validates \p spec (sizes agree, ids index pieces); this only
/// encodes.
std::string serializeSpmModel(const SpmModelSpec &spec);

} // namespace tlc

#endif // TLC_TOKENIZER_SENTENCEPIECEMODEL_H
