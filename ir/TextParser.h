//===- ir/TextParser.h - Reads the IR's text form back ----------*- C++ -*-===//
//
// The inverse of printGraph (ir/Printer.cpp): `tlc opt` reads a .tlir file,
// runs named passes over it and prints the result, so that every pass can
// have a golden test of its own (MLIR's mlir-opt discipline). The grammar is
// exactly what printGraph writes:
//
//   graph NAME {
//     symbol S : 1..64                       (a shape-range symbol)
//     require S+P <= 2048
//     input  %x : Sx4xf32
//     weight %w : 3x4xf32                    (zero-filled, or)
//     weight %c : 2xi64 = [1, 2]             (inline values, row-major)
//     state  %cache : 1x64x8xf32
//     %h : Sx3xf32 = Gemm(%x, %w) {alpha = 1.0, transB = 1}
//     output %h
//   }
//
// Lines starting with `//` are comments. Types are dims joined by 'x' and a
// dtype (f32, f16, i32, i64, bool, u8); a dim is an integer, a symbol, a
// call floor(E/C), min(E,E), max(E,E), or a parenthesized expression of
// +, - and * (DimExpr::strInShape). Attribute values: integers, floats
// (with '.', 'e', inf or nan), "strings", and lists of one of these or of
// dim expressions.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_TEXTPARSER_H
#define TLC_IR_TEXTPARSER_H

#include "ir/Graph.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace tlc {

/// Parses \p text, the contents of the file \p fileName, into a graph whose
/// values and nodes are in the order the text lists them. A weight without
/// inline values holds zeros (its size must be at most 256 MiB). Errors
/// name the file, line and column and what was expected there; a value used
/// before it is defined, defined twice, or never defined is an error too.
llvm::Expected<Graph> parseGraphText(llvm::StringRef text,
                                     llvm::StringRef fileName);

} // namespace tlc

#endif // TLC_IR_TEXTPARSER_H
