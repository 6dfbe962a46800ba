"""Thirteen ways a careful phone photo or copy of a damaged kit page goes wrong, at three
severities (mild, typical, harsh): seeded models of our own, on 300 dpi greyscale renders.

Each condition is a function (page, severity 0-2, seed) -> page. They are rough physical
models, not measurements: enough to tell which preprocessing recovers which damage, and to
keep a restore honest against it (bench/harsh.py, tests/test_degradation.py).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from support import degrade

SEVERITIES = ("mild", "typical", "harsh")
Condition = Callable[[Image.Image, int, int], Image.Image]


def _blend(img: Image.Image, layer: Image.Image, mask: Image.Image) -> Image.Image:
    return Image.composite(layer, img, mask)


def curl(img: Image.Image, s: int, seed: int) -> Image.Image:
    """The page not flat: seen at an angle and bowed (a perspective tilt and a bend)."""
    tilted = degrade.perspective(img, (8, 18, 30)[s], turn=random.Random(seed).uniform(-5, 5))
    w, h = tilted.size
    bow = (6, 14, 24)[s]
    # Columns shifted down along a sine: the bend of a curled page.
    out = Image.new("L", tilted.size, 255)
    strip = 16
    for x in range(0, w, strip):
        dy = round(bow * math.sin(math.pi * x / w))
        out.paste(tilted.crop((x, 0, min(w, x + strip), h)), (x, dy))
    return out


def creases(img: Image.Image, s: int, seed: int) -> Image.Image:
    """Folds: grey lines with a light edge across the page."""
    rng = random.Random(seed)
    out = img.copy()
    draw = ImageDraw.Draw(out)
    w, h = img.size
    for _ in range((1, 2, 4)[s]):
        y0, y1 = rng.uniform(0, h), rng.uniform(0, h)
        width = (3, 6, 10)[s]
        draw.line((0, y0, w, y1), fill=(150, 120, 90)[s], width=width)
        draw.line((0, y0 + width, w, y1 + width), fill=255, width=max(1, width // 2))
    return out.filter(ImageFilter.GaussianBlur(0.8))


def glare(img: Image.Image, s: int, seed: int) -> Image.Image:
    """A lamp or a flash reflected: a bright patch that washes the print out."""
    rng = random.Random(seed)
    w, h = img.size
    spot = Image.new("L", img.size, 0)
    r = (180, 320, 480)[s]
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    ImageDraw.Draw(spot).ellipse((cx - r, cy - r, cx + r, cy + r), fill=(170, 220, 250)[s])
    spot = spot.filter(ImageFilter.GaussianBlur(r / 3))
    return ImageChops.add(img, spot)


def motion(img: Image.Image, s: int, seed: int) -> Image.Image:
    """A hand that moved: the picture smeared along one direction."""
    length = (4, 8, 14)[s]
    horizontal = random.Random(seed).random() < 0.5
    out = img.copy()
    for i in range(1, length):
        shifted = ImageChops.offset(img, i if horizontal else 0, 0 if horizontal else i)
        out = Image.blend(out, shifted, 1 / (i + 1))
    return out


def defocus(img: Image.Image, s: int, seed: int) -> Image.Image:
    """Out of focus."""
    return degrade.noise(img.filter(ImageFilter.GaussianBlur((1.8, 2.8, 3.8)[s])), 4, seed)


def low_light(img: Image.Image, s: int, seed: int) -> Image.Image:
    """A dim room: little light, so a dark, noisy, low-contrast picture."""
    gain = (0.45, 0.28, 0.16)[s]
    dark = img.point(lambda v: round(20 + v * gain))
    return degrade.noise(dark.filter(ImageFilter.GaussianBlur(0.8)), (6, 10, 14)[s], seed)


def distance(img: Image.Image, s: int, seed: int) -> Image.Image:
    """An 8 MP photo with the page small in it: fewer pixels per module."""
    scale = (0.6, 0.45, 0.34)[s]
    small = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BOX)
    return degrade.jpeg(degrade.noise(small, 4, seed), 80)


def toner(img: Image.Image, s: int, seed: int) -> Image.Image:
    """A printer low on toner: grey instead of black, and white streaks down the page."""
    rng = random.Random(seed)
    black = (90, 140, 175)[s]
    faded = img.point(lambda v: round(black + v * (255 - black) / 255))
    draw = ImageDraw.Draw(faded)
    for _ in range((3, 8, 16)[s]):
        x = rng.uniform(0, img.width)
        draw.line((x, 0, x, img.height), fill=235, width=rng.randint(2, (4, 8, 14)[s]))
    return faded


def bleed(img: Image.Image, s: int, seed: int) -> Image.Image:
    """Inkjet ink spreading into the paper: black grows into the white around it."""
    grown = img.filter(ImageFilter.MinFilter((3, 5, 5)[s]))
    if s == 2:
        grown = grown.filter(ImageFilter.MinFilter(3))
    return grown.filter(ImageFilter.GaussianBlur((1.0, 1.5, 2.0)[s]))


def stains(img: Image.Image, s: int, seed: int) -> Image.Image:
    """Coffee: brown rings and patches darkening the paper."""
    rng = random.Random(seed)
    layer = Image.new("L", img.size, 255)
    draw = ImageDraw.Draw(layer)
    for _ in range((1, 2, 3)[s]):
        r = rng.uniform(150, 350)
        cx, cy = rng.uniform(0, img.width), rng.uniform(0, img.height)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(200, 170, 140)[s])
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(140, 110, 80)[s], width=12)
    return ImageChops.multiply(img, layer.filter(ImageFilter.GaussianBlur(6)))


def out_of_frame(img: Image.Image, s: int, seed: int) -> Image.Image:
    """Part of the sheet outside the photo: one side cut off (the table shows instead)."""
    w = img.width
    cut = round(w * (0.06, 0.14, 0.24)[s])
    out = img.copy()
    ImageDraw.Draw(out).rectangle((w - cut, 0, w, img.height), fill=60)
    return out


def fax(img: Image.Image, s: int, seed: int) -> Image.Image:
    """A fax or a cheap photocopy: low resolution, hard black and white, speckles."""
    dpi = (200, 150, 100)[s]
    small = degrade.downscale(img, dpi)
    noisy = degrade.noise(small, (10, 18, 26)[s], seed)
    hard = noisy.point(lambda v: 0 if v < 128 else 255)
    return hard.resize(img.size, Image.Resampling.NEAREST)


def moire(img: Image.Image, s: int, seed: int) -> Image.Image:
    """A photo of the kit shown on a screen: interference fringes over the picture."""
    w, h = img.size
    period = (7.0, 5.5, 4.5)[s]
    amplitude = (25, 45, 70)[s]
    angle = random.Random(seed).uniform(0.2, 1.2)
    row = [
        round(128 + amplitude * math.sin(2 * math.pi * x * math.cos(angle) / period))
        for x in range(w)
    ]
    pattern = Image.new("L", (w, 1))
    pattern.putdata(row)
    pattern = pattern.resize((w, h), Image.Resampling.NEAREST).rotate(
        math.degrees(angle), resample=Image.Resampling.BILINEAR, fillcolor=128
    )
    soft = img.filter(ImageFilter.GaussianBlur(1.2))
    return ImageChops.add(soft, pattern, 1.0, -128)


CONDITIONS: dict[str, Condition] = {
    "curl": curl,
    "creases": creases,
    "glare": glare,
    "motion blur": motion,
    "defocus": defocus,
    "low light": low_light,
    "distance (8 MP)": distance,
    "toner fade and streaks": toner,
    "inkjet bleed": bleed,
    "coffee stains": stains,
    "partly out of frame": out_of_frame,
    "fax or photocopy": fax,
    "moire from a screen": moire,
}
