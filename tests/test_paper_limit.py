"""Paper at the limit (issue 16): a restore stops the moment k codes are in hand, pages that
hold no codes cost one look, and a restore that cannot finish says what to photograph again.

Real kits (tests/support/degrade.build_kit: seeded, rendered by PDFium at 300 dpi) and the
real scanner; what is checked is how far each page was read, never how long it took.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import ImageDraw
from support.degrade import Kit, build_kit

from vault.errors import InvalidData
from vault.paper import passes
from vault.paper.frames import encode
from vault.paper.restore import RestoreSession


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Kit, Path]:
    """A 1 KB kit (one codes sheet of 3 codes, any 1 restores) and its pages as PNG files."""
    d = tmp_path_factory.mktemp("small")
    kit = build_kit(d, 1024)
    assert (kit.n, kit.k, len(kit.sheet_page)) == (3, 1, 1)
    for i, page in enumerate(kit.pages):
        page.save(d / f"page-{i + 1:02d}.png")
    (d / "kit.pdf").write_bytes(kit.pdf)
    return kit, d


def count_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record each page's reading: 0 for a quick first look, else the full passes it ran."""
    ran: list[int] = []
    real, quick = passes.decode, passes.first_look

    def counted(*args: object, **kwargs: object) -> passes.ImageReading:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        ran.append(found.passes)
        return found

    def looked(img: object) -> passes.ImageReading:
        ran.append(0)
        return quick(img)  # type: ignore[arg-type]

    monkeypatch.setattr(passes, "decode", counted)
    monkeypatch.setattr(passes, "first_look", looked)
    return ran


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_sheet_with_a_code_painted_over_stops_once_k_codes_are_read(
    small: tuple[Kit, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    kit, _ = small
    sheet = kit.sheet_page[1]
    page = kit.pages[sheet].copy()
    ImageDraw.Draw(page).rectangle(kit.code_box(2), fill=255)
    path = tmp_path / "sheet.png"
    page.save(path)
    extra = tmp_path / "again.png"  # a second copy, so two threads read at once
    page.save(extra)
    ran = count_passes(monkeypatch)
    session = RestoreSession()
    session.read([str(path), str(extra)] if workers == 2 else [str(path)])
    assert session.finish() == kit.vault
    # Two of its three codes read by the first look: k = 1 is in hand, no pass is run
    # (before, the page ran all nine looking for its painted-over code).
    assert ran == [0] * workers, ran
    full = RestoreSession()
    ran.clear()
    full.read([str(path)], stop_early=False)  # verify-kit's reading: every pass
    assert ran == [len(passes.PASSES)]


@pytest.mark.slow
def test_pages_without_codes_get_one_look_and_a_kit_pdf_s_none(
    small: tuple[Kit, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    kit, d = small
    ran = count_passes(monkeypatch)
    session = RestoreSession()
    report = session.read([str(p) for p in sorted(d.glob("page-*.png"))])
    assert session.finish() == kit.vault
    assert ran == [0] * len(kit.pages)  # one quick look each, text pages too
    assert report.cut_short == len(kit.pages) - 1
    ran.clear()
    session = RestoreSession()
    session.read([str(d / "kit.pdf")])
    assert session.finish() == kit.vault
    # The kit's own PDF says in each page's header which pages are codes sheets: only the
    # codes sheet is rendered and looked at.
    assert ran == [0]


@pytest.mark.slow
def test_pages_put_off_are_read_in_full_when_the_codes_are_not_enough(
    small: tuple[Kit, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pypdfium2 as pdfium

    kit, _ = small
    # The kit's PDF without its codes sheet: every page's header says it holds no codes, so
    # each is put off; the codes are then not enough, and every page is read in full after all.

    whole = pdfium.PdfDocument(kit.pdf)
    only = pdfium.PdfDocument.new()
    only.import_pages(whole, [i for i in range(len(whole)) if i != kit.sheet_page[1]])
    only.save(tmp_path / "no-codes.pdf")
    ran = count_passes(monkeypatch)
    session = RestoreSession()
    session.read([str(tmp_path / "no-codes.pdf")])
    with pytest.raises(InvalidData, match="no rvault kit codes were found"):
        session.finish()
    assert len(ran) == len(kit.pages) - 1  # rendered and read after all, each in full


def test_retake_advice_follows_where_the_missing_codes_sit() -> None:
    frames = encode(os.urandom(2000), b"v" * 16, b"k" * 8, 1, 100)
    n, k = frames[0].n, frames[0].k
    assert (n, k) == (25, 20)  # five codes sheets; six codes lost is one too many

    def advice(missing: set[int]) -> str:
        session = RestoreSession()
        for f in frames:
            if f.index not in missing:
                session.add_frame(f)
        with pytest.raises(InvalidData) as caught:
            session.finish()
        assert caught.value.hint == session.retake_advice()
        return session.retake_advice()

    # Sheet 1's right-hand column (codes 2, 4, 6), sheet 2's bottom row (11, 12), and one
    # code of sheet 4.
    said = advice({1, 3, 5, 10, 11, 20})
    assert "photograph codes sheet 1 again, whole: its right side was cut off" in said
    assert "photograph codes sheet 2 again, whole: its bottom was cut off" in said
    assert "on codes sheet 4, code 21 did not read: if light shone on it" in said
    assert said.count(";") == 2
    assert advice(set(range(6, 12))) == "codes sheet 2 was not read at all: photograph it whole"
    # A middle row lost is no cut-off edge: a fold, a stain or glare.
    said = advice({8, 9, 13, 14, 2, 24})
    assert "on codes sheet 2, code 9 and 10 did not read" in said and "without flash" in said
    assert "codes sheet 5 was not read at all" in said


def test_nothing_found_says_too_dark_or_blurred() -> None:
    with pytest.raises(InvalidData) as caught:
        RestoreSession().finish()
    assert "too dark or blurred" in (caught.value.hint or "")


@pytest.mark.slow
def test_every_page_gets_a_first_look_before_any_gets_a_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.degrade import blur

    kit = build_kit(tmp_path, 16 * 1024)
    assert len(kit.sheet_page) == 2 and kit.k > 6
    # Half of each sheet's codes blurred by 3 px: the first pass reads the other half, which
    # is not enough (k > 6); sharpening, a later pass, reads the rest.
    paths = []
    for sheet, page_no in sorted(kit.sheet_page.items()):
        page = kit.pages[page_no].copy()
        for index in range((sheet - 1) * 6, (sheet - 1) * 6 + 3):
            box = kit.code_box(index)
            page.paste(blur(page.crop(box), 3.0), box[:2])
        paths.append(tmp_path / f"sheet-{sheet}.png")
        page.save(paths[-1])
    ran = count_passes(monkeypatch)
    session = RestoreSession()
    session.read([str(p) for p in paths])
    assert session.finish() == kit.vault
    # Both sheets first got a quick look each (6 codes: not enough); then they were read
    # again in full, the first needing later passes and stopping once k were in.
    assert ran[:2] == [0, 0], ran
    assert len(ran) >= 3 and max(ran[2:]) > 1, ran


@pytest.mark.slow
@pytest.mark.parametrize(("kb", "most"), [(1, 3), (4, 4)])
def test_small_vaults_print_few_sheets_text_included(tmp_path: Path, kb: int, most: int) -> None:
    from support.kitutil import pdf_text_lines

    from vault.paper.frames import parse_typed_line
    from vault.paper.typeable import printed_text_codes

    kit = build_kit(tmp_path, kb * 1024)
    assert len(kit.pages) <= most
    lines = pdf_text_lines(kit.pdf)
    shown = printed_text_codes(kit.n, kit.k)
    typed = [t for t in map(parse_typed_line, lines) if t is not None]
    assert {t.code_no for t in typed} == set(range(1, shown + 1))
    # The printed text of those codes alone restores the vault.
    session = RestoreSession()
    session.add_lines(lines)
    assert session.finish() == kit.vault


@pytest.mark.slow
def test_a_restore_that_would_fail_undoes_motion_blur(tmp_path: Path) -> None:
    from PIL import Image
    from support.harsh import motion

    from vault.paper.scan import decode_image

    kit = build_kit(tmp_path, 16 * 1024)
    paths = []
    for sheet, page_no in sorted(kit.sheet_page.items()):
        paths.append(tmp_path / f"sheet-{sheet}.png")
        motion(kit.pages[page_no], 2, 8).save(paths[-1])  # a hand moving 14 px along a row
    # Every pass alone reads nothing on these photos (nothing even looks like a code).
    assert all(decode_image(Image.open(p)) == [] for p in paths)
    session = RestoreSession()
    session.read([str(p) for p in paths])
    # The restore, short of codes after every pass, undoes the blur and gets them.
    assert session.finish() == kit.vault
