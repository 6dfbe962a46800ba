"""What does one save cost on a 1,000-entry vault, and how big is a vault file?

1. Median wall time of VaultFile.add() (lock, read, decrypt, parse, add one entry, serialize,
   compress, encrypt, write, fsync, read back and verify, keep .bak, rename, fsync the
   directory) on a 1,000-entry vault whose key slot uses a deliberately cheap Argon2id, so the
   figure is the save machinery and not the KDF. Add one real derivation for a real vault.
2. File size for 10 / 100 / 1,000 entries and bytes per entry after compression, against
   the ~14 KB a printed QR page holds (for sizing the paper recovery kit).

Usage: python bench/save.py [--saves 15] [--dir DIR]
  --dir puts the temporary directory on another filesystem (fsync cost differs a lot).
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from _common import PASSPHRASE, build_vault, machine, make_entries, median, ms, spread, table

from vault import KdfParams, Vault, VaultFile

# Argon2id at its minimum (microseconds); allowed only because these vaults are throwaway.
CHEAP_KDF = KdfParams(time_cost=1, memory_kib=8, parallelism=1)
SIZES = (10, 100, 1000)
QR_PAGE_BYTES = 14_000


def fs_type(path: Path) -> str:
    """Filesystem type of the mount holding path (from /proc/mounts), for context."""
    best, kind = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, fstype, *_ = line.split()
            if str(path).startswith(mount) and len(mount) > len(best):
                best, kind = mount, fstype
    except OSError:
        pass
    return kind


def fsync_reference(folder: Path, size: int, runs: int) -> list[float]:
    """Write `size` bytes, fsync the file, rename it and fsync the folder: the durability floor."""
    out = []
    data = os.urandom(size)
    for i in range(runs):
        tmp, final = folder / f"ref{i}.tmp", folder / "ref.bin"
        start = time.perf_counter()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        out.append(time.perf_counter() - start)
    return out


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall times of runs calls of a no-argument callable."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--saves", type=int, default=15, help="timed saves (default 15)")
    ap.add_argument("--entries", type=int, default=1000, help="vault size for saves (1000)")
    ap.add_argument("--dir", help="parent of the temporary directory (default: system temp)")
    args = ap.parse_args()

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="rvault-bench-", dir=args.dir) as tmp_name:
        tmp = Path(tmp_name)
        print(f"temp dir on {fs_type(tmp.resolve())}; key slot {CHEAP_KDF.describe()} (cheap)")

        # --- 1. one save on a big vault -------------------------------------------------------
        vf = VaultFile(tmp / "save" / "bench.rvault")
        build_vault(vf, PASSPHRASE, CHEAP_KDF, make_entries(args.entries))
        extra = iter(make_entries(args.saves + 1, seed=7, prefix="new "))
        vf.add(PASSPHRASE, next(extra))  # warm-up: caches, .bak creation
        t_save = timed(lambda: vf.add(PASSPHRASE, next(extra)), args.saves)
        size = vf.path.stat().st_size

        # Pieces of a save, timed on their own (estimates; they do not add up exactly).
        vault = vf.load(PASSPHRASE)
        payload = vault.to_bytes()
        pieces: list[tuple[str, list[float]]] = [
            ("load (decrypt + parse, cheap KDF)", timed(lambda: vf.load(PASSPHRASE), args.saves)),
            ("  Vault.from_bytes (JSON -> entries)", timed(lambda: Vault.from_bytes(payload), 9)),
            ("Vault.to_bytes (x2 per save)", timed(vault.to_bytes, 9)),
            ("zlib.compress level 9 (as saved)", timed(lambda: zlib.compress(payload, 9), 9)),
            ("zlib.compress level 6 (for comparison)", timed(lambda: zlib.compress(payload, 6), 9)),
            ("write + fsync + rename + fsync dir", fsync_reference(tmp, size, args.saves)),
        ]  # fmt: skip

        rows = [[f"save: add 1 entry to {args.entries}", ms(median(t_save)), spread(t_save)]]
        rows += [[label, ms(median(t)), spread(t)] for label, t in pieces]
        print()
        print(table(["measurement", "median ms", "min..max ms"], rows))
        print(f"(payload {len(payload):,} bytes of JSON, file {size:,} bytes)")

        # --- 2. file size by vault size ------------------------------------------------------
        empty = VaultFile(tmp / "size" / "empty.rvault")
        empty.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
        base = empty.path.stat().st_size
        size_rows = [["0", f"{base:,}", "-", "-", "-", "1"]]
        for n in SIZES:
            vfn = VaultFile(tmp / "size" / f"v{n}.rvault")
            build_vault(vfn, PASSPHRASE, CHEAP_KDF, make_entries(n))
            file_size = vfn.path.stat().st_size
            plain = len(vfn.load(PASSPHRASE).to_bytes())
            size_rows.append(
                [
                    str(n),
                    f"{file_size:,}",
                    f"{plain:,}",
                    f"{plain / (file_size - base):.1f}x",
                    f"{(file_size - base) / n:.0f}",
                    str(math.ceil(file_size / QR_PAGE_BYTES)),
                ]
            )
    print()
    print(
        table(["entries", "file bytes", "JSON bytes", "zlib", "bytes/entry", "QR pages"], size_rows)
    )
    print(
        f"(bytes/entry = (file - empty vault) / entries; QR pages = file / {QR_PAGE_BYTES:,} "
        "bytes, rounded up, before any encoding or erasure-coding overhead)"
    )


if __name__ == "__main__":
    main()
