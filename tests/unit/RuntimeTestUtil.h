//===- tests/unit/RuntimeTestUtil.h - Hand-built plans for runtime tests -===//
//
// The runtime tests build Plans by hand (no compiler involved) from the
// embedded shaders/unary.comp, so that each test controls exactly which
// buffers, tensors, barriers and releases the runtime sees. Also a shared
// validation-enabled Device and float/byte conversions.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TESTS_RUNTIMETESTUTIL_H
#define TLC_TESTS_RUNTIMETESTUTIL_H

#include "codegen/Plan.h"
#include "ops/Unary.h"
#include "runtime/Runtime.h"
#include "spirv/EmbeddedShaders.h"

#include "llvm/ADT/ArrayRef.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace tlc {
namespace testing {

/// Appends buffers, tensors and commands to a Plan; indices are returned so
/// that commands can refer to them.
class PlanBuilder {
public:
  explicit PlanBuilder(std::string name, uint32_t alignment = 256) {
    plan.modelName = std::move(name);
    plan.alignment = alignment;
  }

  /// A buffer of \p bytes bytes.
  uint32_t buffer(BufferRole role, uint64_t bytes) {
    plan.buffers.push_back({role, bytes});
    return uint32_t(plan.buffers.size() - 1);
  }

  /// An f32 tensor of \p n elements at \p offset bytes of \p buf.
  uint32_t tensor(const std::string &name, TensorRole role, int64_t n,
                  uint32_t buf, uint64_t offset = 0) {
    PlanTensor t;
    t.name = name;
    t.type.dtype = DType::F32;
    t.type.shape = {n};
    t.role = role;
    t.buffer = buf;
    t.offset = offset;
    t.bytes = t.type.byteSize();
    plan.tensors.push_back(t);
    uint32_t id = uint32_t(plan.tensors.size() - 1);
    if (role == TensorRole::Input)
      plan.inputs.push_back(id);
    if (role == TensorRole::Output)
      plan.outputs.push_back(id);
    return id;
  }

  /// A tensor in a buffer of its own, sized to it: the usual form of graph
  /// inputs and outputs.
  uint32_t ioTensor(const std::string &name, TensorRole role, int64_t n) {
    BufferRole br =
        role == TensorRole::Input ? BufferRole::Input : BufferRole::Output;
    return tensor(name, role, n, buffer(br, uint64_t(n) * 4));
  }

  /// y = f(x) over x's elements, with shaders/unary.comp.
  void unary(UnaryOpCode code, uint32_t x, uint32_t y, uint32_t step) {
    PlanCommand c;
    c.kind = CommandKind::Dispatch;
    c.step = step;
    c.label = "unary" + std::to_string(plan.commands.size());
    c.shader = unaryShader();
    uint64_t n = uint64_t(plan.tensors[x].type.numElements());
    c.specConstants = {uint32_t(n), uint32_t(code)};
    c.bindings = {x, y};
    c.writes = {1};
    c.groups[0] = uint32_t((n + 255) / 256);
    plan.commands.push_back(c);
    plan.numSteps = std::max(plan.numSteps, step + 1);
  }

  void barrier(uint32_t step) {
    PlanCommand c;
    c.kind = CommandKind::Barrier;
    c.step = step;
    plan.commands.push_back(c);
  }

  void release(uint32_t tensor, uint32_t step) {
    PlanCommand c;
    c.kind = CommandKind::Release;
    c.step = step;
    c.tensor = tensor;
    plan.tensors[tensor].releaseStep = step;
    plan.commands.push_back(c);
  }

  Plan plan;

private:
  uint32_t unaryShader() {
    for (uint32_t i = 0; i < plan.shaders.size(); ++i)
      if (plan.shaders[i].name == "unary")
        return i;
    const EmbeddedShader *s = findEmbeddedShader("unary");
    EXPECT_NE(s, nullptr);
    PlanShader shader;
    shader.name = "unary";
    if (s)
      shader.spirv.assign(s->words, s->words + s->numWords);
    plan.shaders.push_back(std::move(shader));
    return uint32_t(plan.shaders.size() - 1);
  }
};

inline llvm::ArrayRef<uint8_t> asBytes(const std::vector<float> &v) {
  return llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(v.data()),
                                 v.size() * sizeof(float));
}

inline std::vector<float> asFloats(llvm::ArrayRef<uint8_t> bytes) {
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

/// Deterministic values in [-1, 1) (a 32-bit LCG, Numerical Recipes'
/// constants), half of them negative so that Relu matters.
inline std::vector<float> testValues(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (float &x : v) {
    s = s * 1664525u + 1013904223u;
    x = float(s >> 8) / float(1u << 23) - 1.0f;
  }
  return v;
}

/// The naive CPU reference of Relu.
inline std::vector<float> reluReference(const std::vector<float> &x) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
  return y;
}

/// A validation-enabled device, created by the test (fails the test when
/// the device cannot be created).
inline std::unique_ptr<Device> makeTestDevice() {
  DeviceOptions opts;
  opts.validation = true;
  auto d = Device::create(opts);
  if (!d) {
    ADD_FAILURE() << llvm::toString(d.takeError());
    return nullptr;
  }
  return std::move(*d);
}

/// The message of \p e (consumed), or "" on success.
inline std::string errorText(llvm::Error e) {
  return e ? llvm::toString(std::move(e)) : std::string();
}

} // namespace testing
} // namespace tlc

#endif // TLC_TESTS_RUNTIMETESTUTIL_H
