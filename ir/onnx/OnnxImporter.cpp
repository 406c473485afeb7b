//===- ir/onnx/OnnxImporter.cpp - ONNX model -> Graph ---------------------===//
//
// Three stages, each with its own errors:
//   1. bytes -> ModelProto (protobuf), the ONNX checker, the version
//      converter to opset 17 (both ONNX 1.12 C++ APIs; they throw, and every
//      exception becomes an llvm::Error naming the file), with old Softmax
//      made explicit first (OnnxLegacySoftmax.h), then omitted optional
//      inputs resolved (OnnxOptionalInputs.h);
//   2. weights: initializers and Constant nodes (their TENSOR / value_*
//      attribute) become Weight values;
//   3. inputs (shapes bound by --input-shape), nodes (outputs declared first,
//      then inputs resolved, so any node order works; the schedule pass
//      orders them) and outputs.
//
//===----------------------------------------------------------------------===//
#include "ir/onnx/OnnxImporter.h"
#include "ir/Suggest.h"
#include "ir/onnx/OnnxLegacySoftmax.h"
#include "ir/onnx/OnnxNodeLabel.h"
#include "ir/onnx/OnnxOptionalInputs.h"
#include "ir/onnx/OnnxScalarFill.h"
#include "ir/onnx/OnnxExternalData.h"
#include "ir/onnx/OnnxTensor.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/version_converter/convert.h>

#include <climits>
#include <cstring>

using namespace llvm;

namespace tlc {
namespace {

class OnnxImporter {
public:
  /// \p readExternalData: \p fileName is the model's path, and tensors
  /// stored in files beside it are read (OnnxExternalData.h).
  OnnxImporter(StringRef fileName, const ModelParseOptions &opts,
               bool readExternalData = false)
      : fileName(fileName.str()), opts(opts),
        readExternalData(readExternalData) {
    loc.file = this->fileName;
  }

  Expected<Graph> run(ArrayRef<uint8_t> bytes);

private:
  Error err(const Twine &msg) const { return errorAt(loc, msg); }
  Error nodeErr(const onnx::NodeProto &n, const Twine &msg) const {
    return err(onnxNodePrefix(n) + msg);
  }

  Error parseAndConvert(ArrayRef<uint8_t> bytes);
  /// Errors for what the version converter cannot take: a node input or
  /// graph output that nothing defines, a subgraph attribute.
  Error checkBeforeConversion() const;
  Error addWeight(StringRef name, OnnxConstant c);
  Error importInitializers();
  Error importConstantNode(const onnx::NodeProto &n);
  Error importInputs();
  Error importNode(const onnx::NodeProto &n);
  Error resolveNodeInputs();
  Error importOutputs();
  Expected<AttrValue> convertAttribute(const onnx::NodeProto &n,
                                       const onnx::AttributeProto &a,
                                       Attributes &attrs);
  std::string uniqueNodeName(const onnx::NodeProto &n);

  std::string fileName;
  const ModelParseOptions &opts;
  bool readExternalData = false;
  SourceLoc loc;
  onnx::ModelProto model;
  Graph g;
  StringSet<> nodeNames;
  // Per tlc node: the ONNX node and its input names, resolved at the end.
  std::vector<const onnx::NodeProto *> pending;
};

/// \p text with each run of whitespace (the ONNX messages span lines) made
/// one space, so that an error stays on one line.
static std::string oneLine(StringRef text) {
  std::string out;
  for (char c : text.trim()) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && !out.empty() && out.back() == ' ')
      continue;
    out += space ? ' ' : c;
  }
  return out;
}

Error OnnxImporter::parseAndConvert(ArrayRef<uint8_t> bytes) {
  if (bytes.size() > size_t(INT_MAX))
    return err("the file is larger than 2 GiB, the protobuf limit");
  if (!model.ParseFromArray(bytes.data(), int(bytes.size())))
    return err("not a valid ONNX model: the protobuf ModelProto cannot be "
               "parsed (" +
               Twine(bytes.size()) + " bytes; truncated or not an .onnx file)");
  if (!model.has_graph())
    return err("not a valid ONNX model: the ModelProto has no graph (" +
               Twine(bytes.size()) + " bytes; truncated or not an .onnx file)");
  // Data stored beside the model (models over protobuf's 2 GiB): read from
  // files next to a model read from a file; refused for one from memory.
  if (readExternalData)
    if (Error e = loadExternalData(model, fileName).takeError())
      return e;
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    return err("the ONNX checker rejects the model: " + oneLine(e.what()));
  }
  // Ops of other domains (custom ops, ai.onnx.ml) have no tlc equivalent.
  for (const onnx::NodeProto &n : model.graph().node())
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      return nodeErr(n, "ops of domain '" + n.domain() +
                            "' are not supported; tlc implements the default "
                            "ONNX domain only");
  int64_t opset = -1;
  for (const onnx::OperatorSetIdProto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset < 0)
    return err("opset_import has no entry for the default ONNX domain");
  if (opset != kOnnxTargetOpset) {
    // ONNX 1.12's converter dereferences what a name refers to without
    // checking it (a graph output or node input that nothing defines, as the
    // checker lets through, crashed it in fuzzing), and it walks subgraphs,
    // which tlc refuses anyway: both are refused before it runs.
    if (Error e = checkBeforeConversion())
      return e;
    // The converter cannot adapt Softmax-1..12 without the input's rank.
    makeLegacySoftmaxExplicit(model, opset);
    try {
      model = onnx::version_conversion::ConvertVersion(model, kOnnxTargetOpset);
      onnx::checker::check_model(model);
    } catch (const std::exception &e) {
      return err("cannot convert the model from opset " + Twine(opset) +
                 " to opset " + Twine(kOnnxTargetOpset) +
                 " (ONNX version converter): " + oneLine(e.what()));
    }
  }
  // GPT-2's mask seed: ConstantOfShape of an empty shape is a scalar.
  rewriteScalarConstantOfShape(model);
  if (Error e = resolveOptionalInputs(model, kOnnxTargetOpset))
    return err(toString(std::move(e)));
  return Error::success();
}

Error OnnxImporter::checkBeforeConversion() const {
  const onnx::GraphProto &graph = model.graph();
  StringSet<> defined;
  for (const onnx::ValueInfoProto &in : graph.input())
    defined.insert(in.name());
  for (const onnx::TensorProto &t : graph.initializer())
    defined.insert(t.name());
  for (const onnx::NodeProto &n : graph.node())
    for (const std::string &o : n.output())
      defined.insert(o);
  for (const onnx::NodeProto &n : graph.node()) {
    for (const onnx::AttributeProto &a : n.attribute())
      if (a.type() == onnx::AttributeProto::GRAPH ||
          a.type() == onnx::AttributeProto::GRAPHS || a.has_g() ||
          a.graphs_size() > 0)
        return nodeErr(n, "attribute '" + a.name() +
                              "' holds a subgraph; tlc attributes are INT, "
                              "FLOAT, STRING, INTS and FLOATS");
    for (const std::string &in : n.input())
      if (!in.empty() && !defined.count(in))
        return nodeErr(n, "input '" + in +
                              "' is not defined: it is no graph input, "
                              "initializer or node output");
  }
  for (const onnx::ValueInfoProto &out : graph.output())
    if (!defined.count(out.name()))
      return err("output '" + out.name() + "' is not defined by any node");
  return Error::success();
}

Error OnnxImporter::addWeight(StringRef name, OnnxConstant c) {
  Value v;
  v.name = name.str();
  v.kind = ValueKind::Weight;
  v.type = std::move(c.type);
  v.hasType = true;
  v.data = std::move(c.data);
  v.loc = loc;
  if (Expected<ValueId> id = g.addValue(std::move(v)); !id)
    return err(toString(id.takeError()));
  return Error::success();
}

Error OnnxImporter::importInitializers() {
  const onnx::GraphProto &graph = model.graph();
  if (graph.sparse_initializer_size() > 0)
    return err("initializer '" + graph.sparse_initializer(0).values().name() +
               "': sparse initializers are not supported");
  for (const onnx::TensorProto &t : graph.initializer()) {
    Expected<OnnxConstant> c = decodeOnnxTensor(t);
    if (!c)
      return err("initializer '" + t.name() + "': " + toString(c.takeError()));
    if (Error e = addWeight(t.name(), std::move(*c)))
      return e;
  }
  return Error::success();
}

/// Encodes the numbers of a Constant's value_* attribute.
template <typename T, typename Range>
static OnnxConstant makeConstant(DType dtype, const Range &values,
                                 bool scalar) {
  OnnxConstant c;
  c.type.dtype = dtype;
  if (!scalar)
    c.type.shape.push_back(int64_t(values.size()));
  for (auto v : values) {
    T x = T(v);
    const uint8_t *b = reinterpret_cast<const uint8_t *>(&x);
    c.data.insert(c.data.end(), b, b + sizeof(T));
  }
  return c;
}

Error OnnxImporter::importConstantNode(const onnx::NodeProto &n) {
  if (n.output_size() != 1 || n.output(0).empty())
    return nodeErr(n, "a Constant needs exactly one named output");
  if (n.attribute_size() != 1)
    return nodeErr(n, "a Constant needs exactly one value attribute");
  const onnx::AttributeProto &a = n.attribute(0);
  OnnxConstant c;
  if (a.name() == "value" && a.has_t()) {
    Expected<OnnxConstant> d = decodeOnnxTensor(a.t());
    if (!d)
      return nodeErr(n, "attribute 'value': " + toString(d.takeError()));
    c = std::move(*d);
  } else if (a.name() == "value_float") {
    c = makeConstant<float>(DType::F32, std::vector<float>{a.f()}, true);
  } else if (a.name() == "value_floats") {
    c = makeConstant<float>(DType::F32, a.floats(), false);
  } else if (a.name() == "value_int") {
    c = makeConstant<int64_t>(DType::I64, std::vector<int64_t>{a.i()}, true);
  } else if (a.name() == "value_ints") {
    c = makeConstant<int64_t>(DType::I64, a.ints(), false);
  } else {
    return nodeErr(n, "attribute '" + a.name() +
                          "' is not supported; expected value, value_float, "
                          "value_floats, value_int or value_ints");
  }
  if (llvm::is_contained(c.type.shape, 0))
    return nodeErr(n, "empty constants are not supported");
  return addWeight(n.output(0), std::move(c));
}

Error OnnxImporter::importInputs() {
  // --input-shape must name inputs (not initializers) of the model.
  StringSet<> names;
  for (const onnx::ValueInfoProto &in : model.graph().input())
    if (!g.lookup(in.name()))
      names.insert(in.name());
  for (auto &kv : opts.inputShapes)
    if (!names.count(kv.first)) {
      SmallVector<StringRef, 8> known; // in the model's order
      for (const onnx::ValueInfoProto &in : model.graph().input())
        if (names.count(in.name()))
          known.push_back(in.name());
      return err("--input-shape names '" + kv.first +
                 "', which is not an input of the model" +
                 didYouMean(kv.first, known));
    }
  SymbolBinder binder(opts.dims);
  for (const onnx::ValueInfoProto &in : model.graph().input()) {
    // Before IR version 4, initializers are also listed as inputs: they are
    // weights (with a default the host cannot override in tlc).
    if (g.lookup(in.name()))
      continue;
    std::string what = "input '" + in.name() + "'";
    if (!in.type().has_tensor_type())
      return err(what + ": only tensor inputs are supported");
    const onnx::TypeProto_Tensor &tt = in.type().tensor_type();
    Expected<DType> dtype = dtypeFromOnnx(tt.elem_type());
    if (!dtype)
      return err(what + ": " + toString(dtype.takeError()));
    // Integer inputs (token ids) feed ops that accept them (Gather); a
    // BOOL input is held as i64 0/1, as tlc holds every ONNX boolean, and
    // is fed as int64.
    if (*dtype == DType::F16)
      return err(what + " has dtype " +
                 onnx::TensorProto::DataType_Name(
                     onnx::TensorProto::DataType(tt.elem_type())) +
                 "; only FLOAT (f32), INT32, INT64 and BOOL (held as i64) "
                 "inputs are supported");
    if (!tt.has_shape())
      return err(what + " has no shape; tlc needs static shapes");
    const onnx::TensorShapeProto &shape = tt.shape();
    auto bound = opts.inputShapes.find(in.name());
    if (bound != opts.inputShapes.end()) {
      if (int64_t(bound->second.size()) != shape.dim_size())
        return err("--input-shape " + in.name() + ": rank " +
                   Twine(bound->second.size()) + " differs from the model's " +
                   "rank " + Twine(shape.dim_size()));
    }
    Value v;
    v.name = in.name();
    v.kind = ValueKind::Input;
    v.hasType = true;
    v.loc = loc;
    SymShape dims;
    for (int d = 0; d < shape.dim_size(); ++d) {
      const onnx::TensorShapeProto_Dimension &dim = shape.dim(d);
      bool isStatic = dim.has_dim_value();
      std::string dimName =
          "dimension " + std::to_string(d) +
          (dim.has_dim_param() ? " ('" + dim.dim_param() + "')" : "");
      // A dynamic dim is the symbol its dim_param names, else
      // "<input>_<index>".
      std::string symbol = dim.has_dim_param() && !dim.dim_param().empty()
                               ? dim.dim_param()
                               : in.name() + "_" + std::to_string(d);
      Expected<DimExpr> resolved = DimExpr(0);
      if (bound != opts.inputShapes.end()) {
        resolved = binder.resolve(bound->second.dims[size_t(d)], symbol,
                                  "--input-shape " + in.name() + ": " +
                                      dimName);
        if (!resolved)
          return err(toString(resolved.takeError()));
        if (isStatic && (!resolved->isConstant() ||
                         resolved->constant() != dim.dim_value()))
          return err("--input-shape " + in.name() + ": " + dimName + " is " +
                     resolved->str() + " but the model fixes it to " +
                     Twine(dim.dim_value()));
      } else if (isStatic) {
        if (dim.dim_value() < 1)
          return err(what + ": " + dimName + " is " + Twine(dim.dim_value()) +
                     "; expected a size >= 1");
        resolved = DimExpr(dim.dim_value());
      } else if (dim.has_dim_param() && opts.dims.count(dim.dim_param())) {
        resolved = binder.named(dim.dim_param(), what + ": " + dimName);
        if (!resolved)
          return err(toString(resolved.takeError()));
      } else {
        return err(what + ": " + dimName + " is dynamic; bind it with " +
                   (dim.has_dim_param()
                        ? "--dim " + dim.dim_param() + "=MIN..MAX (a range) or "
                        : std::string()) +
                   "--input-shape " + in.name() +
                   "=DIMS (e.g. 1x3x224x224, or 1x3x48x32..1280 for a range)");
      }
      dims.push_back(*resolved);
    }
    v.type = TensorType::withDims(*dtype, dims);
    if (Error e = checkedNumElements(v.type.shape).takeError())
      return err(what + " shape: " + toString(std::move(e)));
    Expected<ValueId> id = g.addValue(std::move(v));
    if (!id)
      return err(toString(id.takeError()));
    g.inputs.push_back(*id);
  }
  if (g.inputs.empty())
    return err("the model has no inputs (every input is an initializer)");
  g.symbols = binder.symbols();
  return Error::success();
}

Expected<AttrValue>
OnnxImporter::convertAttribute(const onnx::NodeProto &n,
                               const onnx::AttributeProto &a,
                               Attributes &attrs) {
  using AP = onnx::AttributeProto;
  switch (a.type()) {
  case AP::INT:
    return AttrValue(int64_t(a.i()));
  case AP::FLOAT:
    return AttrValue(double(a.f()));
  case AP::STRING:
    return AttrValue(a.s());
  case AP::INTS:
    return AttrValue(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
  case AP::FLOATS:
    return AttrValue(std::vector<double>(a.floats().begin(), a.floats().end()));
  case AP::TENSOR:
    // ConstantOfShape's one-element fill value: kept as a list of one number
    // (floats for f32, ints for i64/bool; ints and value_dtype "i32" for
    // i32), which fixes the output dtype.
    if (n.op_type() == "ConstantOfShape" && a.name() == "value") {
      Expected<OnnxConstant> c = decodeOnnxTensor(a.t());
      if (!c)
        return nodeErr(n, "attribute 'value': " + toString(c.takeError()));
      if (c->type.numElements() != 1)
        return nodeErr(n, "attribute 'value' must hold one element");
      if (c->type.dtype == DType::F32) {
        float f;
        std::memcpy(&f, c->data.data(), 4);
        return AttrValue(std::vector<double>{double(f)});
      }
      if (c->type.dtype == DType::I64)
        return AttrValue(std::vector<int64_t>{
            int64_t(llvm::support::endian::read64le(c->data.data()))});
      // INT32: ints, plus the tlc attribute value_dtype = "i32".
      attrs.values["value_dtype"] = std::string("i32");
      return AttrValue(std::vector<int64_t>{
          int32_t(llvm::support::endian::read32le(c->data.data()))});
    }
    break;
  default:
    break;
  }
  StringRef kind = AP::AttributeType_IsValid(a.type())
                       ? StringRef(AP::AttributeType_Name(a.type()))
                       : StringRef("UNDEFINED");
  return nodeErr(n, "attribute '" + a.name() + "' of kind " + kind +
                        " is not supported (tlc attributes are INT, FLOAT, "
                        "STRING, INTS and FLOATS)");
}

std::string OnnxImporter::uniqueNodeName(const onnx::NodeProto &n) {
  std::string base = onnxNodeLabel(n);
  std::string name = base;
  for (unsigned i = 1; !nodeNames.insert(name).second; ++i)
    name = base + "_" + std::to_string(i);
  return name;
}

Error OnnxImporter::importNode(const onnx::NodeProto &n) {
  Node node;
  node.op = n.op_type();
  node.name = uniqueNodeName(n);
  node.loc = loc;
  for (const onnx::AttributeProto &a : n.attribute()) {
    Expected<AttrValue> v = convertAttribute(n, a, node.attrs);
    if (!v)
      return v.takeError();
    node.attrs.values[a.name()] = std::move(*v);
  }
  if (n.output_size() == 0)
    return nodeErr(n, "the node has no outputs");
  for (int i = 0; i < n.output_size(); ++i) {
    Value v;
    // An omitted optional output (empty name) still gets a value so that
    // output positions stay aligned with the op's definition.
    v.name =
        n.output(i).empty() ? node.name + ":" + std::to_string(i) : n.output(i);
    v.loc = loc;
    Expected<ValueId> id = g.addValue(std::move(v));
    if (!id)
      return nodeErr(n, toString(id.takeError()));
    node.outputs.push_back(*id);
  }
  g.nodes.push_back(std::move(node));
  pending.push_back(&n);
  return Error::success();
}

Error OnnxImporter::resolveNodeInputs() {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const onnx::NodeProto &n = *pending[i];
    // Trailing omitted optional inputs are dropped; an omitted input before
    // a present one cannot be expressed in tlc's positional input list.
    int count = n.input_size();
    while (count > 0 && n.input(count - 1).empty())
      --count;
    for (int k = 0; k < count; ++k) {
      if (n.input(k).empty())
        return nodeErr(n, "input " + Twine(k) +
                              " is omitted (empty name) but a later input is "
                              "given; tlc cannot express omitted inputs "
                              "before present ones");
      std::optional<ValueId> id = g.lookup(n.input(k));
      if (!id)
        return nodeErr(n, "input '" + n.input(k) +
                              "' is not defined: it is no graph input, "
                              "initializer or node output");
      g.nodes[i].inputs.push_back(*id);
    }
  }
  return Error::success();
}

Error OnnxImporter::importOutputs() {
  StringSet<> seen;
  for (const onnx::ValueInfoProto &out : model.graph().output()) {
    std::optional<ValueId> id = g.lookup(out.name());
    if (!id)
      return err("output '" + out.name() + "' is not defined by any node");
    if (g.values[*id].kind != ValueKind::Intermediate)
      return err("output '" + out.name() +
                 "' is an input, initializer or Constant; tlc needs outputs "
                 "computed by a node");
    if (!seen.insert(out.name()).second)
      return err("output '" + out.name() + "' is listed twice");
    g.outputs.push_back(*id);
  }
  if (g.outputs.empty())
    return err("the model has no outputs");
  return Error::success();
}

/// Renumbers the values of \p g in the order the model.yaml parser declares
/// them (inputs, node outputs in node order, then weights in order of first
/// use; unused weights last), so that `tlc import` followed by `tlc compile
/// MODEL.yaml` gives a byte-identical plan to `tlc compile MODEL.onnx`.
static void renumberLikeModelParser(Graph &g) {
  std::vector<ValueId> order;
  std::vector<bool> placed(g.values.size(), false);
  auto place = [&](ValueId v) {
    if (!placed[v]) {
      placed[v] = true;
      order.push_back(v);
    }
  };
  for (ValueId v : g.inputs)
    place(v);
  for (const Node &n : g.nodes)
    for (ValueId v : n.outputs)
      place(v);
  for (const Node &n : g.nodes)
    for (ValueId v : n.inputs)
      place(v);
  for (ValueId v = 0; v < g.values.size(); ++v)
    place(v);
  std::vector<ValueId> newId(g.values.size());
  std::vector<Value> values;
  for (ValueId v : order) {
    newId[v] = ValueId(values.size());
    values.push_back(std::move(g.values[v]));
  }
  g.values = std::move(values);
  for (Node &n : g.nodes) {
    for (ValueId &v : n.inputs)
      v = newId[v];
    for (ValueId &v : n.outputs)
      v = newId[v];
  }
  for (ValueId &v : g.inputs)
    v = newId[v];
  for (ValueId &v : g.outputs)
    v = newId[v];
  g.reindex();
}

Expected<Graph> OnnxImporter::run(ArrayRef<uint8_t> bytes) {
  if (Error e = parseAndConvert(bytes))
    return std::move(e);
  g.name = model.graph().name();
  if (g.name.empty())
    g.name = sys::path::stem(fileName).str();
  if (Error e = importInitializers())
    return std::move(e);
  for (const onnx::NodeProto &n : model.graph().node())
    if (n.op_type() == "Constant")
      if (Error e = importConstantNode(n))
        return std::move(e);
  if (Error e = importInputs())
    return std::move(e);
  for (const onnx::NodeProto &n : model.graph().node())
    if (n.op_type() != "Constant")
      if (Error e = importNode(n))
        return std::move(e);
  if (Error e = resolveNodeInputs())
    return std::move(e);
  if (Error e = importOutputs())
    return std::move(e);
  renumberLikeModelParser(g);
  return std::move(g);
}

} // namespace

Expected<Graph> importOnnxBytes(ArrayRef<uint8_t> bytes, StringRef fileName,
                                const ModelParseOptions &opts) {
  OnnxImporter importer(fileName, opts);
  return importer.run(bytes);
}

Expected<Graph> importOnnxFile(StringRef path, const ModelParseOptions &opts) {

  ErrorOr<std::unique_ptr<MemoryBuffer>> buf =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!buf)
    return createStringError(buf.getError(), "%s: cannot read model: %s",
                             path.str().c_str(),
                             buf.getError().message().c_str());
  ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()),
      (*buf)->getBufferSize());
  OnnxImporter importer(path, opts, /*readExternalData=*/true);
  return importer.run(bytes);
}

} // namespace tlc
