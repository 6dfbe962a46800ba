"""The kit's typeable text: the lines of the codes needed and a spare, in two columns.

Printed after the codes sheets for small vaults (vault.paper.kit_pdf), for a person whose
photos and scans do not restore the vault: `rvault restore --text` (or the browser page)
checks each line as it is typed (vault.paper.frames.text_lines writes them).
"""

from __future__ import annotations

from vault.paper.frames import Frame, text_lines
from vault.paper.layout import STYLES, Item, height, wrap

RESTORE_TEXT = "rvault restore --text"  # line by line, each checked as it is typed
RESTORE_TYPED = f"{RESTORE_TEXT} typed.txt"  # the same from a file of typed lines
TEXT_HEAD: Item = ("h1", "Typeable codes")  # where the text begins


def printed_text_codes(n: int, k: int) -> int:
    """How many codes a kit prints as typeable text: the k needed and a quarter more (>= 1)."""
    return min(n, k + max(1, -(-k // 4)))


def text_pages(
    frames: list[Frame], k: int, body: float, width: float, start: list[Item]
) -> list[list[Item]]:
    """The typeable codes (the first k plus a margin), in two columns, after `start`."""
    shown = frames[: printed_text_codes(len(frames), k)]
    spare = len(shown) - k
    needed = f"{k} complete code{'s' * (k > 1)}"
    intro = wrap(
        "Use these lines only if photos or scans of the codes sheets do not restore the vault. "
        f"Codes 1 to {len(shown)} are printed here: any {'one' if k == 1 else k} of them "
        f"restore the vault, so you only need {needed}, every line of it "
        f"({spare} spare in case a line is smudged; the other codes are on the codes "
        "sheets only). Run the command below: it asks for one line at a time and checks each "
        "line as you press Enter. Type each line as printed, including the code and line "
        "number at the start (for example 003-07) and the last two characters, which check "
        "the line. Case, spaces and dashes do not matter; 0 and O are treated the same, and "
        "so are 1, I and L. The dots that end the last line of a code need not be typed. "
        f"(A plain text file of typed lines works too: {RESTORE_TYPED}.)",
        "p",
        width,
    )
    opening = [TEXT_HEAD, *intro, ("cmd", RESTORE_TEXT), ("colstart", "")]
    if height([*start, *opening, ("th2", ""), ("tcode", ""), ("tcode", "")]) <= body:
        page, pages = [*start, *opening], []
    else:  # a long index's last page leaves no room: the text starts a page of its own
        page, pages = opening, [start]
    pages.append(page)
    above, used, column = height(page), 0.0, 0

    def place(item: Item, head: str) -> None:
        # Down the left column, then the right one, then a new page; a code that moves on
        # says so at the top of the new column.
        nonlocal page, above, used, column
        if above + used + STYLES[item[0]][2] > body:
            if column == 0:
                page.append(("column", ""))
            else:
                page = [("colstart", "")]
                pages.append(page)
                above = 0.0
            column, used = 1 - column, 0.0
            if item[0] != "th2":
                place(("th2", f"{head}, continued"), head)
                item = ("tcode", item[1])
        page.append(item)
        used += STYLES[item[0]][2]

    for fr in shown:
        lines = text_lines(fr)
        head = f"code {fr.index + 1} of {fr.n} ({len(lines)} lines)"
        if above + used + height([("th2", ""), ("tcode", ""), ("tcode", "")]) > body:
            used = body  # a heading never ends a column
        place(("th2", head), head)
        for no, line in enumerate(lines):
            place(("tcode5" if no % 5 == 0 and no else "tcode", line), head)
    return pages
