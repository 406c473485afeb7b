//===- ops/HostTensor.cpp - Typed tensors in host memory ------------------===//
#include "ops/HostTensor.h"

#include "ir/Half.h"

#include <cstring>

using namespace llvm;

namespace tlc {

std::string DTypeSet::str() const {
  std::vector<std::string> names;
  for (DType t : {DType::F32, DType::F16, DType::I32, DType::I64, DType::Bool,
                  DType::U8})
    if (contains(t))
      names.push_back(dtypeName(t).str());
  std::string s;
  for (size_t i = 0; i < names.size(); ++i)
    s += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return s;
}

HostTensor::HostTensor(TensorType t) : type(std::move(t)) {
  numBytes_ = size_t(type.byteSize());
  storage_.assign((numBytes_ + 7) / 8, 0);
}

HostTensor HostTensor::f32(Shape shape, std::vector<float> values) {
  HostTensor h(TensorType{DType::F32, std::move(shape)});
  assert(values.size() == size_t(h.numElements()) && "wrong element count");
  std::memcpy(h.storage_.data(), values.data(), h.numBytes_);
  return h;
}

HostTensor HostTensor::i64(Shape shape, ArrayRef<int64_t> values) {
  HostTensor h(TensorType{DType::I64, std::move(shape)});
  assert(values.size() == size_t(h.numElements()) && "wrong element count");
  std::memcpy(h.storage_.data(), values.data(), h.numBytes_);
  return h;
}

HostTensor HostTensor::fromBytes(TensorType t, ArrayRef<uint8_t> bytes) {
  HostTensor h(std::move(t));
  assert(bytes.size() == h.numBytes_ && "byte count does not match the type");
  if (!bytes.empty())
    std::memcpy(h.storage_.data(), bytes.data(), h.numBytes_);
  return h;
}

HostTensor HostTensor::typeOnly(TensorType t) {
  HostTensor h;
  h.type = std::move(t);
  return h;
}

int64_t HostTensor::intAt(int64_t i) const {
  const uint8_t *p = bytes().data();
  switch (type.dtype) {
  case DType::I32: {
    int32_t v;
    std::memcpy(&v, p + 4 * i, 4);
    return v;
  }
  case DType::I64: {
    int64_t v;
    std::memcpy(&v, p + 8 * i, 8);
    return v;
  }
  case DType::U8:
  case DType::Bool:
    return p[i];
  case DType::F32:
  case DType::F16:
    break;
  }
  assert(false && "intAt on a float tensor");
  return 0;
}

double HostTensor::doubleAt(int64_t i) const {
  const uint8_t *p = bytes().data();
  switch (type.dtype) {
  case DType::F32: {
    float v;
    std::memcpy(&v, p + 4 * i, 4);
    return v;
  }
  case DType::F16: {
    uint16_t v;
    std::memcpy(&v, p + 2 * i, 2);
    return halfToFloat(v);
  }
  default:
    return double(intAt(i));
  }
}

void HostTensor::setInt(int64_t i, int64_t v) {
  uint8_t *p = bytes().data();
  switch (type.dtype) {
  case DType::I32: {
    int32_t x = int32_t(v);
    std::memcpy(p + 4 * i, &x, 4);
    return;
  }
  case DType::I64:
    std::memcpy(p + 8 * i, &v, 8);
    return;
  case DType::U8:
  case DType::Bool:
    p[i] = uint8_t(v);
    return;
  case DType::F32:
  case DType::F16:
    break;
  }
  assert(false && "setInt on a float tensor");
}

void HostTensor::setDouble(int64_t i, double v) {
  assert(type.dtype == DType::F32 && "setDouble on a non-f32 tensor");
  float x = float(v);
  std::memcpy(bytes().data() + 4 * i, &x, 4);
}

void HostTensor::copyElement(const HostTensor &src, int64_t from, int64_t to) {
  assert(src.type.dtype == type.dtype && "copyElement across dtypes");
  unsigned w = dtypeBytes(type.dtype);
  std::memcpy(bytes().data() + w * to, src.bytes().data() + w * from, w);
}

} // namespace tlc
