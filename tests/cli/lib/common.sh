# Shared by the CLI test scripts (sourced, not run): the l2o binary from $1, a temporary folder,
# failure reporting, the one-line-error check and a tiny generated IDX data set.
set -u
L2O=${1:?usage: $0 PATH_TO_L2O}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export L2O_NO_PROGRESS=1
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_error MESSAGE_PART ARGS...: exit code 1 and exactly one line "l2o: error: ..." naming MESSAGE_PART.
expect_error() {
  local want=$1; shift
  "$L2O" "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  [ $rc -eq 1 ] || fail "exit code $rc (expected 1) for: $*: $(cat "$TMP/err")"
  [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "not one line for: $*: $(cat "$TMP/err")"
  grep -q "^l2o: error:" "$TMP/err" || fail "no l2o error line for: $*: $(cat "$TMP/err")"
  grep -qF -- "$want" "$TMP/err" || fail "error does not mention '$want' for: $*: $(cat "$TMP/err")"
}

# expect_usage_error MESSAGE_PART ARGS...: a value the flag parser rejects: a non-zero exit and a
# message naming MESSAGE_PART (usually the flag).
expect_usage_error() {
  local want=$1; shift
  "$L2O" "$@" >"$TMP/out" 2>"$TMP/err" && fail "accepted: $*"
  grep -qF -- "$want" "$TMP/err" || fail "error does not mention '$want' for: $*: $(cat "$TMP/err")"
}

# make_tiny_idx: $TMP/images and $TMP/labels, 90 images of 6x6 pixels in 3 classes, pixels from a
# fixed arithmetic sequence.
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
make_tiny_idx() {
  local N=90 i p
  { be32 2051; be32 $N; be32 6; be32 6
    for ((i = 0; i < N; i++)); do
      for ((p = 0; p < 36; p++)); do printf "\\x$(printf %02x $(((i % 3) * 60 + (i * 7 + p * 13) % 50)))"; done
    done; } >"$TMP/images"
  { be32 2049; be32 $N; for ((i = 0; i < N; i++)); do printf "\\x$(printf %02x $((i % 3)))"; done; } >"$TMP/labels"
}

# same_psd_steps POLICY_A POLICY_B BATCH: whether the two PSD policies take the same six steps
# (objective, accuracy and step columns of the trace) on a 48-48-3 net of the tiny IDX set
# (make_tiny_idx first) at minibatch BATCH.
same_psd_steps() {
  local p
  for p in a b; do
    local policy=$1; [ $p = b ] && policy=$2
    "$L2O" train --optimizer psd --policy "$policy" --dataset "idx:$TMP/images,$TMP/labels" --data-dir "$TMP/data" \
      --arch 48-48-3 --batch "$3" --iters 6 --eval-every 1 --quiet --out "$TMP/steps-$p.csv" ||
      fail "train with $policy at batch $3 failed"
  done
  cmp -s <(cut -d, -f1-5 "$TMP/steps-a.csv") <(cut -d, -f1-5 "$TMP/steps-b.csv")
}

# write_tiny_psd_config FILE: a PSD meta-training config small enough for a test (a 6-cell LSTM,
# tiny GMM priors, short regression), for the 5-6-3 net on the tiny IDX set.
write_tiny_psd_config() {
  cat >"$1" <<'JSON'
{"state_upper": 1, "eval_trajectories": 1,
 "gps": {"dynamics_prior": {"max_clusters": 2, "max_iterations": 5},
         "policy_prior": {"max_clusters": 2, "max_iterations": 5},
         "badmm": {"inner_iterations": 2}, "sampling": {"initial_action_variance": 1e-4}},
 "regression": {"epochs": 2, "init_epochs": 5, "truncation": 4},
 "init": {"lr": 0.1, "momentum": 0.9},
 "arch": {"inputs": ["O1", "O2", "O3"], "output": "step", "output_scale": 1.0, "sharing": "per_kind",
          "networks": ["hidden_weight", "output_weight", "hidden_bias", "output_bias"],
          "lstm": {"cell": "lstm", "forget_bias": 1.0, "gate_order": "ifgo", "init_range": 0.0, "input_size": 3,
                   "layers": [6], "output_size": 1}}}
JSON
}

# make_tiny_mnist DIR: a tiny stand-in for MNIST in DIR (IDX files, 10 classes, 8x8 pixels, 200
# training and 50 test images), so that the `mnist` experiment runs without the data set.
make_tiny_mnist() {
  python3 - "$1" <<'PY'
import os, random, struct, sys
d = sys.argv[1]; os.makedirs(d, exist_ok=True)
rng = random.Random(7)
for split, n in (("train", 200), ("t10k", 50)):
    labels = [i % 10 for i in range(n)]
    with open(f"{d}/{split}-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">IIII", 2051, n, 8, 8))
        f.write(bytes(min(255, l * 20 + rng.randrange(60)) for l in labels for _ in range(64)))
    with open(f"{d}/{split}-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 2049, n)); f.write(bytes(labels))
PY
}

# numpy_python: the interpreter with numpy (Debian's, which CMake uses for the Python module).
numpy_python() {
  local py=python3
  [ -x /usr/bin/python3 ] && py=/usr/bin/python3
  "$py" -c "import numpy" || fail "$py lacks numpy (scripts/setup.sh installs python3-numpy)"
  echo "$py"
}

# make_fake_mnist28 PYTHON DIR N_TRAIN N_TEST: the four MNIST IDX files in DIR, 28x28 images whose
# first pixel is the image's index (mod 256) and the rest its label; labels i % 10.
make_fake_mnist28() {
  "$1" - "$2" "$3" "$4" <<'PY' || fail "could not write the fake MNIST"
import os, struct, sys
import numpy as np
out = sys.argv[1]
os.makedirs(out)
for prefix, n in (("train", int(sys.argv[2])), ("t10k", int(sys.argv[3]))):
    labels = (np.arange(n) % 10).astype(np.uint8)
    images = np.repeat(labels[:, None, None], 28, 1).repeat(28, 2)
    images[:, 0, 0] = np.arange(n) % 256
    with open(f"{out}/{prefix}-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + images.astype(np.uint8).tobytes())
    with open(f"{out}/{prefix}-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + labels.tobytes())
PY
}

# make_fresh_psd FILE: a PSD policy made here for the test, not a shipped one: π pre-trained by GPS
# with no iterations on a 48-48-3 net of the tiny IDX set (make_tiny_idx first; the tiny config, a
# 6-cell LSTM), with width-aware steps (fan-in, power 1, reference 48-48) as the shipped policies
# have; under a second.
make_fresh_psd() {
  write_tiny_psd_config "$TMP/fresh-config.json"
  "$L2O" meta-train --method psd --dataset "idx:$TMP/images,$TMP/labels" --arch 48-48-3 --data-dir "$TMP/data" \
    --batch 8 --horizon 12 --samples 3 --coordinates 4 --config "$TMP/fresh-config.json" --iterations 0 --seed 1 \
    --quiet --out "$TMP/fresh-gps.json" || fail "could not make a fresh PSD policy"
  "$L2O" policy scale-steps --policy "$TMP/fresh-gps.json" --out "$1" --rule fan_in --power 1 >/dev/null ||
    fail "could not give the fresh PSD policy width-aware steps"
}

# fresh_psd_source: the tiny IDX set and $SRC, a fresh PSD policy made from it (make_fresh_psd), the
# source of the `l2o policy` tests' copies.
fresh_psd_source() {
  make_tiny_idx
  SRC="$TMP/fresh.json"
  make_fresh_psd "$SRC"
}
