//===- tests/unit/ConvTestUtil.h - Graphs through both targets -*- C++ -*-===//
//
// Helpers for the convolution and epilogue-fusion tests: a whole graph
// evaluated node by node through the ops' CPU references (the unfused
// reference), and the same graph compiled for a kernel target ("cpu" or
// "gpu" profile), round-tripped through the .tlp format and run on the
// default Vulkan device (lavapipe in CI) with validation on.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TESTS_CONVTESTUTIL_H
#define TLC_TESTS_CONVTESTUTIL_H

#include "codegen/Plan.h"
#include "ir/Graph.h"
#include "ops/OpDef.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace tlc {
namespace testing {

/// Evaluates \p g (typed by shape inference on a copy; nodes in their given
/// order, which must be topological) with every op's CPU reference, graph
/// inputs bound to \p inputs (graph input order). Returns the graph outputs.
/// Errors when shape inference rejects the graph or an input's type differs.
llvm::Expected<std::vector<HostTensor>>
runGraphReference(const Graph &g, const std::vector<HostTensor> &inputs);

/// Compiles \p g with the full pipeline for the kernel target \p target
/// ("cpu" or "gpu"), writes and reads back the .tlp file, runs it once on
/// the default device with validation on and returns the outputs. When
/// \p plan is non-null the compiled plan is stored there. Errors: compile
/// and runtime errors, and any validation-layer message.
llvm::Expected<std::vector<HostTensor>>
runGraphOnDevice(const Graph &g, llvm::StringRef target,
                 const std::vector<HostTensor> &inputs, Plan *plan = nullptr);

/// Conv / FusedConv / ConvTranspose attributes.
Attributes convAttrs(std::vector<int64_t> strides, std::vector<int64_t> pads,
                     std::vector<int64_t> dilations, int64_t group);

/// Number of Dispatch commands in \p plan, and of those using \p shader
/// when it is non-empty.
size_t countDispatches(const Plan &plan, llvm::StringRef shader = "");

/// Number of schedule steps (nodes) of \p plan that have at least one
/// Dispatch command: the nodes left after fusion that are not views.
size_t countDispatchingSteps(const Plan &plan);

/// A small graph builder: values by name, weights from HostTensors.
class GraphBuilder {
public:
  GraphBuilder();
  /// Adds graph input \p name of \p shape (f32).
  ValueId input(const std::string &name, Shape shape);
  /// Adds a weight \p name holding \p t.
  ValueId weight(const std::string &name, const HostTensor &t);
  /// Adds a node; its one output is a new value named \p out.
  ValueId node(const std::string &op, std::vector<ValueId> inputs,
               const std::string &out, Attributes attrs = {});
  /// Marks \p v a graph output.
  void output(ValueId v);
  Graph take() { return std::move(g_); }
  Graph &graph() { return g_; }

private:
  Graph g_;
};

} // namespace testing
} // namespace tlc

#endif // TLC_TESTS_CONVTESTUTIL_H
