#!/usr/bin/env python3
"""Writes a copy of a PSD policy file whose every step is FACTOR times the original's (its
architecture.output_scale multiplied by FACTOR, the checksum recomputed as docs/policy-file.md
defines it). A diagnostic: the step-size scan of docs/psd.md, "Batch-aware steps".

usage: scripts/scale_policy_output.py IN.json OUT.json FACTOR
"""
import hashlib
import json
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    src, out, factor = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        factor = float(factor)
    except ValueError:
        sys.exit(f"scale_policy_output.py: FACTOR must be a number, got '{factor}'")
    if not factor > 0 or factor == float("inf"):
        sys.exit(f"scale_policy_output.py: FACTOR must be finite and > 0, got {factor}")
    try:
        doc = json.load(open(src))
        doc["architecture"]["output_scale"] *= factor
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"scale_policy_output.py: {src} is not a PSD policy file: {e}")
    doc.pop("checksum", None)
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    doc["checksum"] = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    with open(out, "w") as fh:
        json.dump(doc, fh)


if __name__ == "__main__":
    main()
