// erf(v) after Abramowitz & Stegun, Handbook of Mathematical Functions
// (1964), formula 7.1.26, |error| <= 1.5e-7, made odd for v < 0. Included
// by unary_math.comp (ops/Erf.cpp) and fused_elementwise.comp (a fused Erf),
// so the standalone and the fused op round alike.
float erfApprox(float v) {
  float a = abs(v);
  float t = 1.0 / (1.0 + 0.3275911 * a);
  float p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 +
            t * (-1.453152027 + t * 1.061405429))));
  float e = 1.0 - p * exp(-a * a);
  return v < 0.0 ? -e : e;
}
