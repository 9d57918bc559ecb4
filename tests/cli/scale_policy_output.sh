#!/usr/bin/env bash
# `l2o policy scale-output`: the copy loads (valid checksum), its first step is FACTOR times the
# original's; with --networks only the named networks' steps are; it works on a policy whose JSON
# numbers nlohmann prints with 17 digits (every policy l2o writes: a checksum recomputed from
# Python's shortest form once failed there) and on a copy scaled twice; bad input is refused.
# Usage: scale_policy_output.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
fresh_psd_source

scale() { "$L2O" policy scale-output "$@" >/dev/null || fail "scale-output $* failed"; }
scale --policy "$SRC" --out "$TMP/half.json" --factor 0.5
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
scale --policy "$SRC" --out "$TMP/nets-all.json" --factor 0.5 --networks hidden_weight,output_weight,hidden_bias,output_bias
scale --policy "$SRC" --out "$TMP/nets-out.json" --factor 0.5 --networks output_weight,output_bias
run "$TMP/nets-all.json" "$TMP/c.csv"
run "$TMP/nets-out.json" "$TMP/d.csv"
python3 - "$TMP/a.csv" "$TMP/c.csv" "$TMP/d.csv" "$SRC" "$TMP/nets-out.json" <<'PY' || fail "--networks does not scale just the named networks"
import base64, csv, json, sys
import struct
a, c, d = (float([r for r in csv.DictReader(l for l in open(p) if not l.startswith("#"))][-1]["step_norm"])
           for p in sys.argv[1:4])
assert abs(c / a - 0.5) < 1e-9, c / a
assert 0.5 + 1e-6 < d / a < 1 - 1e-6, d / a
src, out = (json.load(open(p)) for p in sys.argv[4:6])
assert src["architecture"] == out["architecture"], "the architecture changed"
ts, to = ({t["name"]: t for t in doc["tensors"]} for doc in (src, out))
for name in ts:
    changed = ts[name] != to[name]
    assert changed == (name.startswith("output_") and "readout" in name), name
assert "scale-output" in out["provenance"]["extra"]["output_scaling_applied"]["command"]
PY
# A copy of a copy (17-digit numbers in both provenances) loads and runs.
scale --policy "$TMP/half.json" --out "$TMP/esp.json" --factor 0.8
scale --policy "$TMP/esp.json" --out "$TMP/esp2.json" --factor 1.25 --networks hidden_weight
run "$TMP/esp2.json" "$TMP/e.csv"

expect_error "nope" policy scale-output --policy "$SRC" --out "$TMP/x.json" --factor 2 --networks output_weight,nope
grep -q "output_bias" "$TMP/err" || fail "error does not list the policy's networks: $(cat "$TMP/err")"
for bad in 0 -1 nan inf x; do
  expect_usage_error "--factor" policy scale-output --policy "$SRC" --out "$TMP/x.json" --factor "$bad"
done
echo '{}' >"$TMP/bad.json"
expect_error "bad.json" policy scale-output --policy "$TMP/bad.json" --out "$TMP/x.json" --factor 2
echo ok
