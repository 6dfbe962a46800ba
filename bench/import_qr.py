"""How long `rvault import` takes to read authenticator QR codes from screenshots and photos.

Builds a Google Authenticator "Transfer accounts" QR code (10 made-up accounts, the most
Google puts in one code) and a single otpauth:// code, draws each as a phone screenshot
(1080 x 2400, the code in the middle of a white screen with text around it) and as a photo of
that screen (smaller, tilted, blurred, JPEG), and times vault.otp.imports.read_sources on each:
image decode + every zxing-cpp pass needed. Prints medians over interleaved runs; there is no
target in the issue, the figure is for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import base64
import sys
import tempfile
import time
from pathlib import Path

import qrcode
from _common import median, spread
from PIL import Image, ImageDraw, ImageFilter

from vault.otp.imports import read_sources

RUNS = 7


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, value: int | bytes) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def migration_link(accounts: int) -> str:
    """A transfer link holding `accounts` made-up TOTP accounts (20-byte seeds)."""
    body = b""
    for i in range(accounts):
        params = (
            _field(1, bytes(range(i, i + 20)))
            + _field(2, f"Service{i}:user{i}@example.com".encode())
            + _field(3, f"Service{i}".encode())
            + _field(4, 1)
            + _field(5, 1)
            + _field(6, 2)
        )
        body += _field(1, params)
    body += _field(2, 1) + _field(3, 1) + _field(4, 0) + _field(5, 12345)
    return "otpauth-migration://offline?data=" + base64.b64encode(body).decode()


def screenshot(text: str) -> Image.Image:
    """The code as a phone screen shows it: 1080 x 2400, white, with text above and below."""
    code = qrcode.QRCode(border=2, box_size=1)
    code.add_data(text)
    code.make(fit=True)
    img = code.make_image().get_image().convert("L")
    side = 800
    img = img.resize((side, side), Image.Resampling.NEAREST)
    screen = Image.new("L", (1080, 2400), 255)
    screen.paste(img, ((1080 - side) // 2, 700))
    draw = ImageDraw.Draw(screen)
    for y in range(150, 650, 60):
        draw.rectangle((80, y, 1000, y + 25), fill=120)
    for y in range(1600, 2300, 60):
        draw.rectangle((80, y, 900, y + 25), fill=160)
    return screen


def photo(screen: Image.Image) -> Image.Image:
    """A phone photo of that screen: smaller, turned 8 degrees, softened, on a dark table."""
    small = screen.resize((540, 1200), Image.Resampling.BILINEAR)
    turned = small.rotate(8, expand=True, fillcolor=40)
    table = Image.new("L", (1400, 1800), 40)
    table.paste(turned, (300, 200))
    return table.filter(ImageFilter.GaussianBlur(1.0))


def main() -> int:
    """Time read_sources on each picture and print a table."""
    link = "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example"
    export = screenshot(migration_link(10))
    cases = {
        "otpauth:// screenshot (PNG)": (screenshot(link), "PNG"),
        "Google export, 10 accounts, screenshot (PNG)": (export, "PNG"),
        "Google export, 10 accounts, photo (JPEG 80)": (photo(export), "JPEG"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for i, (name, (img, fmt)) in enumerate(cases.items()):
            path = Path(tmp) / f"case{i}.{fmt.lower()}"
            img.save(path, fmt, **({"quality": 80} if fmt == "JPEG" else {}))
            paths[name] = str(path)
        times: dict[str, list[float]] = {name: [] for name in cases}
        accounts: dict[str, int] = {}
        for name in cases:  # warm-up (imports, zxing-cpp initialisation)
            read_sources([paths[name]])
        for _ in range(RUNS):
            for name in cases:
                start = time.perf_counter()
                batch = read_sources([paths[name]])
                times[name].append(time.perf_counter() - start)
                accounts[name] = len(batch.found)
    print(f"{'image':<48} {'accounts':>8} {'median ms':>10} {'min..max ms':>14}")
    for name in cases:
        print(
            f"{name:<48} {accounts[name]:>8} {median(times[name]) * 1000:>10.0f} "
            f"{spread(times[name]):>14}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
