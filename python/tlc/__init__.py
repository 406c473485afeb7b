"""tlc from Python: compile models to plans and run them on a Vulkan device.

A thin layer over tlc's C API (include/tlc/tlc.h) through the extension
module ``tlc._tlc``: statuses and messages are the C API's, which are the
``tlc`` command line's.

Running a plan::

    import numpy as np, tlc

    with tlc.Device() as dev:                        # the default device
        plan = dev.load("build/fashion_cnn.tlp")     # a path or bytes
        print(plan.inputs)    # [TensorInfo(image, float32, (100, 1, 28, 28), ...)]
        out = plan.run(image=np.zeros((8, 1, 28, 28), np.float32))
        logits = out["logits"]                       # float32 [8, 10]

Compiling (``tlc compile``'s flags as keyword arguments)::

    data = tlc.compile("models/fashion_cnn.yaml",
                       input_shapes={"image": "1..100x1x28x28"})
    plan = dev.load(data)

Generating tokens with a plan of a Llama model::

    tlc.compile("model.gguf", "model.tlp")
    with dev.generator("model.tlp") as gen:
        ids = gen.generate([1, 35, 38], max_new_tokens=16)

Conventions: shapes are tuples of ints, row-major; sizes are bytes; times
are microseconds. tlc's element types map to numpy's: f32 float32, f16
float16, i32 int32, i64 int64, bool bool, u8 uint8.

Errors: every failure of the C API raises :class:`Error` (a RuntimeError)
or one of its subclasses, one per status (:class:`ShapeError` for
``TLC_ERROR_SHAPE`` ...); ``err.status`` is the status's name and
``str(err)`` is ``tlc_last_error()``'s text, exactly. Mistakes that this
layer catches before calling the C API (a numpy dtype tlc has no type for,
a missing input) raise the same classes.

Handles (:class:`Device`, :class:`Plan`, :class:`Generator`) are released
when garbage-collected, by ``close()``, or at the end of a ``with`` block.
A closed handle raises :class:`InvalidHandleError` when used. A device lives
on while plans or generators loaded on it exist, even after its ``close()``.

Threads: the GIL is released while the library loads, runs, copies
tensors, compiles and generates; calls on one plan or generator are
serialized by the library, as are runs of all plans of one device.
"""

import os
import shutil
import subprocess
import tempfile

import numpy as np

from . import _tlc

__all__ = [
    "compile", "Device", "Plan", "Generator", "TensorInfo", "Error",
    "InvalidArgumentError", "InvalidHandleError", "NotFoundError",
    "ShapeError", "DtypeError", "FileError", "PlanError", "ModelError",
    "DeviceError", "RunError", "StateError", "api_version", "version",
    "__version__",
]

#: The tlc version of the library, e.g. "0.1.0".
__version__ = _tlc.version()


def version():
    """The tlc version of the loaded library (``tlc_version()``), e.g. "0.1.0"."""
    return _tlc.version()


def api_version():
    """The C API version of the loaded library (``tlc_api_version()``), an int."""
    return _tlc.api_version()


# --- Errors -----------------------------------------------------------------


class Error(RuntimeError):
    """A failed tlc call.

    Attributes:
        status: the C API status's name, e.g. ``"TLC_ERROR_SHAPE"``.
        message: the message, ``tlc_last_error()``'s text for a C API
            failure (also ``str(err)``): what the ``tlc`` command line prints
            after ``tlc: error:`` for the same mistake.
    """

    def __init__(self, message, status="TLC_ERROR_UNKNOWN"):
        super().__init__(message)
        self.message = message
        self.status = status

    def __reduce__(self):
        return (type(self), (self.message, self.status))


class InvalidArgumentError(Error):
    """``TLC_ERROR_INVALID_ARGUMENT``: a bad option (named as its
    ``tlc compile`` flag), a size or rank that is impossible, a missing
    input."""


class InvalidHandleError(Error):
    """``TLC_ERROR_INVALID_HANDLE``: a closed device, plan or generator."""


class NotFoundError(Error):
    """``TLC_ERROR_NOT_FOUND``: no input, output or symbol of that name (the
    message lists the plan's and suggests the closest name)."""


class ShapeError(Error):
    """``TLC_ERROR_SHAPE``: a shape the plan does not serve (rank, a
    constant dim, a symbol outside its range), a context too long."""


class DtypeError(Error):
    """``TLC_ERROR_DTYPE``: an array whose element type is not the input's."""


class FileError(Error):
    """``TLC_ERROR_IO``: a file that cannot be read or written."""


class PlanError(Error):
    """``TLC_ERROR_PLAN``: a malformed or corrupted plan (the message names
    the file, the byte offset or field), or one the device cannot hold."""


class ModelError(Error):
    """``TLC_ERROR_MODEL``: a malformed model, or one the compiler does not
    support (the message names the file and the place)."""


class DeviceError(Error):
    """``TLC_ERROR_DEVICE``: no Vulkan device, or a Vulkan call that failed."""


class RunError(Error):
    """``TLC_ERROR_RUN``: a run that could not start or complete (e.g. a
    symbol the host must set is unset)."""


class StateError(Error):
    """``TLC_ERROR_STATE``: a call out of order (e.g. an output before the
    first run)."""


_ERRORS = {
    "TLC_ERROR_INVALID_ARGUMENT": InvalidArgumentError,
    "TLC_ERROR_INVALID_HANDLE": InvalidHandleError,
    "TLC_ERROR_NOT_FOUND": NotFoundError,
    "TLC_ERROR_SHAPE": ShapeError,
    "TLC_ERROR_DTYPE": DtypeError,
    "TLC_ERROR_IO": FileError,
    "TLC_ERROR_PLAN": PlanError,
    "TLC_ERROR_MODEL": ModelError,
    "TLC_ERROR_DEVICE": DeviceError,
    "TLC_ERROR_RUN": RunError,
    "TLC_ERROR_STATE": StateError,
}


def _error(status, message):
    return _ERRORS.get(status, Error)(message, status)


def _make_error(code, status, message):
    # Called by tlc._tlc's exception translator for a failed C API call.
    return _error(status, message)


# --- Element types ------------------------------------------------------------

# tlc_dtype value -> numpy dtype (native byte order).
_DTYPES = {
    0: np.dtype(np.float32),
    1: np.dtype(np.float16),
    2: np.dtype(np.int32),
    3: np.dtype(np.int64),
    4: np.dtype(np.bool_),
    5: np.dtype(np.uint8),
}


def _dtype_code(dtype):
    """The tlc_dtype of a numpy dtype, or None (other types, other byte
    orders)."""
    for code, d in _DTYPES.items():
        if dtype == d:
            return code
    return None


def _np_name(dtype):
    """How to write a numpy dtype in code: "np.float32", "np.bool_"."""
    return "np.bool_" if dtype == np.bool_ else "np." + dtype.name


class TensorInfo:
    """One input or output of a plan.

    Attributes:
        name: the tensor's name (str).
        dtype: its element type as a numpy dtype (float32, float16, int32,
            int64, bool or uint8).
        shape: the current shape (tuple of ints): an input's last accepted
            shape, an output's shape after the last run; before any, the
            largest shape.
        min_shape, max_shape: the range of each dim for a plan compiled for
            a range of shapes (``input_shapes={"image": "1..8x1x28x28"}``:
            ``(1, 1, 28, 28)`` and ``(8, 1, 28, 28)``); equal to ``shape``
            for a plan of one shape.
        nbytes: bytes of ``shape``.
        tlc_dtype: tlc's name of the type ("f32", "f16", "i32", "i64",
            "bool", "u8").
    """

    __slots__ = ("name", "dtype", "shape", "min_shape", "max_shape", "nbytes",
                 "tlc_dtype")

    def __init__(self, info):
        self.name = info["name"]
        self.dtype = _DTYPES.get(info["dtype"])
        self.tlc_dtype = _tlc.dtype_name(info["dtype"])
        self.shape = tuple(info["shape"])
        self.min_shape = tuple(info["min_shape"])
        self.max_shape = tuple(info["max_shape"])
        self.nbytes = info["nbytes"]

    @property
    def dynamic(self):
        """True when some dim has a range (min_shape != max_shape)."""
        return self.min_shape != self.max_shape

    def _key(self):
        return (self.name, self.dtype, self.shape, self.min_shape,
                self.max_shape)

    def __eq__(self, other):
        return isinstance(other, TensorInfo) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        s = "TensorInfo(%s, %s, %s" % (self.name, self.dtype, self.shape)
        if self.dynamic:
            s += ", min %s, max %s" % (self.min_shape, self.max_shape)
        return s + ")"


# --- Compiling ------------------------------------------------------------------


def _dim_text(d):
    if isinstance(d, range):
        if d.step != 1 or len(d) == 0:
            raise ValueError("a dim range must be a non-empty range with step 1, "
                             "not %r" % (d,))
        return "%d..%d" % (d.start, d.stop - 1)
    if isinstance(d, (int, np.integer)) and not isinstance(d, bool):
        return str(int(d))
    if isinstance(d, str):
        return d
    raise TypeError("a dim must be an int, a str such as '1..100' or a range, "
                    "not %r" % (d,))


def _shape_text(shape):
    if isinstance(shape, str):
        return shape
    return "x".join(_dim_text(d) for d in shape)


def _list_text(value, item):
    """A ';'-separated list for tlc_compile_options: str as is, a dict as
    NAME=item(VALUE), another sequence of str joined."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return ";".join("%s=%s" % (k, item(v)) for k, v in value.items())
    return ";".join(str(v) for v in value)


def compile(model_path, output=None, *, planner=None, schedule=None,
            target=None, precision=None, input_shapes=None, dims=None,
            plan_time_limit=None, max_context=None):
    """Compiles a model into a plan, as ``tlc compile`` does.

    Args:
        model_path: the model (str or PathLike): a model.yaml, an ONNX file,
            a Llama GGUF file or a Hugging Face folder.
        output: the plan file to write (str or PathLike; written
            atomically), or None to return the plan's bytes.
        planner: ``--planner``: "auto", "pool", "arena" or "no-alias".
        schedule: ``--schedule``: "memory" or "given".
        target: ``--target``: "auto", "cpu", "gpu" or "gpu-nv".
        precision: ``--precision``: "fp32" or "fp16".
        input_shapes: ``--input-shape``: a dict of input name -> shape, each
            a str ("1..100x1x28x28") or a sequence of dims (ints, "1..100"
            strs or ranges: ``(range(1, 101), 1, 28, 28)``); or the C API's
            str ("image=1..100x1x28x28;mask=1x8").
        dims: ``--dim``: a dict of symbol -> int, str ("32..1280") or
            range; or a str ("W=32..1280;N=1").
        plan_time_limit: ``--plan-time-limit``, seconds (float; default 1).
        max_context: ``--max-context``, tokens (GGUF and Hugging Face
            models).

    Returns:
        bytes of a .tlp plan when ``output`` is None (for
        :meth:`Device.load`), else ``output`` as a str.

    Raises:
        InvalidArgumentError: a bad option; the message starts with its flag
            (e.g. "--precision: ...").
        ModelError: the model (a missing or malformed file, with its name
            and the place).
        FileError: ``output`` cannot be written.
    """
    model = os.fspath(model_path)
    out = None if output is None else os.fspath(output)
    data = _tlc.compile(
        model, out, planner=planner, schedule=schedule, target=target,
        precision=precision,
        input_shapes=_list_text(input_shapes, _shape_text),
        dims=_list_text(dims, _dim_text),
        plan_time_limit=float(plan_time_limit or 0),
        max_context=int(max_context or 0))
    return data if out is None else out


# --- Devices ------------------------------------------------------------------


class _Handle:
    """Shared close / context-manager behaviour of the handle classes."""

    _h = None

    def close(self):
        """Releases the handle (``tlc_*_destroy``). Further use raises
        :class:`InvalidHandleError`; closing again does nothing."""
        if self._h is not None:
            self._h.close()

    @property
    def closed(self):
        """True after :meth:`close`."""
        return self._h is None or self._h.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Device(_Handle):
    """A Vulkan device (``tlc_device_create``).

    Args:
        index: the device's index as ``tlc devices`` lists them; None: the
            default one (env TLC_DEVICE if set, else the first discrete GPU,
            else any GPU, else the first device, e.g. lavapipe).
        validation: enable the Khronos validation layer (also env
            TLC_VALIDATION=1); its messages are counted in
            ``counters()["validation_messages"]``.

    Raises:
        DeviceError: no Vulkan loader or device, or ``index`` out of range.
        InvalidArgumentError: ``index`` < 0.
    """

    def __init__(self, index=None, validation=False):
        if index is not None and int(index) < 0:
            raise InvalidArgumentError(
                "Device: index %d: expected None (the default device) or an "
                "index that `tlc devices` lists" % int(index),
                "TLC_ERROR_INVALID_ARGUMENT")
        self._h = _tlc.DeviceHandle(-1 if index is None else int(index),
                                    bool(validation))

    @property
    def name(self):
        """The device's name (str), e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"."""
        return self._h.name()

    def counters(self):
        """What the runtime has done on this device, over all its plans.

        Returns:
            dict of ints: ``memory_allocations`` (live device memory
            allocations), ``allocated_bytes`` (bytes in them), ``submits``
            (queue submissions so far), ``validation_messages``,
            ``pipelines_created``, ``descriptor_writes``,
            ``command_buffer_recordings``. A plan allocates its memory when
            loaded; runs allocate none.
        """
        return self._h.counters()

    def load(self, plan, name=None):
        """Loads a plan onto this device; all its device memory is
        allocated here.

        Args:
            plan: a .tlp file (str or PathLike), or its bytes (bytes,
                bytearray or memoryview, e.g. from :func:`compile`).
            name: for bytes, what messages call the plan (default
                "<memory>").

        Returns:
            a :class:`Plan`.

        Raises:
            FileError: an unreadable file.
            PlanError: a corrupted or malformed plan (the message names the
                file, the byte offset or field and what was expected), or
                one the device cannot hold.
            InvalidHandleError: the device is closed.
        """
        if isinstance(plan, (bytes, bytearray, memoryview)):
            data = bytes(plan)
            label = "<memory>" if name is None else str(name)
            h = _tlc.PlanHandle(self._h, data, label)
            return Plan(self, h, None, data)
        if isinstance(plan, (str, os.PathLike)):
            path = os.fspath(plan)
            return Plan(self, _tlc.PlanHandle(self._h, path), path, None)
        raise TypeError("Device.load: expected a path (str or PathLike) or "
                        "bytes, not %s" % type(plan).__name__)

    def generator(self, plan):
        """Loads a plan of a language model (``tlc compile model.gguf``) for
        token generation, as ``tlc generate`` does.

        Args:
            plan: a .tlp file (str or PathLike) or its bytes (named
                "<memory>" in error messages). The plan takes
                ``input_ids`` [1, S] (int64) and gives logits; with the
                symbol ``past`` it keeps a KV cache.

        Returns:
            a :class:`Generator`.

        Raises:
            PlanError: a plan without that interface, or a corrupted one.
            FileError, InvalidHandleError: as :meth:`load`.
        """
        if isinstance(plan, (bytes, bytearray, memoryview)):
            return Generator(self, _tlc.GeneratorHandle(self._h, bytes(plan),
                                                        "<memory>"))
        if isinstance(plan, (str, os.PathLike)):
            return Generator(self, _tlc.GeneratorHandle(self._h,
                                                        os.fspath(plan)))
        raise TypeError("Device.generator: expected a path (str or PathLike) "
                        "or bytes, not %s" % type(plan).__name__)

    def __repr__(self):
        if self.closed:
            return "<tlc.Device (closed)>"
        return "<tlc.Device %r>" % self.name


# --- Plans --------------------------------------------------------------------


def _find_cli():
    """The tlc command line: env TLC_CLI; in the package (tlc/bin/tlc, as
    pip installs it); next to the package in a build tree (BUILD/python/tlc
    -> BUILD/tlc) or an install (PREFIX/lib/python3/dist-packages/tlc ->
    PREFIX/bin/tlc); env TLC_BUILD_DIR/tlc; PATH."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.environ.get("TLC_CLI"), os.path.join(here, "bin", "tlc")]
    candidates.append(os.path.join(here, "..", "..", "tlc"))
    candidates.append(os.path.join(here, "..", "..", "..", "..", "bin", "tlc"))
    if os.environ.get("TLC_BUILD_DIR"):
        candidates.append(os.path.join(os.environ["TLC_BUILD_DIR"], "tlc"))
    candidates.append(shutil.which("tlc"))
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.normpath(c)
    return None


class Plan(_Handle):
    """A plan loaded on a device (:meth:`Device.load`).

    Inputs are copied in from numpy arrays and outputs copied out into new
    ones; the plan's device memory is allocated once, at load, and a run
    allocates none (``Device.counters()`` shows it). A plan loaded from
    bytes keeps a reference to them (for :meth:`inspect`).
    """

    def __init__(self, device, handle, path, data):
        self._device = device
        self._h = handle
        self._path = path
        self._data = data
        infos = handle.inputs()
        self._input_names = [i["name"] for i in infos]
        self._input_dtypes = {i["name"]: _DTYPES.get(i["dtype"])
                              for i in infos}
        self._set = set()
        self._generator = None

    def close(self):
        """Releases the plan (``tlc_plan_destroy``) and the generator of
        :meth:`generate`, if any. Further use raises
        :class:`InvalidHandleError`; closing again does nothing."""
        if self._generator is not None:
            self._generator.close()
        super().close()

    def generate(self, prompt_ids, max_new_tokens, **sampling):
        """Generates tokens with a plan of a language model (``tlc compile
        model.gguf`` or a Hugging Face folder): :meth:`Generator.generate`
        on a :class:`Generator` of the same plan file or bytes, made on the
        plan's device by the first call (a second loaded copy of the plan,
        with its own device memory, until :meth:`close`). The context
        carries over from call to call; ``plan.generator.reset()`` empties
        it.

        Args:
            prompt_ids, max_new_tokens, temperature, top_k, top_p, seed,
            eos: as :meth:`Generator.generate`.

        Returns:
            the chosen token ids (a list of ints).

        Raises:
            InvalidHandleError: the plan was closed.
            PlanError: a plan without ``input_ids`` and logits.
            the errors of :meth:`Generator.generate`.
        """
        return self.generator.generate(prompt_ids, max_new_tokens, **sampling)

    @property
    def generator(self):
        """The :class:`Generator` :meth:`generate` uses (made on first
        use; see there)."""
        if self.closed:
            raise InvalidHandleError(
                "Plan.generate: the plan handle was destroyed",
                "TLC_ERROR_INVALID_HANDLE")
        if self._generator is None:
            self._generator = self._device.generator(
                self._path if self._path is not None else self._data)
        return self._generator

    @property
    def device(self):
        """The :class:`Device` the plan was loaded on."""
        return self._device

    @property
    def path(self):
        """The plan file it was loaded from, or None (loaded from bytes)."""
        return self._path

    @property
    def inputs(self):
        """The plan's inputs, in order: a list of :class:`TensorInfo`
        (``shape`` is each input's last accepted shape)."""
        return [TensorInfo(i) for i in self._h.inputs()]

    @property
    def outputs(self):
        """The plan's outputs, in order: a list of :class:`TensorInfo`
        (``shape`` is each output's shape after the last run)."""
        return [TensorInfo(i) for i in self._h.outputs()]

    def _array(self, name, value):
        """\\p value as a C-contiguous array for input \\p name, keeping an
        ndarray's dtype; other values (lists, scalars) take the input's
        dtype when numpy casts them within their kind (float to f32, int to
        i32), else keep theirs."""
        want = self._input_dtypes[name]
        if isinstance(value, np.ndarray):
            arr = value
        else:
            arr = np.asarray(value)
            if (want is not None and arr.dtype != want and
                    np.can_cast(arr.dtype, want, casting="same_kind")):
                arr = arr.astype(want)
        if not arr.flags.c_contiguous:
            arr = np.ascontiguousarray(arr)  # (keeps the dtype)
        if _dtype_code(arr.dtype) is None:
            raise DtypeError(
                "input '%s' has dtype %s (numpy %s), not numpy %s, which tlc "
                "has no element type for; convert the array, e.g. "
                "arr.astype(%s)" % (name, _tlc.dtype_name(_dtype_code(want)),
                                    want.name, arr.dtype.str
                                    if arr.dtype.byteorder not in "=|"
                                    else arr.dtype.name, _np_name(want)),
                "TLC_ERROR_DTYPE")
        return arr

    def set_input(self, name, array):
        """Copies ``array`` into input ``name`` for the next runs (it keeps
        its value until set again).

        Args:
            name: the input's name (str).
            array: a numpy array of the input's dtype and a shape the plan
                serves (any strides: copied contiguously first). Arrays are
                never cast: a float64 array for a float32 input is an error.
                Lists and scalars are converted to the input's dtype when
                that stays within their kind (floats to float32 ...).

        Raises:
            NotFoundError: no input of that name (the message lists the
                plan's inputs and the closest name: "did you mean ...").
            DtypeError: another element type (the message names the input,
                both types and how to convert).
            ShapeError: a rank, a constant dim or a symbol out of its range.
            InvalidHandleError: the plan is closed.
        """
        self._check_open()
        if name not in self._input_dtypes:
            # The C API's message: the plan's inputs and the closest name.
            self._h.set_input(name, 0, [], None)
        arr = self._array(name, array)
        self._h.set_input(name, _dtype_code(arr.dtype), list(arr.shape), arr)
        self._set.add(name)

    def set_symbol(self, name, value):
        """Sets a symbol that no input's shape gives (e.g. ``past``, the
        positions a KV cache holds), as ``tlc run --dim NAME=VALUE`` does.

        Raises:
            NotFoundError: no symbol of that name.
            ShapeError: a value outside the symbol's range.
        """
        self._h.set_symbol(str(name), int(value))

    def _check_open(self):
        if self._h.closed:  # the C API's TLC_ERROR_INVALID_HANDLE
            self._h.set_input("", 0, [], None)

    def _feed(self, fn, inputs, arrays):
        self._check_open()
        feeds = {}
        if inputs is not None:
            if not isinstance(inputs, dict):
                raise TypeError("%s: the positional argument must be a dict "
                                "of input name -> array, not %s"
                                % (fn, type(inputs).__name__))
            feeds.update(inputs)
        feeds.update(arrays)
        # Unknown names first: the C API's error, before anything is set.
        for name in feeds:
            if name not in self._input_dtypes:
                self._h.set_input(name, 0, [], None)
        if feeds:
            missing = [n for n in self._input_names if n not in feeds]
        else:
            missing = [n for n in self._input_names if n not in self._set]
        if missing:
            raise InvalidArgumentError(
                "%s: no value for input%s %s; pass every input (the plan's "
                "inputs: %s)" % (fn, "s" if len(missing) > 1 else "",
                                 ", ".join("'%s'" % m for m in missing),
                                 ", ".join(self._input_names)),
                "TLC_ERROR_INVALID_ARGUMENT")
        for name, value in feeds.items():
            self.set_input(name, value)

    def run(self, inputs=None, /, **arrays):
        """Runs the plan and returns its outputs.

        Args:
            inputs: a dict of input name -> array (optional; the keyword
                arguments add to it).
            **arrays: input name -> numpy array, as :meth:`set_input` takes
                them. Give every input, or none to run on the inputs as last
                set.

        Returns:
            dict of output name -> new numpy array (the output's dtype and
            its shape for these inputs), in the plan's output order.

        Raises:
            InvalidArgumentError: an input without a value.
            NotFoundError, DtypeError, ShapeError: as :meth:`set_input`.
            ShapeError: inputs that disagree on a symbol (e.g. two batch
                sizes).
            RunError: a symbol the host must set is unset
                (:meth:`set_symbol`), or a Vulkan failure.
            InvalidHandleError: the plan is closed.
        """
        self._feed("run", inputs, arrays)
        self._h.run()
        return self._outputs()

    def _outputs(self):
        out = {}
        for info in self._h.outputs():
            arr = np.empty(info["shape"], dtype=_DTYPES[info["dtype"]])
            self._h.get_output(info["name"], arr)
            out[info["name"]] = arr
        return out

    def bench(self, inputs=None, /, iterations=100, warmup=10, **arrays):
        """Measures the plan's latency, as ``tlc bench`` does.

        Sets the inputs (as :meth:`run`), runs ``warmup`` times untimed,
        then ``iterations`` times, each timed by the library
        (``tlc_plan_last_timing``).

        Returns:
            dict: ``iterations``, ``warmup``, ``host_us`` (dict ``median``,
            ``min``, ``p90``: queue submission + wait on the host clock,
            microseconds) and ``gpu_us`` (the same for the plan's commands
            on the GPU by timestamps; None when the device has none).

        Raises:
            as :meth:`run`; ValueError for ``iterations`` < 1.
        """
        if iterations < 1 or warmup < 0:
            raise ValueError("bench: iterations must be >= 1 and warmup >= 0")
        self._feed("bench", inputs, arrays)
        times = self._h.bench(int(iterations), int(warmup))

        def stats(values):
            v = np.sort(np.asarray(values, dtype=np.float64))
            return {"median": float(np.median(v)), "min": float(v[0]),
                    "p90": float(v[min(len(v) - 1, int(0.9 * len(v)))])}

        gpu = [g for _, g in times]
        return {"iterations": int(iterations), "warmup": int(warmup),
                "host_us": stats([h for h, _ in times]),
                "gpu_us": None if min(gpu) < 0 else stats(gpu)}

    def last_timing(self):
        """The time of the last run: dict ``host_us`` and ``gpu_us``
        (microseconds; ``gpu_us`` None without GPU timestamps).

        Raises:
            StateError: no run yet.
        """
        host, gpu = self._h.last_timing()
        return {"host_us": host, "gpu_us": None if gpu < 0 else gpu}

    def inspect(self, format="json", at=None):
        """The plan's memory plan, as ``tlc inspect PLAN --format=FORMAT``
        prints it (the C API has no such call: this runs the ``tlc``
        command line: env TLC_CLI, else the one pip put in the package, the
        build tree's or PREFIX/bin/tlc next to the package, env
        TLC_BUILD_DIR's, or PATH's).

        Args:
            format: "json" (returns a dict), "text", "trace" or "svg"
                (return a str).
            at: for a plan over a range of shapes, also report the shapes at
                these symbol values: a dict (``{"N": 3}``) or a str
                ("N=3,S=7").

        Returns:
            dict for "json", else str. For a plan loaded from a file, that
            file as it is now is inspected; for bytes, a temporary copy.

        Raises:
            FileError: no ``tlc`` command line found, or it could not run.
            Error: ``tlc inspect`` failed; the message is its error text.
        """
        cli = _find_cli()
        if cli is None:
            raise FileError(
                "Plan.inspect: the tlc command line was not found (next to "
                "the package, TLC_CLI, TLC_BUILD_DIR or PATH)", "TLC_ERROR_IO")
        if isinstance(at, dict):
            at = ",".join("%s=%d" % (k, v) for k, v in at.items())
        tmp = None
        path = self._path
        try:
            if path is None:
                fd, tmp = tempfile.mkstemp(suffix=".tlp", prefix="tlc-")
                with os.fdopen(fd, "wb") as f:
                    f.write(self._data)
                path = tmp
            cmd = [cli, "inspect", path, "--format=%s" % format]
            if at:
                cmd.append("--at=%s" % at)
            try:
                r = subprocess.run(cmd, capture_output=True, text=True)
            except OSError as e:
                raise FileError("Plan.inspect: cannot run %s: %s" % (cli, e),
                                "TLC_ERROR_IO") from None
        finally:
            if tmp is not None:
                os.unlink(tmp)
        if r.returncode != 0:
            msg = r.stderr.strip()
            if msg.startswith("tlc: error: "):
                msg = msg[len("tlc: error: "):]
            raise InvalidArgumentError(msg or "tlc inspect failed (exit %d)"
                                       % r.returncode,
                                       "TLC_ERROR_INVALID_ARGUMENT")
        if format == "json":
            import json
            return json.loads(r.stdout)
        return r.stdout

    def __repr__(self):
        if self.closed:
            return "<tlc.Plan (closed)>"
        src = self._path if self._path is not None else "<memory>"
        return "<tlc.Plan %s: inputs %s, outputs %s>" % (
            src, self.inputs, self.outputs)


# --- Generation -----------------------------------------------------------------


def _token_ids(fn, ids):
    """int64 [S] of a token id, a sequence of them or an array [S] / [1, S]."""
    arr = np.asarray(ids)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise DtypeError("%s: token ids must be integers, not %s; convert "
                         "them, e.g. np.asarray(ids, dtype=np.int64)"
                         % (fn, arr.dtype.name), "TLC_ERROR_DTYPE")
    if arr.ndim == 0 or (arr.ndim == 2 and arr.shape[0] == 1):
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise ShapeError("%s: token ids must be [S] or [1, S], not %s"
                         % (fn, list(arr.shape)), "TLC_ERROR_SHAPE")
    return np.ascontiguousarray(arr, dtype=np.int64)


class Generator(_Handle):
    """Token generation with a plan of a language model
    (:meth:`Device.generator`; ``tlc generate``'s engine).

    The generator holds a context: the tokens appended so far (up to
    ``context_length``). With a KV cache each call runs only the new
    tokens; without, the whole context.
    """

    def __init__(self, device, handle):
        self._device = device
        self._h = handle
        self._vocab, self._context_length, self._kv = handle.info()

    @property
    def vocab(self):
        """The vocabulary size (int): logits per position."""
        return self._vocab

    @property
    def context_length(self):
        """The longest context, in tokens (int)."""
        return self._context_length

    @property
    def kv_cache(self):
        """True when the plan keeps a KV cache (else each step runs the
        whole context)."""
        return self._kv

    @property
    def position(self):
        """Tokens in the context so far (int)."""
        return self._h.position()

    def reset(self):
        """Empties the context (position 0)."""
        self._h.reset()

    def append(self, ids):
        """Appends tokens to the context and returns the logits after the
        last one.

        Args:
            ids: token ids: an int, a sequence of ints or an integer array
                [S] or [1, S] (a prefill for many, a decode step for one).

        Returns:
            float32 numpy array [vocab].

        Raises:
            ShapeError: the context would exceed ``context_length`` (the
                context is then unchanged).
            InvalidArgumentError: no tokens.
            DtypeError: ids that are not integers.
            RunError: a failed run.
        """
        return self._h.append(_token_ids("Generator.append", ids))

    def generate(self, prompt_ids, max_new_tokens, temperature=0.0, top_k=0,
                 top_p=1.0, seed=0, eos=None):
        """Appends the prompt, then chooses up to ``max_new_tokens`` tokens
        one at a time (``tlc_generator_generate``).

        Args:
            prompt_ids: token ids as :meth:`append` takes them (at least one
                when ``max_new_tokens`` > 0).
            max_new_tokens: the most tokens to choose (int).
            temperature: 0 chooses greedily (argmax); otherwise tokens are
                sampled from softmax(logits / temperature) after top-k and
                top-p filtering.
            top_k: keep the k likeliest tokens (0: all).
            top_p: nucleus sampling: the likeliest tokens whose
                probabilities add up to top_p (1: all).
            seed: the sampler's seed (int).
            eos: stop after this token (None: never).

        Returns:
            the chosen token ids, a list of ints. Each but the last has been
            appended to the context; pass the last as the next call's
            prompt to go on.

        Raises:
            InvalidArgumentError: a bad sampling value (the message names
                the ``tlc generate`` flag, e.g. "--top-p"), an empty prompt.
            ShapeError: the context would exceed ``context_length``.
            RunError: a failed run.
            The error's ``tokens`` attribute holds the tokens chosen before
            it (a list of ints).
        """
        if max_new_tokens < 0:
            raise ValueError("Generator.generate: max_new_tokens must be >= 0")
        prompt = _token_ids("Generator.generate", prompt_ids)
        tokens, code, status, message = self._h.generate(
            prompt, int(max_new_tokens), float(temperature), int(top_k),
            float(top_p), int(seed), -1 if eos is None else int(eos))
        if code != 0:
            err = _error(status, message)
            err.tokens = tokens
            raise err
        return tokens

    def __repr__(self):
        if self.closed:
            return "<tlc.Generator (closed)>"
        return "<tlc.Generator vocab %d, context %d, kv_cache %s>" % (
            self._vocab, self._context_length, self._kv)
