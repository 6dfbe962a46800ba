"""README's "Python API" example runs as written: what it promises a Python user is true.

The example is taken from README.md itself and run as a script in a fresh folder holding the
files it names. Only its Argon2id costs are swapped for cheap ones; everything else (the kit
rendered and read back in worker processes, the share sheets) is real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, PASSPHRASE

README = Path(__file__).resolve().parent.parent / "README.md"
REAL_KDF = "vf.create(passphrase, KdfParams(time_cost=3, memory_kib=256 * 1024, parallelism=4))"
CHEAP = "vf.create(passphrase, KdfParams(1, 1024, 1), allow_weak=True)"
AEGIS = {
    "version": 1,
    "header": {"slots": None, "params": None},
    "db": {
        "version": 2,
        "entries": [
            {
                "type": "totp",
                "uuid": "1",
                "name": "alice",
                "issuer": "Bank",
                "note": "",
                "icon": None,
                "info": {"secret": "JBSWY3DPEHPK3PXP", "algo": "SHA1", "digits": 6, "period": 30},
            }
        ],
    },
}


def readme_example() -> str:
    """The Python block of README's "Python API" section."""
    section = README.read_text().split("## Python API", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.mark.slow
def test_the_readme_python_example_runs(tmp_path: Path) -> None:
    code = readme_example()
    assert REAL_KDF in code  # the swap below must not silently stop matching
    body = code.replace(REAL_KDF, CHEAP)
    # The guard README asks for: the kit's pages are read in spawned worker processes.
    script = "\n".join(
        [f"passphrase = {PASSPHRASE!r}", "def main():"]
        + [f"    {line}" for line in body.splitlines()]
        + ['if __name__ == "__main__":', "    main()", ""]
    )
    (tmp_path / "example.py").write_text(script)
    (tmp_path / "aegis.json").write_text(json.dumps(AEGIS))
    codes = (EXAMPLES / "github-recovery-codes.txt").read_text()
    (tmp_path / "github-recovery-codes.txt").write_text(codes)
    (tmp_path / "kit-photos").mkdir()
    (tmp_path / "kit-photos" / "kit.pdf").symlink_to(tmp_path / "kit.pdf")  # made by make_kit
    # The script runs elsewhere: the package it imports must still be the one under test.
    path = os.pathsep.join(filter(None, [str(README.parent), os.environ.get("PYTHONPATH")]))
    run = subprocess.run(
        [sys.executable, "example.py"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    first_code = codes.split()[0]
    lines = run.stdout.splitlines()
    assert lines[0] == first_code  # use_code
    assert lines[1].isdigit() and len(lines[1]) == 6  # the Bank entry's TOTP code
    assert any("recovery key" in line for line in lines[2:])  # check_vault, before the key
    assert lines[-1] == "from my-LAPTOP.rvault: nothing new"  # merging an identical copy
    names = {p.name for p in tmp_path.iterdir()}
    assert {"kit.pdf", *(f"recovery-key-share-{i}-of-3.pdf" for i in (1, 2, 3))} <= names
