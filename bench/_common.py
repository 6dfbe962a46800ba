"""Helpers shared by the bench scripts: timing, medians, tables, and a synthetic vault.

Not a benchmark itself. The scripts import it as a sibling module (``python bench/x.py`` puts
``bench/`` first on sys.path), so nothing here needs installing.
"""

from __future__ import annotations

import os
import platform
import random
import re
import shutil
import statistics
import string
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from vault import BackupCode, Entry, KdfParams, VaultFile

_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")
ROOT = Path(__file__).resolve().parent.parent
# A throwaway vault in a temporary directory; never a real secret.
PASSPHRASE = "correct horse battery staple, bench edition"  # noqa: S105


def median(xs: Sequence[float]) -> float:
    """The median (of an odd or even count)."""
    return statistics.median(xs)


def spread(xs: Sequence[float]) -> str:
    """min..max in ms, to show how noisy the runs were."""
    digits = 0 if min(xs) >= 0.1 else 1
    return f"{min(xs) * 1000:.{digits}f}..{max(xs) * 1000:.{digits}f}"


def ms(seconds: float) -> str:
    """Seconds as a millisecond figure for tables."""
    return f"{seconds * 1000:.1f}"


def timed_run(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Wall time of one subprocess to exit; its output is discarded, a failure is fatal."""
    start = time.perf_counter()
    proc = subprocess.run(
        list(argv),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed


def interleaved(
    runs: int, a: Callable[[], float], b: Callable[[], float], warmup: int = 1
) -> tuple[list[float], list[float]]:
    """Time a and b alternately (ABBA order) so drift on a shared machine hits both alike."""
    for _ in range(warmup):
        a()
        b()
    ta: list[float] = []
    tb: list[float] = []
    for i in range(runs):
        if i % 2 == 0:
            ta.append(a())
            tb.append(b())
        else:
            tb.append(b())
            ta.append(a())
    return ta, tb


def paired_ratio(num: Sequence[float], den: Sequence[float]) -> float:
    """Median of the per-run ratios (each pair ran back to back, so load mostly cancels)."""
    return median([n / d for n, d in zip(num, den, strict=True)])


def child_env(tmp: str | Path, bytecode_cache: bool = True, **extra: str) -> dict[str, str]:
    """Environment for timed subprocesses.

    With bytecode_cache (the default) compiled modules are cached under tmp via
    PYTHONPYCACHEPREFIX, as an installed rvault would have them: otherwise a checkout run with
    PYTHONDONTWRITEBYTECODE=1 recompiles every vault module on every start and the figures
    measure the compiler. Nothing is written outside tmp either way.
    """
    env = {**os.environ, **extra}
    env.pop("RVAULT_DEBUG", None)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
    else:
        env.pop("PYTHONPYCACHEPREFIX", None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def git_state() -> str:
    """The commit the figures belong to, and whether the tree had local changes."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"{head}{' + local changes' if dirty else ''}"


def import_times(
    args: Sequence[str], env: dict[str, str], runs: int
) -> dict[str, tuple[float, float, str]]:
    """module -> (self us, cumulative us, importer) of `python -X importtime ARGS`, medians."""
    selfs: dict[str, list[int]] = defaultdict(list)
    cums: dict[str, list[int]] = defaultdict(list)
    parent: dict[str, str] = {}
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        # Children are printed before their importer, one indent level deeper.
        waiting: dict[int, list[str]] = defaultdict(list)
        for line in proc.stderr.splitlines():
            m = _IMPORT_LINE.match(line)
            if not m:
                continue
            name, depth = m[4], len(m[3]) // 2
            selfs[name].append(int(m[1]))
            cums[name].append(int(m[2]))
            for child in waiting.pop(depth + 1, []):
                parent[child] = name
            waiting[depth].append(name)
    return {k: (median(selfs[k]), median(cums[k]), parent.get(k, "-")) for k in cums}


def paired_diff(a: Sequence[float], b: Sequence[float]) -> float:
    """Median of the per-run differences a - b (robust to load that shifts both)."""
    return median([x - y for x, y in zip(a, b, strict=True)])


def rvault_command() -> list[str]:
    """The installed console script, found next to this interpreter first."""
    beside = Path(sys.executable).with_name("rvault")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("rvault")
    if found:
        return [found]
    sys.exit("the rvault console script is not installed; run `pip install -e .` first")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain aligned text table (first column left-aligned, the rest right-aligned)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        parts = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def machine() -> str:
    """One line describing where the figures came from."""
    model = "unknown CPU"
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}{load}; "
        f"commit {git_state()}"
    )


# --- a synthetic but realistic vault ---------------------------------------------------------

_ISSUERS = [
    "GitHub", "Google", "Microsoft", "Dropbox", "Proton", "Fastmail", "GitLab", "Discord",
    "Slack", "AWS", "Cloudflare", "PyPI", "npm", "Twitter", "Mastodon", "Bitwarden",
    "1Password", "Apple", "Facebook", "LinkedIn", "Reddit", "Tailscale", "Namecheap", "Stripe",
]  # fmt: skip
_WORDS = [
    "account", "recovery", "printed", "sheet", "kept", "drawer", "office", "laptop", "bank",
    "safe", "deposit", "box", "spare", "phone", "old", "number", "moved", "renewed", "rotate",
    "yearly", "check", "family", "shared", "admin", "work", "personal",
]  # fmt: skip
_TAGS = ["work", "personal", "family", "finance", "dev"]


def _code(rng: random.Random, style: int) -> str:
    hexdig, alnum = "0123456789abcdef", string.ascii_lowercase + string.digits
    if style == 0:  # GitHub: 5+5 hex
        return "".join(rng.choices(hexdig, k=5)) + "-" + "".join(rng.choices(hexdig, k=5))
    if style == 1:  # Google: 8 digits
        return "".join(rng.choices(string.digits, k=8))
    if style == 2:  # 4-4 alphanumeric
        return "".join(rng.choices(alnum, k=4)) + "-" + "".join(rng.choices(alnum, k=4))
    return "".join(rng.choices(alnum, k=10))


def _recovery_key(rng: random.Random) -> str:
    shape = rng.randrange(3)
    if shape == 0:  # BitLocker: 8 groups of 6 digits
        return "-".join("".join(rng.choices(string.digits, k=6)) for _ in range(8))
    upper = string.ascii_uppercase + string.digits
    if shape == 1:  # Microsoft: 5 groups of 5
        return "-".join("".join(rng.choices(upper, k=5)) for _ in range(5))
    groups = [2, 6, 6, 5, 5, 5, 5]  # 1Password Secret Key
    return "A3-" + "-".join("".join(rng.choices(upper, k=g)) for g in groups[1:])


def make_entries(n: int, seed: int = 2026, prefix: str = "") -> list[Entry]:
    """n entries: ~60% backup codes (10-16 codes each), ~25% recovery keys, ~15% notes.

    Seeded, so every run builds the same vault (apart from ids and timestamps).
    """
    rng = random.Random(seed)
    out = []
    for i in range(n):
        issuer = rng.choice(_ISSUERS)
        roll = rng.random()
        if roll < 0.60:
            style = rng.randrange(4)
            codes = sorted({_code(rng, style) for _ in range(rng.randint(10, 16))})
            entry = Entry(
                f"{prefix}{issuer} {i:04d}", "backup-codes", codes=[BackupCode(c) for c in codes]
            )
            for c in entry.codes[: rng.randrange(4)]:
                c.used, c.used_at = True, f"2026-11-{rng.randint(10, 23)}T12:00:00Z"
        elif roll < 0.85:
            entry = Entry(f"{prefix}{issuer} {i:04d}", "recovery-key", secret=_recovery_key(rng))
        else:
            text = " ".join(rng.choices(_WORDS, k=rng.randrange(20, 60)))
            entry = Entry(f"{prefix}{issuer} {i:04d}", "note", secret=text)
        entry.issuer = issuer
        entry.account = f"user{rng.randrange(1000)}@example.com"
        if rng.random() < 0.5:
            entry.url = f"https://{issuer.lower()}.example/settings/security"
        if rng.random() < 0.3:
            entry.notes = " ".join(rng.choices(_WORDS, k=rng.randrange(4, 12)))
        entry.tags = rng.sample(_TAGS, k=rng.randrange(3))
        out.append(entry)
    return out


def build_vault(vf: VaultFile, passphrase: str, kdf: KdfParams, entries: list[Entry]) -> None:
    """Create the vault and add every entry in one edit (one derivation, one save)."""
    vf.create(passphrase, kdf, allow_weak=kdf.below_floor())
    with vf.edit(passphrase) as v:
        for e in entries:
            v.add(e)
