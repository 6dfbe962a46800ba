"""The README's device-loss walkthrough, run command by command on a fresh "laptop".

The old laptop makes a vault and a kit; phone photos of the kit's codes sheets are simulated
(tilted, unevenly lit, JPEG). Then every line of the README block runs in bash in a new HOME
and a new virtual environment: `pip install recovery-vault` installs a wheel built from this
checkout (no package index: PIP_NO_INDEX with PIP_FIND_LINKS), and the dependencies come
from the environment running the tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import PASSPHRASE
from support.degrade import photo
from support.kitutil import new_vault

from vault import BackupCode, Entry, VaultFile
from vault.paper.kit import make_kit
from vault.paper.pages import render_pdf_pages

ROOT = Path(__file__).resolve().parent.parent


def walkthrough_commands() -> list[str]:
    """The shell lines of the README block marked as the walkthrough, comments removed."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- walkthrough", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines() if line.strip()]


@pytest.mark.slow
def test_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    commands = walkthrough_commands()
    assert commands[0] == "python3 -m pip install recovery-vault"
    assert "rvault restore kit-photos" in commands  # a folder: no wildcards, no --out
    assert not any("--vault" in c for c in commands)

    # The old laptop: a vault with backup codes, and its printed kit.
    old = new_vault(tmp_path / "old" / "vault.rvault")
    codes = [BackupCode(f"{i:05d}-abcde") for i in range(1, 11)]
    old.add(PASSPHRASE, Entry("GitHub", "backup-codes", codes=codes))
    old.add(PASSPHRASE, Entry("Bank", "recovery-key", secret="123456-654321"))
    make_kit(old, PASSPHRASE, tmp_path / "old" / "kit.pdf")
    kit_bytes = old.path.read_bytes()  # the kit holds the file that records it

    # The new laptop: an empty home with phone photos of the codes sheets.
    home = tmp_path / "home"
    photos = home / "kit-photos"
    photos.mkdir(parents=True)
    pages = list(render_pdf_pages((tmp_path / "old" / "kit.pdf").read_bytes(), dpi=300))
    for i, page in enumerate(pages):
        photo(page, seed=i + 1, tilt=20).save(photos / f"IMG_{1000 + i}.jpg")

    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {built.stderr[-300:]}")
    # The test environment's packages minus rvault itself (so pip really installs it).
    deps = tmp_path / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.lower().startswith(("recovery_vault", "__editable__", "vault")):
            (deps / entry.name).symlink_to(entry)
    env_dir = tmp_path / "laptop-venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    passphrase = home / ".passphrase"
    passphrase.write_text(PASSPHRASE + "\n")
    env = {
        "HOME": str(home),
        "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        # Dependencies from the test environment, so no index is needed.
        "PYTHONPATH": str(deps),
        "RVAULT_PASSPHRASE_FILE": str(passphrase),
    }
    outputs = []
    for command in commands:
        res = subprocess.run(
            ["bash", "-c", command],
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
        assert res.returncode == 0, f"{command}\n{res.stdout}\n{res.stderr}"
        outputs.append(res.stdout + res.stderr)

    installed = env_dir / "bin" / "rvault"
    assert installed.exists()
    # No --out: the usual place for this (Linux) user, found by every later command.
    restored = home / ".local" / "share" / "rvault" / "vault.rvault"
    restored_vault = VaultFile(restored).load(PASSPHRASE)
    assert restored_vault.get("GitHub").codes[0].used  # step 4 used the first code
    assert "00001-abcde" in outputs[3]
    assert "restored to" in outputs[1]
    assert "GitHub" in outputs[2] and "Bank" in outputs[2]
    assert (home / "new-kit.pdf").exists()
    # The restore rebuilt the vault the kit was printed from: same id; two saves since (use, kit).
    assert "where rvault looks for your vault" in outputs[1]
    from vault.format import parse

    printed, now = parse(kit_bytes), parse(restored.read_bytes())
    assert (now.vault_id, now.generation) == (printed.vault_id, printed.generation + 2)
    assert restored_vault.get("Bank").secret == "123456-654321"
