//===- driver/PassRegistry.h - Graph passes by name -------------*- C++ -*-===//
//
// The graph-to-graph passes of compileGraph (driver/Pipeline.cpp) by the
// names its --print-after-all dumps use, so that `tlc opt FILE.tlir
// --passes=a,b` can run any of them alone on a graph read from text
// (ir/TextParser.h) and each has a golden test (tests/lit/passes/).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_DRIVER_PASSREGISTRY_H
#define TLC_DRIVER_PASSREGISTRY_H

#include "ir/Graph.h"
#include "ops/KernelTarget.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace tlc {

/// What a pass may read besides the graph (compileGraph's options).
struct PassContext {
  KernelTarget target;
  uint64_t maxBindingBytes = uint64_t(128) << 20;
};

struct GraphPassInfo {
  const char *name;        // e.g. "constant-folding"
  const char *description; // one line, for --help
  llvm::Error (*run)(Graph &g, const PassContext &ctx);
};

/// Every registered pass, in compileGraph's order.
llvm::ArrayRef<GraphPassInfo> graphPasses();

/// The pass named \p name, or nullptr.
const GraphPassInfo *lookupGraphPass(llvm::StringRef name);

} // namespace tlc

#endif // TLC_DRIVER_PASSREGISTRY_H
