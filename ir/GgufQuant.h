//===- ir/GgufQuant.h - ggml types decoded on the CPU ----------*- C++ -*-===//
//
// The six ggml types tlc computes with, decoded naively on the CPU: the
// reference the GPU kernels of issue #15 are tested against. Layouts are
// ggml's (src/ggml-common.h block structs; src/ggml-quants.c
// dequantize_row_*), restated in docs/gguf.md:
//
//   F32   4-byte IEEE binary32.
//   F16   2-byte IEEE binary16 (ir/Half.h).
//   BF16  the upper 16 bits of a binary32.
//   Q8_0  blocks of 32 values in 34 bytes: f16 scale d, then 32 int8 q;
//         value i = d * q[i].
//   Q4_0  blocks of 32 values in 18 bytes: f16 scale d, then 16 bytes qs;
//         value i = d * (nibble - 8), the nibble being the low 4 bits of
//         qs[i] for i < 16 and the high 4 bits of qs[i - 16] for i >= 16.
//   Q6_K  super-blocks of 256 values in 210 bytes: ql[128] (low 4 bits),
//         qh[64] (high 2 bits), int8 scales[16] (one per 16 values), f16 d;
//         value i = d * scales[i / 16] * (q6 - 32), where q6 is 6 bits made
//         of a nibble of ql and two bits of qh (see dequantizeQ6_KBlock).
//
// All multi-byte fields are little-endian. Values come out in ggml element
// order (dims[0] fastest), which is row-major order of GgufTensor::shape().
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_GGUFQUANT_H
#define TLC_IR_GGUFQUANT_H

#include "ir/GgmlType.h"
#include "ir/Gguf.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace tlc {

/// The binary32 whose upper 16 bits are \p h (exact).
float bf16ToFloat(uint16_t h);
/// The bf16 nearest to \p f, ties to even; NaN stays a (quiet) NaN.
uint16_t floatToBf16(float f);

/// Decodes one block: 32 values from the 34 bytes at \p block.
void dequantizeQ8_0Block(const uint8_t *block, float *out);
/// Decodes one block: 32 values from the 18 bytes at \p block.
void dequantizeQ4_0Block(const uint8_t *block, float *out);
/// Decodes one super-block: 256 values from the 210 bytes at \p block.
void dequantizeQ6_KBlock(const uint8_t *block, float *out);
/// Decodes the \p k values (a whole number of blocks) of one row at \p row
/// of block-quantized \p type (Q8_0, Q4_0 or Q6_K; asserts so) into \p out.
void dequantizeQuantizedRow(GgmlType type, const uint8_t *row, int64_t k,
                            float *out);

/// Bytes of one row of \p k values of block-quantized \p type (Q8_0, Q4_0,
/// Q6_K: \p k / blockElems blocks of blockBytes, the GGUF layout of one
/// row of a [rows, k] matrix); std::nullopt for another type or a \p k < 1
/// that is not a multiple of the type's block.
std::optional<uint64_t> quantizedRowBytes(GgmlType type, int64_t k);

/// The row stride of a quantized weight as tlc keeps it in memory
/// (QuantizedGemm's W, ops/QuantizedGemm.cpp): quantizedRowBytes rounded up
/// to a multiple of 4, so that kernels read it as 32-bit words and no read
/// passes the end of the tensor. It equals quantizedRowBytes whenever the
/// row has an even number of Q8_0/Q4_0 blocks or Q6_K super-blocks (every
/// real model). std::nullopt as for quantizedRowBytes.
std::optional<uint64_t> quantizedRowStride(GgmlType type, int64_t k);

/// \p rows rows of \p k values of \p type in GGUF layout (\p data:
/// rows * quantizedRowBytes bytes) laid out with quantizedRowStride: each
/// row's bytes, then zeros to the stride. Errors: a type other than Q8_0,
/// Q4_0, Q6_K, a \p k that is not a multiple of its block, a size mismatch.
llvm::Expected<std::vector<uint8_t>>
padQuantizedRows(GgmlType type, int64_t rows, int64_t k,
                 llvm::ArrayRef<uint8_t> data);

/// Success when tlc computes with \p t's type; else "tensor 'blk.0.ffn_up.
/// weight' has type Q5_K (13), which tlc does not support; supported: F32,
/// F16, BF16, Q8_0, Q4_0, Q6_K".
llvm::Error checkTlcSupports(const GgufTensor &t);

/// Every value of \p t as f32, in ggml element order. Errors: the type is
/// not supported (checkTlcSupports), or `data` is not `numBytes` long.
llvm::Expected<std::vector<float>> dequantize(const GgufTensor &t);

/// A naive Q8_0 quantizer (tlc's, not ggml's): per block of 32, d = max|x|
/// / 127 rounded to f16, q = x / d rounded half away from zero, clamped to
/// [-127, 127] (0 when d is 0). tools/gguf_writer.py does the same
/// arithmetic in float32. Errors: a size not a multiple of 32, non-finite
/// values, a scale beyond the f16 range.
llvm::Expected<std::vector<uint8_t>> quantizeQ8_0(llvm::ArrayRef<float> x);

/// A naive Q4_0 quantizer: per block of 32, m = the value of largest
/// magnitude (the first one on ties), d = m / -8 rounded to f16, nibble =
/// x / d rounded half away from zero, + 8, clamped to [0, 15] (8 when d is
/// 0). Errors as for quantizeQ8_0.
llvm::Expected<std::vector<uint8_t>> quantizeQ4_0(llvm::ArrayRef<float> x);

/// \p x encoded as \p type: F32, F16 (round to nearest even), BF16 (same),
/// Q8_0 or Q4_0 (the quantizers above). Other types are refused: Q6_K
/// blocks are built by hand in tests.
llvm::Expected<std::vector<uint8_t>> encodeGgmlValues(GgmlType type,
                                                      llvm::ArrayRef<float> x);

} // namespace tlc

#endif // TLC_IR_GGUFQUANT_H
