"""A newcomer with only the paper: the restore path must work as the printed pages say.

Issue 11's findings, each against a real kit: restore into the usual vault location, folders
of photos, typed files with typos, forgiving line labels, the dotted last line, and a
restored vault that knows the kit it came from. Real PDFs, PDFium renders, zxing-cpp.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PASSPHRASE, Run, child_main, run_main
from support.kitutil import fill_vault, new_vault, pad_to_safe_size, pdf_text_lines, sample_entries

from vault import VaultFile
from vault.errors import InvalidData
from vault.paper.frames import (
    FILLER,
    LINE_CHARS,
    b32decode,
    b32encode,
    parse_frame_text,
    parse_typed_line,
    text_lines,
)
from vault.paper.kit import make_kit
from vault.paper.pages import render_pdf_pages
from vault.paper.restore import RestoreSession

CODE_LINE_START = ("0", "1", "2")


@dataclass
class Paper:
    """A printed kit, as files a person would have: the PDF, photos of its codes sheets."""

    folder: Path
    vf: VaultFile
    pdf: Path
    photos: Path  # a folder of one PNG per codes sheet (and a stray text file)
    printed: bytes  # the vault file the kit holds
    lines: list[str]  # every typeable line, as printed
    n: int
    k: int


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> Paper:
    folder = tmp_path_factory.mktemp("paper")
    vf = new_vault(folder / "home.rvault")
    fill_vault(vf, sample_entries(), file_size=6000)  # k=3: a bad line costs one code only
    pad_to_safe_size(vf)
    pdf = folder / "kit.pdf"
    report = make_kit(vf, PASSPHRASE, pdf)
    assert report.text and report.k >= 3
    photos = folder / "kit-photos"
    photos.mkdir()
    texts = pdf_text_lines(pdf.read_bytes())
    sheet_no = 0
    doc_pages = list(render_pdf_pages(pdf.read_bytes(), dpi=300))
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf.read_bytes())
    for i, image in enumerate(doc_pages):
        if re.search(r"codes sheet \d+ of \d+", doc[i].get_textpage().get_text_range()):
            sheet_no += 1
            image.save(photos / f"sheet-{sheet_no}.png")
    doc.close()
    (photos / "notes.txt").write_text("not a photo\n")  # ignored: not a PDF or an image
    lines = [" ".join(t.split()) for t in texts if t[:1] in CODE_LINE_START and "-" in t[:7]]
    return Paper(folder, vf, pdf, photos, vf.path.read_bytes(), lines, report.n, report.k)


def _env(tmp_path: Path, passphrase: Path) -> dict[str, str | None]:
    """No --vault, no RVAULT_FILE: the platform's data directory, moved under tmp_path."""
    return {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "HOME": str(tmp_path),
        "RVAULT_PASSPHRASE_FILE": str(passphrase),
    }


@pytest.fixture
def env(tmp_path: Path, passphrase_file: Path) -> dict[str, str | None]:
    return _env(tmp_path, passphrase_file)


def _default_vault(tmp_path: Path) -> Path:
    return tmp_path / "data" / "rvault" / "vault.rvault"


# --- 2. restore into the usual place --------------------------------------------------------


@pytest.mark.slow
def test_restore_without_out_writes_the_usual_vault_and_list_just_works(
    paper: Paper, tmp_path: Path, env: dict[str, str | None]
) -> None:
    r = run_main(["restore", paper.pdf], env)
    assert r.code == 0, r.stderr
    target = _default_vault(tmp_path)
    assert target.read_bytes() == paper.printed
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.parent.stat().st_mode & 0o777 == 0o700
    assert f"restored to {target}, where rvault looks for your vault" in r.stderr
    assert "rvault use NAME" in r.stderr
    listed = run_main(["list"], env)
    assert listed.code == 0, listed.stderr
    assert "GitHub" in listed.stdout


@pytest.mark.slow
def test_restore_never_replaces_the_usual_vault(
    paper: Paper, tmp_path: Path, env: dict[str, str | None]
) -> None:
    target = _default_vault(tmp_path)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"someone's vault")
    for extra in ([], ["--force"]):
        r = run_main(["restore", paper.pdf, *extra], env)
        assert r.code == 73, r.stderr
        assert f"a vault already exists at {target}; restore never replaces it" in r.stderr
        assert "--out PATH" in r.stderr
    assert target.read_bytes() == b"someone's vault"
    # --out still writes where it is told.
    out = tmp_path / "elsewhere.rvault"
    r = run_main(["restore", paper.pdf, "--out", out], env)
    assert r.code == 0 and out.read_bytes() == paper.printed
    assert f"Open it with: rvault --vault {out} list" in r.stderr


# --- 3. a folder of photos --------------------------------------------------------------------


def test_restore_reads_every_photo_in_a_folder(
    paper: Paper, tmp_path: Path, env: dict[str, str | None]
) -> None:
    r = run_main(["restore", paper.photos], env)
    assert r.code == 0, r.stderr
    assert _default_vault(tmp_path).read_bytes() == paper.printed


def test_verify_kit_and_recover_read_folders_too(paper: Paper, tmp_path: Path) -> None:
    env = {"RVAULT_FILE": str(paper.vf.path)}
    r = run_main(["verify-kit", paper.photos], env)
    assert r.code == 0, r.stdout + r.stderr
    assert "matches the current vault" in r.stdout


def test_a_folder_without_photos_says_so(tmp_path: Path, env: dict[str, str | None]) -> None:
    empty = tmp_path / "kit-photos"
    empty.mkdir()
    (empty / "readme.txt").write_text("hello")
    r = run_main(["restore", empty], env)
    assert r.code == 66
    assert f"the folder {empty} holds no PDF, PNG, JPEG or TIFF files" in r.stderr
    assert not _default_vault(tmp_path).exists()


# --- 5. a typed file with typos ---------------------------------------------------------------


def _typo(line: str, rng: random.Random) -> str:
    """One wrong character among the groups (not the label, not the check)."""
    label, rest = line.split(" ", 1)
    spots = [i for i, ch in enumerate(rest) if ch.isalnum()][:-2]
    i = rng.choice(spots)
    wrong = "X" if rest[i] != "X" else "Y"
    return f"{label} {rest[:i]}{wrong}{rest[i + 1 :]}"


def _code_lines(paper: Paper, code_no: int) -> list[str]:
    return [ln for ln in paper.lines if ln.startswith(f"{code_no:03d}-")]


def test_one_typo_in_a_typed_file_loses_only_its_own_code(
    paper: Paper, tmp_path: Path, env: dict[str, str | None]
) -> None:
    lines = [ln for c in range(1, paper.k + 2) for ln in _code_lines(paper, c)]  # k + 1 codes
    bad = lines.index(_code_lines(paper, 2)[2])
    lines[bad] = _typo(lines[bad], random.Random(5))
    typed = tmp_path / "typed.txt"
    typed.write_text("\n".join(lines) + "\n")
    r = run_main(["restore", "--text", typed], env)
    assert r.code == 0, r.stderr
    assert "line 002-03 does not match its check characters: retype it" in r.stderr
    assert _default_vault(tmp_path).read_bytes() == paper.printed


def test_too_few_good_codes_name_every_bad_line_and_count_what_is_left(
    paper: Paper, tmp_path: Path, env: dict[str, str | None]
) -> None:
    lines = [ln for c in range(1, paper.k + 1) for ln in _code_lines(paper, c)]  # exactly k
    rng = random.Random(7)
    for code_no, line_no in ((1, 4), (3, 2)):
        at = lines.index(_code_lines(paper, code_no)[line_no - 1])
        lines[at] = _typo(lines[at], rng)
    del lines[lines.index(_code_lines(paper, 2)[5])]  # and one line left out
    typed = tmp_path / "typed.txt"
    typed.write_text("\n".join(lines) + "\n")
    r = run_main(["restore", "--text", typed], env)
    assert r.code == 65, r.stderr
    assert "line 001-04 does not match its check characters: retype it" in r.stderr
    assert "line 003-02 does not match its check characters: retype it" in r.stderr
    assert "code 2: line 002-06 is missing" in r.stderr
    assert "no rvault kit codes were found" not in r.stderr
    per_code = len(_code_lines(paper, 1))
    assert (
        f"0 of the {paper.k} complete codes needed are in the typed lines: 3 more lines "
        f"needed (a code has {per_code} lines)"
    ) in r.stderr
    assert "retype the lines named above" in r.stderr
    assert not _default_vault(tmp_path).exists()


def test_a_short_code_names_its_missing_last_lines(paper: Paper) -> None:
    session = RestoreSession()
    lines = _code_lines(paper, 1)
    session.add_lines(lines[:-2] + _code_lines(paper, 2))
    report = session.typed_report()
    n = len(lines)
    assert f"code 1: lines 001-{n - 1:02d} to 001-{n:02d} are missing" in report


# --- 6. promises the paper makes ----------------------------------------------------------


def test_zero_and_o_one_and_i_are_the_same_in_line_labels_too(paper: Paper) -> None:
    session = RestoreSession()
    for line in _code_lines(paper, 1):
        label, rest = line.split(" ", 1)
        sloppy = label.replace("0", "O").replace("1", "l")
        typed = parse_typed_line(f"{sloppy} {rest}")
        assert typed is not None and typed.ok, sloppy
        session.add_lines([f"{sloppy.lower()} {rest}"])
    assert 1 in {f.index + 1 for s in session.kits.values() for f in s.frames.frames.values()}


def test_the_last_line_is_filled_out_so_groups_and_check_stay_in_column(paper: Paper) -> None:
    frames = [parse_frame_text(t) for t in _frame_texts(paper)]
    for frame in frames:
        lines = text_lines(frame)
        assert len({len(ln) for ln in lines}) == 1  # the check column never moves
        last = lines[-1].split()
        assert len(last) == 1 + LINE_CHARS // 5 + 1  # label, eight groups, check
        if len(b32encode(frame.to_bytes())) % LINE_CHARS:
            assert FILLER in lines[-1] and "  " not in lines[-1][8:-4]
        typed = parse_typed_line(lines[-1])
        assert typed is not None and typed.ok
        # Typed without the dots, or with the dots, it checks the same.
        assert parse_typed_line(lines[-1].replace(FILLER, "")).ok  # type: ignore[union-attr]
    # And the printed PDF shows exactly these lines (PDFium folds runs of spaces).
    assert sorted(" ".join(ln.split()) for f in frames for ln in text_lines(f)) == sorted(
        paper.lines
    )


def _frame_texts(paper: Paper) -> list[str]:
    session = RestoreSession()
    session.add_lines(paper.lines)
    return [f.to_text() for s in session.kits.values() for f in s.frames.frames.values()]


def test_stray_bits_in_the_last_base32_character_are_refused() -> None:
    text = b32encode(b"\x01\x02\x03")  # 5 characters: the last carries one spare bit
    assert b32decode(text) == b"\x01\x02\x03"
    spare = (
        text[:-1]
        + "0123456789ABCDEFGHJKMNPQRSTVWXYZ"["0123456789ABCDEFGHJKMNPQRSTVWXYZ".index(text[-1]) | 1]
    )
    assert spare != text
    with pytest.raises(InvalidData, match="stray bits"):
        b32decode(spare)


# --- implausible numbers on a typed line (bounded before anything is built) ---------------


@pytest.mark.parametrize(
    "line",
    ["001-200000000 AAAAA ZZ", "300-01 AAAAA AAAAA ZZ", "001-" + "9" * 5000 + " AAAAA ZZ"],
)
def test_implausible_line_numbers_are_refused_in_bounded_memory(tmp_path: Path, line: str) -> None:
    typed = tmp_path / "typed.txt"
    typed.write_text(line + "\n")
    status, peak_kib, stderr = child_main(
        ["restore", "--text", str(typed), "--out", str(tmp_path / "o")]
    )
    assert status == 65, stderr
    assert "is not a line of a kit" in stderr
    assert "Traceback" not in stderr
    assert int(peak_kib) < 300 * 1024  # the interpreter and imports; no list of lines


def test_unicode_digits_in_a_label_are_not_numbers() -> None:
    assert parse_typed_line("\u00b9-01 ABCDE FGHJK 12") is None
    assert parse_typed_line("\u0661\u0662-01 ABCDE FGHJK 12") is None


# --- a restored vault knows its kit -------------------------------------------------------


def test_a_restored_vault_knows_the_kit_it_came_from(
    paper: Paper, tmp_path: Path, env: dict[str, str | None]
) -> None:
    assert run_main(["restore", paper.photos], env).code == 0
    checked = run_main(["check", "--json", "--no-kdf-check"], env)
    ids = Run.ids(checked)
    assert "kit-missing" not in ids and "kit-stale" not in ids, checked.stdout
    verified = run_main(["verify-kit", paper.photos], env)
    assert verified.code == 0, verified.stdout + verified.stderr
    assert "matches the current vault" in verified.stdout
    restored = VaultFile(_default_vault(tmp_path)).load(PASSPHRASE)
    assert restored.kit_status() == "current"
    assert (
        json.loads(restored.to_bytes())["meta"]["kit"]["generation"]
        == (VaultFile(_default_vault(tmp_path)).info()["generation"])
    )


# --- the share sheets' own command, as printed ----------------------------------------------


@pytest.mark.slow
def test_recover_as_the_share_sheet_says_into_the_usual_place(tmp_path: Path) -> None:
    import pypdfium2

    old = tmp_path / "old"
    old.mkdir()
    vf = new_vault(old / "vault.rvault")
    fill_vault(vf, sample_entries())
    secret = old / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    env_old = {"RVAULT_FILE": str(vf.path), "RVAULT_PASSPHRASE_FILE": str(secret)}
    r = run_main(["recovery-key", "add", "--out", old / "rk.pdf", "--shares", "2-of-3"], env_old)
    assert r.code == 0, r.stderr
    make_kit(vf, PASSPHRASE, old / "kit.pdf")
    sheet_text = " ".join(
        " ".join(pdf_text_lines((old / "rk-share-1-of-3.pdf").read_bytes())).split()
    )
    assert "rvault recover kit-photos" in sheet_text
    assert "--out" not in sheet_text.replace("rvault kit --out new-kit.pdf", "")
    for word in ("rvault use NAME", "rvault totp NAME", "rvault show NAME"):
        assert word in sheet_text, word

    # The new laptop: a folder of photos of the kit, photos of two share sheets.
    home = tmp_path / "home"
    photos = home / "kit-photos"
    photos.mkdir(parents=True)
    for i, page in enumerate(render_pdf_pages((old / "kit.pdf").read_bytes(), dpi=300)):
        page.save(photos / f"IMG_{i}.png")
    shares = []
    for no in (1, 3):
        doc = pypdfium2.PdfDocument((old / f"rk-share-{no}-of-3.pdf").read_bytes())
        shares += ["--share", str(home / f"share-{no}.png")]
        doc[0].render(scale=300 / 72, grayscale=True).to_pil().save(home / f"share-{no}.png")
        doc.close()
    new_pass = home / "new.txt"
    new_pass.write_text("a brand new passphrase for the new laptop\n")
    env = {"XDG_DATA_HOME": str(home / "data"), "HOME": str(home)}
    r = run_main(["recover", photos, *shares, "--new-passphrase-file", new_pass], env)
    assert r.code == 0, r.stderr
    target = home / "data" / "rvault" / "vault.rvault"
    assert f"Recovered to {target}, where rvault looks for your vault" in r.stderr
    listed = run_main(["list"], {**env, "RVAULT_PASSPHRASE_FILE": str(new_pass)})
    assert listed.code == 0 and "GitHub" in listed.stdout, listed.stderr


def test_the_covers_example_folder_has_one_photo_per_codes_sheet(paper: Paper) -> None:
    from vault.paper.kit_pdf import example_photos

    sheets = len([p for p in paper.photos.iterdir() if p.suffix == ".png"])
    cover = " ".join(pdf_text_lines(paper.pdf.read_bytes())[:60])
    cover = " ".join(cover.split())
    assert f"a folder named kit-photos holding {example_photos(sheets)}" in cover
    assert example_photos(1) == "one photo, sheet-1.jpg"
    assert example_photos(5) == "5 photos, sheet-1.jpg to sheet-5.jpg"
