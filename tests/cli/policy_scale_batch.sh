#!/usr/bin/env bash
# `l2o policy scale-batch`: a copy of a PSD policy made by the test with batch-aware steps keeps its
# weights, takes the same steps at and above the reference minibatch and smaller ones below it;
# bad input gives one clear error line. Usage: policy_scale_batch.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
fresh_psd_source

"$L2O" policy scale-batch --policy "$SRC" --out "$TMP/b.json" --power 0.2 --reference-batch 8 >/dev/null ||
  fail "power 0.2 failed"
python3 - "$SRC" "$TMP/b.json" <<'PY' || fail "the copy is not what was asked for"
import json, sys
src, b = (json.load(open(p)) for p in sys.argv[1:])
assert src["tensors"] == b["tensors"], "weights changed"
assert b["architecture"]["batch_scaling"] == {"reference_batch": 8.0, "power": 0.2}, b["architecture"]["batch_scaling"]
assert b["architecture"]["step_scaling"] == src["architecture"]["step_scaling"], "the width rule changed"
assert "scale-batch" in b["provenance"]["extra"]["batch_scaling_applied"]["command"]
assert b["provenance"]["command"] == src["provenance"]["command"], "the weights' provenance was lost"
PY

# The same steps at the reference minibatch and above it, different ones below it.
for batch in 8 16; do
  same_psd_steps "$SRC" "$TMP/b.json" $batch || fail "steps differ at batch $batch"
done
same_psd_steps "$SRC" "$TMP/b.json" 2 && fail "no effect below the reference batch"

expect_usage_error "--power" policy scale-batch --policy "$SRC" --out "$TMP/x.json" --power 5
expect_usage_error "--power" policy scale-batch --policy "$SRC" --out "$TMP/x.json"
expect_usage_error "--reference-batch" policy scale-batch --policy "$SRC" --out "$TMP/x.json" --power 0.2 --reference-batch 0
expect_usage_error "--policy" policy scale-batch --policy "$TMP/missing.json" --out "$TMP/x.json" --power 0.2
echo '{"format": "l2o-policy"}' >"$TMP/bad.json"
expect_error "bad.json" policy scale-batch --policy "$TMP/bad.json" --out "$TMP/x.json" --power 0.2
echo ok
