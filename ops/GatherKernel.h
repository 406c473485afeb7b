//===- ops/GatherKernel.h - One dispatch of shaders/gather.comp -*- C++ -*-===//
#ifndef TLC_OPS_GATHERKERNEL_H
#define TLC_OPS_GATHERKERNEL_H

#include "ops/OpDef.h"

namespace tlc {

/// One dispatch of shaders/gather.comp: data viewed as [outer, axisLen,
/// inner] gathered along its middle axis by \p count indices (i64 when
/// \p idx64, else i32) into \p total output elements (sizes in elements,
/// symbolic where the shape ranges make them so). \p chunkTotal > 0: the
/// data holds rows [chunkBegin, chunkBegin + axisLen) of an axis of
/// chunkTotal rows and the dispatch writes only the elements of its rows
/// (ops/GatherRowChunks.cpp); 0 for a whole axis. \p data, \p indices,
/// \p out: the operands bound at bindings 0, 1, 2.
DispatchDesc lowerGatherKernel(const DimExpr &total, const DimExpr &axisLen,
                               const DimExpr &inner, const DimExpr &count,
                               bool idx64, uint32_t chunkTotal,
                               uint32_t chunkBegin, unsigned data,
                               unsigned indices, unsigned out);

} // namespace tlc

#endif // TLC_OPS_GATHERKERNEL_H
