"""PDFs and images -> the text of the rvault QR codes in them, and where each code came from.

The pipeline measured while planning (docs: DESIGN.md): PDFium renders each page in grayscale
at 300 dpi, zxing-cpp finds the codes, and further passes with other settings recover codes
the first pass missed (vault.scanpasses: which passes, in what order, and when to stop). PDFium
is not thread-safe, so pages run in parallel in worker processes, and a caller that already
holds enough codes can stop the scan between pages. Heavy imports happen inside functions so
that `rvault --help` starts fast.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vault.errors import InvalidData, MissingInput

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

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
_Task = tuple[str, str, int, int]  # source, "pdf" or "image", 0-based page, dpi
# What a folder given as a source contributes: what scanners and phones write.
FOLDER_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


@dataclass(frozen=True)
class PageCodes:
    """The rvault codes read from one page of one input file."""

    source: str  # file path, or "<pdf>" for a PDF given as bytes
    page: int  # 1-based page within the source (1 for a single image)
    texts: tuple[str, ...]  # "RVK1:..." texts in reading order, each once
    others: int = 0  # QR codes that are not rvault codes (ignored; counted for a hint)
    cut_short: bool = False  # passes stopped once its kit was known, because `settled`


def decode_image(img: Image, expect: int | None = None) -> list[str]:
    """The rvault code texts in an image, in reading order.

    Passes of increasing cost run until every code of each codes sheet seen in the image is
    read (the codes say which sheet they are on and how many it holds), or, given `expect`,
    until that many codes are read. vault.scanpasses describes the passes.
    """
    from vault.paper.passes import decode, reading_order

    return reading_order(decode(img, expect).texts)


def render_pdf_pages(pdf: bytes, dpi: int = DEFAULT_DPI) -> Iterator[Image]:
    """Each page of a PDF as a grayscale image at `dpi`."""
    doc = _open_pdf(pdf, "the PDF")
    try:
        for index in range(len(doc)):
            yield _render(doc, index, dpi, "the PDF")
    finally:
        doc.close()


def _open_pdf(pdf: bytes | str, source: str) -> Any:
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


def _render(doc: Any, index: int, dpi: int, source: str) -> Image:
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


def scan_pdf(pdf: bytes, source: str = "<pdf>", dpi: int = DEFAULT_DPI) -> list[PageCodes]:
    """The rvault codes on every page of a PDF given as bytes, page by page."""
    doc = _open_pdf(pdf, source)
    try:
        return [_page_codes(_render(doc, i, dpi, source), source, i) for i in range(len(doc))]
    finally:
        doc.close()


def _page_codes(
    img: Image,
    source: str,
    index: int,
    stop: Callable[[], bool] | None = None,
    settled: Callable[[], bool] | None = None,
) -> PageCodes:
    from vault.paper.passes import ImageReading, decode, reading_order

    cut = False

    def known(found: ImageReading) -> bool:
        # Once the caller is settled, a page needs passes only until one of its codes shows
        # which kit it belongs to: an unseen newer kit must still be seen, but more codes of
        # a kit already seen cannot change the choice. A page with nothing read keeps its
        # passes (the blind passes if nothing looks like a QR code): a hard photo of a newer
        # kit is exactly what must not be skipped.
        nonlocal cut
        cut = settled is not None and bool(found.sheets) and settled()
        return cut

    found = decode(img, stop=stop, enough=known if settled is not None else None)
    texts = tuple(reading_order(found.texts))
    return PageCodes(source, index + 1, texts, len(found.others), cut)


def _open_image(path: str, index: int = 0) -> Image:
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
        with _open_image(path, index) as img:
            if img.format in ("JPEG", "MPO"):
                img.draft("L", img.size)  # decode the luma plane only: ~2x faster
            # Phones store photos sideways with an EXIF orientation tag.
            return to_gray(ImageOps.exif_transpose(img))
    except InvalidData:
        raise
    except Exception as exc:  # PIL raises many types on damaged files; none may escape.
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidData(f"{path} could not be read as an image ({reason})") from None


def _scan_task(
    task: _Task,
    stop: Callable[[], bool] | None = None,
    settled: Callable[[], bool] | None = None,
) -> PageCodes:
    source, kind, index, dpi = task
    if stop is not None and stop():
        return PageCodes(source, index + 1, ())
    if kind == "image":
        return _page_codes(load_image(source, index), source, index, stop, settled)
    doc = _open_pdf(source, source)
    try:
        return _page_codes(_render(doc, index, dpi, source), source, index, stop, settled)
    finally:
        doc.close()


# In a worker process: set by the parent when the caller has read enough, so a page in
# progress gives up between passes and pages not yet started are skipped; and set while the
# caller is settled, so pages are read only until their kit is known (see scan_paths).
_cancelled: Event | None = None
_settled: Event | None = None


def _worker_task(task: _Task, honour_settled: bool = True) -> PageCodes:
    settled = _settled.is_set if _settled is not None and honour_settled else None
    return _scan_task(task, _cancelled.is_set if _cancelled is not None else None, settled)


def _plan(path: str | Path, dpi: int) -> list[_Task]:
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
        doc = _open_pdf(source, source)
        pages = len(doc)
        doc.close()
        return [(source, "pdf", i, dpi) for i in range(pages)]
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        raise InvalidData(
            f"{source} is a HEIC photo, which rvault cannot read",
            hint="export or convert the photo to JPEG or PNG",
        )
    try:
        with _open_image(source) as img:
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
    return [(source, "image", i, dpi) for i in range(frames)]


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


def _init_worker(cancelled: Event, settled: Event) -> None:
    # Ctrl-C reaches every process of the terminal; the parent alone handles it, so the
    # workers do not print a traceback each.
    import signal

    global _cancelled, _settled
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _cancelled, _settled = cancelled, settled


def scan_paths(
    paths: Sequence[str | Path],
    dpi: int = DEFAULT_DPI,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
    settled: Callable[[], bool] | None = None,
) -> Iterator[PageCodes]:
    """The rvault codes in PDFs and images, one PageCodes per page, yielded as pages finish.

    `stop` is asked before the first page and after each page is yielded (so after the
    caller has used it); once it returns True no further page is read, a page in progress
    gives up between passes, and the iteration ends. A restore passes "the vault can be
    rebuilt now", so the rest of a large kit is never scanned. progress(done, total) is
    called as each page finishes; after a stop, done stays below total.

    `settled` is the gentler stop a restore uses (asked like `stop`): while it returns True
    every page is still read, but only until one of its codes is read (so every kit among the
    pages is seen) and without the further passes its missing codes would need. A page cut
    short that way has cut_short set; if `settled` turns False after it (its codes were of a
    kit that changed the caller's mind), it is read again with every pass and yielded again.

    Pages are read in worker processes when there are several, so a script calling this
    needs the usual `if __name__ == "__main__":` guard.
    """
    if dpi <= 0:
        raise ValueError("dpi must be positive")
    # Every file is checked here, before any page is scanned, so a typo fails at once.
    tasks = [task for path in expand_folders(paths) for task in _plan(path, dpi)]
    workers = min(workers or min(2, os.cpu_count() or 1), len(tasks))
    if workers <= 1:
        return _scan_here(tasks, progress, stop, settled)
    return _scan_parallel(tasks, workers, progress, stop, settled)


def _scan_here(
    tasks: list[_Task],
    progress: Callable[[int, int], None] | None,
    stop: Callable[[], bool] | None,
    settled: Callable[[], bool] | None,
) -> Iterator[PageCodes]:
    again: list[_Task] = []  # pages cut short that must be read in full after all
    for done, task in enumerate(tasks, 1):
        if stop is not None and stop():
            return
        result = _scan_task(task, stop, settled)
        if progress:
            progress(done, len(tasks))
        yield result
        if result.cut_short:
            again.append(task)
        if settled is not None and not settled():
            for retry in again:
                if stop is not None and stop():
                    return
                yield _scan_task(retry, stop)
            again.clear()


def _scan_parallel(
    tasks: list[_Task],
    workers: int,
    progress: Callable[[int, int], None] | None,
    stop: Callable[[], bool] | None,
    settled: Callable[[], bool] | None,
) -> Iterator[PageCodes]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    if stop is not None and stop():
        return
    # "spawn" everywhere: the same behaviour on Linux, macOS and Windows, and no fork of a
    # process that already holds PDFium's global state.
    context = multiprocessing.get_context("spawn")
    cancelled, calm = context.Event(), context.Event()
    if settled is not None and settled():
        calm.set()
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(cancelled, calm)
    )
    try:
        pending: dict[Future[PageCodes], tuple[_Task, bool]] = {
            pool.submit(_worker_task, task): (task, True) for task in tasks
        }
        again: list[_Task] = []  # pages cut short while settled: read in full if it ends
        done = 0
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                task, first = pending.pop(future)
                result = future.result()
                if first:
                    done += 1
                    if progress:
                        progress(done, len(tasks))
                yield result
                if stop is not None and stop():
                    return
                if result.cut_short:
                    again.append(task)
                if settled is not None:
                    if settled():
                        calm.set()
                    else:
                        calm.clear()
                        for retry in again:
                            pending[pool.submit(_worker_task, retry, False)] = (retry, False)
                        again.clear()
    except BrokenProcessPool:
        raise InvalidData(
            "a page could not be scanned: the reader process stopped (out of memory?)",
            hint="scan the files one at a time to find the page that fails",
        ) from None
    finally:
        # On a stop, an error, or when the caller abandons the iteration, pages not yet
        # started are dropped and pages in progress give up at their next pass.
        cancelled.set()
        pool.shutdown(wait=True, cancel_futures=True)
