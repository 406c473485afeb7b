"""Tests of the Python package tlc (python/tlc), over the C API.

Run by ctest (`python_api`: PYTHONPATH=BUILD/python, TLC_BUILD_DIR=BUILD) or
directly: PYTHONPATH=build/python /usr/bin/python3 -m pytest -q tests/python

Errors are checked by class, status name and the C API's message
(tlc_last_error()). Results are checked against the independent PyTorch
reference (tests/data/fashion_ref_*.npy) and the NumPy Llama reference
(tests/data/llama/, README.md there).
"""

import threading

import numpy as np
import pytest

import tlc

LLAMA = "tests/data/llama"


def rel_l2(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


# --- Package ------------------------------------------------------------------


def test_versions():
    assert tlc.__version__ == tlc.version()
    assert tlc.version().count(".") == 2
    assert tlc.api_version() == 1
    assert issubclass(tlc.Error, RuntimeError)
    for cls in (tlc.ShapeError, tlc.DtypeError, tlc.NotFoundError,
                tlc.PlanError, tlc.InvalidHandleError):
        assert issubclass(cls, tlc.Error)


def test_public_api_has_docstrings():
    for name in tlc.__all__:
        obj = getattr(tlc, name)
        if callable(obj):
            assert obj.__doc__, name
    for cls in (tlc.Device, tlc.Plan, tlc.Generator):
        for attr, value in vars(cls).items():
            if not attr.startswith("_") and (callable(value) or
                                             isinstance(value, property)):
                assert value.__doc__, "%s.%s" % (cls.__name__, attr)


# --- Compiling ----------------------------------------------------------------


def test_compile_to_bytes_and_file(repo, tmp_path, device):
    model = repo / "models" / "fashion_cnn.yaml"
    data = tlc.compile(model, input_shapes={"image": (range(1, 5), 1, 28, 28)})
    assert isinstance(data, bytes) and len(data) > 64
    out = tmp_path / "f.tlp"
    ret = tlc.compile(str(model), out, input_shapes="image=1..4x1x28x28",
                      planner="arena", precision="fp32")
    assert ret == str(out)
    assert out.exists()
    # The same flags give the same plan, in memory or on disk.
    assert out.read_bytes() == data
    with device.load(out) as p:
        assert p.inputs[0].max_shape == (4, 1, 28, 28)
    # --dim as a dict (a range) or a str; --precision fp16 keeps f32 inputs.
    with device.load(tlc.compile(model, dims={"N": range(2, 6)},
                                 plan_time_limit=0.5)) as p:
        assert p.inputs[0].min_shape == (2, 1, 28, 28)
        assert p.inputs[0].max_shape == (5, 1, 28, 28)
    with device.load(tlc.compile(model, dims="N=3", precision="fp16")) as p:
        assert p.inputs[0].shape == (3, 1, 28, 28)
        assert not p.inputs[0].dynamic
        assert p.inputs[0].dtype == np.float32


# tlc.h: a bad option is TLC_ERROR_INVALID_ARGUMENT, "named as its flag".
@pytest.mark.parametrize("option,flag", [
    ({"precision": "fp64"}, "--precision"),
    ({"target": "tpu"}, "--target"),
    ({"plan_time_limit": -1}, "--plan-time-limit"),
    ({"input_shapes": {"image": "1..0x1x28x28"}}, "--input-shape"),
    ({"planner": "bogus"}, "--planner"),
    ({"schedule": "bogus"}, "--schedule"),
])
def test_compile_bad_option(repo, option, flag):
    with pytest.raises(tlc.Error) as e:
        tlc.compile(repo / "models" / "fashion_cnn.yaml", **option)
    assert e.value.status == "TLC_ERROR_INVALID_ARGUMENT", str(e.value)
    assert isinstance(e.value, tlc.InvalidArgumentError)
    assert str(e.value).startswith(flag), str(e.value)


def test_compile_missing_model(tmp_path):
    missing = tmp_path / "no_such_model.yaml"
    with pytest.raises(tlc.Error) as e:
        tlc.compile(missing)
    assert e.value.status == "TLC_ERROR_IO"
    assert str(missing) in str(e.value)
    with pytest.raises(TypeError):
        tlc.compile(missing, no_such_option=1)


# --- Loading --------------------------------------------------------------------


def test_load_from_path_and_bytes(device, fashion_bytes, fashion_file,
                                  reference):
    images, _ = reference
    with device.load(fashion_file) as a, device.load(fashion_bytes) as b:
        assert a.path == fashion_file and b.path is None
        assert a.inputs == b.inputs and a.outputs == b.outputs
        x = images[:3]
        np.testing.assert_array_equal(a.run(image=x)["logits"],
                                      b.run(image=x)["logits"])
    with device.load(bytearray(fashion_bytes), name="mine.tlp") as c:
        assert c.path is None
        assert c.run(image=images[:1])["logits"].shape == (1, 10)


def test_load_missing_file(device, tmp_path):
    with pytest.raises(tlc.FileError) as e:
        device.load(tmp_path / "missing.tlp")
    assert e.value.status == "TLC_ERROR_IO"
    assert "missing.tlp" in str(e.value)
    with pytest.raises(TypeError):
        device.load(42)


def test_corrupted_plan(device, fashion_bytes, tmp_path):
    flipped = bytearray(fashion_bytes)
    flipped[len(flipped) // 2] ^= 0x40
    with pytest.raises(tlc.PlanError) as e:
        device.load(bytes(flipped), name="flipped.tlp")
    assert e.value.status == "TLC_ERROR_PLAN"
    assert "flipped.tlp" in str(e.value)
    for size in (10, 100, len(fashion_bytes) - 1):
        with pytest.raises(tlc.Error) as e:
            device.load(fashion_bytes[:size])
        assert e.value.status == "TLC_ERROR_PLAN", str(e.value)
        assert str(e.value).startswith("<memory>")
    # The same from a file: the message names it.
    path = tmp_path / "truncated.tlp"
    path.write_bytes(fashion_bytes[:1000])
    with pytest.raises(tlc.PlanError) as e:
        device.load(path)
    assert str(path) in str(e.value)


# --- Metadata and runs ----------------------------------------------------------


def test_metadata(plan):
    (inp,) = plan.inputs
    (out,) = plan.outputs
    assert inp.name == "image"
    assert inp.dtype == np.float32 and inp.tlc_dtype == "f32"
    assert inp.min_shape == (1, 1, 28, 28)
    assert inp.max_shape == (8, 1, 28, 28)
    assert inp.shape == (8, 1, 28, 28)  # before any input: the largest
    assert inp.dynamic
    assert inp.nbytes == 8 * 28 * 28 * 4
    assert out.name == "logits" and out.dtype == np.float32
    assert out.min_shape == (1, 10) and out.max_shape == (8, 10)
    plan.run(image=np.zeros((3, 1, 28, 28), np.float32))
    assert plan.inputs[0].shape == (3, 1, 28, 28)
    assert plan.outputs[0].shape == (3, 10)
    assert plan.outputs[0].nbytes == 3 * 10 * 4


def test_matches_pytorch_reference_in_batches_of_every_size(plan, reference):
    images, logits = reference
    assert images.shape == (256, 1, 28, 28) and images.dtype == np.float32
    assert logits.shape == (256, 10) and logits.dtype == np.float32
    got = []
    start, sizes = 0, [1, 8, 5, 2, 7, 3, 6, 4]
    i = 0
    while start < len(images):
        n = min(sizes[i % len(sizes)], len(images) - start)
        out = plan.run(image=images[start:start + n])
        assert out["logits"].shape == (n, 10)
        assert out["logits"].dtype == np.float32
        got.append(out["logits"])
        start += n
        i += 1
    got = np.concatenate(got)
    assert rel_l2(got, logits) <= 1e-5
    np.testing.assert_allclose(got, logits, rtol=1e-4, atol=1e-4)
    assert (got.argmax(1) == logits.argmax(1)).all()


def test_inputs_as_dict_and_views(plan, reference):
    images, logits = reference
    want = plan.run({"image": images[:4]})["logits"]
    # A non-contiguous view is copied contiguously, not rejected.
    strided = np.repeat(images[:4], 2, axis=0)[::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(plan.run(image=strided)["logits"], want)
    # A list takes the input's dtype (float -> f32). (Another batch size
    # may round differently.)
    one = plan.run(image=images[:1].tolist())["logits"]
    np.testing.assert_allclose(one, want[:1], rtol=1e-5, atol=1e-5)
    # No arrays: the inputs as last set.
    np.testing.assert_array_equal(plan.run()["logits"], one)


@pytest.mark.parametrize("shape", [(9, 1, 28, 28), (1, 28, 28),
                                   (2, 1, 27, 28), (2, 3, 28, 28)])
def test_wrong_shape(plan, shape):
    with pytest.raises(tlc.ShapeError) as e:
        plan.run(image=np.zeros(shape, np.float32))
    assert e.value.status == "TLC_ERROR_SHAPE"
    assert "image" in str(e.value)


def test_float64_is_not_cast(plan, reference):
    images, _ = reference
    with pytest.raises(tlc.DtypeError) as e:
        plan.run(image=images[:2].astype(np.float64))
    msg = str(e.value)
    assert e.value.status == "TLC_ERROR_DTYPE"
    assert "'image'" in msg and "float64" in msg and "float32" in msg
    assert "arr.astype(np.float32)" in msg
    # Non-native byte order: also no tlc type.
    with pytest.raises(tlc.DtypeError) as e:
        plan.run(image=images[:2].astype(">f4"))
    assert "astype(np.float32)" in str(e.value)


def test_other_dtype_is_the_c_api_error(plan):
    with pytest.raises(tlc.DtypeError) as e:
        plan.run(image=np.zeros((2, 1, 28, 28), np.int32))
    assert e.value.status == "TLC_ERROR_DTYPE"
    assert str(e.value) == "input 'image' has dtype f32, not i32"
    with pytest.raises(tlc.DtypeError):
        plan.run(image=np.zeros((2, 1, 28, 28), np.float16))


def test_unknown_missing_and_extra_inputs(plan, reference):
    images, _ = reference
    with pytest.raises(tlc.NotFoundError) as e:
        plan.run(imag=images[:1])
    assert e.value.status == "TLC_ERROR_NOT_FOUND"
    assert "did you mean 'image'" in str(e.value)
    # Nothing set yet: a run needs every input.
    with pytest.raises(tlc.InvalidArgumentError) as e:
        plan.run()
    assert "'image'" in str(e.value)
    # Extra: the unknown one is an error even beside the right one, and
    # nothing is set.
    with pytest.raises(tlc.NotFoundError) as e:
        plan.run(image=images[:1], label=np.zeros(1, np.int64))
    assert "'label'" in str(e.value)
    with pytest.raises(tlc.InvalidArgumentError):
        plan.run()
    with pytest.raises(TypeError):
        plan.run(images[:1])
    with pytest.raises(tlc.NotFoundError):
        plan.set_input("images", images[:1])


def test_set_symbol_unknown(plan):
    with pytest.raises(tlc.NotFoundError) as e:
        plan.set_symbol("no_such_symbol", 3)
    assert e.value.status == "TLC_ERROR_NOT_FOUND"


def test_timing_and_bench(plan, reference):
    images, _ = reference
    with pytest.raises(tlc.StateError) as e:
        plan.last_timing()
    assert e.value.status == "TLC_ERROR_STATE"
    plan.run(image=images[:2])
    t = plan.last_timing()
    assert t["host_us"] > 0
    b = plan.bench(iterations=5, warmup=1, image=images[:8])
    assert b["iterations"] == 5 and b["warmup"] == 1
    assert 0 < b["host_us"]["min"] <= b["host_us"]["median"] <= b["host_us"]["p90"]
    if b["gpu_us"] is not None:
        assert 0 <= b["gpu_us"]["min"] <= b["gpu_us"]["median"]


def test_zero_device_allocations_per_run(device, fashion_bytes, reference):
    images, _ = reference
    with device.load(fashion_bytes) as p:
        p.run(image=images[:8])
        before = device.counters()
        for i in range(20):
            p.run(image=images[i:i + 1 + i % 8])
        after = device.counters()
    assert after["memory_allocations"] == before["memory_allocations"]
    assert after["allocated_bytes"] == before["allocated_bytes"]
    assert after["submits"] >= before["submits"] + 20
    assert set(after) == {"memory_allocations", "allocated_bytes", "submits",
                          "validation_messages", "pipelines_created",
                          "descriptor_writes", "command_buffer_recordings"}


def test_validation_layer_reports_nothing(fashion_bytes, reference):
    images, logits = reference
    try:
        dev = tlc.Device(validation=True)
    except tlc.DeviceError as e:
        pytest.skip("no validation layer: %s" % e)
    with dev, dev.load(fashion_bytes) as p:
        out = p.run(image=images[:5])["logits"]
        assert dev.counters()["validation_messages"] == 0
    np.testing.assert_allclose(out, logits[:5], rtol=1e-4, atol=1e-4)


def test_runs_from_threads(device, fashion_bytes, reference):
    images, logits = reference
    plans = [device.load(fashion_bytes) for _ in range(2)]
    errors = []

    def work(p, k):
        try:
            for i in range(4):
                s = (k * 4 + i) * 8
                got = p.run(image=images[s:s + 8])["logits"]
                np.testing.assert_allclose(got, logits[s:s + 8], rtol=1e-4,
                                           atol=1e-4)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(p, k))
               for k, p in enumerate(plans)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in plans:
        p.close()
    assert not errors, errors


def test_inspect(device, fashion_bytes, fashion_file):
    with device.load(fashion_file) as a, device.load(fashion_bytes) as b:
        ja = a.inspect()
        jb = b.inspect(format="json")
        assert ja == jb
        assert ja["model"] == "fashion_cnn"
        assert ja["planner"]
        text = a.inspect(format="text")
        assert isinstance(text, str) and text.strip()
        assert isinstance(a.inspect(at={"N": 3}), dict)


# --- Handles ----------------------------------------------------------------------


def test_closed_plan(device, fashion_bytes, reference):
    images, _ = reference
    p = device.load(fashion_bytes)
    p.run(image=images[:1])
    p.close()
    assert p.closed
    p.close()  # twice: nothing
    for call in (lambda: p.run(image=images[:1]), lambda: p.run(),
                 lambda: p.inputs, lambda: p.outputs,
                 lambda: p.set_symbol("N", 1), lambda: p.last_timing(),
                 lambda: p.set_input("image", images[:1]),
                 lambda: p.run(image=images[:1].astype(np.float64)),
                 lambda: p.bench(iterations=1, image=images[:1])):
        with pytest.raises(tlc.InvalidHandleError) as e:
            call()
        assert e.value.status == "TLC_ERROR_INVALID_HANDLE"
        assert "destroyed" in str(e.value)
    assert "closed" in repr(p)
    with device.load(fashion_bytes) as q:
        pass
    with pytest.raises(tlc.InvalidHandleError):
        q.run(image=images[:1])


def test_closed_device_keeps_its_plans(fashion_bytes, reference):
    images, logits = reference
    dev = tlc.Device()
    assert dev.name
    p = dev.load(fashion_bytes)
    dev.close()
    with pytest.raises(tlc.InvalidHandleError) as e:
        dev.load(fashion_bytes)
    assert e.value.status == "TLC_ERROR_INVALID_HANDLE"
    with pytest.raises(tlc.InvalidHandleError):
        dev.counters()
    with pytest.raises(tlc.InvalidHandleError):
        dev.name
    # The device lives on while its plan does.
    np.testing.assert_allclose(p.run(image=images[:2])["logits"], logits[:2],
                               rtol=1e-4, atol=1e-4)
    del p


def test_device_index_out_of_range():
    with pytest.raises(tlc.DeviceError) as e:
        tlc.Device(index=1000)
    assert e.value.status == "TLC_ERROR_DEVICE"
    with pytest.raises(tlc.InvalidArgumentError):
        tlc.Device(index=-2)


# --- Generation ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_b_plan(repo, tmp_path_factory):
    path = tmp_path_factory.mktemp("llama") / "tiny_b_f32.tlp"
    tlc.compile(repo / LLAMA / "tiny_b_f32.gguf", path)
    return str(path)


def test_generator_greedy_matches_reference(device, repo, tiny_b_plan):
    prompt = np.load(repo / LLAMA / "prompt_ids.npy")
    want = np.load(repo / LLAMA / "tiny_b_f32_greedy_ids.npy")
    logits = np.load(repo / LLAMA / "tiny_b_f32_logits.npy")
    greedy_logits = np.load(repo / LLAMA / "tiny_b_f32_greedy_logits.npy")
    assert prompt.shape == (17,) and prompt.dtype == np.int64
    assert want.shape == (32,)
    with device.generator(tiny_b_plan) as gen:
        assert gen.vocab == 72 and gen.context_length == 128
        assert gen.kv_cache is True
        assert gen.position == 0
        # F32: no near-tie at tol 1e-4 (README.md), so all 32 tokens match.
        ids = gen.generate(prompt, max_new_tokens=32)
        assert ids == want.tolist()
        # Each but the last chosen token is in the context.
        assert gen.position == 17 + 31
        gen.reset()
        assert gen.position == 0
        # The prompt's logits, then one step teacher-forced.
        got = gen.append(prompt)
        assert got.shape == (72,) and got.dtype == np.float32
        assert rel_l2(got, logits[-1]) <= 1e-5
        got = gen.append(want[0])
        assert rel_l2(got, greedy_logits[1]) <= 1e-5
        assert gen.position == 18
        # eos: stops after it (token 0 of the greedy continuation from here
        # is want[1]).
        assert gen.generate([int(want[1])], 5, eos=int(want[2])) == \
            want[2:3].tolist()


def test_generator_errors(device, repo, tiny_b_plan, fashion_bytes, tmp_path):
    prompt = np.load(repo / LLAMA / "prompt_ids.npy")
    with open(tiny_b_plan, "rb") as f:
        data = f.read()
    gen = device.generator(data)  # bytes: tlc_generator_load_memory
    with pytest.raises(tlc.InvalidArgumentError) as e:
        gen.generate(prompt, 4, temperature=0.8, top_p=1.5)
    assert "--top-p" in str(e.value)
    assert gen.position == 0
    with pytest.raises(tlc.ShapeError) as e:
        gen.append(np.ones(129, np.int64))
    assert e.value.status == "TLC_ERROR_SHAPE"
    assert gen.position == 0
    with pytest.raises(tlc.InvalidArgumentError):
        gen.append([])
    with pytest.raises(tlc.DtypeError):
        gen.append(np.array([1.0, 2.0]))
    # Sampling with a seed is repeatable.
    a = gen.generate(prompt, 6, temperature=0.9, top_k=10, top_p=0.95, seed=7)
    gen.reset()
    b = gen.generate(prompt, 6, temperature=0.9, top_k=10, top_p=0.95, seed=7)
    assert a == b and len(a) == 6
    gen.close()
    with pytest.raises(tlc.InvalidHandleError):
        gen.position
    with pytest.raises(tlc.InvalidHandleError):
        gen.generate(prompt, 1)
    # Past the context mid-generation: the tokens chosen so far come with
    # the error. A plan for 24 tokens: the prompt (17) and 7 appended.
    short = tmp_path / "tiny_b_24.tlp"
    tlc.compile(repo / LLAMA / "tiny_b_f32.gguf", short, max_context=24)
    want = np.load(repo / LLAMA / "tiny_b_f32_greedy_ids.npy")
    with device.generator(short) as g:
        assert g.context_length == 24
        with pytest.raises(tlc.ShapeError) as e:
            g.generate(prompt, 20)
        assert e.value.tokens == want[:8].tolist()
        assert "a context of 25 tokens (24 + 1); the plan takes 1 to 24" \
            in str(e.value)
        assert g.position == 24
    # A plan without input_ids and logits.
    with pytest.raises(tlc.PlanError) as e:
        device.generator(fashion_bytes)
    assert e.value.status == "TLC_ERROR_PLAN"


def test_plan_symbols(device, repo, tiny_b_plan):
    """A Llama plan run as a plain plan: `past` is set by the host."""
    prompt = np.load(repo / LLAMA / "prompt_ids.npy")
    logits = np.load(repo / LLAMA / "tiny_b_f32_logits.npy")
    with device.load(tiny_b_plan) as p:
        (ids,) = p.inputs
        assert ids.name == "input_ids" and ids.dtype == np.int64
        assert ids.min_shape == (1, 1) and ids.max_shape == (1, 128)
        with pytest.raises(tlc.RunError) as e:
            p.run(input_ids=prompt[None, :])
        assert e.value.status == "TLC_ERROR_RUN" and "'past'" in str(e.value)
        with pytest.raises(tlc.ShapeError):
            p.set_symbol("past", 1000)
        p.set_symbol("past", 0)
        out = p.run(input_ids=prompt[None, :])["logits"]
        assert out.shape == (1, 1, 72)
        assert rel_l2(out[0, 0], logits[-1]) <= 1e-5


def test_plan_generate(device, repo, tiny_b_plan, fashion_bytes):
    """Plan.generate: the same tokens as a Generator, the context kept."""
    prompt = np.load(repo / LLAMA / "prompt_ids.npy")
    want = np.load(repo / LLAMA / "tiny_b_f32_greedy_ids.npy").tolist()
    plan = device.load(tiny_b_plan)
    first = plan.generate(prompt, 5)
    assert first == want[:5]
    # Going on from the last token continues the same greedy sequence.
    assert plan.generate([first[-1]], 3) == want[5:8]
    assert plan.generator.position == len(prompt) + 7
    plan.close()
    with pytest.raises(tlc.InvalidHandleError):
        plan.generate(prompt, 1)
    with device.load(fashion_bytes) as p:
        with pytest.raises(tlc.PlanError):
            p.generate(prompt, 1)
