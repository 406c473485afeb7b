//===- tools/conformance/OutputCompare.cpp - f32 output tolerance ---------===//
//
// The comparison rule of OutputCompare.h, in double precision.
//
//===----------------------------------------------------------------------===//
#include "tools/conformance/OutputCompare.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cassert>
#include <cmath>

using namespace llvm;

namespace tlc {

CompareResult compareF32(ArrayRef<float> actual, ArrayRef<float> expected) {
  assert(actual.size() == expected.size() && "callers compare shapes first");
  CompareResult r;
  for (float e : expected)
    if (std::isfinite(e))
      r.scale = std::max(r.scale, std::fabs(double(e)));
  const double tol = kAbsTol * r.scale;
  double errSq = 0, refSq = 0;
  bool failed = false;
  for (size_t i = 0; i < expected.size(); ++i) {
    double a = actual[i], e = expected[i];
    bool ok;
    double err = 0;
    if (std::isnan(e) || std::isinf(e)) {
      // Special values must be reproduced exactly (NaN meets any NaN).
      ok = std::isnan(e) ? std::isnan(a) : a == e;
    } else if (!std::isfinite(a)) {
      ok = false;
    } else {
      err = std::fabs(a - e);
      ok = err <= tol;
      errSq += err * err;
      refSq += e * e;
      if (err > r.maxAbsErr) {
        r.maxAbsErr = err;
        if (!failed) {
          r.worstIndex = i;
          r.worstActual = actual[i];
          r.worstExpected = expected[i];
        }
      }
    }
    if (!ok && !failed) {
      failed = true;
      r.worstIndex = i;
      r.worstActual = actual[i];
      r.worstExpected = expected[i];
    }
  }
  r.relL2 = refSq > 0 ? std::sqrt(errSq / refSq) : std::sqrt(errSq);
  r.pass = !failed;
  if (failed) {
    raw_string_ostream os(r.message);
    os << "element " << r.worstIndex << ": got " << r.worstActual
       << ", expected " << r.worstExpected << " (max abs error "
       << format("%.3g", r.maxAbsErr) << ", tolerance " << format("%g", kAbsTol)
       << " x scale " << format("%.3g", r.scale) << ")";
  }
  return r;
}

} // namespace tlc
