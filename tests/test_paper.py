"""Tests for vault.paper layout, qr and kit_pdf: real PDFs, rendered by PDFium, read by zxing."""

from __future__ import annotations

import math
import random
import re
import subprocess
import sys
import time
from functools import cache
from typing import cast

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from vault.paper import frames as fr
from vault.paper import kit_pdf, layout, qr
from vault.paper.kit_pdf import KitFacts

VAULT_ID = bytes(range(16))
KIT_ID = bytes.fromhex("a1b2c3d4e5f60718")
KIT, VAULT = fr.short_id(KIT_ID), fr.short_id(VAULT_ID)
INDEX = (
    ("GitHub", "backup-codes"),
    ("Bank \u2615 \u03a9", "recovery-key"),  # coffee cup and omega: not in Helvetica
    ("\u0141\u00f3d\u017a \u540d\u524d\ttab\u200b", "note"),
    ("2024-05 bank codes for work", "backup-codes"),  # must not read as a typed code line
    ("x" * 300, "totp"),
)


def max_block() -> int:
    """The largest block whose frame text ("RVK1:" + base32 of OVERHEAD + block) fits 40-L."""
    chars = qr.MAX_FRAME_CHARS - len(fr.TAG)
    return chars * 5 // 8 - fr.OVERHEAD


def make_frames(size: int, seed: int = 1) -> list[fr.Frame]:
    """A kit's frames for `size` bytes of (deterministic) stand-in vault data."""
    data = random.Random(seed).randbytes(size)
    return fr.encode(data, VAULT_ID, KIT_ID, 42, max_block=max_block())


def make_facts(frames: list[fr.Frame], **changes: object) -> KitFacts:
    """KitFacts describing frames."""
    base: dict[str, object] = dict(
        printed="2026-11-24",
        vault_id=VAULT_ID,
        kit_id=KIT_ID,
        generation=42,
        entry_count=len(INDEX),
        kdf="Argon2id, 256 MiB memory, 8 passes, 4 lanes",
        memory_mib=256,
        vault_size=frames[0].length,
        n=frames[0].n,
        k=frames[0].k,
        index=INDEX,
    )
    base.update(changes)
    return KitFacts(**base)  # type: ignore[arg-type]


# 6 full blocks: k=6, n=8, so codes 7 and 8 land on a second codes sheet.
FULL = make_frames(6 * max_block())


@cache
def render_sample_kit(paper_name: str, index: bool = True, text: bool = True) -> bytes:
    """The kit for FULL, rendered once per option set."""
    facts = make_facts(FULL, index=INDEX if index else None)
    return kit_pdf.render_kit(FULL, facts, paper_name, include_text=text)


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text as PDFium extracts it."""
    doc = pypdfium2.PdfDocument(pdf)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def render(pdf: bytes, page: int, dpi: int) -> Image.Image:
    """One page as a greyscale image, as a scanner would see it."""
    bitmap = pypdfium2.PdfDocument(pdf)[page].render(scale=dpi / 72, grayscale=True)
    return cast(Image.Image, bitmap.to_pil())


def decode(img: Image.Image) -> list[str]:
    """The text of every QR code zxing-cpp finds."""
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [b.text for b in zxingcpp.read_barcodes(img, formats=qr)]


def data_pages(texts: list[str]) -> list[int]:
    """0-based numbers of the codes sheets."""
    return [i for i, t in enumerate(texts) if re.search(r"codes sheet \d+ of \d+", t)]


# --- frames fill version 40-L -------------------------------------------------------------


def test_full_frames_make_version_40_codes() -> None:
    text = FULL[0].to_text()
    assert len(text) <= qr.MAX_FRAME_CHARS
    one_more = len(fr.TAG) + math.ceil((fr.OVERHEAD + max_block() + 1) * 8 / 5)
    assert one_more > qr.MAX_FRAME_CHARS
    assert all(len(f.to_text()) == len(text) for f in FULL)
    assert qr.qr_matrix_image(text).size == (177, 177)
    assert qr.qr_matrix_image(text, module_px=3).size == (531, 531)
    with pytest.raises(ValueError):
        qr.qr_matrix_image(text + "00")


# --- geometry -----------------------------------------------------------------------------


@pytest.mark.parametrize(("paper_name", "module_mm"), [("a4", 0.47), ("letter", 0.44)])
def test_layout_module_size_and_clear_quiet_zones(paper_name: str, module_mm: float) -> None:
    lay = layout.data_layout(paper_name)
    assert lay.module_mm == module_mm
    assert layout.MIN_MODULE_MM <= lay.module_mm <= layout.MAX_MODULE_MM
    m = lay.module_mm * layout.MM
    boxes = [lay.header, *lay.labels]
    for i, (q, sym) in enumerate(zip(lay.quiet_zones, lay.symbols, strict=True)):
        assert sym.x1 - sym.x0 == pytest.approx(177 * m)
        for side in (sym.x0 - q.x0, q.x1 - sym.x1, sym.y0 - q.y0, q.y1 - sym.y1):
            assert side == pytest.approx(layout.QUIET * m)
        p = lay.printable
        assert p.x0 <= q.x0 and q.x1 <= p.x1 and p.y0 <= q.y0 and q.y1 <= p.y1
        assert not any(q.overlaps(box) for box in boxes), f"text intrudes on quiet zone {i}"
        assert not any(q.overlaps(o) for j, o in enumerate(lay.quiet_zones) if j != i)
    for lab in lay.labels:
        assert lay.printable.y0 <= lab.y0
        # The longest label a kit can have fits its band.
        widest = layout.text_width(
            f"code 255 of 255 · kit {KIT}", "Helvetica-Bold", layout.LABEL_SIZE
        )
        assert widest <= lab.x1 - lab.x0


def test_small_codes_get_half_millimetre_modules() -> None:
    assert layout.data_layout("letter", modules=117).module_mm == 0.5
    with pytest.raises(ValueError):
        layout.data_layout("tabloid")


def test_code_sheet() -> None:
    assert [layout.code_sheet(i) for i in (0, 5, 6, 11, 12, 254)] == [1, 1, 2, 2, 3, 43]
    with pytest.raises(ValueError):
        layout.code_sheet(-1)


# --- the codes read back ------------------------------------------------------------------


@pytest.mark.parametrize("paper_name", ["a4", "letter"])
def test_every_code_decodes_once_at_300_dpi_on_its_sheet(paper_name: str) -> None:
    pdf = render_sample_kit(paper_name)
    sheets = data_pages(page_texts(pdf))
    assert len(sheets) == 2
    expected = {f.to_text(): f.index for f in FULL}
    seen: list[str] = []
    low_res = 0
    for sheet_no, page in enumerate(sheets, 1):
        found = decode(render(pdf, page, 300))
        assert set(found) <= set(expected)
        assert all(layout.code_sheet(expected[t]) == sheet_no for t in found)
        seen += found
        low_res += len(set(decode(render(pdf, page, 150))) & set(expected))
    assert sorted(seen) == sorted(expected)  # each exactly once
    print(f"{paper_name}: {low_res} of {len(FULL)} codes decode at 150 dpi")
    assert low_res == len(FULL)


@pytest.mark.parametrize("paper_name", ["a4", "letter"])
def test_quiet_zones_render_white_and_codes_crisp(paper_name: str) -> None:
    pdf = render_sample_kit(paper_name)
    page = data_pages(page_texts(pdf))[0]
    img = render(pdf, page, 300)
    lay = layout.data_layout(paper_name)
    scale = 300 / 72
    h = lay.page[1]

    def px(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        # PDF points (origin bottom left) to a pixel box, shrunk by a pixel for anti-aliasing.
        return (
            math.ceil(x0 * scale) + 1,
            math.ceil((h - y1) * scale) + 1,
            math.floor(x1 * scale) - 1,
            math.floor((h - y0) * scale) - 1,
        )

    for q, s in zip(lay.quiet_zones, lay.symbols, strict=True):
        for strip in (
            (q.x0, q.y0, s.x0, q.y1),
            (s.x1, q.y0, q.x1, q.y1),
            (q.x0, q.y0, q.x1, s.y0),
            (q.x0, s.y1, q.x1, q.y1),
        ):
            darkest, _ = cast(tuple[int, int], img.crop(px(*strip)).getextrema())
            assert darkest >= 250
        # Crisp modules: PDFium must not smooth the 1-px-per-module image into grey.
        hist = img.crop(px(*s)).histogram()
        grey = sum(hist[64:192]) / sum(hist)
        assert grey < 0.02, f"{grey:.1%} of the code is grey"


# --- pages, order, headers ----------------------------------------------------------------


@pytest.mark.parametrize("paper_name", ["a4", "letter"])
@pytest.mark.parametrize(("index", "text"), [(True, True), (False, True), (True, False)])
def test_page_order_and_every_header(paper_name: str, index: bool, text: bool) -> None:
    texts = page_texts(render_sample_kit(paper_name, index, text))
    total = len(texts)
    kinds = []
    for i, t in enumerate(texts):
        assert f"kit {KIT}" in t and f"vault {VAULT}" in t, f"page {i + 1}"
        assert f"page {i + 1} of {total}" in t
        kind = ""
        if "Any 6 of these 8 codes restore everything" in t:
            kind = "cover"
        elif m := re.search(r"codes sheet (\d) of 2", t):
            kind = f"sheet{m[1]}"
        if "Names only; secrets are only in the encrypted codes." in t:
            kind += "+index" if kind else "index"
        if "Typeable codes" in t or re.search(r"code \d of 8 \(108 lines\)", t):
            kind += "+text" if kind else "text"
        kinds.append(kind)
    if not text:  # cover, index, codes sheets, as always
        start = ["cover", "index"] if index else ["cover"]
        assert kinds == [*start, "sheet1", "sheet2"]
    elif index:
        # With text, the index moves after the codes sheets: under the last sheet's codes
        # when it fits there (two codes on sheet 2 leave the room), then the text.
        assert kinds[:3] == ["cover", "sheet1", "sheet2+index"]
        assert kinds[3:] == ["text"] * (total - 3) and total > 3
    else:
        assert kinds[:3] == ["cover", "sheet1", "sheet2"]
        assert kinds[3:] == ["text"] * (total - 3) and total > 3
    cover = texts[0]
    for words in (
        "pip install recovery-vault",
        "rvault restore kit-photos",
        "a folder named kit-photos holding two photos, sheet-1.jpg and sheet-2.jpg",
        "rvault list",
        "rvault use NAME",
        "rvault totp NAME",
        "rvault show NAME",
        "still look unused",
        "rvault edit NAME --mark-used NUMBER",
        "rvault kit --out new-kit.pdf",
        "2026-11-24",
        "generation 42",
        "Argon2id, 256 MiB memory, 8 passes, 4 lanes",
        "at least 256 MiB of free memory",
        "NEVER store your passphrase",
        "fireproof",
        "shred",
    ):
        assert words in " ".join(cover.split()), words
    flat = " ".join(cover.split())
    assert "--out" not in flat.replace("kit --out new-kit.pdf", "")  # no path to invent
    if text:  # typing line by line comes first: each line is checked as it is typed
        assert "checks each line as you press Enter" in flat
        assert "rvault restore --text" in [ln.strip() for ln in cover.splitlines()]
    else:
        assert "rvault restore --text typed.txt" in flat
    assert ("from the text pages" in cover) == text
    assert ("lists entry names only" in cover) == index


def test_index_names_are_drawn_safely() -> None:
    texts = page_texts(render_sample_kit("a4"))
    (index,) = [t for t in texts if "Names only" in t]
    assert "GitHub" in index and "Bank ? ?" in index
    assert "?\u00f3dz ?? tab" in index  # L-stroke unknown, z-acute loses its accent, CJK lost
    assert "5. xxxx" in index and "xxx..." in index  # long names are cut to the column
    assert layout.drawable("a\u200bb\tc\n") == "ab c "


def test_long_index_paginates() -> None:
    small = make_frames(3000)
    names = tuple((f"entry {i}", "note") for i in range(130))
    texts = page_texts(kit_pdf.render_kit(small, make_facts(small, index=names, entry_count=130)))
    index = [t for t in texts if "Names only" in t]
    assert len(index) == 3 and "continued" in index[1]
    rows = re.findall(r"(\d+)\. entry (\d+) note", "\n".join(index))
    assert rows == [(str(i + 1), str(i)) for i in range(130)]


# --- typeable text ------------------------------------------------------------------------


@pytest.mark.parametrize("paper_name", ["a4", "letter"])
def test_text_pages_extract_to_the_typeable_lines(paper_name: str) -> None:
    lines = [ln for t in page_texts(render_sample_kit(paper_name)) for ln in t.splitlines()]
    typed = [(ln, fr.parse_typed_line(ln)) for ln in lines]
    code_lines = [ln for ln, t in typed if t is not None]
    expected = [ln for f in FULL for ln in fr.text_lines(f)]
    # PDFium collapses runs of spaces, so the two-space gaps come back as one; every other
    # character is exact, and the parser ignores spacing anyway.
    assert code_lines == [" ".join(ln.split()) for ln in expected]
    assert all(t.ok for _, t in typed if t is not None)
    # Only code lines parse as typed lines (titles, names and dates never do), and the
    # extracted text rebuilds every frame.
    got, problems = fr.frames_from_typed(t for _, t in typed if t is not None)
    assert problems == {}
    assert [g.to_text() for g in got] == [f.to_text() for f in FULL]
    assert any(re.fullmatch(r"code 3 of 8 \(108 lines\)", ln) for ln in lines)


def test_a_title_starting_with_a_number_is_not_a_code_line() -> None:
    small = make_frames(3000)
    facts = make_facts(small, title="2024-05 my vault kit")
    lines = [ln for t in page_texts(kit_pdf.render_kit(small, facts)) for ln in t.splitlines()]
    parsed = [t for t in map(fr.parse_typed_line, lines) if t is not None]
    assert parsed and all(t.ok for t in parsed)
    assert any("2024-05 my vault kit" in ln for ln in lines)


# --- other outputs and contracts ----------------------------------------------------------


def test_small_vault_kit_decodes() -> None:
    small = make_frames(700)
    pdf = kit_pdf.render_kit(small, make_facts(small, index=None), "letter", include_text=False)
    assert len(page_texts(pdf)) == 2  # cover and one codes sheet
    assert sorted(decode(render(pdf, 1, 300))) == sorted(f.to_text() for f in small)


def test_qr_png_and_svg_decode() -> None:
    text = FULL[3].to_text()
    png = Image.open(__import__("io").BytesIO(qr.qr_png(text)))
    assert png.size == ((177 + 8) * 4,) * 2 and png.mode == "1"
    assert decode(png.convert("L")) == [text]
    svg = qr.qr_svg(text)
    assert 'viewBox="0 0 185 185"' in svg and 'width="92.5mm"' in svg
    # Rasterise the path's runs ourselves (no SVG renderer is installed) and decode that.
    img = Image.new("L", (185, 185), 255)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1", svg):
        img.paste(0, (int(x), int(y), int(x) + int(w), int(y) + 1))
    assert decode(img.resize((740, 740), Image.Resampling.NEAREST)) == [text]


def test_render_is_deterministic_and_fast() -> None:
    six = make_frames(4 * max_block(), seed=2)
    assert len(six) == 6
    facts = make_facts(six, index=None)
    start = time.perf_counter()
    pdf = kit_pdf.render_kit(six, facts, include_text=False)
    elapsed = time.perf_counter() - start
    print(f"one codes sheet: render_kit {elapsed:.3f} s, {len(pdf) / 1024:.0f} KiB")
    assert elapsed < 1.0
    assert kit_pdf.render_kit(six, facts, include_text=False) == pdf


def test_render_kit_rejects_inconsistent_input() -> None:
    small = make_frames(3000)
    facts = make_facts(small)
    with pytest.raises(ValueError):
        kit_pdf.render_kit(small[1:], facts)
    with pytest.raises(ValueError):
        kit_pdf.render_kit([*small, small[0]], facts)
    with pytest.raises(ValueError):
        kit_pdf.render_kit(small, make_facts(small, k=small[0].k + 1))
    with pytest.raises(ValueError):
        kit_pdf.render_kit(small, facts, paper="a5")
    other = fr.encode(b"x" * 3000, VAULT_ID, bytes(8), 42, max_block=max_block())
    with pytest.raises(ValueError):
        kit_pdf.render_kit([*small[:-1], other[-1]], facts)


def test_import_is_cheap() -> None:
    code = (
        "import sys, vault.paper.kit_pdf, vault.paper.layout, vault.paper.qr; "
        "heavy = {'reportlab', 'zxingcpp', 'PIL', 'pypdfium2'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
