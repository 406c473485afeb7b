//===- tests/tokenizer/TokenizerTest.cpp - LlamaTokenizer against sentencepiece ===//
//
// tests/data/tokenizer/ (tools/make_tokenizer_testdata.py): a 512-piece BPE
// vocabulary with byte fallback trained by sentencepiece on five of Jane
// Austen's novels, as GGUF metadata (tiny_tok.gguf) and as sentencepiece's
// own file (tiny_tok.model), and cases.json: 200 held-out lines of
// Persuasion and edge cases, each with the ids and decoded text that
// Python's sentencepiece gave. Two references: those ids, and the C++
// library loading tiny_tok.model directly (not through tlc's ModelProto).
//
// A program of its own, not part of tlc_unit_tests: see
// tokenizer/LlamaTokenizer.h ("Linking").
//
//===----------------------------------------------------------------------===//
#include "tokenizer/LlamaTokenizer.h"

#include "ir/Gguf.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>
#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstring>
#include <random>

using namespace llvm;
using namespace tlc;

namespace {

const std::string kDataDir = TLC_SOURCE_DIR "/tests/data/tokenizer/";

struct Case {
  std::string name, text, decoded;
  std::vector<int32_t> ids;
  bool roundTrips = false;
};

struct TestData {
  std::vector<Case> heldOut, edge;
  int64_t vocabSize = 0, bos = -1, eos = -1, unk = -1;
};

std::string errText(Error e) { return toString(std::move(e)); }

std::vector<Case> readCases(const json::Array &arr) {
  std::vector<Case> out;
  for (const json::Value &v : arr) {
    const json::Object &o = *v.getAsObject();
    Case c;
    c.name = o.getString("name")->str();
    c.text = o.getString("text")->str();
    c.decoded = o.getString("decoded")->str();
    c.roundTrips = *o.getBoolean("round_trips");
    for (const json::Value &id : *o.getArray("ids"))
      c.ids.push_back(int32_t(*id.getAsInteger()));
    out.push_back(std::move(c));
  }
  return out;
}

const TestData &testData() {
  static const TestData data = [] {
    TestData d;
    auto buf = MemoryBuffer::getFile(kDataDir + "cases.json");
    if (!buf) {
      ADD_FAILURE() << "cannot read " << kDataDir << "cases.json";
      return d;
    }
    Expected<json::Value> v = json::parse((*buf)->getBuffer());
    if (!v) {
      ADD_FAILURE() << "cases.json: " << errText(v.takeError());
      return d;
    }
    const json::Object &o = *v->getAsObject();
    d.heldOut = readCases(*o.getArray("held_out"));
    d.edge = readCases(*o.getArray("edge_cases"));
    d.vocabSize = *o.getInteger("vocab_size");
    d.bos = *o.getInteger("bos_id");
    d.eos = *o.getInteger("eos_id");
    d.unk = *o.getInteger("unk_id");
    return d;
  }();
  return data;
}

const GgufFile &ggufFile() {
  static const GgufFile file = [] {
    Expected<GgufFile> f = readGgufFile(kDataDir + "tiny_tok.gguf");
    if (!f) {
      ADD_FAILURE() << errText(f.takeError());
      return GgufFile();
    }
    return std::move(*f);
  }();
  return file;
}

const LlamaTokenizer &tokenizer() {
  static const LlamaTokenizer tok = [] {
    Expected<LlamaTokenizer> t = LlamaTokenizer::fromGguf(ggufFile());
    if (!t) {
      // Every test that uses it fails; abort rather than use a bad object.
      fprintf(stderr, "%s\n", errText(t.takeError()).c_str());
      abort();
    }
    return std::move(*t);
  }();
  return tok;
}

/// sentencepiece loading tiny_tok.model itself.
const sentencepiece::SentencePieceProcessor &directModel() {
  static const auto sp = [] {
    auto p = std::make_unique<sentencepiece::SentencePieceProcessor>();
    sentencepiece::util::Status s = p->Load(kDataDir + "tiny_tok.model");
    if (!s.ok()) {
      fprintf(stderr, "tiny_tok.model: %s\n", s.ToString().c_str());
      abort();
    }
    return p;
  }();
  return *sp;
}

std::vector<int32_t> encodeOrFail(const LlamaTokenizer &tok, StringRef text,
                                  bool addBos) {
  Expected<std::vector<int32_t>> ids = tok.encode(text, addBos);
  if (!ids) {
    ADD_FAILURE() << errText(ids.takeError());
    return {};
  }
  return *ids;
}

std::string decodeOrFail(const LlamaTokenizer &tok, ArrayRef<int32_t> ids) {
  Expected<std::string> s = tok.decode(ids);
  if (!s) {
    ADD_FAILURE() << errText(s.takeError());
    return {};
  }
  return *s;
}

/// decodePiece over \p ids, then finish(); every chunk in \p chunks.
std::string streamDecode(const LlamaTokenizer &tok, ArrayRef<int32_t> ids,
                         std::vector<std::string> *chunks = nullptr) {
  LlamaTokenizer::StreamDecoder stream(tok);
  std::string out;
  for (int32_t id : ids) {
    Expected<std::string> s = stream.decodePiece(id);
    if (!s) {
      ADD_FAILURE() << errText(s.takeError());
      return out;
    }
    if (chunks)
      chunks->push_back(*s);
    out += *s;
  }
  std::string rest = stream.finish();
  if (chunks)
    chunks->push_back(rest);
  return out + rest;
}

bool isValidUtf8(StringRef s) {
  for (size_t i = 0; i < s.size();) {
    uint8_t b = uint8_t(s[i]);
    size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3
                         : (b & 0xF8) == 0xF0    ? 4
                                                 : 0;
    if (n == 0 || i + n > s.size())
      return false;
    for (size_t j = 1; j < n; ++j)
      if ((uint8_t(s[i + j]) & 0xC0) != 0x80)
        return false;
    i += n;
  }
  return true;
}

std::vector<int32_t> withBos(int32_t bos, std::vector<int32_t> ids) {
  ids.insert(ids.begin(), bos);
  return ids;
}

int32_t byteId(const LlamaTokenizer &tok, unsigned b);

TEST(Tokenizer, TestDataIsThere) {
  const TestData &d = testData();
  EXPECT_EQ(d.heldOut.size(), 200u);
  EXPECT_GE(d.edge.size(), 20u);
  EXPECT_EQ(tokenizer().vocabSize(), uint64_t(d.vocabSize));
  EXPECT_EQ(tokenizer().bosId(), std::optional<int32_t>(int32_t(d.bos)));
  EXPECT_EQ(tokenizer().eosId(), std::optional<int32_t>(int32_t(d.eos)));
  EXPECT_EQ(tokenizer().unknownId(), d.unk);
  EXPECT_EQ(tokenizer().paddingId(), std::nullopt);
  EXPECT_TRUE(tokenizer().addBosToken());
  EXPECT_EQ(directModel().GetPieceSize(), d.vocabSize);
}

// The vocabulary tlc rebuilt from GGUF is the trained model's, piece by
// piece, and sentencepiece reads tlc's ModelProto as the same kind of model.
TEST(Tokenizer, ModelProtoHasTheTrainedPieces) {
  const LlamaTokenizer &tok = tokenizer();
  const sentencepiece::SentencePieceProcessor &sp = directModel();
  sentencepiece::SentencePieceProcessor ours;
  ASSERT_TRUE(ours.LoadFromSerializedProto(tok.modelProto()).ok());
  ASSERT_EQ(ours.GetPieceSize(), sp.GetPieceSize());
  size_t bytes = 0;
  for (int i = 0; i < sp.GetPieceSize(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(tok.piece(i), sp.IdToPiece(i));
    EXPECT_EQ(ours.IdToPiece(i), sp.IdToPiece(i));
    EXPECT_EQ(ours.GetScore(i), sp.GetScore(i));
    EXPECT_EQ(ours.IsByte(i), sp.IsByte(i));
    EXPECT_EQ(ours.IsControl(i), sp.IsControl(i));
    EXPECT_EQ(ours.IsUnknown(i), sp.IsUnknown(i));
    EXPECT_EQ(ours.IsUnused(i), sp.IsUnused(i));
    EXPECT_EQ(tok.type(i) == SpmPieceType::Byte, sp.IsByte(i));
    bytes += sp.IsByte(i);
  }
  EXPECT_EQ(bytes, 256u);
  EXPECT_EQ(ours.bos_id(), sp.bos_id());
  EXPECT_EQ(ours.eos_id(), sp.eos_id());
  EXPECT_EQ(ours.unk_id(), sp.unk_id());
  EXPECT_EQ(ours.pad_id(), sp.pad_id());
}

void expectEncodesLikeSentencePiece(const std::vector<Case> &cases) {
  const LlamaTokenizer &tok = tokenizer();
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name + ": \"" + c.text + "\"");
    std::vector<int32_t> ids = encodeOrFail(tok, c.text, /*addBos=*/false);
    EXPECT_EQ(ids, c.ids);
    std::vector<int> direct;
    ASSERT_TRUE(directModel().Encode(c.text, &direct).ok());
    EXPECT_EQ(ids, std::vector<int32_t>(direct.begin(), direct.end()));
    EXPECT_EQ(encodeOrFail(tok, c.text, /*addBos=*/true),
              withBos(*tok.bosId(), c.ids));
  }
}

TEST(Tokenizer, HeldOutLinesEncodeAsSentencePiece) {
  ASSERT_EQ(testData().heldOut.size(), 200u);
  expectEncodesLikeSentencePiece(testData().heldOut);
}

TEST(Tokenizer, EdgeCasesEncodeAsSentencePiece) {
  ASSERT_FALSE(testData().edge.empty());
  expectEncodesLikeSentencePiece(testData().edge);
}

// Byte fallback is exercised: characters outside the 512 pieces (é, £,
// emoji, CJK) come out as byte tokens, and a text that merely looks like a
// control or byte piece is plain text.
TEST(Tokenizer, ByteFallbackAndLookalikes) {
  const LlamaTokenizer &tok = tokenizer();
  std::vector<int32_t> heart = encodeOrFail(tok, "\xe2\x9d\xa4", false);
  ASSERT_GE(heart.size(), 3u);
  std::vector<std::string> tail;
  for (size_t i = heart.size() - 3; i < heart.size(); ++i)
    tail.push_back(tok.piece(heart[i]).str());
  EXPECT_EQ(tail, (std::vector<std::string>{"<0xE2>", "<0x9D>", "<0xA4>"}));
  // ('<' and '>' are rare in Austen: they come out as byte tokens.)
  const char *lookalikes = "<s></s><unk><0x41>";
  std::vector<int32_t> ids = encodeOrFail(tok, lookalikes, false);
  for (int32_t id : ids) {
    EXPECT_NE(tok.type(id), SpmPieceType::Control);
    EXPECT_NE(tok.type(id), SpmPieceType::Unknown);
  }
  EXPECT_EQ(std::count(ids.begin(), ids.end(), byteId(tok, '<')), 4);
  EXPECT_EQ(decodeOrFail(tok, ids), lookalikes);
}

TEST(Tokenizer, DecodeGivesSentencePiecesTextAndRoundTrips) {
  const LlamaTokenizer &tok = tokenizer();
  size_t roundTrips = 0;
  for (const std::vector<Case> *cases : {&testData().heldOut, &testData().edge})
    for (const Case &c : *cases) {
      SCOPED_TRACE(c.name);
      std::string text = decodeOrFail(tok, c.ids);
      EXPECT_EQ(text, c.decoded);
      EXPECT_EQ(decodeOrFail(tok, withBos(*tok.bosId(), c.ids)), c.decoded);
      if (c.roundTrips) {
        EXPECT_EQ(decodeOrFail(tok, encodeOrFail(tok, c.text, true)), c.text);
        ++roundTrips;
      }
    }
  // All held-out lines and all edge cases but the one with literal "▁"s.
  EXPECT_GE(roundTrips, 224u);
}

TEST(Tokenizer, StreamingConcatenatesToDecode) {
  const LlamaTokenizer &tok = tokenizer();
  for (const std::vector<Case> *cases : {&testData().heldOut, &testData().edge})
    for (const Case &c : *cases) {
      SCOPED_TRACE(c.name);
      std::vector<int32_t> ids = withBos(*tok.bosId(), c.ids);
      ids.push_back(*tok.eosId());
      std::vector<std::string> chunks;
      EXPECT_EQ(streamDecode(tok, ids, &chunks), decodeOrFail(tok, ids));
      EXPECT_EQ(streamDecode(tok, c.ids), decodeOrFail(tok, c.ids));
      // Text from valid UTF-8 streams out in whole characters.
      if (c.roundTrips) {
        for (const std::string &chunk : chunks)
          EXPECT_TRUE(isValidUtf8(chunk)) << "chunk \"" << chunk << "\"";
      }
    }
}

// A character spread over byte tokens appears when its last byte does.
TEST(Tokenizer, StreamingHoldsIncompleteCharacters) {
  const LlamaTokenizer &tok = tokenizer();
  std::vector<int32_t> ids = encodeOrFail(tok, "a\xe2\x9d\xa4", false);
  std::vector<std::string> chunks;
  std::string text = streamDecode(tok, ids, &chunks);
  EXPECT_EQ(text, "a\xe2\x9d\xa4");
  ASSERT_EQ(chunks.size(), ids.size() + 1);
  size_t n = ids.size();
  EXPECT_EQ(chunks[n - 3], "");
  EXPECT_EQ(chunks[n - 2], "");
  EXPECT_EQ(chunks[n - 1], "\xe2\x9d\xa4");
  EXPECT_EQ(chunks[n], ""); // finish()
}

/// The id of byte piece <0xNN>.
int32_t byteId(const LlamaTokenizer &tok, unsigned b) {
  char piece[8];
  snprintf(piece, sizeof piece, "<0x%02X>", b);
  for (uint32_t i = 0; i < tok.vocabSize(); ++i)
    if (tok.piece(int32_t(i)) == piece)
      return int32_t(i);
  ADD_FAILURE() << "no piece " << piece;
  return 0;
}

int32_t pieceId(const LlamaTokenizer &tok, StringRef piece) {
  for (uint32_t i = 0; i < tok.vocabSize(); ++i)
    if (tok.piece(int32_t(i)) == piece)
      return int32_t(i);
  ADD_FAILURE() << "no piece " << piece.str();
  return 0;
}

// Sequences no encoder writes, where sentencepiece's Decode has rules of its
// own: invalid and truncated UTF-8 in byte runs, a byte run cut by another
// piece, the dropped leading space around control tokens, the unknown
// token. Streaming must agree with decode() on each.
TEST(Tokenizer, StreamingMatchesDecodeOnOddSequences) {
  const LlamaTokenizer &tok = tokenizer();
  const int32_t bos = *tok.bosId(), eos = *tok.eosId(), unk = tok.unknownId();
  const int32_t space = pieceId(tok, "\xe2\x96\x81");
  const int32_t a = pieceId(tok, "a");
  auto B = [&](unsigned b) { return byteId(tok, b); };
  std::vector<std::vector<int32_t>> seqs = {
      {space, bos, space, a},        // "▁" dropped once only
      {bos, space, space, a},        // two spaces, one dropped
      {space, space},
      {B(0xE2), B(0x9D)},            // truncated at the end
      {B(0xE2), B(0x9D), a, B(0xA4)}, // cut by a piece
      {B(0xE2), B(0x41)},            // a lead byte, then ASCII
      {B(0x80), B(0xBF), B(0xFF), B(0xC0), B(0xAF)}, // never valid
      {B(0xED), B(0xA0), B(0x80)},   // a surrogate
      {B(0xF4), B(0x90), B(0x80), B(0x80)}, // past U+10FFFF
      {B(0xEF), B(0xBF), B(0xBD)},   // U+FFFD itself
      {B(0xF0), B(0x9F), B(0x98), B(0x80), B(0xF0), B(0x9F)},
      {B(0x20), space, a},           // a byte space first: nothing dropped
      {unk, space, a},
      {space, unk, a},
      {eos, bos, B(0x41), space, a},
      {},
  };
  for (const std::vector<int32_t> &ids : seqs) {
    std::string expect = decodeOrFail(tok, ids);
    EXPECT_EQ(streamDecode(tok, ids), expect) << "sequence " << (&ids - &seqs[0]);
  }

  // Random sequences, biased to byte tokens (bytes 0x80..0xFF half the
  // time) and special tokens.
  std::mt19937 rng(15);
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<int32_t> ids(rng() % 12);
    for (int32_t &id : ids) {
      unsigned r = rng() % 8;
      if (r < 4)
        id = B(r < 2 ? 0x80 + rng() % 128 : rng() % 256);
      else if (r == 4)
        id = std::vector<int32_t>{bos, eos, unk, space}[rng() % 4];
      else
        id = int32_t(rng() % tok.vocabSize());
    }
    ASSERT_EQ(streamDecode(tok, ids), decodeOrFail(tok, ids))
        << "trial " << trial;
  }
}

// --- Bad metadata --------------------------------------------------------

GgufKeyValue *findKey(GgufFile &f, StringRef key) {
  for (GgufKeyValue &kv : f.metadata)
    if (kv.key == key)
      return &kv;
  return nullptr;
}

/// An error mentioning each of \p parts, starting with the file's name.
void expectError(GgufFile f, std::vector<std::string> parts) {
  f.reindex();
  Expected<LlamaTokenizer> t = LlamaTokenizer::fromGguf(f);
  ASSERT_FALSE(bool(t)) << "accepted";
  std::string msg = errText(t.takeError());
  EXPECT_EQ(msg.rfind(kDataDir + "tiny_tok.gguf: ", 0), 0u) << msg;
  for (const std::string &p : parts)
    EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
}

void setI32(GgufValue &arr, size_t i, int32_t v) {
  std::memcpy(arr.packed.data() + 4 * i, &v, 4);
}

TEST(TokenizerBadMetadata, WrongModel) {
  GgufFile f = ggufFile();
  findKey(f, "tokenizer.ggml.model")->value = GgufValue::ofString("gpt2");
  expectError(f, {"metadata key 'tokenizer.ggml.model' is 'gpt2'; tlc reads "
                  "only 'llama' vocabularies"});
}

TEST(TokenizerBadMetadata, MissingKeys) {
  for (const char *key : {"tokenizer.ggml.model", "tokenizer.ggml.tokens",
                          "tokenizer.ggml.scores", "tokenizer.ggml.token_type"}) {
    SCOPED_TRACE(key);
    GgufFile f = ggufFile();
    findKey(f, key)->key = "renamed.key";
    expectError(f, {std::string("no metadata key '") + key + "'"});
  }
}

TEST(TokenizerBadMetadata, WrongValueTypes) {
  GgufFile f = ggufFile();
  GgufValue &scores = findKey(f, "tokenizer.ggml.scores")->value;
  scores.elemType = GgufValueType::Int32;
  expectError(f, {"'tokenizer.ggml.scores'", "expected array of float32"});

  GgufFile g = ggufFile();
  findKey(g, "tokenizer.ggml.bos_token_id")->value = GgufValue::ofString("1");
  expectError(g, {"'tokenizer.ggml.bos_token_id'", "has type string"});
}

TEST(TokenizerBadMetadata, CountMismatch) {
  GgufFile f = ggufFile();
  GgufValue &scores = findKey(f, "tokenizer.ggml.scores")->value;
  scores.count -= 1;
  scores.packed.resize(scores.packed.size() - 4);
  expectError(f, {"metadata key 'tokenizer.ggml.scores' has 511 elements; "
                  "expected 512, one per token of 'tokenizer.ggml.tokens'"});

  GgufFile g = ggufFile();
  GgufValue &types = findKey(g, "tokenizer.ggml.token_type")->value;
  types.count += 1;
  types.packed.resize(types.packed.size() + 4);
  expectError(g, {"metadata key 'tokenizer.ggml.token_type' has 513 "
                  "elements; expected 512"});

  GgufFile h = ggufFile();
  GgufValue &tokens = findKey(h, "tokenizer.ggml.tokens")->value;
  tokens.strings.clear();
  tokens.count = 0;
  expectError(h, {"metadata key 'tokenizer.ggml.tokens' has no tokens"});
}

TEST(TokenizerBadMetadata, BadTokenType) {
  for (int32_t bad : {0, 7, -1}) {
    GgufFile f = ggufFile();
    setI32(findKey(f, "tokenizer.ggml.token_type")->value, 300, bad);
    expectError(f, {"metadata key 'tokenizer.ggml.token_type': token 300 ",
                    "has type " + std::to_string(bad) +
                        "; expected 1 (normal), 2 (unknown)"});
  }
}

TEST(TokenizerBadMetadata, UnknownTokens) {
  GgufFile f = ggufFile();
  setI32(findKey(f, "tokenizer.ggml.token_type")->value, 0, 3);
  findKey(f, "tokenizer.ggml.unknown_token_id")->key = "x.unk";
  expectError(f, {"no token has type 2 (unknown)"});

  GgufFile g = ggufFile();
  setI32(findKey(g, "tokenizer.ggml.token_type")->value, 1, 2);
  expectError(g, {"tokens 0 and 1 both have type 2 (unknown)"});

  GgufFile h = ggufFile();
  findKey(h, "tokenizer.ggml.unknown_token_id")->value = GgufValue::ofU32(5);
  expectError(h, {"metadata key 'tokenizer.ggml.unknown_token_id' is 5",
                  "the token of type unknown is 0 '<unk>'"});
}

TEST(TokenizerBadMetadata, ByteTokens) {
  const int32_t a = byteId(tokenizer(), 0x41);
  GgufFile f = ggufFile();
  findKey(f, "tokenizer.ggml.tokens")->value.strings[size_t(a)] = "<0x4g>";
  expectError(f, {"token " + std::to_string(a) + " '<0x4g>' has type 6 (byte) "
                  "but is not of the form '<0xNN>'"});

  GgufFile g = ggufFile();
  setI32(findKey(g, "tokenizer.ggml.token_type")->value, size_t(a), 1);
  expectError(g, {"there are 255 byte tokens but none for byte 0x41"});
}

TEST(TokenizerBadMetadata, DuplicateAndEmptyTokens) {
  const int32_t the = pieceId(tokenizer(), "\xe2\x96\x81the");
  GgufFile f = ggufFile();
  findKey(f, "tokenizer.ggml.tokens")->value.strings[size_t(the) + 1] =
      "\xe2\x96\x81the";
  expectError(f, {"tokens " + std::to_string(the) + " and " +
                  std::to_string(the + 1) + " are both '\\xe2\\x96\\x81the'"});

  GgufFile g = ggufFile();
  findKey(g, "tokenizer.ggml.tokens")->value.strings[400] = "";
  expectError(g, {"'tokenizer.ggml.tokens': token 400 is empty"});
}

TEST(TokenizerBadMetadata, SpecialIdsOutOfRange) {
  for (const char *key : {"tokenizer.ggml.bos_token_id",
                          "tokenizer.ggml.eos_token_id",
                          "tokenizer.ggml.unknown_token_id"}) {
    SCOPED_TRACE(key);
    GgufFile f = ggufFile();
    findKey(f, key)->value = GgufValue::ofU32(512);
    expectError(f, {std::string("metadata key '") + key + "' is 512; expected "
                    "a token id below 512"});
  }
  GgufFile g = ggufFile();
  g.metadata.push_back({"tokenizer.ggml.padding_token_id", GgufValue::ofU64(1u << 20)});
  expectError(g, {"'tokenizer.ggml.padding_token_id' is 1048576"});

  GgufFile h = ggufFile();
  findKey(h, "tokenizer.ggml.bos_token_id")->key = "x.bos";
  expectError(h, {"metadata key 'tokenizer.ggml.add_bos_token' is true but "
                  "there is no 'tokenizer.ggml.bos_token_id'"});
}

TEST(TokenizerBadMetadata, NaNScore) {
  GgufFile f = ggufFile();
  float nan = std::nanf("");
  std::memcpy(findKey(f, "tokenizer.ggml.scores")->value.packed.data() + 4 * 7,
              &nan, 4);
  expectError(f, {"'tokenizer.ggml.scores': token 7 ", "has score NaN"});
}

TEST(TokenizerBadIds, DecodeAndEncode) {
  const LlamaTokenizer &tok = tokenizer();
  for (int32_t bad : {-1, 512, INT32_MAX}) {
    Expected<std::string> s = tok.decode({5, bad});
    ASSERT_FALSE(bool(s));
    EXPECT_EQ(errText(s.takeError()),
              kDataDir + "tiny_tok.gguf: token id " + std::to_string(bad) +
                  " is out of range; the vocabulary has 512 tokens");
    LlamaTokenizer::StreamDecoder stream(tok);
    Expected<std::string> p = stream.decodePiece(bad);
    ASSERT_FALSE(bool(p));
    EXPECT_NE(errText(p.takeError()).find("is out of range"), std::string::npos);
  }
}

// Optional keys: without BOS, EOS, add_bos_token and the unknown id the
// vocabulary still loads; adding BOS is then an error.
TEST(Tokenizer, OptionalKeys) {
  GgufFile f = ggufFile();
  for (const char *key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                          "tokenizer.ggml.unknown_token_id",
                          "tokenizer.ggml.add_bos_token"})
    findKey(f, key)->key = std::string("x.") + key;
  f.metadata.push_back({"tokenizer.ggml.padding_token_id", GgufValue::ofU32(3)});
  f.reindex();
  Expected<LlamaTokenizer> t = LlamaTokenizer::fromGguf(f);
  ASSERT_TRUE(bool(t)) << errText(t.takeError());
  EXPECT_EQ(t->bosId(), std::nullopt);
  EXPECT_EQ(t->eosId(), std::nullopt);
  EXPECT_EQ(t->paddingId(), std::optional<int32_t>(3));
  EXPECT_EQ(t->unknownId(), 0);
  EXPECT_FALSE(t->addBosToken());
  EXPECT_EQ(encodeOrFail(*t, "Anne", false), encodeOrFail(tokenizer(), "Anne", false));
  Expected<std::vector<int32_t>> ids = t->encode("Anne", true);
  ASSERT_FALSE(bool(ids));
  EXPECT_NE(errText(ids.takeError()).find("cannot add BOS"), std::string::npos);

  EXPECT_TRUE(LlamaTokenizer::hasVocabulary(ggufFile()));
  GgufFile none = ggufFile();
  none.metadata.clear();
  none.reindex();
  EXPECT_FALSE(LlamaTokenizer::hasVocabulary(none));
}

// A vocabulary without byte tokens (no byte fallback): what has no piece
// becomes the unknown token, which decodes as " ⁇ ".
TEST(Tokenizer, NoByteFallback) {
  GgufFile f;
  f.name = "hand.gguf";
  std::vector<std::string> pieces = {"<unk>", "<s>", "</s>", "\xe2\x96\x81",
                                     "a", "b", "\xe2\x96\x81" "a", "ab"};
  // BPE merges the pair of highest score first: "ab" before "▁a".
  std::vector<float> score = {0, 0, 0, -5, -3, -4, -1, 0};
  std::vector<GgufValue> tokens, scores, types;
  for (size_t i = 0; i < pieces.size(); ++i) {
    tokens.push_back(GgufValue::ofString(pieces[i]));
    scores.push_back(GgufValue::ofF32(score[i]));
    types.push_back(GgufValue::ofI32(i == 0 ? 2 : i < 3 ? 3 : 1));
  }
  auto arr = [](GgufValueType t, const std::vector<GgufValue> &v) {
    return cantFail(GgufValue::ofArray(t, v));
  };
  f.metadata = {
      {"tokenizer.ggml.model", GgufValue::ofString("llama")},
      {"tokenizer.ggml.tokens", arr(GgufValueType::String, tokens)},
      {"tokenizer.ggml.scores", arr(GgufValueType::Float32, scores)},
      {"tokenizer.ggml.token_type", arr(GgufValueType::Int32, types)},
      {"tokenizer.ggml.bos_token_id", GgufValue::ofU32(1)},
      {"tokenizer.ggml.eos_token_id", GgufValue::ofU32(2)},
  };
  f.reindex();
  Expected<LlamaTokenizer> t = LlamaTokenizer::fromGguf(f);
  ASSERT_TRUE(bool(t)) << errText(t.takeError());
  EXPECT_EQ(encodeOrFail(*t, "ab a", true),
            (std::vector<int32_t>{1, 3, 7, 6}));
  std::vector<int32_t> ids = encodeOrFail(*t, "ac", false);
  EXPECT_EQ(ids, (std::vector<int32_t>{6, 0}));
  EXPECT_EQ(decodeOrFail(*t, ids), "a \xe2\x81\x87 ");
  EXPECT_EQ(streamDecode(*t, ids), "a \xe2\x81\x87 ");
}

} // namespace
