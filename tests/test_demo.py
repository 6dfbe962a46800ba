"""The README's Quickstart demo must keep working: run it exactly as the README does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_demo_script_runs_end_to_end() -> None:
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "rvault").exists():
        pytest.skip("the rvault console script is not installed next to this Python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RVAULT_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    res = subprocess.run(
        ["bash", str(ROOT / "examples" / "demo.sh")],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Verified: every code read back" in res.stderr
    assert "restored to" in res.stderr
    assert "restored.rvault: 1 code marked used." in res.stderr  # the merge of the two copies
    assert "Demo finished" in res.stdout
    # The demo's passphrases never reach the output.
    assert "orbit velvet" not in res.stdout + res.stderr
