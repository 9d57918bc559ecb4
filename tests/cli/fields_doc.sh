#!/usr/bin/env bash
# docs/fields.md is what `l2o fields` prints (generated from the field tables), so a new or changed
# field cannot go undocumented. Regenerate with: build/l2o fields > docs/fields.md
# Usage: fields_doc.sh PATH_TO_L2O
source "$(dirname "$0")/lib/common.sh"
doc="$(dirname "$0")/../../docs/fields.md"
"$L2O" fields >"$TMP/fields.md" || fail "l2o fields failed"
grep -q '`gps.badmm.nu_rule`' "$TMP/fields.md" || fail "l2o fields lacks the GPS fields"
grep -q '| `lr` | number | > 0 |' "$TMP/fields.md" || fail "l2o fields lacks the optimizers' step sizes"
diff -u "$doc" "$TMP/fields.md" || fail "docs/fields.md is out of date (regenerate: l2o fields > docs/fields.md)"
echo "ok"
