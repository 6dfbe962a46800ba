"""Scans, photos and PDFs -> page images, each bounded before anything is decoded.

A hostile or mistaken input must not exhaust memory: image sizes are read from headers and
PDF pages' embedded images from their dictionaries, and refused over the caps, before PIL or
PDFium decode a pixel. PDFium is not thread-safe: callers render in one thread per process.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vault.errors import InvalidData, MissingInput
from vault.paper.frames import TAG

if TYPE_CHECKING:
    from PIL.Image import Image

DEFAULT_DPI = 300
# Caps so that a hostile or mistaken input cannot exhaust memory: a 12 MP phone photo is
# 12 MP and an A4 scan at 600 dpi is 35 MP; nobody's recovery kit has 200 pages.
MAX_PIXELS = 100_000_000
MAX_PAGES = 200
# PDFium decodes a page's embedded images at their full size whatever the render scale, so
# they are bounded too, from their dictionaries, before rendering: a scanned page holds one
# image of at most a few tens of megapixels. A page larger than 2 m a side is no scan, and
# rendering its vector content would take seconds for nothing.
MAX_IMAGE_OBJECTS = 256
MAX_PAGE_POINTS = 2000 / 25.4 * 72
# Only common scan and photo formats: every extra PIL decoder is extra attack surface.
IMAGE_FORMATS = ("PNG", "JPEG", "MPO", "TIFF", "BMP", "GIF", "WEBP", "PPM")
# What a folder given as a source contributes: what scanners and phones write.
FOLDER_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


def render_pdf_pages(pdf: bytes, dpi: int = DEFAULT_DPI) -> Iterator[Image]:
    """Each page of a PDF as a grayscale image at `dpi`."""
    doc = open_pdf(pdf, "the PDF")
    try:
        for index in range(len(doc)):
            yield render_page(doc, index, dpi, "the PDF")
    finally:
        doc.close()


def open_pdf(pdf: bytes | str, source: str) -> Any:
    """A PDF (bytes or path) opened by PDFium, refused if it cannot be read."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise InvalidData(
                f"{source} is password-protected", hint="save an unprotected copy and retry"
            ) from None
        raise InvalidData(f"{source} is not a readable PDF (damaged or incomplete)") from None
    pages = len(doc)
    if pages > MAX_PAGES:
        doc.close()
        raise InvalidData(f"{source} has {pages} pages, more than the {MAX_PAGES} read")
    return doc


HEADER_CHARS = 200  # a kit page's header, where it says what the page is


def page_header(doc: Any, index: int) -> str:
    """The start of a PDF page's text layer ('' for a scan): a kit's PDF says what each page is."""
    import pypdfium2 as pdfium

    try:
        text = doc[index].get_textpage().get_text_range(0, HEADER_CHARS)
    except pdfium.PdfiumError:
        return ""
    return str(text)


def render_page(doc: Any, index: int, dpi: int, source: str) -> Image:
    """Page index of an open PDF as a grayscale image at dpi, its embedded images checked first."""
    import pypdfium2 as pdfium

    if dpi <= 0:
        raise ValueError("dpi must be positive")
    try:
        page = doc[index]
        width, height = page.get_size()
        where = f"page {index + 1} of {source}"
        if max(width, height) > MAX_PAGE_POINTS:
            raise InvalidData(
                f"{where} is {width / 72 * 0.0254:.0f} x {height / 72 * 0.0254:.0f} metres, "
                "not a scanned or printed page"
            )
        _check_images(page, where)
        # A page may declare any size (posters, forged PDFs): lower the resolution so the
        # bitmap stays under the pixel cap rather than exhaust memory. Annotations are not
        # drawn: a kit or a scan has none, and their appearance streams escape the checks.
        scale = min(dpi / 72, math.sqrt(MAX_PIXELS / max(width * height, 1)))
        image: Image = page.render(scale=scale, grayscale=True, draw_annots=False).to_pil()
        return image
    except pdfium.PdfiumError:
        raise InvalidData(f"page {index + 1} of {source} could not be rendered") from None


def _check_images(page: Any, where: str) -> None:
    """Refuse a page whose embedded images would decode to more than the pixel cap."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    total = count = 0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=8):
        count += 1
        try:
            w, h = obj.get_px_size()
        except pdfium.PdfiumError:
            continue  # no size: PDFium cannot decode it either
        total += w * h
        if count > MAX_IMAGE_OBJECTS or w * h > MAX_PIXELS or total > 2 * MAX_PIXELS:
            raise InvalidData(
                f"{where} holds images too large to read safely "
                f"({max(w * h, total) // 1_000_000} megapixels, {count} images; "
                f"the limit is {MAX_PIXELS // 1_000_000} megapixels a page)",
                hint="scan or export the page again at 300-600 dpi",
            )


def open_image(path: str, index: int = 0) -> Image:
    """An image opened by PIL, pixels not yet decoded; refused over the pixel cap or format."""
    from PIL import Image as PILImage

    PILImage.init()  # open() raises KeyError for a listed format whose plugin is not loaded
    formats = [name for name in IMAGE_FORMATS if name in PILImage.OPEN]
    # The pixel cap is checked from the header, before any pixel is decoded; PIL's own bomb
    # warning (at 89 MP) is silenced because our cap is the one that applies.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
        try:
            img = PILImage.open(path, formats=formats)
            img.seek(index)  # the pages of a TIFF may differ in size
        except PILImage.DecompressionBombError:
            img = None
    if img is None or img.width * img.height > MAX_PIXELS:
        raise InvalidData(f"{path} is larger than {MAX_PIXELS // 1_000_000} megapixels")
    return img


def load_image(path: str, index: int = 0) -> Image:
    """One image (or TIFF page) as greyscale, upright, within the pixel cap."""
    from PIL import ImageOps

    from vault.paper.passes import to_gray

    try:
        with open_image(path, index) as img:
            if img.format in ("JPEG", "MPO"):
                img.draft("L", img.size)  # decode the luma plane only: ~2x faster
            # Phones store photos sideways with an EXIF orientation tag.
            return to_gray(ImageOps.exif_transpose(img))
    except InvalidData:
        raise
    except Exception as exc:  # PIL raises many types on damaged files; none may escape.
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidData(f"{path} could not be read as an image ({reason})") from None


def expand_folders(paths: Sequence[str | Path]) -> list[str]:
    """Paths with each folder replaced by the PDFs and images directly inside it, by name.

    A person told "put the photos in a folder" should not need wildcards: a folder is read
    like the list of its PDF, PNG, JPEG and TIFF files (hidden files and subfolders skipped).
    """
    out: list[str] = []
    for path in paths:
        folder = Path(path)
        if not folder.is_dir():
            out.append(str(path))
            continue
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            raise MissingInput(f"{folder}: cannot read the folder ({exc.strerror})") from None
        found = [
            str(folder / name)
            for name in names
            if not name.startswith(".")
            and name.lower().endswith(FOLDER_SUFFIXES)
            and (folder / name).is_file()
        ]
        if not found:
            raise MissingInput(
                f"the folder {folder} holds no PDF, PNG, JPEG or TIFF files",
                hint="put the photos or scans of the codes sheets in it, or name the files",
            )
        out.extend(found)
    return out


Task = tuple[str, str, int, int]  # source, "pdf" or "image", 0-based page, dpi
# The header of a kit page without codes ("RVK1 · page 4 of 6"; a codes sheet's says "RVK1 ·
# codes sheet 1 of 2 · page 3 of 6"): vault.paper.kit_pdf writes it.
_NO_CODES = re.compile(re.escape(TAG.rstrip(":")) + r" · page \d+ of \d+")


def plan_pages(path: str | Path, dpi: int, triage: bool = False) -> tuple[list[Task], list[Task]]:
    """The pages of one file to read, and (with triage) the pages put off: a kit's own PDF
    names each page in its header, so its cover, index and text pages need no rendering."""
    source = str(path)
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except FileNotFoundError:
        raise MissingInput(f"{source}: no such file") from None
    except IsADirectoryError:
        raise InvalidData(f"{source} is a directory, not a PDF or an image") from None
    except OSError as exc:
        raise InvalidData(f"{source} cannot be read ({exc.strerror or exc})") from None
    # The PDF header may follow a little junk; PDF readers look in the first 1024 bytes.
    if b"%PDF-" in head:
        doc = open_pdf(source, source)
        try:
            tasks = [(source, "pdf", i, dpi) for i in range(len(doc))]
            blank = {i for i in range(len(doc)) if triage and _NO_CODES.search(page_header(doc, i))}
        finally:
            doc.close()
        return [t for t in tasks if t[2] not in blank], [t for t in tasks if t[2] in blank]
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        raise InvalidData(
            f"{source} is a HEIC photo, which rvault cannot read",
            hint="export or convert the photo to JPEG or PNG",
        )
    try:
        with open_image(source) as img:
            frames = getattr(img, "n_frames", 1)
    except InvalidData:
        raise
    except Exception:  # PIL's UnidentifiedImageError and friends on non-image files
        raise InvalidData(
            f"{source} is not a PDF or an image rvault can read",
            hint="give PDF, PNG, JPEG or TIFF files",
        ) from None
    if frames > MAX_PAGES:
        raise InvalidData(f"{source} has {frames} pages, more than the {MAX_PAGES} read")
    return [(source, "image", i, dpi) for i in range(frames)], []
