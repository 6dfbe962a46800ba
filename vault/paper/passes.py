"""One image -> the rvault code texts in it: zxing-cpp passes in order of cost, until done.

The first pass (zxing-cpp's defaults) reads clean scans and ordinary phone photos: every
code of a kit page at 150-600 dpi, blurred up to 1.5 px, at JPEG quality 30, under uneven
light, tilted 25 degrees or upside down (bench/degradation.py). The later passes each
prepare the image differently and exist because each measurably read codes no earlier pass
read, on pages harder than that (docs/BENCHMARKS.md, "Restore from real paper").

Knowing when to stop matters as much: every rvault code says which code of how many it is,
so once one code of a page is read the page's codes sheet, and how many codes that sheet
holds, are known, and the passes stop as soon as they are all read. A page where nothing
that even looks like a QR code has been seen (a cover, an index or a text page) gets only
the first few passes. Only PIL is used, but for the last resort, deblurring (numpy).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from vault.errors import InvalidData
from vault.paper.frames import TAG, parse_frame_text

if TYPE_CHECKING:
    from PIL.Image import Image

Where = tuple[float, float, float]  # centre x, centre y, size, in the original image's pixels
# Upscaling helps when modules are 2-4 pixels; an image already this large has bigger ones,
# and upscaling it would cost hundreds of megabytes.
MAX_UPSCALED_PIXELS = 50_000_000
# With no QR code detected at all, not even one that failed to decode, a page gets this many
# passes: of 68 hard pages measured, every one had a detection by the third pass, and covers,
# index and text pages never had one.
BLIND_PASSES = 4


def _same(gray: Image) -> Image:
    return gray


def _sharpen(gray: Image) -> Image:
    # Unsharp masking undoes some of the blur of a page out of focus: it read every code of
    # 300 dpi scans blurred by 3 px, where no other pass read one.
    from PIL import ImageFilter

    return gray.filter(ImageFilter.UnsharpMask(radius=2, percent=200, threshold=0))


def _sharpen_fine(gray: Image) -> Image:
    from PIL import ImageFilter

    return gray.filter(ImageFilter.UnsharpMask(radius=1, percent=200, threshold=0))


def _smooth(gray: Image) -> Image:
    # A 3x3 mean reads noisy, blurred JPEG scans neither binarizer reads alone, better and
    # 5x faster than a median filter.
    from PIL import ImageFilter

    return gray.filter(ImageFilter.BoxBlur(1))


def _smooth_more(gray: Image) -> Image:
    # For heavy sensor noise (a dim room): read every code where the 3x3 mean read one to three.
    from PIL import ImageFilter

    return gray.filter(ImageFilter.GaussianBlur(1.2))


# a / b for 8-bit images with ImageChops only: as log(a + 1) - log(b + 1) through lookup
# tables (ImageMath.lambda_eval would need Pillow 10.3). Steps of about 2% in the ratio are
# far finer than the black/white decision needs.
_LOG_SCALE = 255 / math.log(256)
_LOG = [round(_LOG_SCALE * math.log1p(v)) for v in range(256)]
_RATIO_ZERO = 200  # offset of log-ratio 0 (paper white) in the difference image
_EXP = [min(255, round(255 * math.exp((d - _RATIO_ZERO) / _LOG_SCALE))) for d in range(256)]


def _flatten(gray: Image) -> Image:
    """The page divided by an estimate of its paper white: shadows and fall-off removed."""
    from PIL import Image as PILImage
    from PIL import ImageChops, ImageFilter

    # Paper white, locally: the brightest pixel within ~3 modules (a QR code has no larger
    # black area save its finder squares), smoothed over a wide area, at a quarter of the size.
    step = 4 if min(gray.size) >= 800 else 1
    small = gray.reduce(step) if step > 1 else gray
    paper = small.filter(ImageFilter.MaxFilter(5))
    paper = paper.filter(ImageFilter.GaussianBlur(max(gray.size) / 160 / step))
    paper = paper.resize(gray.size, PILImage.Resampling.BILINEAR)
    ratio = ImageChops.subtract(gray.point(_LOG), paper.point(_LOG), 1.0, _RATIO_ZERO)
    return ratio.point(_EXP)


def _upscaled(gray: Image, factor: float) -> tuple[Image, float] | None:
    from PIL import Image as PILImage

    factor = min(factor, math.sqrt(MAX_UPSCALED_PIXELS / (gray.width * gray.height)))
    if factor < 1.2:
        return None
    size = (round(gray.width * factor), round(gray.height * factor))
    return gray.resize(size, PILImage.Resampling.BICUBIC), factor


def _upscale_sharpen(gray: Image) -> tuple[Image, float] | None:
    # Small modules (a page far from the camera, a low-dpi scan) that are also blurred.
    from PIL import ImageFilter

    up = _upscaled(gray, 1.5)
    if up is None:
        return None
    return up[0].filter(ImageFilter.UnsharpMask(radius=2, percent=200, threshold=0)), up[1]


def _upscale(gray: Image) -> tuple[Image, float] | None:
    return _upscaled(gray, 2.0)


# (name, how to prepare the greyscale image, binarizer), cheapest and most useful first.
# Measured and left out: small rotations (zxing-cpp reads codes at any angle, and a rotated
# copy never read a code the unrotated one missed) and overlapping tiles (never read a code
# the whole image missed: zxing-cpp finds many codes per image, and a tile's codes are no
# bigger); a global threshold after smoothing or sharpening never added a code either.
Prepare = Callable[["Image"], "Image | tuple[Image, float] | None"]
PASSES: tuple[tuple[str, Prepare, str], ...] = (
    ("plain", _same, "local"),
    # Reads faint or evenly blurred pages the local threshold misses silently; costs little.
    ("plain", _same, "global"),
    ("sharpened", _sharpen, "local"),
    ("smoothed", _smooth, "local"),
    ("smoothed more", _smooth_more, "local"),
    ("finely sharpened", _sharpen_fine, "local"),
    ("flattened", _flatten, "local"),
    ("upscaled x1.5 and sharpened", _upscale_sharpen, "local"),
    ("upscaled x2", _upscale, "local"),
)


@dataclass
class ImageReading:
    """What the passes have read so far on one image."""

    texts: dict[str, Where] = field(default_factory=dict)  # rvault texts -> where
    others: set[str] = field(default_factory=set)  # QR codes that are not rvault codes
    sheets: dict[tuple[Any, int], int] = field(default_factory=dict)  # (kit, sheet) -> codes
    per_sheet: dict[tuple[Any, int], set[int]] = field(default_factory=dict)
    detected: bool = False  # anything that looked like a QR code, read or not
    new_per_pass: list[int] = field(default_factory=list)  # rvault texts first read by each

    @property
    def passes(self) -> int:
        """How many passes ran."""
        return len(self.new_per_pass)

    def add(self, text: str, where: Where) -> None:
        """Record one decoded text; an rvault frame tells which codes sheet it is on."""
        from vault.paper.layout import CODES_PER_PAGE, code_sheet

        if not text.startswith(TAG):
            self.others.add(text)
            return
        if text in self.texts:
            return
        self.texts[text] = where
        try:
            frame = parse_frame_text(text)
        except InvalidData:
            return  # damaged or foreign: kept for the caller to report, but it sets no goal
        sheet = code_sheet(frame.index)
        key = (frame.kit_key, sheet)
        self.sheets[key] = min(CODES_PER_PAGE, frame.n - CODES_PER_PAGE * (sheet - 1))
        self.per_sheet.setdefault(key, set()).add(frame.index)

    def complete(self, expect: int | None) -> bool:
        """Whether every code the image should hold has been read."""
        if expect is not None:
            return len(self.texts) >= expect
        return bool(self.sheets) and all(
            len(self.per_sheet[key]) >= count for key, count in self.sheets.items()
        )


def decode(
    img: Image,
    expect: int | None = None,
    stop: Callable[[], bool] | None = None,
    passes: tuple[tuple[str, Prepare, str], ...] = PASSES,
    enough: Callable[[ImageReading], bool] | None = None,
    deblur: bool = False,
) -> ImageReading:
    """Run the passes over img until its codes are all read, it looks empty, stop() or enough.

    With deblur (a restore that would fail without it), the image is then also deconvolved
    with a few guessed blurs (vault.paper.deblur) until its codes are read or enough.
    """
    import zxingcpp

    gray = to_gray(img)
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    binarizers = {
        "local": zxingcpp.Binarizer.LocalAverage,
        "global": zxingcpp.Binarizer.GlobalHistogram,
    }
    found = ImageReading()

    def look(image: Image, scale: float, binarizer: str) -> None:
        codes = zxingcpp.read_barcodes(
            image, formats=qr, binarizer=binarizers[binarizer], return_errors=True
        )
        before = len(found.texts)
        for code in codes:
            found.detected = True
            if code.valid:
                found.add(code.text, where(code, scale))
        found.new_per_pass.append(len(found.texts) - before)

    def done() -> bool:
        if found.complete(expect) or (stop is not None and stop()):
            return True
        return enough is not None and enough(found)

    for number, (_, prepare, binarizer) in enumerate(passes):
        if done():
            return found
        if number >= BLIND_PASSES and not found.detected and expect is None:
            break
        prepared = prepare(gray)
        if prepared is not None:
            look(*(prepared if isinstance(prepared, tuple) else (prepared, 1.0)), binarizer)
    if deblur:
        from vault.paper.deblur import deblurred

        for image, scale in deblurred(gray):
            if done():
                break
            look(image, scale, "local")
    return found


def first_look(img: Image) -> ImageReading:
    """A quick look (half size when large, no rotation, downscaling or inversion tried).

    What a restore reads first on every page, before any page gets a full pass: clean scans
    read whole this way, in a quarter of the first pass's time; any page it leaves short is
    read again with every pass if the codes of all pages are not enough (vault.paper.scan).
    """
    import zxingcpp

    gray = to_gray(img)
    small = gray.reduce(2) if min(gray.size) >= 2000 else gray
    found = ImageReading()
    codes = zxingcpp.read_barcodes(
        small,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        try_rotate=False,
        try_downscale=False,
        try_invert=False,
        return_errors=True,
    )
    for code in codes:
        found.detected = True
        if code.valid:
            found.add(code.text, where(code, small.width / gray.width))
    found.new_per_pass.append(len(found.texts))
    return found


def where(code: Any, scale: float = 1.0) -> Where:
    """A decoded code's centre and size, in the pixels of the image before any upscaling."""
    at = code.position
    xs = [p.x / scale for p in (at.top_left, at.top_right, at.bottom_right, at.bottom_left)]
    ys = [p.y / scale for p in (at.top_left, at.top_right, at.bottom_right, at.bottom_left)]
    return sum(xs) / 4, sum(ys) / 4, max(max(xs) - min(xs), max(ys) - min(ys), 1)


def reading_order(found: dict[str, Where]) -> list[str]:
    """Texts by the position of their codes: rows top to bottom, then left to right."""
    # Codes in one row may sit a little higher or lower on a skewed scan, so a row is every
    # code within half a code's size of its first.
    by_y = sorted(found.items(), key=lambda item: item[1][1])
    rows: list[list[tuple[str, Where]]] = []
    for item in by_y:
        if rows and item[1][1] - rows[-1][0][1][1] <= rows[-1][0][1][2] / 2:
            rows[-1].append(item)
        else:
            rows.append([item])
    return [text for row in rows for text, _ in sorted(row, key=lambda item: item[1][0])]


def to_gray(img: Image) -> Image:
    """img as 8-bit greyscale, read as it would look printed on white paper."""
    from PIL import Image as PILImage

    if img.mode == "L":
        return img
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        # Transparent pixels would turn black; a code drawn on a transparent background
        # must be read against white, as it would be printed.
        white = PILImage.new("RGBA", img.size, (255, 255, 255, 255))
        return PILImage.alpha_composite(white, img.convert("RGBA")).convert("L")
    if img.mode.startswith(("I", "F")):
        # 16-bit and float scans: convert("L") would clip everything above 255 to white.
        wide = img.convert("F")
        lo, hi = cast("tuple[float, float]", wide.getextrema())
        gain = 255 / ((hi - lo) or 1)
        return wide.point(lambda v: v * gain - lo * gain).convert("L")
    return img.convert("L")
