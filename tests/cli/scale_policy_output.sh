#!/usr/bin/env bash
# scripts/scale_policy_output.py: the copy loads (valid checksum), its first step is FACTOR times
# the original's, with --networks only the named networks' steps are, and bad input is refused. Usage: scale_policy_output.sh PATH_TO_L2O
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
assert abs(ratio - 0.5) < 1e-9, ratio  # the CSV prints 10 significant digits
PY
# --networks: every network named = the whole output scaled; the output layer's alone = between.
python3 "$ROOT/scripts/scale_policy_output.py" "$SRC" "$TMP/nets-all.json" 0.5 \
  --networks hidden_weight,output_weight,hidden_bias,output_bias || fail "--networks (all) failed"
python3 "$ROOT/scripts/scale_policy_output.py" "$SRC" "$TMP/nets-out.json" 0.5 --networks output_weight,output_bias \
  || fail "--networks (output) failed"
run "$TMP/nets-all.json" "$TMP/c.csv"
run "$TMP/nets-out.json" "$TMP/d.csv"
python3 - "$TMP/a.csv" "$TMP/c.csv" "$TMP/d.csv" <<'PY' || fail "--networks does not scale just the named networks"
import csv, sys
a, c, d = (float([r for r in csv.DictReader(l for l in open(p) if not l.startswith("#"))][-1]["step_norm"])
           for p in sys.argv[1:])
assert abs(c / a - 0.5) < 1e-9, c / a
assert 0.5 + 1e-6 < d / a < 1 - 1e-6, d / a
PY
python3 "$ROOT/scripts/scale_policy_output.py" "$SRC" "$TMP/x.json" 2 --networks output_weight,nope 2>"$TMP/err" \
  && fail "accepted an unknown network"
grep -q "nope" "$TMP/err" && grep -q "output_bias" "$TMP/err" || fail "error does not name the networks: $(cat "$TMP/err")"
python3 "$ROOT/scripts/scale_policy_output.py" "$SRC" "$TMP/x.json" 2 --networks 2>"$TMP/err" && fail "accepted an empty --networks"
grep -q "networks" "$TMP/err" || fail "error does not name --networks: $(cat "$TMP/err")"

for bad in 0 -1 nan x; do
  python3 "$ROOT/scripts/scale_policy_output.py" "$SRC" "$TMP/x.json" "$bad" 2>"$TMP/err" && fail "accepted factor $bad"
  grep -q "FACTOR" "$TMP/err" || fail "error does not name FACTOR for $bad: $(cat "$TMP/err")"
done
echo '{}' >"$TMP/bad.json"
python3 "$ROOT/scripts/scale_policy_output.py" "$TMP/bad.json" "$TMP/x.json" 2 2>"$TMP/err" && fail "accepted a non-policy"
grep -q "bad.json" "$TMP/err" || fail "error does not name the file: $(cat "$TMP/err")"
echo ok
