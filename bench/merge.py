"""What does `rvault merge` cost, and what does `rvault check` pay to look for copies?

1. merge_vaults (the pure merge) of two copies of a 100- and a 1,000-entry vault whose
   histories are full (200 events each) and diverged by 100 random actions on each side
   (edits, renames, codes used, new sets of codes, adds, removes): median over --repeats.
2. `rvault merge OTHER --yes --json` as a fresh process against `rvault review NAME` (one
   unlock and one save, the cheapest command that saves) on the 1,000-entry vault with a real
   Argon2id (64 MiB, 3 passes), interleaved: merge opens the copy with the vault's key, so it
   should cost one unlock and one save too. Issue 17 sets no target; the ratio is the figure.
3. The look for conflict copies in `rvault check`: a folder of 10,000 other files plus 64
   `*.rvault` copies, walked by vault.copies.conflict_copies.

Usage: python bench/merge.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import copy
import random
import shutil
import tempfile
import time
from pathlib import Path

from _common import (
    PASSPHRASE,
    build_vault,
    child_env,
    interleaved,
    machine,
    make_entries,
    median,
    ms,
    paired_ratio,
    rvault_command,
    spread,
    table,
    timed_run,
)

from vault import KdfParams, Vault, VaultFile
from vault.copies import conflict_copies
from vault.entry import STAMP_FORMAT
from vault.errors import VaultError
from vault.format import parse
from vault.merge import merge_vaults

REAL_KDF = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=1)
CHEAP_KDF = KdfParams(time_cost=1, memory_kib=8, parallelism=1)


def stamp(t: int) -> str:
    """A time t seconds into 2026-12-01."""
    return time.strftime(STAMP_FORMAT, time.gmtime(1_764_547_200 + t))


def diverge(vault: Vault, rng: random.Random, side: str, start: int, actions: int) -> None:
    """Random everyday actions at increasing times; refused ones are skipped."""
    for i in range(actions):
        now = stamp(start + 2 * i)
        target = rng.choice(vault.entries)
        roll = rng.random()
        try:
            if roll < 0.3:
                vault.update(target.name, fields={"notes": f"{side} {i}"}, now=now)
            elif roll < 0.45:
                vault.rename(target.name, f"{target.name} {side}{i}", now=now)
            elif roll < 0.7 and target.kind == "backup-codes":
                vault.use_code(target.name, now=now)
            elif roll < 0.8 and target.kind == "backup-codes":
                codes = [f"{side}{i}-{n:04d}" for n in range(10)]
                vault.update(target.name, add_codes=codes, replace_codes=True, now=now)
            elif roll < 0.9:
                [entry] = make_entries(1, seed=start + i, prefix=f"{side}{i} ")
                entry.created = now
                vault.add(entry)
            else:
                vault.remove(target.name, now=now)
        except VaultError:
            pass


def copies(n: int, seed: int) -> tuple[Vault, Vault]:
    """Two copies of an n-entry vault with full histories, diverged by 100 actions each."""
    rng = random.Random(seed)
    base = Vault(keep_log=True)
    for e in make_entries(n, seed=seed):
        base.add(e)
    diverge(base, rng, "base", 0, 200)
    a, b = copy.deepcopy(base), copy.deepcopy(base)
    diverge(a, rng, "A", 10_000, 100)
    diverge(b, rng, "B", 10_001, 100)
    return a, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(machine())

    rows = []
    for n in (100, 1000):
        a, b = copies(n, seed=n)
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            merged, report = merge_vaults(a, b, "b", stamp(99_999))
            times.append(time.perf_counter() - t0)
        summary = report.summary()
        rows.append([n, len(merged.entries), ms(median(times)), spread(times), summary[:70]])
    print("\n1. merge_vaults, two copies diverged by 100 actions each (full histories)")
    print(table(["entries", "merged", "median", "min..max", "report"], rows))

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        vf = VaultFile(folder / "vault.rvault")
        build_vault(vf, PASSPHRASE, REAL_KDF, make_entries(1000))
        other = folder / "vault (conflicted copy 2026-12-01).rvault"
        shutil.copy(vf.path, other)
        with VaultFile(other).edit(PASSPHRASE) as v:
            diverge(v, random.Random(1), "B", 0, 100)
        (folder / "pw").write_text(PASSPHRASE + "\n")
        env = child_env(tmp, RVAULT_FILE=str(vf.path), RVAULT_PASSPHRASE_FILE=str(folder / "pw"))
        rv = rvault_command()
        names = iter([e.name for e in vf.load(PASSPHRASE).entries])
        pristine = folder / "pristine.rvault"
        shutil.copy(vf.path, pristine)

        def merge_once() -> float:
            shutil.copy(pristine, vf.path)  # each run merges the same changes in
            return timed_run([*rv, "merge", str(other), "--yes", "--json"], env)

        def review_once() -> float:  # a different entry each time: every run saves
            return timed_run([*rv, "review", next(names)], env)

        merge_t, review_t = interleaved(args.repeats, merge_once, review_once)
        print(f"\n2. rvault merge / rvault review, 1,000 entries, {REAL_KDF.describe()}")
        print(
            table(
                ["command", "median", "min..max"],
                [
                    ["merge OTHER --yes", ms(median(merge_t)), spread(merge_t)],
                    ["review NAME", ms(median(review_t)), spread(review_t)],
                ],
            )
        )
        print(f"ratio (median of paired runs): {paired_ratio(merge_t, review_t):.2f}x")

        junk = folder / "junk"
        junk.mkdir()
        for i in range(10_000):
            (junk / f"photo-{i:05d}.jpg").write_bytes(b"")
        small = VaultFile(junk / "vault.rvault")
        small.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
        for i in range(64):
            shutil.copy(small.path, junk / f"vault-PC{i}.rvault")
        vault_id = parse(small.read_bytes()).vault_id
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            found, _ = conflict_copies(small.path, vault_id)
            times.append(time.perf_counter() - t0)
        print("\n3. conflict_copies in a folder of 10,000 files and 64 copies")
        print(f"found {len(found)} copies in {ms(median(times))} (min..max {spread(times)})")


if __name__ == "__main__":
    main()
