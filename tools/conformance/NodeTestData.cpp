//===- tools/conformance/NodeTestData.cpp - ONNX node-test files ----------===//
//
// Reading a node-test directory with protobuf and rewriting its model so that
// tlc's importer accepts its inputs (see NodeTestData.h).
//
//===----------------------------------------------------------------------===//
#include "tools/conformance/NodeTestData.h"

#include "ir/onnx/OnnxTensor.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>

using namespace llvm;

namespace tlc {

static Error fileError(StringRef path, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), path + ": " + msg);
}

/// Reads \p path whole. Errors name the file and the system's reason.
static Expected<std::vector<uint8_t>> readBytes(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!buf)
    return fileError(path, "cannot read: " + buf.getError().message());
  if ((*buf)->getBufferSize() > size_t(INT_MAX))
    return fileError(path, "larger than 2 GiB, protobuf's limit");
  const uint8_t *p =
      reinterpret_cast<const uint8_t *>((*buf)->getBufferStart());
  return std::vector<uint8_t>(p, p + (*buf)->getBufferSize());
}

static std::string onnxTypeName(int32_t t) {
  using TP = onnx::TensorProto;
  if (!TP::DataType_IsValid(t))
    return "unknown(" + std::to_string(t) + ")";
  return TP::DataType_Name(TP::DataType(t));
}

/// Reads one TensorProto file into \p out.
static Error readTensorFile(StringRef path, TensorFile &out) {
  Expected<std::vector<uint8_t>> bytes = readBytes(path);
  if (!bytes)
    return bytes.takeError();
  out.path = path.str();
  onnx::TensorProto t;
  if (!t.ParseFromArray(bytes->data(), int(bytes->size()))) {
    out.dtype = "not a TensorProto";
    out.decodeError = "not a serialized onnx.TensorProto (a sequence, map "
                      "or optional value, or corrupt bytes)";
    return Error::success();
  }
  out.name = t.name();
  out.dtype = onnxTypeName(t.data_type());
  for (int64_t d : t.dims())
    out.dims.push_back(d);
  Expected<OnnxConstant> c = decodeOnnxTensor(t);
  if (!c) {
    out.decodeError = toString(c.takeError());
    return Error::success();
  }
  out.data = std::move(c->data);
  out.tlcType = c->type.dtype;
  out.isF32 = t.data_type() == onnx::TensorProto::FLOAT;
  return Error::success();
}

/// Reads \p dir/PREFIX_K.pb for K = 0, 1, ... until one is missing.
static Error readTensorFiles(StringRef dir, StringRef prefix,
                             std::vector<TensorFile> &out) {
  for (unsigned k = 0;; ++k) {
    SmallString<256> path(dir);
    sys::path::append(path, prefix + Twine(k) + ".pb");
    if (!sys::fs::exists(path))
      return Error::success();
    TensorFile f;
    if (Error e = readTensorFile(path, f))
      return e;
    out.push_back(std::move(f));
  }
}

Expected<NodeTestCase> readNodeTest(StringRef dir) {
  NodeTestCase test;
  test.dir = dir.str();
  test.name = sys::path::filename(dir.rtrim('/')).str();
  SmallString<256> modelPath(dir);
  sys::path::append(modelPath, "model.onnx");
  Expected<std::vector<uint8_t>> bytes = readBytes(modelPath);
  if (!bytes)
    return bytes.takeError();
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes->data(), int(bytes->size())))
    return fileError(modelPath, "not a serialized onnx.ModelProto");
  test.modelBytes = std::move(*bytes);
  for (const onnx::NodeProto &n : model.graph().node())
    test.nodes.push_back({n.op_type(), n.domain()});
  for (const onnx::OperatorSetIdProto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      test.opsetVersion = o.version();

  for (unsigned n = 0;; ++n) {
    SmallString<256> setDir(dir);
    sys::path::append(setDir, "test_data_set_" + Twine(n));
    if (!sys::fs::is_directory(setDir))
      break;
    TestDataSet set;
    set.dir = setDir.str().str();
    if (Error e = readTensorFiles(setDir, "input_", set.inputs))
      return std::move(e);
    if (Error e = readTensorFiles(setDir, "output_", set.outputs))
      return std::move(e);
    test.dataSets.push_back(std::move(set));
  }
  if (test.dataSets.empty())
    return fileError(dir, "no test_data_set_0 directory");
  return test;
}

/// Whether a graph input of ONNX type \p t becomes an initializer.
static bool isFrozenType(int32_t t) {
  using TP = onnx::TensorProto;
  return t == TP::INT32 || t == TP::INT64 || t == TP::BOOL;
}

Expected<PreparedModel> prepareModel(const NodeTestCase &test,
                                     const TestDataSet &set,
                                     FreezeLevel level) {
  onnx::ModelProto model;
  if (!model.ParseFromArray(test.modelBytes.data(),
                            int(test.modelBytes.size())))
    return fileError(test.dir + "/model.onnx",
                     "not a serialized onnx.ModelProto");
  onnx::GraphProto &graph = *model.mutable_graph();

  // Graph inputs that are initializers (IR version < 4) have no .pb file.
  std::vector<int> fed; // graph input indices fed by input_K.pb
  for (int i = 0; i < graph.input_size(); ++i) {
    bool isInit =
        llvm::any_of(graph.initializer(), [&](const onnx::TensorProto &t) {
          return t.name() == graph.input(i).name();
        });
    if (!isInit)
      fed.push_back(i);
  }
  if (fed.size() != set.inputs.size())
    return fileError(set.dir, "has " + Twine(set.inputs.size()) +
                                  " input_K.pb files but the model has " +
                                  Twine(fed.size()) + " graph inputs");

  // Names read as some node's input 0 (data operands).
  std::vector<std::string> dataOperands;
  for (const onnx::NodeProto &n : graph.node())
    if (n.input_size() > 0)
      dataOperands.push_back(n.input(0));

  PreparedModel out;
  std::vector<int> toFreeze;
  unsigned kept = 0; // inputs left as graph inputs
  for (size_t k = 0; k < fed.size(); ++k) {
    const onnx::ValueInfoProto &in = graph.input(fed[k]);
    if (!in.type().has_tensor_type())
      continue; // sequences, optionals: the importer refuses them
    out.inputFiles[in.name()] = unsigned(k);
    int32_t t = in.type().tensor_type().elem_type();
    bool isFloat = t == onnx::TensorProto::FLOAT;
    bool isData = llvm::is_contained(dataOperands, in.name());
    bool freeze =
        !isData && (isFloat ? level == FreezeLevel::Parameters
                            : level != FreezeLevel::None && isFrozenType(t));
    if (freeze) {
      toFreeze.push_back(int(k));
      continue;
    }
    ++kept;
    out.parseOpts.inputShapes[in.name()] = set.inputs[k].dims;
  }
  if (kept == 0) {
    // A tlc graph needs an input: leave the model as it is, and the importer
    // or a shape rule names what it refuses.
    for (int k : toFreeze)
      out.parseOpts.inputShapes[graph.input(fed[k]).name()] =
          set.inputs[k].dims;
    toFreeze.clear();
  }

  for (int k : toFreeze) {
    const TensorFile &f = set.inputs[k];
    const onnx::ValueInfoProto &in = graph.input(fed[k]);
    if (!f.decodeError.empty())
      return fileError(f.path, f.decodeError);
    onnx::TensorProto init;
    Expected<std::vector<uint8_t>> bytes = readBytes(f.path);
    if (!bytes)
      return bytes.takeError();
    if (!init.ParseFromArray(bytes->data(), int(bytes->size())))
      return fileError(f.path, "not a serialized onnx.TensorProto");
    init.set_name(in.name());
    *graph.add_initializer() = std::move(init);
    out.inputFiles.erase(in.name());
    out.frozenInputs.push_back(in.name());
  }
  // IR version 4 and later let initializers be absent from the inputs; the
  // importer treats an input that is also an initializer as a weight either
  // way, so older models keep theirs.
  if (model.ir_version() >= 4 && !toFreeze.empty()) {
    std::vector<onnx::ValueInfoProto> kept;
    for (int i = 0; i < graph.input_size(); ++i)
      if (!llvm::is_contained(out.frozenInputs, graph.input(i).name()))
        kept.push_back(graph.input(i));
    graph.clear_input();
    for (onnx::ValueInfoProto &v : kept)
      *graph.add_input() = std::move(v);
  }
  std::string serialized;
  if (!model.SerializeToString(&serialized))
    return fileError(test.dir + "/model.onnx", "cannot re-serialize");
  out.bytes.assign(serialized.begin(), serialized.end());
  return out;
}

Expected<std::vector<std::string>> listNodeTests(StringRef root) {
  std::vector<std::string> dirs;
  std::error_code ec;
  for (sys::fs::directory_iterator it(root, ec), end; it != end && !ec;
       it.increment(ec)) {
    SmallString<256> model(it->path());
    sys::path::append(model, "model.onnx");
    if (sys::fs::exists(model))
      dirs.push_back(it->path());
  }
  if (ec)
    return fileError(root, "cannot list: " + ec.message());
  llvm::sort(dirs);
  return dirs;
}

} // namespace tlc
