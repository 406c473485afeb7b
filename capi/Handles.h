//===- capi/Handles.h - Handle tokens and errors of the C API ---*- C++ -*-===//
//
// include/tlc/tlc.h promises that a NULL, destroyed or wrong-kind handle is
// an error, never a crash. A handle is therefore a token: a number that is
// never reused, with the kind in its low bits, looked up in a table of live
// objects; the C pointer type only carries it. A lookup returns a
// shared_ptr, so an object destroyed by one thread stays valid for a call
// another thread is making on it.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_CAPI_HANDLES_H
#define TLC_CAPI_HANDLES_H

#include "tlc/tlc.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

/// Sets the calling thread's tlc_last_error text (exported by
/// libtlc_runtime for libtlc_compiler; not part of the public API).
extern "C" TLC_API void tlc_internal_set_last_error(const char *message);

namespace tlc::capi {

/// Records \p message as the calling thread's last error and returns
/// \p status. The message lives in libtlc_runtime (capi/Errors.cpp), which
/// libtlc_compiler reaches through tlc_internal_set_last_error.
inline tlc_status fail(tlc_status status, const llvm::Twine &message) {
  tlc_internal_set_last_error(message.str().c_str());
  return status;
}
/// Same with the text of \p error (its messages joined by newlines: what the
/// command line prints after "tlc: error: ").
inline tlc_status fail(tlc_status status, llvm::Error error) {
  return fail(status, llvm::toString(std::move(error)));
}

/// Kinds of handles (the token's low 4 bits).
enum class HandleKind : uintptr_t { Device = 1, Plan = 2, Generator = 3 };

/// Next token of \p kind: a counter shifted past the kind bits; never 0 and
/// never reused within a process.
uintptr_t newToken(HandleKind kind);

/// The live objects of one kind, by token.
template <typename T, HandleKind Kind> class HandleTable {
public:
  /// Registers \p obj; returns its handle.
  template <typename H> H *add(std::shared_ptr<T> obj) {
    uintptr_t token = newToken(Kind);
    std::lock_guard<std::mutex> lock(mutex);
    live.emplace(token, std::move(obj));
    return reinterpret_cast<H *>(token);
  }
  /// The object of \p handle, or null (the thread's error then says why:
  /// NULL, another kind, or destroyed) with \p what naming the function.
  template <typename H> std::shared_ptr<T> get(H *handle, const char *what) {
    uintptr_t token = reinterpret_cast<uintptr_t>(handle);
    if (std::shared_ptr<T> obj = find(token))
      return obj;
    fail(TLC_ERROR_INVALID_HANDLE, describe(token, what));
    return nullptr;
  }
  /// Removes \p handle; false (with the error set) when it is not live.
  template <typename H> bool remove(H *handle, const char *what) {
    uintptr_t token = reinterpret_cast<uintptr_t>(handle);
    std::shared_ptr<T> obj; // destroyed after the lock is released
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = live.find(token);
      if (it != live.end()) {
        obj = std::move(it->second);
        live.erase(it);
      }
    }
    if (!obj)
      fail(TLC_ERROR_INVALID_HANDLE, describe(token, what));
    return bool(obj);
  }

private:
  std::shared_ptr<T> find(uintptr_t token) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = live.find(token);
    return it == live.end() ? nullptr : it->second;
  }
  static std::string describe(uintptr_t token, const char *what) {
    static const char *names[] = {"?", "device", "plan", "generator"};
    const char *want = names[uintptr_t(Kind)];
    if (token == 0)
      return std::string(what) + ": the " + want + " handle is NULL";
    uintptr_t kind = token & 15;
    if (kind != uintptr_t(Kind))
      return std::string(what) + ": not a " + want + " handle" +
             (kind >= 1 && kind <= 3
                  ? std::string(" (a ") + names[kind] + " handle)"
                  : std::string());
    return std::string(what) + ": the " + want +
           " handle was destroyed (or never created)";
  }

  std::mutex mutex;
  std::unordered_map<uintptr_t, std::shared_ptr<T>> live;
};

} // namespace tlc::capi

#endif // TLC_CAPI_HANDLES_H
