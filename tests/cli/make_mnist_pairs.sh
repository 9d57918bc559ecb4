#!/usr/bin/env bash
# scripts/make_mnist_pairs.py on a tiny stand-in for MNIST: each example is image i beside image
# p(i) of the same split, labelled 10 * label(i) + label(p(i)), p a permutation fixed by the seed;
# the same seed gives the same files, .gz inputs the same as plain ones; l2o trains on the result;
# bad input is refused naming the file. Usage: make_mnist_pairs.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
ROOT="$(dirname "$0")/../.."
PY=$(numpy_python)
SCRIPT="$ROOT/scripts/make_mnist_pairs.py"

make_fake_mnist28 "$PY" "$TMP/mnist" 40 20
"$PY" "$SCRIPT" "$TMP/mnist" "$TMP/p0" 0 >/dev/null || fail "the script failed"
"$PY" - "$TMP/p0" <<'PY' || fail "the pairs are not image i beside image p(i) with label 10 a + b"
import sys
import numpy as np
d = sys.argv[1]
for prefix, n in (("train", 40), ("t10k", 20)):
    raw = open(f"{d}/{prefix}-images-idx3-ubyte", "rb").read()
    assert raw[:16] == bytes.fromhex("00000803") + n.to_bytes(4, "big") + (28).to_bytes(4, "big") + (56).to_bytes(4, "big")
    images = np.frombuffer(raw[16:], np.uint8).reshape(n, 28, 56)
    labels = np.frombuffer(open(f"{d}/{prefix}-labels-idx1-ubyte", "rb").read()[8:], np.uint8)
    left, right = images[:, 0, 0], images[:, 0, 28]
    assert (left == np.arange(n)).all()
    assert sorted(right) == list(range(n)) and (right != np.arange(n)).any()  # a permutation, not the identity
    assert (labels == 10 * (left % 10) + right % 10).all()
    assert (images[:, 1:, :28] == (left % 10)[:, None, None]).all() and (images[:, 1:, 28:] == (right % 10)[:, None, None]).all()
PY
"$PY" "$SCRIPT" "$TMP/mnist" "$TMP/p0b" 0 >/dev/null && "$PY" "$SCRIPT" "$TMP/mnist" "$TMP/p1" 1 >/dev/null \
  || fail "the script failed"
cmp -s "$TMP/p0/train-images-idx3-ubyte" "$TMP/p0b/train-images-idx3-ubyte" || fail "the same seed gave other pairs"
cmp -s "$TMP/p0/train-images-idx3-ubyte" "$TMP/p1/train-images-idx3-ubyte" && fail "seeds 0 and 1 gave the same pairs"
gzip -k "$TMP"/mnist/*
mkdir "$TMP/gz" && mv "$TMP"/mnist/*.gz "$TMP/gz/"
"$PY" "$SCRIPT" "$TMP/gz" "$TMP/pgz" 0 >/dev/null || fail "the script failed on .gz files"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  cmp -s "$TMP/p0/$f" "$TMP/pgz/$f" || fail "$f from .gz inputs differs"
done

# l2o reads the result as a generic IDX data set (classes = largest label + 1).
K=$("$PY" -c "import sys; print(max(open(sys.argv[1], 'rb').read()[8:]) + 1)" "$TMP/p0/train-labels-idx1-ubyte")
P="$TMP/p0"
"$L2O" train --optimizer adam --dataset "idx:$P/train-images-idx3-ubyte,$P/train-labels-idx1-ubyte,$P/t10k-images-idx3-ubyte,$P/t10k-labels-idx1-ubyte" \
  --data-dir "$TMP/data" --arch "6-5-$K" --batch 8 --iters 3 --quiet --out "$TMP/run.csv" || fail "l2o train on the pairs failed"

rm "$TMP/mnist/t10k-labels-idx1-ubyte"
"$PY" "$SCRIPT" "$TMP/mnist" "$TMP/x" 2>"$TMP/err" && fail "accepted a missing file"
grep -q "t10k-labels-idx1-ubyte" "$TMP/err" || fail "error does not name the missing file: $(cat "$TMP/err")"
"$PY" "$SCRIPT" "$TMP/mnist" "$TMP/x" -3 2>"$TMP/err" && fail "accepted seed -3"
grep -q "SEED" "$TMP/err" || fail "error does not name SEED: $(cat "$TMP/err")"
head -c 100 "$TMP/gz/train-images-idx3-ubyte.gz" >"$TMP/mnist/t10k-labels-idx1-ubyte"
"$PY" "$SCRIPT" "$TMP/mnist" "$TMP/x" 2>"$TMP/err" && fail "accepted a corrupt file"
grep -q "t10k-labels-idx1-ubyte" "$TMP/err" || fail "error does not name the corrupt file: $(cat "$TMP/err")"
echo ok
