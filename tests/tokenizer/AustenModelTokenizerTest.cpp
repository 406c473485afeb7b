//===- tests/tokenizer/AustenModelTokenizerTest.cpp - the demo model's vocabulary ===//
//
// The acceptance test of tlc's tokenizer on a real model's vocabulary: the
// demo model models/austen/austen.gguf (tools/train_austen_llama.py; 4,096
// SentencePiece BPE pieces with byte fallback, trained on five of Jane
// Austen's novels) against sentencepiece loading the same vocabulary's own
// file, models/austen/austen.model. Text: 200 printed lines of Persuasion,
// the novel that neither the vocabulary nor the model saw
// (tests/data/austen/held_out_lines.txt, written by the training script).
// For every line: tlc's ids equal the library's (with and without BOS),
// tlc's decoding of them gives the line back and equals the library's, and
// streaming one id at a time gives the same text.
//
//===----------------------------------------------------------------------===//
#include "tokenizer/LlamaTokenizer.h"

#include "ir/Gguf.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>
#include <sentencepiece_processor.h>

using namespace llvm;
using namespace tlc;

namespace {

const std::string kModelDir = TLC_SOURCE_DIR "/models/austen/";
const std::string kHeldOut =
    TLC_SOURCE_DIR "/tests/data/austen/held_out_lines.txt";

std::string errText(Error e) { return toString(std::move(e)); }

/// tlc's tokenizer from the demo model's GGUF metadata.
const LlamaTokenizer &austenTokenizer() {
  static const LlamaTokenizer tok = [] {
    Expected<GgufFile> f = readGgufFile(kModelDir + "austen.gguf");
    if (!f) {
      fprintf(stderr, "%s\n", errText(f.takeError()).c_str());
      abort();
    }
    Expected<LlamaTokenizer> t = LlamaTokenizer::fromGguf(*f);
    if (!t) {
      fprintf(stderr, "%s\n", errText(t.takeError()).c_str());
      abort();
    }
    return std::move(*t);
  }();
  return tok;
}

/// sentencepiece loading austen.model, the file the vocabulary was trained as.
const sentencepiece::SentencePieceProcessor &austenLibrary() {
  static const auto sp = [] {
    auto p = std::make_unique<sentencepiece::SentencePieceProcessor>();
    sentencepiece::util::Status s = p->Load(kModelDir + "austen.model");
    if (!s.ok()) {
      fprintf(stderr, "austen.model: %s\n", s.ToString().c_str());
      abort();
    }
    return p;
  }();
  return *sp;
}

std::vector<std::string> heldOutLines() {
  std::vector<std::string> lines;
  auto buf = MemoryBuffer::getFile(kHeldOut);
  if (!buf) {
    ADD_FAILURE() << "cannot read " << kHeldOut;
    return lines;
  }
  SmallVector<StringRef, 256> parts;
  (*buf)->getBuffer().split(parts, '\n', -1, /*KeepEmpty=*/false);
  for (StringRef p : parts)
    lines.push_back(p.str());
  return lines;
}

TEST(AustenModelTokenizer, VocabularyIsTheTrainedOne) {
  const LlamaTokenizer &tok = austenTokenizer();
  const sentencepiece::SentencePieceProcessor &sp = austenLibrary();
  ASSERT_EQ(tok.vocabSize(), uint64_t(sp.GetPieceSize()));
  EXPECT_EQ(tok.vocabSize(), 4096u);
  size_t bytes = 0;
  for (int i = 0; i < sp.GetPieceSize(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(tok.piece(i), sp.IdToPiece(i));
    EXPECT_EQ(tok.type(i) == SpmPieceType::Byte, sp.IsByte(i));
    bytes += sp.IsByte(i);
  }
  EXPECT_EQ(bytes, 256u);
  EXPECT_EQ(tok.unknownId(), 0);
  EXPECT_EQ(tok.bosId(), std::optional<int32_t>(1));
  EXPECT_EQ(tok.eosId(), std::optional<int32_t>(2));
  EXPECT_TRUE(tok.addBosToken());
  EXPECT_EQ(sp.unk_id(), 0);
  EXPECT_EQ(sp.bos_id(), 1);
  EXPECT_EQ(sp.eos_id(), 2);
}

TEST(AustenModelTokenizer, HeldOutLinesAsSentencePiece) {
  const LlamaTokenizer &tok = austenTokenizer();
  const sentencepiece::SentencePieceProcessor &sp = austenLibrary();
  std::vector<std::string> lines = heldOutLines();
  ASSERT_EQ(lines.size(), 200u);
  size_t tokens = 0, byteTokens = 0, mismatches = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string &text = lines[i];
    SCOPED_TRACE("line " + std::to_string(i) + ": \"" + text + "\"");
    std::vector<int> lib;
    ASSERT_TRUE(sp.Encode(text, &lib).ok());
    std::vector<int32_t> want(lib.begin(), lib.end());

    Expected<std::vector<int32_t>> ids = tok.encode(text, /*addBos=*/false);
    ASSERT_TRUE(bool(ids)) << errText(ids.takeError());
    EXPECT_EQ(*ids, want);
    mismatches += *ids != want;
    Expected<std::vector<int32_t>> withBos = tok.encode(text, /*addBos=*/true);
    ASSERT_TRUE(bool(withBos)) << errText(withBos.takeError());
    want.insert(want.begin(), 1);
    EXPECT_EQ(*withBos, want);

    Expected<std::string> decoded = tok.decode(*ids);
    ASSERT_TRUE(bool(decoded)) << errText(decoded.takeError());
    EXPECT_EQ(*decoded, text); // round trip
    std::string libDecoded;
    ASSERT_TRUE(sp.Decode(lib, &libDecoded).ok());
    EXPECT_EQ(*decoded, libDecoded);

    LlamaTokenizer::StreamDecoder stream(tok);
    std::string streamed;
    for (int32_t id : *withBos) {
      Expected<std::string> s = stream.decodePiece(id);
      ASSERT_TRUE(bool(s)) << errText(s.takeError());
      streamed += *s;
    }
    streamed += stream.finish();
    EXPECT_EQ(streamed, text);

    tokens += ids->size();
    for (int32_t id : *ids)
      byteTokens += tok.type(id) == SpmPieceType::Byte;
  }
  EXPECT_EQ(mismatches, 0u);
  // The vocabulary is a real one: most words are one piece or a few.
  size_t chars = 0;
  for (const std::string &l : lines)
    chars += l.size();
  EXPECT_GT(double(chars) / double(tokens), 3.0)
      << tokens << " tokens for " << chars << " bytes";
  RecordProperty("tokens", int(tokens));
  RecordProperty("byte_tokens", int(byteTokens));
}

// Text outside the novels' alphabet falls back to byte tokens, as in the
// library, and still round-trips.
TEST(AustenModelTokenizer, OtherTextAsSentencePiece) {
  const LlamaTokenizer &tok = austenTokenizer();
  const sentencepiece::SentencePieceProcessor &sp = austenLibrary();
  const char *texts[] = {
      "It is a truth universally acknowledged, that a single man in possession",
      "_You_ want to tell me -- in 1811, \xc2\xa3" "2,000 a year!",
      "caf\xc3\xa9 na\xc3\xafve \xe2\x80\x94 \xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x9d\xa4\xef\xb8\x8f",
      "  two leading spaces,   three inside, and a tab\there\nand a newline ",
      "Darcy Bingley Elinor Marianne Fanny Catherine Emma Knightley Anne"};
  for (const char *text : texts) {
    SCOPED_TRACE(text);
    std::vector<int> lib;
    ASSERT_TRUE(sp.Encode(text, &lib).ok());
    Expected<std::vector<int32_t>> ids = tok.encode(text, /*addBos=*/false);
    ASSERT_TRUE(bool(ids)) << errText(ids.takeError());
    EXPECT_EQ(*ids, std::vector<int32_t>(lib.begin(), lib.end()));
    Expected<std::string> decoded = tok.decode(*ids);
    ASSERT_TRUE(bool(decoded)) << errText(decoded.takeError());
    EXPECT_EQ(*decoded, text);
  }
  // Byte fallback was exercised: the heart is not a piece.
  Expected<std::vector<int32_t>> heart = tok.encode("\xe2\x9d\xa4", false);
  ASSERT_TRUE(bool(heart)) << errText(heart.takeError());
  ASSERT_FALSE(heart->empty());
  EXPECT_EQ(tok.type(heart->back()), SpmPieceType::Byte);
}

} // namespace
