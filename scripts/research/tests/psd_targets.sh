#!/usr/bin/env bash
# scripts/research/psd_targets.py on a hand-made bench summary with known answers: ranks, paired seeds,
# the median speed-up (a lower bound counted at its bound), divergences, and a clear error for a
# policy the summary lacks. Usage: psd_targets.sh PATH_TO_L2O (unused but for the shared setup)
source "$(dirname "$0")/../../../tests/cli/lib/common.sh"
SCRIPT="$(dirname "$0")/../psd_targets.py"
cat >"$TMP/summary.json" <<'JSON'
{"panels": [
 {"experiment": "fig1", "dataset": "tfd", "arch": "48-48-7", "batch": 64, "iters": 400, "optimizers": [
   {"name": "psd", "rank": 1, "meta_loss_mean": 10.0, "meta_losses": [9, 9, 9, 9, 9, 9, 9, 9, 9, 19],
    "diverged_runs": 0, "speedup_over_adam": 2.0},
   {"name": "adagrad", "rank": 2, "meta_loss_mean": 10.5, "meta_losses": [10, 10, 10, 10, 10, 10, 10, 10, 10, 15],
    "diverged_runs": 0},
   {"name": "adam", "rank": 3, "meta_loss_mean": 12.0, "meta_losses": [12, 12, 12, 12, 12, 12, 12, 12, 12, 12],
    "diverged_runs": 0}]},
 {"experiment": "fig3", "dataset": "tfd", "arch": "48-48-7", "batch": 10, "iters": 400, "optimizers": [
   {"name": "psd", "rank": 2, "meta_loss_mean": 11.0, "meta_losses": [11, 11, 11, 11, 11, 11, 11, 11, 11, 11],
    "diverged_runs": 1, "speedup_over_adam": null, "speedup_over_adam_more_than": 1.0},
   {"name": "adam", "rank": 1, "meta_loss_mean": 10.0, "meta_losses": [10, 10, 10, 10, 10, 10, 10, 10, 10, 10],
    "diverged_runs": 0},
   {"name": "cg", "rank": 3, "meta_loss_mean": null, "meta_losses": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    "diverged_runs": 10}]}]}
JSON
python3 "$SCRIPT" "$TMP/summary.json" >"$TMP/out" || fail "psd_targets.py failed: $(cat "$TMP/out")"
grep -q "^fig1 tfd .* 9/10 " "$TMP/out" || fail "fig1: expected 9 of 10 seeds below AdaGrad: $(cat "$TMP/out")"
grep -q "^fig3 tfd .* adam .* 0/10 .* > 1.00x" "$TMP/out" || fail "fig3: expected Adam, 0/10, > 1.00x: $(cat "$TMP/out")"
grep -q "target 1: first on 1/2 panels; below the best tuned baseline on >= 80 % of seeds on 1/2 panels -> not met" \
  "$TMP/out" || fail "target 1 line: $(cat "$TMP/out")"
grep -q "target 2: median speed-up over Adam 1.50x over 2 panels" "$TMP/out" || fail "target 2 line: $(cat "$TMP/out")"
grep -q "target 4: 1 diverged runs -> not met" "$TMP/out" || fail "target 4 line: $(cat "$TMP/out")"
python3 "$SCRIPT" "$TMP/summary.json" --markdown | grep -q '^| fig1 tfd |' || fail "no Markdown table"
if python3 "$SCRIPT" "$TMP/summary.json" --policy psd-multi 2>"$TMP/err"; then fail "accepted a missing policy"; fi
grep -q "has no optimizer 'psd-multi'" "$TMP/err" || fail "error does not name the policy: $(cat "$TMP/err")"
if python3 "$SCRIPT" "$TMP/none.json" 2>"$TMP/err"; then fail "accepted a missing file"; fi
grep -q "none.json" "$TMP/err" || fail "error does not name the file: $(cat "$TMP/err")"
echo "ok"
