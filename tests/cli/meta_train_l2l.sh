#!/usr/bin/env bash
# `l2o meta-train --method l2l` end to end on a tiny generated IDX data set: errors for bad input,
# a policy file that loads, and --resume giving the same policy as an uninterrupted run.
# Usage: meta_train_l2l.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
make_tiny_idx
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
