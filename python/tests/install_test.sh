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
for name, file in (("psd", "psd-mnist-multi-60min.json"), ("l2l", "l2l-mnist.json")):
    assert l2o.policy_path(name) == os.path.join(pkg, "policies", file), l2o.policy_path(name)
    l2o.make_optimizer(name)
assert os.path.exists(os.path.join(pkg, "policies", "psd-mnist.json"))  # the paper-protocol PSD, for --policy
assert os.path.exists(os.path.join(pkg, "policies", "psd-mnist-multi.json"))  # the family PSD before ES
assert os.path.exists(os.path.join(pkg, "policies", "psd-mnist-multi-es-batch.json"))  # the default before the pairs ES
assert os.path.exists(os.path.join(pkg, "policies", "psd-mnist-multi-es-pairs.json"))  # the default before the noisy-label ES
assert os.path.exists(os.path.join(pkg, "policies", "psd-mnist-multi-es-noisy.json"))  # the default before the noisy-pairs ES
assert os.path.exists(os.path.join(pkg, "policies", "psd-mnist-multi-es-noisy-pairs.json"))  # the default before the 60-minute recipe
print("installed l2o imports from", pkg, "with its own tuned values and policies")
PY
