#!/usr/bin/env bash
# psd-small from the command line on a tiny generated IDX data set: `l2o policy new-small` writes an
# Adam-equivalent policy that `l2o train --optimizer psd-small` runs and that takes Adam's steps
# there; `l2o meta-train --method psd-es` fine-tunes it (members with raw inputs and horizons of
# their own) and resumes to the same policy; `--inputs raw` checks the input width; bad input gets
# a clear error. Usage: psd_small.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
make_tiny_idx
TASK=(--dataset "idx:$TMP/images,$TMP/labels" --arch 5-6-3 --data-dir "$TMP/data")
DATA=("${TASK[@]}" --batch 8 --horizon 12)

expect_usage_error "--lr" policy new-small --lr -1 --out "$TMP/bad.json"
expect_error "hidden" policy new-small --hidden 0 --out "$TMP/bad.json"
"$L2O" policy new-small --lr 0.01 --hidden 4 --seed 3 --out "$TMP/init.json" >/dev/null || fail "new-small failed"
grep -q '"psd-small"' "$TMP/init.json" || fail "the policy file does not say psd-small"

# The Adam-equivalent policy takes Adam's steps (float32 against float64: the objective agrees to ~1e-5).
"$L2O" train --optimizer psd-small --policy "$TMP/init.json" "${TASK[@]}" --batch 8 --iters 12 --seed 1000 --quiet \
  --out "$TMP/small.csv" || fail "l2o train --optimizer psd-small failed"
"$L2O" train --optimizer adam --lr 0.01 "${TASK[@]}" --batch 8 --iters 12 --seed 1000 --quiet --out "$TMP/adam.csv" \
  || fail "l2o train --optimizer adam failed"
python3 - "$TMP/small.csv" "$TMP/adam.csv" <<'PY' || fail "psd-small's Adam-equivalent start does not step like Adam"
import csv, sys
def objective(path):
    rows = [r for r in csv.reader(open(path)) if r and not r[0].startswith("#")]
    col = rows[0].index("objective")
    return [float(r[col]) for r in rows[1:] if r[col] not in ("", "nan")]
a, b = objective(sys.argv[1]), objective(sys.argv[2])
assert len(a) == len(b) > 5, (len(a), len(b))
worst = max(abs(x - y) / abs(y) for x, y in zip(a, b))
assert worst < 1e-4, worst
print(f"ok: psd-small's start = Adam within {worst:.1e}")
PY

# Raw inputs: the width must be the images' (6x6 = 36).
expect_error "36" train --optimizer adam --dataset "idx:$TMP/images,$TMP/labels" --inputs raw --arch 5-6-3 \
  --data-dir "$TMP/data" --iters 2
"$L2O" train --optimizer adam --dataset "idx:$TMP/images,$TMP/labels" --inputs raw --arch 36-6-3 --data-dir "$TMP/data" \
  --batch 8 --iters 3 --quiet --out "$TMP/raw.csv" || fail "raw inputs failed"

ES=(--init-policy "$TMP/init.json" --pairs 2 --member 5-4-4-3/4:tanh:T20 --member 36-6-3/8:raw --quiet)
expect_error "unknown option" meta-train --method psd-es "${DATA[@]}" --init-policy "$TMP/init.json" \
  --member 5-6-3/4:fast --out "$TMP/x.json"
"$L2O" meta-train --method psd-es "${DATA[@]}" "${ES[@]}" --updates 3 --seed 5 --out "$TMP/full.json" \
  || fail "ES on psd-small failed"
grep -q '"5-4-4-3/4:tanh:T20"' "$TMP/full.json" || fail "provenance lacks the member with its options"
"$L2O" meta-train --method psd-es "${DATA[@]}" "${ES[@]}" --updates 1 --seed 5 --out "$TMP/part.json" \
  || fail "first part failed"
"$L2O" meta-train --method psd-es "${DATA[@]}" "${ES[@]}" --updates 3 --seed 5 --out "$TMP/resumed.json" \
  --resume "$TMP/part.json.checkpoint.json" || fail "resumed run failed"
for p in full resumed; do
  "$L2O" train --optimizer psd-small --policy "$TMP/$p.json" "${TASK[@]}" --batch 8 --iters 12 --seed 1000 --quiet \
    --out "$TMP/$p.csv" || fail "l2o train with the $p policy failed"
  cut -d, -f1-5 "$TMP/$p.csv" >"$TMP/$p.cut"
done
cmp -s "$TMP/full.cut" "$TMP/resumed.cut" || fail "resumed policy differs from the uninterrupted one"
echo "ok"
