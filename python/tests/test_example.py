"""examples/python/psd_vs_adam.py runs end to end (a few steps) and writes its plot. Skips when
Fashion-MNIST is not installed (Debian's dataset-fashion-mnist, which scripts/setup.sh installs)."""
import os
import subprocess
import sys

import pytest

import l2o

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "psd_vs_adam.py")


def test_psd_vs_adam_example(tmp_path):
    try:
        l2o.load_dataset("fashion-mnist", data_dir=str(tmp_path / "data"))
    except l2o.Error as e:
        pytest.skip(f"no Fashion-MNIST: {e}")
    out = tmp_path / "plot.png"
    run = subprocess.run([sys.executable, EXAMPLE, "--data-dir", str(tmp_path / "data"), "--train", "256",
                          "--steps", "6", "--eval-every", "3", "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "PSD (l2o.torch.PSD)" in run.stdout and "Adam (torch.optim" in run.stdout
    assert out.stat().st_size > 10000  # a PNG with two curves
