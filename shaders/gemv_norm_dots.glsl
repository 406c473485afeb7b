// The body of shaders/gemv_norm.comp's partial dot products, included
// once per weight binding with PD_NAME (the function's name) and PD_W8,
// PD_W4, PD_W1 (loads of eight binary16, a vec4 and one value of that
// weight) defined: the weight is chosen once per row, outside the loops,
// so no load is behind a branch (lavapipe runs both sides of a branch it
// cannot prove uniform).
// This invocation's parts of (x * gamma) . W_j[n] and of x . x.
vec2 PD_NAME(uint n, uint lane, uint T) {
  float s = 0.0, sq = 0.0;
  if (VEC == 2u) {
    uint n8 = K / 8u, base = n * n8, i = lane;
    // Four independent loads of W in flight per iteration.
    for (; i + 3u * T < n8; i += 4u * T) {
      uvec4 a = PD_W8(base + i), b = PD_W8(base + i + T),
            c = PD_W8(base + i + 2u * T), d = PD_W8(base + i + 3u * T);
      vec4 lo, hi;
      scaledX8(i, lo, hi, sq);
      s += dot8(lo, hi, a);
      scaledX8(i + T, lo, hi, sq);
      s += dot8(lo, hi, b);
      scaledX8(i + 2u * T, lo, hi, sq);
      s += dot8(lo, hi, c);
      scaledX8(i + 3u * T, lo, hi, sq);
      s += dot8(lo, hi, d);
    }
    for (; i < n8; i += T) {
      vec4 lo, hi;
      scaledX8(i, lo, hi, sq);
      s += dot8(lo, hi, PD_W8(base + i));
    }
  } else if (VEC == 1u) {
    uint n4 = K / 4u, base = n * n4, i = lane;
    for (; i + T < n4; i += 2u * T) {
      vec4 a = PD_W4(base + i), b = PD_W4(base + i + T);
      vec4 x0 = vec4(x4[i]), x1 = vec4(x4[i + T]);
      sq += dot(x0, x0) + dot(x1, x1);
      s += dot(x0 * vec4(g4[i]), a) + dot(x1 * vec4(g4[i + T]), b);
    }
    if (i < n4) {
      vec4 x0 = vec4(x4[i]);
      sq += dot(x0, x0);
      s += dot(x0 * vec4(g4[i]), PD_W4(base + i));
    }
  } else {
    for (uint i = lane; i < K; i += T) {
      float v = float(x[i]);
      sq += v * v;
      s += v * float(g[i]) * PD_W1(n * K + i);
    }
  }
  return vec2(s, sq);
}

