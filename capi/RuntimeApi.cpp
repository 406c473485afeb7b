//===- capi/RuntimeApi.cpp - The C API: devices, plans, generation --------===//
//
// include/tlc/tlc.h over runtime/Runtime.h and runtime/Generation.h. Every
// entry point catches what the C++ side returns as llvm::Error and turns it
// into a tlc_status plus the thread's message; nothing here throws (the
// library is built with exceptions as the rest of tlc, but no code path
// below throws, and std::bad_alloc is caught at each entry point).
//
//===----------------------------------------------------------------------===//
#include "capi/Handles.h"

#include "codegen/Plan.h"
#include "runtime/Generation.h"
#include "runtime/Runtime.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"

#include <cstring>
#include <new>
#include <string>

using namespace llvm;

#ifndef TLC_VERSION
#define TLC_VERSION "0.0.0"
#endif

namespace tlc::capi {

namespace {

struct DeviceObject {
  std::unique_ptr<Device> device;
  /// Serializes queue use (loads upload, runs submit) across plans.
  std::mutex queue;
};

struct PlanObject {
  std::shared_ptr<DeviceObject> device;
  std::unique_ptr<LoadedPlan> loaded;
  std::mutex mutex;
  bool ran = false;
  RunTiming timing;
};

struct GeneratorObject {
  std::shared_ptr<DeviceObject> device;
  std::unique_ptr<PlanGenerator> generator;
  std::mutex mutex;
};

HandleTable<DeviceObject, HandleKind::Device> devices;
HandleTable<PlanObject, HandleKind::Plan> plans;
HandleTable<GeneratorObject, HandleKind::Generator> generators;

tlc_status nullArgument(const char *fn, const char *arg) {
  return fail(TLC_ERROR_INVALID_ARGUMENT,
              Twine(fn) + ": " + arg + " is NULL");
}

/// Reads and validates a plan file. A file that cannot be opened is
/// TLC_ERROR_IO, anything else TLC_ERROR_PLAN; the message is
/// readPlanFile's (what `tlc run` prints).
tlc_status readPlan(const char *path, Plan &out) {
  Expected<Plan> plan = readPlanFile(path);
  if (!plan) {
    bool readable = sys::fs::exists(path) && !sys::fs::is_directory(path);
    return fail(readable ? TLC_ERROR_PLAN : TLC_ERROR_IO, plan.takeError());
  }
  out = std::move(*plan);
  return TLC_OK;
}

tlc_status loadPlan(tlc_device *deviceHandle, Plan plan, tlc_plan **out) {
  std::shared_ptr<DeviceObject> dev =
      devices.get(deviceHandle, "tlc_plan_load");
  if (!dev)
    return TLC_ERROR_INVALID_HANDLE;
  std::unique_ptr<LoadedPlan> loaded;
  {
    std::lock_guard<std::mutex> lock(dev->queue);
    Expected<std::unique_ptr<LoadedPlan>> l =
        LoadedPlan::load(*dev->device, plan);
    if (!l)
      return fail(TLC_ERROR_PLAN, l.takeError());
    loaded = std::move(*l);
  }
  auto obj = std::make_shared<PlanObject>();
  obj->device = std::move(dev);
  obj->loaded = std::move(loaded);
  *out = plans.add<tlc_plan>(std::move(obj));
  return TLC_OK;
}

/// Index of the tensor named \p name among \p ids (plan.inputs or
/// plan.outputs), or an error listing them, with the closest name.
Expected<size_t> findTensor(const Plan &plan, ArrayRef<uint32_t> ids,
                            StringRef name, StringRef kind) {
  std::string list, best;
  unsigned bestDistance = ~0u;
  for (size_t i = 0; i < ids.size(); ++i) {
    StringRef n = plan.tensors[ids[i]].name;
    if (n == name)
      return i;
    list += (list.empty() ? "" : ", ") + n.str();
    unsigned d = name.edit_distance(n, true, 3);
    if (d <= 3 && d < bestDistance)
      bestDistance = d, best = n.str();
  }
  return createStringError(
      inconvertibleErrorCode(), "the plan has no %s '%s'%s (the plan's %ss: %s)",
      kind.str().c_str(), name.str().c_str(),
      best.empty() ? "" : ("; did you mean '" + best + "'?").c_str(),
      kind.str().c_str(), list.c_str());
}

void fillInfo(const LoadedPlan &loaded, uint32_t tensor,
              ArrayRef<int64_t> current, tlc_tensor_info &info) {
  const Plan &plan = loaded.plan();
  const PlanTensor &t = plan.tensors[tensor];
  std::memset(&info, 0, sizeof(info));
  info.name = t.name.c_str();
  info.dtype = tlc_dtype(t.type.dtype);
  info.rank = std::min<size_t>(t.type.shape.size(), TLC_MAX_RANK);
  std::vector<int64_t> minima;
  for (const PlanSymbol &s : plan.symbols)
    minima.push_back(s.min);
  uint64_t elements = 1;
  for (size_t d = 0; d < info.rank; ++d) {
    info.max_shape[d] = t.type.shape[d];
    info.min_shape[d] = t.type.shape[d];
    if (!t.dims.empty()) {
      // Dims grow with the symbols (plans have no decreasing expressions
      // in their dims), so the minima give the smallest shape.
      Expected<int64_t> v = evaluatePlanExpr(plan.exprs[t.dims[d]], minima);
      if (v)
        info.min_shape[d] = std::min(*v, t.type.shape[d]);
      else
        consumeError(v.takeError());
    }
    info.shape[d] = d < current.size() ? current[d] : t.type.shape[d];
    elements *= uint64_t(info.shape[d]);
  }
  info.bytes = size_t(elements * dtypeBytes(t.type.dtype));
}

/// The integer a C caller passed as an enum parameter. A C program (or an
/// FFI) may pass any int; in C++ loading an enum object whose value lies
/// outside its enumerators' range is undefined, so the bytes are copied
/// instead of the value being read as the enum.
template <typename E> int rawEnum(const E &e) {
  static_assert(sizeof(E) == sizeof(int), "C enums are int-sized here");
  int v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

template <typename F> tlc_status guarded(const char *fn, F &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return fail(TLC_ERROR_INVALID_ARGUMENT, Twine(fn) + ": out of host memory");
  }
}

} // namespace
} // namespace tlc::capi

using namespace tlc;
using namespace tlc::capi;

extern "C" {

const char *tlc_status_name(tlc_status status) {
  switch (rawEnum(status)) {
  case TLC_OK: return "TLC_OK";
  case TLC_ERROR_INVALID_ARGUMENT: return "TLC_ERROR_INVALID_ARGUMENT";
  case TLC_ERROR_INVALID_HANDLE: return "TLC_ERROR_INVALID_HANDLE";
  case TLC_ERROR_NOT_FOUND: return "TLC_ERROR_NOT_FOUND";
  case TLC_ERROR_SHAPE: return "TLC_ERROR_SHAPE";
  case TLC_ERROR_DTYPE: return "TLC_ERROR_DTYPE";
  case TLC_ERROR_IO: return "TLC_ERROR_IO";
  case TLC_ERROR_PLAN: return "TLC_ERROR_PLAN";
  case TLC_ERROR_MODEL: return "TLC_ERROR_MODEL";
  case TLC_ERROR_DEVICE: return "TLC_ERROR_DEVICE";
  case TLC_ERROR_RUN: return "TLC_ERROR_RUN";
  case TLC_ERROR_STATE: return "TLC_ERROR_STATE";
  }
  return "TLC_ERROR_UNKNOWN";
}

int tlc_api_version(void) { return TLC_API_VERSION; }
const char *tlc_version(void) { return TLC_VERSION; }

size_t tlc_dtype_size(tlc_dtype dtype) {
  int v = rawEnum(dtype);
  if (v < 0 || v > int(TLC_U8))
    return 0;
  return dtypeBytes(DType(v));
}

const char *tlc_dtype_name(tlc_dtype dtype) {
  static const char *names[] = {"f32", "f16", "i32", "i64", "bool", "u8"};
  int v = rawEnum(dtype);
  return v >= 0 && v <= int(TLC_U8) ? names[v] : "?";
}

tlc_status tlc_device_create(int index, int validation, tlc_device **out) {
  return guarded("tlc_device_create", [&] {
    if (!out)
      return nullArgument("tlc_device_create", "device");
    if (index < -1)
      return fail(TLC_ERROR_INVALID_ARGUMENT,
                  "tlc_device_create: device index " + Twine(index) +
                      ": expected -1 (the default device) or an index "
                      "that `tlc devices` lists");
    DeviceOptions opts;
    opts.index = index;
    opts.validation = validation != 0;
    Expected<std::unique_ptr<Device>> d = Device::create(opts);
    if (!d)
      return fail(TLC_ERROR_DEVICE, d.takeError());
    auto obj = std::make_shared<DeviceObject>();
    obj->device = std::move(*d);
    *out = devices.add<tlc_device>(std::move(obj));
    return TLC_OK;
  });
}

tlc_status tlc_device_destroy(tlc_device *device) {
  return devices.remove(device, "tlc_device_destroy")
             ? TLC_OK
             : TLC_ERROR_INVALID_HANDLE;
}

tlc_status tlc_device_name(tlc_device *device, const char **name) {
  auto dev = devices.get(device, "tlc_device_name");
  if (!dev)
    return TLC_ERROR_INVALID_HANDLE;
  if (!name)
    return nullArgument("tlc_device_name", "name");
  *name = dev->device->info().name.c_str();
  return TLC_OK;
}

tlc_status tlc_device_counters(tlc_device *device, tlc_counters *out) {
  auto dev = devices.get(device, "tlc_device_counters");
  if (!dev)
    return TLC_ERROR_INVALID_HANDLE;
  if (!out)
    return nullArgument("tlc_device_counters", "out");
  RuntimeCounters c = dev->device->counters();
  out->memory_allocations = c.memoryAllocations;
  out->allocated_bytes = c.allocatedBytes;
  out->submits = c.submits;
  out->validation_messages = c.validationMessages;
  out->pipelines_created = c.pipelinesCreated;
  out->descriptor_writes = c.descriptorWrites;
  out->command_buffer_recordings = c.commandBufferRecordings;
  return TLC_OK;
}

tlc_status tlc_plan_load_file(tlc_device *device, const char *path,
                              tlc_plan **out) {
  return guarded("tlc_plan_load_file", [&] {
    if (!devices.get(device, "tlc_plan_load_file"))
      return TLC_ERROR_INVALID_HANDLE;
    if (!path)
      return nullArgument("tlc_plan_load_file", "path");
    if (!out)
      return nullArgument("tlc_plan_load_file", "plan");
    Plan plan;
    if (tlc_status s = readPlan(path, plan))
      return s;
    return loadPlan(device, std::move(plan), out);
  });
}

tlc_status tlc_plan_load_memory(tlc_device *device, const void *data,
                                size_t size, const char *name,
                                tlc_plan **out) {
  return guarded("tlc_plan_load_memory", [&] {
    if (!devices.get(device, "tlc_plan_load_memory"))
      return TLC_ERROR_INVALID_HANDLE;
    if (!data && size)
      return nullArgument("tlc_plan_load_memory", "data");
    if (!out)
      return nullArgument("tlc_plan_load_memory", "plan");
    ArrayRef<uint8_t> bytes(static_cast<const uint8_t *>(data), size);
    Expected<Plan> plan = readPlanBytes(bytes, name ? name : "<memory>");
    if (!plan)
      return fail(TLC_ERROR_PLAN, plan.takeError());
    return loadPlan(device, std::move(*plan), out);
  });
}

tlc_status tlc_plan_destroy(tlc_plan *plan) {
  return plans.remove(plan, "tlc_plan_destroy") ? TLC_OK
                                                : TLC_ERROR_INVALID_HANDLE;
}

tlc_status tlc_plan_input_count(tlc_plan *plan, size_t *count) {
  auto p = plans.get(plan, "tlc_plan_input_count");
  if (!p)
    return TLC_ERROR_INVALID_HANDLE;
  if (!count)
    return nullArgument("tlc_plan_input_count", "count");
  *count = p->loaded->plan().inputs.size();
  return TLC_OK;
}

tlc_status tlc_plan_output_count(tlc_plan *plan, size_t *count) {
  auto p = plans.get(plan, "tlc_plan_output_count");
  if (!p)
    return TLC_ERROR_INVALID_HANDLE;
  if (!count)
    return nullArgument("tlc_plan_output_count", "count");
  *count = p->loaded->plan().outputs.size();
  return TLC_OK;
}

static tlc_status tensorInfo(tlc_plan *plan, size_t index,
                             tlc_tensor_info *info, bool input) {
  const char *fn = input ? "tlc_plan_input_info" : "tlc_plan_output_info";
  return guarded(fn, [&] {
    auto p = plans.get(plan, fn);
    if (!p)
      return TLC_ERROR_INVALID_HANDLE;
    if (!info)
      return nullArgument(fn, "info");
    std::lock_guard<std::mutex> lock(p->mutex);
    const Plan &pl = p->loaded->plan();
    const std::vector<uint32_t> &ids = input ? pl.inputs : pl.outputs;
    if (index >= ids.size())
      return fail(TLC_ERROR_NOT_FOUND,
                  Twine(fn) + ": index " + Twine(uint64_t(index)) +
                      " is out of range: the plan has " +
                      Twine(uint64_t(ids.size())) +
                      (input ? " inputs" : " outputs"));
    std::vector<int64_t> shape = input ? p->loaded->inputShape(index)
                                       : p->loaded->outputShape(index);
    fillInfo(*p->loaded, ids[index], shape, *info);
    return TLC_OK;
  });
}

tlc_status tlc_plan_input_info(tlc_plan *plan, size_t index,
                               tlc_tensor_info *info) {
  return tensorInfo(plan, index, info, true);
}

tlc_status tlc_plan_output_info(tlc_plan *plan, size_t index,
                                tlc_tensor_info *info) {
  return tensorInfo(plan, index, info, false);
}

tlc_status tlc_plan_set_input(tlc_plan *plan, const char *name,
                              tlc_dtype dtype, const int64_t *shape,
                              size_t rank, const void *data, size_t bytes) {
  return guarded("tlc_plan_set_input", [&] {
    const char *fn = "tlc_plan_set_input";
    auto p = plans.get(plan, fn);
    if (!p)
      return TLC_ERROR_INVALID_HANDLE;
    if (!name)
      return nullArgument(fn, "name");
    if (!shape && rank)
      return nullArgument(fn, "shape");
    if (!data && bytes)
      return nullArgument(fn, "data");
    std::lock_guard<std::mutex> lock(p->mutex);
    const Plan &pl = p->loaded->plan();
    Expected<size_t> index = findTensor(pl, pl.inputs, name, "input");
    if (!index)
      return fail(TLC_ERROR_NOT_FOUND, index.takeError());
    const PlanTensor &t = pl.tensors[pl.inputs[*index]];
    int rawDtype = rawEnum(dtype);
    if (rawDtype < 0 || rawDtype > int(TLC_U8))
      return fail(TLC_ERROR_DTYPE, "input '" + t.name + "': dtype " +
                                       Twine(rawDtype) +
                                       " is not a tlc_dtype");
    if (DType(rawDtype) != t.type.dtype)
      return fail(TLC_ERROR_DTYPE,
                  "input '" + t.name + "' has dtype " +
                      dtypeName(t.type.dtype) + ", not " +
                      dtypeName(DType(rawDtype)));
    if (rank > TLC_MAX_RANK)
      return fail(TLC_ERROR_INVALID_ARGUMENT,
                  "input '" + t.name + "': rank " + Twine(uint64_t(rank)) +
                      " exceeds TLC_MAX_RANK (" + Twine(TLC_MAX_RANK) + ")");
    ArrayRef<int64_t> dims(shape, rank);
    uint64_t elements = 1;
    for (int64_t d : dims) {
      if (d < 0 || d > (int64_t(1) << 40))
        return fail(TLC_ERROR_SHAPE, "input '" + t.name + "': dim " +
                                         Twine(d) + " is not a tensor dim");
      elements *= uint64_t(d);
      if (elements > (uint64_t(1) << 40))
        return fail(TLC_ERROR_SHAPE,
                    "input '" + t.name + "': too many elements");
    }
    uint64_t need = elements * dtypeBytes(t.type.dtype);
    if (need != bytes)
      return fail(TLC_ERROR_INVALID_ARGUMENT,
                  "input '" + t.name + "': " + Twine(uint64_t(bytes)) +
                      " bytes given; a tensor of that shape and dtype has " +
                      Twine(need));
    ArrayRef<uint8_t> content(static_cast<const uint8_t *>(data), bytes);
    if (Error e = p->loaded->setInput(*index, content, dims))
      return fail(TLC_ERROR_SHAPE, std::move(e));
    return TLC_OK;
  });
}

tlc_status tlc_plan_set_symbol(tlc_plan *plan, const char *name,
                               int64_t value) {
  return guarded("tlc_plan_set_symbol", [&] {
    auto p = plans.get(plan, "tlc_plan_set_symbol");
    if (!p)
      return TLC_ERROR_INVALID_HANDLE;
    if (!name)
      return nullArgument("tlc_plan_set_symbol", "name");
    std::lock_guard<std::mutex> lock(p->mutex);
    bool known = any_of(p->loaded->plan().symbols,
                        [&](const PlanSymbol &s) { return s.name == name; });
    if (Error e = p->loaded->setSymbol(name, value))
      return fail(known ? TLC_ERROR_SHAPE : TLC_ERROR_NOT_FOUND, std::move(e));
    return TLC_OK;
  });
}

tlc_status tlc_plan_run(tlc_plan *plan) {
  return guarded("tlc_plan_run", [&] {
    auto p = plans.get(plan, "tlc_plan_run");
    if (!p)
      return TLC_ERROR_INVALID_HANDLE;
    std::lock_guard<std::mutex> lock(p->mutex);
    std::lock_guard<std::mutex> queue(p->device->queue);
    Expected<RunTiming> t = p->loaded->runTimed();
    if (!t)
      return fail(TLC_ERROR_RUN, t.takeError());
    p->timing = *t;
    p->ran = true;
    return TLC_OK;
  });
}

tlc_status tlc_plan_get_output(tlc_plan *plan, const char *name, void *data,
                               size_t capacity, size_t *written) {
  return guarded("tlc_plan_get_output", [&] {
    const char *fn = "tlc_plan_get_output";
    auto p = plans.get(plan, fn);
    if (!p)
      return TLC_ERROR_INVALID_HANDLE;
    if (!name)
      return nullArgument(fn, "name");
    if (!data && capacity)
      return nullArgument(fn, "data");
    std::lock_guard<std::mutex> lock(p->mutex);
    const Plan &pl = p->loaded->plan();
    Expected<size_t> index = findTensor(pl, pl.outputs, name, "output");
    if (!index)
      return fail(TLC_ERROR_NOT_FOUND, index.takeError());
    if (!p->ran)
      return fail(TLC_ERROR_STATE, Twine("output '") + name +
                                       "': the plan has not run yet "
                                       "(tlc_plan_run)");
    ArrayRef<uint8_t> bytes = p->loaded->output(*index);
    if (capacity < bytes.size())
      return fail(TLC_ERROR_INVALID_ARGUMENT,
                  Twine("output '") + name + "' is " +
                      Twine(uint64_t(bytes.size())) +
                      " bytes; the buffer holds " + Twine(uint64_t(capacity)));
    if (!bytes.empty())
      std::memcpy(data, bytes.data(), bytes.size());
    if (written)
      *written = bytes.size();
    return TLC_OK;
  });
}

tlc_status tlc_plan_last_timing(tlc_plan *plan, tlc_timing *timing) {
  auto p = plans.get(plan, "tlc_plan_last_timing");
  if (!p)
    return TLC_ERROR_INVALID_HANDLE;
  if (!timing)
    return nullArgument("tlc_plan_last_timing", "timing");
  std::lock_guard<std::mutex> lock(p->mutex);
  if (!p->ran)
    return fail(TLC_ERROR_STATE,
                "tlc_plan_last_timing: the plan has not run yet");
  timing->host_us = p->timing.hostMicros;
  timing->gpu_us = p->timing.gpuMicros;
  return TLC_OK;
}

/// Loads \p plan as a generator on \p dev.
static tlc_status loadGenerator(std::shared_ptr<DeviceObject> dev,
                              const Plan &plan, tlc_generator **out) {
  std::unique_ptr<PlanGenerator> gen;
  {
    std::lock_guard<std::mutex> lock(dev->queue);
    Expected<std::unique_ptr<PlanGenerator>> g =
        PlanGenerator::load(*dev->device, plan);
    if (!g)
      return fail(TLC_ERROR_PLAN, g.takeError());
    gen = std::move(*g);
  }
  auto obj = std::make_shared<GeneratorObject>();
  obj->device = std::move(dev);
  obj->generator = std::move(gen);
  *out = generators.add<tlc_generator>(std::move(obj));
  return TLC_OK;
}

tlc_status tlc_generator_load_file(tlc_device *device, const char *path,
                                   tlc_generator **out) {
  return guarded("tlc_generator_load_file", [&] {
    const char *fn = "tlc_generator_load_file";
    auto dev = devices.get(device, fn);
    if (!dev)
      return TLC_ERROR_INVALID_HANDLE;
    if (!path)
      return nullArgument(fn, "path");
    if (!out)
      return nullArgument(fn, "generator");
    Plan plan;
    if (tlc_status s = readPlan(path, plan))
      return s;
    return loadGenerator(std::move(dev), plan, out);
  });
}

tlc_status tlc_generator_load_memory(tlc_device *device, const void *data,
                                     size_t size, const char *name,
                                     tlc_generator **out) {
  return guarded("tlc_generator_load_memory", [&] {
    const char *fn = "tlc_generator_load_memory";
    auto dev = devices.get(device, fn);
    if (!dev)
      return TLC_ERROR_INVALID_HANDLE;
    if (!data && size)
      return nullArgument(fn, "data");
    if (!out)
      return nullArgument(fn, "generator");
    ArrayRef<uint8_t> bytes(static_cast<const uint8_t *>(data), size);
    Expected<Plan> plan = readPlanBytes(bytes, name ? name : "<memory>");
    if (!plan)
      return fail(TLC_ERROR_PLAN, plan.takeError());
    return loadGenerator(std::move(dev), *plan, out);
  });
}

tlc_status tlc_generator_destroy(tlc_generator *generator) {
  return generators.remove(generator, "tlc_generator_destroy")
             ? TLC_OK
             : TLC_ERROR_INVALID_HANDLE;
}

tlc_status tlc_generator_info(tlc_generator *generator, int64_t *vocab,
                              int64_t *context_length, int *kv_cache) {
  auto g = generators.get(generator, "tlc_generator_info");
  if (!g)
    return TLC_ERROR_INVALID_HANDLE;
  if (vocab)
    *vocab = g->generator->vocab();
  if (context_length)
    *context_length = g->generator->contextLength();
  if (kv_cache)
    *kv_cache = g->generator->hasKvCache() ? 1 : 0;
  return TLC_OK;
}

tlc_status tlc_generator_position(tlc_generator *generator,
                                  int64_t *position) {
  auto g = generators.get(generator, "tlc_generator_position");
  if (!g)
    return TLC_ERROR_INVALID_HANDLE;
  if (!position)
    return nullArgument("tlc_generator_position", "position");
  std::lock_guard<std::mutex> lock(g->mutex);
  *position = g->generator->position();
  return TLC_OK;
}

tlc_status tlc_generator_reset(tlc_generator *generator) {
  auto g = generators.get(generator, "tlc_generator_reset");
  if (!g)
    return TLC_ERROR_INVALID_HANDLE;
  std::lock_guard<std::mutex> lock(g->mutex);
  g->generator->reset();
  return TLC_OK;
}

/// One append under the generator's and the device's locks; \p logits must
/// hold vocab() floats.
static tlc_status appendTokens(GeneratorObject &g, ArrayRef<int64_t> ids,
                               MutableArrayRef<float> logits) {
  PlanGenerator &gen = *g.generator;
  if (ids.empty())
    return fail(TLC_ERROR_INVALID_ARGUMENT, "no tokens to append");
  // PlanGenerator::append checks the context and words the error as
  // `tlc generate` prints it; only the status is chosen here.
  bool pastContext =
      gen.position() + int64_t(ids.size()) > gen.contextLength();
  std::lock_guard<std::mutex> queue(g.device->queue);
  if (Error e = gen.append(ids, logits))
    return fail(pastContext ? TLC_ERROR_SHAPE : TLC_ERROR_RUN, std::move(e));
  return TLC_OK;
}

tlc_status tlc_generator_append(tlc_generator *generator, const int64_t *ids,
                                size_t count, float *logits, size_t vocab) {
  return guarded("tlc_generator_append", [&] {
    const char *fn = "tlc_generator_append";
    auto g = generators.get(generator, fn);
    if (!g)
      return TLC_ERROR_INVALID_HANDLE;
    if (!ids && count)
      return nullArgument(fn, "ids");
    if (!logits && vocab)
      return nullArgument(fn, "logits");
    std::lock_guard<std::mutex> lock(g->mutex);
    int64_t v = g->generator->vocab();
    if (logits && int64_t(vocab) != v)
      return fail(TLC_ERROR_INVALID_ARGUMENT,
                  Twine(fn) + ": room for " + Twine(uint64_t(vocab)) +
                      " logits; the vocabulary has " + Twine(v));
    std::vector<float> scratch;
    MutableArrayRef<float> out(logits, vocab);
    if (!logits) {
      scratch.resize(size_t(v));
      out = scratch;
    }
    return appendTokens(*g, ArrayRef<int64_t>(ids, count), out);
  });
}

tlc_status tlc_generator_generate(tlc_generator *generator,
                                  const int64_t *prompt, size_t prompt_count,
                                  size_t max_new, const tlc_sampling *sampling,
                                  int64_t eos, int64_t *out,
                                  size_t *generated) {
  return guarded("tlc_generator_generate", [&] {
    const char *fn = "tlc_generator_generate";
    auto g = generators.get(generator, fn);
    if (!g)
      return TLC_ERROR_INVALID_HANDLE;
    if (!prompt && prompt_count)
      return nullArgument(fn, "prompt");
    if (!out && max_new)
      return nullArgument(fn, "out");
    if (!generated)
      return nullArgument(fn, "generated");
    *generated = 0;
    SamplingOptions opts;
    if (sampling) {
      opts.temperature = sampling->temperature;
      opts.topK = sampling->top_k;
      opts.topP = sampling->top_p;
      opts.seed = sampling->seed;
    }
    if (Error e = checkSamplingOptions(opts))
      return fail(TLC_ERROR_INVALID_ARGUMENT, std::move(e));
    std::lock_guard<std::mutex> lock(g->mutex);
    PlanGenerator &gen = *g->generator;
    std::vector<float> logits(size_t(gen.vocab()));
    std::mt19937_64 rng(opts.seed);
    int64_t next = -1;
    if (prompt_count) {
      if (tlc_status s = appendTokens(
              *g, ArrayRef<int64_t>(prompt, prompt_count), logits))
        return s;
    } else if (max_new) {
      return fail(TLC_ERROR_INVALID_ARGUMENT,
                  Twine(fn) + ": an empty prompt: the logits to choose the "
                              "first token from come from the prompt");
    }
    for (size_t i = 0; i < max_new; ++i) {
      next = chooseToken(logits, opts, rng);
      out[i] = next;
      *generated = i + 1;
      if (next == eos || i + 1 == max_new)
        break;
      if (tlc_status s = appendTokens(*g, next, logits))
        return s;
    }
    return TLC_OK;
  });
}

} // extern "C"
