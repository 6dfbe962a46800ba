"""Real kits and the ways paper and cameras damage them, for tests/test_degradation.py and
bench/degradation.py.

Kits are real: a vault built through the library (real Argon2id at a cheap cost), printed by
vault.paper.kit.make_kit, rendered by PDFium at 300 dpi. The damage is done with PIL alone (no
numpy) and every random choice comes from a seeded random.Random, so a case is the same
image on every run and every machine.
"""

from __future__ import annotations

import io
import math
import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from vault import Entry, KdfParams, VaultFile
from vault.paper.kit import KitOptions, make_kit
from vault.paper.layout import CODES_PER_PAGE, data_layout
from vault.paper.pages import render_pdf_pages

DPI = 300
PASSPHRASE = "correct horse battery staple"
# Real Argon2id, just small: these vaults are never opened in the tests that use them.
CHEAP_KDF = KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
PHOTO_SIZE = (3000, 4000)  # 12 megapixels, portrait
_SHEET = re.compile(r"codes sheet (\d+) of (\d+)")
_CREATED = "2026-01-01T00:00:00Z"
Box = tuple[int, int, int, int]


# --- kits --------------------------------------------------------------------------------


@dataclass
class Kit:
    """A printed kit: the vault bytes it holds, its PDF and every page rendered at 300 dpi."""

    vault: bytes
    pdf: bytes
    n: int
    k: int
    pages: list[Image.Image]
    sheet_page: dict[int, int]  # codes sheet (1-based) -> page (0-based)
    paper: str = "a4"

    @property
    def budget(self) -> int:
        """Codes that may be lost: the erasure budget n - k."""
        return self.n - self.k

    @property
    def sheets(self) -> list[int]:
        """0-based pages that hold codes, in order."""
        return [self.sheet_page[s] for s in sorted(self.sheet_page)]

    def page_of(self, index: int) -> int:
        """0-based page holding code `index` (0-based)."""
        return self.sheet_page[index // CODES_PER_PAGE + 1]

    def code_box(self, index: int) -> Box:
        """Pixel box of code `index`'s symbol (without quiet zone) on its 300 dpi page."""
        lay = data_layout(self.paper)
        s = lay.symbols[index % CODES_PER_PAGE]
        scale, h = DPI / 72, lay.page[1]
        return (
            math.floor(s.x0 * scale),
            math.floor((h - s.y1) * scale),
            math.ceil(s.x1 * scale),
            math.ceil((h - s.y0) * scale),
        )


def build_kit(folder: Path, vault_bytes: int, name: str = "kit", seed: int = 1) -> Kit:
    """A vault of about vault_bytes on disk, printed with make_kit's defaults (A4, 25%).

    Every random choice (ids, keys, salts, nonces, the notes) comes from `seed` and every
    timestamp is fixed, so the same kit, down to each QR module, is printed on every run.
    """
    rng = random.Random(seed)

    def randbytes(count: int) -> bytes:
        return rng.randbytes(count)

    vf = VaultFile(folder / f"{name}.rvault", lock_timeout=10, rng=randbytes)
    vf.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    with vf.edit(PASSPHRASE) as v:
        # Random hex compresses about 2:1; the vault is judged by its compressed payload.
        header = len(vf.current_bytes()) - len(zlib.compress(v.to_bytes(), 9))
        i = 0
        while header + len(zlib.compress(v.to_bytes(), 9)) < vault_bytes or not v.entries:
            note = rng.randbytes(600).hex()
            v.entries.append(
                Entry(f"note {i:03d}", "note", secret=note, id=f"{i:032x}", created=_CREATED)
            )
            i += 1
    report = make_kit(vf, PASSPHRASE, folder / f"{name}.pdf", KitOptions(), rng=randbytes)
    before = vf.path.read_bytes()  # the printed file: the generation that records its kit
    pdf = (folder / f"{name}.pdf").read_bytes()
    pages = list(render_pdf_pages(pdf, dpi=DPI))
    doc = pypdfium2.PdfDocument(pdf)
    try:
        texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()
    sheet_page = {int(m[1]): i for i, t in enumerate(texts) if (m := _SHEET.search(t))}
    return Kit(before, pdf, report.n, report.k, pages, sheet_page)


# --- camera and scanner ------------------------------------------------------------------


def blur(img: Image.Image, radius: float) -> Image.Image:
    """Gaussian blur (out of focus, or a cheap scanner's optics)."""
    return img.filter(ImageFilter.GaussianBlur(radius))


def noise_image(size: tuple[int, int], sigma: float, seed: int) -> Image.Image:
    """Approximately Gaussian noise around 128 with standard deviation sigma (seeded).

    The mean of three uniform bytes has a standard deviation of 255 / sqrt(36) = 42.5 and a
    bell shape; Image.effect_noise would be Gaussian but draws from C's unseeded rand().
    """
    rng = random.Random(seed)
    count = size[0] * size[1]
    planes = [Image.frombytes("L", size, rng.randbytes(count)) for _ in range(3)]
    mean = Image.blend(Image.blend(planes[0], planes[1], 0.5), planes[2], 1 / 3)
    gain = sigma / 42.5
    return mean.point(lambda v: round(128 + (v - 128) * gain))


def noise(img: Image.Image, sigma: float, seed: int = 1) -> Image.Image:
    """Additive sensor noise of standard deviation sigma grey levels."""
    return ImageChops.add(img.convert("L"), noise_image(img.size, sigma, seed), 1.0, -128)


def rotate(img: Image.Image, degrees: float) -> Image.Image:
    """Rotated counter-clockwise; quarter turns are exact, other angles fill with white."""
    quarter = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180}
    quarter[270] = Image.Transpose.ROTATE_270
    if degrees % 360 in quarter:
        return img.transpose(quarter[int(degrees % 360)])
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    """The image after a round trip through JPEG at quality (4:2:0 for colour, as phones)."""
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality)
    out.seek(0)
    return Image.open(out).copy()


def downscale(img: Image.Image, dpi: int) -> Image.Image:
    """A 300 dpi page as a scanner would give it at dpi (area averaging, as a sensor does)."""
    size = (round(img.width * dpi / DPI), round(img.height * dpi / DPI))
    return img.resize(size, Image.Resampling.BOX)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """x with a x = b (Gaussian elimination with partial pivoting; a is small and square)."""
    n = len(b)
    m = [[*row, v] for row, v in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[r][n] / m[r][r] for r in range(n)]


def perspective_coeffs(
    src: Sequence[tuple[float, float]], dst: Sequence[tuple[float, float]]
) -> list[float]:
    """PIL's 8 PERSPECTIVE coefficients mapping output points dst back to input points src."""
    a: list[list[float]] = []
    b: list[float] = []
    for (xi, yi), (xo, yo) in zip(src, dst, strict=True):
        a.append([xo, yo, 1, 0, 0, 0, -xo * xi, -yo * xi])
        b.append(xi)
        a.append([0, 0, 0, xo, yo, 1, -xo * yi, -yo * yi])
        b.append(yi)
    return _solve(a, b)


def camera_quad(
    size: tuple[int, int], tilt: float, turn: float, roll: float, fov: float = 65.0
) -> list[tuple[float, float]]:
    """Where a page's corners land in a pinhole camera's picture (page-sized units, centred).

    The page is seen tilted by `tilt` degrees (top edge away from the camera) and turned by
    `turn` degrees about its vertical axis, rotated by `roll` in its plane, from the distance
    at which it fills a `fov`-degree field of view (a phone's main camera is about 65-75).
    """
    w, h = size
    dist = max(w, h) / 2 / math.tan(math.radians(fov / 2))
    t, u, r = (math.radians(x) for x in (tilt, turn, roll))
    out = []
    for x, y in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        x, y = x * math.cos(r) - y * math.sin(r), x * math.sin(r) + y * math.cos(r)
        y, z = y * math.cos(t), -y * math.sin(t)  # tilt about the x axis: top recedes
        x, z = x * math.cos(u) + z * math.sin(u), -x * math.sin(u) + z * math.cos(u)
        out.append((dist * x / (dist + z), dist * y / (dist + z)))
    return out


def project(
    img: Image.Image,
    out_size: tuple[int, int],
    quad: Sequence[tuple[float, float]],
    fill: float = 0.95,
    background: int | tuple[int, int, int] = 255,
) -> Image.Image:
    """img warped so that its corners land on quad, scaled to fill `fill` of out_size."""
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    scale = fill * min(out_size[0] / (max(xs) - min(xs)), out_size[1] / (max(ys) - min(ys)))
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    dst = [
        (out_size[0] / 2 + (x - cx) * scale, out_size[1] / 2 + (y - cy) * scale) for x, y in quad
    ]
    src = [(0, 0), (img.width, 0), (img.width, img.height), (0, img.height)]
    coeffs = perspective_coeffs(src, dst)
    mode = "RGB" if isinstance(background, tuple) else "L"
    page = img.convert(mode)
    # The page is drawn over the background through a mask warped the same way.
    mask = Image.new("L", img.size, 255).transform(
        out_size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR
    )
    warped = page.transform(out_size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    canvas = Image.new(mode, out_size, background)
    canvas.paste(warped, (0, 0), mask)
    return canvas


def perspective(img: Image.Image, tilt: float, turn: float = 0.0, roll: float = 0.0) -> Image.Image:
    """The page photographed at an angle, on a white canvas the size of the original."""
    return project(img, img.size, camera_quad(img.size, tilt, turn, roll))


def lighting(size: tuple[int, int], darkest: float, shadow: float, seed: int) -> Image.Image:
    """A light map (255 = full light): a smooth fall-off to `darkest` across the page from a
    random side, and a soft diagonal shadow band (a hand or a phone) dimming to `shadow`."""
    rng = random.Random(seed)
    small = Image.new("L", (64, 64))
    angle = rng.uniform(0, 2 * math.pi)
    dx, dy = math.cos(angle), math.sin(angle)
    px = small.load()
    assert px is not None
    for y in range(64):
        for x in range(64):
            # Position along the light's direction, 0..1 across the page; a vignette on top.
            along = ((x / 63 - 0.5) * dx + (y / 63 - 0.5) * dy) / math.sqrt(2) + 0.5
            edge = ((x / 63 - 0.5) ** 2 + (y / 63 - 0.5) ** 2) * 2
            light = 1 - (1 - darkest) * (0.75 * along + 0.25 * edge)
            px[x, y] = round(255 * max(darkest, min(1.0, light)))
    light_map = small.resize(size, Image.Resampling.BILINEAR)
    if shadow < 1:
        band = Image.new("L", size, 255)
        w, h = size
        x0 = rng.uniform(0.2, 0.6) * w
        width = rng.uniform(0.15, 0.25) * w
        slope = rng.uniform(-0.4, 0.4) * w
        ImageDraw.Draw(band).polygon(
            [(x0, -10), (x0 + width, -10), (x0 + width + slope, h + 10), (x0 + slope, h + 10)],
            fill=round(255 * shadow),
        )
        band = band.filter(ImageFilter.BoxBlur(w // 40)).filter(ImageFilter.BoxBlur(w // 40))
        light_map = ImageChops.multiply(light_map, band)
    return light_map


def uneven_light(
    img: Image.Image, darkest: float, shadow: float = 1.0, seed: int = 1
) -> Image.Image:
    """The page under uneven light: brightest on one side, `darkest` (0..1) on the other."""
    return ImageChops.multiply(img.convert("L"), lighting(img.size, darkest, shadow, seed))


def _backdrop(size: tuple[int, int], seed: int) -> Image.Image:
    """A dark, grainy, wood-like table top."""
    rng = random.Random(seed)
    base = rng.choice([(70, 50, 35), (45, 45, 50), (110, 85, 60)])
    grain = noise_image((size[0] // 8, size[1] // 8), 30, seed).resize(
        size, Image.Resampling.BILINEAR
    )
    grain = grain.filter(ImageFilter.GaussianBlur(3))
    table = Image.new("RGB", size, base)
    return ImageChops.add(table, Image.merge("RGB", [grain] * 3), 1.0, -128)


def photo(
    img: Image.Image,
    seed: int,
    tilt: float = 15.0,
    roll: float | None = None,
    fill: float = 0.85,
    quality: int = 80,
    size: tuple[int, int] = PHOTO_SIZE,
) -> Image.Image:
    """A 12 MP colour phone photo of the page lying on a table: held at `tilt` degrees, turned
    a little and rotated by `roll` (random if None), lit unevenly with a soft shadow, with a
    camera's slight blur and noise, saved as JPEG at `quality`."""
    rng = random.Random(seed)
    roll = rng.uniform(-8, 8) if roll is None else roll
    quad = camera_quad(img.size, tilt, rng.uniform(-6, 6), roll)
    scene = project(img, size, quad, fill, background=(0, 0, 0))
    mask = project(Image.new("L", img.size, 255), size, quad, fill, background=0)
    scene = Image.composite(scene, _backdrop(size, seed), mask)
    warm = Image.merge("RGB", [lighting(size, 0.55, 0.7, seed)] * 3)
    scene = ImageChops.multiply(scene, warm)
    scene = scene.filter(ImageFilter.GaussianBlur(0.7))
    grain = Image.merge("RGB", [noise_image(size, 4, seed + 1)] * 3)
    scene = ImageChops.add(scene, grain, 1.0, -128)
    return jpeg(scene, quality)


# --- physical damage ---------------------------------------------------------------------


def ink_blot(img: Image.Image, box: Box, seed: int) -> Image.Image:
    """Dark ink or coffee blots over a code: a large blob over its top half covers two of its
    three finder squares, which no QR error correction survives, plus a few splashes."""
    rng = random.Random(seed)
    out = img.copy()
    draw = ImageDraw.Draw(out)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    draw.ellipse((x0 - w * 0.05, y0 - h * 0.05, x1 + w * 0.05, y0 + h * 0.45), fill=35)
    for _ in range(6):
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        r = rng.uniform(0.05, 0.15) * w
        draw.ellipse((cx - r, cy - r * rng.uniform(0.6, 1.4), cx + r, cy + r), fill=50)
    return out


def missing_strip(img: Image.Image, y0: int, y1: int, fill: int = 0) -> Image.Image:
    """A band across the whole page gone: torn off (fill 0, the dark table behind) or a
    worn-through fold (fill 255)."""
    out = img.copy()
    ImageDraw.Draw(out).rectangle((0, y0, img.width, y1), fill=fill)
    return out


def strip_through(kit: Kit, indexes: Sequence[int]) -> tuple[int, int]:
    """Rows (y0, y1) of a band across the middle third of each of these codes (one row)."""
    boxes = [kit.code_box(i) for i in indexes]
    top, bottom = max(b[1] for b in boxes), min(b[3] for b in boxes)
    third = (bottom - top) // 3
    return top + third, bottom - third


def torn_column(img: Image.Image, kit: Kit, column: int) -> Image.Image:
    """A strip torn off down the whole page through the middle of a column of codes."""
    x0, _, x1, _ = kit.code_box(column)
    third = (x1 - x0) // 3
    out = img.copy()
    ImageDraw.Draw(out).rectangle((x0 + third, 0, x1 - third, img.height), fill=0)
    return out


def destroy(kit: Kit, lost: Sequence[int], seed: int = 1) -> dict[int, Image.Image]:
    """Every codes sheet (0-based page -> image), with the `lost` codes destroyed.

    Two lost codes side by side on one row go together under one strip across the page:
    torn off (black, the table behind) on the first and third rows, a worn-through fold
    (white) on the second. Other lost codes are hidden under ink blots.
    """
    pages = {p: kit.pages[p] for p in kit.sheets}
    todo = sorted(lost)
    while todo:
        i = todo.pop(0)
        page = kit.page_of(i)
        if i % 2 == 0 and i + 1 in todo:
            todo.remove(i + 1)
            y0, y1 = strip_through(kit, [i, i + 1])
            row = i % CODES_PER_PAGE // 2
            pages[page] = missing_strip(pages[page], y0, y1, fill=255 if row == 1 else 0)
        else:
            pages[page] = ink_blot(pages[page], kit.code_box(i), seed + i)
    return pages
