#!/usr/bin/env bash
# MPI (docs/distributed.md): `mpirun --oversubscribe -np 3` against a single process on tiny
# settings. Meta-training with both methods and a small bench and tune give the same policies,
# curves and results; the wrapper's unit tests hold on every rank; a rank that throws ends the job
# with one error naming it; a rank killed mid-run makes mpirun end the job, and the last checkpoint
# resumes (with another number of ranks) to the uninterrupted result.
# Skipped (exit 77) in a build without MPI. Usage: mpi_distributed.sh PATH_TO_L2O
source "$(dirname "$0")/../lib/common.sh"
[ "${L2O_TEST_MPI:-OFF}" = "ON" ] || { echo "SKIP: l2o was built without MPI"; exit 77; }
MPIRUN=${L2O_TEST_MPIEXEC:-mpirun}
command -v "$MPIRUN" >/dev/null || { echo "SKIP: no mpirun"; exit 77; }
# As root OpenMPI needs these; one OpenMP thread per rank (3 ranks share this machine's cores).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpi() { local n=$1; shift; "$MPIRUN" --oversubscribe -np "$n" "$@"; }
L2O=$(realpath "$L2O")  # the bench below runs from other folders
BUILD=$(dirname "$L2O")

# The wrapper's own tests, on 3 ranks (every rank must pass them).
# mpirun fails unless every rank passes; rank 0's output is the one shown.
L2O_TEST_EXPECT_RANKS=3 mpi 3 "$BUILD/test_core" --gtest_filter='Distributed*:ByteBuffer*' --gtest_color=no \
  >"$TMP/gtest.out" 2>&1 || fail "test_core under mpirun -np 3: $(tail -30 "$TMP/gtest.out")"
grep -q '^\[  PASSED  \] 7 tests' "$TMP/gtest.out" || fail "test_core under mpirun: $(tail -30 "$TMP/gtest.out")"

make_tiny_idx
DATA=(--dataset "idx:$TMP/images,$TMP/labels" --arch 5-6-3 --data-dir "$TMP/data" --batch 8 --horizon 12 --seed 5
  --quiet)
write_tiny_psd_config "$TMP/config.json"
PSD=(meta-train --method psd "${DATA[@]}" --samples 5 --coordinates 4 --config "$TMP/config.json" --iterations 3)
MDGPS=("${PSD[@]}" --algorithm mdgps)
L2L=(meta-train --method l2l "${DATA[@]}" --val-every 2 --val-seeds 4 --val-eval-every 1 --meta-lr 0.003 --unroll 4
  --epochs 4)

# Two JSON files equal but for what differs between any two invocations (date, command, seconds,
# and the checksum over them); the tensors, curves and histories must match exactly.
same_json() {
  python3 - "$1" "$2" <<'PY' || fail "$2 differs from $1"
import json, sys
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in ("date", "command", "timing", "checksum") and "seconds" not in k}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
a, b = (strip(json.load(open(p))) for p in sys.argv[1:])
assert a == b
PY
}

# Meta-training, both methods (PSD with BADMM and with MDGPS): one process against 3 ranks
# (policy and last checkpoint).
for method in PSD MDGPS L2L; do
  declare -n cmd=$method
  "$L2O" "${cmd[@]}" --out "$TMP/$method-1.json" || fail "$method: the single-process run failed"
  mpi 3 "$L2O" "${cmd[@]}" --out "$TMP/$method-3.json" 2>"$TMP/$method-3.err" \
    || fail "$method: mpirun -np 3 failed: $(cat "$TMP/$method-3.err")"
  same_json "$TMP/$method-1.json" "$TMP/$method-3.json"
  same_json "$TMP/$method-1.json.checkpoint.json" "$TMP/$method-3.json.checkpoint.json"
  unset -n cmd
done

# A rank killed mid-run (rank 1, at its 6th trajectory: inside GPS iteration 1, after the
# initialisation's checkpoint): mpirun ends the job and names the rank; the checkpoint resumes on
# 2 ranks to the uninterrupted policy.
L2O_KILL_AT=trajectory:6@1 mpi 3 "$L2O" "${PSD[@]}" --out "$TMP/killed.json" >/dev/null 2>"$TMP/killed.err"
rc=$?
[ $rc -ne 0 ] || fail "the job with a killed rank exited 0"
grep -q "rank 1" "$TMP/killed.err" || fail "mpirun did not name the killed rank: $(cat "$TMP/killed.err")"
[ -e "$TMP/killed.json" ] && fail "a policy was written by a job whose rank was killed"
[ -s "$TMP/killed.json.checkpoint.json" ] || fail "no checkpoint after the kill"
mpi 2 "$L2O" "${PSD[@]}" --out "$TMP/killed.json" --resume "$TMP/killed.json.checkpoint.json" 2>"$TMP/resume.err" \
  || fail "resume on 2 ranks failed: $(cat "$TMP/resume.err")"
# (A resumed run's provenance lacks the initialisation's regression curve, as in kill_resume.sh.)
python3 - "$TMP/PSD-1.json" "$TMP/killed.json" <<'PY' || fail "the resumed policy differs from the uninterrupted one"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for k in ("method", "architecture", "features", "tensors"):
    assert a[k] == b[k], k
strip = lambda h: [{k: v for k, v in x.items() if k != "seconds"} for x in h]
assert strip(a["provenance"]["extra"]["history"]) == strip(b["provenance"]["extra"]["history"])
PY

# A rank that throws (rank 2, in its first trajectory of the initialisation): one error line that
# names the rank, exit code 1, no policy.
L2O_THROW_AT=trajectory:1@2 mpi 3 "$L2O" "${PSD[@]}" --out "$TMP/thrown.json" >/dev/null 2>"$TMP/thrown.err"
rc=$?
[ $rc -eq 1 ] || fail "exit code $rc (expected 1) for a rank that throws: $(cat "$TMP/thrown.err")"
[ "$(grep -c '^l2o: error:' "$TMP/thrown.err")" -eq 1 ] || fail "not one error line: $(cat "$TMP/thrown.err")"
grep -q "^l2o: error: rank 2: injected failure at trajectory" "$TMP/thrown.err" \
  || fail "the error does not name rank 2: $(cat "$TMP/thrown.err")"
[ -e "$TMP/thrown.json" ] && fail "a policy was written by a job that failed"

# bench and tune: a tiny MNIST stand-in (as in bench_resume.sh), one process against 3 ranks.
make_tiny_mnist "$TMP/data/mnist"
echo '{"optimizers": {"sgd": {"hyper": {"lr": 0.1}}, "adam": {"hyper": {"lr": 0.01}}}}' >"$TMP/tuned.json"
BENCH=(bench --experiment mnist --optimizers sgd,adam,psd --policy "psd-mine=$TMP/PSD-1.json" --seeds 3 --eval-every 50
  --train-size 100 --data-dir "$TMP/data" --shared-dir "$TMP/none" --no-plots --jobs 1 --tuned "$TMP/tuned.json")
# The same relative --out from two folders, so that the command lines in the outputs agree.
mkdir -p "$TMP/one" "$TMP/three"
(cd "$TMP/one" && "$L2O" "${BENCH[@]}" --quiet --out res 2>"$TMP/bench-1.err") || fail "bench, one process: $(cat "$TMP/bench-1.err")"
(cd "$TMP/three" && mpi 3 "$L2O" "${BENCH[@]}" --quiet --out res 2>"$TMP/bench-3.err") \
  || fail "bench on 3 ranks: $(cat "$TMP/bench-3.err")"
ln -s "$TMP/one/res" "$TMP/bench-1" && ln -s "$TMP/three/res" "$TMP/bench-3"
# Every file but the measured seconds (<panel>_seconds.csv and its figure).
for f in "$TMP"/bench-1/*.csv "$TMP"/bench-1/plots/*.gp; do
  case "$f" in *_seconds.csv|*_seconds.gp) continue ;; esac
  cmp "$f" "${f/bench-1/bench-3}" || fail "bench: $(basename "$f") differs on 3 ranks"
done
# The report, but for its wall-time line and the table columns of measured seconds.
without_seconds() {
  python3 - "$1" <<'PY'
import sys
drop = []
for line in open(sys.argv[1]):
    if line.startswith("Wall time"):
        continue
    cells = line.rstrip("\n").split("|")
    if line.startswith("| rank |"):
        drop = [i for i, c in enumerate(cells) if "seconds" in c or "ms per" in c]
    elif not line.startswith("|"):
        drop = []
    print("|".join(c for i, c in enumerate(cells) if i not in drop))
PY
}
cmp <(without_seconds "$TMP/bench-1/report.md") <(without_seconds "$TMP/bench-3/report.md") \
  || fail "bench: report.md differs on 3 ranks"
same_json "$TMP/bench-1/summary.json" "$TMP/bench-3/summary.json"
[ "$(find "$TMP/bench-3/runs" -name '*.json' | wc -l)" -eq "$(find "$TMP/bench-1/runs" -name '*.json' | wc -l)" ] \
  || fail "bench: the 3 ranks did not keep every run"
# The run store still resumes under MPI: a rerun on 2 ranks reuses every run.
mpi 2 "$L2O" "${BENCH[@]}" --out "$TMP/bench-3" >/dev/null 2>"$TMP/bench-rerun.err" \
  || fail "bench rerun failed: $(cat "$TMP/bench-rerun.err")"
grep -q "resumed: 12 finished runs reused" "$TMP/bench-rerun.err" || fail "bench rerun: $(cat "$TMP/bench-rerun.err")"
same_json "$TMP/bench-1/summary.json" "$TMP/bench-3/summary.json"

TUNE=(tune --dataset mnist --arch 64-6-10 --data-dir "$TMP/data" --shared-dir "$TMP/none" --optimizers sgd,adam
  --iters 20 --seeds 2 --lr-min 0.01 --lr-max 0.1 --train-size 100 --jobs 1 --quiet)
"$L2O" "${TUNE[@]}" --out "$TMP/tuned-1.json" 2>"$TMP/tune-1.err" || fail "tune, one process: $(cat "$TMP/tune-1.err")"
mpi 3 "$L2O" "${TUNE[@]}" --out "$TMP/tuned-3.json" 2>"$TMP/tune-3.err" || fail "tune on 3 ranks: $(cat "$TMP/tune-3.err")"
same_json "$TMP/tuned-1.json" "$TMP/tuned-3.json"
echo "mpi: OK"
