#!/usr/bin/env bash
# scripts/make_mnist_noisy.py on a tiny stand-in for MNIST: the images are kept; each label is
# replaced, with probability NOISE, by a uniformly drawn class (noise 0: the labels unchanged; noise
# 0.5: about 45 % changed, as 1/10 of the draws give the old label back); the same seed gives the
# same files; l2o trains on the result; on a 100-class input (as MNIST-pairs) the draws are over
# the hundred classes; bad input is refused naming the file or argument.
# Usage: make_mnist_noisy.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
SCRIPT="$(dirname "$0")/../../scripts/make_mnist_noisy.py"
PY=$(numpy_python)
make_fake_mnist28 "$PY" "$TMP/mnist" 4000 1000

for args in "0 0" "0.5 0" "0.5 0:b" "0.5 1" "1 0"; do
  set -- $args
  "$PY" "$SCRIPT" "$TMP/mnist" "$TMP/n$1-$2" "$1" "${2%%:*}" >/dev/null || fail "the script failed for noise $1 seed $2"
done
"$PY" - "$TMP" <<'PY' || fail "the labels are not MNIST's with the asked-for fraction replaced"
import sys
import numpy as np
d = sys.argv[1]
def read(folder, prefix):
    images = open(f"{folder}/{prefix}-images-idx3-ubyte", "rb").read()
    labels = np.frombuffer(open(f"{folder}/{prefix}-labels-idx1-ubyte", "rb").read()[8:], np.uint8)
    return images, labels
for prefix, n in (("train", 4000), ("t10k", 1000)):
    src_images, src = read(f"{d}/mnist", prefix)
    truth = np.arange(n) % 10
    assert (src == truth).all()
    for noise, want in ((0, 0.0), (0.5, 0.45), (1, 0.9)):
        images, labels = read(f"{d}/n{noise}-0", prefix)
        assert images == src_images, "images changed"
        assert labels.shape == (n,) and labels.max() <= 9
        changed = float((labels != truth).mean())
        assert abs(changed - want) < 0.05, (prefix, noise, changed)
        if noise == 1:  # every class drawn about equally often
            counts = np.bincount(labels, minlength=10) / n
            assert (abs(counts - 0.1) < 0.04).all(), counts
PY
cmp -s "$TMP/n0.5-0/train-labels-idx1-ubyte" "$TMP/n0.5-0:b/train-labels-idx1-ubyte" || fail "the same seed gave other labels"
cmp -s "$TMP/n0.5-0/train-labels-idx1-ubyte" "$TMP/n0.5-1/train-labels-idx1-ubyte" && fail "seeds 0 and 1 gave the same labels"
"$PY" "$SCRIPT" "$TMP/mnist" "$TMP/default" >/dev/null || fail "the script failed without NOISE and SEED"
cmp -s "$TMP/n0.5-0/train-labels-idx1-ubyte" "$TMP/default/train-labels-idx1-ubyte" || fail "the defaults are not noise 0.5, seed 0"

P="$TMP/n0.5-0"
"$L2O" train --optimizer adam --dataset "idx:$P/train-images-idx3-ubyte,$P/train-labels-idx1-ubyte,$P/t10k-images-idx3-ubyte,$P/t10k-labels-idx1-ubyte" \
  --data-dir "$TMP/data" --arch 6-5-10 --batch 8 --iters 3 --quiet --out "$TMP/run.csv" || fail "l2o train on MNIST-noisy failed"

# A 100-class input (labels i % 100, as MNIST-pairs has): the random labels cover all hundred.
"$PY" - "$TMP/mnist" "$TMP/hundred" <<'PY' || fail "could not write the 100-class input"
import os, shutil, struct, sys
import numpy as np
src, out = sys.argv[1:]
os.makedirs(out)
for prefix, n in (("train", 4000), ("t10k", 1000)):
    shutil.copy(f"{src}/{prefix}-images-idx3-ubyte", out)
    with open(f"{out}/{prefix}-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + (np.arange(n) % 100).astype(np.uint8).tobytes())
PY
"$PY" "$SCRIPT" "$TMP/hundred" "$TMP/hundred-n1" 1 >"$TMP/out" || fail "the script failed on a 100-class input"
grep -qF "100 classes" "$TMP/out" || fail "the script does not say it drew over 100 classes: $(cat "$TMP/out")"
"$PY" - "$TMP/hundred-n1" <<'PY' || fail "the random labels of a 100-class input are not uniform over the hundred"
import sys
import numpy as np
labels = np.frombuffer(open(f"{sys.argv[1]}/train-labels-idx1-ubyte", "rb").read()[8:], np.uint8)
counts = np.bincount(labels, minlength=100)
assert counts.size == 100 and counts.min() > 10 and counts.max() < 80, counts
assert abs(float((labels != np.arange(4000) % 100).mean()) - 0.99) < 0.02
PY

expect_script_error() {  # MESSAGE_PART ARGS...
  local want=$1; shift
  "$PY" "$SCRIPT" "$@" >/dev/null 2>"$TMP/err" && fail "accepted: $*"
  grep -qF -- "$want" "$TMP/err" || fail "error does not mention '$want' for: $*: $(cat "$TMP/err")"
}
expect_script_error "NOISE" "$TMP/mnist" "$TMP/x" 1.5
expect_script_error "NOISE" "$TMP/mnist" "$TMP/x" lots
expect_script_error "SEED" "$TMP/mnist" "$TMP/x" 0.5 -1
# Test labels beyond the training ones: the class count would be wrong, so it is refused.
cp "$TMP/hundred/t10k-labels-idx1-ubyte" "$TMP/mnist/t10k-labels-idx1-ubyte"
expect_script_error "test labels go up to 99" "$TMP/mnist" "$TMP/x"
rm "$TMP/mnist/t10k-labels-idx1-ubyte"
expect_script_error "t10k-labels-idx1-ubyte" "$TMP/mnist" "$TMP/x"
echo ok
