#!/usr/bin/env python3
"""Writes a copy of a PSD policy file whose steps are FACTOR times the original's, the checksum
recomputed as docs/policy-file.md defines it. A diagnostic: the step-size scans of docs/psd.md
("Batch-aware steps") and docs/meta-training.md ("Many-class output layers").

Without --networks every step is scaled (architecture.output_scale times FACTOR). With
--networks N1,N2 only those networks' steps are (their read-out weights and bias times FACTOR,
which multiplies step = output_scale * (W_out h + b_out) by FACTOR on their groups alone).

usage: scripts/scale_policy_output.py IN.json OUT.json FACTOR [--networks N1,N2,...]
"""
import base64
import hashlib
import json
import struct
import sys


def fail(msg):
    sys.exit(f"scale_policy_output.py: {msg}")


def scale_tensor(tensor, factor, src):
    if tensor.get("data") is None:
        fail(f"{src}: tensor {tensor.get('name')} has no data")
    raw = base64.b64decode(tensor["data"])
    values = struct.unpack(f"<{len(raw) // 8}d", raw)
    tensor["data"] = base64.b64encode(struct.pack(f"<{len(values)}d", *(v * factor for v in values))).decode()


def main():
    args = sys.argv[1:]
    networks = None
    if "--networks" in args:
        at = args.index("--networks")
        if at + 1 >= len(args):
            fail("--networks needs a comma-separated list of network names")
        networks = [n for n in args[at + 1].split(",") if n]
        del args[at : at + 2]
        if not networks:
            fail("--networks needs a comma-separated list of network names")
    if len(args) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    src, out, factor = args
    try:
        factor = float(factor)
    except ValueError:
        fail(f"FACTOR must be a number, got '{factor}'")
    if not factor > 0 or factor == float("inf"):
        fail(f"FACTOR must be finite and > 0, got {factor}")
    try:
        doc = json.load(open(src))
        arch = doc["architecture"]
        if networks is None:
            arch["output_scale"] *= factor
        else:
            known = arch["networks"]
            if doc.get("encoding", {}).get("dtype") != "float64" or doc["encoding"].get("byte_order") != "little":
                fail(f"{src}: --networks needs little-endian float64 tensors")
            tensors = {t["name"]: t for t in doc["tensors"]}
            for n in networks:
                if n not in known:
                    fail(f"--networks: {src} has no network '{n}' (it has {', '.join(known)})")
                for part in ("readout.W", "readout.b"):
                    scale_tensor(tensors[f"{n}/{part}"], factor, src)
    except (OSError, ValueError, KeyError, TypeError) as e:
        fail(f"{src} is not a PSD policy file: {e}")
    doc.pop("checksum", None)
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    doc["checksum"] = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    with open(out, "w") as fh:
        json.dump(doc, fh)


if __name__ == "__main__":
    main()
