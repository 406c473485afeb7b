//===- tools/conformance/OutputCompare.h - f32 output tolerance -*- C++ -*-===//
//
// Decides whether tlc's f32 output matches the ONNX test's expected output.
//
// Tolerance (one rule for every op): every element must satisfy
//     |actual - expected| <= kAbsTol * max(1, max_j |expected_j|)
// i.e. an absolute error of 1e-4 measured against the output's own scale
// (at least 1). f32 carries about 7 decimal digits (eps 1.19e-7); the
// Vulkan spec (appendix "Precision and Operation of SPIR-V Instructions")
// allows exp/log/pow a few ULP plus a term growing with |x|, and reductions
// reorder sums, so exact equality is too strict, while any indexing or
// attribute bug moves elements by O(scale), far above 1e-4 of it. NaN must
// meet NaN and an infinity the same infinity. The relative L2 error
// ||a - e|| / ||e|| is reported too, for information only.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_CONFORMANCE_OUTPUTCOMPARE_H
#define TLC_TOOLS_CONFORMANCE_OUTPUTCOMPARE_H

#include "llvm/ADT/ArrayRef.h"

#include <cstddef>
#include <string>

namespace tlc {

/// Absolute tolerance relative to max(1, max |expected|); see the header.
constexpr double kAbsTol = 1e-4;

struct CompareResult {
  bool pass = true;
  double maxAbsErr = 0;  // max |actual - expected| over finite pairs
  double scale = 1;      // max(1, max |expected|) over finite elements
  double relL2 = 0;      // ||actual - expected||_2 / ||expected||_2 (0 if 0)
  size_t worstIndex = 0; // element of the first failure, else of maxAbsErr
  float worstActual = 0; // its values
  float worstExpected = 0;
  /// "" when pass; else e.g. "element 12: got 0.5, expected 0.25 (max abs
  /// error 0.25 > 1e-4 x scale 1)".
  std::string message;
};

/// Compares two equally long f32 arrays (elements, row-major) by the rule in
/// the file header. Asserts equal sizes (callers check shapes first).
CompareResult compareF32(llvm::ArrayRef<float> actual,
                         llvm::ArrayRef<float> expected);

} // namespace tlc

#endif // TLC_TOOLS_CONFORMANCE_OUTPUTCOMPARE_H
