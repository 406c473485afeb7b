//===- capi/Errors.cpp - The C API's per-thread error text and tokens -----===//
#include "capi/Handles.h"

#include <string>

namespace tlc::capi {

static thread_local std::string lastError;

uintptr_t newToken(HandleKind kind) {
  static std::atomic<uintptr_t> counter{0};
  return ((counter.fetch_add(1) + 1) << 4) | uintptr_t(kind);
}

} // namespace tlc::capi

extern "C" {

const char *tlc_last_error(void) { return tlc::capi::lastError.c_str(); }

void tlc_internal_set_last_error(const char *message) {
  tlc::capi::lastError = message ? message : "";
}

} // extern "C"
