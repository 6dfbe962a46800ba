"""Page geometry and text layout shared by every printed page (kit, key and share sheets).

Pure and cheap to import: reportlab is imported inside the functions that measure text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, NamedTuple

from vault.paper.frames import TAG

CODES_PER_PAGE = 6  # 2 columns x 3 rows
COLUMNS, ROWS = 2, 3
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
FORMAT_MARK = TAG.rstrip(":")  # printed in every header for whoever finds the kit in 30 years
CMD_NOTE_MM = 62.0  # where the explanation of a "$ command -- note" line starts
COLUMN_GAP = 14.0  # points between two columns of text (typeable codes, an index)


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
    # Typeable codes in two columns: a 60-character line fits half an A4 or Letter page.
    "tcode": ("Courier", 7.2, 8.8, 0.0),
    "tcode5": ("Courier", 7.2, 11.6, 0.0),
    "th2": ("Helvetica-Bold", 8.5, 14.0, 0.0),
    "colstart": ("Helvetica", 7.2, 0.0, 0.0),  # the two columns start here
    "column": ("Helvetica", 7.2, 0.0, 0.0),  # go on at the top of the right-hand column
    "th": ("Helvetica-Bold", 9.5, 19.0, 0.0),
    "row": ("Helvetica", 9.5, 13.0, 0.0),
    "th_r": ("Helvetica-Bold", 9.5, 0.0, 0.0),  # "_r": the right column of the line above
    "note_c": ("Helvetica", 10.0, 0.0, CMD_NOTE_MM * MM),  # "_c": beside the command above
    "row_r": ("Helvetica", 9.5, 0.0, 0.0),
}


def height(items: list[Item]) -> float:
    """The height in points that items take on a page."""
    return sum(STYLES[style][2] for style, _ in items)


def wrap(text: str, style: str, width: float, first: str = "") -> list[Item]:
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
            items += wrap(para, rest, width, first=first)
    return items


def new_canvas(out: Any, paper: str, title: str) -> Any:
    """A reportlab canvas for one printed document, titled, writing into out."""
    from reportlab.pdfgen.canvas import Canvas

    # invariant=1 fixes the timestamp and document id: equal input gives equal bytes.
    c = Canvas(out, pagesize=page_size(paper), invariant=1)
    c.setTitle(drawable(title))
    c.setCreator("rvault")
    return c


def draw_header(
    c: Any, box: tuple[float, float, float], ids: str, title: str, right: str, hint: str
) -> None:
    """The two-line header every printed page carries, in box = (left, right, top).

    Line 1: ids, the bold title clipped to the room left, and `right` flush right; line 2:
    the hint, shrunk to fit. The kit and the key and share sheets share it, so a sheet and
    its kit visibly belong together.
    """
    left, right_x, top = box
    width = right_x - left
    room = width - text_width(right + ids, "Helvetica", HEADER_SIZE) - 20
    base = top - 0.8 * HEADER_SIZE  # ascenders reach 0.75 em: top of the band
    c.setFont("Helvetica", HEADER_SIZE)
    c.drawString(left, base, ids)
    c.drawRightString(right_x, base, right)
    c.setFont("Helvetica-Bold", HEADER_SIZE)
    title = clip_text(drawable(title), "Helvetica-Bold", HEADER_SIZE, room)
    c.drawString(left + text_width(ids, "Helvetica", HEADER_SIZE), base, title)
    fit = width / text_width(hint, "Helvetica", HINT_SIZE)
    c.setFont("Helvetica", min(HINT_SIZE, HINT_SIZE * fit))
    c.drawString(left, base - HEADER_SIZE, hint)  # descenders stay in the band
