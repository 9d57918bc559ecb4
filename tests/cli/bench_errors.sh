#!/usr/bin/env bash
# `l2o tune` and `l2o bench` from the command line: one-line errors for bad input, `l2o tune` end to
# end on a tiny generated IDX data set, and `l2o bench` reporting panels whose data are missing.
# Usage: bench_errors.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
make_tiny_idx
TASK=(--dataset "idx:$TMP/images,$TMP/labels" --arch 5-6-3 --data-dir "$TMP/data" --shared-dir "$TMP/none")

# --- l2o tune: bad input ---
expect_error "'sgdd'" tune "${TASK[@]}" --optimizers sgd,sgdd --out "$TMP/t.json"
expect_error "'psd' is not a hand-designed optimizer" tune "${TASK[@]}" --optimizers psd --out "$TMP/t.json"
expect_error "nosuchset" tune --dataset nosuchset --data-dir "$TMP/data" --shared-dir "$TMP/none" --out "$TMP/t.json"
expect_error "--lr-min" tune "${TASK[@]}" --lr-min 1 --lr-max 0.1 --out "$TMP/t.json"
"$L2O" tune "${TASK[@]}" --seeds 0 --out "$TMP/t.json" >/dev/null 2>&1 && fail "--seeds 0 accepted"

# --- l2o tune end to end: a small grid, written as a tuned-values file ---
"$L2O" tune "${TASK[@]}" --batch 8 --iters 15 --seeds 2 --optimizers sgd,adam --lr-min 1e-3 --lr-max 1 \
  --momenta 0.5,0.9 --jobs 2 --quiet --out "$TMP/tuned.json" || fail "l2o tune failed"
python3 - "$TMP/tuned.json" <<'EOF' || fail "tuned.json is not as expected"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["command"].startswith("l2o tune "), t["command"]
assert "--optimizers sgd,adam" in t["command"], t["command"]
assert t["settings"]["iters"] == 15 and t["settings"]["seeds"] == [0, 1], t["settings"]
assert len(t["optimizers"]["sgd"]["grid"]) == 7            # 1e-3 .. 1 in half-decades
assert len(t["optimizers"]["adam"]["grid"]) == 7 * 2       # times two beta1 values
lr = t["optimizers"]["sgd"]["hyper"]["lr"]
best = min((g for g in t["optimizers"]["sgd"]["grid"] if g["diverged_runs"] == 0), key=lambda g: g["meta_loss_mean"])
assert best["hyper"]["lr"] == lr, (best, lr)
assert t["optimizers"]["adam"]["hyper"]["beta1"] in (0.5, 0.9)
EOF

# --- l2o bench: bad input (all rejected before any data are loaded) ---
BENCH=(bench --tuned "$TMP/tuned.json" --data-dir "$TMP/data" --shared-dir "$TMP/none" --out "$TMP/res")
expect_error "--experiment: unknown experiment 'fig9'" "${BENCH[@]}" --experiment fig9
expect_error "unknown optimizer 'foo'" "${BENCH[@]}" --experiment fig1 --optimizers sgd,foo
expect_error "--datasets: data set 'svhn'" "${BENCH[@]}" --experiment fig1 --datasets svhn
expect_error "--datasets: data set 'mnist'" "${BENCH[@]}" --experiment fig1 --datasets mnist
expect_error "no entry for optimizer 'momentum'" "${BENCH[@]}" --experiment fig1 --optimizers momentum
expect_error "$TMP/nope.json" bench --tuned "$TMP/nope.json" --experiment fig1 --out "$TMP/res" --optimizers sgd
expect_error "--policy" "${BENCH[@]}" --experiment fig1 --policy foo=bar.json
expect_error "$TMP/missing-policy.json' does not exist" "${BENCH[@]}" --experiment fig1 --optimizers sgd \
  --policy psd="$TMP/missing-policy.json"
expect_error "is a directory" "${BENCH[@]}" --experiment fig1 --optimizers sgd --policy l2l="$TMP"
expect_error "needs a policy file" "${BENCH[@]}" --experiment fig1 --optimizers sgd,psd-long
printf '{"optimizers": {"sgd": {"hyper": {"lr": -1}}}}' >"$TMP/bad_lr.json"
expect_error "lr" bench --tuned "$TMP/bad_lr.json" --experiment fig1 --optimizers sgd --out "$TMP/res" \
  --data-dir "$TMP/data" --shared-dir "$TMP/none"
printf '{"optimizers": {"sgd": {"hyper": {"lr": 0.1, "speed": 3}}}}' >"$TMP/bad_key.json"
expect_error "speed" bench --tuned "$TMP/bad_key.json" --experiment fig1 --optimizers sgd --out "$TMP/res" \
  --data-dir "$TMP/data" --shared-dir "$TMP/none"
printf '{not json' >"$TMP/broken.json"
expect_error "not valid JSON" bench --tuned "$TMP/broken.json" --experiment fig1 --optimizers sgd --out "$TMP/res"
"$L2O" "${BENCH[@]}" --experiment fig1 --seeds 0 >/dev/null 2>&1 && fail "--seeds 0 accepted"
"$L2O" "${BENCH[@]}" --experiment fig1 --jobs 0 >/dev/null 2>&1 && fail "--jobs 0 accepted"

# --- l2o bench with no data: every panel is reported missing with its reason, never dropped ---
"$L2O" "${BENCH[@]}" --experiment fig1 --optimizers sgd,adam --seeds 1 --quiet >"$TMP/out" 2>"$TMP/err"
[ $? -eq 1 ] || fail "bench without data should fail"
grep -qF "no panel could run" "$TMP/err" || fail "no 'no panel could run' message: $(cat "$TMP/err")"
python3 - "$TMP/res/summary.json" <<'EOF' || fail "summary.json does not list the missing panels"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["panels"] == [], s["panels"]
assert [m["dataset"] for m in s["missing"]] == ["tfd", "cifar10", "cifar100"], s["missing"]
assert all(m["reason"] for m in s["missing"]), s["missing"]
assert s["settings"]["command"].startswith("l2o bench --experiment fig1"), s["settings"]["command"]
EOF
grep -q "## Missing panels" "$TMP/res/report.md" || fail "report.md has no missing-panels section"
echo "bench_errors: all checks passed"
