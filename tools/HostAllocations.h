//===- tools/HostAllocations.h - Counting host heap allocations -*- C++ -*-===//
//
// The tlc executable replaces the global operator new (every form, C++17
// [new.delete]) with one that counts calls before taking memory from
// malloc, so `tlc generate` can report the host allocations a decoded token
// costs. C code that calls malloc itself (the Vulkan driver) is not counted.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_HOSTALLOCATIONS_H
#define TLC_TOOLS_HOSTALLOCATIONS_H

#include <cstdint>

namespace tlc {

/// Calls of the global operator new in this process so far (the tlc
/// executable only: other binaries do not link the counting replacement).
uint64_t hostAllocations();

} // namespace tlc

#endif // TLC_TOOLS_HOSTALLOCATIONS_H
