//===- examples/ocr/CtcDecode.h - CTC greedy decoding -----------*- C++ -*-===//
//
// Decodes a recognizer's per-timestep class probabilities with CTC greedy
// (best path) decoding (Graves et al., "Connectionist Temporal
// Classification", ICML 2006, section 3.2): take the arg-max class at every
// step, merge repeats, drop blanks. The character set follows PaddleOCR's
// CTCLabelDecode (ppocr/postprocess/rec_postprocess.py): class 0 is the
// blank, classes 1..N are the lines of the keys file, and class N+1 is a
// space (use_space_char).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_EXAMPLES_OCR_CTCDECODE_H
#define TLC_EXAMPLES_OCR_CTCDECODE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace ocr {

/// Class index -> UTF-8 text: "" (blank), the keys file's lines, " ".
using CharacterSet = std::vector<std::string>;

/// Reads a keys file (one character per line, UTF-8; "\r\n" accepted).
/// Errors name the file, or the 1-based line of an empty key.
llvm::Expected<CharacterSet> loadCharacterSet(llvm::StringRef path);

/// A decoded line: its text and the mean probability of its characters.
struct Decoded {
  std::string text;
  float score = 0;
};

/// Greedy CTC decoding of \p probs (steps x classes, row-major). Errors when
/// classes differs from chars.size() (a keys file that does not fit the
/// model).
llvm::Expected<Decoded> ctcGreedyDecode(llvm::ArrayRef<float> probs, int steps,
                                        int classes, const CharacterSet &chars);

} // namespace ocr

#endif // TLC_EXAMPLES_OCR_CTCDECODE_H
