//===- ir/onnx/OnnxTensor.h - ONNX TensorProto -> tlc bytes -----*- C++ -*-===//
//
// Internal to the ONNX importer (includes the protobuf classes). Decodes an
// ONNX TensorProto (initializers, Constant values, tensor attributes) into a
// tlc dtype, shape and little-endian row-major bytes.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_ONNX_ONNXTENSOR_H
#define TLC_IR_ONNX_ONNXTENSOR_H

#include "ir/Types.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <vector>

namespace tlc {

/// A decoded constant tensor.
struct OnnxConstant {
  TensorType type;
  std::vector<uint8_t> data; // type.byteSize() bytes, little-endian
};

/// Maps an ONNX TensorProto_DataType to a tlc dtype: FLOAT -> f32, INT32 ->
/// i32, INT64 -> i64, BOOL -> i64 (0 or 1; tlc has no boolean dtype, see
/// docs/onnx.md). Errors name the ONNX type for FLOAT16 ("f16 is not
/// supported"), DOUBLE, strings and every other type.
llvm::Expected<DType> dtypeFromOnnx(int32_t onnxType);

/// Decodes \p t (ONNX IR spec, "Tensor" message: data in raw_data, little-
/// endian, or in the typed field float_data / int32_data / int64_data).
/// Errors (the caller prefixes the file and the tensor's role): external
/// data, unsupported dtypes, zero or negative dims, an element count over
/// kMaxTensorElements, and data whose size disagrees with the dims.
llvm::Expected<OnnxConstant> decodeOnnxTensor(const onnx::TensorProto &t);

} // namespace tlc

#endif // TLC_IR_ONNX_ONNXTENSOR_H
