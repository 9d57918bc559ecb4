"""Run records on disk: OUT/runs/<task>/<config>/seed<N>.json, one file per finished run.

A record is written only when its run has finished, to a temporary file in the same folder and
renamed over the final name (atomic on POSIX), so a killed suite leaves either a whole record or
none; --resume reuses every whole record and redoes the rest. Derived files (summary, report) are
written the same way by `write_atomic`.
"""
import json
import os
import tempfile


class StaleRecord(Exception):
    """A record made for another definition of its task (the suite changed since it was written)."""


def write_atomic(path, text):
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Store:
    def __init__(self, out):
        self.out = out
        self.root = os.path.join(out, "runs")

    def path(self, task, config, seed):
        return os.path.join(self.root, task, config, f"seed{seed}.json")

    def has_runs(self):
        for _, _, files in os.walk(self.root):
            if any(f.startswith("seed") and f.endswith(".json") for f in files):
                return True
        return False

    def load(self, task, config, seed, signature):
        """The finished record, or None. A record of another task definition raises StaleRecord."""
        p = self.path(task, config, seed)
        if not os.path.exists(p):
            return None
        with open(p) as f:
            rec = json.load(f)
        if rec.get("task_signature") != signature:
            raise StaleRecord(f"{p} was made with another definition of task '{task}' "
                              f"({rec.get('task_signature')} vs now {signature})")
        return rec

    def save(self, rec):
        write_atomic(self.path(rec["task"], rec["config"], rec["seed"]), json.dumps(rec, allow_nan=False))
