#!/usr/bin/env bash
# scripts/scale_policy_output.py: the copy loads (valid checksum), its first step is FACTOR times
# the original's, and bad input is refused. Usage: scale_policy_output.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
ROOT="$(dirname "$0")/../.."
SRC="$ROOT/policies/psd-mnist-multi-es.json"
make_tiny_idx

python3 "$ROOT/scripts/scale_policy_output.py" "$SRC" "$TMP/half.json" 0.5 || fail "the script failed"
run() { "$L2O" train --optimizer psd --policy "$1" --dataset "idx:$TMP/images,$TMP/labels" --data-dir "$TMP/data" \
  --arch 48-48-3 --batch 8 --iters 1 --eval-every 1 --quiet --out "$2" || fail "train with $1 failed"; }
run "$SRC" "$TMP/a.csv"
run "$TMP/half.json" "$TMP/b.csv"
python3 - "$TMP/a.csv" "$TMP/b.csv" <<'PY' || fail "the first step is not half the original's"
import csv, sys
a, b = ([r for r in csv.DictReader(l for l in open(p) if not l.startswith("#"))] for p in sys.argv[1:])
ratio = float(b[-1]["step_norm"]) / float(a[-1]["step_norm"])
assert abs(ratio - 0.5) < 1e-12, ratio
PY
for bad in 0 -1 nan x; do
  python3 "$ROOT/scripts/scale_policy_output.py" "$SRC" "$TMP/x.json" "$bad" 2>"$TMP/err" && fail "accepted factor $bad"
  grep -q "FACTOR" "$TMP/err" || fail "error does not name FACTOR for $bad: $(cat "$TMP/err")"
done
echo '{}' >"$TMP/bad.json"
python3 "$ROOT/scripts/scale_policy_output.py" "$TMP/bad.json" "$TMP/x.json" 2 2>"$TMP/err" && fail "accepted a non-policy"
grep -q "bad.json" "$TMP/err" || fail "error does not name the file: $(cat "$TMP/err")"
echo ok
