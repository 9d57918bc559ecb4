#!/usr/bin/env bash
# `l2o meta-train --method l2l` end to end on a tiny generated IDX data set: errors for bad input,
# a policy file that loads, and --resume giving the same policy as an uninterrupted run.
# Usage: meta_train_l2l.sh PATH_TO_L2O
set -u
L2O=${1:?usage: meta_train_l2l.sh PATH_TO_L2O}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_error MESSAGE_PART ARGS...: the command fails with exit code 1 and an l2o error naming MESSAGE_PART.
expect_error() {
  local want=$1; shift
  "$L2O" "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  [ $rc -eq 1 ] || fail "exit code $rc (expected 1) for: $*"
  grep -q "l2o: error:" "$TMP/err" || fail "no l2o error line for: $*: $(cat "$TMP/err")"
  grep -qF -- "$want" "$TMP/err" || fail "error does not mention '$want' for: $*: $(cat "$TMP/err")"
}

# A tiny IDX data set: 90 images of 6x6 pixels, 3 classes, pixels from a fixed arithmetic sequence.
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
N=90
{ be32 2051; be32 $N; be32 6; be32 6
  for ((i = 0; i < N; i++)); do
    for ((p = 0; p < 36; p++)); do printf "\\x$(printf %02x $(((i % 3) * 60 + (i * 7 + p * 13) % 50)))"; done
  done; } >"$TMP/images"
{ be32 2049; be32 $N; for ((i = 0; i < N; i++)); do printf "\\x$(printf %02x $((i % 3)))"; done; } >"$TMP/labels"
DATA=(--dataset "idx:$TMP/images,$TMP/labels" --arch 5-6-3 --data-dir "$TMP/data" --batch 8 --horizon 12)
L2L=(--val-every 2 --val-seeds 1 --val-eval-every 1 --meta-lr 0.003 --quiet)

expect_error "--method" meta-train --method nope "${DATA[@]}" --out "$TMP/p.json"
expect_error "--unroll" meta-train --method psd --unroll 5 "${DATA[@]}" --out "$TMP/p.json"
expect_error "--layers" meta-train --method l2l --layers 20-x "${DATA[@]}" --out "$TMP/p.json"
expect_error "--val-seed-first" meta-train --method l2l --val-seed-first 10 "${DATA[@]}" --out "$TMP/p.json"
expect_error "$TMP/missing.json" meta-train --method l2l "${DATA[@]}" --out "$TMP/p.json" --resume "$TMP/missing.json"

"$L2O" meta-train --method l2l "${DATA[@]}" "${L2L[@]}" --unroll 4 --epochs 4 --seed 5 --out "$TMP/full.json" \
  || fail "uninterrupted run failed"
[ -s "$TMP/full.json" ] || fail "no policy file written"
[ -s "$TMP/full.json.checkpoint.json" ] || fail "no checkpoint written"
grep -q '"method": "l2l"' "$TMP/full.json" || fail "policy file is not for method l2l"

"$L2O" meta-train --method l2l "${DATA[@]}" "${L2L[@]}" --unroll 4 --epochs 2 --seed 5 --out "$TMP/half.json" \
  || fail "first half failed"
"$L2O" meta-train --method l2l "${DATA[@]}" "${L2L[@]}" --unroll 4 --epochs 4 --seed 5 --out "$TMP/resumed.json" \
  --resume "$TMP/half.json.checkpoint.json" || fail "resumed run failed"
diff <(grep '"data"' "$TMP/full.json") <(grep '"data"' "$TMP/resumed.json") >/dev/null \
  || fail "resumed policy differs from the uninterrupted one"
# The checkpoints' current and best parameters agree too (the current ones have moved even if
# validation kept an earlier policy).
params() { grep -o '"params":\[[^]]*\]' "$1"; }
[ "$(params "$TMP/full.json.checkpoint.json")" = "$(params "$TMP/resumed.json.checkpoint.json")" ] \
  || fail "resumed checkpoint parameters differ from the uninterrupted run's"
[ "$(params "$TMP/full.json.checkpoint.json")" != "$(params "$TMP/half.json.checkpoint.json")" ] \
  || fail "the last two epochs did not change the parameters (the resume check would be vacuous)"

# A checkpoint of another run setting is refused.
expect_error "unroll" meta-train --method l2l "${DATA[@]}" "${L2L[@]}" --unroll 3 --epochs 4 --seed 5 \
  --out "$TMP/x.json" --resume "$TMP/half.json.checkpoint.json"
echo "meta_train_l2l: ok"
