"""The paper recovery kit end to end: make_kit -> PDF -> 300 dpi pages -> codes -> the vault.

Real parts throughout: vaults built through the library with real (cheap) Argon2id, real
reportlab PDFs, PDFium renders at 300 dpi, zxing-cpp reads them, zfec rebuilds. Each kit is
made and rendered once per module; "lost" codes are white rectangles painted over the
rendered page at the code's place on the sheet (paper.data_layout), and only those pages are
read again. The one other fault injected is a deliberately broken code drawn into the PDF, to
prove that make_kit's verify step catches it.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from conftest import PASSPHRASE, run_main
from PIL import Image
from support.kitutil import (
    Kit,
    build_kit,
    fill_vault,
    frame_index,
    new_vault,
    pad_to_safe_size,
    pdf_text_lines,
    restore_texts,
    sample_entries,
)

import vault.paper.kit_pdf
import vault.paper.qr
from vault import Entry, VaultFile
from vault.errors import InvalidData, KitVerificationFailed
from vault.format import parse
from vault.keyslots import open_payload, unlock
from vault.model import Vault
from vault.paper.frames import MIN_SPARE, Frame, encode, parse_frame_text, text_lines
from vault.paper.kit import (
    TEXT_BY_DEFAULT_MAX,
    KitOptions,
    make_kit,
    max_block,
)
from vault.paper.kit_pdf import KitFacts, render_kit
from vault.paper.layout import CODES_PER_PAGE, PAPERS
from vault.paper.pages import render_pdf_pages
from vault.paper.qr import MAX_FRAME_CHARS
from vault.paper.restore import RestoreSession
from vault.paper.scan import decode_image
from vault.paper.typeable import printed_text_codes

CODE_LINE = re.compile(r"^\d{3}-\d{2,3} ")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Characters Crockford reading treats as the same, so a "typo" must avoid them.
SAME = {"0": "0O", "1": "1IL", "V": "VU"}


# --- kits, made and rendered once --------------------------------------------------------


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    """A one-entry vault: one code is needed, and two spares are printed anyway."""
    d = tmp_path_factory.mktemp("single")
    vf = new_vault(d / "single.rvault")
    fill_vault(vf, sample_entries()[:1])
    return build_kit(vf, d / "kit.pdf")


@pytest.fixture(scope="module")
def single_again(single: Kit, tmp_path_factory: pytest.TempPathFactory) -> Kit:
    """A second kit of the same vault as `single` (a later generation: the first was recorded)."""
    return build_kit(single.vf, tmp_path_factory.mktemp("again") / "kit.pdf")


@pytest.fixture(scope="module")
def letter(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    """About 7 KB on US Letter with 100% parity (k=3, n=6); small enough for text pages."""
    d = tmp_path_factory.mktemp("letter")
    vf = new_vault(d / "letter.rvault")
    # Below 7294 bytes each code prints at most 99 typed lines (longer ones: see below).
    fill_vault(vf, sample_entries(), file_size=7000)
    return build_kit(vf, d / "kit.pdf", KitOptions(paper="letter", parity=100))


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    """About 60 KB of incompressible notes on A4: five codes sheets, no text pages."""
    d = tmp_path_factory.mktemp("large")
    vf = new_vault(d / "large.rvault")
    fill_vault(vf, sample_entries(), file_size=60_000)
    return build_kit(vf, d / "kit.pdf")


KITS = ["single", "letter", "large"]


@pytest.fixture(params=KITS)
def kit(request: pytest.FixtureRequest) -> Kit:
    built: Kit = request.getfixturevalue(request.param)
    return built


@pytest.mark.slow
def test_the_kits_are_what_the_tests_need(single: Kit, letter: Kit, large: Kit) -> None:
    assert (single.n, single.k, single.report.text) == (3, 1, True)
    assert (letter.n, letter.k, letter.report.text) == (6, 3, True)
    assert len(letter.before) <= TEXT_BY_DEFAULT_MAX
    assert 55_000 <= len(large.before) <= 65_000
    assert large.report.text is False and large.k == -(-len(large.before) // max_block())
    assert len(large.sheet_page) == -(-large.n // CODES_PER_PAGE) >= 4
    # Full-size codes: the big kits' frames nearly fill a version-40 code.
    assert max(map(len, large.report.codes)) > MAX_FRAME_CHARS - 100


# --- 1. round trip -----------------------------------------------------------------------


def test_round_trip_is_byte_identical(kit: Kit, tmp_path: Path) -> None:
    assert kit.report.vault_size == len(kit.before)
    assert kit.report.pages == len(kit.pages)
    restored = restore_texts(kit.decoded)
    assert restored == kit.before
    # The restored file is a working vault with the same entries, at the kit's generation.
    copy = tmp_path / "restored.rvault"
    copy.write_bytes(restored)
    back = VaultFile(copy)
    assert back.info()["generation"] == kit.report.generation
    entries = [e.to_json() for e in back.load(PASSPHRASE).entries]
    assert entries == kit.entries and len(entries) >= 1


def test_every_code_is_on_its_own_sheet_in_reading_order(kit: Kit) -> None:
    codes = list(kit.report.codes)
    for page, texts in enumerate(kit.decoded):
        sheet = next((s for s, p in kit.sheet_page.items() if p == page), None)
        if sheet is None:  # cover, index and text pages hold no codes
            assert texts == [], f"page {page + 1} is not a codes sheet"
        else:
            start = (sheet - 1) * CODES_PER_PAGE
            assert texts == codes[start : start + CODES_PER_PAGE]
    assert sorted(t for texts in kit.decoded for t in texts) == sorted(codes)


def test_the_kit_holds_the_generation_that_records_it(kit: Kit) -> None:
    # make_kit records the kit before encoding: the paper holds the file that knows its kit,
    # so a vault restored from it is current (not "no kit") and matches it byte for byte.
    assert kit.vf.info()["generation"] == kit.report.generation
    assert kit.vf.path.read_bytes() == kit.before
    assert {parse_frame_text(t).generation for t in kit.report.codes} == {kit.report.generation}
    restored = Vault.from_bytes(
        open_payload(parse(kit.before), unlock(parse(kit.before), PASSPHRASE))
    )
    assert restored.meta["kit"]["id"] == kit.report.kit_id.hex()
    assert restored.meta["kit"]["generation"] == kit.report.generation
    assert restored.kit_status() == "current"


# --- 2. lost codes -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_restores_with_any_n_minus_k_codes_blanked(kit: Kit, seed: int) -> None:
    lost = random.Random(seed).sample(range(kit.n), kit.n - kit.k)
    pages = kit.read_with_blanked(lost)
    read = {frame_index(t) for texts in pages for t in texts}
    assert read == set(range(kit.n)) - set(lost)  # the paint removed exactly those codes
    assert restore_texts(pages) == kit.before


@pytest.mark.slow
@pytest.mark.parametrize("name", ["letter", "large"])
def test_one_code_too_many_lost_names_what_is_missing(
    name: str, request: pytest.FixtureRequest
) -> None:
    kit: Kit = request.getfixturevalue(name)
    lost = sorted(random.Random(7).sample(range(kit.n), kit.n - kit.k + 1))
    session = RestoreSession()
    for texts in kit.read_with_blanked(lost):
        for t in texts:
            session.add_text(t)
    with pytest.raises(InvalidData) as info:
        session.finish()
    message = info.value.message
    assert f"{kit.k - 1} of {kit.n} codes read, {kit.k} needed" in message
    assert "1 more needed" in message
    named = {
        int(sheet): [int(c) for c in codes.split(", ")]
        for sheet, codes in re.findall(r"codes sheet (\d+): ([\d, ]+\d)", message)
    }
    expected: dict[int, list[int]] = {}
    for i in lost:
        expected.setdefault(i // CODES_PER_PAGE + 1, []).append(i + 1)
    assert named == expected


def test_single_code_kit_with_every_code_lost(single: Kit) -> None:
    pages = single.read_with_blanked(range(single.n))
    assert all(texts == [] for texts in pages)
    with pytest.raises(InvalidData, match="no rvault kit codes were found"):
        restore_texts(pages)


def test_a_whole_lost_sheet_is_covered_by_the_spares(large: Kit) -> None:
    assert large.n - large.k >= CODES_PER_PAGE
    without = [t for p, t in enumerate(large.decoded) if p != large.sheet_page[2]]
    assert restore_texts(without) == large.before


# --- 3. page order and duplicates --------------------------------------------------------


@pytest.mark.parametrize("seed", [11, 12])
def test_shuffled_and_duplicated_pages_restore(large: Kit, seed: int) -> None:
    rng = random.Random(seed)
    order = list(range(len(large.pages))) + rng.sample(sorted(large.sheet_page.values()), 2)
    rng.shuffle(order)
    session = RestoreSession()
    new = 0
    for p in order:
        for t in large.decoded[p]:
            new += session.add_text(t, f"scan {p}")
    assert new == large.n  # duplicates are recognised, not counted twice
    assert session.status() == f"{large.n} of {large.n} codes read, {large.k} needed"
    assert session.finish() == large.before


# --- 4. pages of another kit -------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("intruder_first", [False, True])
def test_a_newer_kit_of_the_same_vault_wins_and_kit_chooses_either(
    single: Kit, single_again: Kit, intruder_first: bool
) -> None:
    assert single_again.report.kit_id != single.report.kit_id
    assert single_again.report.generation > single.report.generation
    intruder = single_again.decoded[single_again.sheet_page[1]]
    pages = [*single.decoded, intruder] if not intruder_first else [intruder, *single.decoded]
    # Issue 11: old kits are kept next to new ones, so the newer generation wins whatever
    # the order, and the older kit is named as ignored (it used to be refused as a mix).
    session = RestoreSession()
    for texts in pages:
        for t in texts:
            session.add_text(t)
    assert session.finish() == single_again.before
    (line,) = session.ignored()
    assert line.startswith(
        f"Ignored kit {single.short_id} (generation {single.report.generation}, "
    ) and line.endswith("an older kit of the same vault.")
    # Chosen by id (any case, any prefix), each kit restores to exactly its own generation.
    assert restore_texts(pages, kit_id=single.short_id) == single.before
    assert restore_texts(pages, kit_id=single_again.short_id.lower()[:6]) == single_again.before
    assert single.before != single_again.before


def test_a_page_of_another_vaults_kit_is_never_merged(large: Kit, letter: Kit) -> None:
    session = RestoreSession()
    intruder = letter.decoded[letter.sheet_page[1]]
    for texts in [*large.decoded[:3], intruder, *large.decoded[3:]]:
        for t in texts:
            session.add_text(t)
    # Kept apart: each kit holds only its own codes.
    held = {kid: len(seen.frames.frames) for kid, seen in session.kits.items()}
    assert held == {large.report.kit_id: large.n, letter.report.kit_id: letter.n}
    with pytest.raises(InvalidData) as info:
        session.finish()
    assert large.short_id in info.value.message and letter.short_id in info.value.message
    assert session.finish(kit_id=large.short_id) == large.before
    assert session.finish(kit_id=letter.short_id) == letter.before
    with pytest.raises(InvalidData, match="no codes of kit 00000000"):
        session.finish(kit_id="00000000")


# --- 5. typed text -----------------------------------------------------------------------


def _typo(line: str, rng: random.Random) -> str:
    """The line with one character of its code groups changed to a different character."""
    words = line.split()
    head, groups, check = words[0], words[1:-1], words[-1]
    g = rng.randrange(len(groups))
    pos = rng.randrange(len(groups[g]))
    old = groups[g][pos]
    new = rng.choice([c for c in CROCKFORD if c not in SAME.get(old, old)])
    groups[g] = groups[g][:pos] + new + groups[g][pos + 1 :]
    return " ".join([head, *groups, check])


def _code_lines(kit: Kit) -> list[str]:
    lines = [line.strip() for line in pdf_text_lines(kit.pdf)]
    return [line for line in lines if CODE_LINE.match(line)]


def test_text_pages_hold_every_line_of_the_codes_needed_and_a_spare(letter: Kit) -> None:
    shown = printed_text_codes(letter.n, letter.k)
    assert shown == letter.k + 1 < letter.n  # k = 3: a quarter more, rounded up, is one
    per_code = {int(line[:3]) for line in _code_lines(letter)}
    assert per_code == set(range(1, shown + 1))
    said = " ".join(" ".join(pdf_text_lines(letter.pdf)).split())
    assert f"Codes 1 to {shown} are printed here: any {letter.k} of them restore the vault" in said
    assert "(1 spare in case a line is smudged; the other codes are on the codes sheets" in said
    session = RestoreSession()
    session.add_lines(pdf_text_lines(letter.pdf), "kit.pdf text")  # the whole PDF, as copied
    assert session.typed_problems == {}
    assert session.finish() == letter.before


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_typos_within_the_parity_budget_restore(letter: Kit, seed: int) -> None:
    rng = random.Random(seed)
    lines = pdf_text_lines(letter.pdf)
    shown = printed_text_codes(letter.n, letter.k)
    damaged = sorted(rng.sample(range(1, shown + 1), shown - letter.k))
    for code_no in damaged:
        mine = [i for i, line in enumerate(lines) if line.strip().startswith(f"{code_no:03d}-")]
        i = rng.choice(mine)
        lines[i] = _typo(lines[i].strip(), rng)
    session = RestoreSession()
    session.add_lines(lines)
    assert sorted(session.typed_problems) == damaged  # the person is told what to retype
    assert all(len(bad) == 1 for bad in session.typed_problems.values())
    assert session.finish() == letter.before


def test_one_code_too_many_mistyped_says_how_many_more(letter: Kit) -> None:
    rng = random.Random(5)
    lines = pdf_text_lines(letter.pdf)
    shown = printed_text_codes(letter.n, letter.k)
    damaged = sorted(rng.sample(range(1, shown + 1), shown - letter.k + 1))
    originals: dict[int, str] = {}
    for code_no in damaged:
        i = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{code_no:03d}-"))
        originals[code_no] = lines[i].strip()
        lines[i] = _typo(lines[i].strip(), rng)
    session = RestoreSession()
    session.add_lines(lines)
    with pytest.raises(InvalidData) as info:
        session.finish()
    message = info.value.message
    assert f"{letter.k - 1} of {letter.n} codes read, {letter.k} needed" in message
    assert "1 more needed" in message
    missing = sorted([*damaged, *range(shown + 1, letter.n + 1)])  # the rest are QR only
    assert f"(codes sheet 1: {', '.join(map(str, missing))})" in message  # all on sheet 1
    # Retyping the bad line of any one damaged code is enough.
    session.add_lines([originals[damaged[-1]]])
    assert session.finish() == letter.before


def test_typed_text_forgives_case_and_confusable_characters(letter: Kit) -> None:
    sloppy = []
    for line in _code_lines(letter):
        head, *rest = line.split()
        body = " ".join(rest).lower().replace("0", "o").replace("1", "l")
        sloppy.append(f"{head}  {body}")
    # Only k codes typed, in reverse order: enough.
    keep = {1, 2, 4}
    session = RestoreSession()
    session.add_lines([s for s in reversed(sloppy) if int(s[:3]) in keep])
    assert session.typed_problems == {}
    assert session.status() == f"{letter.k} of {letter.n} codes read, {letter.k} needed"
    assert session.finish() == letter.before


# --- 6. the verify step ------------------------------------------------------------------


@pytest.fixture
def small_vf(vf: VaultFile) -> VaultFile:
    fill_vault(vf, sample_entries(), file_size=3000)  # k=2, n=4: one codes sheet, text pages
    pad_to_safe_size(vf)
    return vf


def _break_code(monkeypatch: pytest.MonkeyPatch, how: str, index: int = 1) -> None:
    """Make vault.paper.kit_pdf draw code `index` (0-based) blank, or as the first code again."""
    real = vault.paper.qr.qr_matrix_image
    seen: dict[int, str] = {}

    def drawn(text: str, module_px: int = 1) -> Image.Image:
        at = parse_frame_text(text).index
        seen.setdefault(at, text)
        if at != index:
            return real(text, module_px)
        if how == "blank":
            return Image.new("L", real(text, module_px).size, 255)
        # "garbled": a readable code, but another code's content in this one's place.
        return real(seen[0], module_px)

    monkeypatch.setattr(vault.paper.kit_pdf, "qr_matrix_image", drawn)


def _assert_nothing_kept(vf: VaultFile, before: bytes, folder: Path, listing: set[str]) -> None:
    # The record made before printing is taken back by one more save (generations only grow).
    old = Vault.from_bytes(open_payload(parse(before), unlock(parse(before), PASSPHRASE)))
    assert [e.to_json() for e in vf.load(PASSPHRASE).entries] == [e.to_json() for e in old.entries]
    assert vf.load(PASSPHRASE).meta == old.meta
    assert vf.load(PASSPHRASE).kit_status() == "none"
    assert "kit" not in vf.load(PASSPHRASE).meta
    assert {p.name for p in folder.iterdir()} == listing  # no PDF, no temp file


@pytest.mark.slow
@pytest.mark.parametrize("how", ["blank", "garbled"])
def test_verify_refuses_a_kit_with_an_unreadable_code(
    small_vf: VaultFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before, listing = small_vf.path.read_bytes(), set[str]()
    _break_code(monkeypatch, how, index=1)
    with pytest.raises(KitVerificationFailed) as info:
        make_kit(small_vf, PASSPHRASE, out_dir / "kit.pdf")
    assert "code 2 (codes sheet 1) did not read back" in info.value.message
    assert "not saved" in info.value.message
    _assert_nothing_kept(small_vf, before, out_dir, listing)
    # The same vault, drawn correctly, makes a kit.
    monkeypatch.undo()
    report = make_kit(small_vf, PASSPHRASE, out_dir / "kit.pdf")
    assert report.n == 4 and (out_dir / "kit.pdf").exists()


def test_verify_refuses_a_kit_whose_printed_text_is_wrong(
    small_vf: VaultFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lines(frame: Frame) -> list[str]:
        out = text_lines(frame)
        if frame.index == 0:
            out[2] = _typo(out[2], random.Random(3))  # one wrong character on the page
        return out

    monkeypatch.setattr("vault.paper.typeable.text_lines", lines)
    before, listing = small_vf.path.read_bytes(), {p.name for p in tmp_path.iterdir()}
    with pytest.raises(KitVerificationFailed, match="printed text does not match"):
        make_kit(small_vf, PASSPHRASE, tmp_path / "kit.pdf", KitOptions(text=True))
    _assert_nothing_kept(small_vf, before, tmp_path, listing)
    monkeypatch.undo()
    assert make_kit(small_vf, PASSPHRASE, tmp_path / "kit.pdf", KitOptions(text=True)).text


@pytest.mark.slow
def test_verify_failure_through_the_cli_exits_65(
    small_vf: VaultFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = small_vf.path.read_bytes()
    _break_code(monkeypatch, "blank", index=3)
    env = {"RVAULT_FILE": str(small_vf.path), "RVAULT_PASSPHRASE_FILE": str(secret)}
    r = run_main(["kit", "--out", str(out_dir / "kit.pdf")], env)
    assert r.code == 65, r.stderr
    assert "rvault: error: kit verification failed: code 4 (codes sheet 1)" in r.stderr
    assert "Traceback" not in r.stderr and "Verified" not in r.stderr
    _assert_nothing_kept(small_vf, before, out_dir, set())


def test_parity_out_of_range_is_refused_and_nothing_is_kept(
    small_vf: VaultFile, tmp_path: Path
) -> None:
    before = small_vf.path.read_bytes()
    with pytest.raises(InvalidData):
        make_kit(small_vf, PASSPHRASE, tmp_path / "kit.pdf", KitOptions(parity=401))
    with pytest.raises(InvalidData):
        make_kit(small_vf, PASSPHRASE, tmp_path / "kit.pdf", KitOptions(parity=-1))
    assert small_vf.path.read_bytes() == before
    assert not (tmp_path / "kit.pdf").exists()


# --- 7. paper sizes ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "paper"), [("large", "a4"), ("letter", "letter")])
def test_a4_and_letter_kits_round_trip(
    name: str, paper: str, request: pytest.FixtureRequest
) -> None:
    kit: Kit = request.getfixturevalue(name)
    doc = pypdfium2.PdfDocument(kit.pdf)
    try:
        sizes = {tuple(round(v / 72 * 25.4) for v in doc[i].get_size()) for i in range(len(doc))}
    finally:
        doc.close()
    assert sizes == {tuple(round(v) for v in PAPERS[paper])}
    width, height = kit.pages[kit.sheet_page[1]].size
    assert abs(width - PAPERS[paper][0] / 25.4 * 300) <= 1
    assert abs(height - PAPERS[paper][1] / 25.4 * 300) <= 1
    # A full sheet of six full-size codes, every one read at 300 dpi.
    assert len(kit.decoded[kit.sheet_page[1]]) == CODES_PER_PAGE
    assert restore_texts(kit.decoded) == kit.before


# --- 8. the vault remembers its last verified kit ----------------------------------------


def test_the_vault_records_the_last_verified_kit(vf: VaultFile, tmp_path: Path) -> None:
    assert vf.load(PASSPHRASE).kit_status() == "none"
    vf.add(PASSPHRASE, sample_entries()[0])
    pad_to_safe_size(vf)
    first = make_kit(vf, PASSPHRASE, tmp_path / "one.pdf")
    v = vf.load(PASSPHRASE)
    assert v.meta["kit"]["id"] == first.kit_id.hex()
    assert v.meta["kit"]["generation"] == first.generation
    assert (v.meta["kit"]["n"], v.meta["kit"]["k"]) == (first.n, first.k)
    assert v.kit_status() == "current"
    assert vf.info()["generation"] == first.generation  # recorded in the printed file itself

    vf.add(PASSPHRASE, Entry("Another", "totp", secret="JBSWY3DPEHPK3PXP"))
    assert vf.load(PASSPHRASE).kit_status() == "stale"
    assert vf.load(PASSPHRASE).meta["kit"]["id"] == first.kit_id.hex()

    pad_to_safe_size(vf)
    second = make_kit(vf, PASSPHRASE, tmp_path / "two.pdf")
    v = vf.load(PASSPHRASE)
    assert second.kit_id != first.kit_id
    assert v.meta["kit"]["id"] == second.kit_id.hex()
    assert v.meta["kit"]["generation"] == second.generation > first.generation
    assert v.kit_status() == "current"

    vf.use_code(PASSPHRASE, "GitHub")  # spending a code changes the vault: the kit is old
    assert vf.load(PASSPHRASE).kit_status() == "stale"


# --- 9. parity ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> VaultFile:
    """About 12 KB: five codes are needed."""
    vf = new_vault(tmp_path_factory.mktemp("medium") / "medium.rvault")
    fill_vault(vf, sample_entries(), file_size=12_000)
    return vf


# n = k + max(2, ceil(k * parity)), then rounded up to whole sheets of 6: the last sheet's
# empty places carry extra spares at no cost in paper.
@pytest.mark.slow
@pytest.mark.parametrize(("parity", "n"), [(0, 12), (25, 12), (50, 12), (100, 12), (200, 18)])
def test_parity_sets_the_number_of_spare_codes(
    medium: VaultFile, tmp_path: Path, parity: float, n: int
) -> None:
    pad_to_safe_size(medium)
    report = make_kit(medium, PASSPHRASE, tmp_path / "kit.pdf", KitOptions(parity=parity))
    assert report.k == 5
    assert report.n == n
    assert report.n - report.k >= max(2, -(-5 * int(parity) // 100))
    assert len(report.codes) == report.n
    assert medium.load(PASSPHRASE).meta["kit"]["n"] == report.n


@pytest.mark.parametrize("parity", [0, 25])
def test_a_single_code_vault_still_gets_two_spares(
    single: Kit, tmp_path: Path, parity: float
) -> None:
    pad_to_safe_size(single.vf)
    report = make_kit(single.vf, PASSPHRASE, tmp_path / "kit.pdf", KitOptions(parity=parity))
    assert report.k == 1
    assert report.n - report.k >= MIN_SPARE == 2


@pytest.mark.slow
def test_parity_option_on_the_command_line(medium: VaultFile, tmp_path: Path) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    env = {"RVAULT_FILE": str(medium.path), "RVAULT_PASSPHRASE_FILE": str(secret)}
    pad_to_safe_size(medium)
    default = run_main(["kit", "--out", str(tmp_path / "a.pdf")], env)
    pad_to_safe_size(medium)
    more = run_main(["kit", "--out", str(tmp_path / "b.pdf"), "--parity", "200"], env)
    assert default.code == 0 and more.code == 0, default.stderr + more.stderr
    assert "12 codes, any 5 restore the vault" in default.stderr
    assert "18 codes, any 5 restore the vault" in more.stderr
    bad = run_main(["kit", "--out", str(tmp_path / "c.pdf"), "--parity", "500"], env)
    assert bad.code == 65 and "--parity must be between 0 and 400" in bad.stderr
    assert not (tmp_path / "c.pdf").exists()


# --- regressions: bugs found by this suite, fixed in vault/ ------------------------------


def test_codes_with_100_or_more_typed_lines_verify(vf: VaultFile, tmp_path: Path) -> None:
    fill_vault(vf, sample_entries(), file_size=7600)
    pad_to_safe_size(vf)
    before = vf.path.read_bytes()
    # k=3 and blocks above 2431 bytes: every code prints more than 99 lines, and the vault is
    # small enough for text pages by default.
    assert 7294 <= len(before) <= min(7911, TEXT_BY_DEFAULT_MAX)
    report = make_kit(vf, PASSPHRASE, tmp_path / "kit.pdf")
    assert report.text
    lines = pdf_text_lines((tmp_path / "kit.pdf").read_bytes())
    assert any(line.startswith("001-100 ") for line in lines)
    session = RestoreSession()
    session.add_lines(lines)
    assert session.finish() == vf.path.read_bytes()


@pytest.mark.slow
def test_codes_of_one_kit_needing_different_qr_versions_still_print() -> None:
    rng = random.Random(0)
    data, vault_id, kit_id = rng.randbytes(340), rng.randbytes(16), rng.randbytes(8)
    frames = encode(data, vault_id, kit_id, 1, max_block())
    # The precondition: the same-length texts (620 characters, one over version 13-L's 619)
    # get two QR versions.
    assert len({len(f.to_text()) for f in frames}) == 1
    qr = zxingcpp.BarcodeFormat.QRCode
    sides = {
        zxingcpp.create_barcode(f.to_text(), qr, ec_level="L").to_image().shape[0] for f in frames
    }
    assert len(sides) == 2
    facts = KitFacts(
        printed="2026-01-01",
        vault_id=vault_id,
        kit_id=kit_id,
        generation=1,
        entry_count=1,
        kdf="Argon2id, 1 MiB memory, 1 passes, 1 lanes",
        memory_mib=1,
        vault_size=len(data),
        n=frames[0].n,
        k=frames[0].k,
        index=None,
    )
    pdf = render_kit(frames, facts)
    read = [decode_image(page) for page in render_pdf_pages(pdf)]
    assert sorted(t for texts in read for t in texts) == sorted(f.to_text() for f in frames)


def test_an_ambiguous_kit_id_prefix_is_refused(vf: VaultFile) -> None:
    data = vf.path.read_bytes()
    container = parse(data)
    session = RestoreSession()
    for kit_id in (bytes.fromhex("ab01000000000000"), bytes.fromhex("ab02000000000000")):
        for frame in encode(data, container.vault_id, kit_id, container.generation, max_block()):
            session.add_frame(frame)
    assert session.finish("AB01") == data  # an unambiguous prefix works
    assert session.finish("ab02") == data
    with pytest.raises(InvalidData):
        session.finish("AB")
