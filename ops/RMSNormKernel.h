//===- ops/RMSNormKernel.h - shaders/rmsnorm.comp, shared -------*- C++ -*-===//
//
// The dispatch of RMS normalization over the rows of a [rows, cols] tensor
// with a [cols] scale, for the ops that normalize: RMSNormalization itself
// and RMSNormGemm (its many-row path).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_RMSNORMKERNEL_H
#define TLC_OPS_RMSNORMKERNEL_H

#include "ops/OpDef.h"

namespace tlc {

/// One dispatch of shaders/rmsnorm.comp (rmsnorm_subgroup where \p target
/// has subgroup arithmetic), one workgroup per row:
///   Y[r, c] = X[r, c] / sqrt(mean_c(X[r, :]^2) + epsilon)
///             * scale[(c / scaleInner) % scaleCount]
/// \p rows and \p cols (elements) may be symbolic. Operands: \p x, \p scale,
/// \p y (written).
DispatchDesc lowerRMSNormKernel(const DimExpr &rows, const DimExpr &cols,
                                const DimExpr &scaleCount,
                                const DimExpr &scaleInner, float epsilon,
                                unsigned x, unsigned scale, unsigned y,
                                const KernelTarget &target);

} // namespace tlc

#endif // TLC_OPS_RMSNORMKERNEL_H
