#!/usr/bin/env bash
# `l2o meta-train --method psd` end to end on a tiny generated IDX data set: errors for bad input,
# a policy file that `l2o train --optimizer psd` runs, and --resume giving the same policy as an
# uninterrupted run. Usage: meta_train_psd.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
make_tiny_idx
DATA=(--dataset "idx:$TMP/images,$TMP/labels" --arch 5-6-3 --data-dir "$TMP/data" --batch 8 --horizon 12)
write_tiny_psd_config "$TMP/config.json"
PSD=(--samples 3 --coordinates 4 --config "$TMP/config.json" --quiet)

expect_error "--samples" meta-train --method l2l --samples 3 "${DATA[@]}" --out "$TMP/p.json"
expect_error "truncaton" meta-train --method psd "${DATA[@]}" --config <(echo '{"regression": {"truncaton": 3}}') --out "$TMP/p.json"
expect_error "--out" meta-train --method psd "${DATA[@]}" "${PSD[@]}" --iterations 1 --out ""

"$L2O" meta-train --method psd "${DATA[@]}" "${PSD[@]}" --iterations 2 --seed 5 --out "$TMP/full.json" \
  || fail "uninterrupted run failed"
[ -s "$TMP/full.json" ] && [ -s "$TMP/full.json.checkpoint.json" ] || fail "no policy or checkpoint written"
grep -q '"seed": *5' "$TMP/full.json" || fail "provenance lacks the seed"

"$L2O" meta-train --method psd "${DATA[@]}" "${PSD[@]}" --iterations 1 --seed 5 --out "$TMP/part.json" \
  || fail "first half failed"
"$L2O" meta-train --method psd "${DATA[@]}" "${PSD[@]}" --iterations 2 --seed 5 --out "$TMP/resumed.json" \
  --resume "$TMP/part.json.checkpoint.json" || fail "resumed run failed"
expect_error "seed" meta-train --method psd "${DATA[@]}" "${PSD[@]}" --iterations 2 --seed 6 --out "$TMP/x.json" \
  --resume "$TMP/part.json.checkpoint.json"

# --tuned: a missing file is named; with an AdaGrad teacher on the adaptive state the run works.
expect_error "--tuned" meta-train --method psd "${DATA[@]}" "${PSD[@]}" --iterations 1 --tuned "$TMP/none.json" \
  --out "$TMP/x.json"
echo '{"optimizers": {"adagrad": {"hyper": {"lr": 0.05}}}}' >"$TMP/tuned.json"
sed 's/"init": {"lr": 0.1, "momentum": 0.9}/"init": {"teacher": "adagrad"}, "adaptive_state": true/' \
  "$TMP/config.json" >"$TMP/adagrad.json"
"$L2O" meta-train --method psd "${DATA[@]}" --samples 3 --coordinates 4 --config "$TMP/adagrad.json" --iterations 1 \
  --tuned "$TMP/tuned.json" --out "$TMP/adagrad-policy.json" >"$TMP/adagrad.log" || fail "AdaGrad-teacher run failed"
grep -q 'init: teacher adagrad {"lr":0.05}' "$TMP/adagrad.log" || fail "init line does not name the AdaGrad teacher"
grep -q '"input_scale"' "$TMP/adagrad-policy.json" || fail "policy lacks its input scale"

# The two policies step identically (traces without the timing column).
for p in full resumed; do
  "$L2O" train --optimizer psd --policy "$TMP/$p.json" "${DATA[@]::6}" --batch 8 --iters 12 --seed 1000 --quiet \
    --out "$TMP/$p.csv" || fail "l2o train with the $p policy failed"
  cut -d, -f1-5 "$TMP/$p.csv" >"$TMP/$p.cut"
done
cmp -s "$TMP/full.cut" "$TMP/resumed.cut" || fail "resumed policy differs from the uninterrupted one"
echo "ok"

# --algorithm and --distribution: bad values are named; a tiny MDGPS run over a family of three
# nets prints the family and samples pi after the first iteration.
expect_error "--algorithm" meta-train --method psd "${DATA[@]}" "${PSD[@]}" --algorithm ppo --out "$TMP/x.json"
echo '{"hidden_layers": [1, 3]}' >"$TMP/bad-dist.json"
expect_error "distribution.hidden_layers" meta-train --method psd "${DATA[@]}" "${PSD[@]}" --iterations 1 \
  --distribution "$TMP/bad-dist.json" --out "$TMP/x.json"
expect_error "no-such-dist.json" meta-train --method psd "${DATA[@]}" "${PSD[@]}" --iterations 1 \
  --distribution "$TMP/no-such-dist.json" --out "$TMP/x.json"
echo '{"tasks": 2, "projection_widths": [4, 5], "hidden_widths": [3, 6], "batches": [4, 8], "rescale_log10": 0.2}' \
  >"$TMP/dist.json"
"$L2O" meta-train --method psd "${DATA[@]}" --samples 4 --coordinates 4 --config "$TMP/config.json" --iterations 2 \
  --algorithm mdgps --distribution "$TMP/dist.json" --out "$TMP/multi.json" >"$TMP/multi.log" \
  || fail "MDGPS run over a task family failed"
grep -q 'Convolutional GPS, mdgps' "$TMP/multi.log" || fail "the log does not name the algorithm"
grep -q 'task family (3 nets): 5-6-3 batch 8' "$TMP/multi.log" || fail "the log does not list the task family"
grep -q 'meta-loss sampled pi' "$TMP/multi.log" || fail "the second MDGPS iteration did not sample pi"
grep -q '"algorithm": *"mdgps"' "$TMP/multi.json" || fail "the policy's provenance lacks the algorithm"

# --iterations 0: the pre-trained pi alone is written (iteration 0); a moment-feature config
# without the LSTM's input names is an error naming arch.inputs, with them it meta-trains a
# 7-input policy that l2o train runs.
"$L2O" meta-train --method psd "${DATA[@]}" "${PSD[@]}" --iterations 0 --out "$TMP/pre.json" \
  || fail "--iterations 0 failed"
grep -q '"best_iteration": *0' "$TMP/pre.json" \
  || fail "the pre-trained policy does not say it is iteration 0"
python3 - "$TMP/config.json" "$TMP/moments.json" "$TMP/moments-bad.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["features"] = {"moments": {"momentum_decays": [0.5, 0.9]}}
json.dump(c, open(sys.argv[3], "w"))
c.setdefault("arch", {})["inputs"] = ["O1", "O2", "O3", "M0.5", "M0.9", "R"]
c["arch"].setdefault("lstm", {})["input_size"] = 6
json.dump(c, open(sys.argv[2], "w"))
PY
expect_error "arch.inputs" meta-train --method psd "${DATA[@]}" --samples 3 --coordinates 4 \
  --config "$TMP/moments-bad.json" --iterations 1 --out "$TMP/x.json"
"$L2O" meta-train --method psd "${DATA[@]}" --samples 3 --coordinates 4 --config "$TMP/moments.json" --iterations 1 \
  --quiet --out "$TMP/moments-policy.json" || fail "moment-feature meta-training failed"
grep -q '"M0.9"' "$TMP/moments-policy.json" || fail "the policy does not name its moment inputs"
"$L2O" train --optimizer psd --policy "$TMP/moments-policy.json" "${DATA[@]::6}" --batch 8 --iters 12 --seed 1000 \
  --quiet --out "$TMP/moments.csv" || fail "l2o train with the moment-feature policy failed"
echo "ok"
