#!/usr/bin/env python3
"""Writes or checks policies/MANIFEST.json: for each shipped policy file, its sha256, the command
recorded in its provenance that made its weights (`provenance.command`), the commit it was made at
(`provenance.revision`), the commands applied to it afterwards (`provenance.extra.*_applied`), and
the recipe and configs beside it (policies/<policy>.recipe.sh, policies/<policy>.<stage>.config.json).

usage: scripts/policy_manifest.py [--check] [POLICY.json ...]
  (default: every policies/*.json that is a policy file; --check: exit 1 if MANIFEST.json differs)

The recorded commands are the ones that made the shipped file, with the paths of the machine they
ran on; the recipe is how to make it again (docs/meta-training.md, "The recipes").
"""
import argparse
import glob
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLICIES = os.path.join(ROOT, "policies")
MANIFEST = os.path.join(POLICIES, "MANIFEST.json")
DEFAULTS = {"psd": "psd-mnist-multi-60min.json", "psd-small": "psd-small.json", "l2l": "l2l-mnist.json"}  # src/l2o/bench/optimizer_factory.cpp
ROLES = {
    "psd-mnist-multi-60min.json": "the default psd (l2o train --optimizer psd, l2o bench, l2o.torch.PSD)",
    "psd-mnist.json": "the paper-protocol PSD (LM17 features, one task, GPS alone): --policy policies/psd-mnist.json",
    "psd-small.json": "the default psd-small (l2o train --optimizer psd-small, l2o.torch.PSDSmall): a small per-coordinate MLP, docs/psd-small.md",
    "l2l-mnist.json": "the default l2l, L2LBGDBGD (Andrychowicz et al. 2016), the learned baseline",
    "psd-small.json": "psd-small, a small per-coordinate rule (docs/psd-small.md)",
}


def entry(path):
    raw = open(path, "rb").read()
    doc = json.loads(raw)
    prov = doc["provenance"]
    stem = os.path.basename(path)[: -len(".json")]
    applied = [
        {"step": k, "command": v["command"], "date": v.get("date")}
        for k, v in sorted(prov.get("extra", {}).items(), key=lambda kv: kv[1].get("date", "") if isinstance(kv[1], dict) else "")
        if k.endswith("_applied") and isinstance(v, dict)
    ]
    configs = sorted(os.path.basename(c) for c in glob.glob(os.path.join(POLICIES, stem + ".*.config.json")))
    recipe = stem + ".recipe.sh"
    return {
        "file": os.path.basename(path),
        "role": ROLES.get(os.path.basename(path)),
        "method": doc.get("method"),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "command": prov["command"],
        "initial_policy": prov.get("extra", {}).get("initial_policy"),
        "applied_after": applied,
        "revision": prov["revision"],
        "date": prov.get("date"),
        "seed": prov.get("seed"),
        "recipe": recipe if os.path.exists(os.path.join(POLICIES, recipe)) else None,
        "configs": configs,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    files = a.files or sorted(
        f for f in glob.glob(os.path.join(POLICIES, "*.json"))
        if not f.endswith(".config.json") and os.path.basename(f) != "MANIFEST.json"
    )
    manifest = {
        "about": "The shipped policies: sha256 of each file, the command that made its weights (provenance.command, "
                 "paths as on the machine it ran on), the commands applied to it afterwards, the commit it was made at "
                 "(provenance.revision), and the recipe that makes it again. Regenerate: scripts/policy_manifest.py",
        "defaults": DEFAULTS,
        "policies": [entry(f) for f in files],
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    if a.check:
        old = open(MANIFEST, encoding="utf-8").read() if os.path.exists(MANIFEST) else ""
        if old != text:
            print("policies/MANIFEST.json is out of date (regenerate: scripts/policy_manifest.py)", file=sys.stderr)
            return 1
        print("ok")
        return 0
    with open(MANIFEST, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {MANIFEST} ({len(files)} policies)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
