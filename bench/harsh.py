"""Harsh capture conditions (issue 16, part 3): what rvault reads, and what more passes read.

tests/support/harsh.py models 13 capture conditions at three severities on the codes sheets
of a real kit (tests/support/degrade.build_kit, 300 dpi). For each, this prints the codes read
by plain zxing-cpp (one read, its defaults), by rvault's passes (vault.paper.passes.decode),
and by each candidate preparation on its own (the last, "deblurred", is rvault's last resort
when a restore would otherwise fail: vault.paper.deblur), then whether the kit restores (any k
codes of its n) with rvault's passes alone and with the candidates added; and any wrong text
(a text starting RVK1: that is not one of the kit's codes): there must be none.

Usage: python bench/harsh.py [--kb 16] [--seeds 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import ROOT, machine, table
from PIL import Image, ImageChops, ImageFilter

sys.path.insert(0, str(ROOT / "tests"))
from support.degrade import build_kit
from support.harsh import CONDITIONS, SEVERITIES

from vault.paper import passes


def local_threshold(gray: Image.Image) -> Image.Image:
    """Each pixel against the mean of about one module around it (Gaussian, sigma 6.5 px)."""
    mean = gray.filter(ImageFilter.GaussianBlur(6.5))
    return ImageChops.subtract(mean, gray).point(lambda v: 0 if v > 3 else 255)


def median_global(gray: Image.Image) -> Image.Image:
    """A 5 px median filter (speckle and streaks out), for zxing's global binarizer."""
    return gray.filter(ImageFilter.MedianFilter(5))


def thinner_black(gray: Image.Image) -> Image.Image:
    """A 3 px max filter: black modules that bled or smeared shrink back."""
    return gray.filter(ImageFilter.MaxFilter(3))


def deblur_read(gray: Image.Image) -> set[str]:
    """What rvault's last resort reads: every guessed deconvolution (vault.paper.deblur)."""
    from vault.paper.deblur import deblurred

    found: set[str] = set()
    for image, _ in deblurred(gray):
        found |= read(image)
    return found


CANDIDATES: dict[str, tuple[Callable[[Image.Image], Image.Image], str]] = {
    "local threshold": (local_threshold, "global"),
    "median + global": (median_global, "global"),
    "thinner black": (thinner_black, "local"),
    "deblurred": (lambda gray: gray, "deblur"),
}


def read(img: Image.Image, binarizer: str = "local") -> set[str]:
    """The rvault texts zxing-cpp decodes in img, one read."""
    import zxingcpp

    kind = {"local": zxingcpp.Binarizer.LocalAverage, "global": zxingcpp.Binarizer.GlobalHistogram}
    codes = zxingcpp.read_barcodes(
        img, formats=zxingcpp.BarcodeFormat.QRCode, binarizer=kind[binarizer]
    )
    return {c.text for c in codes if c.valid and c.text.startswith("RVK1:")}


def main() -> None:
    """Degrade every codes sheet under every condition and severity; print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=int, default=16)
    ap.add_argument("--seeds", type=int, default=2)
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        kit = build_kit(Path(tmp), args.kb * 1024)
    sheets = [kit.pages[i] for _, i in sorted(kit.sheet_page.items())]
    valid = {t for page in sheets for t in read(page)}
    assert len(valid) == kit.n, "the clean sheets must read whole"
    print(
        f"kit: {args.kb} KB, n={kit.n}, k={kit.k}, {len(sheets)} codes sheets; {args.seeds} seeds"
    )
    rows, wrong, gained = [], 0, {name: 0 for name in CANDIDATES}
    spent = {name: 0.0 for name in ["rvault", *CANDIDATES]}
    for cname, condition in CONDITIONS.items():
        for s, severity in enumerate(SEVERITIES):
            plain = ours = total = 0
            extra = {name: 0 for name in CANDIDATES}
            restored = restored_all = 0
            for seed in range(1, args.seeds + 1):
                got: set[str] = set()
                got_all: set[str] = set()
                for page in sheets:
                    img = condition(page, s, seed * 7 + s)
                    gray = passes.to_gray(img)
                    plain += len(read(gray))
                    start = time.perf_counter()
                    mine = set(passes.decode(gray).texts)
                    spent["rvault"] += time.perf_counter() - start
                    wrong += len({t for t in mine if t.startswith("RVK1:")} - valid)
                    mine &= valid
                    ours += len(mine)
                    total += 6 if len(got) + 6 <= kit.n else kit.n - len(got)
                    more = set(mine)
                    for name, (prepare, binarizer) in CANDIDATES.items():
                        start = time.perf_counter()
                        prepared = prepare(gray)
                        found = (
                            deblur_read(prepared)
                            if binarizer == "deblur"
                            else read(prepared, binarizer)
                        )
                        spent[name] += time.perf_counter() - start
                        wrong += len(found - valid)
                        extra[name] += len((found & valid) - mine)
                        more |= found & valid
                    got |= mine
                    got_all |= more
                restored += len(got) >= kit.k
                restored_all += len(got_all) >= kit.k
            for name in CANDIDATES:
                gained[name] += extra[name]
            rows.append(
                [
                    cname,
                    severity,
                    f"{plain}",
                    f"{ours}",
                    *(f"+{extra[name]}" for name in CANDIDATES),
                    f"{restored}/{args.seeds}",
                    f"{restored_all}/{args.seeds}",
                ]
            )
    headers = [
        "condition",
        "severity",
        "plain zxing",
        "rvault",
        *(f"+ {name}" for name in CANDIDATES),
        "restores",
        "with candidates",
    ]
    print(table(headers, rows))
    print(f"codes per cell: {args.seeds} seeds x {kit.n} codes; wrong texts decoded: {wrong}")
    print("codes gained over rvault's passes:", ", ".join(f"{k} {v}" for k, v in gained.items()))
    print("time:", ", ".join(f"{k} {v:.1f} s" for k, v in spent.items()))


if __name__ == "__main__":
    main()
