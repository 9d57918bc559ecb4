#!/usr/bin/env bash
# `pip install --no-build-isolation .` from the checkout: setup.py builds the module through CMake
# and the package gets the shipped policies and tuned values; imported from the install target,
# away from the build and source trees, it runs one PSDSmall step on a tiny torch model.
# To stay fast the build reuses the ctest build folder (L2O_PIP_BUILD_DIR=BUILD_DIR: its
# l2o_python target, already up to date); a plain `pip install .` builds in build/pip/cmake instead.
# Exits 77 (skipped) when pip or torch is missing for the interpreter.
# Usage: pip_install_test.sh SOURCE_DIR BUILD_DIR PYTHON
set -euo pipefail
src=$1 build=$2 python=$3
"$python" -m pip --version >/dev/null 2>&1 || { echo "skipped: no pip for $python (apt install python3-pip)"; exit 77; }
"$python" -c "import setuptools, torch" 2>/dev/null || { echo "skipped: setuptools or torch missing for $python"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
L2O_PIP_BUILD_DIR="$build" PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$python" -m pip install --no-build-isolation --no-deps --target "$tmp/site" "$src" >"$tmp/pip.log" 2>&1 ||
  { tail -40 "$tmp/pip.log"; echo "FAIL: pip install failed"; exit 1; }
cd "$tmp"
PYTHONPATH="$tmp/site" "$python" - "$tmp/site/l2o" <<'PY'
import os, sys
import torch
import l2o, l2o.torch
pkg = sys.argv[1]
assert os.path.dirname(l2o.__file__) == pkg, l2o.__file__
assert os.path.dirname(l2o._native.__file__) == pkg, l2o._native.__file__
assert sorted(os.listdir(os.path.join(pkg, "policies"))) == [
    "MANIFEST.json", "l2l-mnist.json", "psd-mnist-multi-60min.json", "psd-mnist.json", "psd-small.json"], \
    os.listdir(os.path.join(pkg, "policies"))
assert os.path.exists(os.path.join(pkg, "configs", "tuned.json"))
assert os.path.exists(os.path.join(pkg, "suite", "__main__.py"))

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2))
opt = l2o.torch.PSDSmall(model, batch_size=8)
assert os.path.realpath(opt.policy_file) == os.path.realpath(os.path.join(pkg, "policies", "psd-small.json")), opt.policy_file
before = [p.detach().clone() for p in model.parameters()]
x, y = torch.randn(8, 4), torch.randint(0, 2, (8,))
opt.zero_grad()
loss = torch.nn.functional.cross_entropy(model(x), y)
loss.backward()
opt.step(loss=loss)
assert any((p - b).abs().max() > 0 for p, b in zip(model.parameters(), before)), "PSDSmall did not move"
assert l2o.torch.Adam(model.parameters()).param_groups[0]["lr"] == 1e-3  # torch's default, nothing read from .
print("pip-installed l2o imports from", pkg, "and steps a torch model with its shipped psd-small policy")
PY
