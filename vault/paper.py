"""Frames -> a printable recovery kit (PDF via reportlab); page geometry; QR images.

Pure: every function returns bytes, text or images and writes nothing. This module sees only
encrypted frames and entry names, never secrets. reportlab, zxing-cpp and PIL are imported
inside the functions that use them, so `import vault.paper` stays cheap.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from .frames import Frame, short_id, text_lines

if TYPE_CHECKING:
    from PIL import Image

QR_EC_LEVEL = "L"  # decided by the lead: lost codes are covered by erasure coding instead
CODES_PER_PAGE = 6  # 2 columns x 3 rows
COLUMNS, ROWS = 2, 3
MAX_FRAME_CHARS = 4296  # version 40-L alphanumeric capacity
QUIET = 4  # modules of white around each code, as the QR standard asks

MM = 72 / 25.4  # PDF points per millimetre
PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}  # portrait, millimetres
MARGIN_MM = 8.0  # printers cannot print to the edge: nothing is drawn in the margin
HEADER_MM = 6.0  # two header lines above the grid
LABEL_MM = 3.2  # one label line under each code's bottom quiet zone
ROW_GAP_MM = 1.5  # keeps a label visibly nearer its own code than the code below
MAX_MODULE_MM = 0.5
# A 300 dpi scan needs >= 5 pixels per module (0.423 mm). Three rows of 185-module squares
# (177 + two quiet zones) plus header and labels must fit the page height, so version-40
# codes get 0.47 mm modules on A4 (5.6 px at 300 dpi) and 0.44 mm on US Letter (5.2 px).
MIN_MODULE_MM = 5 * 25.4 / 300
# PDFium draws a 1-pixel-per-module image with crisp edges when it enlarges it, but smooths
# the same image pre-enlarged 2-8x into grey edges; 1 px is also the smallest file.
PX_PER_MODULE = 1
HEADER_SIZE, HINT_SIZE, LABEL_SIZE = 7.5, 6.5, 8.5
FORMAT_MARK = "RVK1"  # the format, printed in every header for whoever finds the kit in 30 years
RESTORE_PHOTOS = "rvault restore kit-photos"
RESTORE_TEXT = "rvault restore --text"  # line by line, each checked as it is typed
CMD_NOTE_MM = 62.0  # where the explanation of a "$ command -- note" line starts

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


class Rect(NamedTuple):
    """An axis-aligned box in PDF points, origin at the bottom left of the page."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Rect) -> bool:
        """Whether the boxes share any area (touching edges do not count)."""
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )


@dataclass(frozen=True, kw_only=True)
class KitFacts:
    """What the cover and the headers say about the vault and this kit (nothing secret)."""

    title: str = "rvault recovery kit"
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


@dataclass(frozen=True)
class DataLayout:
    """Where everything on a codes sheet goes; slots in reading order."""

    page: tuple[float, float]
    module_mm: float
    printable: Rect
    header: Rect
    symbols: tuple[Rect, ...]
    quiet_zones: tuple[Rect, ...]  # each includes its symbol
    labels: tuple[Rect, ...]


def page_size(paper: str) -> tuple[float, float]:
    """Page width and height in points for "a4" or "letter"."""
    if paper.lower() not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    w, h = PAPERS[paper.lower()]
    return w * MM, h * MM


def data_layout(paper: str = "a4", modules: int = 177) -> DataLayout:
    """The codes-sheet geometry for codes `modules` wide (177 is version 40)."""
    w, h = page_size(paper)
    side = modules + 2 * QUIET
    fixed = HEADER_MM + ROWS * LABEL_MM + (ROWS - 1) * ROW_GAP_MM
    fit_v = (h / MM - 2 * MARGIN_MM - fixed) / (ROWS * side)
    fit_h = (w / MM - 2 * MARGIN_MM) / (COLUMNS * side)
    # Whole hundredths of a millimetre, so the size can be stated and reproduced.
    module_mm = min(MAX_MODULE_MM, math.floor(min(fit_v, fit_h) * 100) / 100)
    if module_mm < MIN_MODULE_MM:
        raise ValueError(f"a {modules}-module code does not fit readably on {paper} paper")
    m, margin, label_h = module_mm * MM, MARGIN_MM * MM, LABEL_MM * MM
    header = Rect(margin, h - margin - HEADER_MM * MM, w - margin, h - margin)
    row_h = side * m + label_h
    gap = ROW_GAP_MM * MM  # rows pack at the top; small codes leave the rest blank
    cell_w = (w - 2 * margin) / COLUMNS
    symbols, quiet, labels = [], [], []
    for slot in range(CODES_PER_PAGE):
        row, col = divmod(slot, COLUMNS)
        top = header.y0 - row * (row_h + gap)
        x0 = margin + col * cell_w + (cell_w - side * m) / 2
        q = Rect(x0, top - side * m, x0 + side * m, top)
        quiet.append(q)
        symbols.append(Rect(q.x0 + QUIET * m, q.y0 + QUIET * m, q.x1 - QUIET * m, q.y1 - QUIET * m))
        labels.append(Rect(q.x0, q.y0 - label_h, q.x1, q.y0))
    printable = Rect(margin, margin, w - margin, h - margin)
    return DataLayout((w, h), module_mm, printable, header, *map(tuple, (symbols, quiet, labels)))


def code_sheet(index: int) -> int:
    """The 1-based codes sheet on which code `index` (0-based) is printed."""
    if index < 0:
        raise ValueError("code index must be >= 0")
    return index // CODES_PER_PAGE + 1


def qr_matrix_image(text: str, module_px: int = 1, version: int | None = None) -> Image.Image:
    """The QR code (level QR_EC_LEVEL, no quiet zone) as a greyscale image, 0 = dark."""
    return _qr_image(text, module_px, quiet_zone=False, version=version)


def qr_png(text: str) -> bytes:
    """A 1-bit PNG of the QR code, 4 pixels per module, with its quiet zone."""
    out = io.BytesIO()
    _qr_image(text, 4, quiet_zone=True).convert("1").save(out, format="PNG", optimize=True)
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


def _qr_image(
    text: str, module_px: int, quiet_zone: bool, version: int | None = None
) -> Image.Image:
    import zxingcpp
    from PIL import Image

    if len(text) > MAX_FRAME_CHARS:
        raise ValueError(f"QR text is {len(text)} characters, above {MAX_FRAME_CHARS}")
    # zxing-cpp, not qrcode: qrcode's automatic mask choice costs ~0.13 s per version-40 code.
    options: dict[str, Any] = {"ec_level": QR_EC_LEVEL}
    if version is not None:
        options["version"] = version
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, **options)
    pixels = memoryview(code.to_image(scale=module_px, add_quiet_zones=quiet_zone))  # type: ignore[arg-type]
    h, w = pixels.shape or (0, 0)
    return Image.frombuffer("L", (w, h), pixels.tobytes(), "raw", "L", 0, 1)


def drawable(text: str) -> str:
    """text reduced to what reportlab's built-in fonts can draw (WinAnsi); the rest is '?'."""

    def fits(s: str) -> bool:
        return bool(s) and s.encode("cp1252", "replace").decode("cp1252") == s

    out = []
    for ch in unicodedata.normalize("NFC", text):
        if unicodedata.category(ch) in ("Cc", "Cf"):  # tabs, newlines, zero-width marks
            ch = " " if ch.isspace() else ""
        elif not fits(ch):  # "ő" -> "o": losing an accent beats losing the letter
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            ch = base if fits(base) else "?"
        out.append(ch)
    return "".join(out)


def text_width(text: str, font: str, size: float) -> float:
    """Width in points of text set in a built-in font."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, font, size))


def clip_text(text: str, font: str, size: float, width: float) -> str:
    """text shortened with an ellipsis to fit width points."""
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text + "...", font, size) > width:
        text = text[:-1]
    return text + "..."


# Content below the header is a list of (style, text) lines, paginated before drawing so
# that every header can say "page i of N".
Item = tuple[str, str]
STYLES = {  # style: (font, size, leading, indent)
    "h1": ("Helvetica-Bold", 13.0, 20.0, 0.0),
    "h2": ("Helvetica-Bold", 11.0, 19.0, 0.0),
    "p": ("Helvetica", 11.0, 14.0, 0.0),
    "pb": ("Helvetica-Bold", 11.0, 14.0, 0.0),
    "step": ("Helvetica", 11.0, 14.0, 12.0),  # later lines of a numbered step or a bullet
    "stepb": ("Helvetica-Bold", 11.0, 14.0, 12.0),
    "cmd": ("Courier-Bold", 11.0, 17.0, 12.0),
    "gap": ("Helvetica", 11.0, 5.0, 0.0),  # between paragraphs
    "code": ("Courier", 10.0, 12.5, 0.0),
    "code5": ("Courier", 10.0, 16.5, 0.0),  # a gap before every fifth line guides the eye
    "th": ("Helvetica-Bold", 9.5, 19.0, 0.0),
    "row": ("Helvetica", 9.5, 13.0, 0.0),
    "th_r": ("Helvetica-Bold", 9.5, 0.0, 0.0),  # "_r": the right column of the line above
    "note_c": ("Helvetica", 10.0, 0.0, CMD_NOTE_MM * MM),  # "_c": beside the command above
    "row_r": ("Helvetica", 9.5, 0.0, 0.0),
}


def _height(items: list[Item]) -> float:
    return sum(STYLES[style][2] for style, _ in items)


def _wrap(text: str, style: str, width: float, first: str = "") -> list[Item]:
    """Word-wrapped lines; `first` styles the first line (a numbered step's number)."""
    font, size, _, indent = STYLES[style]
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", font, size) <= width - indent:
            lines[-1] += " " + word
        elif lines and word[0].isdigit() and " " in lines[-1]:
            # No line may start with a number: the PDF's text is searched for typeable code
            # lines ("003-07 ..."), so a number takes the word before it along.
            head, last = lines[-1].rsplit(" ", 1)
            lines[-1:] = [head, f"{last} {word}"]
        else:
            lines.append(word)
    return [(first if i == 0 and first else style, line) for i, line in enumerate(lines)]


class _Pages:
    """A reportlab canvas plus the header every page carries."""

    def __init__(self, facts: KitFacts, paper: str, total: int) -> None:
        from reportlab.pdfgen.canvas import Canvas

        self.facts, self.total, self.page_no = facts, total, 0
        w, h = page_size(paper)
        self.out = io.BytesIO()
        # invariant=1 fixes the timestamp and document id: equal input gives equal bytes.
        self.c: Any = Canvas(self.out, pagesize=(w, h), invariant=1)
        self.c.setTitle(drawable(facts.title))
        self.c.setCreator("rvault")
        self.left, self.right, self.head = MARGIN_MM * MM, w - MARGIN_MM * MM, h - MARGIN_MM * MM
        self.top = self.head - HEADER_MM * MM  # content lines hang below this
        self.width = self.right - self.left

    def start(self, sheet: str = "") -> None:
        """Begin a page with its header; sheet is e.g. "codes sheet 2 of 3"."""
        if self.page_no:
            self.c.showPage()
        self.page_no += 1
        f, c, bold = self.facts, self.c, "Helvetica-Bold"
        right = " · ".join(
            p for p in (FORMAT_MARK, sheet, f"page {self.page_no} of {self.total}") if p
        )
        # The ids lead the line: a title starting with a number could pass for a code line.
        ids = f"kit {short_id(f.kit_id)} · vault {short_id(f.vault_id)} · "
        room = self.width - text_width(right + ids, "Helvetica", HEADER_SIZE) - 20
        base = self.head - 0.8 * HEADER_SIZE  # ascenders reach 0.75 em: top of the band
        c.setFont("Helvetica", HEADER_SIZE)
        c.drawString(self.left, base, ids)
        c.drawRightString(self.right, base, right)
        c.setFont(bold, HEADER_SIZE)
        title = clip_text(drawable(f.title), bold, HEADER_SIZE, room)
        c.drawString(self.left + text_width(ids, "Helvetica", HEADER_SIZE), base, title)
        hint = (
            f"{_any(f.k, f.n, 'the')} the encrypted vault: pip install "
            "recovery-vault, then rvault restore <folder of photos of the codes sheets>. "
            "All steps are on page 1."
        )
        c.setFont(
            "Helvetica",
            min(HINT_SIZE, HINT_SIZE * self.width / text_width(hint, "Helvetica", HINT_SIZE)),
        )
        c.drawString(self.left, base - HEADER_SIZE, hint)  # descenders stay in the band

    def lines(self, items: list[Item], y: float | None = None) -> float:
        """Draw lines of text from y (default: the top of the page body); the y reached."""
        y = self.top if y is None else y
        for style, text in items:
            font, size, leading, indent = STYLES[style]
            y -= leading
            if y < MARGIN_MM * MM:
                raise RuntimeError("page content overflows the bottom margin")
            x = self.right - 45 * MM if style.endswith("_r") else self.left + indent
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
    index = _index_pages(facts, body, width) if facts.index is not None else []
    text = _text_pages(frames, facts.k, body, width) if include_text else []
    sheets = -(-len(frames) // CODES_PER_PAGE)
    pages = _Pages(facts, paper, 1 + len(index) + sheets + len(text))
    spans = ((2, 1 + len(index)), (2 + len(index), 1 + len(index) + sheets))
    pages.start()
    _cover(pages, *spans, (spans[1][1] + 1, pages.total))
    for items in index:
        pages.start()
        pages.lines(items)
    for s in range(sheets):
        pages.start(f"codes sheet {s + 1} of {sheets}")
        _draw_sheet(pages, layout, list(zip(frames, images, strict=True))[s * CODES_PER_PAGE :])
    for items in text:
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


def _index_pages(facts: KitFacts, body: float, width: float) -> list[list[Item]]:
    head = f"Index: the {facts.entry_count} entries in this vault"
    note = ("p", "Names only; secrets are only in the encrypted codes.")
    per_page = int((body - _height([("h1", ""), note, ("th", "")])) // STYLES["row"][2])
    rows = list(facts.index or ()) or [("(the vault has no entries)", "")]
    pages = []
    for start in range(0, len(rows), per_page):
        items = [("h1", head + (", continued" if start else "")), note]
        items += [("th", "Name"), ("th_r", "Kind")]
        for no, (name, kind) in enumerate(rows[start : start + per_page], start + 1):
            # "12." rather than "12": a name like "2024-05 bank" must not read as a code line.
            name = f"{no}.  {drawable(name)}" if facts.index else name
            items.append(("row", clip_text(name, "Helvetica", 9.5, width - 45 * MM - 8)))
            items.append(("row_r", clip_text(drawable(kind), "Helvetica", 9.5, 45 * MM)))
        pages.append(items)
    return pages


def _text_pages(frames: list[Frame], k: int, body: float, width: float) -> list[list[Item]]:
    codes = f"{k} complete code{'s' * (k > 1)}"
    intro = _wrap(
        "Use these pages only if photos or scans of the codes sheets do not restore the vault. "
        "Run the command below: it asks for one line at a time and checks each line as you "
        "press Enter. Type each line as printed, including the code and line number at the "
        "start (for example 003-07) and the last two characters, which check the line. Case, "
        "spaces and dashes do not matter; 0 and O are treated the same, and so are 1, I and L. "
        "The dots that end the last line of a code need not be typed. "
        f"You only need {codes}: every line of any {'one' if k == 1 else k} of the codes. "
        "(A plain text file of "
        "typed lines works too: rvault restore --text typed.txt.)",
        "p",
        width,
    )
    pages: list[list[Item]] = [[("h1", "Typeable codes"), *intro, ("cmd", RESTORE_TEXT)]]
    for fr in frames:
        lines = text_lines(fr)
        head = f"code {fr.index + 1} of {fr.n} ({len(lines)} lines)"
        page = pages[-1]
        if _height([*page, ("h2", ""), ("code", ""), ("code", "")]) > body:
            pages.append(page := [])
        page.append(("h2", head))
        for no, line in enumerate(lines):
            item = ("code5" if no % 5 == 0 and page[-1][0] != "h2" else "code", line)
            if _height([*page, item]) > body:
                pages.append(page := [("h2", head + ", continued"), ("code", line)])
            else:
                page.append(item)
    return pages


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

1. On any computer with Python 3.10 or newer, open a terminal and install rvault:

$ pip install recovery-vault

2. Take a photo or scan of each codes sheet ({sheets}) and put them in one folder, for
example a folder named kit-photos holding {photos}. Phone photos are fine: keep the page flat,
well lit and sharp. File names and order do not matter. Then run:

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


def example_photos(sheets: int) -> str:
    """The cover's example folder contents: one photo per codes sheet."""
    if sheets == 1:
        return "one photo, sheet-1.jpg"
    if sheets == 2:
        return "two photos, sheet-1.jpg and sheet-2.jpg"
    return f"{sheets} photos, sheet-1.jpg to sheet-{sheets}.jpg"


def paragraphs(text: str, width: float) -> list[Item]:
    """Blank-line-separated text as wrapped, styled items for a page of width points."""
    items: list[Item] = []
    for para in text.strip().split("\n\n"):
        para = " ".join(para.split())
        if items and items[-1][0] != "h2" and not para.startswith(("## ", "$ ")):
            items.append(("gap", ""))
        if para.startswith("## "):
            items.append(("h2", para[3:]))
        elif para.startswith("$ "):
            command, _, note = para[2:].partition(" -- ")
            items.append(("cmd", command))
            if note:
                items.append(("note_c", note))
        else:
            bold, para = para.startswith("! "), para.removeprefix("! ")
            hanging = re.match(r"(\d+\.|\N{BULLET}) ", para) is not None
            first = "pb" if bold else "p"
            rest = ("stepb" if bold else "step") if hanging else first
            items += _wrap(para, rest, width, first=first)
    return items


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
    ):
        y -= 14
        c.setFont("Helvetica-Bold", 10.5)
        c.drawString(left, y, key)
        c.setFont("Helvetica", 10.5)
        c.drawString(left + 72, y, clip_text(value, "Helvetica", 10.5, width - 72))
    # The one number that matters in an emergency, where nobody can miss it.
    y -= 60
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
        "rvault restore --text typed.txt):"
        if text[0] <= text[1]
        else "read each code with a phone's QR scanner app and put its text (it starts with "
        "RVK1:) on its own line of a plain text file named typed.txt, then run:",
        typed=RESTORE_TEXT if text[0] <= text[1] else "rvault restore --text typed.txt",
        after=AFTER_RESTORE,
        printed=drawable(f.printed),
        generation=f.generation,
    )
    y = pages.lines(paragraphs(words, width), y - 4) - 26
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
