//===- tools/HostAllocations.cpp - Counting operator new ------------------===//
//
// Replacement global allocation functions (C++17 [new.delete.single],
// [new.delete.array]): malloc / aligned_alloc plus a relaxed atomic count.
// The matching deallocation functions free.
//
//===----------------------------------------------------------------------===//
#include "tools/HostAllocations.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<uint64_t> allocationCount{0};

void *allocate(std::size_t n) {
  allocationCount.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(n ? n : 1))
    return p;
  throw std::bad_alloc();
}

void *allocateAligned(std::size_t n, std::align_val_t al) {
  allocationCount.fetch_add(1, std::memory_order_relaxed);
  std::size_t a = std::size_t(al) < sizeof(void *) ? sizeof(void *)
                                                   : std::size_t(al);
  std::size_t size = (n + a - 1) / a * a; // aligned_alloc: a multiple of a
  if (void *p = std::aligned_alloc(a, size ? size : a))
    return p;
  throw std::bad_alloc();
}
} // namespace

uint64_t tlc::hostAllocations() {
  return allocationCount.load(std::memory_order_relaxed);
}

void *operator new(std::size_t n) { return allocate(n); }
void *operator new[](std::size_t n) { return allocate(n); }
void *operator new(std::size_t n, const std::nothrow_t &) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void *operator new[](std::size_t n, const std::nothrow_t &) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void *operator new(std::size_t n, std::align_val_t al) {
  return allocateAligned(n, al);
}
void *operator new[](std::size_t n, std::align_val_t al) {
  return allocateAligned(n, al);
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
void operator delete[](void *p, std::size_t) noexcept { std::free(p); }
void operator delete(void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void *p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void *p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
