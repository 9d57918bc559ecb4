#!/usr/bin/env bash
# `cmake --install` into a fresh prefix gives an l2o package that imports from its site directory,
# away from the build and source trees, and finds the tuned values and policies it carries.
# Usage: install_test.sh BUILD_DIR PYTHON SITE_DIR_RELATIVE_TO_PREFIX
set -euo pipefail
build=$1 python=$2 site=$3
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
cd "$prefix"
PYTHONPATH="$prefix/$site" "$python" - "$prefix/$site/l2o" <<'PY'
import os, sys
import l2o
pkg = sys.argv[1]
assert os.path.dirname(l2o.__file__) == pkg, l2o.__file__
assert l2o.tuned_path() == os.path.join(pkg, "configs", "tuned.json"), l2o.tuned_path()
for name, file in (("psd", "psd-mnist-multi-60min.json"), ("psd-small", "psd-small.json"), ("l2l", "l2l-mnist.json")):
    assert l2o.policy_path(name) == os.path.join(pkg, "policies", file), l2o.policy_path(name)
    l2o.make_optimizer(name)
assert os.path.exists(os.path.join(pkg, "policies", "psd-mnist.json"))  # the paper-protocol PSD, for --policy
# Exactly the shipped policies and their MANIFEST (policies/MANIFEST.json), nothing superseded.
assert sorted(os.listdir(os.path.join(pkg, "policies"))) == [
    "MANIFEST.json", "l2l-mnist.json", "psd-mnist-multi-60min.json", "psd-mnist.json", "psd-small.json"], os.listdir(os.path.join(pkg, "policies"))
print("installed l2o imports from", pkg, "with its own tuned values and policies")
PY
