#!/usr/bin/env bash
# `l2o policy scale-steps`: a copy of a PSD policy made by the test with width-aware steps keeps its
# weights, takes the same steps on the meta-training net (48-48-10: every factor is 1) and smaller
# ones on a wider net; bad input gives one clear error line. Usage: policy_scale_steps.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
fresh_psd_source

"$L2O" policy scale-steps --policy "$SRC" --out "$TMP/none.json" --rule none >/dev/null || fail "rule none failed"
"$L2O" policy scale-steps --policy "$SRC" --out "$TMP/half.json" --power 0.5 >/dev/null || fail "power 0.5 failed"
python3 - "$SRC" "$TMP/none.json" "$TMP/half.json" <<'PY' || fail "the copies are not what was asked for"
import json, sys
src, none, half = (json.load(open(p)) for p in sys.argv[1:])
assert src["tensors"] == none["tensors"] == half["tensors"], "weights changed"
assert "step_scaling" not in none["architecture"], "rule none still written"
s = half["architecture"]["step_scaling"]
assert s["rule"] == "fan_in" and s["power"] == 0.5, s
assert s["reference_fan_in"] == {"hidden_weight": 48.0, "output_weight": 48.0}, s  # from the provenance
assert "scale-steps" in half["provenance"]["extra"]["step_scaling_applied"]["command"]
assert half["provenance"]["command"] == src["provenance"]["command"], "the weights' provenance was lost"
PY

# Same steps on the reference net, different ones on a wider net.
run() { "$L2O" train --optimizer psd --policy "$1" --dataset "idx:$TMP/images,$TMP/labels" --data-dir "$TMP/data" \
  --arch "$2" --batch 8 --iters 6 --eval-every 1 --quiet --out "$3" || fail "train with $1 on $2 failed"; }
run "$TMP/none.json" 48-48-3 "$TMP/a.csv"
run "$TMP/half.json" 48-48-3 "$TMP/b.csv"
cmp -s <(cut -d, -f1-5 "$TMP/a.csv") <(cut -d, -f1-5 "$TMP/b.csv") || fail "steps differ on the reference net"
run "$TMP/none.json" 48-96-3 "$TMP/c.csv"
run "$TMP/half.json" 48-96-3 "$TMP/d.csv"
cmp -s <(cut -d, -f1-5 "$TMP/c.csv") <(cut -d, -f1-5 "$TMP/d.csv") && fail "no effect on a wider net"

# --max-factor 1: the same steps as uncapped on the wider net, the reference's steps on a narrower one.
"$L2O" policy scale-steps --policy "$SRC" --out "$TMP/capped.json" --power 0.5 --max-factor 1 >/dev/null \
  || fail "--max-factor 1 failed"
python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['architecture']['step_scaling']; assert s['max_factor'] == 1.0, s" \
  "$TMP/capped.json" || fail "max_factor not written"
python3 -c "import json,sys; assert 'max_factor' not in json.load(open(sys.argv[1]))['architecture']['step_scaling']" \
  "$TMP/half.json" || fail "max_factor written without --max-factor"
run "$TMP/capped.json" 48-96-3 "$TMP/e.csv"
cmp -s <(cut -d, -f1-5 "$TMP/d.csv") <(cut -d, -f1-5 "$TMP/e.csv") || fail "the cap changed steps on a wider net"
run "$TMP/none.json" 24-24-3 "$TMP/f.csv"
run "$TMP/half.json" 24-24-3 "$TMP/g.csv"
run "$TMP/capped.json" 24-24-3 "$TMP/h.csv"
cmp -s <(cut -d, -f1-5 "$TMP/f.csv") <(cut -d, -f1-5 "$TMP/h.csv") || fail "capped steps differ from unscaled ones on a narrow net"
cmp -s <(cut -d, -f1-5 "$TMP/g.csv") <(cut -d, -f1-5 "$TMP/h.csv") && fail "the cap had no effect on a narrow net"

# The width rule by layer role: --input-power changes only the input layer (a 96-wide input: the
# steps differ from power 1's), written only when given; the same steps as power 1 on the reference net.
"$L2O" policy scale-steps --policy "$SRC" --out "$TMP/role.json" --power 1 --input-power 0 --bias-factor 0.5 >/dev/null \
  || fail "--input-power failed"
"$L2O" policy scale-steps --policy "$SRC" --out "$TMP/p1.json" --power 1 >/dev/null || fail "power 1 failed"
python3 - "$TMP/role.json" "$TMP/p1.json" <<'PY' || fail "role powers not written as asked"
import json, sys
role, p1 = (json.load(open(p))["architecture"]["step_scaling"] for p in sys.argv[1:])
assert role["input_power"] == 0.0 and role["bias_factor"] == 0.5 and "output_power" not in role, role
assert "input_power" not in p1 and "bias_factor" not in p1, p1
PY
"$L2O" policy scale-steps --policy "$SRC" --out "$TMP/role-in.json" --power 1 --input-power 0 >/dev/null || fail "--input-power 0"
run "$TMP/p1.json" 96-48-3 "$TMP/i.csv"
run "$TMP/role-in.json" 96-48-3 "$TMP/j.csv"
cmp -s <(cut -d, -f1-5 "$TMP/i.csv") <(cut -d, -f1-5 "$TMP/j.csv") && fail "--input-power had no effect on a 96-wide input"
run "$TMP/p1.json" 48-48-3 "$TMP/k.csv"
run "$TMP/role-in.json" 48-48-3 "$TMP/l.csv"
cmp -s <(cut -d, -f1-5 "$TMP/k.csv") <(cut -d, -f1-5 "$TMP/l.csv") || fail "--input-power changed the reference net's steps"
expect_usage_error "--input-power" policy scale-steps --policy "$SRC" --out "$TMP/x.json" --input-power 5
expect_usage_error "--bias-factor" policy scale-steps --policy "$SRC" --out "$TMP/x.json" --bias-factor 0

expect_usage_error "--power" policy scale-steps --policy "$SRC" --out "$TMP/x.json" --power 9
expect_usage_error "--max-factor" policy scale-steps --policy "$SRC" --out "$TMP/x.json" --max-factor 0
expect_error "max_factor" policy scale-steps --policy "$SRC" --out "$TMP/x.json" --max-factor nan
expect_usage_error "--rule" policy scale-steps --policy "$SRC" --out "$TMP/x.json" --rule sqrt
expect_usage_error "--policy" policy scale-steps --policy "$TMP/missing.json" --out "$TMP/x.json"
expect_error "--reference-fan-in" policy scale-steps --policy "$SRC" --out "$TMP/x.json" --reference-fan-in 48
echo '{"format": "l2o-policy"}' >"$TMP/bad.json"
expect_error "bad.json" policy scale-steps --policy "$TMP/bad.json" --out "$TMP/x.json"
echo ok
