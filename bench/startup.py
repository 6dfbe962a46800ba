"""How fast does `rvault --help` start, compared with a bare `python -c "import click"`?

Ratio of medians over interleaved runs (default 20 each); target <= 1.5. Then the slowest
imports of vault.cli by cumulative time (python -X importtime, median of several runs), so a
regression points at the module that caused it.

Usage: python bench/startup.py [--runs 20] [--top 10] [--no-bytecode-cache]
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from _common import (
    child_env,
    import_times,
    interleaved,
    machine,
    median,
    ms,
    paired_ratio,
    rvault_command,
    spread,
    table,
    timed_run,
)

TARGET = 1.5
IMPORTTIME_RUNS = 5


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=20, help="timed runs of each side (default 20)")
    ap.add_argument("--top", type=int, default=10, help="imports to list (default 10)")
    ap.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="children recompile every module each start (PYTHONDONTWRITEBYTECODE=1)",
    )
    args = ap.parse_args()

    print(f"machine: {machine()}")
    if args.no_bytecode_cache:
        print("children run without a bytecode cache (every module compiled at each start)")
    with tempfile.TemporaryDirectory(prefix="rvault-bench-") as tmp:
        env = child_env(tmp, not args.no_bytecode_cache)
        help_argv = [*rvault_command(), "--help"]
        click_argv = [sys.executable, "-c", "import click"]
        # Two warm-ups each: the first fills the bytecode cache, the second the page cache.
        t_help, t_click = interleaved(
            args.runs, lambda: timed_run(help_argv, env), lambda: timed_run(click_argv, env), 2
        )
        imports = import_times(["-c", "import vault.cli"], env, IMPORTTIME_RUNS)
        baseline = import_times(["-c", "import click"], env, IMPORTTIME_RUNS)

    ratio = median(t_help) / median(t_click)
    print()
    print(
        table(
            ["command", "median ms", "min..max ms"],
            [
                ["rvault --help", ms(median(t_help)), spread(t_help)],
                ['python -c "import click"', ms(median(t_click)), spread(t_click)],
            ],
        )
    )
    print()
    print(
        table(
            ["ratio", "of medians", "median of pairs", "target", "result"],
            [
                [
                    "rvault --help / import click",
                    f"{ratio:.3f}",
                    f"{paired_ratio(t_help, t_click):.3f}",
                    f"<= {TARGET}",
                    "PASS" if ratio <= TARGET else "MISS",
                ]
            ],
        )
    )
    print(
        f"\nrvault --help costs {ms(median(t_help) - median(t_click))} ms more than "
        "importing click."
    )

    top = sorted(imports.items(), key=lambda kv: kv[1][1], reverse=True)[: args.top]
    rows = [[name, f"{cum / 1000:.1f}", f"{own / 1000:.1f}", by] for name, (own, cum, by) in top]
    print(
        f'\ntop {args.top} imports of `python -X importtime -c "import vault.cli"` by cumulative '
        f"time (median of {IMPORTTIME_RUNS} runs; -X importtime inflates absolute figures):"
    )
    print(table(["module", "cumulative ms", "self ms", "imported by"], rows))

    extra = {k: v for k, v in imports.items() if k not in baseline}
    heavy = sorted(extra.items(), key=lambda kv: kv[1][0], reverse=True)[:5]
    print(
        f"\nmodules vault.cli imports beyond `import click`: {len(extra)}, "
        f"{sum(v[0] for v in extra.values()) / 1000:.1f} ms self time in all; most self time: "
        + ", ".join(f"{k} {v[0] / 1000:.1f}" for k, v in heavy)
    )


if __name__ == "__main__":
    main()
