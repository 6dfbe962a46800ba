"""PDFs and images -> the text of the rvault QR codes in them, and where each code came from.

The pipeline measured while planning (docs: DESIGN.md): PDFium renders each page in grayscale
at 300 dpi, zxing-cpp finds the codes, and further passes with other settings recover codes
the first pass missed (vault.paper.passes: which passes, in what order, and when to stop;
vault.paper.pages: opening inputs within their caps). PDFium is not thread-safe, so pages
run in parallel in worker processes, and a caller that already holds enough codes can stop
the scan between pages. Heavy imports happen inside functions so `rvault --help` starts fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vault.errors import InvalidData, MissingInput
from vault.paper.pages import (
    DEFAULT_DPI,
    MAX_PAGES,
    expand_folders,
    load_image,
    open_image,
    open_pdf,
    render_page,
)

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

    from PIL.Image import Image
_Task = tuple[str, str, int, int]  # source, "pdf" or "image", 0-based page, dpi


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


def scan_pdf(pdf: bytes, source: str = "<pdf>", dpi: int = DEFAULT_DPI) -> list[PageCodes]:
    """The rvault codes on every page of a PDF given as bytes, page by page."""
    doc = open_pdf(pdf, source)
    try:
        return [_page_codes(render_page(doc, i, dpi, source), source, i) for i in range(len(doc))]
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
    doc = open_pdf(source, source)
    try:
        return _page_codes(render_page(doc, index, dpi, source), source, index, stop, settled)
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
        doc = open_pdf(source, source)
        pages = len(doc)
        doc.close()
        return [(source, "pdf", i, dpi) for i in range(pages)]
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
    return [(source, "image", i, dpi) for i in range(frames)]


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
