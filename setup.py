"""pip install for the Python package tlc (python/tlc, python/tlc_module.cpp).

    python3 -m venv --system-site-packages /tmp/v
    /tmp/v/bin/pip install --no-build-isolation .

needs no network: the extension is built by this project's CMake (target
tlc_python) with Debian's packages (pybind11-dev, python3-dev, numpy,
setuptools). The CMake build folder is env TLC_BUILD_DIR, else build/ under
this folder; one without a CMakeCache.txt is configured first (Release,
for the python that runs pip), one with it is reused as it is. The
extension, installed by CMake (so its RUNPATH is $ORIGIN), goes into the
package together with libtlc_runtime.so.0, libtlc_compiler.so.0 and the
tlc command line (tlc/bin/tlc, which Plan.inspect runs).

setuptools' own build files go under BUILD/python-setuptools, so nothing is
written into this source tree.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))


def _build_dir():
    return os.path.abspath(os.environ.get("TLC_BUILD_DIR") or
                           os.path.join(HERE, "build"))


def _version():
    with open(os.path.join(HERE, "CMakeLists.txt")) as f:
        m = re.search(r"project\(tlc VERSION ([0-9.]+)", f.read())
    return m.group(1) if m else "0.0.0"


class CMakeBuildExt(build_ext):
    """Builds tlc._tlc with CMake and copies it and what it needs."""

    def run(self):
        build = _build_dir()
        if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
            self._cmake("-S", HERE, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                        "-DTLC_BUILD_TESTS=OFF",
                        "-DPython3_EXECUTABLE=" + sys.executable)
        jobs = str(os.cpu_count() or 1)
        self._cmake("--build", build, "--target", "tlc_python", "-j", jobs)
        for ext in self.extensions:
            self._copy(build, ext)

    def _cmake(self, *args):
        cmd = ["cmake"] + list(args)
        print(" ".join(cmd), flush=True)
        subprocess.check_call(cmd)

    def _copy(self, build, ext):
        dest = os.path.abspath(self.get_ext_fullpath(ext.name))
        pkg = os.path.dirname(dest)
        os.makedirs(pkg, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="tlc-install-") as stage:
            # CMake's install sets the module's RUNPATH to $ORIGIN...
            self._cmake("--install", build, "--component", "python",
                        "--prefix", stage)
            staged = os.path.join(stage, "lib", "python3", "dist-packages",
                                  "tlc")
            modules = [f for f in os.listdir(staged)
                       if f.startswith("_tlc.") and f.endswith(".so")]
            if len(modules) != 1:
                raise RuntimeError("expected one _tlc module in %s, found %s"
                                   % (staged, modules))
            shutil.copyfile(os.path.join(staged, modules[0]), dest)
        # ...where the libraries go (their sonames, the files themselves).
        for lib in ("libtlc_runtime.so.0", "libtlc_compiler.so.0"):
            shutil.copyfile(os.path.realpath(os.path.join(build, "lib", lib)),
                            os.path.join(pkg, lib))
        cli = os.path.join(build, "tlc")
        if os.path.exists(cli):
            os.makedirs(os.path.join(pkg, "bin"), exist_ok=True)
            shutil.copyfile(cli, os.path.join(pkg, "bin", "tlc"))
            os.chmod(os.path.join(pkg, "bin", "tlc"), 0o755)


_SETUPTOOLS_DIR = os.path.join(_build_dir(), "python-setuptools")
os.makedirs(_SETUPTOOLS_DIR, exist_ok=True)

setup(
    name="tlc",
    version=_version(),
    description="tlc: compile neural-network models to Vulkan compute plans "
                "and run them (Python bindings of the C API)",
    packages=["tlc"],
    package_dir={"tlc": "python/tlc"},
    ext_modules=[Extension("tlc._tlc", sources=[])],
    cmdclass={"build_ext": CMakeBuildExt},
    python_requires=">=3.8",
    install_requires=["numpy"],
    zip_safe=False,
    options={
        "build": {"build_base": os.path.join(_SETUPTOOLS_DIR, "build")},
        "egg_info": {"egg_base": _SETUPTOOLS_DIR},
    },
)
