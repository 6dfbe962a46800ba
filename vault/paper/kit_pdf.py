"""Frames -> a printable recovery kit (PDF via reportlab): cover, index, codes sheets, text.

Pure: every function returns bytes and writes nothing. This module sees only encrypted frames
and entry names, never secrets. reportlab is imported inside the functions that use it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from vault.paper.frames import TAG, Frame, short_id
from vault.paper.kit_index import KIND_COLUMN_MM, KIND_MM, index_pages, index_under_codes
from vault.paper.layout import (
    CODES_PER_PAGE,
    COLUMN_GAP,
    FORMAT_MARK,
    HEADER_MM,
    LABEL_SIZE,
    MARGIN_MM,
    MM,
    PX_PER_MODULE,
    STYLES,
    DataLayout,
    Item,
    clip_text,
    data_layout,
    draw_header,
    drawable,
    new_canvas,
    page_size,
    paragraphs,
    text_width,
)
from vault.paper.qr import qr_matrix_image
from vault.paper.typeable import RESTORE_TEXT, RESTORE_TYPED, TEXT_HEAD, text_pages
from vault.policy import KIT_TITLE

RESTORE_PHOTOS = "rvault restore kit-photos"
PAGE_NAME = "rvault-restore.html"  # the browser page written beside the kit's PDF

# The last part of every printed set (kit cover, recovery sheet, share sheets): a newcomer
# who has only the paper must get a code out without ever reading --help. Markup as in
# COVER_TEXT; "$ command -- note" prints the note beside the command.
AFTER_RESTORE = """\
## Get your codes out

rvault has saved the restored vault in its usual place on this computer and said where, so
these commands find it. Each asks for your passphrase. For NAME, type an entry's name as rvault
list shows it, in quotes if it has spaces, such as "Laptop BitLocker".

$ rvault list -- the names of all your entries

$ rvault use NAME -- the next unused backup code (now marked used)

$ rvault totp NAME -- the sign-in code of an authenticator entry

$ rvault show NAME -- a recovery key, a note, or all codes of an entry

\N{BULLET} Backup codes you used after this paper was printed still look unused: if a site refuses
one, mark it with rvault edit NAME --mark-used NUMBER and take the next.

\N{BULLET} Then print a new kit (rvault kit --out new-kit.pdf), put it in the box and shred this
old one.
"""


@dataclass(frozen=True, kw_only=True)
class KitFacts:
    """What the cover and the headers say about the vault and this kit (nothing secret)."""

    title: str = KIT_TITLE
    printed: str  # date, "2026-11-24"
    vault_id: bytes
    kit_id: bytes
    generation: int
    entry_count: int
    kdf: str  # "Argon2id, 256 MiB memory, 8 passes, 4 lanes"
    memory_mib: int  # memory needed to open (largest slot)
    vault_size: int  # bytes
    n: int  # codes printed
    k: int  # codes needed
    index: tuple[tuple[str, str], ...] | None  # (entry name, kind); None for --no-index
    page_sha256: str | None = None  # the browser restore page printed beside the kit, if any


class _Pages:
    """A reportlab canvas plus the header every page carries."""

    def __init__(self, facts: KitFacts, paper: str, total: int) -> None:
        self.facts, self.total, self.page_no = facts, total, 0
        w, h = page_size(paper)
        self.out = io.BytesIO()
        self.c: Any = new_canvas(self.out, paper, facts.title)
        self.left, self.right, self.head = MARGIN_MM * MM, w - MARGIN_MM * MM, h - MARGIN_MM * MM
        self.top = self.head - HEADER_MM * MM  # content lines hang below this
        self.width = self.right - self.left

    def start(self, sheet: str = "") -> None:
        """Begin a page with its header; sheet is e.g. "codes sheet 2 of 3"."""
        if self.page_no:
            self.c.showPage()
        self.page_no += 1
        f = self.facts
        right = " · ".join(
            p for p in (FORMAT_MARK, sheet, f"page {self.page_no} of {self.total}") if p
        )
        # The ids lead the line: a title starting with a number could pass for a code line.
        ids = f"kit {short_id(f.kit_id)} · vault {short_id(f.vault_id)} · "
        hint = (
            f"{_any(f.k, f.n, 'the')} the encrypted vault: pip install "
            "recovery-vault, then rvault restore <folder of photos of the codes sheets>. "
            "All steps are on page 1."
        )
        draw_header(self.c, (self.left, self.right, self.head), ids, f.title, right, hint)

    def lines(self, items: list[Item], y: float | None = None) -> float:
        """Draw lines of text from y (default: the top of the page body); the y reached."""
        y = self.top if y is None else y
        col_top, x0, kind_x = y, self.left, self.right - KIND_MM * MM
        for style, text in items:
            if style == "colstart":  # two columns: an index's kinds end at its column's edge
                col_top = y
                kind_x = self.left + (self.width - COLUMN_GAP) / 2 - KIND_COLUMN_MM * MM
                continue
            if style == "column":
                y, x0 = col_top, self.left + (self.width + COLUMN_GAP) / 2
                kind_x = self.right - KIND_COLUMN_MM * MM
                continue
            font, size, leading, indent = STYLES[style]
            y -= leading
            if y < MARGIN_MM * MM:
                raise RuntimeError("page content overflows the bottom margin")
            x = kind_x if style.endswith("_r") else x0 + indent
            self.c.setFont(font, size)
            self.c.drawString(x, y + 0.25 * size, text)
        return y

    def finish(self) -> bytes:
        """Close the last page and return the PDF."""
        if self.page_no != self.total:
            raise RuntimeError(f"drew {self.page_no} pages, planned {self.total}")
        self.c.showPage()
        self.c.save()
        return self.out.getvalue()


def render_kit(
    frames: list[Frame], facts: KitFacts, paper: str = "a4", include_text: bool = True
) -> bytes:
    """The recovery kit PDF: cover, optional index, codes sheets, optional typeable text."""
    frames = sorted(frames, key=lambda fr: fr.index)
    first = frames[0] if frames else None
    if first is None or [fr.index for fr in frames] != list(range(first.n)):
        raise ValueError("render_kit needs every frame of one kit, each once")
    said = (facts.vault_id, facts.kit_id, facts.n, facts.k)
    if said != (first.vault_id, first.kit_id, first.n, first.k) or any(
        fr.kit_key != first.kit_key for fr in frames
    ):
        raise ValueError("the frames and KitFacts do not all describe one kit")
    images = [qr_matrix_image(fr.to_text(), PX_PER_MODULE) for fr in frames]
    if len({img.size for img in images}) != 1:
        # Equal-length texts can still need different versions (zxing packs digit runs more
        # tightly); one grid needs one size, so every code takes the largest version.
        side = max(img.width for img in images) // PX_PER_MODULE
        version = (side - 17) // 4
        images = [qr_matrix_image(fr.to_text(), PX_PER_MODULE, version) for fr in frames]
    if len({img.size for img in images}) != 1:
        raise ValueError("all codes of a kit must be the same QR version")
    layout = data_layout(paper, images[0].width // PX_PER_MODULE)
    body = layout.header.y0 - MARGIN_MM * MM
    width = layout.page[0] - 2 * MARGIN_MM * MM
    entries, count = facts.index or (), facts.entry_count
    index = index_pages(entries, count, body, width) if facts.index is not None else []
    sheets = -(-len(frames) // CODES_PER_PAGE)
    # Under the last codes sheet's codes there is often room for a small vault's index.
    last_row = min(r.y0 for r in layout.labels[: len(frames) - CODES_PER_PAGE * (sheets - 1)])
    room = last_row - 12 - MARGIN_MM * MM
    under = index_under_codes(entries, count, room, width) if index and include_text else []
    if include_text:
        # Then the typeable codes follow the codes sheets, after the index if it did not
        # fit there: a small vault's whole kit is a cover, a codes sheet and a page or two
        # of text. The text begins on the index's last page when there is room for it.
        index = [] if under else index
        text = text_pages(frames, facts.k, body, width, index[-1] if index else [])
        before, after = [], [*index[:-1], *text]
        starts = 2 + sheets + next(i for i, page in enumerate(after) if TEXT_HEAD in page)
        where = (1 + sheets, 1 + sheets) if under else (2 + sheets, 1 + sheets + len(index))
        spans = (where, (2, 1 + sheets))
        text_span = (starts, 1 + sheets + len(after))
    else:
        before, after = index, []
        spans = ((2, 1 + len(index)), (2 + len(index), 1 + len(index) + sheets))
        text_span = (1, 0)
    pages = _Pages(facts, paper, 1 + len(before) + sheets + len(after))
    pages.start()
    _cover(pages, spans[0] if facts.index is not None else (1, 0), spans[1], text_span)
    for items in before:
        pages.start()
        pages.lines(items)
    for s in range(sheets):
        pages.start(f"codes sheet {s + 1} of {sheets}")
        _draw_sheet(pages, layout, list(zip(frames, images, strict=True))[s * CODES_PER_PAGE :])
    if under:
        pages.lines(under, last_row - 12)
    for items in after:
        pages.start()
        pages.lines(items)
    return pages.finish()


def _draw_sheet(pages: _Pages, layout: DataLayout, codes: list[tuple[Frame, Any]]) -> None:
    from reportlab.lib.utils import ImageReader

    c, kit = pages.c, short_id(pages.facts.kit_id)
    for (fr, img), sym, lab in zip(codes, layout.symbols, layout.labels, strict=False):
        c.drawImage(ImageReader(img), sym.x0, sym.y0, sym.x1 - sym.x0, sym.y1 - sym.y0)
        bold, rest = f"code {fr.index + 1} of {fr.n}", f" · kit {kit}"
        bold_w = text_width(bold, "Helvetica-Bold", LABEL_SIZE)
        x = (lab.x0 + lab.x1 - bold_w - text_width(rest, "Helvetica", LABEL_SIZE)) / 2
        base = lab.y1 - 0.75 * LABEL_SIZE  # capitals reach 0.72 em: inside the label band
        c.setFont("Helvetica-Bold", LABEL_SIZE)
        c.drawString(x, base, bold)
        c.setFont("Helvetica", LABEL_SIZE)
        c.drawString(x + bold_w, base, rest)


def _any(k: int, n: int, det: str) -> str:
    return f"Any {k} of {det} {n} codes " + ("restores" if k == 1 else "restore")


def _span(pages: tuple[int, int]) -> str:
    return f"page {pages[0]}" if pages[0] == pages[1] else f"pages {pages[0]}-{pages[1]}"


# Paragraphs are separated by blank lines. "## " starts a heading, "$ " a command, "! " a
# bold warning, "1. " a numbered step. Plain words and short sentences: the reader may be
# a relative who has never used a terminal.
COVER_TEXT = """\
## What this is

These pages hold your whole rvault vault: your backup codes and recovery keys. The codes are
encrypted. Without your passphrase they reveal nothing.{names}

## How to restore

{browser}1. On any computer with Python 3.10 or newer, open a terminal and install rvault:

$ pip install recovery-vault

2. Take a photo or scan of each codes sheet ({sheets}) and put them in one folder, for
example a folder named kit-photos holding {photos}. Phone photos are fine: keep the page flat,
well lit and sharp. File names and order do not matter; several photos of one sheet may
be given together. Then run:

$ {restore}

3. If some codes will not scan, {typing}

$ {typed}

{after}
## Keep this kit safe

! \N{BULLET} NEVER store your passphrase with this kit. Anyone with both can open your vault.

\N{BULLET} Keep it in a fireproof box or a safe, dry and out of the sun, and a second copy in
another place. This kit holds the vault as it was on {printed} (generation {generation}); a
newer kit replaces it.
"""


# One plain line for whoever has a browser but no Python: the page needs no install.
BROWSER_TEXT = f"""! No Python? Open {PAGE_NAME} in any web browser instead (keep a copy on a USB
stick in this box and one in your e-mail: it holds no secrets).

"""


def _fingerprint(digest: str) -> str:
    """A SHA-256 in groups of eight, easy to compare with what a computer prints."""
    return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))


def example_photos(sheets: int) -> str:
    """The cover's example folder contents: one photo per codes sheet."""
    if sheets == 1:
        return "one photo, sheet-1.jpg"
    if sheets == 2:
        return "two photos, sheet-1.jpg and sheet-2.jpg"
    return f"{sheets} photos, sheet-1.jpg to sheet-{sheets}.jpg"


def _cover(
    pages: _Pages, index: tuple[int, int], sheets: tuple[int, int], text: tuple[int, int]
) -> None:
    """The cover; each page range is (first, last), empty when last < first."""
    f, c, left, width = pages.facts, pages.c, pages.left, pages.width
    y = pages.top - 34
    c.setFont("Helvetica-Bold", 22)
    title = drawable(f.title)
    if title[:1].isdigit():  # alone on its line, "2024-05 my kit" would read as a code line
        title = f"\N{LEFT DOUBLE QUOTATION MARK}{title}\N{RIGHT DOUBLE QUOTATION MARK}"
    c.drawString(left, y, clip_text(title, "Helvetica-Bold", 22, width))
    y -= 8
    vault = f"generation {f.generation}, {f.entry_count} entries, {f.vault_size:,} bytes, encrypted"
    memory = f"at least {f.memory_mib} MiB of free memory"
    for key, value in (
        ("Printed", drawable(f.printed)),
        ("Vault", f"{short_id(f.vault_id)}: {vault}"),
        ("Kit", f"{short_id(f.kit_id)}: {f.n} codes on {_span(sheets)}"),
        ("Encryption", drawable(f.kdf)),
        ("To open it", f"needs your passphrase and a computer with {memory}"),
        *(
            [
                ("Web page", f"{PAGE_NAME} (to restore in a browser)"),
                ("Its SHA-256", _fingerprint(f.page_sha256)),
            ]
            if f.page_sha256
            else []
        ),
    ):
        y -= 14
        c.setFont("Helvetica-Bold", 10.5)
        c.drawString(left, y, key)
        c.setFont("Helvetica", 10.5)
        c.drawString(left + 72, y, clip_text(value, "Helvetica", 10.5, width - 72))
    # The one number that matters in an emergency, where nobody can miss it.
    y -= 56
    c.setLineWidth(2)
    c.rect(left, y, width, 46)
    c.setFont("Helvetica-Bold", 17)
    c.drawCentredString(left + width / 2, y + 23, f"{_any(f.k, f.n, 'these')} everything")
    c.setFont("Helvetica", 10.5)
    lost = f"Up to {f.n - f.k} of them may be lost, torn or unreadable."
    c.drawCentredString(left + width / 2, y + 9, lost)
    names = f" The index ({_span(index)}) lists entry names only, never secrets."
    count = sheets[1] - sheets[0] + 1
    words = COVER_TEXT.format(
        names=names if index[0] <= index[1] else "",
        sheets=_span(sheets),
        photos=example_photos(count),
        restore=RESTORE_PHOTOS,
        typing=f"type them from the text pages ({_span(text)}). Run this; it asks for one line "
        "at a time and checks each line as you press Enter (a file of typed lines works too: "
        f"{RESTORE_TYPED}):"
        if text[0] <= text[1]
        else "read each code with a phone's QR scanner app and put its text (it starts with "
        f"{TAG}) on its own line of a plain text file named typed.txt, then run:",
        typed=RESTORE_TEXT if text[0] <= text[1] else RESTORE_TYPED,
        after=AFTER_RESTORE,
        browser=BROWSER_TEXT if f.page_sha256 else "",
        printed=drawable(f.printed),
        generation=f.generation,
    )
    y = pages.lines(paragraphs(words, width), y - 4) - 16
    # A print scaled to "fit page" shrinks the codes below what a 300 dpi scan can read.
    c.setLineWidth(1.5)
    c.line(left, y, left + 100 * MM, y)
    c.line(left, y - 4, left, y + 4)
    c.line(left + 100 * MM, y - 4, left + 100 * MM, y + 4)
    c.setFont("Helvetica", 9)
    ruler = "This line should measure 10 cm (3.94 in). If it is shorter, print the kit again"
    c.drawString(left, y - 14, ruler + " at actual size (100%), not fit to page.")
    if y - 14 < MARGIN_MM * MM:
        raise RuntimeError("the cover overflows the bottom margin")
