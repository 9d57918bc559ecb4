#!/usr/bin/env bash
# The shipped policies against policies/MANIFEST.json: the MANIFEST is what scripts/policy_manifest.py
# makes from the files (sha256, the recorded commands, the commit), policies/ holds exactly the
# files it lists plus their recipes and configs, and the tool's default `psd`, `psd-small` and `l2l` (no
# --policy) are the MANIFEST's defaults: the same steps as with --policy naming that file.
# Usage: shipped_policies.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
python3 "$ROOT/scripts/policy_manifest.py" --check >/dev/null || fail "policies/MANIFEST.json is out of date (scripts/policy_manifest.py)"

# Every file in policies/ is a listed policy, its recipe or config, or the MANIFEST.
python3 - "$ROOT/policies" <<'PY' || fail "policies/ holds files the MANIFEST does not account for"
import json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "MANIFEST.json")))
known = {"MANIFEST.json"}
for p in m["policies"]:
    known.add(p["file"])
    known.update(p["configs"])
    if p["recipe"]:
        known.add(p["recipe"])
extra = sorted(set(os.listdir(d)) - known)
assert not extra, extra
PY

make_tiny_idx
for name in psd psd-small l2l; do
  file=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['defaults'][sys.argv[2]])" \
    "$ROOT/policies/MANIFEST.json" $name) || fail "no default $name in the MANIFEST"
  for how in default named; do
    args=(); [ $how = named ] && args=(--policy "$ROOT/policies/$file")
    "$L2O" train --optimizer $name "${args[@]}" --dataset "idx:$TMP/images,$TMP/labels" --data-dir "$TMP/data" \
      --arch 48-48-3 --batch 8 --iters 3 --eval-every 1 --quiet --out "$TMP/$name-$how.csv" ||
      fail "train --optimizer $name ($how) failed"
  done
  cmp -s <(cut -d, -f1-5 "$TMP/$name-default.csv") <(cut -d, -f1-5 "$TMP/$name-named.csv") ||
    fail "the default $name is not policies/$file"
done
echo ok
