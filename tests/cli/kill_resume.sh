#!/usr/bin/env bash
# Kill and resume, as processes: `l2o meta-train` (each method) is stopped with SIGKILL at several
# points ($L2O_KILL_AT, core/kill_point.hpp), resumed from its checkpoint each time, and must end
# with a policy whose tensors are identical to an uninterrupted run's. A checkpoint truncated or
# with a byte changed (at seeded random places) is refused with a clear error, and the previous
# good checkpoint (CHECKPOINT.prev) is kept and resumes to the same policy.
# Usage: kill_resume.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
make_tiny_idx
DATA=(--dataset "idx:$TMP/images,$TMP/labels" --arch 5-6-3 --data-dir "$TMP/data" --batch 8 --horizon 12 --seed 5
  --quiet)
write_tiny_psd_config "$TMP/config.json"
PSD=(meta-train --method psd "${DATA[@]}" --samples 3 --coordinates 4 --config "$TMP/config.json" --iterations 3)
L2L=(meta-train --method l2l "${DATA[@]}" --val-every 2 --val-seeds 1 --val-eval-every 1 --meta-lr 0.003 --unroll 4
  --epochs 4)

# The policy's tensors and what they mean (not the provenance: command line and date differ).
same_tensors() {
  python3 - "$1" "$2" <<'PY' || fail "$2 differs from the uninterrupted $1"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for k in ("method", "architecture", "features", "tensors"):
    assert a[k] == b[k], k
PY
}

# run_killed NAME KILL_POINT... : a fresh run killed at the first point, resumed and killed at each
# further point, then resumed to the end; the result must equal the uninterrupted one.
run_killed() {
  local name=$1 method=$2; shift 2
  local -n cmd=$method
  local out="$TMP/$name.json" resume=() point
  for point in "$@"; do
    L2O_KILL_AT=$point "$L2O" "${cmd[@]}" --out "$out" "${resume[@]}" >/dev/null 2>&1
    local rc=$?
    [ $rc -eq 137 ] || fail "$name: kill point $point was not reached (exit $rc)"
    [ -e "$out" ] && fail "$name: a policy was written before the run finished"
    [ -s "$out.checkpoint.json" ] || fail "$name: no checkpoint after the kill at $point"
    resume=(--resume "$out.checkpoint.json")
  done
  "$L2O" "${cmd[@]}" --out "$out" "${resume[@]}" >/dev/null 2>"$TMP/$name.err" \
    || fail "$name: the final resume failed: $(cat "$TMP/$name.err")"
  same_tensors "$TMP/$method-full.json" "$out"
}

for method in PSD L2L; do
  declare -n cmd=$method
  "$L2O" "${cmd[@]}" --out "$TMP/$method-full.json" || fail "uninterrupted $method run failed"
  unset -n cmd
done

# PSD: after the initialisation's checkpoint; with iteration 1's checkpoint complete on disk but
# not yet renamed into place (the resume must redo iteration 1); after iteration 2's checkpoint.
run_killed psd-killed PSD checkpoint:1 atomic-write:1 checkpoint:2
# L2L: after epoch 1's checkpoint; mid-write of epoch 2's; after epoch 3's (the resumed process
# writes epochs 2 and 3, so that is its 2nd checkpoint).
run_killed l2l-killed L2L checkpoint:1 atomic-write:1 checkpoint:2

# A kill from outside, at whatever moment the run has reached once its first checkpoint exists
# (mid-epoch, or mid-write: the atomic writes must make that harmless), then resumed.
"$L2O" "${L2L[@]}" --out "$TMP/l2l-outside.json" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  [ -s "$TMP/l2l-outside.json.checkpoint.json" ] && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ -e "$TMP/l2l-outside.json" ]; then
  echo "note: the run finished before the outside kill landed"
else
  "$L2O" "${L2L[@]}" --out "$TMP/l2l-outside.json" --resume "$TMP/l2l-outside.json.checkpoint.json" >/dev/null \
    2>"$TMP/outside.err" || fail "resume after the outside kill failed: $(cat "$TMP/outside.err")"
fi
same_tensors "$TMP/L2L-full.json" "$TMP/l2l-outside.json"

# Damaged checkpoints: refused, the previous one kept and usable.
for method in PSD L2L; do
  declare -n cmd=$method
  out="$TMP/$method-damaged.json"
  L2O_KILL_AT=checkpoint:2 "$L2O" "${cmd[@]}" --out "$out" >/dev/null 2>&1
  ck="$out.checkpoint.json"
  [ -s "$ck.prev" ] || fail "$method: no previous checkpoint kept beside $ck"
  cp "$ck" "$TMP/good.json"
  for trial in 1 2 3 4 5 6; do
    python3 - "$TMP/good.json" "$ck" "$trial" <<'PY'
import random, sys
data = bytearray(open(sys.argv[1], "rb").read())
rng = random.Random(int(sys.argv[3]))
if int(sys.argv[3]) % 2:                                   # truncated at a random length
    data = data[: rng.randrange(1, len(data) - 1)]
else:                                                      # one byte changed at a random place
    i = rng.randrange(len(data) - 1)
    data[i] = (data[i] + rng.randrange(1, 255)) % 256
open(sys.argv[2], "wb").write(bytes(data))
PY
    expect_error "corrupt" "${cmd[@]}" --out "$out" --resume "$ck"
    grep -qF "$ck.prev" "$TMP/err" || fail "$method: the refusal does not point at the previous checkpoint"
    [ -s "$ck.prev" ] || fail "$method: the refusal removed the previous checkpoint"
  done
  "$L2O" "${cmd[@]}" --out "$out" --resume "$ck.prev" >/dev/null 2>"$TMP/prev.err" \
    || fail "$method: resuming from the previous checkpoint failed: $(cat "$TMP/prev.err")"
  same_tensors "$TMP/$method-full.json" "$out"
  unset -n cmd
done

# Resource faults: refused at the start, nothing written.
touch "$TMP/file"
expect_error "--out: cannot create folder" "${PSD[@]}" --out "$TMP/file/p.json"
L2O_FAKE_FREE_BYTES=1000 expect_error "MB free" "${L2L[@]}" --out "$TMP/never.json"
[ -e "$TMP/never.json.checkpoint.json" ] && fail "a refused run wrote a checkpoint"
echo "ok"
