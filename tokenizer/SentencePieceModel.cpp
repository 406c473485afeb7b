//===- tokenizer/SentencePieceModel.cpp - A ModelProto in wire format -----===//
#include "tokenizer/SentencePieceModel.h"

#include <cstring>

using namespace llvm;

namespace tlc {

StringRef spmPieceTypeName(SpmPieceType t) {
  switch (t) {
  case SpmPieceType::Normal:
    return "normal";
  case SpmPieceType::Unknown:
    return "unknown";
  case SpmPieceType::Control:
    return "control";
  case SpmPieceType::UserDefined:
    return "user-defined";
  case SpmPieceType::Unused:
    return "unused";
  case SpmPieceType::Byte:
    return "byte";
  }
  return "?";
}

namespace {

// Protobuf wire types.
constexpr unsigned kVarint = 0, kLengthDelimited = 2, kFixed32 = 5;

// Field numbers (src/sentencepiece_model.proto; see the header).
namespace model_proto {
constexpr unsigned kPieces = 1, kTrainerSpec = 2, kNormalizerSpec = 3;
} // namespace model_proto
namespace piece {
constexpr unsigned kPiece = 1, kScore = 2, kType = 3;
} // namespace piece
namespace trainer_spec {
constexpr unsigned kModelType = 3, kVocabSize = 4, kByteFallback = 35,
                   kUnkId = 40, kBosId = 41, kEosId = 42, kPadId = 43,
                   kUnkPiece = 45, kBosPiece = 46, kEosPiece = 47,
                   kPadPiece = 48;
constexpr uint64_t kBpe = 2; // TrainerSpec.ModelType.BPE
} // namespace trainer_spec
namespace normalizer_spec {
constexpr unsigned kName = 1, kAddDummyPrefix = 3,
                   kRemoveExtraWhitespaces = 4, kEscapeWhitespaces = 5;
} // namespace normalizer_spec

void putVarint(std::string &out, uint64_t v) {
  while (v >= 0x80) {
    out += char(uint8_t(v) | 0x80);
    v >>= 7;
  }
  out += char(uint8_t(v));
}

void putKey(std::string &out, unsigned field, unsigned wireType) {
  putVarint(out, uint64_t(field) << 3 | wireType);
}

void putVarintField(std::string &out, unsigned field, uint64_t v) {
  putKey(out, field, kVarint);
  putVarint(out, v);
}

/// int32 fields: negative values are sign-extended to 64 bits (10 bytes),
/// as protobuf encodes int32.
void putInt32Field(std::string &out, unsigned field, int32_t v) {
  putVarintField(out, field, uint64_t(int64_t(v)));
}

void putBytesField(std::string &out, unsigned field, StringRef bytes) {
  putKey(out, field, kLengthDelimited);
  putVarint(out, bytes.size());
  out.append(bytes.data(), bytes.size());
}

void putFloatField(std::string &out, unsigned field, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  putKey(out, field, kFixed32);
  for (int i = 0; i < 4; ++i)
    out += char(uint8_t(bits >> (8 * i)));
}

} // namespace

std::string serializeSpmModel(const SpmModelSpec &spec) {
  std::string out, message;
  for (size_t i = 0; i < spec.pieces.size(); ++i) {
    message.clear();
    putBytesField(message, piece::kPiece, spec.pieces[i]);
    putFloatField(message, piece::kScore, spec.scores[i]);
    putVarintField(message, piece::kType, uint64_t(spec.types[i]));
    putBytesField(out, model_proto::kPieces, message);
  }

  message.clear();
  putVarintField(message, trainer_spec::kModelType, trainer_spec::kBpe);
  putInt32Field(message, trainer_spec::kVocabSize, int32_t(spec.pieces.size()));
  putVarintField(message, trainer_spec::kByteFallback, spec.byteFallback);
  struct Special {
    const std::optional<int32_t> &id;
    unsigned idField, pieceField;
  };
  for (const Special &s :
       {Special{spec.unkId, trainer_spec::kUnkId, trainer_spec::kUnkPiece},
        Special{spec.bosId, trainer_spec::kBosId, trainer_spec::kBosPiece},
        Special{spec.eosId, trainer_spec::kEosId, trainer_spec::kEosPiece},
        Special{spec.padId, trainer_spec::kPadId, trainer_spec::kPadPiece}}) {
    if (!s.id)
      continue;
    putInt32Field(message, s.idField, *s.id);
    putBytesField(message, s.pieceField, spec.pieces[size_t(*s.id)]);
  }
  putBytesField(out, model_proto::kTrainerSpec, message);

  message.clear();
  putBytesField(message, normalizer_spec::kName, "identity");
  putVarintField(message, normalizer_spec::kAddDummyPrefix, spec.addDummyPrefix);
  putVarintField(message, normalizer_spec::kRemoveExtraWhitespaces,
                 spec.removeExtraWhitespaces);
  putVarintField(message, normalizer_spec::kEscapeWhitespaces, 1);
  putBytesField(out, model_proto::kNormalizerSpec, message);
  return out;
}

} // namespace tlc
