"""Photos to entries in the browser (issue 15): the last photo picked -> the entries shown.

A one-sheet kit is photographed (a 12 MP phone photo, tilted and unevenly lit, as
tests/support/degrade.py models it; and a 300 dpi scan), picked in the blank restore page in
Debian's Chromium, and the vault it rebuilds is unlocked there with its passphrase. What the
machine spends is timed by the page's own performance marks: photo picked -> vault rebuilt,
plus Unlock -> entries shown, with the Argon2id call inside that unlock timed on its own.
Target: (picked -> rebuilt) + (Unlock -> shown) <= that KDF + 2 s. The typing of the
passphrase, which a person does in between, is not counted. Runs are one after the other in
one process; each is judged against its own KDF, so load falls on both sides alike.

Usage: python bench/web_photo.py [--runs 3] [--memory-mib 256] [--time-cost 3]
                                 [--parallelism 4] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from pathlib import Path

from _common import PASSPHRASE, ROOT, build_vault, machine, make_entries, median, ms, table
from web import CHROMIUM_ARGS, SHOWN, TIME_KDF

from vault import KdfParams, KitOptions, VaultFile, make_kit
from vault.paper.pages import render_pdf_pages
from vault.web.page import build_page

sys.path.insert(0, str(ROOT / "tests"))
from support import degrade

SLACK = 2.0  # seconds the issue allows on top of the KDF

MEASURE = """() => [
  performance.measure('p', 'rvault-photos-picked', 'rvault-rebuilt').duration,
  performance.measure('u', 'rvault-unlock', 'rvault-shown').duration,
  performance.measure('k', 'bench-kdf-start', 'bench-kdf-end').duration]"""


def main() -> None:
    """Build a one-sheet kit, photograph it, and time the page from photo to entries."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--memory-mib", type=int, default=256)
    ap.add_argument("--time-cost", type=int, default=3)
    ap.add_argument("--parallelism", type=int, default=4)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = ap.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("needs Playwright: pip install -e '.[test]'")
    if not Path(args.chromium).exists():
        sys.exit("needs Chromium: apt-get install chromium")
    kdf = KdfParams(args.time_cost, args.memory_mib * 1024, args.parallelism)
    print(machine())
    print(f"Argon2id {kdf.describe()}; {args.runs} runs per input")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        vf = VaultFile(d / "v.rvault")
        build_vault(vf, PASSPHRASE, kdf, make_entries(12))
        report = make_kit(vf, PASSPHRASE, d / "kit.pdf", KitOptions(page=False))
        pages = list(render_pdf_pages((d / "kit.pdf").read_bytes(), dpi=300))
        sheets = [p for p in pages if p.getbbox() and _has_codes(p)]
        if len(sheets) != 1:
            sys.exit(f"expected a one-sheet kit, got {len(sheets)} codes sheets")
        scan = d / "scan.png"
        sheets[0].save(scan)
        photo = d / "IMG_0001.jpg"
        out = io.BytesIO()
        degrade.photo(sheets[0], seed=5, tilt=20).save(out, format="JPEG", quality=85)
        photo.write_bytes(out.getvalue())
        blank = d / "rvault-restore.html"
        blank.write_bytes(build_page(None))
        print(f"kit: {report.n} codes, {report.k} needed; photo {photo.stat().st_size} bytes")
        rows, verdicts = [], []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for name, image in (("phone photo, 12 MP JPEG", photo), ("scan, 300 dpi PNG", scan)):
                picked, unlocked, kdfs = [], [], []
                for _ in range(args.runs + 1):  # the first is a warm-up
                    context = browser.new_context()
                    tab = context.new_page()
                    tab.goto(blank.as_uri())
                    tab.locator("body[data-ready='true']").wait_for(state="attached")
                    tab.evaluate(TIME_KDF)
                    tab.get_by_role("button", name="Rebuild from the paper kit").click()
                    tab.locator("#kit-photos").set_input_files(image)
                    tab.locator("#restore-done").wait_for(state="visible", timeout=300_000)
                    tab.get_by_role("button", name="Unlock it here").click()
                    tab.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
                    tab.get_by_role("button", name="Unlock").click()
                    tab.locator("#vault-view").wait_for(state="visible", timeout=300_000)
                    tab.evaluate(SHOWN)
                    p, u, k = (float(x) / 1000 for x in tab.evaluate(MEASURE))
                    context.close()
                    picked.append(p)
                    unlocked.append(u)
                    kdfs.append(k)
                picked, unlocked, kdfs = picked[1:], unlocked[1:], kdfs[1:]
                over = [p + u - k for p, u, k in zip(picked, unlocked, kdfs, strict=True)]
                ok = median(over) <= SLACK
                verdicts.append(ok)
                rows.append(
                    [
                        name,
                        ms(median(picked)),
                        ms(median(unlocked)),
                        ms(median(kdfs)),
                        ms(median([p + u for p, u in zip(picked, unlocked, strict=True)])),
                        f"{median(over):+.2f} s",
                        "met" if ok else "MISSED",
                    ]
                )
            browser.close()
    headers = [
        "input",
        "picked -> rebuilt",
        "Unlock -> shown",
        "its KDF",
        "machine total",
        "total - KDF",
        f"target <= KDF + {SLACK:.0f} s",
    ]
    print(table(headers, rows))
    print("verdict:", "met" if all(verdicts) else "MISSED")


def _has_codes(img: object) -> bool:
    """Whether a rendered page holds rvault codes (zxing-cpp, as the CLI reads them)."""
    from vault.paper.scan import decode_image

    return bool(decode_image(img))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
