//===- python/tlc_module.cpp - tlc._tlc: pybind11 over the C API ---------===//
//
// The extension module behind the Python package `tlc` (python/tlc/). It
// binds include/tlc/tlc.h, the C API, and nothing of tlc's C++ internals, so
// that statuses and messages are exactly the C API's (and the command
// line's). It is deliberately thin: handles, bytes and statuses. Argument
// checking that needs Python (numpy dtypes, keyword arguments, options as
// dicts) is in python/tlc/__init__.py.
//
// Errors: a call that returns a status other than TLC_OK throws StatusError
// (the status and tlc_last_error(), read at once on the calling thread);
// the translator below turns it into tlc.Error or one of its subclasses
// through tlc._make_error (python/tlc/__init__.py).
//
// The GIL is released around loads, compiles, runs, tensor copies and
// generation, and the calls on a plan or generator that may wait for
// another thread's run (the library serializes them). It is held by the
// calls that return pointers into a handle (device name, tensor infos) and
// by the destroys, so that a close on another thread cannot free what they
// point to before it is copied.
//
//===----------------------------------------------------------------------===//
#include "tlc/tlc.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

/// A failed C API call: its status and the thread's message.
struct StatusError : std::exception {
  StatusError(tlc_status status, std::string message)
      : status(status), message(std::move(message)) {}
  const char *what() const noexcept override { return message.c_str(); }
  tlc_status status;
  std::string message;
};

/// Throws StatusError for a failed \p status. Must run on the thread that
/// made the call (tlc_last_error is per thread), before any other tlc call.
void check(tlc_status status) {
  if (status != TLC_OK)
    throw StatusError(status, tlc_last_error());
}

/// Runs \p call without the GIL and checks its status.
template <typename F> void checkNoGil(F &&call) {
  tlc_status status;
  std::string message;
  {
    py::gil_scoped_release release;
    status = call();
    if (status != TLC_OK)
      message = tlc_last_error();
  }
  if (status != TLC_OK)
    throw StatusError(status, std::move(message));
}

py::dict tensorInfo(const tlc_tensor_info &info) {
  py::dict d;
  d["name"] = std::string(info.name ? info.name : "");
  d["dtype"] = int(info.dtype);
  py::tuple shape(info.rank), minShape(info.rank), maxShape(info.rank);
  for (size_t i = 0; i < info.rank; ++i) {
    shape[i] = py::int_(info.shape[i]);
    minShape[i] = py::int_(info.min_shape[i]);
    maxShape[i] = py::int_(info.max_shape[i]);
  }
  d["shape"] = shape;
  d["min_shape"] = minShape;
  d["max_shape"] = maxShape;
  d["nbytes"] = py::int_(info.bytes);
  return d;
}

/// A contiguous, readable buffer of \p obj (a numpy array, bytes...).
struct ReadBuffer {
  explicit ReadBuffer(const py::object &obj) {
    if (obj.is_none())
      return;
    info = py::buffer(obj).request();
    if (!isContiguous())
      throw py::value_error("the buffer is not C-contiguous");
    data = info.ptr;
    size = size_t(info.size) * size_t(info.itemsize);
  }
  bool isContiguous() const {
    py::ssize_t stride = info.itemsize;
    for (size_t i = info.ndim; i-- > 0;) {
      if (info.shape[i] != 1 && info.strides[i] != stride)
        return false;
      stride *= info.shape[i];
    }
    return true;
  }
  py::buffer_info info;
  const void *data = nullptr;
  size_t size = 0;
};

class DeviceHandle {
public:
  DeviceHandle(int index, bool validation) {
    checkNoGil([&] { return tlc_device_create(index, validation, &h); });
  }
  ~DeviceHandle() {
    if (!closed)
      tlc_device_destroy(h);
  }
  /// Destroys the handle; the handle's token stays, so later calls get the
  /// C API's TLC_ERROR_INVALID_HANDLE. Closing twice does nothing.
  void close() {
    if (closed)
      return;
    closed = true;
    check(tlc_device_destroy(h));
  }
  std::string name() {
    const char *n = nullptr;
    check(tlc_device_name(h, &n));
    return n ? n : "";
  }
  py::dict counters() {
    tlc_counters c;
    std::memset(&c, 0, sizeof(c));
    check(tlc_device_counters(h, &c));
    py::dict d;
    d["memory_allocations"] = c.memory_allocations;
    d["allocated_bytes"] = c.allocated_bytes;
    d["submits"] = c.submits;
    d["validation_messages"] = c.validation_messages;
    d["pipelines_created"] = c.pipelines_created;
    d["descriptor_writes"] = c.descriptor_writes;
    d["command_buffer_recordings"] = c.command_buffer_recordings;
    return d;
  }
  tlc_device *h = nullptr;
  bool closed = false;
};

/// The bytes of a Python bytes object, valid while it lives (the caller
/// holds a reference to it across the call that reads them).
struct BytesView {
  explicit BytesView(const py::bytes &bytes) {
    py::ssize_t n = 0;
    if (PyBytes_AsStringAndSize(bytes.ptr(), &data, &n) != 0)
      throw py::error_already_set();
    size = size_t(n);
  }
  char *data = nullptr;
  size_t size = 0;
};

class PlanHandle {
public:
  PlanHandle(DeviceHandle &dev, const std::string &path) {
    tlc_device *d = dev.h;
    checkNoGil([&] { return tlc_plan_load_file(d, path.c_str(), &h); });
  }
  PlanHandle(DeviceHandle &dev, const py::bytes &bytes,
             const std::string &name) {
    tlc_device *d = dev.h;
    BytesView b(bytes);
    checkNoGil([&] {
      return tlc_plan_load_memory(d, b.data, b.size, name.c_str(), &h);
    });
  }
  ~PlanHandle() {
    if (!closed)
      tlc_plan_destroy(h);
  }
  void close() {
    if (closed)
      return;
    closed = true;
    check(tlc_plan_destroy(h));
  }
  /// Under the GIL, as close(): info.name points into the plan, which a
  /// close from another thread must not free before it is copied.
  py::list infos(bool inputs) {
    size_t count = 0;
    check(inputs ? tlc_plan_input_count(h, &count)
                 : tlc_plan_output_count(h, &count));
    py::list out;
    for (size_t i = 0; i < count; ++i) {
      tlc_tensor_info info;
      check(inputs ? tlc_plan_input_info(h, i, &info)
                   : tlc_plan_output_info(h, i, &info));
      out.append(tensorInfo(info));
    }
    return out;
  }
  void setInput(const std::string &name, int dtype,
                const std::vector<int64_t> &shape, const py::object &data) {
    ReadBuffer buf(data);
    checkNoGil([&] {
      return tlc_plan_set_input(h, name.c_str(), tlc_dtype(dtype),
                                shape.data(), shape.size(), buf.data,
                                buf.size);
    });
  }
  void setSymbol(const std::string &name, int64_t value) {
    checkNoGil([&] { return tlc_plan_set_symbol(h, name.c_str(), value); });
  }
  void run() {
    checkNoGil([&] { return tlc_plan_run(h); });
  }
  /// Copies output \p name into \p out (a writable, contiguous buffer);
  /// returns the bytes written.
  size_t getOutput(const std::string &name, py::buffer out) {
    py::buffer_info info = out.request(/*writable=*/true);
    void *data = info.ptr;
    size_t capacity = size_t(info.size) * size_t(info.itemsize);
    size_t written = 0;
    checkNoGil([&] {
      return tlc_plan_get_output(h, name.c_str(), data, capacity, &written);
    });
    return written;
  }
  py::tuple lastTiming() {
    tlc_timing t;
    checkNoGil([&] { return tlc_plan_last_timing(h, &t); });
    return py::make_tuple(t.host_us, t.gpu_us);
  }
  /// \p iterations runs after \p warmup ones on the inputs as set; the
  /// (host_us, gpu_us) of each timed run.
  std::vector<std::pair<double, double>> bench(size_t iterations,
                                               size_t warmup) {
    std::vector<std::pair<double, double>> times;
    times.reserve(iterations);
    checkNoGil([&] {
      for (size_t i = 0; i < warmup; ++i)
        if (tlc_status s = tlc_plan_run(h))
          return s;
      for (size_t i = 0; i < iterations; ++i) {
        tlc_timing t;
        if (tlc_status s = tlc_plan_run(h))
          return s;
        if (tlc_status s = tlc_plan_last_timing(h, &t))
          return s;
        times.emplace_back(t.host_us, t.gpu_us);
      }
      return TLC_OK;
    });
    return times;
  }
  tlc_plan *h = nullptr;
  bool closed = false;
};

class GeneratorHandle {
public:
  GeneratorHandle(DeviceHandle &dev, const std::string &path) {
    tlc_device *d = dev.h;
    checkNoGil([&] { return tlc_generator_load_file(d, path.c_str(), &h); });
  }
  GeneratorHandle(DeviceHandle &dev, const py::bytes &bytes,
                  const std::string &name) {
    tlc_device *d = dev.h;
    BytesView b(bytes);
    checkNoGil([&] {
      return tlc_generator_load_memory(d, b.data, b.size, name.c_str(), &h);
    });
  }
  ~GeneratorHandle() {
    if (!closed)
      tlc_generator_destroy(h);
  }
  void close() {
    if (closed)
      return;
    closed = true;
    checkNoGil([&] { return tlc_generator_destroy(h); });
  }
  /// (vocab, context_length, kv_cache).
  py::tuple info() {
    int64_t vocab = 0, context = 0;
    int kv = 0;
    check(tlc_generator_info(h, &vocab, &context, &kv));
    return py::make_tuple(vocab, context, kv != 0);
  }
  int64_t position() {
    int64_t p = 0;
    checkNoGil([&] { return tlc_generator_position(h, &p); });
    return p;
  }
  void reset() {
    checkNoGil([&] { return tlc_generator_reset(h); });
  }
  /// Appends \p ids (int64, contiguous); the last token's logits as a
  /// float32 array [vocab].
  py::array_t<float> append(py::array_t<int64_t, py::array::c_style> ids) {
    int64_t vocab = 0;
    check(tlc_generator_info(h, &vocab, nullptr, nullptr));
    py::array_t<float> logits(std::vector<py::ssize_t>{py::ssize_t(vocab)});
    float *out = logits.mutable_data();
    const int64_t *data = ids.data();
    size_t count = size_t(ids.size());
    checkNoGil([&] {
      return tlc_generator_append(h, data, count, out, size_t(vocab));
    });
    return logits;
  }
  /// (tokens, status, status name, message): the chosen tokens, also those
  /// chosen before an error (the C API keeps them), and the status of the
  /// call; python/tlc raises the error with the tokens attached.
  py::tuple generate(py::array_t<int64_t, py::array::c_style> prompt,
                     size_t maxNew, double temperature, int64_t topK,
                     double topP, uint64_t seed, int64_t eos) {
    std::vector<int64_t> out(maxNew);
    size_t generated = 0;
    tlc_sampling s;
    s.temperature = temperature;
    s.top_k = topK;
    s.top_p = topP;
    s.seed = seed;
    const int64_t *data = prompt.data();
    size_t count = size_t(prompt.size());
    tlc_status status;
    std::string message;
    {
      py::gil_scoped_release release;
      status = tlc_generator_generate(h, data, count, maxNew, &s, eos,
                                      out.data(), &generated);
      if (status != TLC_OK)
        message = tlc_last_error();
    }
    out.resize(std::min(generated, maxNew));
    return py::make_tuple(out, int(status), tlc_status_name(status),
                          message);
  }
  tlc_generator *h = nullptr;
  bool closed = false;
};

/// The tlc_compile_options of the keyword arguments (None: the default).
struct CompileOptions {
  CompileOptions(const py::object &planner, const py::object &schedule,
                 const py::object &target, const py::object &precision,
                 const py::object &inputShapes, const py::object &dims,
                 double planTimeLimit, int64_t maxContext) {
    tlc_compile_options_init(&o);
    auto str = [&](const py::object &v, const char *&field, std::string &keep) {
      if (v.is_none())
        return;
      keep = py::cast<std::string>(v);
      field = keep.c_str();
    };
    str(planner, o.planner, s[0]);
    str(schedule, o.schedule, s[1]);
    str(target, o.target, s[2]);
    str(precision, o.precision, s[3]);
    str(inputShapes, o.input_shapes, s[4]);
    str(dims, o.dims, s[5]);
    o.plan_time_limit = planTimeLimit;
    o.max_context = maxContext;
  }
  tlc_compile_options o;
  std::string s[6];
};

} // namespace

PYBIND11_MODULE(_tlc, m) {
  m.doc() = "tlc's C API (include/tlc/tlc.h) for the Python package tlc; "
            "use the package, not this module.";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p)
        std::rethrow_exception(p);
    } catch (const StatusError &e) {
      // tlc._make_error(status, name, message) -> a tlc.Error instance.
      try {
        py::object make = py::module_::import("tlc").attr("_make_error");
        py::object err = make(int(e.status), tlc_status_name(e.status),
                              e.message);
        PyErr_SetObject(reinterpret_cast<PyObject *>(Py_TYPE(err.ptr())),
                        err.ptr());
      } catch (py::error_already_set &) {
        std::string text =
            std::string(tlc_status_name(e.status)) + ": " + e.message;
        PyErr_SetString(PyExc_RuntimeError, text.c_str());
      }
    }
  });

  m.def("status_name",
        [](int status) { return std::string(tlc_status_name(tlc_status(status))); });
  m.def("api_version", &tlc_api_version);
  m.def("header_api_version", [] { return TLC_API_VERSION; });
  m.def("version", [] { return std::string(tlc_version()); });
  m.def("dtype_size", [](int d) { return tlc_dtype_size(tlc_dtype(d)); });
  m.def("dtype_name",
        [](int d) { return std::string(tlc_dtype_name(tlc_dtype(d))); });
  m.attr("MAX_RANK") = TLC_MAX_RANK;

  py::class_<DeviceHandle>(m, "DeviceHandle")
      .def(py::init<int, bool>(), py::arg("index"), py::arg("validation"))
      .def("close", &DeviceHandle::close)
      .def_readonly("closed", &DeviceHandle::closed)
      .def("name", &DeviceHandle::name)
      .def("counters", &DeviceHandle::counters);

  py::class_<PlanHandle>(m, "PlanHandle")
      .def(py::init<DeviceHandle &, const std::string &>(), py::arg("device"),
           py::arg("path"))
      .def(py::init<DeviceHandle &, const py::bytes &, const std::string &>(),
           py::arg("device"), py::arg("data"), py::arg("name"))
      .def("close", &PlanHandle::close)
      .def_readonly("closed", &PlanHandle::closed)
      .def("inputs", [](PlanHandle &p) { return p.infos(true); })
      .def("outputs", [](PlanHandle &p) { return p.infos(false); })
      .def("set_input", &PlanHandle::setInput, py::arg("name"),
           py::arg("dtype"), py::arg("shape"), py::arg("data").none(true))
      .def("set_symbol", &PlanHandle::setSymbol)
      .def("run", &PlanHandle::run)
      .def("get_output", &PlanHandle::getOutput)
      .def("last_timing", &PlanHandle::lastTiming)
      .def("bench", &PlanHandle::bench);

  py::class_<GeneratorHandle>(m, "GeneratorHandle")
      .def(py::init<DeviceHandle &, const std::string &>(), py::arg("device"),
           py::arg("path"))
      .def(py::init<DeviceHandle &, const py::bytes &, const std::string &>(),
           py::arg("device"), py::arg("data"), py::arg("name"))
      .def("close", &GeneratorHandle::close)
      .def_readonly("closed", &GeneratorHandle::closed)
      .def("info", &GeneratorHandle::info)
      .def("position", &GeneratorHandle::position)
      .def("reset", &GeneratorHandle::reset)
      .def("append", &GeneratorHandle::append)
      .def("generate", &GeneratorHandle::generate);

  m.def(
      "compile",
      [](const std::string &model, const py::object &output,
         const py::object &planner, const py::object &schedule,
         const py::object &target, const py::object &precision,
         const py::object &inputShapes, const py::object &dims,
         double planTimeLimit, int64_t maxContext) -> py::object {
        CompileOptions opts(planner, schedule, target, precision, inputShapes,
                            dims, planTimeLimit, maxContext);
        if (!output.is_none()) {
          std::string path = py::cast<std::string>(output);
          checkNoGil([&] {
            return tlc_compile_file(model.c_str(), &opts.o, path.c_str());
          });
          return py::none();
        }
        void *data = nullptr;
        size_t size = 0;
        checkNoGil([&] {
          return tlc_compile_to_memory(model.c_str(), &opts.o, &data, &size);
        });
        py::bytes bytes;
        try {
          bytes = py::bytes(static_cast<const char *>(data), size);
        } catch (...) {
          tlc_free(data);
          throw;
        }
        tlc_free(data);
        return std::move(bytes);
      },
      py::arg("model"), py::arg("output").none(true),
      py::arg("planner").none(true), py::arg("schedule").none(true),
      py::arg("target").none(true), py::arg("precision").none(true),
      py::arg("input_shapes").none(true), py::arg("dims").none(true),
      py::arg("plan_time_limit"), py::arg("max_context"));
}
