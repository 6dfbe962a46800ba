"""rvault side by side with qr-backup (github.com/za3k/qr-backup), the closest peer tool.

For payloads of 1, 4, 16 and 64 KB (random bytes, as an encrypted vault is), each tool with its
defaults: rvault a vault of that size (`make_kit`: build and self-verification, A4, QR level
L, erasure coding across codes), qr-backup the same bytes as a file (gzip, no encryption,
Reed-Solomon erasure codes over QR version 10 level M; its self-restore check runs only when
zbarimg is installed and is then part of its time). Both printouts are rendered by PDFium and
restored from PNG images:

* build: the tool's own run, wall time;
* restore, 300 dpi, every page; restore at 150 dpi; restore at 300 dpi with a fifth of the
  codes painted over (white boxes where zxing-cpp finds each code), restored or not;
* sheets printed.

qr-backup runs when it is installed (`qr-backup` on PATH, or --qr-backup "python3
/path/to/qr-backup"; its restore needs zbarimg, Debian's zbar-tools); otherwise the script
says so and prints rvault's side alone.

Usage: python bench/peer_qr_backup.py [--sizes 1,4,16,64] [--qr-backup CMD]
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, child_env, machine, rvault_command, table
from PIL import Image, ImageDraw

sys.path.insert(0, str(ROOT / "tests"))
from support.degrade import PASSPHRASE, build_kit

from vault.paper.pages import render_pdf_pages


def timed(
    argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, bool]:
    """Wall time of a command and whether it succeeded."""
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - start, proc.returncode == 0


def pages_at(pdf: Path, dpi: int, folder: Path) -> list[Image.Image]:
    """The PDF's pages rendered by PDFium, saved as PNG files in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = list(render_pdf_pages(pdf.read_bytes(), dpi=dpi))
    for i, page in enumerate(pages):
        page.save(folder / f"page-{i + 1:03d}.png")
    return pages


def painted_over(pages: list[Image.Image], folder: Path, fraction: float, seed: int) -> int:
    """The pages with `fraction` of their QR codes (as zxing-cpp finds them) painted white."""
    import zxingcpp

    rng = random.Random(seed)
    boxes = []
    for i, page in enumerate(pages):
        for code in zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode):
            p = code.position
            xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
            ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
            boxes.append((i, (min(xs), min(ys), max(xs), max(ys))))
    chosen = rng.sample(boxes, max(1, round(len(boxes) * fraction)))
    folder.mkdir(parents=True, exist_ok=True)
    for i, page in enumerate(pages):
        copy = page.copy()
        for j, box in chosen:
            if j == i:
                ImageDraw.Draw(copy).rectangle(box, fill=255)
        copy.save(folder / f"page-{i + 1:03d}.png")
    return len(chosen)


def rvault_side(kb: int, d: Path, env: dict[str, str]) -> list[str]:
    """rvault's build, restores and sheets for a vault of about kb KB."""
    kit = build_kit(d, kb * 1024, name="kit")  # the vault, its kit and its pages rendered
    (d / "kit.pdf").write_bytes(kit.pdf)
    # The build timed as a person runs it: `rvault kit` on the same vault, a fresh process.
    (d / "again.rvault").write_bytes(kit.vault)
    (d / "pw").write_text(PASSPHRASE + "\n")
    build, ok = timed(
        [*rvault_command(), "kit", "--vault", str(d / "again.rvault"), "--passphrase-file",
         str(d / "pw"), "--out", str(d / "again.pdf"), "--no-page"],
        env,
    )  # fmt: skip
    row = [f"rvault {kb} KB", f"{build:.2f} s" if ok else "FAILED", str(len(kit.pages))]
    for name, dpi in (("300", 300), ("150", 150)):
        pages_at(d / "kit.pdf", dpi, d / name)
        row.append(restore_rvault(d / name, d, env, kit.vault))
    painted_over(kit.pages, d / "damaged", 0.2, kb)
    row.append(restore_rvault(d / "damaged", d, env, kit.vault))
    return row


def restore_rvault(folder: Path, d: Path, env: dict[str, str], want: bytes) -> str:
    """`rvault restore` of a folder of page images: time, and whether it gave the vault back."""
    out = d / "restored.rvault"
    out.unlink(missing_ok=True)
    took, ok = timed([*rvault_command(), "restore", "--out", str(out), str(folder)], env)
    return f"{took:.2f} s" if ok and out.read_bytes() == want else f"FAILED ({took:.2f} s)"


def qr_backup_side(kb: int, d: Path, command: list[str], cwd: Path) -> list[str]:
    """qr-backup's build, restores and sheets for kb KB of random bytes."""
    payload = d / "payload.bin"
    payload.write_bytes(os.urandom(kb * 1024))
    pdf = d / "payload.qr.pdf"
    build, ok = timed([*command, "-o", str(pdf), str(payload)], cwd=cwd)
    if not ok:
        return [f"qr-backup {kb} KB", f"FAILED ({build:.2f} s)", "-", "-", "-", "-"]
    pages = pages_at(pdf, 300, d / "q300")
    row = [f"qr-backup {kb} KB", f"{build:.2f} s", str(len(pages))]
    pages_at(pdf, 150, d / "q150")
    painted_over(pages, d / "qdamaged", 0.2, kb)
    for name in ("q300", "q150", "qdamaged"):
        out = d / "restored.bin"
        out.unlink(missing_ok=True)
        images = [str(p) for p in sorted((d / name).glob("*.png"))]
        took, ok = timed([*command, "--restore", "-o", str(out), *images], cwd=cwd)
        good = ok and out.exists() and out.read_bytes() == payload.read_bytes()
        row.append(f"{took:.2f} s" if good else f"FAILED ({took:.2f} s)")
    return row


def main() -> None:
    """Run both tools on each size and print one table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,4,16,64", help="payload sizes in KB")
    ap.add_argument("--qr-backup", default="qr-backup", help="the command that runs qr-backup")
    args = ap.parse_args()
    print(machine())
    command = shlex.split(args.qr_backup)
    found = shutil.which(command[0])
    peer = found is not None and shutil.which("zbarimg") is not None
    if not peer:
        print(
            "qr-backup is not installed (or zbarimg is missing: apt-get install zbar-tools): "
            "only rvault's side is measured. Get it from https://github.com/za3k/qr-backup "
            "(pip install pillow qrcode reedsolo), then pass "
            "--qr-backup 'python3 /path/to/qr-backup'."
        )
    # qr-backup opens its font by file name: run it from its own folder.
    cwd = Path(command[-1]).resolve().parent if peer and Path(command[-1]).exists() else None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(tmp)
        for kb in (int(s) for s in args.sizes.split(",")):
            d = Path(tmp) / f"{kb}"
            (d / "rvault").mkdir(parents=True)
            rows.append(rvault_side(kb, d / "rvault", env))
            if peer:
                (d / "peer").mkdir()
                rows.append(qr_backup_side(kb, d / "peer", command, cwd or Path.cwd()))
    headers = [
        "tool, payload",
        "build",
        "sheets",
        "restore 300 dpi",
        "150 dpi",
        "a fifth painted over",
    ]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
