"""QR codes as images, PNG and SVG (written by zxing-cpp, imported inside the functions)."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

from vault.paper.layout import QUIET

if TYPE_CHECKING:
    from PIL import Image

QR_EC_LEVEL = "L"  # decided by the lead: lost codes are covered by erasure coding instead
MAX_FRAME_CHARS = 4296  # version 40-L alphanumeric capacity


def qr_matrix_image(text: str, module_px: int = 1, version: int | None = None) -> Image.Image:
    """The QR code (level QR_EC_LEVEL, no quiet zone) as a greyscale image, 0 = dark."""
    return qr_image(text, module_px, quiet_zone=False, version=version)


def qr_png(text: str) -> bytes:
    """A 1-bit PNG of the QR code, 4 pixels per module, with its quiet zone."""
    out = io.BytesIO()
    qr_image(text, 4, quiet_zone=True).convert("1").save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_svg(text: str) -> str:
    """An SVG of the QR code with its quiet zone, 0.5 mm per module when printed as is."""
    img = qr_matrix_image(text)
    size, data, side = img.width, img.tobytes(), img.width + 2 * QUIET
    # One path of horizontal runs keeps the file small; crispEdges avoids anti-aliased seams.
    runs = "".join(
        f"M{QUIET + m.start()} {QUIET + r}h{m.end() - m.start()}v1h-{m.end() - m.start()}z"
        for r in range(size)
        for m in re.finditer(rb"\x00+", data[r * size : (r + 1) * size])
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side / 2}mm" height="{side / 2}mm" '
        f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/><path d="{runs}"/></svg>\n'
    )


def qr_image(
    text: str,
    module_px: int = 1,
    quiet_zone: bool = False,
    version: int | None = None,
    ec_level: str | None = None,
) -> Image.Image:
    """The QR code as a greyscale image (0 = dark); ec_level defaults to QR_EC_LEVEL."""
    import zxingcpp
    from PIL import Image

    if len(text) > MAX_FRAME_CHARS:
        raise ValueError(f"QR text is {len(text)} characters, above {MAX_FRAME_CHARS}")
    # zxing-cpp, not qrcode: qrcode's automatic mask choice costs ~0.13 s per version-40 code.
    options: dict[str, Any] = {"ec_level": ec_level or QR_EC_LEVEL}
    if version is not None:
        options["version"] = version
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, **options)
    pixels = memoryview(code.to_image(scale=module_px, add_quiet_zones=quiet_zone))  # type: ignore[arg-type]
    h, w = pixels.shape or (0, 0)
    return Image.frombuffer("L", (w, h), pixels.tobytes(), "raw", "L", 0, 1)
