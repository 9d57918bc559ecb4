#!/usr/bin/env bash
# `l2o meta-train --method psd-es` end to end on a tiny generated IDX data set: errors for bad
# input name the flag or field; a fine-tuned policy file that `l2o train` runs; --resume (also
# with more updates) giving the same policy as an uninterrupted run. Usage: meta_train_es.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
make_tiny_idx
DATA=(--dataset "idx:$TMP/images,$TMP/labels" --arch 5-6-3 --data-dir "$TMP/data" --batch 8 --horizon 12)
write_tiny_psd_config "$TMP/config.json"

# The initial policy: the GPS meta-trainer's pre-trained pi (iteration 0).
"$L2O" meta-train --method psd "${DATA[@]}" --samples 3 --coordinates 4 --config "$TMP/config.json" --iterations 0 \
  --quiet --out "$TMP/init.json" || fail "the initial policy could not be made"
ES=(--init-policy "$TMP/init.json" --pairs 2 --member 5-4-4-3/4 --quiet)

expect_error "--init-policy" meta-train --method psd-es "${DATA[@]}" --out "$TMP/p.json"
expect_error "no-such.json" meta-train --method psd-es "${DATA[@]}" --init-policy "$TMP/no-such.json" --out "$TMP/p.json"
expect_error "--member" meta-train --method psd-es "${DATA[@]}" "${ES[@]}" --member 5-6-3 --out "$TMP/p.json"
expect_error "sigmaa" meta-train --method psd-es "${DATA[@]}" "${ES[@]}" --es-config <(echo '{"sigmaa": 0.1}') \
  --out "$TMP/p.json"
expect_error "--pairs applies to --method psd-es" meta-train --method psd "${DATA[@]}" --pairs 2 --out "$TMP/p.json"

"$L2O" meta-train --method psd-es "${DATA[@]}" "${ES[@]}" --updates 3 --seed 5 --out "$TMP/full.json" \
  || fail "uninterrupted run failed"
[ -s "$TMP/full.json" ] && [ -s "$TMP/full.json.checkpoint.json" ] || fail "no policy or checkpoint written"
grep -q '"best_update"' "$TMP/full.json" || fail "provenance lacks the best update"
grep -q '"5-4-4-3/4"' "$TMP/full.json" || fail "provenance lacks the family"

"$L2O" meta-train --method psd-es "${DATA[@]}" "${ES[@]}" --updates 1 --seed 5 --out "$TMP/part.json" \
  || fail "first part failed"
"$L2O" meta-train --method psd-es "${DATA[@]}" "${ES[@]}" --updates 3 --seed 5 --out "$TMP/resumed.json" \
  --resume "$TMP/part.json.checkpoint.json" || fail "resumed run failed"
expect_error "seed" meta-train --method psd-es "${DATA[@]}" "${ES[@]}" --updates 3 --seed 6 --out "$TMP/x.json" \
  --resume "$TMP/part.json.checkpoint.json"
expect_error "settings" meta-train --method psd-es "${DATA[@]}" "${ES[@]}" --updates 3 --seed 5 --out "$TMP/x.json" \
  --es-config <(echo '{"sigma": 0.2}') --resume "$TMP/part.json.checkpoint.json"

# A member on a data set of its own (ARCH/BATCH@DATASET): the tiny images with two classes.
{ be32 2049; be32 90; for ((i = 0; i < 90; i++)); do printf "\\x$(printf %02x $((i % 2)))"; done; } >"$TMP/labels2"
"$L2O" meta-train --method psd-es "${DATA[@]}" --init-policy "$TMP/init.json" --pairs 2 --updates 1 --seed 5 --quiet \
  --member "5-6-2/4@idx:$TMP/images,$TMP/labels2" --out "$TMP/other.json" || fail "a member on another data set failed"
grep -qF "\"5-6-2/4@idx:$TMP/images,$TMP/labels2\"" "$TMP/other.json" || fail "provenance lacks the member's data set"
expect_error "2 classes" meta-train --method psd-es "${DATA[@]}" --init-policy "$TMP/init.json" --pairs 2 --updates 1 \
  --member "5-6-3/4@idx:$TMP/images,$TMP/labels2" --out "$TMP/x.json"
expect_error "no-such-labels" meta-train --method psd-es "${DATA[@]}" --init-policy "$TMP/init.json" --pairs 2 \
  --updates 1 --member "5-6-2/4@idx:$TMP/images,$TMP/no-such-labels" --out "$TMP/x.json"

for p in full resumed; do
  "$L2O" train --optimizer psd --policy "$TMP/$p.json" "${DATA[@]::6}" --batch 8 --iters 12 --seed 1000 --quiet \
    --out "$TMP/$p.csv" || fail "l2o train with the $p policy failed"
  cut -d, -f1-5 "$TMP/$p.csv" >"$TMP/$p.cut"
done
cmp -s "$TMP/full.cut" "$TMP/resumed.cut" || fail "resumed policy differs from the uninterrupted one"
echo "ok"
