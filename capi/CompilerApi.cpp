//===- capi/CompilerApi.cpp - The C API: tlc_compile_* ---------------------===//
//
// include/tlc/tlc.h's compile entry points over driver/ModelCompile.h, the
// code `tlc compile` runs, so options and messages are the command line's.
// Lives in libtlc_compiler; the runtime library has none of this.
//
//===----------------------------------------------------------------------===//
#include "capi/Handles.h"

#include "driver/ModelCompile.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"

#include <cstdlib>
#include <cstring>
#include <new>

using namespace llvm;
using namespace tlc;
using namespace tlc::capi;

/// Splits a ';'-separated option value into flag values, empty parts
/// dropped.
static std::vector<std::string> splitList(const char *text) {
  std::vector<std::string> out;
  if (!text)
    return out;
  SmallVector<StringRef, 4> parts;
  StringRef(text).split(parts, ';', -1, false);
  for (StringRef p : parts)
    if (!p.trim().empty())
      out.push_back(p.trim().str());
  return out;
}

/// The request `tlc compile MODEL` with \p o's flags would make. Errors: a
/// struct_size this library does not know.
static tlc_status makeRequest(const char *fn, const char *model,
                              const tlc_compile_options *o,
                              ModelCompileRequest &req) {
  if (!model)
    return fail(TLC_ERROR_INVALID_ARGUMENT, Twine(fn) + ": model_path is NULL");
  req.modelPath = model;
  if (!o)
    return TLC_OK;
  if (o->struct_size < offsetof(tlc_compile_options, max_context) +
                           sizeof(o->max_context) ||
      o->struct_size > sizeof(tlc_compile_options))
    return fail(TLC_ERROR_INVALID_ARGUMENT,
                Twine(fn) + ": options->struct_size is " +
                    Twine(uint64_t(o->struct_size)) +
                    "; call tlc_compile_options_init first");
  if (o->planner)
    req.planner = o->planner;
  if (o->schedule)
    req.schedule = o->schedule;
  if (o->target)
    req.target = o->target;
  if (o->precision)
    req.precision = o->precision;
  req.inputShapes = splitList(o->input_shapes);
  req.dims = splitList(o->dims);
  if (o->plan_time_limit != 0)
    req.planTimeLimit = o->plan_time_limit;
  req.maxContext = o->max_context;
  return TLC_OK;
}

/// Compiles \p req; option errors are TLC_ERROR_INVALID_ARGUMENT (their
/// message starts with the flag), a model path that does not exist
/// TLC_ERROR_IO, the rest TLC_ERROR_MODEL.
static tlc_status compile(const ModelCompileRequest &req, Plan &out) {
  Expected<Plan> plan = compileModelRequest(req);
  if (!plan) {
    std::string msg = toString(plan.takeError());
    if (StringRef(msg).startswith("--"))
      return fail(TLC_ERROR_INVALID_ARGUMENT, msg);
    return fail(sys::fs::exists(req.modelPath) ? TLC_ERROR_MODEL
                                               : TLC_ERROR_IO,
                msg);
  }
  out = std::move(*plan);
  return TLC_OK;
}

extern "C" {

void tlc_compile_options_init(tlc_compile_options *options) {
  if (!options)
    return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
}

tlc_status tlc_compile_file(const char *model_path,
                            const tlc_compile_options *options,
                            const char *plan_path) {
  try {
    ModelCompileRequest req;
    if (tlc_status s = makeRequest("tlc_compile_file", model_path, options, req))
      return s;
    if (!plan_path)
      return fail(TLC_ERROR_INVALID_ARGUMENT,
                  "tlc_compile_file: plan_path is NULL");
    Plan plan;
    if (tlc_status s = compile(req, plan))
      return s;
    if (Error e = writePlanFile(plan, plan_path))
      return fail(TLC_ERROR_IO, std::move(e));
    return TLC_OK;
  } catch (const std::bad_alloc &) {
    return fail(TLC_ERROR_INVALID_ARGUMENT,
                "tlc_compile_file: out of host memory");
  }
}

tlc_status tlc_compile_to_memory(const char *model_path,
                                 const tlc_compile_options *options,
                                 void **data, size_t *size) {
  try {
    ModelCompileRequest req;
    if (tlc_status s =
            makeRequest("tlc_compile_to_memory", model_path, options, req))
      return s;
    if (!data || !size)
      return fail(TLC_ERROR_INVALID_ARGUMENT,
                  "tlc_compile_to_memory: data or size is NULL");
    Plan plan;
    if (tlc_status s = compile(req, plan))
      return s;
    Expected<std::vector<uint8_t>> bytes = writePlanBytes(plan);
    if (!bytes)
      return fail(TLC_ERROR_MODEL, bytes.takeError());
    void *copy = std::malloc(bytes->size() ? bytes->size() : 1);
    if (!copy)
      return fail(TLC_ERROR_INVALID_ARGUMENT,
                  "tlc_compile_to_memory: out of host memory");
    std::memcpy(copy, bytes->data(), bytes->size());
    *data = copy;
    *size = bytes->size();
    return TLC_OK;
  } catch (const std::bad_alloc &) {
    return fail(TLC_ERROR_INVALID_ARGUMENT,
                "tlc_compile_to_memory: out of host memory");
  }
}

void tlc_free(void *data) { std::free(data); }

} // extern "C"
