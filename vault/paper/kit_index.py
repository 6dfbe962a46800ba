"""The kit's index of entry names: pages of its own, or under the last codes sheet's codes.

Names and kinds only, never secrets. A kit with typeable text tries to put its index in the
room under the last codes sheet's codes (one column, as on a page of its own, or else two),
so that a small vault's kit stays a cover, a codes sheet and its text (vault.paper.kit_pdf).
"""

from __future__ import annotations

from vault.paper.layout import COLUMN_GAP, MM, STYLES, Item, clip_text, drawable, height

KIND_MM = 45.0  # the kind column of a full-width index
# In half a page: "backup-codes", the widest kind, is 21 mm at 9.5 pt.
KIND_COLUMN_MM = 25.0
NOTE = ("p", "Names only; secrets are only in the encrypted codes.")

Entries = tuple[tuple[str, str], ...]  # (entry name, kind), in the vault's order


def _rows(entries: Entries, start: int, stop: int, name_width: float, kind_mm: float) -> list[Item]:
    if not entries:
        return [("row", "(the vault has no entries)"), ("row_r", "")]
    items: list[Item] = []
    for no, (name, kind) in enumerate(entries[start:stop], start + 1):
        # "12." rather than "12": a name like "2024-05 bank" must not read as a code line.
        shown = f"{no}.  {drawable(name)}"
        items.append(("row", clip_text(shown, "Helvetica", 9.5, name_width)))
        items.append(("row_r", clip_text(drawable(kind), "Helvetica", 9.5, kind_mm * MM)))
    return items


def _head(count: int, continued: bool = False) -> list[Item]:
    title = f"Index: the {count} entries in this vault" + (", continued" if continued else "")
    return [("h1", title), NOTE]


def index_pages(entries: Entries, count: int, body: float, width: float) -> list[list[Item]]:
    """The index on pages of its own: one column, `body` points tall, `width` wide."""
    per_page = int((body - height([*_head(count), ("th", "")])) // STYLES["row"][2])
    name_width = width - KIND_MM * MM - 8
    pages = []
    for start in range(0, max(1, len(entries)), per_page):
        items = [*_head(count, start > 0), ("th", "Name"), ("th_r", "Kind")]
        pages.append(items + _rows(entries, start, start + per_page, name_width, KIND_MM))
    return pages


def index_under_codes(entries: Entries, count: int, room: float, width: float) -> list[Item]:
    """The index in `room` points under the codes: one column, else two; [] if neither fits."""
    one = [*_head(count), ("th", "Name"), ("th_r", "Kind")]
    one += _rows(entries, 0, len(entries), width - KIND_MM * MM - 8, KIND_MM)
    if height(one) <= room:
        return one  # as on a page of its own
    # Two columns ("colstart" and "column", as the typeable codes use), the left one longer.
    half = -(-len(entries) // 2)
    name_width = (width - COLUMN_GAP) / 2 - KIND_COLUMN_MM * MM - 8
    left, right = (
        [("th", "Name"), ("th_r", "Kind"), *_rows(entries, a, b, name_width, KIND_COLUMN_MM)]
        for a, b in ((0, half), (half, len(entries)))
    )
    if height([*_head(count), *left]) > room:
        return []
    return [*_head(count), ("colstart", ""), *left, ("column", ""), *right]
