//===- ops/Constant.cpp - Constant: a value from an attribute -------------===//
//
// ONNX Constant (opset 13) with a value_float, value_floats, value_int or
// value_ints attribute: f32 or i64, a scalar or a 1-D tensor. (The ONNX
// importer turns tensor-valued Constants into weights directly.) Compile
// time only (folds).
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {

namespace {
struct ConstantValue {
  bool isFloat = false, scalar = false;
  std::vector<double> f;
  std::vector<int64_t> i;
  size_t count() const { return isFloat ? f.size() : i.size(); }
};
} // namespace

static Expected<ConstantValue> constantValue(const Node &node) {
  if (node.attrs.values.size() != 1)
    return opError("expected exactly one attribute: value_float, "
                   "value_floats, value_int or value_ints");
  const auto &[name, v] = *node.attrs.values.begin();
  ConstantValue c;
  c.scalar = name == "value_float" || name == "value_int";
  if (name == "value_float" || name == "value_floats") {
    c.isFloat = true;
    if (auto *d = std::get_if<double>(&v); d && c.scalar)
      c.f = {*d};
    else if (auto *l = std::get_if<std::vector<double>>(&v))
      c.f = *l;
    else if (auto *li = std::get_if<std::vector<int64_t>>(&v))
      c.f.assign(li->begin(), li->end());
    else if (auto *x = std::get_if<int64_t>(&v); x && c.scalar)
      c.f = {double(*x)};
    else
      return opError("attribute '" + name + "' has the wrong kind");
  } else if (name == "value_int" || name == "value_ints") {
    if (auto *x = std::get_if<int64_t>(&v); x && c.scalar)
      c.i = {*x};
    else if (auto *l = std::get_if<std::vector<int64_t>>(&v))
      c.i = *l;
    else
      return opError("attribute '" + name + "' has the wrong kind");
  } else {
    return opError("attribute '" + name +
                   "' is not supported; expected value_float, "
                   "value_floats, value_int or value_ints");
  }
  return c;
}

static Error constantInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                SmallVectorImpl<TensorType> &out) {
  if (Error e = checkInputCount(in, 0, 0))
    return e;
  Expected<ConstantValue> c = constantValue(node);
  if (!c)
    return c.takeError();
  Shape shape;
  if (!c->scalar) {
    if (c->count() == 0)
      return opError("the result has shape [0]; tlc has no empty tensors");
    shape.push_back(int64_t(c->count()));
  }
  out.push_back(TensorType{c->isFloat ? DType::F32 : DType::I64, shape});
  return Error::success();
}

static Error constantReference(const Node &node, ArrayRef<const HostTensor *>,
                               MutableArrayRef<HostTensor> out) {
  ConstantValue c = cantFail(constantValue(node));
  for (size_t k = 0; k < c.count(); ++k) {
    if (c.isFloat)
      out[0].setDouble(int64_t(k), c.f[k]);
    else
      out[0].setInt(int64_t(k), c.i[k]);
  }
  return Error::success();
}

const OpDef kConstantOp = {"Constant",
                           constantInferTypes,
                           constantReference,
                           /*lower=*/nullptr,
                           /*memory=*/{},
                           /*referenceDTypes=*/{},
                           /*deviceDTypes=*/{}};

} // namespace tlc
