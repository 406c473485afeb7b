//===- tokenizer/LlamaTokenizer.cpp - Llama vocabularies from GGUF --------===//
//
// Validation of the tokenizer.ggml.* metadata, and decoding. Encoding is
// tokenizer/SpmEncoder.cpp. The decoder follows SentencePieceProcessor::
// Decode of sentencepiece 0.1.97 (src/sentencepiece_processor.cc) and its
// UTF-8 reader string_util::DecodeUTF8 (src/util.cc) rule for rule; decode()
// is the streaming decoder run over all the ids. No sentencepiece code is
// linked: the tests (tests/tokenizer/) compare both with the library.
//
//===----------------------------------------------------------------------===//
#include "tokenizer/LlamaTokenizer.h"

#include "ir/Gguf.h"
#include "tokenizer/SpmEncoder.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace llvm;

namespace tlc {

namespace {

constexpr StringRef kModelKey = "tokenizer.ggml.model";
constexpr StringRef kTokensKey = "tokenizer.ggml.tokens";
constexpr StringRef kScoresKey = "tokenizer.ggml.scores";
constexpr StringRef kTypesKey = "tokenizer.ggml.token_type";
constexpr StringRef kBosKey = "tokenizer.ggml.bos_token_id";
constexpr StringRef kEosKey = "tokenizer.ggml.eos_token_id";
constexpr StringRef kUnknownKey = "tokenizer.ggml.unknown_token_id";
constexpr StringRef kPaddingKey = "tokenizer.ggml.padding_token_id";
constexpr StringRef kAddBosKey = "tokenizer.ggml.add_bos_token";
constexpr StringRef kAddEosKey = "tokenizer.ggml.add_eos_token";
constexpr StringRef kAddSpacePrefixKey = "tokenizer.ggml.add_space_prefix";
constexpr StringRef kRemoveExtraWhitespacesKey =
    "tokenizer.ggml.remove_extra_whitespaces";
constexpr StringRef kCharsmapKey = "tokenizer.ggml.precompiled_charsmap";

/// sentencepiece's whitespace symbol U+2581 and unknown surface
/// (kDefaultUnknownSymbol: " U+2047 ").
constexpr StringRef kSpaceSymbol = "\xe2\x96\x81";
constexpr StringRef kUnknownSurface = " \xe2\x81\x87 ";
constexpr StringRef kReplacementChar = "\xef\xbf\xbd"; // U+FFFD

Error tokError(StringRef file, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), (file + ": " + msg).str());
}

/// The byte of a byte piece "<0xNN>" (two uppercase hex digits, as
/// sentencepiece's ByteToPiece writes them and its PieceToByte accepts), or
/// -1.
int pieceToByte(StringRef piece) {
  if (piece.size() != 6 || !piece.startswith("<0x") || piece.back() != '>')
    return -1;
  int v = 0;
  for (char c : piece.substr(3, 2)) {
    if (c >= '0' && c <= '9')
      v = v * 16 + (c - '0');
    else if (c >= 'A' && c <= 'F')
      v = v * 16 + (c - 'A' + 10);
    else
      return -1;
  }
  return v;
}

/// Bytes spmDecodeUtf8 looks at for a character starting with \p lead: it
/// decides on those bytes alone once they are all there.
size_t utf8Length(uint8_t lead) {
  if ((lead & 0xE0) == 0xC0)
    return 2;
  if ((lead & 0xF0) == 0xE0)
    return 3;
  if ((lead & 0xF8) == 0xF0)
    return 4;
  return 1; // ASCII, or a byte no character starts with (invalid at once)
}

/// An optional special id: absent, or an unsigned integer below \p count.
Expected<std::optional<int32_t>> readSpecialId(const GgufFile &file,
                                               StringRef key, size_t count) {
  if (!file.find(key))
    return std::nullopt;
  Expected<uint64_t> v = file.getUnsigned(key);
  if (!v)
    return v.takeError();
  if (*v >= count)
    return tokError(file.name, "metadata key '" + key + "' is " + Twine(*v) +
                                   "; expected a token id below " +
                                   Twine(count) + " (the number of tokens in '" +
                                   kTokensKey + "')");
  return int32_t(*v);
}

/// An optional bool key: absent gives \p dflt.
Expected<bool> readFlag(const GgufFile &file, StringRef key, bool dflt) {
  if (!file.find(key))
    return dflt;
  return file.getBool(key);
}

} // namespace

struct LlamaTokenizer::Impl {
  std::string name;
  std::vector<std::string> pieces;
  std::vector<float> scores;
  std::vector<SpmPieceType> types;
  std::vector<int16_t> byteValue; // of byte pieces; -1 for others
  /// The id whose type decides how an id decodes: sentencepiece's Decode
  /// turns ids into pieces and back (PieceToId, which looks among the
  /// unknown, control and byte pieces first), so a normal piece that is
  /// also a control or byte piece decodes as that one.
  std::vector<int32_t> decodeAs;
  std::optional<int32_t> bos, eos, pad;
  int32_t unk = 0;
  bool addBos = false, addEos = false;
  bool byteFallback = false;
  bool addDummyPrefix = true, removeExtraWhitespaces = false;
  std::optional<SpmBpeEncoder> encoder;
};

LlamaTokenizer::LlamaTokenizer(std::unique_ptr<Impl> impl)
    : impl(std::move(impl)) {}
LlamaTokenizer::LlamaTokenizer(LlamaTokenizer &&) noexcept = default;
LlamaTokenizer &LlamaTokenizer::operator=(LlamaTokenizer &&) noexcept = default;
LlamaTokenizer::~LlamaTokenizer() = default;

bool LlamaTokenizer::hasVocabulary(const GgufFile &file) {
  return file.find(kModelKey) != nullptr;
}

Expected<LlamaTokenizer> LlamaTokenizer::fromGguf(const GgufFile &file) {
  const std::string &name = file.name;
  Expected<StringRef> model = file.getString(kModelKey);
  if (!model)
    return model.takeError();
  if (*model != "llama")
    return tokError(name, "metadata key '" + kModelKey + "' is " +
                              quotePiece(*model) +
                              "; tlc reads only 'llama' vocabularies "
                              "(SentencePiece, as Llama and TinyLlama have)");

  Expected<ArrayRef<std::string>> tokens = file.getStringArray(kTokensKey);
  if (!tokens)
    return tokens.takeError();
  const size_t n = tokens->size();
  if (n == 0)
    return tokError(name, "metadata key '" + kTokensKey + "' has no tokens");
  if (n > size_t(std::numeric_limits<int32_t>::max()))
    return tokError(name, "metadata key '" + kTokensKey + "' has " + Twine(n) +
                              " tokens; at most 2^31 - 1 are supported");

  Expected<const GgufValue *> scores =
      file.getArray(kScoresKey, GgufValueType::Float32);
  if (!scores)
    return scores.takeError();
  Expected<const GgufValue *> types =
      file.getArray(kTypesKey, GgufValueType::Int32);
  if (!types)
    return types.takeError();
  for (auto [key, count] : {std::pair<StringRef, uint64_t>{kScoresKey, (*scores)->count},
                            std::pair<StringRef, uint64_t>{kTypesKey, (*types)->count}})
    if (count != n)
      return tokError(name, "metadata key '" + key + "' has " + Twine(count) +
                                " elements; expected " + Twine(n) +
                                ", one per token of '" + kTokensKey + "'");

  auto impl = std::make_unique<Impl>();
  impl->name = name;
  impl->pieces.assign(tokens->begin(), tokens->end());
  impl->scores.resize(n);
  std::memcpy(impl->scores.data(), (*scores)->packed.data(), 4 * n);
  impl->types.resize(n);
  impl->byteValue.assign(n, -1);

  // Pieces are unique within each of sentencepiece's two maps (normal,
  // user-defined, unused; unknown, control, byte): ModelInterface::
  // InitializePieces.
  StringMap<int32_t> normalIds, reservedIds;
  std::optional<int32_t> unknownType;
  std::vector<int32_t> byteToken(256, -1);
  size_t byteTokens = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::string &piece = impl->pieces[i];
    int32_t t;
    std::memcpy(&t, (*types)->packed.data() + 4 * i, 4);
    const std::string where = "token " + std::to_string(i) + " " + quotePiece(piece);
    if (t < 1 || t > 6)
      return tokError(name, "metadata key '" + kTypesKey + "': " + where +
                                " has type " + Twine(t) +
                                "; expected 1 (normal), 2 (unknown), 3 "
                                "(control), 4 (user-defined), 5 (unused) or 6 "
                                "(byte)");
    SpmPieceType type = SpmPieceType(t);
    impl->types[i] = type;
    if (std::isnan(impl->scores[i]))
      return tokError(name, "metadata key '" + kScoresKey + "': " + where +
                                " has score NaN");
    if (piece.empty())
      return tokError(name, "metadata key '" + kTokensKey + "': token " +
                                Twine(i) + " is empty");
    bool normal = type == SpmPieceType::Normal ||
                  type == SpmPieceType::UserDefined ||
                  type == SpmPieceType::Unused;
    auto [it, inserted] =
        (normal ? normalIds : reservedIds).try_emplace(piece, int32_t(i));
    if (!inserted)
      return tokError(name, "metadata key '" + kTokensKey + "': tokens " +
                                Twine(it->second) + " and " + Twine(i) +
                                " are both " + quotePiece(piece) + " (types " +
                                spmPieceTypeName(impl->types[it->second]) +
                                " and " + spmPieceTypeName(type) + ")");
    if (type == SpmPieceType::Unknown) {
      if (unknownType)
        return tokError(name, "metadata key '" + kTypesKey + "': tokens " +
                                  Twine(*unknownType) + " and " + Twine(i) +
                                  " both have type 2 (unknown); SentencePiece "
                                  "allows one");
      unknownType = int32_t(i);
    }
    if (type == SpmPieceType::Byte) {
      int byte = pieceToByte(piece);
      if (byte < 0)
        return tokError(name, "metadata key '" + kTokensKey + "': " + where +
                                  " has type 6 (byte) but is not of the form "
                                  "'<0xNN>' (two uppercase hex digits)");
      impl->byteValue[i] = int16_t(byte);
      byteToken[size_t(byte)] = int32_t(i);
      ++byteTokens;
    }
  }
  if (!unknownType)
    return tokError(name, "metadata key '" + kTypesKey +
                              "': no token has type 2 (unknown); SentencePiece "
                              "needs one");
  impl->unk = *unknownType;
  if (byteTokens > 0)
    for (size_t b = 0; b < 256; ++b)
      if (byteToken[b] < 0)
        return tokError(name, "metadata key '" + kTokensKey + "': there are " +
                                  Twine(byteTokens) +
                                  " byte tokens but none for byte 0x" +
                                  spmByteToPiece(uint8_t(b)).substr(3, 2) +
                                  " ('" + spmByteToPiece(uint8_t(b)) +
                                  "'); byte fallback needs all 256");

  Expected<std::optional<int32_t>> bos = readSpecialId(file, kBosKey, n);
  if (!bos)
    return bos.takeError();
  Expected<std::optional<int32_t>> eos = readSpecialId(file, kEosKey, n);
  if (!eos)
    return eos.takeError();
  Expected<std::optional<int32_t>> pad = readSpecialId(file, kPaddingKey, n);
  if (!pad)
    return pad.takeError();
  Expected<std::optional<int32_t>> unk = readSpecialId(file, kUnknownKey, n);
  if (!unk)
    return unk.takeError();
  if (*unk && **unk != impl->unk)
    return tokError(name, "metadata key '" + kUnknownKey + "' is " +
                              Twine(**unk) + " (type " +
                              spmPieceTypeName(impl->types[size_t(**unk)]) +
                              "), but the token of type unknown is " +
                              Twine(impl->unk) + " " +
                              quotePiece(impl->pieces[size_t(impl->unk)]));
  impl->bos = *bos;
  impl->eos = *eos;
  impl->pad = *pad;
  Expected<bool> addBos = readFlag(file, kAddBosKey, impl->bos.has_value());
  if (!addBos)
    return addBos.takeError();
  if (*addBos && !impl->bos)
    return tokError(name, "metadata key '" + kAddBosKey +
                              "' is true but there is no '" + kBosKey + "'");
  impl->addBos = *addBos;
  Expected<bool> addEos = readFlag(file, kAddEosKey, false);
  if (!addEos)
    return addEos.takeError();
  if (*addEos && !impl->eos)
    return tokError(name, "metadata key '" + kAddEosKey +
                              "' is true but there is no '" + kEosKey + "'");
  impl->addEos = *addEos;

  // The normalizer: sentencepiece's "identity" (no character map), with the
  // dummy prefix and whitespace settings of the keys llama.cpp's converter
  // writes from the model's NormalizerSpec. A character map
  // (precompiled_charsmap, e.g. nmt_nfkc) is not implemented.
  if (const GgufValue *charsmap = file.find(kCharsmapKey))
    if (charsmap->type != GgufValueType::Array || charsmap->count > 0)
      return tokError(name, "metadata key '" + kCharsmapKey + "' is " +
                                (charsmap->type == GgufValueType::Array
                                     ? "an array of " + Twine(charsmap->count) +
                                           " elements"
                                     : "present") +
                                ": a SentencePiece normalization table, which "
                                "tlc does not apply (only the 'identity' "
                                "normalizer of Llama's vocabularies, with no "
                                "table, is supported)");
  Expected<bool> addDummyPrefix = readFlag(file, kAddSpacePrefixKey, true);
  if (!addDummyPrefix)
    return addDummyPrefix.takeError();
  Expected<bool> removeExtra = readFlag(file, kRemoveExtraWhitespacesKey, false);
  if (!removeExtra)
    return removeExtra.takeError();
  impl->addDummyPrefix = *addDummyPrefix;
  impl->removeExtraWhitespaces = *removeExtra;
  impl->byteFallback = byteTokens > 0;

  SpmBpeEncoder::Options options;
  options.addDummyPrefix = impl->addDummyPrefix;
  options.removeExtraWhitespaces = impl->removeExtraWhitespaces;
  options.byteFallback = impl->byteFallback;
  impl->encoder.emplace(impl->pieces, impl->scores, impl->types, impl->unk,
                        options);
  impl->decodeAs.resize(n);
  for (size_t i = 0; i < n; ++i)
    impl->decodeAs[i] = impl->encoder->pieceToId(impl->pieces[i]);
  return LlamaTokenizer(std::move(impl));
}

Error LlamaTokenizer::checkId(int32_t id) const {
  if (id < 0 || size_t(id) >= impl->pieces.size())
    return tokError(impl->name, "token id " + Twine(id) +
                                    " is out of range; the vocabulary has " +
                                    Twine(impl->pieces.size()) + " tokens");
  return Error::success();
}

Expected<std::vector<int32_t>> LlamaTokenizer::encode(StringRef text,
                                                      bool addBos) const {
  if (addBos && !impl->bos)
    return tokError(impl->name, "cannot add BOS: the vocabulary has no '" +
                                    kBosKey + "'");
  Expected<std::vector<int32_t>> ids = impl->encoder->encode(text);
  if (!ids)
    return tokError(impl->name, "cannot encode: " + toString(ids.takeError()));
  if (addBos)
    ids->insert(ids->begin(), *impl->bos);
  return ids;
}

Expected<std::string> LlamaTokenizer::decode(ArrayRef<int32_t> ids) const {
  StreamDecoder stream(*this);
  std::string text;
  for (int32_t id : ids) {
    Expected<std::string> piece = stream.decodePiece(id);
    if (!piece)
      return piece.takeError();
    text += *piece;
  }
  return text + stream.finish();
}

std::string LlamaTokenizer::normalize(StringRef text) const {
  return impl->encoder->normalize(text);
}

uint32_t LlamaTokenizer::vocabSize() const {
  return uint32_t(impl->pieces.size());
}
std::optional<int32_t> LlamaTokenizer::bosId() const { return impl->bos; }
std::optional<int32_t> LlamaTokenizer::eosId() const { return impl->eos; }
std::optional<int32_t> LlamaTokenizer::paddingId() const { return impl->pad; }
int32_t LlamaTokenizer::unknownId() const { return impl->unk; }
bool LlamaTokenizer::addBosToken() const { return impl->addBos; }
bool LlamaTokenizer::addEosToken() const { return impl->addEos; }
bool LlamaTokenizer::addsDummyPrefix() const { return impl->addDummyPrefix; }
bool LlamaTokenizer::removesExtraWhitespaces() const {
  return impl->removeExtraWhitespaces;
}
StringRef LlamaTokenizer::piece(int32_t id) const {
  return impl->pieces[size_t(id)];
}
SpmPieceType LlamaTokenizer::type(int32_t id) const {
  return impl->types[size_t(id)];
}
std::string LlamaTokenizer::modelProto() const {
  SpmModelSpec spec;
  spec.pieces = impl->pieces;
  spec.scores = impl->scores;
  spec.types = impl->types;
  spec.byteFallback = impl->byteFallback;
  spec.unkId = impl->unk;
  spec.bosId = impl->bos;
  spec.eosId = impl->eos;
  spec.padId = impl->pad;
  spec.addDummyPrefix = impl->addDummyPrefix;
  spec.removeExtraWhitespaces = impl->removeExtraWhitespaces;
  return serializeSpmModel(spec);
}
StringRef LlamaTokenizer::name() const { return impl->name; }

// --- Streaming -------------------------------------------------------------

LlamaTokenizer::StreamDecoder::StreamDecoder(const LlamaTokenizer &tokenizer)
    : tokenizer(&tokenizer) {}

void LlamaTokenizer::StreamDecoder::drainBytes(std::string &out, bool flush) {
  // Decode's ProcessBytePieces over a run of byte pieces: one character at
  // a time, each byte that starts no valid character as U+FFFD. Without
  // \p flush the run may go on, so a character whose bytes are not all
  // there yet waits for them.
  size_t offset = 0;
  while (offset < pending.size()) {
    StringRef rest = StringRef(pending).substr(offset);
    if (!flush && rest.size() < utf8Length(uint8_t(rest[0])))
      break;
    size_t len;
    if (spmDecodeUtf8(rest, len))
      out += rest.substr(0, len).str();
    else
      out += kReplacementChar.str();
    offset += len;
  }
  pending.erase(0, offset);
}

Expected<std::string> LlamaTokenizer::StreamDecoder::decodePiece(int32_t id) {
  if (Error e = tokenizer->checkId(id))
    return std::move(e);
  const Impl &t = *tokenizer->impl;
  const size_t as = size_t(t.decodeAs[size_t(id)]);
  std::string out;
  if (t.types[as] == SpmPieceType::Byte) {
    pending += char(uint8_t(t.byteValue[as]));
    drainBytes(out, /*flush=*/false);
    anyText |= !out.empty();
    return out;
  }
  drainBytes(out, /*flush=*/true);
  anyText |= !out.empty();
  // Decode's DecodeSentencePiece: a piece that starts with "▁" loses that
  // "▁" (the encoder's dummy prefix) while no text and no such piece came
  // before it (is_bos_ws, which once false stays false); only when the
  // normalizer adds a dummy prefix or removes extra whitespace. With the
  // latter, every leading "▁" piece loses its "▁" (has_bos_ws stays false).
  if (bosSpaceSeen || anyText)
    atStart = false;
  bosSpaceSeen = false;
  const bool stripsLeadingSpace =
      t.addDummyPrefix || t.removeExtraWhitespaces;
  switch (t.types[as]) {
  case SpmPieceType::Control:
    break; // <s>, </s>: nothing
  case SpmPieceType::Unknown:
    out += kUnknownSurface.str();
    break;
  default: {
    StringRef piece = t.pieces[size_t(id)];
    if (atStart && stripsLeadingSpace && piece.consume_front(kSpaceSymbol))
      bosSpaceSeen = !t.removeExtraWhitespaces;
    std::string text = piece.str();
    for (size_t at = 0; (at = text.find(kSpaceSymbol.data(), at,
                                        kSpaceSymbol.size())) != std::string::npos;
         ++at)
      text.replace(at, kSpaceSymbol.size(), " ");
    out += text;
  }
  }
  anyText |= !out.empty();
  return out;
}

std::string LlamaTokenizer::StreamDecoder::finish() {
  std::string out;
  drainBytes(out, /*flush=*/true);
  anyText = false;
  atStart = true;
  bosSpaceSeen = false;
  return out;
}

} // namespace tlc
