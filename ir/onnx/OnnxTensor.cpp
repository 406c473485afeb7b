//===- ir/onnx/OnnxTensor.cpp - ONNX TensorProto -> tlc bytes -------------===//
//
// Follows the TensorProto rules of onnx/onnx.proto (ONNX 1.12): raw_data
// holds the elements little-endian and fixed-width; otherwise exactly one
// typed field holds them (float_data for FLOAT, int32_data for INT32 and
// BOOL, int64_data for INT64).
//
//===----------------------------------------------------------------------===//
#include "ir/onnx/OnnxTensor.h"

#include "llvm/ADT/Twine.h"

#include <cstring>

using namespace llvm;

namespace tlc {

static Error tensorError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

Expected<DType> dtypeFromOnnx(int32_t onnxType) {
  using TP = onnx::TensorProto;
  switch (onnxType) {
  case TP::FLOAT:
    return DType::F32;
  case TP::INT32:
    return DType::I32;
  case TP::INT64:
  case TP::BOOL:
    return DType::I64;
  case TP::FLOAT16:
    return tensorError("dtype FLOAT16 (f16) is not supported by the importer");
  default:
    break;
  }
  StringRef name = TP::DataType_IsValid(onnxType)
                       ? StringRef(TP::DataType_Name(TP::DataType(onnxType)))
                       : StringRef("unknown");
  return tensorError("dtype " + name + " (" + Twine(onnxType) +
                     ") is not supported; expected FLOAT, INT32, INT64 or "
                     "BOOL");
}

/// Appends \p n little-endian values of type T to \p out.
template <typename T, typename Src>
static void appendValues(const Src &src, std::vector<uint8_t> &out) {
  for (auto v : src) {
    T x = T(v);
    uint8_t b[sizeof(T)];
    std::memcpy(b, &x, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
  }
}

Expected<OnnxConstant> decodeOnnxTensor(const onnx::TensorProto &t) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return tensorError("its data is stored in an external file, which the "
                       "importer does not read; re-save the model with the "
                       "data inside (onnx.save_model(..., "
                       "save_as_external_data=False))");
  if (t.has_segment())
    return tensorError("segmented tensors are not supported");
  OnnxConstant c;
  Expected<DType> dtype = dtypeFromOnnx(t.data_type());
  if (!dtype)
    return dtype.takeError();
  c.type.dtype = *dtype;
  for (int i = 0; i < t.dims_size(); ++i) {
    if (t.dims(i) < 1)
      return tensorError("dimension " + Twine(i) + " is " + Twine(t.dims(i)) +
                         "; tlc needs every dimension >= 1 (no empty "
                         "tensors)");
    c.type.shape.push_back(t.dims(i));
  }
  Expected<int64_t> count = checkedNumElements(c.type.shape);
  if (!count)
    return count.takeError();
  const bool isBool = t.data_type() == onnx::TensorProto::BOOL;
  const uint64_t n = uint64_t(*count);
  auto sizeError = [&](StringRef field, uint64_t got) {
    return tensorError(field + " holds " + Twine(got) +
                       " elements but the dims " +
                       (c.type.shape.empty() ? std::string("(scalar)")
                                             : c.type.shapeStr()) +
                       " need " + Twine(n));
  };

  if (t.has_raw_data()) {
    const std::string &raw = t.raw_data();
    // Element width in the file: BOOL is one byte, the rest as in tlc.
    uint64_t width = isBool ? 1 : dtypeBytes(c.type.dtype);
    if (raw.size() != n * width)
      return tensorError("raw_data has " + Twine(raw.size()) +
                         " bytes but the dims need " + Twine(n * width));
    if (!isBool) {
      c.data.assign(raw.begin(), raw.end());
      return c;
    }
    std::vector<int64_t> v;
    for (char b : raw)
      v.push_back(b != 0);
    appendValues<int64_t>(v, c.data);
    return c;
  }
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    if (uint64_t(t.float_data_size()) != n)
      return sizeError("float_data", t.float_data_size());
    appendValues<float>(t.float_data(), c.data);
    break;
  case onnx::TensorProto::INT32:
    if (uint64_t(t.int32_data_size()) != n)
      return sizeError("int32_data", t.int32_data_size());
    appendValues<int32_t>(t.int32_data(), c.data);
    break;
  case onnx::TensorProto::BOOL: {
    if (uint64_t(t.int32_data_size()) != n)
      return sizeError("int32_data", t.int32_data_size());
    std::vector<int64_t> v;
    for (int32_t b : t.int32_data())
      v.push_back(b != 0);
    appendValues<int64_t>(v, c.data);
    break;
  }
  case onnx::TensorProto::INT64:
    if (uint64_t(t.int64_data_size()) != n)
      return sizeError("int64_data", t.int64_data_size());
    appendValues<int64_t>(t.int64_data(), c.data);
    break;
  }
  return c;
}

} // namespace tlc
