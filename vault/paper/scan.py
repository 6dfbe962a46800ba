"""PDFs and images -> the text of the rvault QR codes in them, and where each code came from.

The pipeline measured while planning (docs: DESIGN.md): PDFium renders each page in grayscale
at 300 dpi, zxing-cpp finds the codes, and further passes with other settings recover codes
the first pass missed (vault.paper.passes: which passes, in what order, and when to stop;
vault.paper.pages: opening inputs within their caps). PDFium is not thread-safe, so PDF
pages run in parallel in worker processes, images in threads. A caller's goal is judged
after every pass on every code read so far (vault.paper.board), so a restore stops the
moment it holds enough codes; pages that hold no codes cost one look. Heavy imports happen
inside functions so `rvault --help` starts fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vault.errors import InvalidData
from vault.paper.board import Board, Goal, SharedBoard
from vault.paper.pages import (
    DEFAULT_DPI,
    Task,
    expand_folders,
    load_image,
    open_pdf,
    plan_pages,
    render_page,
)

if TYPE_CHECKING:
    from concurrent.futures import Future
    from multiprocessing.synchronize import Event

    from PIL.Image import Image


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
    goal: Goal | None = None,
    board: Board | None = None,
    put_off: bool = True,
) -> PageCodes:
    from vault.paper.passes import ImageReading, decode, first_look, reading_order

    cut = False
    posted: set[str] = set()

    def everything(found: ImageReading) -> list[str]:
        # This page's new codes onto the board; every code read so far, by every page.
        if board is None:
            return []
        new = [t for t in found.texts if t not in posted]
        posted.update(new)
        return board.post(new)

    if goal is not None and put_off:
        # Every page gets a quick first look before any page gets a full pass: those looks
        # may already hold enough codes, and then no page needs more. A page left short
        # (nothing read, a code missing, a hard photo) is put off: the caller reads it again
        # in full if, after every page, the codes are still not enough.
        found = first_look(img)
        everything(found)
        texts = tuple(reading_order(found.texts))
        return PageCodes(source, index + 1, texts, len(found.others), not found.complete(None))

    def known(found: ImageReading) -> bool:
        # Asked after every pass, so after every code decoded. Once the caller's goal is met
        # (its test on every code read so far, by this page and the others), or the caller
        # is settled, a page needs passes only until one of its codes shows which kit it
        # belongs to: an unseen newer kit must still be seen, but more codes of a kit
        # already seen cannot change the choice.
        nonlocal cut
        seen = everything(found)
        if not found.sheets:
            # Read again because the codes were not enough: once they are, a page with
            # nothing read needs no more looks either.
            return goal is not None and found.passes >= 1 and goal(seen)
        cut = (settled is not None and settled()) or (goal is not None and goal(seen))
        return cut

    watched = settled is not None or goal is not None
    # Read again in full because the first looks were not enough: deblurring too, if the
    # passes leave the page short (the restore fails without it).
    found = decode(img, stop=stop, enough=known if watched else None, deblur=goal is not None)
    texts = tuple(reading_order(found.texts))
    return PageCodes(source, index + 1, texts, len(found.others), cut)


def _scan_task(
    task: Task,
    stop: Callable[[], bool] | None = None,
    settled: Callable[[], bool] | None = None,
    goal: Goal | None = None,
    board: Board | None = None,
    put_off: bool = True,
) -> PageCodes:
    source, kind, index, dpi = task
    if stop is not None and stop():
        return PageCodes(source, index + 1, ())
    if kind == "image":
        img = load_image(source, index)
    else:
        doc = open_pdf(source, source)
        try:
            img = render_page(doc, index, dpi, source)
        finally:
            doc.close()
    return _page_codes(img, source, index, stop, settled, goal, board, put_off)


# In a worker process: set by the parent when the caller has read enough, so a page in
# progress gives up between passes and pages not yet started are skipped; and set while the
# caller is settled, so pages are read only until their kit is known (see scan_paths). The
# goal and the board let a page judge, after each pass, whether the codes are enough.
_cancelled: Event | None = None
_settled: Event | None = None
_goal: Goal | None = None
_board: Board | None = None


def _worker_task(task: Task, honour_settled: bool = True) -> PageCodes:
    settled = _settled.is_set if _settled is not None and honour_settled else None
    cancelled = _cancelled.is_set if _cancelled is not None else None
    if not honour_settled:  # read again in full, stopping only once the goal is met
        return _scan_task(task, cancelled, None, _goal, _board, put_off=False)
    return _scan_task(task, cancelled, settled, _goal, _board)


def _init_worker(cancelled: Event, settled: Event, goal: Goal | None, board: Any) -> None:
    # Ctrl-C reaches every process of the terminal; the parent alone handles it, so the
    # workers do not print a traceback each.
    import signal

    global _cancelled, _settled, _goal, _board
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _cancelled, _settled, _goal, _board = cancelled, settled, goal, SharedBoard(board)


def scan_paths(
    paths: Sequence[str | Path],
    dpi: int = DEFAULT_DPI,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
    settled: Callable[[], bool] | None = None,
    goal: Goal | None = None,
) -> Iterator[PageCodes]:
    """The rvault codes in PDFs and images, one PageCodes per page, yielded as pages finish.

    `stop` is asked before the first page and after each page is yielded (so after the
    caller has used it); once it returns True no further page is read, a page in progress
    gives up between passes, and the iteration ends. progress(done, total) is called as each
    page finishes; after a stop, done stays below total.

    `settled` is the gentler stop a restore uses (asked like `stop`): while it returns True
    every page is still read, but only until one of its codes is read (so every kit among the
    pages is seen) and without the further passes its missing codes would need. A page cut
    short that way has cut_short set; if `settled` turns False after it (its codes were of a
    kit that changed the caller's mind), it is read again with every pass and yielded again.

    `goal(texts)` (picklable: it may run in a worker) says whether the codes read so far,
    by every page, are enough. Pages ask it after each pass, so a page stops the moment its
    codes complete the kit rather than finishing its own sheet. With a goal, a page with
    nothing QR-like after the first pass is put off (cut short); if after every page the
    caller is still not settled, such pages are read again with every pass.

    Several pages are read in threads (images) or in worker processes (PDFs: PDFium is not
    thread-safe), so a script calling this needs the usual `if __name__ == "__main__":` guard.
    """
    if dpi <= 0:
        raise ValueError("dpi must be positive")
    # Every file is checked here, before any page is scanned, so a typo fails at once.
    planned = [plan_pages(path, dpi, goal is not None) for path in expand_folders(paths)]
    tasks = [task for run, _ in planned for task in run]
    parked = [task for _, put_off in planned for task in put_off]
    workers = min(workers or min(2, os.cpu_count() or 1), len(tasks))
    return _scan(tasks, parked, workers, progress, stop, settled, goal)


def _scan(
    tasks: list[Task],
    parked: list[Task],
    workers: int,
    progress: Callable[[int, int], None] | None,
    stop: Callable[[], bool] | None,
    settled: Callable[[], bool] | None,
    goal: Goal | None,
) -> Iterator[PageCodes]:
    total = len(tasks) + len(parked)
    for done, (source, _, index, _) in enumerate(parked, 1):
        if stop is not None and stop():
            return
        if progress:
            progress(done, total)
        yield PageCodes(source, index + 1, (), cut_short=True)

    def shifted(done: int, _: int) -> None:
        if progress:  # the pages read go on from the pages put off
            progress(done + len(parked), total)

    if workers <= 1:
        yield from _scan_here(tasks, shifted, stop, settled, goal)
    elif all(kind == "image" for _, kind, _, _ in tasks):
        yield from _scan_threads(tasks, workers, shifted, stop, settled, goal)
    else:
        yield from _scan_parallel(tasks, workers, shifted, stop, settled, goal)
    if settled is not None and not settled():
        yield from _read_again(parked, stop)


def _scan_here(
    tasks: list[Task],
    progress: Callable[[int, int], None] | None,
    stop: Callable[[], bool] | None,
    settled: Callable[[], bool] | None,
    goal: Goal | None,
) -> Iterator[PageCodes]:
    again: list[Task] = []  # pages cut short that must be read in full after all
    board = Board() if goal is not None else None
    for done, task in enumerate(tasks, 1):
        if stop is not None and stop():
            return
        result = _scan_task(task, stop, settled, goal, board)
        if progress:
            progress(done, len(tasks))
        yield result
        if result.cut_short:
            again.append(task)
        # Pages put off by the goal wait for the end: the other pages may still settle.
        if goal is None and settled is not None and not settled():
            yield from _read_again(again, stop)
    if settled is not None and not settled():
        yield from _read_again(again, stop, goal, board)


def _read_again(
    again: list[Task],
    stop: Callable[[], bool] | None,
    goal: Goal | None = None,
    board: Board | None = None,
) -> Iterator[PageCodes]:
    """Pages cut short, read again with every pass they need (and forgotten: each once)."""
    while again:
        if stop is not None and stop():
            return
        yield _scan_task(again.pop(0), stop, None, goal, board, put_off=False)


def _scan_threads(
    tasks: list[Task],
    workers: int,
    progress: Callable[[int, int], None] | None,
    stop: Callable[[], bool] | None,
    settled: Callable[[], bool] | None,
    goal: Goal | None,
) -> Iterator[PageCodes]:
    # Images need no PDFium, and Pillow and zxing-cpp let go of the GIL while they work:
    # threads read them in parallel without a process's start-up cost.
    import threading
    from concurrent.futures import ThreadPoolExecutor

    cancelled, calm = threading.Event(), threading.Event()
    board = Board() if goal is not None else None

    def stopped() -> bool:
        return cancelled.is_set() or (stop is not None and stop())

    def read(task: Task, first: bool) -> PageCodes:
        if not first:  # read again in full, stopping only once the goal is met
            return _scan_task(task, stopped, None, goal, board, put_off=False)
        return _scan_task(task, stopped, calm.is_set if settled else None, goal, board)

    pool = ThreadPoolExecutor(workers)
    try:
        yield from _drive(tasks, pool.submit, read, calm, progress, stop, settled, goal)
    finally:
        cancelled.set()
        pool.shutdown(wait=True, cancel_futures=True)


def _drive(
    tasks: list[Task],
    submit: Callable[..., Future[PageCodes]],
    read: Callable[[Task, bool], PageCodes],
    calm: Any,
    progress: Callable[[int, int], None] | None,
    stop: Callable[[], bool] | None,
    settled: Callable[[], bool] | None,
    goal: Goal | None,
) -> Iterator[PageCodes]:
    """Run every task on a pool, yield pages as they finish, and read cut pages again."""
    from concurrent.futures import FIRST_COMPLETED, wait

    if stop is not None and stop():
        return
    if settled is not None and settled():
        calm.set()
    pending = {submit(read, task, True): (task, True) for task in tasks}
    again: list[Task] = []  # pages cut short while settled: read in full if it ends
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
            if settled is None:
                continue
            if settled():
                calm.set()
                continue
            calm.clear()
            # Pages put off by the goal wait for the end: the other pages may still settle.
            if goal is None or done == len(tasks):
                for retry in again:
                    pending[submit(read, retry, False)] = (retry, False)
                again.clear()


def _scan_parallel(
    tasks: list[Task],
    workers: int,
    progress: Callable[[int, int], None] | None,
    stop: Callable[[], bool] | None,
    settled: Callable[[], bool] | None,
    goal: Goal | None,
) -> Iterator[PageCodes]:
    import ctypes
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if stop is not None and stop():
        return
    # "spawn" everywhere: the same behaviour on Linux, macOS and Windows, and no fork of a
    # process that already holds PDFium's global state.
    context = multiprocessing.get_context("spawn")
    cancelled, calm = context.Event(), context.Event()
    board = context.Array(ctypes.c_char, SharedBoard.SIZE if goal is not None else 4)
    pool = ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(cancelled, calm, goal, board),
    )
    try:
        yield from _drive(tasks, pool.submit, _worker_task, calm, progress, stop, settled, goal)
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
