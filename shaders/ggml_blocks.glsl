// GGUF quantized blocks decoded in registers, for the shaders that read
// block-quantized weights (quant_gemm.comp, quant_gather.comp). Include
// after declaring `const uint QTYPE` (0 = q8_0, 1 = q4_0, 2 = q6_k) and the
// weight as 32-bit words, `uint w[]`. Block layouts: ggml's
// src/ggml-common.h, element order src/ggml-quants.c (docs/gguf.md):
//   q8_0: 34 bytes per 32 values: f16 d, int8 q[32]; v = d * q;
//   q4_0: 18 bytes per 32 values: f16 d, qs[16]; value j < 16 is the low
//         nibble of qs[j], value j + 16 its high nibble; v = d * (nibble - 8);
//   q6_k: 210 bytes per 256 values: ql[128], qh[64], int8 scales[16], f16 d;
//         v = d * scales[i / 16] * (q6 - 32).
// Blocks start on 2-byte boundaries, so words are assembled from halves.
// A block is decoded UNIT values at a time (8 for q8_0 and q4_0, a quarter
// block; 16 for q6_k, one scale's run): decodeUnit, with unitValueIndex
// giving where each decoded value sits in its block.
const uint BLOCK_ELEMS = QTYPE == 2u ? 256u : 32u;
const uint BLOCK_BYTES = QTYPE == 0u ? 34u : (QTYPE == 1u ? 18u : 210u);
const uint UNIT = QTYPE == 2u ? 16u : 8u;
const uint UNITS_PER_BLOCK = BLOCK_ELEMS / UNIT;

// The 4 bytes at byte offset off (even) of W.
uint load32(uint off) {
  uint i = off >> 2u;
  if ((off & 2u) == 0u) return w[i];
  return (w[i] >> 16u) | (w[i + 1u] << 16u);
}
// The 2 bytes at byte offset off (even), and the byte at off.
uint load16(uint off) { return (w[off >> 2u] >> ((off & 2u) * 8u)) & 0xffffu; }
uint load8(uint off) { return (w[off >> 2u] >> ((off & 3u) * 8u)) & 0xffu; }
float halfBits(uint bits) { return unpackHalf2x16(bits).x; }

// The UNIT values of unit s of block b of the row at byte rowOff, in the
// order the A vectors of aIndex pair with them.
void decodeUnit(uint rowOff, uint b, uint s, out float v[16]) {
  uint o = rowOff + b * BLOCK_BYTES;
  if (QTYPE == 0u) {
    // q[8s .. 8s + 7], after d.
    float d = halfBits(load16(o));
    uint w0 = load32(o + 2u + 8u * s), w1 = load32(o + 6u + 8u * s);
    for (uint j = 0u; j < 4u; ++j) {
      v[j] = d * float(bitfieldExtract(int(w0), int(8u * j), 8));
      v[4u + j] = d * float(bitfieldExtract(int(w1), int(8u * j), 8));
    }
  } else if (QTYPE == 1u) {
    // qs[4s .. 4s + 3]: low nibbles are values 4s + j, high ones 16 + 4s + j.
    float d = halfBits(load16(o));
    uint q = load32(o + 2u + 4u * s);
    for (uint j = 0u; j < 4u; ++j) {
      v[j] = d * (float((q >> (8u * j)) & 15u) - 8.0);
      v[4u + j] = d * (float((q >> (8u * j + 4u)) & 15u) - 8.0);
    }
  } else {
    // Values i = 16s + t: half h = s / 8, quarter kq = (s % 8) / 2, l =
    // 16 (s % 2) + t; low 4 bits from ql[64h + 32 (kq % 2) + l] (low nibble
    // for kq < 2), high 2 from bits 2kq, 2kq + 1 of qh[32h + l].
    uint h = s / 8u, kq = (s % 8u) / 2u, l0 = (s % 2u) * 16u;
    float d = halfBits(load16(o + 208u));
    float sc = d * float(bitfieldExtract(int(load8(o + 192u + s)), 0, 8));
    uint qlOff = o + 64u * h + 32u * (kq % 2u) + l0;
    uint qhOff = o + 128u + 32u * h + l0;
    uint shiftL = kq < 2u ? 0u : 4u, shiftH = 2u * kq;
    for (uint t = 0u; t < 4u; ++t) {
      uint ql = load32(qlOff + 4u * t), qh = load32(qhOff + 4u * t);
      for (uint j = 0u; j < 4u; ++j) {
        uint lo = (ql >> (8u * j + shiftL)) & 15u;
        uint hi = (qh >> (8u * j + shiftH)) & 3u;
        v[4u * t + j] = sc * float(int(lo | (hi << 4u)) - 32);
      }
    }
  }
}

// The index within its block of value j (< UNIT) that decodeUnit returns
// for unit s.
uint unitValueIndex(uint s, uint j) {
  if (QTYPE == 1u) return j < 4u ? 4u * s + j : 16u + 4u * s + (j - 4u);
  return UNIT * s + j;
}
