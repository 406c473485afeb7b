"""pytest fixtures for tests/python: the package, a device, compiled plans.

The package comes from PYTHONPATH (ctest sets BUILD/python) or, when it
cannot be imported, from env TLC_BUILD_DIR/python or the repository's
build-py/ and build/ folders. Model files are found relative to this file
(the repository root is parents[2]).
"""

import importlib
import os
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def _import_tlc():
    try:
        importlib.import_module("tlc")
        return
    except ImportError:
        pass
    dirs = [os.environ.get("TLC_BUILD_DIR"), REPO / "build-py", REPO / "build"]
    for d in dirs:
        if d and (pathlib.Path(d) / "python" / "tlc" / "__init__.py").exists():
            sys.path.insert(0, str(pathlib.Path(d) / "python"))
            return


_import_tlc()


@pytest.fixture(scope="session")
def repo():
    """The repository root (pathlib.Path)."""
    return REPO


@pytest.fixture(scope="session")
def device():
    """One device for the session (the default one, as tlc picks it)."""
    import tlc
    with tlc.Device() as dev:
        yield dev


@pytest.fixture(scope="session")
def fashion_bytes():
    """The fashion CNN compiled for batches 1..8 (bytes of a .tlp)."""
    import tlc
    return tlc.compile(REPO / "models" / "fashion_cnn.yaml",
                       input_shapes={"image": "1..8x1x28x28"})


@pytest.fixture(scope="session")
def fashion_file(fashion_bytes, tmp_path_factory):
    """The same plan as a file (str path)."""
    path = tmp_path_factory.mktemp("plans") / "fashion_1_8.tlp"
    path.write_bytes(fashion_bytes)
    return str(path)


@pytest.fixture
def plan(device, fashion_bytes):
    """A fresh plan of fashion_bytes on the session's device."""
    with device.load(fashion_bytes) as p:
        yield p


@pytest.fixture(scope="session")
def reference():
    """The PyTorch reference: images float32 [256, 1, 28, 28] and their
    logits float32 [256, 10] (tools/train_fashion_cnn.py wrote them)."""
    import numpy as np
    images = np.load(REPO / "tests" / "data" / "fashion_ref_images.npy")
    logits = np.load(REPO / "tests" / "data" / "fashion_ref_logits.npy")
    return images, logits
