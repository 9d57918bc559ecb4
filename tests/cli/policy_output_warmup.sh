#!/usr/bin/env bash
# `l2o policy output-warmup`: a copy of a PSD policy made by the test with its output layer warmed up keeps
# its weights, takes the same steps at and above its minibatch size and smaller first steps below
# it; bad input gives one clear error line. Usage: policy_output_warmup.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
fresh_psd_source

"$L2O" policy output-warmup --policy "$SRC" --out "$TMP/w.json" --iterations 4 --below-batch 8 >/dev/null ||
  fail "iterations 4 failed"
python3 - "$SRC" "$TMP/w.json" <<'PY' || fail "the copy is not what was asked for"
import json, sys
src, w = (json.load(open(p)) for p in sys.argv[1:])
assert src["tensors"] == w["tensors"], "weights changed"
assert w["architecture"]["output_warmup"] == {"iterations": 4, "below_batch": 8.0}, w["architecture"]["output_warmup"]
assert "output_warmup" not in src["architecture"]
rest = {k: v for k, v in w["architecture"].items() if k != "output_warmup"}
assert rest == src["architecture"], "another architecture field changed"
assert "output-warmup" in w["provenance"]["extra"]["output_warmup_applied"]["command"]
assert w["provenance"]["command"] == src["provenance"]["command"], "the weights' provenance was lost"
PY

# The same steps at the minibatch size and above, different ones below it.
for batch in 8 16; do
  same_psd_steps "$SRC" "$TMP/w.json" $batch || fail "steps differ at batch $batch"
done
same_psd_steps "$SRC" "$TMP/w.json" 2 && fail "no effect below the minibatch size"

expect_usage_error "--iterations" policy output-warmup --policy "$SRC" --out "$TMP/x.json" --iterations -3
expect_usage_error "--iterations" policy output-warmup --policy "$SRC" --out "$TMP/x.json"
expect_usage_error "--below-batch" policy output-warmup --policy "$SRC" --out "$TMP/x.json" --iterations 4 --below-batch 0
expect_usage_error "--policy" policy output-warmup --policy "$TMP/missing.json" --out "$TMP/x.json" --iterations 4
echo '{"format": "l2o-policy"}' >"$TMP/bad.json"
expect_error "bad.json" policy output-warmup --policy "$TMP/bad.json" --out "$TMP/x.json" --iterations 4
echo ok
