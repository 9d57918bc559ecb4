"""pip install --no-build-isolation .  — the Python package l2o (python/l2o) with its C++ module.

The module is built by the project's own CMake (the target l2o_python of the top-level
CMakeLists.txt, only the libraries it needs): no second build description. The package gets
the shipped policies (the files policies/MANIFEST.json lists, and the MANIFEST) and
configs/tuned.json, as `cmake --install` gives it.

Build folder: build/pip/cmake (kept, so a second install recompiles nothing). L2O_PIP_BUILD_DIR
names another one, for example an already built `build`: its l2o_python target is then brought up
to date and used as it is configured. L2O_PIP_JOBS: parallel compile jobs (default: CMake's).
Needs cmake, a C++20 compiler, pybind11-dev, python3-dev and the library's dependencies
(scripts/setup.sh installs them); only setuptools on the Python side (Debian's python3-setuptools).
"""
import glob
import json
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


def _shipped_files():
    """(source, path inside the package) of the shipped policies and tuned values."""
    manifest = os.path.join(ROOT, "policies", "MANIFEST.json")
    with open(manifest) as f:
        files = sorted({p["file"] for p in json.load(f)["policies"]})
    out = [(os.path.join(ROOT, "policies", name), os.path.join("policies", name)) for name in files]
    out.append((manifest, os.path.join("policies", "MANIFEST.json")))
    out.append((os.path.join(ROOT, "configs", "tuned.json"), os.path.join("configs", "tuned.json")))
    return out


class CMakeBuild(build_ext):
    """Builds l2o._native with CMake and puts it, the policies and the tuned values into the package."""

    def build_extension(self, ext):
        build_dir = os.environ.get("L2O_PIP_BUILD_DIR") or os.path.join(ROOT, "build", "pip", "cmake")
        build_dir = os.path.abspath(build_dir)
        cache = os.path.join(build_dir, "CMakeCache.txt")
        if not os.path.exists(cache):
            os.makedirs(build_dir, exist_ok=True)
            args = ["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                    f"-DPython_EXECUTABLE={sys.executable}", "-DL2O_BUILD_PYTHON=ON", "-DL2O_BUILD_TESTS=OFF",
                    "-DL2O_BUILD_BENCHMARKS=OFF", "-DL2O_BUILD_EXAMPLES=OFF", "-DL2O_BUILD_FUZZERS=OFF"]
            if shutil.which("ninja"):
                args += ["-G", "Ninja"]
            subprocess.run(args, check=True)
        build = ["cmake", "--build", build_dir, "--target", "l2o_python"]
        if os.environ.get("L2O_PIP_JOBS"):
            build += ["--parallel", os.environ["L2O_PIP_JOBS"]]
        subprocess.run(build, check=True)

        built = glob.glob(os.path.join(build_dir, "python", "l2o", "_native*.so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one l2o/_native*.so under {build_dir}/python, found {built}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built[0], target)
        package = os.path.dirname(target)
        for src, rel in _shipped_files():
            dst = os.path.join(package, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)


setup(
    packages=["l2o", "l2o.suite"],
    package_dir={"": "python"},
    ext_modules=[Extension("l2o._native", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    # setuptools' own build folder and metadata beside the CMake one (not in build/ itself or python/).
    options={"build": {"build_base": os.path.join("build", "pip", "setuptools")},
             "egg_info": {"egg_base": os.path.join("build", "pip")}},
    zip_safe=False,
)
