//===- ir/onnx/OnnxExternalData.cpp - Tensors stored beside the model -----===//
#include "ir/onnx/OnnxExternalData.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <optional>

using namespace llvm;

namespace tlc {

namespace {

Error fail(StringRef model, const onnx::TensorProto &t, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           (model + ": initializer '" + t.name() +
                            "': external data: " + msg)
                               .str());
}

/// Loads \p t's external data; \p files caches each file read whole.
Error load(onnx::TensorProto &t, StringRef modelPath,
           StringMap<std::unique_ptr<MemoryBuffer>> &files) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const onnx::StringStringEntryProto &e : t.external_data()) {
    if (e.key() == "location") {
      location = e.value();
    } else if (e.key() == "offset" || e.key() == "length") {
      uint64_t v;
      if (StringRef(e.value()).getAsInteger(10, v))
        return fail(modelPath, t, "'" + e.key() + "' is '" + e.value() +
                                      "'; expected a byte count");
      if (e.key() == "offset")
        offset = v;
      else
        length = v;
    } else if (e.key() != "checksum") {
      return fail(modelPath, t, "unknown key '" + e.key() +
                                    "'; expected location, offset, length "
                                    "or checksum");
    }
  }
  if (location.empty())
    return fail(modelPath, t, "no 'location'");
  // Relative to the model's directory and inside it, as the ONNX checker
  // requires: a model must not read files elsewhere.
  if (sys::path::is_absolute(location))
    return fail(modelPath, t, "location '" + location +
                                  "' is absolute; expected a path relative to "
                                  "the model's directory");
  for (auto it = sys::path::begin(location), end = sys::path::end(location);
       it != end; ++it)
    if (*it == "..")
      return fail(modelPath, t, "location '" + location +
                                    "' leaves the model's directory");
  SmallString<256> path(sys::path::parent_path(modelPath));
  sys::path::append(path, location);
  auto &buf = files[path];
  if (!buf) {
    ErrorOr<std::unique_ptr<MemoryBuffer>> b = MemoryBuffer::getFile(
        path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!b)
      return fail(modelPath, t, "cannot read '" + path + "': " +
                                    b.getError().message());
    buf = std::move(*b);
  }
  uint64_t size = buf->getBufferSize();
  if (offset > size)
    return fail(modelPath, t, "offset " + Twine(offset) + " is past the end of '" +
                                  location + "' (" + Twine(size) + " bytes)");
  uint64_t n = length ? *length : size - offset;
  if (n > size - offset)
    return fail(modelPath, t, "offset " + Twine(offset) + " + length " +
                                  Twine(n) + " runs past the end of '" +
                                  location + "' (" + Twine(size) + " bytes)");
  t.set_raw_data(buf->getBufferStart() + offset, n);
  t.clear_external_data();
  t.set_data_location(onnx::TensorProto::DEFAULT);
  return Error::success();
}

} // namespace

Expected<unsigned> loadExternalData(onnx::ModelProto &model,
                                    StringRef modelPath) {
  StringMap<std::unique_ptr<MemoryBuffer>> files;
  unsigned count = 0;
  onnx::GraphProto *g = model.mutable_graph();
  for (onnx::TensorProto &t : *g->mutable_initializer())
    if (t.data_location() == onnx::TensorProto::EXTERNAL) {
      if (Error e = load(t, modelPath, files))
        return std::move(e);
      ++count;
    }
  for (onnx::NodeProto &n : *g->mutable_node())
    for (onnx::AttributeProto &a : *n.mutable_attribute())
      if (a.has_t() && a.t().data_location() == onnx::TensorProto::EXTERNAL) {
        if (Error e = load(*a.mutable_t(), modelPath, files))
          return std::move(e);
        ++count;
      }
  return count;
}

} // namespace tlc
