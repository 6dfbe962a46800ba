"""Shared fixtures: real Argon2id and AES-GCM, with parameters cheap enough for tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vault import KdfParams, VaultFile

# Real Argon2id, just small: 1 MiB, 1 pass, 1 lane (about a millisecond).
CHEAP_KDF = KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
PASSPHRASE = "correct horse battery staple"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def _clean_rvault_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests must not see the developer's own vault settings."""
    for name in list(os.environ):
        if name.startswith("RVAULT_") or name in ("VISUAL", "EDITOR"):
            monkeypatch.delenv(name)


@pytest.fixture
def cheap_kdf() -> KdfParams:
    """Argon2id parameters far below the policy floor, for speed."""
    return CHEAP_KDF


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    """Where a test's vault lives."""
    return tmp_path / "test.rvault"


@pytest.fixture
def vf(vault_path: Path) -> VaultFile:
    """A freshly created, empty vault with cheap KDF parameters."""
    v = VaultFile(vault_path, lock_timeout=5)
    v.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    return v


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    """A file holding PASSPHRASE, for --passphrase-file."""
    p = tmp_path / "passphrase.txt"
    p.write_text(PASSPHRASE + "\n")
    return p


@pytest.fixture
def cli_env(tmp_path: Path, vault_path: Path, passphrase_file: Path) -> Iterator[dict[str, str]]:
    """Environment for running rvault as a subprocess against the test vault."""
    env = dict(os.environ)
    env.update(
        RVAULT_FILE=str(vault_path),
        RVAULT_PASSPHRASE_FILE=str(passphrase_file),
        RVAULT_LOCK_TIMEOUT="10",
    )
    yield env


def run_rvault(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m vault` in a new session (no controlling terminal), capturing output."""
    return subprocess.run(
        [sys.executable, "-m", "vault", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=env,
        start_new_session=True,
        timeout=120,
    )


# Variables that would change what the CLI does; each in-process run starts without them.
CLEAN_ENV: dict[str, str | None] = {
    "RVAULT_FILE": None,
    "RVAULT_PASSPHRASE_FILE": None,
    "RVAULT_LOCK_TIMEOUT": None,
    "RVAULT_DEBUG": None,
    "VISUAL": None,
    "EDITOR": None,
}


@dataclass
class Run:
    """What one in-process CLI run produced."""

    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        """stderr from the first 'rvault: error:' line on."""
        lines = self.stderr.splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("rvault: error: ")]
        return lines[starts[0] :] if starts else []

    def ids(self) -> list[str]:
        """The finding ids of a `check --json` run."""
        return [f["id"] for f in json.loads(self.stdout)]


def run_main(
    args: Sequence[str | os.PathLike[str]],
    env: Mapping[str, str | None] | None = None,
    stdin: str | bytes | None = None,
) -> Run:
    """`rvault ARGS` in-process through vault.cli.main; stdin may be bytes (images, bad UTF-8)."""
    from click.testing import CliRunner

    from vault.cli import main

    code: Any = None
    with CliRunner().isolation(input=stdin, env={**CLEAN_ENV, **(env or {})}) as (out, err, _):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
        else:  # pragma: no cover - main() always exits
            pytest.fail("main() returned instead of exiting")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
    assert isinstance(code, int), code
    return Run(code, out.getvalue().decode(), err.getvalue().decode())


RV = Callable[..., Run]


def in_process(vault_path: Path, passphrase_file: Path) -> RV:
    """run(*args, stdin=..., **env): `rvault` in-process (vault.cli.main) against one vault."""
    env = {
        "RVAULT_FILE": str(vault_path),
        "RVAULT_PASSPHRASE_FILE": str(passphrase_file),
        "RVAULT_LOCK_TIMEOUT": "5",
    }

    def run(*args: str, stdin: str | bytes | None = None, **extra: str) -> Run:
        return run_main(args, {**env, **extra}, stdin)

    return run


@pytest.fixture
def rv(vault_path: Path, passphrase_file: Path) -> RV:
    """rv(*args, stdin=..., **env) runs `rvault` in-process against the test vault."""
    return in_process(vault_path, passphrase_file)


def canonical_json(doc: Any) -> bytes:
    """JSON as the vault payload writes it: sorted keys, no spaces, UTF-8."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# Source for a child Python process: peak() is its own peak memory in KiB. Not ru_maxrss:
# on Linux that survives exec, so a child would inherit the test process's high-water mark.
PEAK = (
    "def peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            return int(line.split()[1])\n"
    "    import resource\n"
    "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
)


def child_main(args: list[str], env: dict[str, str] | None = None) -> tuple[int, int, str]:
    """`rvault ARGS` in a fresh child: its exit code, its own peak memory (KiB), its stderr."""
    code = (
        f"{PEAK}"
        "import sys\n"
        "from vault.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as e:\n"
        "    print(e.code, peak())\n"
    )
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("RVAULT_")}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**full_env, **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    status, peak_kib = proc.stdout.split()
    return int(status), int(peak_kib), proc.stderr


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright (tests/support/browser.py); skips without it."""
    from support.browser import launch

    yield from launch()


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    """open(url_or_path, width=, setup=) -> support.browser.Tab, a fresh context each."""
    from support.browser import tabs

    yield from tabs(browser)
