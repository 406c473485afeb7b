//===- fuzz/FuzzCApiPlan.cpp - libFuzzer target: plans from memory, C API -===//
//
// Feeds arbitrary bytes to tlc_plan_load_memory (include/tlc/tlc.h) on one
// Vulkan device (lavapipe) created once: the whole path an application's
// plan takes, from the reader through validation against the device's
// limits to allocation, pipeline creation and command recording. As in
// fuzz/FuzzPlan.cpp the checksum field (bytes [48, 56)) of inputs of 64
// bytes or more is rewritten so that mutations get past it. Every input must
// give a plan or a status with a message; a loaded plan's inputs and outputs
// are listed, each input is set to zeros at its largest shape, and the plan
// is destroyed (not run: a mutated shader or group count could legitimately
// run for a long time).
//
//===----------------------------------------------------------------------===//
#include "tlc/tlc.h"

#include "fuzz/PlanChecksum.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

static tlc_device *device() {
  static tlc_device *d = [] {
    tlc_device *dev = nullptr;
    if (tlc_device_create(-1, 0, &dev) != TLC_OK) {
      std::fprintf(stderr, "fuzz_capi_plan: %s\n", tlc_last_error());
      std::abort();
    }
    return dev;
  }();
  return d;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<uint8_t> bytes = tlc::fuzz::withPlanChecksum(data, size);
  tlc_plan *plan = nullptr;
  if (tlc_plan_load_memory(device(), bytes.data(), bytes.size(), "fuzz.tlp",
                           &plan) != TLC_OK) {
    if (!*tlc_last_error())
      std::abort(); // every failure must say why
    return 0;
  }
  size_t inputs = 0, outputs = 0;
  tlc_plan_input_count(plan, &inputs);
  tlc_plan_output_count(plan, &outputs);
  for (size_t i = 0; i < outputs; ++i) {
    tlc_tensor_info info;
    tlc_plan_output_info(plan, i, &info);
  }
  for (size_t i = 0; i < inputs; ++i) {
    tlc_tensor_info info;
    if (tlc_plan_input_info(plan, i, &info) != TLC_OK)
      continue;
    uint64_t elements = 1;
    for (size_t d = 0; d < info.rank; ++d)
      elements *= uint64_t(info.max_shape[d]);
    uint64_t need = elements * tlc_dtype_size(info.dtype);
    if (need > (uint64_t(64) << 20))
      continue;
    std::vector<uint8_t> zeros(need);
    tlc_plan_set_input(plan, info.name, info.dtype, info.max_shape, info.rank,
                       zeros.data(), zeros.size());
  }
  tlc_plan_destroy(plan);
  return 0;
}
