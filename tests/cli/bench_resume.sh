#!/usr/bin/env bash
# `l2o bench` and `l2o tune` resume: every finished run is kept as it completes, a rerun of the same
# command skips those (and says how many), a changed setting does not reuse them, and the results
# of a run killed (SIGKILL, at exact points via $L2O_KILL_AT) and rerun are identical to an
# uninterrupted run's. Also: an unwritable or full output folder is refused before any run.
# Usage: bench_resume.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
make_tiny_idx

# A tiny stand-in for MNIST (10 classes, 8x8 pixels) so the `mnist` experiment runs without data.
make_tiny_mnist "$TMP/data/mnist"
echo '{"optimizers": {"sgd": {"hyper": {"lr": 0.1}}, "adam": {"hyper": {"lr": 0.01}}}}' >"$TMP/tuned.json"
COMMON=(bench --experiment mnist --optimizers sgd,adam --seeds 3 --eval-every 50 --train-size 100
  --data-dir "$TMP/data" --shared-dir "$TMP/none" --no-plots --quiet --jobs 1)
BENCH=("${COMMON[@]}" --tuned "$TMP/tuned.json")
nruns() { find "$1" -name '*.json' | wc -l; }

# summary.json without what legitimately differs between two invocations (timing, the --out path).
same_results() {
  cmp -s "$1/mnist_mnist.csv" "$2/mnist_mnist.csv" || fail "$2/mnist_mnist.csv differs from $1's"
  python3 - "$1/summary.json" "$2/summary.json" <<'PY' || fail "$2/summary.json differs from $1's"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
def strip(v):  # seconds are measurements: every such key has "seconds" in its name
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if "seconds" not in k}
    return [strip(x) for x in v] if isinstance(v, list) else v
for s in (a, b):
    del s["timing"]; del s["settings"]["command"]
assert strip(a) == strip(b)
PY
}

"$L2O" "${BENCH[@]}" --out "$TMP/full" 2>"$TMP/full.err" || fail "uninterrupted bench failed: $(cat "$TMP/full.err")"
[ "$(nruns "$TMP/full/runs")" -eq 6 ] || fail "expected 6 stored runs, found $(nruns "$TMP/full/runs")"
grep -q "reused" "$TMP/full.err" && fail "a fresh bench claims to reuse runs"

# Killed after the 2nd stored run, then after a 3rd run's file was complete but not yet in place.
L2O_KILL_AT=run-kept:2 "$L2O" "${BENCH[@]}" --out "$TMP/part" 2>/dev/null
[ $? -eq 137 ] || fail "the kill point run-kept:2 did not kill the bench"
[ "$(nruns "$TMP/part/runs")" -eq 2 ] || fail "expected 2 stored runs after the kill"
[ -e "$TMP/part/summary.json" ] && fail "a killed bench wrote summary.json"
L2O_KILL_AT=atomic-write:2 "$L2O" "${BENCH[@]}" --out "$TMP/part" 2>/dev/null
[ $? -eq 137 ] || fail "the kill point atomic-write:2 did not kill the bench"
[ "$(nruns "$TMP/part/runs")" -eq 3 ] || fail "expected 3 stored runs after the second kill"
"$L2O" "${BENCH[@]}" --out "$TMP/part" 2>"$TMP/part.err" || fail "resumed bench failed: $(cat "$TMP/part.err")"
grep -q "resumed: 3 finished runs reused" "$TMP/part.err" || fail "no count of reused runs: $(cat "$TMP/part.err")"
same_results "$TMP/full" "$TMP/part"
ls "$TMP/part/runs" | grep -q tmp && fail "a temporary file of the killed write was left in runs/"

# Rerunning a finished bench reuses everything; a changed setting reuses nothing.
"$L2O" "${BENCH[@]}" --out "$TMP/full" 2>"$TMP/again.err" || fail "second bench failed"
grep -q "resumed: 6 finished runs reused" "$TMP/again.err" || fail "rerun did not reuse all 6: $(cat "$TMP/again.err")"
"$L2O" "${BENCH[@]}" --first-seed 2000 --out "$TMP/full" 2>"$TMP/seed.err" \
  || fail "bench with other seeds failed"
grep -q "reused" "$TMP/seed.err" && fail "runs with other seeds were reused: $(cat "$TMP/seed.err")"
echo '{"optimizers": {"sgd": {"hyper": {"lr": 0.2}}, "adam": {"hyper": {"lr": 0.01}}}}' >"$TMP/tuned2.json"
"$L2O" "${COMMON[@]}" --tuned "$TMP/tuned2.json" --out "$TMP/full" 2>"$TMP/lr.err" || fail "bench with another lr failed"
grep -q "resumed: 3 finished runs reused" "$TMP/lr.err" || fail "only adam's 3 runs should be reused: $(cat "$TMP/lr.err")"

# --- l2o tune: the same, with the tuned-values file as the result ---
TUNE=(tune --dataset "idx:$TMP/images,$TMP/labels" --arch 5-6-3 --data-dir "$TMP/data" --shared-dir "$TMP/none"
  --batch 8 --iters 15 --seeds 2 --optimizers sgd,adam --lr-min 1e-2 --lr-max 1 --momenta 0.9 --jobs 1)
"$L2O" "${TUNE[@]}" --quiet --out "$TMP/t-full.json" || fail "uninterrupted tune failed"
L2O_KILL_AT=run-kept:7 "$L2O" "${TUNE[@]}" --quiet --out "$TMP/t-part.json"
[ $? -eq 137 ] || fail "the kill point run-kept:7 did not kill the tune"
[ -e "$TMP/t-part.json" ] && fail "a killed tune wrote its tuned-values file"
"$L2O" "${TUNE[@]}" --out "$TMP/t-part.json" >"$TMP/tune.out" || fail "resumed tune failed"
grep -q "resumed: 7 finished runs reused" "$TMP/tune.out" || fail "tune did not count reused runs: $(cat "$TMP/tune.out")"
python3 - "$TMP/t-full.json" "$TMP/t-part.json" <<'PY' || fail "resumed tune differs from the uninterrupted one"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for t in (a, b):
    del t["command"]
    for o in t["optimizers"].values(): del o["command"]
assert a == b
PY

# --- resource faults: refused before any data are read or runs start ---
mkdir -p "$TMP/ro" && chmod 555 "$TMP/ro"
if [ "$(id -u)" -ne 0 ]; then  # root writes anywhere; the full-disk check below still runs
  expect_error "not writable" "${BENCH[@]}" --out "$TMP/ro/res"
  expect_error "not writable" "${TUNE[@]}" --out "$TMP/ro/t.json"
fi
touch "$TMP/file"
expect_error "--out: cannot create folder" "${BENCH[@]}" --out "$TMP/file/res"
L2O_FAKE_FREE_BYTES=1000 expect_error "MB free" "${BENCH[@]}" --out "$TMP/full"
L2O_FAKE_FREE_BYTES=1000 expect_error "MB free" "${TUNE[@]}" --out "$TMP/t-full.json"
echo "ok"
