"""Which QR error-correction level, and how much cross-code parity? Degraded renders decide.

For the QR levels L, M and Q, a codes sheet is built with the library's own renderer
(vault.paper.kit_pdf.render_kit: A4, 2 x 3 grid of version-40 codes at the same module size), with
vault.paper.qr.QR_EC_LEVEL and MAX_FRAME_CHARS switched in this process for M and Q. Each of the
six codes is a full frame (vault.paper.frames.encode over random bytes with the largest block that
fits the level's alphanumeric capacity: L 4,296, M 3,391, Q 2,420 characters).

The sheet is rendered at 300, 200 and 150 dpi, degraded with PIL only (blur, additive Gaussian
noise, JPEG, rotation, a 150 dpi round trip, a harsh combination, and blots over a finder
pattern or the data area), and decoded with vault.paper.scan.decode_image, every pass. Every seed
draws a new payload (so new code patterns), new noise and a new rotation angle.

Printed: codes read / codes present per level and degradation; the payload per A4 sheet at
25% parity for each level; and, from the measured per-code loss rates, the probability that a
~60 KB vault's kit restores (binomial: P(lost <= n - k), codes lost independently).

Usage: python bench/qr_levels.py [--seeds 4] [--workers 2] [--vault-bytes 60000]
"""

from __future__ import annotations

import argparse
import io
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from multiprocessing import get_context
from statistics import NormalDist, pstdev
from typing import TYPE_CHECKING

from _common import machine, table

from vault.paper import qr
from vault.paper.frames import MIN_SPARE, OVERHEAD, TAG, encode
from vault.paper.kit import DEFAULT_PARITY, max_block
from vault.paper.kit_pdf import KitFacts, render_kit
from vault.paper.layout import CODES_PER_PAGE, MM, data_layout
from vault.paper.scan import decode_image

if TYPE_CHECKING:
    from PIL.Image import Image

# Version-40 alphanumeric capacity per level (H, 1,852, is left out: 3.6 KB per sheet).
CAPACITY = {"L": 4296, "M": 3391, "Q": 2420}
DPIS = (300, 200, 150)
HARSH_NOISE = 20


# --- the page --------------------------------------------------------------------------------


def set_level(level: str) -> None:
    """Make the library draw `level` codes holding up to that level's capacity."""
    qr.QR_EC_LEVEL = level
    qr.MAX_FRAME_CHARS = CAPACITY[level]


def level_block(level: str) -> int:
    """kit.max_block() for a level: (capacity - tag) base32 characters, less the frame head."""
    return (CAPACITY[level] - len(TAG)) * 5 // 8 - OVERHEAD


def sheet_bytes(level: str, parity: float = DEFAULT_PARITY) -> float:
    """Payload of a full codes sheet: 6 codes x k/n x block."""
    return CODES_PER_PAGE * level_block(level) * 100 / (100 + parity)


def make_sheet(level: str, seed: int) -> tuple[bytes, set[str]]:
    """A kit PDF (cover + one codes sheet of six full codes) and the six code texts."""
    set_level(level)
    block = max_block()
    assert block == level_block(level)
    rng = random.Random(f"{level}-{seed}")
    data = rng.randbytes(4 * block)  # k = 4, n = 6 at 25% parity: six full codes
    vault_id, kit_id = rng.randbytes(16), rng.randbytes(8)
    frames = encode(data, vault_id, kit_id, 1, block, DEFAULT_PARITY)
    assert (frames[0].n, frames[0].k) == (CODES_PER_PAGE, 4)
    texts = {f.to_text() for f in frames}
    assert all(CAPACITY[level] - 8 < len(t) <= CAPACITY[level] for t in texts)
    facts = KitFacts(
        printed="2026-11-24",
        vault_id=vault_id,
        kit_id=kit_id,
        generation=1,
        entry_count=0,
        kdf="Argon2id, 256 MiB memory, 3 passes, 4 lanes",
        memory_mib=256,
        vault_size=len(data),
        n=len(frames),
        k=frames[0].k,
        index=None,
    )
    return render_kit(frames, facts, "a4", include_text=False), texts


def render_sheet(pdf: bytes, dpi: int) -> Image:
    """Page 2 (the codes sheet) in grayscale at dpi, as the kit check and the scanner render."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        image: Image = doc[1].render(scale=dpi / 72, grayscale=True).to_pil()
        return image
    finally:
        doc.close()


# --- degradations (PIL only, seeded) ---------------------------------------------------------


@cache
def _noise_lut(sigma: float) -> list[int]:
    # Uniform bytes -> Gaussian via the inverse CDF at 256 points, rescaled so the discrete
    # distribution's standard deviation is sigma; centred on 128 for ImageChops.add's offset.
    raw = [NormalDist().inv_cdf((u + 0.5) / 256) for u in range(256)]
    gain = sigma / pstdev(raw)
    return [max(0, min(255, round(128 + gain * v))) for v in raw]


def noise(img: Image, sigma: float, rng: random.Random) -> Image:
    """Additive Gaussian noise of standard deviation sigma (grey levels), clipped to 0..255."""
    from PIL import Image as PILImage
    from PIL import ImageChops

    field = PILImage.frombytes("L", img.size, rng.randbytes(img.width * img.height))
    return ImageChops.add(img, field.point(_noise_lut(sigma)), scale=1.0, offset=-128)


def blur(img: Image, radius: float) -> Image:
    from PIL import ImageFilter

    return img.filter(ImageFilter.GaussianBlur(radius))  # radius is the Gaussian's sigma


def jpeg(img: Image, quality: int) -> Image:
    from PIL import Image as PILImage

    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    out = PILImage.open(buf)
    out.load()
    return out


def rotate(img: Image, degrees: float) -> Image:
    from PIL import Image as PILImage

    return img.rotate(degrees, PILImage.Resampling.BICUBIC, expand=True, fillcolor=255)


def round_trip(img: Image, factor: int = 2) -> Image:
    """Down to 1/factor of the resolution (a 150 dpi scan of a 300 dpi render) and back."""
    from PIL import Image as PILImage

    small = img.resize((img.width // factor, img.height // factor), PILImage.Resampling.BOX)
    return small.resize(img.size, PILImage.Resampling.BICUBIC)


def blots(img: Image, dpi: int, rng: random.Random, where: str, modules: int) -> Image:
    """A white square `modules` wide on every code: over its top-left finder, or in its data."""
    from PIL import ImageDraw

    layout = data_layout("a4")
    scale = dpi / 72
    module_px = layout.module_mm * MM * scale
    out = img.copy()
    draw = ImageDraw.Draw(out)
    for sym in layout.symbols:
        left, top = sym.x0 * scale, (layout.page[1] - sym.y1) * scale
        if where == "finder":  # the finder is 7 x 7 modules; cover its middle
            mx = my = 3.5 - modules / 2
        else:  # anywhere clear of the three finders and their separators
            mx, my = rng.uniform(9, 177 - 9 - modules), rng.uniform(9, 177 - 9 - modules)
        x0, y0 = left + mx * module_px, top + my * module_px
        side = modules * module_px
        draw.rectangle((x0, y0, x0 + side, y0 + side), fill=255)
    return out


def harsh(img: Image, rng: random.Random) -> Image:
    """A bad phone photo: 3 degrees askew, out of focus, grainy, heavily compressed."""
    tilted = rotate(img, 3 * rng.choice((-1, 1)))
    return jpeg(noise(blur(tilted, 1.5), HARSH_NOISE, rng), 30)


Degrade = Callable[["Image", int, random.Random], "Image"]
DEGRADATIONS: list[tuple[str, Degrade]] = [
    ("clean", lambda im, dpi, r: im),
    ("blur 1.0 px", lambda im, dpi, r: blur(im, 1.0)),
    ("blur 1.5 px", lambda im, dpi, r: blur(im, 1.5)),
    ("blur 2.0 px", lambda im, dpi, r: blur(im, 2.0)),
    ("blur 2.5 px", lambda im, dpi, r: blur(im, 2.5)),
    ("noise sigma 20", lambda im, dpi, r: noise(im, 20, r)),
    ("noise sigma 40", lambda im, dpi, r: noise(im, 40, r)),
    ("JPEG q30", lambda im, dpi, r: jpeg(im, 30)),
    ("rotate 2-3 deg", lambda im, dpi, r: rotate(im, r.uniform(2, 3) * r.choice((-1, 1)))),
    ("150 dpi round trip", lambda im, dpi, r: round_trip(im)),
    ("harsh: rot 3 + blur 1.5 + noise 20 + JPEG 30", lambda im, dpi, r: harsh(im, r)),
    ("blot 4x4 modules on a finder", lambda im, dpi, r: blots(im, dpi, r, "finder", 4)),
    ("blot 30x30 modules in the data", lambda im, dpi, r: blots(im, dpi, r, "data", 30)),
    ("blot 45x45 modules in the data", lambda im, dpi, r: blots(im, dpi, r, "data", 45)),
    ("blot 60x60 modules in the data", lambda im, dpi, r: blots(im, dpi, r, "data", 60)),
    ("blot 75x75 modules in the data", lambda im, dpi, r: blots(im, dpi, r, "data", 75)),
]
SKIP = {(150, "150 dpi round trip")}  # a 150 dpi render is that case already

Result = tuple[str, int, str, int, int, int, float]  # level, dpi, case, read, present, wrong, s


def run_task(task: tuple[str, int, int]) -> list[Result]:
    """One level, one seed, one resolution: every degradation, decoded with every pass."""
    level, seed, dpi = task
    pdf, texts = make_sheet(level, seed)
    clean = render_sheet(pdf, dpi)
    out = []
    for case_no, (name, degrade) in enumerate(DEGRADATIONS):
        if (dpi, name) in SKIP:
            continue
        rng = random.Random(f"{level}-{seed}-{dpi}-{case_no}")
        img = degrade(clean, dpi, rng)
        start = time.perf_counter()
        found = set(decode_image(img))
        seconds = time.perf_counter() - start
        out.append((level, dpi, name, len(found & texts), len(texts), len(found - texts), seconds))
    return out


# --- what the loss rates mean for a kit ------------------------------------------------------


def plan(vault_bytes: int, level: str, parity: float = DEFAULT_PARITY) -> tuple[int, int]:
    """(k, n) as vault.paper.frames.plan gives them for this level's block."""
    k = -(-vault_bytes // level_block(level))
    return k, k + max(MIN_SPARE, math.ceil(k * parity / 100))


def p_restore(n: int, k: int, loss: float) -> float:
    """P(at most n - k of n codes lost), each lost independently with probability loss."""
    fail = sum(math.comb(n, j) * loss**j * (1 - loss) ** (n - j) for j in range(n - k + 1, n + 1))
    return 1 - fail


def fmt_p(p: float) -> str:
    if p >= 0.9995 and p < 1:
        return f"1-{1 - p:.0e}"
    return "1" if p == 1 else f"{p:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", type=int, default=4, help="pages per level and dpi (default 4)")
    ap.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    ap.add_argument("--vault-bytes", type=int, default=60_000, help="vault for P(restore)")
    args = ap.parse_args()

    print(f"machine: {machine()}")
    layout = data_layout("a4")
    print(
        f"A4 codes sheet: 2 x 3 version-40 codes, {layout.module_mm} mm modules "
        f"({', '.join(f'{layout.module_mm / 25.4 * d:.1f} px at {d} dpi' for d in DPIS)}), "
        "the same for every level"
    )
    print()
    rows = []
    for level in CAPACITY:
        k, n = plan(args.vault_bytes, level)
        rows.append(
            [
                level,
                f"{CAPACITY[level]:,}",
                f"{level_block(level):,}",
                f"{sheet_bytes(level):,.0f}",
                f"{sheet_bytes(level) / 1024:.1f}",
                f"{k} + {n - k} = {n}",
                -(-n // CODES_PER_PAGE),
            ]
        )
    print(
        table(
            [
                "level",
                "chars",
                "block bytes",
                "bytes/sheet",
                "KiB/sheet",
                f"{args.vault_bytes:,} B: k + spare = n",
                "sheets",
            ],
            rows,
        )
    )
    print(f"(at {DEFAULT_PARITY:g}% parity, at least {MIN_SPARE} spare codes)")

    tasks = [(lv, seed, dpi) for dpi in DPIS for lv in CAPACITY for seed in range(args.seeds)]
    results: list[Result] = []
    start = time.perf_counter()
    # Everything stays in memory: no file is written.
    if args.workers > 1:
        ctx = get_context("spawn")
        with ProcessPoolExecutor(args.workers, mp_context=ctx) as pool:
            for part in pool.map(run_task, tasks):
                results.extend(part)
    else:
        for task in tasks:
            results.extend(run_task(task))
    elapsed = time.perf_counter() - start

    tally: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    decode_s: dict[int, list[float]] = defaultdict(list)
    for level, dpi, name, read, present, wrong, seconds in results:
        cell = tally[dpi, name, level]
        cell[0] += read
        cell[1] += present
        cell[2] += wrong
        decode_s[dpi].append(seconds)
    wrong_total = sum(c[2] for c in tally.values())

    losses: dict[tuple[int, str, str], float] = {}
    for dpi in DPIS:
        print()
        rows = []
        for name, _ in DEGRADATIONS:
            if (dpi, name) in SKIP:
                continue
            row = [name]
            for level in CAPACITY:
                read, present, _ = tally[dpi, name, level]
                losses[dpi, name, level] = 1 - read / present
                row.append(f"{read}/{present}")
            rows.append(row)
        print(table([f"codes read at {dpi} dpi", *CAPACITY], rows))

    plans = {lv: plan(args.vault_bytes, lv) for lv in CAPACITY}
    k_l, n_m = plans["L"][0], plans["M"][1]
    for dpi in DPIS:
        print()
        rows = []
        for name, _ in DEGRADATIONS:
            if (dpi, name) in SKIP:
                continue
            row = [name]
            for level in CAPACITY:
                k, n = plans[level]
                row.append(fmt_p(p_restore(n, k, losses[dpi, name, level])))
            row.append(fmt_p(p_restore(n_m, k_l, losses[dpi, name, "L"])))
            rows.append(row)
        heads = [f"{lv} {n - k}/{n}" for lv, (k, n) in plans.items()]
        print(table([f"P(restore) at {dpi} dpi", *heads, f"L {n_m - k_l}/{n_m}"], rows))
    print(
        f"(a {args.vault_bytes:,}-byte vault at {DEFAULT_PARITY:g}% parity: 'L s/n' = s "
        f"spare codes of n. The last column is L printed on as many codes as M needs. Each "
        f"code lost independently at the rate measured above, from {args.seeds * 6} codes "
        "per cell, so 0 lost means a rate below ~3/that, not zero)"
    )
    print()
    med = {dpi: sorted(v)[len(v) // 2] for dpi, v in decode_s.items()}
    print(
        "decode_image (all passes), median per sheet: "
        + ", ".join(f"{med[d] * 1000:.0f} ms at {d} dpi" for d in DPIS)
        + "; codes decoded to a text that is not one of the "
        f"sheet's: {wrong_total}; {len(tasks)} sheets in {elapsed:.0f} s with "
        f"{args.workers} workers"
    )


if __name__ == "__main__":
    main()
