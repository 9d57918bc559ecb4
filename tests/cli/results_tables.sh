#!/usr/bin/env bash
# scripts/results_tables.py (RESULTS.md's tables from a bench summary) on a hand-made summary with
# known answers: ranks, seeds paired by evaluation seed, the median speed-ups (a lower bound counted
# at its bound), the per-panel-tuned comparison, the small optimizer's table, --update's marked
# region, and clear errors. Usage: results_tables.sh PATH_TO_L2O (unused but for the shared setup)
source "$(dirname "$0")/lib/common.sh"
SCRIPT="$(dirname "$0")/../../scripts/results_tables.py"
cat >"$TMP/summary.json" <<'JSON'
{"settings": {"command": "l2o bench --experiment all", "first_seed": 1000, "seeds": 10},
 "panels": [
 {"experiment": "fig1", "dataset": "tfd", "arch": "48-48-7", "batch": 64, "iters": 400, "tuning": "mnist", "optimizers": [
   {"name": "psd", "meta_loss_mean": 10.0, "meta_losses": [9, 9, 9, 9, 9, 9, 9, 9, 9, 19],
    "diverged_runs": 0, "speedup_over_adam": 2.0, "speedup_over_adam_seconds": 0.5},
   {"name": "psd-small", "meta_loss_mean": 11.0, "meta_losses": [11, 11, 11, 11, 11, 11, 11, 11, 11, 11],
    "diverged_runs": 0, "speedup_over_adam": 1.5, "speedup_over_adam_seconds": 1.25},
   {"name": "adagrad", "meta_loss_mean": 10.5, "meta_losses": [10, 10, 10, 10, 10, 10, 10, 10, 10, 15],
    "diverged_runs": 0},
   {"name": "adam", "meta_loss_mean": 12.0, "meta_losses": [12, 12, 12, 12, 12, 12, 12, 12, 12, 12],
    "diverged_runs": 0, "speedup_over_adam": 1.0, "speedup_over_adam_seconds": 1.0}]},
 {"experiment": "fig1", "dataset": "tfd", "arch": "48-48-7", "batch": 64, "iters": 400, "tuning": "per-task", "optimizers": [
   {"name": "psd", "meta_loss_mean": 10.0, "meta_losses": [9, 9, 9, 9, 9, 9, 9, 9, 9, 19], "diverged_runs": 0},
   {"name": "adagrad", "meta_loss_mean": 9.5, "meta_losses": [10, 10, 10, 10, 10, 10, 10, 10, 5, 10],
    "diverged_runs": 0, "hyper": {"lr": 0.3}},
   {"name": "adam", "meta_loss_mean": 12.0, "meta_losses": [12, 12, 12, 12, 12, 12, 12, 12, 12, 12], "diverged_runs": 0}]},
 {"experiment": "fig3", "dataset": "tfd", "arch": "48-48-7", "batch": 10, "iters": 400, "tuning": "mnist", "optimizers": [
   {"name": "psd", "meta_loss_mean": 11.0, "meta_losses": [11, 11, 11, 11, 11, 11, 11, 11, 11, 11],
    "diverged_runs": 1, "speedup_over_adam": null, "speedup_over_adam_more_than": 1.0},
   {"name": "psd-small", "meta_loss_mean": 9.0, "meta_losses": [9, 9, 9, 9, 9, 9, 9, 9, 9, 9],
    "diverged_runs": 0, "speedup_over_adam": 3.0, "speedup_over_adam_seconds": 2.75},
   {"name": "adam", "meta_loss_mean": 10.0, "meta_losses": [10, 10, 10, 10, 10, 10, 10, 10, 10, 10],
    "diverged_runs": 0},
   {"name": "cg", "meta_loss_mean": null, "meta_losses": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    "diverged_runs": 10}]}]}
JSON
python3 "$SCRIPT" "$TMP/summary.json" >"$TMP/out" || fail "results_tables.py failed: $(cat "$TMP/out")"
out() { cat "$TMP/out"; }
grep -q '^| fig1 tfd | 48-48-7, 64, 400 | 10.00 | 1 of 4 | adagrad 10.50 | -4.8 % | 9/10 | 2.00 | 0.50 |$' "$TMP/out" \
  || fail "fig1 row: $(out)"
# fig3: a diverged run ranks psd after the converged optimizers, ahead of cg (every run diverged).
grep -q '^| fig3 tfd | 48-48-7, 10, 400 | 11.00 | 3 of 4 | psd-small 9.00 | +22.2 % | 0/10 | > 1.00 | — |$' "$TMP/out" \
  || fail "fig3 row: $(out)"
grep -q 'first on \*\*1 of 2\*\* panels; median speed-up over tuned Adam 1.50x in iterations and 0.50x in seconds; 1 diverged runs' \
  "$TMP/out" || fail "summary line: $(out)"
grep -q '^| fig1 tfd | 10.00 | adagrad 9.50 (lr 0.3) | +5.3 % | 8/10 |$' "$TMP/out" || fail "per-task row: $(out)"
grep -q 'ahead of the best per-panel-tuned baseline on \*\*0 of 1\*\* panels' "$TMP/out" || fail "per-task line: $(out)"
grep -q '^| fig3 tfd | 9.00 | 10.00 | adam 10.00 | 1 of 3 | 3.00 | 2.75 |$' "$TMP/out" || fail "psd-small row: $(out)"
grep -q 'first among itself and the tuned hand-designed optimizers on \*\*1 of 2\*\* panels, ahead of Adam on 2; median speed-up over Adam 2.25x in iterations and 2.00x in seconds' \
  "$TMP/out" || fail "psd-small line: $(out)"
# --update replaces only the marked region.
printf 'head\n<!-- results_tables:begin -->\nold\n<!-- results_tables:end -->\ntail\n' >"$TMP/R.md"
python3 "$SCRIPT" "$TMP/summary.json" --update "$TMP/R.md" >/dev/null || fail "--update failed"
head -1 "$TMP/R.md" | grep -qx head || fail "--update lost the head"
tail -1 "$TMP/R.md" | grep -qx tail || fail "--update lost the tail"
grep -q '^old$' "$TMP/R.md" && fail "--update kept the old region"
grep -q '^| fig1 tfd | 48-48-7' "$TMP/R.md" || fail "--update wrote no table"
# Errors name what is wrong.
printf 'no markers\n' >"$TMP/bad.md"
if python3 "$SCRIPT" "$TMP/summary.json" --update "$TMP/bad.md" 2>"$TMP/err"; then fail "accepted a file without markers"; fi
grep -q "bad.md must hold" "$TMP/err" || fail "marker error: $(cat "$TMP/err")"
if python3 "$SCRIPT" "$TMP/summary.json" --policy psd-x 2>"$TMP/err"; then fail "accepted a missing policy"; fi
grep -q "has no optimizer 'psd-x'" "$TMP/err" || fail "error does not name the policy: $(cat "$TMP/err")"
if python3 "$SCRIPT" "$TMP/none.json" 2>"$TMP/err"; then fail "accepted a missing file"; fi
grep -q "none.json" "$TMP/err" || fail "error does not name the file: $(cat "$TMP/err")"
echo "ok"
