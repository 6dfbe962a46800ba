"""scan.py against real PDFs rendered by PDFium and real zxing-cpp decoding (no mocks)."""

from __future__ import annotations

import io
import multiprocessing
import os
import random
import struct
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from vault.errors import InvalidData, MissingInput
from vault.paper import frames
from vault.paper.pages import MAX_PAGES, render_pdf_pages
from vault.paper.scan import PageCodes, decode_image, scan_paths, scan_pdf

# The largest block whose frame text still fits a version-40-L code (4296 alphanumeric
# characters): base32 costs 8 characters per 5 bytes, plus the 5-character tag.
MAX_BLOCK = (4296 - len(frames.TAG)) * 5 // 8 - frames.OVERHEAD


def qr_image(text: str, px: int = 6) -> Image.Image:
    """A QR code (EC level L) as a crisp PIL image, px pixels per module."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="L")
    img: Any = code.to_image(scale=1, add_quiet_zones=False)  # a buffer; the stubs omit it
    h, w = img.shape
    pil = Image.frombuffer("L", (w, h), bytes(memoryview(img)), "raw", "L", 0, 1)
    return pil.resize((w * px, h * px), Image.Resampling.NEAREST)


def make_pdf(pages: list[list[str]], encrypt: str | None = None) -> bytes:
    """A4 pages with a 2x3 grid of codes drawn at 0.5 mm per module, row by row."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    for texts in pages:
        for i, text in enumerate(texts):
            img = qr_image(text)
            side = img.width / 6 * 0.5 * mm
            col, row = i % 2, i // 2
            x = 12 * mm + col * (side + 10 * mm)
            y = A4[1] - 8 * mm - (row + 1) * side - row * 6 * mm
            c.drawImage(ImageReader(img), x, y, side, side)
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Nine frames (k=7, n=9) whose texts each fill a version-40-L code."""
    kit = frames.encode(os.urandom(7 * MAX_BLOCK), b"v" * 16, b"k" * 8, 1, MAX_BLOCK)
    out = [f.to_text() for f in kit]
    assert len(out) == 9 and max(map(len, out)) <= 4296
    return out


@pytest.fixture(scope="module")
def pdf(texts: list[str]) -> bytes:
    return make_pdf([texts[:6], texts[6:]])


@pytest.fixture(scope="module")
def pages(pdf: bytes) -> list[Image.Image]:
    return list(render_pdf_pages(pdf, dpi=300))


@pytest.fixture(scope="module")
def image_files(pages: list[Image.Image], tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Page 1 as PNG, page 2 as JPEG quality 60, both pages as a 2-page TIFF."""
    d = tmp_path_factory.mktemp("images")
    # Pillow keeps a JPEG save's encoder settings on the image and a later TIFF save_all
    # trips over them, so each save gets its own copy.
    pages[0].copy().save(d / "p1.png")
    pages[1].copy().save(d / "p2.jpg", quality=60)
    both = pages[0].copy()
    both.save(
        d / "both.tiff", save_all=True, append_images=[pages[1].copy()], compression="tiff_lzw"
    )
    return [d / "p1.png", d / "p2.jpg", d / "both.tiff"]


@pytest.mark.slow
def test_scan_pdf_reads_every_code_once_in_reading_order(pdf: bytes, texts: list[str]) -> None:
    result = scan_pdf(pdf, source="kit.pdf")
    assert [(p.source, p.page) for p in result] == [("kit.pdf", 1), ("kit.pdf", 2)]
    assert result[0].texts == tuple(texts[:6])
    assert result[1].texts == tuple(texts[6:])


def test_rendered_pages_are_grayscale_at_the_asked_resolution(pages: list[Image.Image]) -> None:
    assert [p.mode for p in pages] == ["L", "L"]
    assert pages[0].size == (2481, 3508)  # A4 at 300 dpi


@pytest.mark.slow
def test_png_jpeg_and_multipage_tiff(image_files: list[Path], texts: list[str]) -> None:
    result = list(scan_paths(image_files, workers=1))
    got = {(Path(p.source).name, p.page): set(p.texts) for p in result}
    assert got == {
        ("p1.png", 1): set(texts[:6]),
        ("p2.jpg", 1): set(texts[6:]),
        ("both.tiff", 1): set(texts[:6]),
        ("both.tiff", 2): set(texts[6:]),
    }


@pytest.mark.slow
def test_images_are_read_by_a_thread_pool_as_sequentially(image_files: list[Path]) -> None:
    calls: list[tuple[int, int]] = []
    threads: list[int] = []
    children: list[int] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        threads.append(threading.active_count())
        children.append(len(multiprocessing.active_children()))

    parallel = list(scan_paths(image_files, workers=2, progress=progress))
    sequential = list(scan_paths(image_files, workers=1))
    assert sorted(parallel, key=_key) == sorted(sequential, key=_key)
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    # Images need no PDFium: threads read them, with no process to start.
    assert min(threads) >= 2 and children == [0, 0, 0, 0]


@pytest.mark.slow
def test_pdf_pages_are_read_by_worker_processes_as_sequentially(pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "kit.pdf"
    path.write_bytes(pdf)
    children: list[int] = []
    parallel = list(
        scan_paths(
            [path, path],
            workers=2,
            progress=lambda d, t: children.append(len(multiprocessing.active_children())),
        )
    )
    sequential = list(scan_paths([path, path], workers=1))
    assert sorted(parallel, key=_key) == sorted(sequential, key=_key)
    assert min(children) >= 1  # PDFium is not thread-safe: the pages went to processes


def _key(p: PageCodes) -> tuple[str, int]:
    return (p.source, p.page)


def test_single_page_runs_in_process(image_files: list[Path], texts: list[str]) -> None:
    children: list[int] = []
    result = list(
        scan_paths(
            image_files[:1],
            progress=lambda d, t: children.append(len(multiprocessing.active_children())),
        )
    )
    assert set(result[0].texts) == set(texts[:6]) and children == [0]


@pytest.mark.slow
def test_blurred_and_rotated_page_still_decodes(pages: list[Image.Image], texts: list[str]) -> None:
    worn = pages[0].filter(ImageFilter.GaussianBlur(1.0))
    worn = worn.rotate(2, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    assert decode_image(worn) == texts[:6]
    assert set(decode_image(worn, expect=6)) == set(texts[:6])


@pytest.mark.slow
def test_noisy_blurred_page_needs_the_later_passes(
    pages: list[Image.Image], texts: list[str]
) -> None:
    # Blur, heavy noise and a slight rotation. When measured, the default pass read none of
    # these 6 codes and the global-threshold pass 3; the box-blurred passes read the rest.
    rng = random.Random(1)
    noise = Image.frombytes("L", pages[0].size, rng.randbytes(pages[0].width * pages[0].height))
    worn = Image.blend(pages[0].filter(ImageFilter.GaussianBlur(1.5)), noise, 0.4)
    worn = worn.rotate(2, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    assert decode_image(worn) == texts[:6]


def test_sixteen_bit_scan(pages: list[Image.Image], texts: list[str], tmp_path: Path) -> None:
    deep = pages[1].convert("I").point(lambda v: v * 257).convert("I;16")  # as 16-bit scanners
    deep.save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    (page,) = scan_paths([tmp_path / "deep.png"])
    assert page.texts == tuple(texts[6:])


def test_exif_orientation_is_applied(
    pages: list[Image.Image], texts: list[str], tmp_path: Path
) -> None:
    # Stored sideways with an EXIF tag saying so, as phones do; upright, the codes read row
    # by row in their printed order.
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    pages[0].transpose(Image.Transpose.ROTATE_90).save(tmp_path / "photo.jpg", exif=exif)
    (page,) = scan_paths([tmp_path / "photo.jpg"])
    assert page.texts == tuple(texts[:6])


def test_pdf_is_found_by_magic_bytes_not_extension(pdf: bytes, tmp_path: Path) -> None:
    (tmp_path / "scan.png").write_bytes(pdf)
    result = list(scan_paths([tmp_path / "scan.png"], workers=1))
    assert [len(p.texts) for p in result] == [6, 3]


@pytest.mark.slow
def test_other_qr_codes_are_ignored(texts: list[str]) -> None:
    page = Image.new("L", (2400, 1300), 255)
    page.paste(qr_image("HTTPS://EXAMPLE.COM/", px=8), (100, 100))
    page.paste(qr_image(texts[0]), (1150, 100))
    assert decode_image(page) == [texts[0]]
    result = scan_pdf(_pdf_of_image(page))
    assert result[0].texts == (texts[0],) and result[0].others == 1


def _pdf_of_image(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PDF", resolution=300)
    return buf.getvalue()


@pytest.mark.slow
def test_transparent_png_reads_against_white(texts: list[str], tmp_path: Path) -> None:
    code = qr_image(texts[0]).convert("LA")
    code.putalpha(code.getchannel("L").point(lambda v: 255 - v))  # black modules, clear rest
    page = Image.new("LA", (code.width + 100, code.height + 100), (0, 0))
    page.paste(code, (50, 50))
    page.save(tmp_path / "clear.png")
    (result,) = scan_paths([tmp_path / "clear.png"])
    assert result.texts == (texts[0],)


def test_image_without_codes_is_an_empty_page(tmp_path: Path) -> None:
    Image.new("RGB", (800, 600), "white").save(tmp_path / "blank.png")
    assert list(scan_paths([tmp_path / "blank.png"])) == [
        PageCodes(str(tmp_path / "blank.png"), 1, ())
    ]


def test_missing_file_fails_before_any_page_is_scanned(
    image_files: list[Path], tmp_path: Path
) -> None:
    with pytest.raises(MissingInput, match=r"nope\.pdf"):
        scan_paths([*image_files, tmp_path / "nope.pdf"])  # raised by the call, not iteration


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"just some text\n", "not a PDF or an image"),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not a PDF or an image"),
        ("broken.pdf", b"%PDF-1.7\n garbage", "not a readable PDF"),
        ("photo.heic", b"\0\0\0\x18ftypheic\0\0\0\0", "HEIC"),
    ],
)
def test_unreadable_files_are_invalid_data(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InvalidData, match=message) as info:
        list(scan_paths([tmp_path / name]))
    assert name in str(info.value) and "\n" not in str(info.value)


def test_truncated_image_is_invalid_data(image_files: list[Path], tmp_path: Path) -> None:
    data = image_files[1].read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidData, match=r"cut\.jpg"):
        list(scan_paths([tmp_path / "cut.jpg"]))


def test_a_folder_without_scans_is_missing_input(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a scan")
    with pytest.raises(MissingInput, match="holds no PDF, PNG, JPEG or TIFF files"):
        list(scan_paths([tmp_path]))


def test_password_protected_pdf(texts: list[str]) -> None:
    with pytest.raises(InvalidData, match="password"):
        scan_pdf(make_pdf([texts[:1]], encrypt="secret"), source="locked.pdf")


def test_huge_image_is_refused_from_its_header(tmp_path: Path) -> None:
    # A PNG that claims 20000 x 20000 pixels (400 MP) in a few dozen bytes.
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
    (tmp_path / "bomb.png").write_bytes(png + chunk(b"IEND", b""))
    with pytest.raises(InvalidData, match="megapixels"):
        list(scan_paths([tmp_path / "bomb.png"]))


def test_too_many_pdf_pages(tmp_path: Path) -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for _ in range(MAX_PAGES + 1):
        c.showPage()
    c.save()
    (tmp_path / "long.pdf").write_bytes(buf.getvalue())
    with pytest.raises(InvalidData, match="pages"):
        list(scan_paths([tmp_path / "long.pdf"]))
