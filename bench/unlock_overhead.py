"""How much does opening a 1,000-entry vault cost on top of the Argon2id derivation itself?

Two ratios, each the median over interleaved runs (target <= 1.10):

* process: wall time of the real ``rvault list`` (console script, passphrase from a file via
  RVAULT_PASSPHRASE_FILE) / wall time of ``python -c`` doing one raw
  argon2.low_level.hash_secret_raw with the same parameters. Both pay interpreter start-up.
* in-process: VaultFile.load() / hash_secret_raw(), both in this process.

Usage: python bench/unlock_overhead.py [--runs 7] [--memory-mib 256] [--time-cost N]

Without --time-cost the passes are calibrated exactly as `rvault init` does by default (about
one second per unlock on this machine): the parameters a real vault has. --time-cost 3 is the
stress case, where the fixed overhead weighs most.
                                        [--parallelism 4] [--entries 1000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    PASSPHRASE,
    build_vault,
    child_env,
    import_times,
    interleaved,
    machine,
    make_entries,
    median,
    ms,
    paired_diff,
    paired_ratio,
    rvault_command,
    spread,
    table,
    timed_run,
)
from argon2.low_level import Type, hash_secret_raw

from vault import KdfParams, Vault, VaultFile

TARGET = 1.10
SALT = bytes(range(16))
CHEAP_KDF = KdfParams(time_cost=1, memory_kib=8, parallelism=1)

RAW_SNIPPET = """\
from argon2.low_level import Type, hash_secret_raw
hash_secret_raw({secret!r}, {salt!r}, time_cost={t}, memory_cost={m}, parallelism={p},
                hash_len=32, type=Type.ID, version=19)
"""


def raw_kdf(kdf: KdfParams) -> float:
    """One in-process Argon2id derivation, timed."""
    start = time.perf_counter()
    hash_secret_raw(
        PASSPHRASE.encode(),
        SALT,
        time_cost=kdf.time_cost,
        memory_cost=kdf.memory_kib,
        parallelism=kdf.parallelism,
        hash_len=32,
        type=Type.ID,
        version=19,
    )
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=7, help="timed runs of each side (default 7)")
    ap.add_argument("--entries", type=int, default=1000, help="vault size (default 1000)")
    ap.add_argument("--memory-mib", type=int, default=256, help="Argon2id memory (default 256)")
    ap.add_argument(
        "--time-cost", type=int, default=None, help="Argon2id passes (default: calibrate to 1 s)"
    )
    ap.add_argument("--parallelism", type=int, default=4, help="Argon2id lanes (default 4)")
    ap.add_argument("--profile", action="store_true", help="cProfile one VaultFile.load()")
    ap.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="children recompile every module each start (PYTHONDONTWRITEBYTECODE=1)",
    )
    args = ap.parse_args()

    if args.time_cost is None:
        from vault import calibrate

        kdf = calibrate(1.0, args.memory_mib * 1024, args.parallelism)
    else:
        kdf = KdfParams(args.time_cost, args.memory_mib * 1024, args.parallelism)
    kdf.check_caps()
    if kdf.below_floor():
        sys.exit(f"{kdf.describe()} is below the policy floor (t=3, 64 MiB); use real costs")

    print(f"machine: {machine()}")
    print(f"KDF: {kdf.describe()}; {args.entries} entries; {args.runs} interleaved runs")
    if args.no_bytecode_cache:
        print("children run without a bytecode cache (every module compiled at each start)")

    with tempfile.TemporaryDirectory(prefix="rvault-bench-") as tmp:
        path = Path(tmp) / "bench.rvault"
        pass_file = Path(tmp) / "passphrase"
        pass_file.write_text(PASSPHRASE + "\n")
        pass_file.chmod(0o600)

        start = time.perf_counter()
        vf = VaultFile(path)
        build_vault(vf, PASSPHRASE, kdf, make_entries(args.entries))
        print(
            f"built {path.stat().st_size:,} byte vault in {time.perf_counter() - start:.1f} s "
            "(create + one edit)"
        )

        cache = not args.no_bytecode_cache
        raw_env = child_env(tmp, cache)
        env = child_env(tmp, cache, RVAULT_FILE=str(path), RVAULT_PASSPHRASE_FILE=str(pass_file))
        list_argv = [*rvault_command(), "list"]
        raw_argv = [
            sys.executable,
            "-c",
            RAW_SNIPPET.format(
                secret=PASSPHRASE.encode(),
                salt=SALT,
                t=kdf.time_cost,
                m=kdf.memory_kib,
                p=kdf.parallelism,
            ),
        ]

        # Correctness before timing: the command must really list every entry.
        out = subprocess.run(list_argv, env=env, capture_output=True, text=True, check=True)
        if len(out.stdout.splitlines()) < args.entries:
            sys.exit(f"rvault list printed {len(out.stdout.splitlines())} lines for {args.entries}")

        # 1. Whole processes.
        t_list, t_raw = interleaved(
            args.runs, lambda: timed_run(list_argv, env), lambda: timed_run(raw_argv, raw_env)
        )

        # Where the process overhead goes, part 1: the modules `rvault list` imports that the
        # raw derivation does not. -X importtime names the roots (imported at top level or
        # lazily inside a function); importing just those, without the KDF, times them for real.
        list_imports = import_times(list_argv, env, 3)  # the console script is a .py file
        raw_imports = import_times(raw_argv[1:], raw_env, 3)
        extra = {k: v for k, v in list_imports.items() if k not in raw_imports}
        roots = [k for k, v in extra.items() if v[2] == "-"]
        base_code = "from argon2.low_level import hash_secret_raw"
        imp_code = "; ".join([base_code, *(f"import {r}" for r in roots)])
        t_imp, t_base = interleaved(
            max(args.runs, 9),
            lambda: timed_run([sys.executable, "-c", imp_code], raw_env),
            lambda: timed_run([sys.executable, "-c", base_code], raw_env),
        )

        # 2. In this process.
        def load() -> float:
            start = time.perf_counter()
            vf.load(PASSPHRASE)
            return time.perf_counter() - start

        t_load, t_kdf = interleaved(args.runs, load, lambda: raw_kdf(kdf))

        # The non-KDF part of a load, measured directly (a difference of two Argon2 timings
        # is mostly noise on a busy machine): the same entries under the cheapest Argon2id.
        cheap = VaultFile(Path(tmp) / "cheap.rvault")
        build_vault(cheap, PASSPHRASE, CHEAP_KDF, make_entries(args.entries))
        payload = cheap.load(PASSPHRASE).to_bytes()
        t_cheap, t_parse = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            cheap.load(PASSPHRASE)
            t_cheap.append(time.perf_counter() - start)
            start = time.perf_counter()
            Vault.from_bytes(payload)
            t_parse.append(time.perf_counter() - start)

        if args.profile:
            prof = cProfile.Profile()
            prof.runcall(vf.load, PASSPHRASE)
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(15)
            print(buf.getvalue())

    rows = [
        ["rvault list (subprocess)", ms(median(t_list)), spread(t_list)],
        ["python -c hash_secret_raw (subprocess)", ms(median(t_raw)), spread(t_raw)],
        ["VaultFile.load (in-process)", ms(median(t_load)), spread(t_load)],
        ["hash_secret_raw (in-process)", ms(median(t_kdf)), spread(t_kdf)],
        ["VaultFile.load, same entries, cheap KDF", ms(median(t_cheap)), spread(t_cheap)],
        ["  of which Vault.from_bytes (JSON -> entries)", ms(median(t_parse)), spread(t_parse)],
    ]
    print()
    print(table(["measurement", "median ms", "min..max ms"], rows))

    process = paired_ratio(t_list, t_raw)
    inproc = paired_ratio(t_load, t_kdf)
    results = []
    for label, value, num, den in (
        ("process: rvault list / raw KDF", process, t_list, t_raw),
        ("in-process: load / raw KDF", inproc, t_load, t_kdf),
    ):
        verdict = "PASS" if value <= TARGET else "MISS"
        of_medians = median(num) / median(den)
        results.append([label, f"{value:.3f}", f"{of_medians:.3f}", f"<= {TARGET:.2f}", verdict])
    print()
    print(
        table(["ratio", "median of pairs", "of medians", "target", "result"], results),
    )
    overhead = paired_diff(t_list, t_raw)
    imports = paired_diff(t_imp, t_base)
    opening = median(t_cheap)
    parts = [
        ["rvault list - raw derivation (subprocesses)", ms(overhead), "100%"],
        ["  importing the list path (subprocess delta)", ms(imports), f"{imports / overhead:.0%}"],
        ["  load beyond the KDF (cheap-KDF load)", ms(opening), f"{opening / overhead:.0%}"],
        ["  the rest (CLI, sort and print, exit)", ms(overhead - imports - opening),
         f"{(overhead - imports - opening) / overhead:.0%}"],
    ]  # fmt: skip
    print()
    print(table(["where the overhead goes (median of pairs)", "ms", "share"], parts))
    heavy = sorted(extra.items(), key=lambda kv: kv[1][0], reverse=True)[:6]
    print(
        f"import roots: {', '.join(roots)}; {len(extra)} modules in all, most self time "
        "(-X importtime, inflated): " + ", ".join(f"{k} {v[0] / 1000:.1f}" for k, v in heavy)
    )


if __name__ == "__main__":
    main()
