"""The printed recovery key and its SLIP-39 share sheets (PDF via reportlab), one page each.

Pure: functions return PDF bytes. Unlike the kit, these sheets carry a secret in the clear,
so their text says plainly what they open and that they must be kept apart from the kit, the
passphrase and each other; a share sheet names nothing about other shares but their count.
Layout comes from vault.paper.layout; heavy imports wait inside functions to keep imports cheap.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from vault.paper import layout as pk  # page geometry, fonts and text layout
from vault.paper.frames import short_id
from vault.paper.kit_pdf import AFTER_RESTORE, PAGE_NAME
from vault.paper.qr import qr_image

# The kit's level L leans on erasure coding across many codes; a sheet has one code and no
# spare, so it takes Q (a quarter may be smudged or torn) while staying small: version 5 for
# a key, version 13-15 for 33 words.
SHEET_EC_LEVEL = "Q"
QR_SIDE_MM = 45.0  # target symbol size: a phone frames it easily from a hand's length
QR_MODULE_MM = (0.6, 1.0)  # >= 7 px per module at 300 dpi, and no bigger than a phone needs
KEY_FONT, KEY_SIZE, KEY_SPACE = "Courier-Bold", 22.0, 2.0  # letter-spaced for copying by hand
# Five columns of 7 rows (a share of a 32-byte key is 33 words) leave room for the
# instructions on US Letter too: an 8-letter word ends 4 pt before the next column's number.
WORD_FONT, WORD_SIZE, WORD_LEADING, WORD_COLUMNS = "Courier-Bold", 14.0, 15.5, 5
MAX_EXAMPLE_SHARES = 3  # more --share options would shrink the example command unreadably
# A folder of photos: no wildcard to get wrong, and no --out (rvault picks its usual place).
RECOVER = "rvault recover kit-photos{shares}"


@dataclass(frozen=True, kw_only=True)
class SheetFacts:
    """What a sheet's header says about the vault (nothing secret)."""

    vault_id: bytes  # printed as short_id(vault_id), as on the kit
    printed: str  # date, "2026-11-24"
    title: str = "rvault recovery key"


class _Sheet:
    """One page: a reportlab canvas with its header, and a cursor moving down the page."""

    def __init__(self, facts: SheetFacts, paper: str, what: str, hint: str) -> None:
        w, h = pk.page_size(paper)
        self.out = io.BytesIO()
        c = self.c = pk.new_canvas(self.out, paper, facts.title)
        margin = pk.MARGIN_MM * pk.MM
        self.left, self.right, head = margin, w - margin, h - margin
        self.width = self.right - self.left
        ids = f"vault {short_id(facts.vault_id)} · printed {pk.drawable(facts.printed)} · "
        pk.draw_header(
            c, (self.left, self.right, head), ids, facts.title, f"{what} · page 1 of 1", hint
        )
        self.y = head - pk.HEADER_MM * pk.MM

    def lines(self, items: list[pk.Item], x: float | None = None) -> None:
        """Draw lines of text below the cursor, from x (default: the left margin)."""
        x = self.left if x is None else x
        for style, text in items:
            font, size, leading, indent = pk.STYLES[style]
            self.y -= leading
            if style == "cmd":  # a command must stay on one line: shrink it to fit
                size = min(size, size * (self.right - x - indent) / pk.text_width(text, font, size))
            self.c.setFont(font, size)
            self.c.drawString(x + indent, self.y + 0.25 * size, text)
        if self.y < pk.MARGIN_MM * pk.MM:
            over = pk.MARGIN_MM * pk.MM - self.y
            raise RuntimeError(f"sheet content overflows the bottom margin by {over:.0f} pt")

    def heading(self, title: str, facts: SheetFacts) -> None:
        """The big title, and the vault fingerprint that matches the sheet to its kit."""
        c, self.y, room = self.c, self.y - 30, self.width - 60
        c.setFont("Helvetica-Bold", 22)
        c.drawString(self.left, self.y, title)
        for key, value in (
            ("Vault", f"{short_id(facts.vault_id)} (the same fingerprint is on the paper kit)"),
            ("Printed", pk.drawable(facts.printed)),
        ):
            self.y -= 14
            c.setFont("Helvetica-Bold", 10.5)
            c.drawString(self.left, self.y, key)
            c.setFont("Helvetica", 10.5)
            c.drawString(self.left + 60, self.y, pk.clip_text(value, "Helvetica", 10.5, room))

    def box(self, height: float) -> float:
        """A thick frame across the page below the cursor, which moves below it; its top."""
        self.y -= 12 + height
        self.c.setLineWidth(2)
        self.c.rect(self.left, self.y, self.width, height)
        return self.y + height

    def beside_qr(self, text: str, items: list[pk.Item]) -> None:
        """text's QR code at the left, items to its right; the cursor moves below both."""
        from reportlab.lib.utils import ImageReader

        img, top = qr_image(text, ec_level=SHEET_EC_LEVEL), self.y - 6
        lo, hi = QR_MODULE_MM
        m = min(hi, max(lo, math.floor(QR_SIDE_MM / img.width * 100) / 100)) * pk.MM
        side, quiet = img.width * m, pk.QUIET * m  # the quiet zone is left blank
        self.c.drawImage(ImageReader(img), self.left + quiet, top - quiet - side, side, side)
        self.y = top + 4  # the quiet zone's white already spaces the text from the code
        self.lines(items, self.left + side + 2 * quiet + 4 * pk.MM)
        self.y = min(self.y, top - side - 2 * quiet) - 4

    def finish(self, items: list[pk.Item]) -> bytes:
        """Draw the last lines, close the page and return the PDF."""
        self.lines(items)
        self.c.showPage()
        self.c.save()
        return self.out.getvalue()


# Markup as in vault.paper: "## " heading, "$ " command, "! " bold, "1. " or a bullet hangs.
HOW_TO_START = f"""\
## How to use it

! No Python? Open {PAGE_NAME} (on the USB stick with the paper kit, or in your e-mail) in any
web browser: rebuild the vault from the kit there, then choose "Use the recovery key or shares".

1. On any computer with Python 3.10 or newer, open a terminal and install rvault:

$ pip install recovery-vault
"""

RECOVERY_TEXT = """\
## Keep it apart

! \N{BULLET} Store this sheet APART from the paper kit and from your passphrase. Anyone with
this sheet and your kit can open your vault. Do not keep a photo of it on a phone or online.

\N{BULLET} When the key is rotated (rvault recovery-key rotate), this sheet stops working:
shred it.

{how_to}

2. Photograph the codes sheets of the paper kit into a folder named kit-photos, then run:

$ {recover}

3. When asked, type 1 (the recovery key), then the two lines above, pressing Enter after each.
Dashes, spaces and upper or lower case do not matter; 0/O and 1/I/L count as the same. A
copying mistake is caught, and rvault says which group to check. Then choose a new passphrase.

{after}
"""


def render_recovery_sheet(key_text: str, facts: SheetFacts, paper: str = "a4") -> bytes:
    """The one-page recovery key sheet: the key in large type and as a QR code, and its use."""
    from vault.errors import InvalidData
    from vault.paper.frames import normalize_b32
    from vault.paper.recovery import parse_printed_key

    try:
        parse_printed_key(key_text)  # a mistyped key on paper would fail only when needed
    except InvalidData as exc:
        raise ValueError(f"not a recovery key: {exc}") from None
    chars, fp = normalize_b32(key_text), short_id(facts.vault_id)
    hint = (
        f"The recovery key of vault {fp}: with the vault file or its paper kit, it opens the "
        "vault if the passphrase is forgotten. Keep it apart from both. Instructions below."
    )
    sheet = _Sheet(facts, paper, "recovery key", hint)
    sheet.heading("Recovery key", facts)
    c, top = sheet.c, sheet.box(2 * 34 + 12)
    # Two lines of 5 + 4 groups. No dash ends line 1: PDFium would take it for a soft hyphen,
    # and rvault ignores dashes anyway. Both lines start at one x: group 6 under group 1.
    groups = [chars[i : i + 6] for i in range(0, len(chars), 6)]
    key_lines = ["-".join(groups[:5]), "-".join(groups[5:])]
    first_w = pk.text_width(key_lines[0], KEY_FONT, KEY_SIZE) + KEY_SPACE * (len(key_lines[0]) - 1)
    c.saveState()  # the character spacing would otherwise stick to all later text
    text = c.beginText(sheet.left + (sheet.width - first_w) / 2, top - 32)
    text.setFont(KEY_FONT, KEY_SIZE, leading=34)
    text.setCharSpace(KEY_SPACE)
    text.textLines(key_lines)
    c.drawText(text)
    c.restoreState()
    what = (
        f"## What this is\n\nThis is the recovery key of your rvault vault {fp}. If the "
        "passphrase is forgotten, it opens the vault together with the vault file or its paper "
        "recovery kit. On its own it opens nothing.\n\n"
        "The QR code holds the same key, for a phone's QR scanner app."
    )
    sheet.beside_qr(key_text, pk.paragraphs(what, sheet.width - 55 * pk.MM))
    body = RECOVERY_TEXT.format(
        how_to=HOW_TO_START, recover=RECOVER.format(shares=""), after=AFTER_RESTORE
    )
    return sheet.finish(pk.paragraphs(body, sheet.width))


SHARE_TEXT = """\
{how_to}

2. With any {k} of the {n} share sheets, photograph the kit's codes sheets into a folder named
kit-photos and run this; type 2 (share sheets), then each share's words in order.

$ {recover}

\N{BULLET} Or add{shares} to read photos of the share sheets.

{after}
"""


def render_share_sheet(
    words: str, index: int, k: int, n: int, facts: SheetFacts, paper: str = "a4"
) -> bytes:
    """One SLIP-39 share sheet: its words numbered in columns and as a QR code, and its use."""
    import shamir_mnemonic
    from shamir_mnemonic.share import Share

    text = " ".join(words.lower().split())
    try:
        share = Share.from_mnemonic(text)
    except shamir_mnemonic.MnemonicError as exc:
        raise ValueError(f"not a SLIP-39 share: {exc}") from None
    # A mislabelled sheet would send its holder looking for shares that do not exist.
    said = (share.index + 1, share.member_threshold, share.group_count)
    if said != (index, k, 1) or max(index, k) > n:
        raise ValueError(
            f"the words are share {said[0]}, any {said[1]} (of {said[2]} groups), "
            f"not share {index} of {n}, any {k}"
        )
    word_list, fp = text.split(), short_id(facts.vault_id)
    any_k = f"any {k} of the {n} shares restore the recovery key"
    hint = (
        f"Share {index} of {n} of the recovery key of vault {fp}: {any_k}. "
        "Keep each share in a different place. Instructions below."
    )
    sheet = _Sheet(facts, paper, f"share {index} of {n}", hint)
    sheet.heading(f"Recovery key: share {index} of {n}", facts)
    c, mid, top = sheet.c, sheet.left + sheet.width / 2, sheet.box(44)
    c.setFont("Helvetica-Bold", 16)
    c.drawCentredString(mid, top - 20, f"Share {index} of {n} \N{EM DASH} {any_k}")
    c.setFont("Helvetica", 10.5)
    alone = f"Fewer than {k} shares reveal nothing about it." if k > 1 else "It needs no other."
    c.drawCentredString(mid, top - 35, alone)
    # Words run down the columns, numbered, so a share can be read out or typed in order.
    rows, col_w, top = -(-len(word_list) // WORD_COLUMNS), sheet.width / WORD_COLUMNS, sheet.y - 8
    for no, word in enumerate(word_list):
        col, row = divmod(no, rows)
        x, y = sheet.left + col * col_w + 10 * pk.MM, top - (row + 1) * WORD_LEADING
        c.setFont("Helvetica", 10)
        c.drawRightString(x, y, f"{no + 1}.")
        c.setFont(WORD_FONT, WORD_SIZE)
        c.drawString(x + 2 * pk.MM, y, word)
    sheet.y = top - rows * WORD_LEADING - 10
    # Beside the code, where the page has room: what the sheet is and how to keep it.
    what = (
        f"## What this is\n\nShare {index} of {n} of the recovery key of your rvault vault "
        f"{fp}. Any {k} of the {n} shares rebuild the recovery key, which opens the vault if "
        "the passphrase is forgotten, with the vault file or its paper kit. The QR code holds "
        f"the same {len(word_list)} words.\n\n"
        "! Keep each share in a different place, apart from the kit and your passphrase: "
        f"anyone with {k} shares and the kit can open your vault.\n\n"
        "When the key is rotated (rvault recovery-key rotate), every share stops working: "
        "shred them all."
    )
    sheet.beside_qr(text, pk.paragraphs(what, sheet.width - 65 * pk.MM))
    # "1 and 3" shows that any shares will do, not only the first K.
    example = sorted([1, *range(3, n + 1), 2][: min(k, MAX_EXAMPLE_SHARES)])
    shares = "".join(f" --share share-{s}.jpg" for s in example) + " ..." * (k > len(example))
    body = SHARE_TEXT.format(
        how_to=HOW_TO_START,
        k=k,
        n=n,
        shares=shares,
        recover=RECOVER.format(shares=""),
        after=AFTER_RESTORE,
    )
    return sheet.finish(pk.paragraphs(body, sheet.width))
