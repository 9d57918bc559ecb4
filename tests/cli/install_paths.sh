#!/usr/bin/env bash
# The shipped policies and tuned values are found at run time, never through the source path
# (core/data_paths.hpp, docs/architecture.md "Installation and data files"): `cmake --install`
# puts them under PREFIX/share/l2o; the installed l2o, run from an unrelated folder, finds them
# there, still after the prefix is moved; $L2O_HOME wins; the build tree's l2o finds the checkout's;
# and when nothing has them the error names every place searched.
# Usage: install_paths.sh PATH_TO_L2O (the build folder is the binary's folder).
source "$(dirname "$0")/lib/common.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$(dirname "$L2O")" && pwd)
unset L2O_HOME L2O_TUNED

cmake --install "$BUILD" --prefix "$TMP/prefix" >"$TMP/install.log" 2>&1 || fail "cmake --install failed: $(tail -5 "$TMP/install.log")"
for f in policies/MANIFEST.json policies/psd-mnist-multi-60min.json policies/psd-mnist.json policies/l2l-mnist.json \
         policies/psd-small.json configs/tuned.json; do
  cmp -s "$SRC/$f" "$TMP/prefix/share/l2o/$f" || fail "share/l2o/$f is not installed (or differs from the checkout's)"
done
[ -x "$TMP/prefix/bin/l2o" ] || fail "bin/l2o is not installed"

make_tiny_idx
mkdir -p "$TMP/work"
# train BINARY OPTIMIZER OUT [ENV...]: a 3-step run on the tiny set, from $TMP/work (no policies/ or configs/).
train() {
  local bin=$1 opt=$2 out=$3; shift 3
  (cd "$TMP/work" && env "$@" "$bin" train --optimizer "$opt" --dataset "idx:$TMP/images,$TMP/labels" \
     --data-dir "$TMP/data" --arch 48-48-3 --batch 8 --iters 3 --eval-every 1 --quiet --out "$out")
}

for opt in psd-small sgd; do
  train "$BUILD/l2o" $opt "$TMP/build-$opt.csv" || fail "the build tree's l2o cannot run $opt from another folder"
  train "$TMP/prefix/bin/l2o" $opt "$TMP/installed-$opt.csv" || fail "the installed l2o cannot run $opt"
  cmp -s <(cut -d, -f1-5 "$TMP/build-$opt.csv") <(cut -d, -f1-5 "$TMP/installed-$opt.csv") ||
    fail "the installed $opt does not use the shipped files the build tree uses"
done

# A moved install still finds its share/l2o (relative to the binary, not to where it was installed).
mv "$TMP/prefix" "$TMP/moved"
train "$TMP/moved/bin/l2o" psd-small "$TMP/moved-psd-small.csv" || fail "the moved install cannot run psd-small"
cmp -s <(cut -d, -f1-5 "$TMP/build-psd-small.csv") <(cut -d, -f1-5 "$TMP/moved-psd-small.csv") ||
  fail "the moved install runs another psd-small"

# $L2O_HOME wins over the install: its tuned values change sgd's step size.
mkdir -p "$TMP/home/configs"
echo '{"optimizers": {"sgd": {"hyper": {"lr": 0.0001}}}}' >"$TMP/home/configs/tuned.json"
train "$TMP/moved/bin/l2o" sgd "$TMP/home-sgd.csv" L2O_HOME="$TMP/home" || fail "sgd with L2O_HOME failed"
cmp -s <(cut -d, -f1-5 "$TMP/installed-sgd.csv") <(cut -d, -f1-5 "$TMP/home-sgd.csv") &&
  fail "\$L2O_HOME/configs/tuned.json was not used"

# Nothing found: one error line naming the file and every place searched.
cp "$TMP/moved/bin/l2o" "$TMP/lonely-l2o"
L2O="$TMP/lonely-l2o"
cd "$TMP/work"
expect_error "psd-small.json was not found" train --optimizer psd-small --dataset "idx:$TMP/images,$TMP/labels" \
  --data-dir "$TMP/data" --arch 48-48-3 --iters 1
grep -qF "$TMP/share/l2o" "$TMP/err" || fail "the error does not name the places searched: $(cat "$TMP/err")"
L2O_HOME="$TMP/nowhere" "$L2O" train --optimizer sgd --dataset "idx:$TMP/images,$TMP/labels" --data-dir "$TMP/data" \
  --arch 48-48-3 --iters 1 >"$TMP/out" 2>"$TMP/err" && fail "ran without tuned values"
grep -qF "\$L2O_HOME=$TMP/nowhere" "$TMP/err" || fail "the error does not name \$L2O_HOME: $(cat "$TMP/err")"
echo "ok"
