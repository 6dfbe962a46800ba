"""Paper at the limit (issue 16, parts 1 and 2): restore stops at k, and pages without codes
cost almost nothing.

For kits of 1, 4 and 16 KB vaults (tests/support/degrade.build_kit: seeded, A4), rendered at
300 dpi and saved as PNG, `rvault restore` (the console script, a fresh process each time) is
timed on three inputs, interleaved in one run:

* the codes sheets, clean (the reference);
* the codes sheets with a fifth of the codes painted over (white boxes; at least one);
  target: <= 1.3x the clean restore;
* every page of the kit (cover, index, codes sheets, text pages), clean; target: <= 1.2x;
* and the kit's own PDF, whole, against a PDF of its codes sheets alone; target: <= 1.2x.

Usage: python bench/paper_limit.py [--runs 5] [--sizes 1,4,16]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from _common import ROOT, child_env, machine, median, ms, paired_ratio, rvault_command, table
from _common import timed_run as run
from PIL import ImageDraw

sys.path.insert(0, str(ROOT / "tests"))
from support.degrade import build_kit  # the test suite's seeded kits

BLANKED_TARGET = 1.3
ALL_PAGES_TARGET = 1.2


def measure(kb: int, base: Path, env: dict[str, str], runs: int) -> tuple[list[str], list[bool]]:
    """One kit: its inputs built, each restored `runs` times interleaved; a row and verdicts."""
    import pypdfium2 as pdfium

    d = base / f"{kb}kb"
    d.mkdir()
    kit = build_kit(d, kb * 1024, name="kit")
    sheets = sorted(kit.sheet_page.values())
    blank = random.Random(kb).sample(range(kit.n), max(1, kit.n // 5))
    inputs = {name: d / name for name in ("clean", "blanked", "all")}
    for folder in inputs.values():
        folder.mkdir()
    for i, page in enumerate(kit.pages):
        page.save(inputs["all"] / f"page-{i + 1:02d}.png")
        if i in sheets:
            page.save(inputs["clean"] / f"page-{i + 1:02d}.png")
            damaged = page.copy()
            draw = ImageDraw.Draw(damaged)
            for index in blank:
                if kit.page_of(index) == i:
                    draw.rectangle(kit.code_box(index), fill=255)
            damaged.save(inputs["blanked"] / f"page-{i + 1:02d}.png")
    # The kit's own PDF, whole and with its codes sheets alone.
    (d / "kit.pdf").write_bytes(kit.pdf)
    whole = pdfium.PdfDocument(kit.pdf)
    only = pdfium.PdfDocument.new()
    only.import_pages(whole, sheets)
    only.save(d / "sheets.pdf")
    only.close()
    whole.close()
    inputs["sheets.pdf"] = d / "sheets.pdf"
    inputs["kit.pdf"] = d / "kit.pdf"
    count = 0

    def restore(source: Path) -> float:
        nonlocal count
        count += 1
        out = d / f"out-{count}.rvault"
        took = run([*rvault_command(), "restore", "--out", str(out), str(source)], env)
        if out.read_bytes() != kit.vault:
            sys.exit(f"{source}: the restored vault differs from the printed one")
        out.unlink()
        return took

    times: dict[str, list[float]] = {name: [] for name in inputs}
    restore(inputs["clean"])  # warm-up: bytecode cache, page cache
    for i in range(runs):
        for name in list(inputs) if i % 2 == 0 else list(reversed(inputs)):
            times[name].append(restore(inputs[name]))
    blanked = paired_ratio(times["blanked"], times["clean"])
    every = paired_ratio(times["all"], times["clean"])
    pdf = paired_ratio(times["kit.pdf"], times["sheets.pdf"])
    row = [
        f"{kb} KB: n={kit.n}, k={kit.k}, {len(sheets)} codes sheets, "
        f"{len(kit.pages)} pages, {len(blank)} blanked",
        ms(median(times["clean"])),
        f"{ms(median(times['blanked']))} ({blanked:.2f}x)",
        f"{ms(median(times['all']))} ({every:.2f}x)",
        f"{ms(median(times['sheets.pdf']))} / {ms(median(times['kit.pdf']))} ({pdf:.2f}x)",
    ]
    return row, [blanked <= BLANKED_TARGET, every <= ALL_PAGES_TARGET, pdf <= ALL_PAGES_TARGET]


def main() -> None:
    """Build the kits, time the restores per kit, print and judge."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1,4,16", help="vault sizes in KB")
    args = ap.parse_args()
    print(machine())
    rows, verdicts = [], []
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(tmp)
        for kb in (int(s) for s in args.sizes.split(",")):
            row, ok = measure(kb, Path(tmp), env, args.runs)
            rows.append(row)
            verdicts += ok
    headers = [
        "kit",
        "codes sheets (PNG)",
        f"a fifth blanked (<= {BLANKED_TARGET}x)",
        f"every page (<= {ALL_PAGES_TARGET}x)",
        f"kit PDF: sheets only / whole (<= {ALL_PAGES_TARGET}x)",
    ]
    print(table(headers, rows))
    print("verdict:", "met" if all(verdicts) else "MISSED")


if __name__ == "__main__":
    main()
