"""How few sheets a small vault's kit takes, text included, and where its index and text go.

Issue 16 part 4: a 1 KB vault on at most 3 printed pages and a 4 KB vault on at most 4, with
typeable text of the k codes needed plus a spare, and the sheet saying so. Real vaults (cheap
real Argon2id) filled to those sizes with realistic entries, real kits from make_kit (which
proves its own PDF), and the printed text read back from the PDF's text layer.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
from pathlib import Path

import pypdfium2
import pytest
from conftest import PASSPHRASE
from support.kitutil import fill_vault, new_vault, pdf_text_lines, sample_entries

from vault import Entry
from vault.paper.frames import encode, parse_typed_line
from vault.paper.kit import DEFAULT_PARITY, KitOptions, make_kit, max_block
from vault.paper.kit_index import index_under_codes
from vault.paper.kit_pdf import KitFacts, render_kit
from vault.paper.layout import STYLES, height
from vault.paper.restore import RestoreSession
from vault.paper.typeable import printed_text_codes

CODE_LINE = re.compile(r"^\d{3}-\d{2,3} ")


def realistic_entries(count: int) -> list[Entry]:
    """count entries of every kind (backup codes, recovery keys, TOTP seeds, notes)."""
    out: list[Entry] = []
    for i in itertools.count():
        for entry in sample_entries():
            if len(out) == count:
                return out
            out.append(dataclasses.replace(entry, name=f"{entry.name} {i + 1}"))
    raise AssertionError("unreachable")


def page_texts(pdf: bytes) -> list[str]:
    """The text layer of every page."""
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def flat(text: str) -> str:
    """Text with every run of whitespace (line ends included) as one space."""
    return " ".join(text.split())


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize(
    ("size", "entries", "most"),
    [(1024, 4, 3), (4096, 24, 4)],  # about 160 bytes per realistic entry
)
def test_small_vaults_print_few_sheets_text_included(
    tmp_path: Path, paper: str, size: int, entries: int, most: int
) -> None:
    vf = new_vault(tmp_path / "v.rvault")
    fill_vault(vf, realistic_entries(entries), file_size=size)
    assert size <= len(vf.path.read_bytes()) < size + 700
    report = make_kit(vf, PASSPHRASE, tmp_path / "kit.pdf", KitOptions(paper=paper))
    printed = vf.path.read_bytes()  # the kit records itself, then prints that file
    pdf = (tmp_path / "kit.pdf").read_bytes()
    texts = page_texts(pdf)
    assert report.text and report.pages == len(texts) <= most, (report.n, report.k, len(texts))

    # The text of codes 1 to k + a spare is printed, every line of each; the rest are QR only.
    shown = printed_text_codes(report.n, report.k)
    assert report.k < shown < report.n
    lines = pdf_text_lines(pdf)
    typed = [t for t in map(parse_typed_line, lines) if t is not None]
    assert all(t.ok for t in typed)
    assert {t.code_no for t in typed} == set(range(1, shown + 1))
    # The page says how many of them are needed, and that the others are on the sheets.
    said = flat(" ".join(texts))
    any_k = "one" if report.k == 1 else str(report.k)
    assert f"Codes 1 to {shown} are printed here: any {any_k} of them restore the vault" in said
    assert "the other codes are on the codes sheets only" in said
    # The index sits under the codes of the (only) codes sheet, so it costs no page.
    (sheet,) = [t for t in texts if "codes sheet 1 of 1" in t]
    count = len(vf.load(PASSPHRASE).entries)  # with the notes that filled it
    assert entries <= count <= entries + 2
    assert f"Index: the {count} entries in this vault" in sheet

    # The printed text alone restores the vault, and so do the lines of any k printed codes.
    session = RestoreSession()
    session.add_lines(lines, "kit.pdf text")
    assert session.typed_problems == {}
    assert session.finish() == printed
    for codes in itertools.combinations(range(1, shown + 1), report.k):
        session = RestoreSession()
        session.add_lines(
            [line for line in lines if CODE_LINE.match(line) and int(line[:3]) in codes]
        )
        assert session.finish() == printed, codes

    # The cover says that several photos of one sheet may be given together.
    assert "several photos of one sheet may be given together" in flat(texts[0])


def _kit(size: int, entries: int, paper: str = "a4") -> bytes:
    rng = random.Random(size * 1000 + entries)
    vault_id, kit_id = rng.randbytes(16), rng.randbytes(8)
    frames = encode(rng.randbytes(size), vault_id, kit_id, 3, max_block(), DEFAULT_PARITY)
    facts = KitFacts(
        printed="2026-12-03",
        vault_id=vault_id,
        kit_id=kit_id,
        generation=3,
        entry_count=entries,
        kdf="Argon2id, 256 MiB memory, 3 passes, 4 lanes",
        memory_mib=256,
        vault_size=size,
        n=len(frames),
        k=frames[0].k,
        index=tuple((f"Account number {i + 1}", "totp") for i in range(entries)),
    )
    return render_kit(frames, facts, paper, include_text=True)


def _span(text: str, words: str) -> set[int]:
    m = re.search(re.escape(words) + r" \(pages? (\d+)(?:-(\d+))?\)", flat(text))
    assert m, words
    return set(range(int(m[1]), int(m[2] or m[1]) + 1))


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("size", [1000, 2800, 4600])
@pytest.mark.parametrize("entries", [0, 12, 25, 40, 45, 50, 56, 62, 120])
def test_the_cover_names_the_pages_of_the_index_and_the_text(
    paper: str, size: int, entries: int
) -> None:
    # An index whose last page is nearly full used to leave the text's opening no room:
    # render_kit raised "page content overflows the bottom margin" (40-55 entries on A4).
    texts = page_texts(_kit(size, entries, paper))
    index = {i for i, t in enumerate(texts, 1) if "Index: the " in t}
    text = {i for i, t in enumerate(texts, 1) if any(CODE_LINE.match(s) for s in t.splitlines())}
    assert index and text
    assert _span(texts[0], "The index") == index
    assert _span(texts[0], "type them from the text pages") == text
    assert "Typeable codes" in texts[min(text) - 1]
    assert min(text) >= max(index)  # the text follows the index, on its last page or after it


def test_the_index_goes_under_the_codes_in_one_column_or_two() -> None:
    def rows(count: int) -> tuple[tuple[str, str], ...]:
        return tuple((f"entry {i}", "note") for i in range(count))

    row = STYLES["row"][2]
    width = 550.0
    one = index_under_codes(rows(5), 5, 1000, width)
    assert ("colstart", "") not in one and one[-2:] == [("row", "5.  entry 4"), ("row_r", "note")]
    # 21 rows do not fit in one column of this room; 11 do, beside the other 10.
    room = height(one) - 5 * row + 11 * row
    two = index_under_codes(rows(21), 21, room, width)
    assert ("colstart", "") in two and ("column", "") in two
    left, right = two[: two.index(("column", ""))], two[two.index(("column", "")) :]
    assert height(left) == room
    assert [t for s, t in left if s == "row"][-1] == "11.  entry 10"
    assert [t for s, t in right if s == "row"] == [f"{i + 1}.  entry {i}" for i in range(11, 21)]
    assert index_under_codes(rows(23), 23, room, width) == []
    assert index_under_codes((), 0, room, width)[-2:] == [
        ("row", "(the vault has no entries)"),
        ("row_r", ""),
    ]
