"""The package as users get it: a wheel installed into a fresh venv, used from outside the source tree."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_works_outside_the_source_tree(data_dir, tmp_path):
    res = subprocess.run([sys.executable, str(ROOT / "tools" / "check_wheel.py"), "--keep", str(tmp_path)],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "wheel OK" in res.stdout
