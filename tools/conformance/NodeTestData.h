//===- tools/conformance/NodeTestData.h - ONNX node-test files --*- C++ -*-===//
//
// Reads one ONNX backend node test (onnx/backend/test/data/node/<test>/, as
// Debian's libonnx-testdata installs it): model.onnx and
// test_data_set_N/{input_K.pb, output_K.pb}, each .pb one serialized
// TensorProto. Prepares the model for tlc, which compiles for static
// shapes: every input is bound to the shape of its .pb file, and on request
// operands that tlc needs at compile time (shapes, axes, scales) become
// initializers holding the test's data, as they are constants in real
// models.
//
// Protobuf stays inside NodeTestData.cpp; this header shows only tlc types.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_CONFORMANCE_NODETESTDATA_H
#define TLC_TOOLS_CONFORMANCE_NODETESTDATA_H

#include "ir/ModelParser.h"
#include "ir/Types.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tlc {

/// One input_K.pb or output_K.pb file.
struct TensorFile {
  std::string path;
  std::string name;   // TensorProto.name (may be empty)
  std::string dtype;  // ONNX TensorProto.DataType name, e.g. "FLOAT"
  bool isF32 = false; // dtype == FLOAT and the data decoded
  /// tlc's dtype of the decoded data (BOOL decodes as i64); std::nullopt
  /// when it was not decoded.
  std::optional<DType> tlcType;
  Shape dims; // TensorProto.dims
  /// Little-endian row-major bytes when the dtype is one tlc decodes (f32,
  /// i32, i64, bool as i64); empty otherwise.
  std::vector<uint8_t> data;
  /// Why the data could not be decoded ("" when it was).
  std::string decodeError;
};

/// One test_data_set_N directory.
struct TestDataSet {
  std::string dir;
  std::vector<TensorFile> inputs;  // input_0.pb, input_1.pb, ...
  std::vector<TensorFile> outputs; // output_0.pb, output_1.pb, ...
};

/// One node in model.onnx, as the registry check sees it.
struct ModelNodeInfo {
  std::string opType;
  std::string domain; // "" or "ai.onnx" for the default domain
};

/// A test directory read from disk.
struct NodeTestCase {
  std::string name; // directory name, e.g. "test_relu"
  std::string dir;
  std::vector<uint8_t> modelBytes; // model.onnx as read
  std::vector<ModelNodeInfo> nodes;
  int64_t opsetVersion = 0; // default-domain opset of model.onnx
  std::vector<TestDataSet> dataSets;
};

/// Reads \p dir. Errors name the file: model.onnx unreadable or not a
/// ModelProto, an unreadable .pb file, or no test_data_set_0 directory. A
/// .pb that is no TensorProto, or whose dtype tlc cannot decode, is not an
/// error (TensorFile::decodeError says why).
llvm::Expected<NodeTestCase> readNodeTest(llvm::StringRef dir);

/// The model as tlc will import it for one data set.
struct PreparedModel {
  std::vector<uint8_t> bytes;  // serialized ModelProto
  ModelParseOptions parseOpts; // input shapes from the .pb files
  /// Graph inputs turned into initializers, in graph-input order.
  std::vector<std::string> frozenInputs;
  /// The graph inputs left, by name: index into TestDataSet::inputs.
  std::map<std::string, unsigned> inputFiles;
};

/// Which graph inputs prepareModel turns into initializers.
enum class FreezeLevel {
  None,          // every input stays an input, as the test gives it
  IntegerInputs, // INT32, INT64 and BOOL inputs that are no node's input 0
  Parameters,    // those, and such FLOAT inputs too
};

/// Rewrites \p test's model for \p set: every graph input is bound to the
/// dims of its .pb file, and the inputs that \p level selects become
/// initializers holding the data set's tensors: integer operands that tlc's
/// shape rules need at compile time (Reshape's shape, Slice's starts), and
/// at FreezeLevel::Parameters also f32 operands such as Resize's scales. The
/// data operands (every node's input 0) stay inputs, so the op still runs on
/// the device; when no input would stay, nothing is frozen. Inputs are
/// matched to files by position (input_K.pb is graph input K, the ONNX
/// backend-test convention). Errors: input/file count mismatch, or a frozen
/// input's data that could not be decoded (naming the file).
llvm::Expected<PreparedModel> prepareModel(const NodeTestCase &test,
                                           const TestDataSet &set,
                                           FreezeLevel level);

/// The test directories under \p root (those holding model.onnx), sorted by
/// name. Errors when \p root cannot be listed.
llvm::Expected<std::vector<std::string>> listNodeTests(llvm::StringRef root);

} // namespace tlc

#endif // TLC_TOOLS_CONFORMANCE_NODETESTDATA_H
