//===- ir/Graph.h - The tensor IR: values, nodes, graph ---------*- C++ -*-===//
//
// A Graph is a list of Nodes (ops, ONNX opset 17 names and semantics) over
// Values (tensors with static types). After the schedule pass, the order of
// Graph::nodes is the execution order: node i runs at schedule step i.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_GRAPH_H
#define TLC_IR_GRAPH_H

#include "ir/Types.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tlc {

using ValueId = uint32_t;
using NodeId = uint32_t;

/// Where something came from in a user's file, for error messages.
struct SourceLoc {
  std::string file;
  unsigned line = 0;   // 1-based; 0 when unknown
  unsigned column = 0; // 1-based; 0 when unknown
  /// "file:line:col", or "file" when the position is unknown.
  std::string str() const;
};

/// Builds an llvm::Error "<loc>: <message>".
llvm::Error errorAt(const SourceLoc &loc, const llvm::Twine &message);

enum class ValueKind : uint8_t {
  Input,        // graph input, written by the host before each run
  Weight,       // constant data known at compile time (weights, constants)
  Intermediate, // produced by a node
  /// Planned state (a KV cache): device memory that persists from run to
  /// run, zeroed when the plan is loaded, never shared with another tensor.
  /// Nodes read it and update it in place (TensorScatter over it writes its
  /// bytes; OpMemoryTraits::updatesInput0); the host never writes it.
  State,
};

/// A tensor in the graph.
struct Value {
  std::string name;
  TensorType type;
  bool hasType = false; // set by the parser (inputs, weights) or shape inference
  ValueKind kind = ValueKind::Intermediate;
  std::optional<NodeId> producer; // the node that defines it (Intermediate)
  /// Weight contents: numElements * dtypeBytes bytes, little-endian, row-major.
  std::vector<uint8_t> data;
  /// A shape value of a graph compiled for shape ranges (a Weight of dtype
  /// i32 or i64 that Shape, Slice, Concat... computed from symbolic dims):
  /// its elements as expressions, row-major, one per element; `data` then
  /// holds their values at the upper bounds. Empty for every other value.
  std::vector<DimExpr> symData;
  SourceLoc loc;
};

/// One attribute value (ONNX attribute kinds tlc uses). The last kind, a
/// list of dimension expressions, exists only inside the compiler: passes
/// that fuse ops of a graph compiled for shape ranges record sizes and
/// strides that depend on the symbols (passes/FuseAttention.cpp). No model
/// format holds it.
using AttrValue =
    std::variant<int64_t, double, std::string, std::vector<int64_t>,
                 std::vector<double>, std::vector<DimExpr>>;

/// A node's attributes, ordered by name so that printing is deterministic.
struct Attributes {
  std::map<std::string, AttrValue> values;

  bool has(llvm::StringRef name) const;
  /// Integer attribute, or \p def when absent. Errors when present with
  /// another kind.
  llvm::Expected<int64_t> getInt(llvm::StringRef name, int64_t def) const;
  llvm::Expected<double> getFloat(llvm::StringRef name, double def) const;
  llvm::Expected<std::vector<int64_t>>
  getInts(llvm::StringRef name, std::vector<int64_t> def) const;
  llvm::Expected<std::string> getString(llvm::StringRef name,
                                        std::string def) const;
  /// Integer list whose entries may be dimension expressions: an integer
  /// list (as constants) or an expression list, or \p def when absent.
  /// getInts accepts an expression list whose entries are all constants.
  llvm::Expected<std::vector<DimExpr>>
  getDims(llvm::StringRef name, std::vector<DimExpr> def) const;
};

/// expr <= max must hold for every run (Graph::requirements).
struct DimRequirement {
  DimExpr expr;
  int64_t max = 0;
};

/// One op application.
struct Node {
  std::string op;   // ONNX op type, e.g. "Conv"
  std::string name; // unique label; defaults to the first output's name
  llvm::SmallVector<ValueId, 4> inputs;
  llvm::SmallVector<ValueId, 2> outputs;
  Attributes attrs;
  SourceLoc loc;
};

/// The whole model.
class Graph {
public:
  std::string name;
  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<ValueId> inputs;  // in declaration order
  std::vector<ValueId> outputs; // in declaration order
  /// Symbols of a graph compiled for a range of shapes (ir/DimExpr.h), in
  /// declaration order; input dims refer to them.
  std::vector<DimSymbol> symbols;
  /// What must hold of the symbols beyond their ranges for a run to be
  /// valid, e.g. past + sequence <= 2048 (a KV cache's rows): the runtime
  /// refuses a run that breaks one, naming it (Plan::requirements).
  std::vector<DimRequirement> requirements;
  /// What a model carries beyond its graph, copied into the plan
  /// (Plan::metadata, Plan::attachments): e.g. a language model's context
  /// length and end-of-sequence id, and its vocabulary as a file.
  std::map<std::string, std::string> metadata;
  std::map<std::string, std::vector<uint8_t>> attachments;

  /// Adds a value; errors when its name is already taken.
  llvm::Expected<ValueId> addValue(Value v);
  /// Adds a node and records it as the producer of its outputs.
  NodeId addNode(Node n);
  /// The value named \p name, if any.
  std::optional<ValueId> lookup(llvm::StringRef name) const;
  /// \p base, or else base_1, base_2, ...: the first name no value has (for
  /// values a pass creates).
  std::string freshName(llvm::StringRef base) const;
  /// Rebuilds the name index and producers after nodes/values were edited.
  void reindex();

  Value &value(ValueId id) { return values[id]; }
  const Value &value(ValueId id) const { return values[id]; }
  bool isOutput(ValueId id) const;

private:
  llvm::StringMap<ValueId> byName;
};

/// Weights of at most this many elements print their values when
/// PrintOptions::inlineConstants is set.
constexpr int64_t kMaxInlineElements = 16;

struct PrintOptions {
  /// Print the values of weights of at most kMaxInlineElements elements
  /// ("weight %c : 2xi64 = [1, 2]"), as `tlc opt` does, so that a pass's
  /// golden test can read constants back (ir/TextParser.h).
  bool inlineConstants = false;
};

/// Prints the IR in a stable, readable text form (tlc compile --print-ir),
/// which parseGraphText (ir/TextParser.h) reads back.
void printGraph(const Graph &g, llvm::raw_ostream &os,
                const PrintOptions &opts = {});

} // namespace tlc

#endif // TLC_IR_GRAPH_H
