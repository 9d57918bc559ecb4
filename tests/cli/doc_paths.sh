#!/usr/bin/env bash
# Every `policies/...` and `docs/...` path named in the documentation (docs/, README.md, RESULTS.md,
# scripts/research/README.md) and in the code's comments and strings (src/, python/, scripts/,
# examples/) exists in the source tree; a glob (docs/results/*.png) must match something. A path
# written with a placeholder (policies/<name>.json) is not checked. Usage: doc_paths.sh PATH_TO_L2O
# (unused but for the shared setup)
source "$(dirname "$0")/lib/common.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
python3 - "$ROOT" <<'PY' || fail "paths named in the docs or code comments do not exist (listed above)"
import glob, os, re, sys
root = sys.argv[1]
files = [os.path.join(root, f) for f in ("README.md", "RESULTS.md")]
for top, exts in (("docs", (".md",)), ("src", (".hpp", ".cpp", ".h")), ("python", (".py", ".cpp", ".hpp", ".txt", ".sh")),
                  ("scripts", (".py", ".sh", ".md")), ("examples", (".py", ".cpp", ".md")), ("policies", (".sh",))):
    for d, _, names in os.walk(os.path.join(root, top)):
        files += [os.path.join(d, n) for n in names if n.endswith(exts)]
# A path starts at policies/ or docs/ not preceded by a name character or '/', and runs over
# [\w.*/-]; a trailing '.', ',' or ':' is punctuation.
pat = re.compile(r"(?<![\w/.-])((?:policies|docs)/[\w.*/-]*)")
missing = []
for f in sorted(files):
    for n, line in enumerate(open(f, encoding="utf-8", errors="replace"), 1):
        for m in pat.finditer(line):
            p = m.group(1).rstrip(".,:")
            rest = line[m.end():m.end() + 1]
            if rest in "<{$" and rest != "" or p.endswith("/") and rest == "<":
                continue  # a placeholder follows: policies/<name>.json, docs/{a,b}
            if p in ("policies", "docs"):
                continue
            hits = glob.glob(os.path.join(root, p)) if "*" in p else [os.path.join(root, p)] if os.path.exists(os.path.join(root, p)) else []
            if not hits:
                missing.append(f"{os.path.relpath(f, root)}:{n}: {p}")
for m in missing:
    print(m)
sys.exit(1 if missing else 0)
PY
echo ok
