// The weight loads of shaders/gemv_quant.comp, included once per weight
// binding with QD_LOAD (the function's name) and QW, QW4 (a 32-bit word
// and a 16-byte load of that weight) defined: the weight is chosen once per
// row, outside the loops, so no load is behind a branch on the weight
// (lavapipe runs both sides of a branch it cannot prove uniform).
// QD_LOAD(n, u) puts the UNIT_BYTES bytes of unit u of row n into wv: UV
// independent 16-byte loads where rows are 16-byte aligned (then every unit
// is whole), else UW 32-bit loads, the words past the row's stride read as
// 0 (a last unit of one block).
void QD_LOAD(uint n, uint u) {
  uint off = n * ROW_STRIDE + u * UNIT_BYTES;
  if (ALIGNED16) {
    [[unroll]] for (uint i = 0u; i < UV; ++i) {
      uvec4 c = QW4(off / 16u + i);
      wv[4u * i] = c.x;
      wv[4u * i + 1u] = c.y;
      wv[4u * i + 2u] = c.z;
      wv[4u * i + 3u] = c.w;
    }
  } else {
    uint left = ROW_STRIDE - u * UNIT_BYTES; // > 0: u < NU
    [[unroll]] for (uint t = 0u; t < UW; ++t) {
      wv[t] = 0u;
      if (4u * t < left)
        wv[t] = QW(off / 4u + t);
    }
  }
}
