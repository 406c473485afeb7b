//===- codegen/PlanFileJson.cpp - Plan <-> JSON metadata ------------------===//
//
// Serializes every field of a Plan (except shader code and weights, which go
// to the blob section) with llvm::json::OStream, and reads it back with a
// small path-tracking reader so that every error names the JSON path of the
// bad value ("$.tensors[3].offset") and what was expected there. The schema
// is documented in docs/plan-format.md.
//
// llvm::json::ObjectMapper/Path are not used for reading because
// Path::report only accepts string literals: the messages here quote the bad
// value and the accepted alternatives.
//
//===----------------------------------------------------------------------===//
#include "codegen/PlanFileJson.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"

#include <limits>

using namespace llvm;

namespace tlc {
namespace planfile {

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

static void writeU32Array(json::OStream &j, StringRef key,
                          const std::vector<uint32_t> &values) {
  j.attributeArray(key, [&] {
    for (uint32_t v : values)
      j.value(int64_t(v));
  });
}

static void writeRange(json::OStream &j, const BlobRange &r) {
  j.attribute("offset", r.offset);
  j.attribute("bytes", r.bytes);
}

static StringRef commandKindName(CommandKind k) {
  switch (k) {
  case CommandKind::Dispatch: return "dispatch";
  case CommandKind::Barrier: return "barrier";
  case CommandKind::Release: return "release";
  }
  llvm_unreachable("bad command kind");
}

static void writeTensor(json::OStream &j, const PlanTensor &t) {
  j.object([&] {
    j.attribute("name", t.name);
    j.attribute("dtype", dtypeName(t.type.dtype));
    j.attributeArray("shape", [&] {
      for (int64_t d : t.type.shape)
        j.value(d);
    });
    j.attribute("role", tensorRoleName(t.role));
    j.attribute("buffer", int64_t(t.buffer));
    j.attribute("offset", t.offset);
    j.attribute("bytes", t.bytes);
    j.attribute("firstStep", t.firstStep);
    j.attribute("lastStep", t.lastStep);
    j.attribute("releaseStep", t.releaseStep);
    j.attribute("poolKey", t.poolKey);
    j.attribute("slot", int64_t(t.slot));
    j.attribute("producer", t.producer);
    j.attribute("aliasOf", int64_t(t.aliasOf));
    // Symbolic tensors only: a static plan stays as it was.
    if (!t.dims.empty())
      writeU32Array(j, "dims", t.dims);
  });
}

static void writeCommand(json::OStream &j, const PlanCommand &c) {
  bool dispatch = c.kind == CommandKind::Dispatch;
  j.object([&] {
    j.attribute("kind", commandKindName(c.kind));
    j.attribute("step", int64_t(c.step));
    j.attribute("label", c.label);
    // Fields that do not belong to the kind are written only when they hold
    // something other than their default, so that every Plan round-trips.
    if (dispatch || c.shader != 0)
      j.attribute("shader", int64_t(c.shader));
    if (dispatch || !c.specConstants.empty())
      writeU32Array(j, "specConstants", c.specConstants);
    if (dispatch || !c.bindings.empty())
      writeU32Array(j, "bindings", c.bindings);
    if (dispatch || !c.writes.empty())
      writeU32Array(j, "writes", c.writes);
    if (dispatch || c.groups[0] != 1 || c.groups[1] != 1 || c.groups[2] != 1)
      j.attributeArray("groups", [&] {
        for (uint32_t g : c.groups)
          j.value(int64_t(g));
      });
    // Dynamic dispatches only (and, to round-trip, any command whose
    // dynamic fields are not their defaults).
    if (c.dynamic)
      j.attribute("dynamic", true);
    if (c.dynamic || !c.dimExprs.empty())
      writeU32Array(j, "dimExprs", c.dimExprs);
    if (c.dynamic || c.groupExprs[0] != 0 || c.groupExprs[1] != 0 ||
        c.groupExprs[2] != 0)
      j.attributeArray("groupExprs", [&] {
        for (uint32_t e : c.groupExprs)
          j.value(int64_t(e));
      });
    if (c.kind == CommandKind::Release || c.tensor != 0)
      j.attribute("tensor", int64_t(c.tensor));
  });
}

void writePlanJson(const Plan &plan, const BlobLayout &layout,
                   raw_ostream &os) {
  assert(layout.shaders.size() == plan.shaders.size() && "layout mismatch");
  json::OStream j(os, /*IndentSize=*/1);
  j.object([&] {
    j.attribute("modelName", plan.modelName);
    j.attribute("alignment", int64_t(plan.alignment));
    j.attribute("numSteps", int64_t(plan.numSteps));
    j.attributeObject("stats", [&] {
      j.attribute("planner", plan.stats.planner);
      j.attribute("transientBytes", plan.stats.transientBytes);
      j.attribute("lowerBound", plan.stats.lowerBound);
      j.attribute("noReuseBytes", plan.stats.noReuseBytes);
      j.attribute("schedule", plan.stats.schedule);
      j.attribute("peakGivenOrder", plan.stats.peakGivenOrder);
      j.attributeArray("slotsPerKey", [&] {
        for (const auto &kv : plan.stats.slotsPerKey)
          j.object([&] {
            j.attribute("key", kv.first);
            j.attribute("slots", int64_t(kv.second));
          });
      });
    });
    j.attributeArray("shaders", [&] {
      for (size_t i = 0; i < plan.shaders.size(); ++i)
        j.object([&] {
          j.attribute("name", plan.shaders[i].name);
          writeRange(j, layout.shaders[i]);
        });
    });
    j.attributeObject("weights", [&] { writeRange(j, layout.weights); });
    j.attributeArray("buffers", [&] {
      for (const PlanBuffer &b : plan.buffers)
        j.object([&] {
          j.attribute("role", bufferRoleName(b.role));
          j.attribute("bytes", b.bytes);
        });
    });
    j.attributeArray("tensors", [&] {
      for (const PlanTensor &t : plan.tensors)
        writeTensor(j, t);
    });
    j.attributeArray("commands", [&] {
      for (const PlanCommand &c : plan.commands)
        writeCommand(j, c);
    });
    writeU32Array(j, "inputs", plan.inputs);
    writeU32Array(j, "outputs", plan.outputs);
    // Plans for a range of shapes only: a static plan has neither.
    if (!plan.symbols.empty())
      j.attributeArray("symbols", [&] {
        for (const PlanSymbol &sym : plan.symbols)
          j.object([&] {
            j.attribute("name", sym.name);
            j.attribute("min", sym.min);
            j.attribute("max", sym.max);
          });
      });
    if (!plan.exprs.empty())
      j.attributeArray("exprs", [&] {
        for (const PlanExpr &e : plan.exprs)
          j.array([&] {
            for (int64_t w : e.code)
              j.value(w);
          });
      });
    if (!plan.requirements.empty())
      j.attributeArray("requirements", [&] {
        for (const PlanRequirement &q : plan.requirements)
          j.object([&] {
            j.attribute("expr", q.expr);
            j.attribute("max", q.max);
          });
      });
    // Optional: models that carry more than their graph.
    if (!plan.metadata.empty())
      j.attributeObject("metadata", [&] {
        for (const auto &[k, v] : plan.metadata)
          j.attribute(k, v);
      });
    if (!layout.attachments.empty())
      j.attributeArray("attachments", [&] {
        for (const auto &attachment : layout.attachments)
          j.object([&] {
            j.attribute("name", attachment.first);
            writeRange(j, attachment.second);
          });
      });
  });
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

namespace {

/// Keeps the first error met while reading; once failed, reads are no-ops.
class Reader {
public:
  explicit Reader(StringRef file) : file(file) {}
  bool failed() const { return !message.empty(); }
  void fail(const std::string &path, const Twine &what) {
    if (!failed())
      message = (file + ": " + path + ": " + what).str();
  }
  Error takeError() {
    return createStringError(inconvertibleErrorCode(), message);
  }

private:
  StringRef file;
  std::string message;
};

/// "a string", "an array", "-3", "1.5": what was found, for messages.
std::string describe(const json::Value &v) {
  switch (v.kind()) {
  case json::Value::Null: return "null";
  case json::Value::Boolean: return "a boolean";
  case json::Value::String: return "a string";
  case json::Value::Array: return "an array";
  case json::Value::Object: return "an object";
  case json::Value::Number: {
    std::string s;
    raw_string_ostream os(s);
    os << v;
    return os.str();
  }
  }
  llvm_unreachable("bad json kind");
}

void readU64(Reader &r, const json::Value &v, const std::string &path,
             uint64_t &out) {
  if (Optional<uint64_t> x = v.getAsUINT64())
    out = *x;
  else
    r.fail(path, "expected an unsigned integer, got " + describe(v));
}

void readU32(Reader &r, const json::Value &v, const std::string &path,
             uint32_t &out) {
  Optional<uint64_t> x = v.getAsUINT64();
  if (x && *x <= std::numeric_limits<uint32_t>::max())
    out = uint32_t(*x);
  else
    r.fail(path, "expected an unsigned 32-bit integer, got " + describe(v));
}

void readI64(Reader &r, const json::Value &v, const std::string &path,
             int64_t &out) {
  if (Optional<int64_t> x = v.getAsInteger())
    out = *x;
  else
    r.fail(path, "expected an integer, got " + describe(v));
}

void readI32(Reader &r, const json::Value &v, const std::string &path,
             int32_t &out) {
  Optional<int64_t> x = v.getAsInteger();
  if (x && *x >= std::numeric_limits<int32_t>::min() &&
      *x <= std::numeric_limits<int32_t>::max())
    out = int32_t(*x);
  else
    r.fail(path, "expected a 32-bit integer, got " + describe(v));
}

void readBool(Reader &r, const json::Value &v, const std::string &path,
              bool &out) {
  if (Optional<bool> b = v.getAsBoolean())
    out = *b;
  else
    r.fail(path, "expected true or false, got " + describe(v));
}

void readString(Reader &r, const json::Value &v, const std::string &path,
                std::string &out) {
  if (Optional<StringRef> s = v.getAsString())
    out = s->str();
  else
    r.fail(path, "expected a string, got " + describe(v));
}

/// Returns the array, or null after reporting that \p v is not one.
const json::Array *asArray(Reader &r, const json::Value &v,
                           const std::string &path) {
  const json::Array *a = v.getAsArray();
  if (!a)
    r.fail(path, "expected an array, got " + describe(v));
  return a;
}

std::string indexPath(const std::string &path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

void readU32Array(Reader &r, const json::Value &v, const std::string &path,
                  std::vector<uint32_t> &out) {
  const json::Array *a = asArray(r, v, path);
  if (!a)
    return;
  out.assign(a->size(), 0);
  for (size_t i = 0; i < a->size() && !r.failed(); ++i)
    readU32(r, (*a)[i], indexPath(path, i), out[i]);
}

/// Reads an array of exactly three u32 into \p out (\p what names them).
void readU32Triple(Reader &r, const json::Value &v, const std::string &path,
                   const char *what, uint32_t (&out)[3]) {
  std::vector<uint32_t> values;
  readU32Array(r, v, path, values);
  if (r.failed())
    return;
  if (values.size() != 3)
    r.fail(path, "expected 3 " + Twine(what) + " (x, y, z), got " +
                     Twine(values.size()));
  else
    std::copy(values.begin(), values.end(), out);
}

void readI64Array(Reader &r, const json::Value &v, const std::string &path,
                  std::vector<int64_t> &out) {
  const json::Array *a = asArray(r, v, path);
  if (!a)
    return;
  out.assign(a->size(), 0);
  for (size_t i = 0; i < a->size() && !r.failed(); ++i)
    readI64(r, (*a)[i], indexPath(path, i), out[i]);
}

/// Reads a name from \p names (index = enum value) into \p out.
template <typename E, size_t N>
void readEnum(Reader &r, const json::Value &v, const std::string &path,
              const StringRef (&names)[N], E &out) {
  Optional<StringRef> s = v.getAsString();
  if (s)
    for (size_t i = 0; i < N; ++i)
      if (*s == names[i]) {
        out = E(i);
        return;
      }
  std::string alts;
  for (size_t i = 0; i < N; ++i)
    alts += (i ? ", '" : "'") + names[i].str() + "'";
  r.fail(path, "expected one of " + alts + ", got " +
                   (s ? "'" + s->str() + "'" : describe(v)));
}

/// One JSON object being read: required and optional fields, and a final
/// check that it has no fields the schema does not know.
class ObjectReader {
public:
  ObjectReader(Reader &r, const json::Value &v, std::string path)
      : r(r), path(std::move(path)), obj(v.getAsObject()) {
    if (!obj)
      r.fail(this->path, "expected an object, got " + describe(v));
  }

  /// The value of \p key, or null (reporting a missing required field).
  const json::Value *get(StringRef key, bool required = true) {
    if (!obj || r.failed())
      return nullptr;
    seen.insert(key);
    const json::Value *v = obj->get(key);
    if (!v && required)
      r.fail(path, "missing field '" + key + "'");
    return v;
  }
  std::string at(StringRef key) const { return path + "." + key.str(); }

  template <typename T, typename Fn>
  void field(StringRef key, T &out, Fn read, bool required = true) {
    if (const json::Value *v = get(key, required))
      read(r, *v, at(key), out);
  }
  void u64(StringRef key, uint64_t &out) { field(key, out, readU64); }
  void u32(StringRef key, uint32_t &out, bool required = true) {
    field(key, out, readU32, required);
  }
  void i64(StringRef key, int64_t &out) { field(key, out, readI64); }
  void boolean(StringRef key, bool &out, bool required = true) {
    field(key, out, readBool, required);
  }
  void i32(StringRef key, int32_t &out) { field(key, out, readI32); }
  void str(StringRef key, std::string &out) { field(key, out, readString); }
  void u32s(StringRef key, std::vector<uint32_t> &out, bool required = true) {
    field(key, out, readU32Array, required);
  }
  /// Calls \p each(element, path) for every element of array field \p key.
  template <typename Fn>
  void array(StringRef key, Fn each, bool required = true) {
    const json::Value *v = get(key, required);
    if (!v)
      return;
    const json::Array *a = asArray(r, *v, at(key));
    for (size_t i = 0; a && i < a->size() && !r.failed(); ++i)
      each((*a)[i], indexPath(at(key), i));
  }

  /// Reports the first field (in sorted order) that was never asked for.
  void finish() {
    if (!obj || r.failed())
      return;
    SmallVector<std::string, 4> unknown;
    for (const auto &kv : *obj)
      if (!seen.count(kv.first))
        unknown.push_back(StringRef(kv.first).str());
    if (unknown.empty())
      return;
    llvm::sort(unknown);
    r.fail(path, "unknown field '" + unknown.front() + "'");
  }

private:
  Reader &r;
  std::string path;
  const json::Object *obj;
  StringSet<> seen;
};

const StringRef kBufferRoles[] = {"transient", "weights", "input", "output",
                                   "state"};
const StringRef kTensorRoles[] = {"input", "output", "weight", "transient",
                                   "alias", "state"};
const StringRef kCommandKinds[] = {"dispatch", "barrier", "release"};

void readRange(Reader &r, const json::Value &v, const std::string &path,
               BlobRange &out) {
  ObjectReader o(r, v, path);
  o.u64("offset", out.offset);
  o.u64("bytes", out.bytes);
  o.finish();
}

void readTensor(Reader &r, const json::Value &v, const std::string &path,
                PlanTensor &t) {
  ObjectReader o(r, v, path);
  o.str("name", t.name);
  if (const json::Value *d = o.get("dtype")) {
    Optional<StringRef> s = d->getAsString();
    std::optional<DType> dt;
    if (s)
      dt = parseDType(*s);
    if (dt)
      t.type.dtype = *dt;
    else
      r.fail(o.at("dtype"), "expected one of 'f32', 'f16', 'i32', 'i64', got " +
                                (s ? "'" + s->str() + "'" : describe(*d)));
  }
  t.type.shape.clear();
  o.array("shape", [&](const json::Value &e, const std::string &p) {
    int64_t dim = 0;
    readI64(r, e, p, dim);
    t.type.shape.push_back(dim);
  });
  o.field("role", t.role, [](Reader &r, const json::Value &v,
                             const std::string &p, TensorRole &out) {
    readEnum(r, v, p, kTensorRoles, out);
  });
  o.u32("buffer", t.buffer);
  o.u64("offset", t.offset);
  o.u64("bytes", t.bytes);
  o.i64("firstStep", t.firstStep);
  o.i64("lastStep", t.lastStep);
  o.i64("releaseStep", t.releaseStep);
  o.str("poolKey", t.poolKey);
  o.i32("slot", t.slot);
  o.str("producer", t.producer);
  o.i32("aliasOf", t.aliasOf);
  o.u32s("dims", t.dims, /*required=*/false);
  o.finish();
}

void readCommand(Reader &r, const json::Value &v, const std::string &path,
                 PlanCommand &c) {
  ObjectReader o(r, v, path);
  o.field("kind", c.kind, [](Reader &r, const json::Value &v,
                             const std::string &p, CommandKind &out) {
    readEnum(r, v, p, kCommandKinds, out);
  });
  if (r.failed())
    return;
  bool dispatch = c.kind == CommandKind::Dispatch;
  o.u32("step", c.step);
  o.str("label", c.label);
  o.u32("shader", c.shader, dispatch);
  o.u32s("specConstants", c.specConstants, dispatch);
  o.u32s("bindings", c.bindings, dispatch);
  o.u32s("writes", c.writes, dispatch);
  if (const json::Value *g = o.get("groups", dispatch))
    readU32Triple(r, *g, o.at("groups"), "group counts", c.groups);
  o.boolean("dynamic", c.dynamic, /*required=*/false);
  o.u32s("dimExprs", c.dimExprs, c.dynamic);
  if (const json::Value *g = o.get("groupExprs", c.dynamic))
    readU32Triple(r, *g, o.at("groupExprs"), "expression indices",
                  c.groupExprs);
  o.u32("tensor", c.tensor, c.kind == CommandKind::Release);
  o.finish();
}

} // namespace

Expected<BlobLayout> readPlanJson(const json::Value &root, StringRef file,
                                  Plan &plan) {
  Reader r(file);
  BlobLayout layout;
  ObjectReader top(r, root, "$");
  top.str("modelName", plan.modelName);
  top.u32("alignment", plan.alignment);
  top.u32("numSteps", plan.numSteps);
  if (const json::Value *s = top.get("stats")) {
    ObjectReader o(r, *s, top.at("stats"));
    o.str("planner", plan.stats.planner);
    o.u64("transientBytes", plan.stats.transientBytes);
    o.u64("lowerBound", plan.stats.lowerBound);
    o.u64("noReuseBytes", plan.stats.noReuseBytes);
    o.str("schedule", plan.stats.schedule);
    o.u64("peakGivenOrder", plan.stats.peakGivenOrder);
    plan.stats.slotsPerKey.clear();
    o.array("slotsPerKey", [&](const json::Value &e, const std::string &p) {
      std::pair<std::string, uint32_t> kv;
      ObjectReader k(r, e, p);
      k.str("key", kv.first);
      k.u32("slots", kv.second);
      k.finish();
      plan.stats.slotsPerKey.push_back(std::move(kv));
    });
    o.finish();
  }
  plan.shaders.clear();
  top.array("shaders", [&](const json::Value &e, const std::string &p) {
    ObjectReader o(r, e, p);
    PlanShader sh;
    BlobRange range;
    o.str("name", sh.name);
    o.u64("offset", range.offset);
    o.u64("bytes", range.bytes);
    o.finish();
    plan.shaders.push_back(std::move(sh));
    layout.shaders.push_back(range);
  });
  if (const json::Value *w = top.get("weights"))
    readRange(r, *w, top.at("weights"), layout.weights);
  plan.buffers.clear();
  top.array("buffers", [&](const json::Value &e, const std::string &p) {
    ObjectReader o(r, e, p);
    PlanBuffer b;
    o.field("role", b.role, [](Reader &r, const json::Value &v,
                               const std::string &p, BufferRole &out) {
      readEnum(r, v, p, kBufferRoles, out);
    });
    o.u64("bytes", b.bytes);
    o.finish();
    plan.buffers.push_back(b);
  });
  plan.tensors.clear();
  top.array("tensors", [&](const json::Value &e, const std::string &p) {
    plan.tensors.emplace_back();
    readTensor(r, e, p, plan.tensors.back());
  });
  plan.commands.clear();
  top.array("commands", [&](const json::Value &e, const std::string &p) {
    plan.commands.emplace_back();
    readCommand(r, e, p, plan.commands.back());
  });
  top.u32s("inputs", plan.inputs);
  top.u32s("outputs", plan.outputs);
  plan.symbols.clear();
  top.array(
      "symbols",
      [&](const json::Value &e, const std::string &p) {
        ObjectReader o(r, e, p);
        PlanSymbol sym;
        o.str("name", sym.name);
        o.i64("min", sym.min);
        o.i64("max", sym.max);
        o.finish();
        plan.symbols.push_back(std::move(sym));
      },
      /*required=*/false);
  plan.exprs.clear();
  top.array(
      "exprs",
      [&](const json::Value &e, const std::string &p) {
        plan.exprs.emplace_back();
        readI64Array(r, e, p, plan.exprs.back().code);
      },
      /*required=*/false);
  plan.requirements.clear();
  top.array(
      "requirements",
      [&](const json::Value &e, const std::string &p) {
        ObjectReader o(r, e, p);
        PlanRequirement q;
        o.u32("expr", q.expr);
        o.i64("max", q.max);
        o.finish();
        plan.requirements.push_back(q);
      },
      /*required=*/false);
  plan.metadata.clear();
  if (const json::Value *m = top.get("metadata", /*required=*/false)) {
    const json::Object *o = m->getAsObject();
    if (!o)
      r.fail(top.at("metadata"), "expected an object of strings");
    else
      for (const auto &kv : *o) {
        llvm::Optional<StringRef> s = kv.second.getAsString();
        if (!s)
          r.fail(top.at("metadata") + "." + kv.first.str(),
                 "expected a string");
        else
          plan.metadata[kv.first.str()] = s->str();
      }
  }
  top.array(
      "attachments",
      [&](const json::Value &e, const std::string &p) {
        ObjectReader o(r, e, p);
        std::pair<std::string, BlobRange> a;
        o.str("name", a.first);
        o.u64("offset", a.second.offset);
        o.u64("bytes", a.second.bytes);
        o.finish();
        layout.attachments.push_back(std::move(a));
      },
      /*required=*/false);
  top.finish();
  if (r.failed())
    return r.takeError();
  return layout;
}

} // namespace planfile
} // namespace tlc
