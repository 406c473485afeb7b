//===- tokenizer/SpmEncoder.cpp - SentencePiece BPE encoding, natively ----===//
//
// See SpmEncoder.h. The comments name the sentencepiece 0.1.97 function each
// part reproduces; tests/tokenizer/ compares the results with the library.
//
//===----------------------------------------------------------------------===//
#include "tokenizer/SpmEncoder.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <functional>
#include <queue>

using namespace llvm;

namespace tlc {

namespace {

constexpr StringRef kSpaceSymbol = "\xe2\x96\x81"; // U+2581
constexpr StringRef kReplacementChar = "\xef\xbf\xbd"; // U+FFFD

bool isTrailByte(uint8_t b) { return (b & 0xC0) == 0x80; }

/// string_util::OneCharLen: the length of a UTF-8 character by its first
/// byte alone (1 for ASCII and for bytes no character starts with).
size_t oneCharLen(uint8_t lead) {
  static const uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1,
                                   1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[lead >> 4];
}

/// Two hex digits (llvm::utohexstr with a width writes "000" for 0).
std::string hex2(uint8_t b, bool lowerCase) {
  return {hexdigit(b >> 4, lowerCase), hexdigit(b & 15, lowerCase)};
}

} // namespace

std::string spmByteToPiece(uint8_t b) {
  return "<0x" + hex2(b, /*lowerCase=*/false) + ">";
}

std::string quotePiece(StringRef s) {
  std::string out = "'";
  for (char c : s) {
    uint8_t b = uint8_t(c);
    if (isPrint(b) && c != '\'' && c != '\\')
      out += c;
    else
      out += "\\x" + hex2(b, /*lowerCase=*/true);
  }
  return out + "'";
}

bool spmDecodeUtf8(StringRef s, size_t &len) {
  const auto b = [&](size_t i) { return uint8_t(s[i]); };
  const auto validCodepoint = [](uint32_t c) {
    return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF);
  };
  len = 1;
  if (b(0) < 0x80)
    return true;
  if (s.size() >= 2 && (b(0) & 0xE0) == 0xC0) {
    uint32_t cp = (b(0) & 0x1Fu) << 6 | (b(1) & 0x3Fu);
    if (isTrailByte(b(1)) && cp >= 0x80 && validCodepoint(cp)) {
      len = 2;
      return true;
    }
  } else if (s.size() >= 3 && (b(0) & 0xF0) == 0xE0) {
    uint32_t cp = (b(0) & 0x0Fu) << 12 | (b(1) & 0x3Fu) << 6 | (b(2) & 0x3Fu);
    if (isTrailByte(b(1)) && isTrailByte(b(2)) && cp >= 0x800 &&
        validCodepoint(cp)) {
      len = 3;
      return true;
    }
  } else if (s.size() >= 4 && (b(0) & 0xF8) == 0xF0) {
    uint32_t cp = (b(0) & 0x07u) << 18 | (b(1) & 0x3Fu) << 12 |
                  (b(2) & 0x3Fu) << 6 | (b(3) & 0x3Fu);
    if (isTrailByte(b(1)) && isTrailByte(b(2)) && isTrailByte(b(3)) &&
        cp >= 0x10000 && validCodepoint(cp)) {
      len = 4;
      return true;
    }
  }
  return false;
}

SpmBpeEncoder::SpmBpeEncoder(ArrayRef<std::string> pieces,
                             ArrayRef<float> scores,
                             ArrayRef<SpmPieceType> types, int32_t unkId,
                             Options options)
    : pieces(pieces.begin(), pieces.end()), scores(scores.begin(), scores.end()),
      types(types.begin(), types.end()), unkId(unkId), options(options) {
  byteIds.fill(unkId);
  // ModelInterface::InitializePieces: two maps, and the user-defined pieces
  // for the prefix matcher.
  for (size_t i = 0; i < pieces.size(); ++i) {
    const SpmPieceType t = types[i];
    const bool normal = t == SpmPieceType::Normal ||
                        t == SpmPieceType::UserDefined ||
                        t == SpmPieceType::Unused;
    (normal ? normalIds : reservedIds).try_emplace(pieces[i], int32_t(i));
    if (t == SpmPieceType::UserDefined) {
      userDefined.try_emplace(pieces[i], int32_t(i));
      userDefinedLengths.push_back(pieces[i].size());
    }
  }
  // The byte pieces, found as sentencepiece finds them: PieceToId of
  // ByteToPiece(b) ("<0x%02X>").
  if (options.byteFallback)
    for (unsigned b = 0; b < 256; ++b)
      byteIds[b] = pieceToId(spmByteToPiece(uint8_t(b)));
  std::sort(userDefinedLengths.begin(), userDefinedLengths.end(),
            std::greater<size_t>());
  userDefinedLengths.erase(
      std::unique(userDefinedLengths.begin(), userDefinedLengths.end()),
      userDefinedLengths.end());
}

int32_t SpmBpeEncoder::pieceToId(StringRef piece) const {
  auto it = reservedIds.find(piece);
  if (it != reservedIds.end())
    return it->second;
  auto it2 = normalIds.find(piece);
  if (it2 != normalIds.end())
    return it2->second;
  return unkId;
}

size_t SpmBpeEncoder::matchUserDefined(StringRef s) const {
  // PrefixMatcher::PrefixMatch: the longest user-defined piece that is a
  // prefix of s.
  for (size_t len : userDefinedLengths)
    if (len <= s.size() && userDefined.count(s.substr(0, len)))
      return len;
  return 0;
}

std::string SpmBpeEncoder::normalize(StringRef text) const {
  // Normalizer::Normalize with an identity normalizer (no character map)
  // and escape_whitespaces on; treat_whitespace_as_suffix is off (Llama's
  // setting; GGUF has no key for it).
  std::string out;
  if (text.empty())
    return out;
  // NormalizePrefix: the next unit of the input and the bytes it takes.
  const auto nextUnit = [&](StringRef rest) -> std::pair<StringRef, size_t> {
    if (size_t len = matchUserDefined(rest))
      return {rest.substr(0, len), len};
    size_t len;
    if (spmDecodeUtf8(rest, len))
      return {rest.substr(0, len), len};
    return {kReplacementChar, 1}; // one byte of malformed UTF-8
  };
  const bool removeExtra = options.removeExtraWhitespaces;
  if (removeExtra)
    while (!text.empty()) {
      auto [unit, consumed] = nextUnit(text);
      if (unit != " ")
        break;
      text = text.drop_front(consumed);
    }
  if (text.empty())
    return out;
  out.reserve(text.size() * 3);
  if (options.addDummyPrefix)
    out += kSpaceSymbol;
  bool prevSpace = removeExtra;
  while (!text.empty()) {
    auto [unit, consumed] = nextUnit(text);
    // Removes spaces at the front of a unit that follows a space.
    while (prevSpace && unit.consume_front(" ")) {
    }
    if (!unit.empty()) {
      for (char c : unit) {
        if (c == ' ')
          out += kSpaceSymbol;
        else
          out += c;
      }
      prevSpace = unit.endswith(" ");
    }
    text = text.drop_front(consumed);
    if (!removeExtra)
      prevSpace = false;
  }
  if (removeExtra)
    while (StringRef(out).endswith(kSpaceSymbol))
      out.resize(out.size() - kSpaceSymbol.size());
  return out;
}

Expected<std::vector<int32_t>> SpmBpeEncoder::encode(StringRef text) const {
  const std::string normalized = normalize(text);
  const StringRef norm = normalized;
  std::vector<int32_t> ids;
  if (norm.empty())
    return ids;

  // bpe::Model::SampleEncode without dropout. Symbols are byte ranges of
  // the normalized text in a doubly linked list; a merge grows the left
  // symbol over the right one, which becomes empty.
  struct Symbol {
    int prev, next; // -1 at the ends
    bool frozen;    // a user-defined piece: never merged
    uint32_t begin, size;
  };
  std::vector<Symbol> symbols;
  for (size_t pos = 0; pos < norm.size();) {
    StringRef rest = norm.substr(pos);
    size_t len = matchUserDefined(rest);
    bool frozen = len > 0;
    if (!frozen)
      len = std::min(rest.size(), oneCharLen(uint8_t(rest[0])));
    int index = int(symbols.size());
    symbols.push_back({index - 1, pos + len < norm.size() ? index + 1 : -1,
                       frozen, uint32_t(pos), uint32_t(len)});
    pos += len;
  }
  const auto text_ = [&](const Symbol &s) {
    return norm.substr(s.begin, s.size);
  };

  // A candidate merge. The queue gives the highest score first, the
  // leftmost on equal scores. An entry whose symbols changed since it was
  // queued is stale: one of them is empty, or their sizes no longer add
  // up to `size` (symbols only grow, so the sum cannot come back).
  struct Pair {
    int left, right;
    float score;
    size_t size;
  };
  struct Lower {
    bool operator()(const Pair &a, const Pair &b) const {
      return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
  };
  std::priority_queue<Pair, std::vector<Pair>, Lower> agenda;
  // For unused pieces: the two symbols a merged string was last formed
  // from when it was queued (rev_merge), to split it back afterwards.
  StringMap<std::pair<StringRef, StringRef>> revMerge;
  const auto maybeAddPair = [&](int left, int right) {
    if (left < 0 || right < 0 || symbols[size_t(left)].frozen ||
        symbols[size_t(right)].frozen)
      return;
    const Symbol &l = symbols[size_t(left)], &r = symbols[size_t(right)];
    StringRef merged = norm.substr(l.begin, size_t(l.size) + r.size);
    auto it = normalIds.find(merged);
    if (it == normalIds.end())
      return;
    agenda.push({left, right, scores[size_t(it->second)], merged.size()});
    if (types[size_t(it->second)] == SpmPieceType::Unused)
      revMerge[merged] = {text_(l), text_(r)};
  };
  for (size_t i = 1; i < symbols.size(); ++i)
    maybeAddPair(int(i - 1), int(i));

  while (!agenda.empty()) {
    const Pair top = agenda.top();
    agenda.pop();
    Symbol &l = symbols[size_t(top.left)];
    Symbol &r = symbols[size_t(top.right)];
    if (l.size == 0 || r.size == 0 || size_t(l.size) + r.size != top.size)
      continue;
    l.size += r.size;
    l.next = r.next;
    if (r.next >= 0)
      symbols[size_t(r.next)].prev = top.left;
    r.size = 0;
    maybeAddPair(l.prev, top.left);
    maybeAddPair(top.left, l.next);
  }

  // The symbols' pieces and ids, unused pieces split back (resegment).
  std::vector<std::pair<StringRef, int32_t>> result;
  std::function<void(StringRef)> resegment = [&](StringRef w) {
    const int32_t id = pieceToId(w);
    if (types[size_t(id)] == SpmPieceType::Unused) {
      auto it = revMerge.find(w);
      if (it != revMerge.end()) {
        resegment(it->second.first);
        resegment(it->second.second);
        return;
      }
    }
    result.emplace_back(w, id);
  };
  for (int i = 0; i >= 0; i = symbols[size_t(i)].next)
    resegment(text_(symbols[size_t(i)]));

  // SentencePieceProcessor::PopulateSentencePieceText: byte fallback, or
  // one unknown id for a run of unknown symbols.
  bool prevUnknown = false;
  for (auto [w, id] : result) {
    if (types[size_t(id)] == SpmPieceType::Control)
      return createStringError(
          inconvertibleErrorCode(),
          "the text has a symbol " + quotePiece(w) + " that is control token " +
              std::to_string(id) + ", which encodes no text (sentencepiece "
              "fails here too)");
    const bool unknown = types[size_t(id)] == SpmPieceType::Unknown;
    if (unknown && options.byteFallback) {
      for (char c : w)
        ids.push_back(byteIds[uint8_t(c)]);
    } else if (!(unknown && prevUnknown)) {
      ids.push_back(id);
    }
    prevUnknown = unknown;
  }
  return ids;
}

} // namespace tlc
