// The row decoding of shaders/gemv_quant.comp, included once per weight
// binding with QD_NAME, QD_CHUNK, QD_SCALE (the functions' names) and QW,
// QW4 (a 32-bit word and a 16-byte load of that weight) defined: the weight
// is chosen once per row, outside the loops, so no load is behind a branch
// (lavapipe runs both sides of a branch it cannot prove uniform).
// The 16 bytes at byte offset off (a multiple of 16) of row bytes that end
// at rowEnd; words past the row read as 0 (only where rows are not 16-byte
// aligned, so the last chunk may pass the row and the buffer).
uvec4 QD_CHUNK(uint off, uint rowEnd) {
  if (ALIGNED16)
    return QW4(off / 16u);
  uvec4 v = uvec4(0u);
  for (uint t = 0u; t < 4u; ++t)
    if (off + 4u * t < rowEnd)
      v[t] = QW(off / 4u + t);
  return v;
}

// Block b's scale d (f16 at the block's first byte) of the row at rowOff.
float QD_SCALE(uint rowOff, uint b) {
  uint off = rowOff + b * BLOCK_BYTES; // even
  return unpackHalf2x16(QW(off / 4u) >> ((off & 2u) * 8u)).x;
}

// This invocation's part of xs . dequant(W_j[n]).
float QD_NAME(uint n, uint lane, uint T) {
  uint rowOff = n * ROW_STRIDE, rowEnd = rowOff + ROW_STRIDE;
  const uint chunks = (ROW_BYTES + 15u) / 16u;
  float s = 0.0;
  for (uint c = lane; c < chunks; c += T) {
    uvec4 v = QD_CHUNK(rowOff + 16u * c, rowEnd);
    uint p0 = 16u * c, b = p0 / BLOCK_BYTES, pos = p0 - b * BLOCK_BYTES;
    float acc = 0.0;
    for (uint t = 0u; t < 16u; ++t) {
      if (p0 + t >= ROW_BYTES)
        break;
      if (pos == BLOCK_BYTES) { // the chunk's second block starts
        s += acc * QD_SCALE(rowOff, b);
        acc = 0.0;
        ++b;
        pos = 0u;
      }
      uint byte = (v[t >> 2u] >> ((t & 3u) * 8u)) & 0xffu;
      if (pos >= 2u) {
        uint i = b * 32u + (pos - 2u);
        if (QTYPE == 0u)
          acc += xs[i] * float(int(byte << 24u) >> 24);
        else
          acc += xs[i] * (float(byte & 15u) - 8.0) +
                 xs[i + 16u] * (float(byte >> 4u) - 8.0);
      }
      ++pos;
    }
    s += acc * QD_SCALE(rowOff, b);
  }
  return s;
}

