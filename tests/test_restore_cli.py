"""`rvault kit` and `rvault restore` on the command line, in-process through vault.cli.main.

The vault is built through the library with real (cheap) Argon2id; every kit is a real PDF
that make_kit verified; restores read real PDFs and page images with PDFium and zxing-cpp
(in the CLI's own worker processes). One test runs the whole round trip as real processes.
Every run's output is checked never to show the passphrase or a secret from the vault.
"""

from __future__ import annotations

import io
import random
import re
import stat
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from conftest import PASSPHRASE, Run, run_main, run_rvault
from PIL import Image
from support.kitutil import (
    assert_no_secret,
    fill_vault,
    new_vault,
    pad_to_safe_size,
    pdf_text_lines,
    sample_entries,
    secret_strings,
)

from vault import Entry, VaultFile
from vault.errors import InvalidData
from vault.format import parse
from vault.paper.frames import parse_frame_text
from vault.paper.kit import max_block
from vault.paper.pages import render_pdf_pages
from vault.paper.scan import scan_pdf

SHEET = re.compile(r"codes sheet (\d+) of (\d+)")
CODE_LINE = re.compile(r"^\d{3}-\d{2,3} ")


@dataclass
class CliKit:
    """A vault, its environment, and the kit `rvault kit` printed of it."""

    folder: Path
    vf: VaultFile
    env: dict[str, str]
    secrets: list[str]
    before: bytes  # the vault file the kit holds
    run: Run
    pdf: Path

    def rv(self, *args: str, stdin: str | None = None) -> Run:
        """Run rvault in-process against this vault; no secret may appear in its output."""
        r = run_main(list(args), self.env, stdin)
        assert_no_secret(r.stdout + r.stderr, self.secrets)
        return r

    def kit(self, out: Path, *options: str) -> Run:
        """`rvault kit --out OUT OPTIONS` (the vault first kept clear of a known bug)."""
        pad_to_safe_size(self.vf)
        return self.rv("kit", "--out", str(out), *options)

    @property
    def meta_kit(self) -> dict[str, object]:
        kit = self.vf.load(PASSPHRASE).meta["kit"]
        assert isinstance(kit, dict)
        return kit


def _env(folder: Path, vf: VaultFile) -> dict[str, str]:
    secret = folder / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n")
    return {
        "RVAULT_FILE": str(vf.path),
        "RVAULT_PASSPHRASE_FILE": str(secret),
        "RVAULT_LOCK_TIMEOUT": "10",
    }


def _make(folder: Path, file_size: int, *options: str) -> CliKit:
    vf = new_vault(folder / "vault.rvault")
    fill_vault(vf, sample_entries(), file_size=file_size)
    pad_to_safe_size(vf)
    env = _env(folder, vf)
    secrets_ = secret_strings(vf)
    out = folder / "kit.pdf"
    run = run_main(["kit", "--out", str(out), *options], env)
    assert_no_secret(run.stdout + run.stderr, secrets_)
    assert run.code == 0, run.stderr
    before = vf.path.read_bytes()  # the kit holds the file that records it
    return CliKit(folder, vf, env, secrets_, before, run, out)


@pytest.fixture(scope="module")
def cli_kit(tmp_path_factory: pytest.TempPathFactory) -> CliKit:
    """About 16 KB (k=7, n=12: two full codes sheets), printed with the default options."""
    kit = _make(tmp_path_factory.mktemp("cli"), 16_000)
    k = -(-len(kit.before) // max_block())
    # Typed lines stay under 100 per code (test_kit.py covers longer codes).
    assert k == 7 and -(-len(kit.before) // k) <= 2431
    return kit


@pytest.fixture(scope="module")
def text_kit(tmp_path_factory: pytest.TempPathFactory) -> CliKit:
    """The same kind of vault printed with --text, though it is above the 8 KB default."""
    return _make(tmp_path_factory.mktemp("text"), 16_000, "--text")


@pytest.fixture(scope="module")
def page_images(cli_kit: CliKit) -> list[Image.Image]:
    return list(render_pdf_pages(cli_kit.pdf.read_bytes(), dpi=300))


def _page_texts(pdf: bytes) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def _sheet_pages(pdf: bytes) -> dict[int, int]:
    return {int(m[1]): i for i, text in enumerate(_page_texts(pdf)) if (m := SHEET.search(text))}


def _kit_codes(pdf: bytes) -> list[str]:
    return [t for page in scan_pdf(pdf) for t in page.texts]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- rvault kit --------------------------------------------------------------------------


@pytest.mark.slow
def test_kit_writes_a_private_verified_pdf(cli_kit: CliKit) -> None:
    r, pdf = cli_kit.run, cli_kit.pdf.read_bytes()
    assert r.stdout == ""
    assert _mode(cli_kit.pdf) == 0o600
    assert pdf.startswith(b"%PDF-")
    pages = len(_page_texts(pdf))
    codes = _kit_codes(pdf)
    kit = cli_kit.meta_kit
    n, k = kit["n"], kit["k"]
    assert (n, k) == (12, 7) and len(codes) == n
    assert f"Wrote {cli_kit.pdf}: {pages} pages, {n} codes, any {k} restore the vault." in r.stderr
    assert "typeable text included" not in r.stderr  # above 8 KB: no text by default
    generation = parse(cli_kit.before).generation
    assert kit["generation"] == generation
    assert (
        "Verified: every code read back and rebuilt the vault byte for byte "
        f"(kit {str(kit['id'])[:8].upper()}, generation {generation})."
    ) in r.stderr
    assert {parse_frame_text(t).kit_id.hex() for t in codes} == {kit["id"]}


def test_kit_refuses_to_overwrite_without_force(cli_kit: CliKit, tmp_path: Path) -> None:
    target = tmp_path / "existing.pdf"
    target.write_bytes(b"keep me")
    target.chmod(0o644)
    vault_before = cli_kit.vf.path.read_bytes()
    r = cli_kit.kit(target)
    assert r.code == 73, r.stderr
    assert f"rvault: error: {target} already exists" in r.stderr
    assert "hint: pass --force" in r.stderr
    assert target.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.pdf"]  # no temp file
    assert cli_kit.vf.path.read_bytes() == vault_before  # not recorded


@pytest.mark.slow
def test_kit_force_replaces(cli_kit: CliKit, tmp_path: Path) -> None:
    target = tmp_path / "existing.pdf"
    target.write_bytes(b"old")
    target.chmod(0o644)
    r = cli_kit.kit(target, "--force")
    assert r.code == 0, r.stderr
    assert target.read_bytes().startswith(b"%PDF-")
    assert _mode(target) == 0o600
    codes = _kit_codes(target.read_bytes())
    assert {parse_frame_text(t).kit_id.hex() for t in codes} == {cli_kit.meta_kit["id"]}


@pytest.mark.slow
def test_kit_paper_title_and_no_index(cli_kit: CliKit, tmp_path: Path) -> None:
    default_text = "\n".join(_page_texts(cli_kit.pdf.read_bytes()))
    assert "Index: the " in default_text and "Safe combination" in default_text
    out = tmp_path / "letter.pdf"
    r = cli_kit.kit(out, "--paper", "letter", "--title", "Family kit 2026", "--no-index")
    assert r.code == 0, r.stderr
    pdf = out.read_bytes()
    doc = pypdfium2.PdfDocument(pdf)
    try:
        sizes = {tuple(round(v) for v in doc[i].get_size()) for i in range(len(doc))}
    finally:
        doc.close()
    assert sizes == {(612, 792)}  # US Letter in points
    text = "\n".join(_page_texts(pdf))
    assert "Family kit 2026" in text
    assert "Index: the " not in text
    for name in ("Safe combination", "Microsoft", "Authenticator"):
        assert name not in text
    assert len(_kit_codes(pdf)) == cli_kit.meta_kit["n"]


@pytest.mark.slow
def test_kit_text_and_no_text(tmp_path: Path, text_kit: CliKit) -> None:
    small = _make(tmp_path, 2000)  # small enough for text pages by default
    assert "(typeable text included)" in small.run.stderr
    lines = pdf_text_lines(small.pdf.read_bytes())
    assert "Typeable codes" in lines and any(CODE_LINE.match(line) for line in lines)

    r = small.kit(tmp_path / "plain.pdf", "--no-text")
    assert r.code == 0, r.stderr
    assert "typeable text included" not in r.stderr
    lines = pdf_text_lines((tmp_path / "plain.pdf").read_bytes())
    assert "Typeable codes" not in lines and not any(CODE_LINE.match(line) for line in lines)

    # --text prints the text pages for a vault above the 8 KB default too: the 7 codes
    # needed and a quarter more (n = 12, k = 7: codes 1 to 9).
    assert "(typeable text included)" in text_kit.run.stderr
    lines = pdf_text_lines(text_kit.pdf.read_bytes())
    assert {int(line[:3]) for line in lines if CODE_LINE.match(line)} == set(range(1, 10))


@pytest.mark.slow
def test_kit_qr_dir_writes_codes_that_decode_to_the_same_frames(
    cli_kit: CliKit, tmp_path: Path
) -> None:
    out, qr_dir = tmp_path / "kit.pdf", tmp_path / "codes"
    r = cli_kit.kit(out, "--qr-dir", str(qr_dir))
    assert r.code == 0, r.stderr
    n = cli_kit.meta_kit["n"]
    assert f"Wrote {n} code images (PNG and SVG) to {qr_dir}." in r.stderr
    stems = [f"code-{i:03d}-of-{n:03d}" for i in range(1, n + 1)]  # type: ignore[operator]
    assert sorted(p.name for p in qr_dir.iterdir()) == sorted(
        f"{s}.{ext}" for s in stems for ext in ("png", "svg")
    )
    pdf_codes = _kit_codes(out.read_bytes())
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    from_png = []
    for i, stem in enumerate(stems):
        png, svg = qr_dir / f"{stem}.png", qr_dir / f"{stem}.svg"
        assert _mode(png) == 0o600 and _mode(svg) == 0o600
        with Image.open(png) as img:
            found = [b.text for b in zxingcpp.read_barcodes(img, formats=qr)]
        assert len(found) == 1 and parse_frame_text(found[0]).index == i
        from_png.append(found[0])
        root = ET.fromstring(svg.read_text())  # noqa: S314 (a file this test just made)
        assert (
            root.tag.endswith("svg") and root.find("{http://www.w3.org/2000/svg}path") is not None
        )
    assert sorted(from_png) == sorted(pdf_codes)


def test_kit_with_a_wrong_passphrase_writes_nothing(cli_kit: CliKit, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    vault_before = cli_kit.vf.path.read_bytes()
    r = run_main(
        ["kit", "--out", str(tmp_path / "kit.pdf")],
        {**cli_kit.env, "RVAULT_PASSPHRASE_FILE": str(wrong)},
    )
    assert r.code == 3, r.stderr
    assert not (tmp_path / "kit.pdf").exists()
    assert cli_kit.vf.path.read_bytes() == vault_before


# --- rvault restore ----------------------------------------------------------------------


@pytest.mark.slow
def test_restore_writes_a_private_vault_that_opens(cli_kit: CliKit, tmp_path: Path) -> None:
    out = tmp_path / "new.rvault"
    r = cli_kit.rv("restore", str(cli_kit.pdf), "--out", str(out))
    assert r.code == 0, r.stderr
    assert r.stdout == ""
    assert f"12 of 12 codes read, 7 needed: restored to {out}." in r.stderr
    assert f"rvault --vault {out} list" in r.stderr
    assert _mode(out) == 0o600
    assert out.read_bytes() == cli_kit.before
    listed = cli_kit.rv("--vault", str(out), "list")
    assert listed.code == 0, listed.stderr
    names = {line.split("  ")[0] for line in listed.stdout.splitlines()}
    assert {"GitHub", "Microsoft", "Authenticator", "Safe combination"} <= names


@pytest.mark.slow
def test_restore_refuses_to_overwrite_without_force(cli_kit: CliKit, tmp_path: Path) -> None:
    out = tmp_path / "new.rvault"
    out.write_bytes(b"an older vault")
    r = cli_kit.rv("restore", str(cli_kit.pdf), "--out", str(out))
    assert r.code == 73, r.stderr
    assert "already exists" in r.stderr and "--force" in r.stderr
    assert out.read_bytes() == b"an older vault"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.rvault"]
    r = cli_kit.rv("restore", str(cli_kit.pdf), "--out", str(out), "--force")
    assert r.code == 0, r.stderr
    assert out.read_bytes() == cli_kit.before


@pytest.mark.slow
def test_restore_from_page_photos_in_any_order(
    cli_kit: CliKit, page_images: list[Image.Image], tmp_path: Path
) -> None:
    files = []
    for i, page in enumerate(page_images):
        if i % 2:
            path = tmp_path / f"page-{i + 1}.jpg"
            page.copy().save(path, quality=85)
        else:
            path = tmp_path / f"page-{i + 1}.png"
            page.copy().save(path)
        files.append(str(path))
    assert any(f.endswith(".jpg") for f in files) and any(f.endswith(".png") for f in files)
    random.Random(3).shuffle(files)
    files.append(files[0])  # the same photo given twice
    out = tmp_path / "new.rvault"
    r = cli_kit.rv("restore", *files, "--out", str(out))
    assert r.code == 0, r.stderr
    assert "12 of 12 codes read, 7 needed: restored" in r.stderr, r.stderr
    assert out.read_bytes() == cli_kit.before


def test_restore_with_too_few_codes_names_the_missing_ones(
    cli_kit: CliKit, page_images: list[Image.Image], tmp_path: Path
) -> None:
    sheets = _sheet_pages(cli_kit.pdf.read_bytes())
    photo = tmp_path / "sheet-2.png"
    page_images[sheets[2]].save(photo)  # codes 7-12 only; 7 are needed
    out = tmp_path / "new.rvault"
    r = cli_kit.rv("restore", str(photo), "--out", str(out))
    assert r.code == 65, r.stderr
    assert (
        "rvault: error: 6 of 12 codes read, 7 needed: 1 more needed from the missing codes "
        "(codes sheet 1: 1, 2, 3, 4, 5, 6)"
    ) in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_restore_with_no_codes_at_all(
    cli_kit: CliKit, page_images: list[Image.Image], tmp_path: Path
) -> None:
    cover = tmp_path / "cover.png"
    page_images[0].save(cover)
    out = tmp_path / "new.rvault"
    r = cli_kit.rv("restore", str(cover), "--out", str(out))
    assert r.code == 65, r.stderr
    assert "rvault: error: no rvault kit codes were found in the input" in r.stderr
    empty = tmp_path / "typed.txt"
    empty.write_text("\n\nnothing typed yet\n")
    r = cli_kit.rv("restore", "--text", str(empty), "--out", str(out))
    assert r.code == 65, r.stderr
    assert "no rvault kit codes were found" in r.stderr
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    r = cli_kit.rv("restore", str(notes), "--out", str(out))
    assert r.code == 65, r.stderr
    assert "not a PDF or an image" in r.stderr
    assert not out.exists()


def test_restore_with_a_missing_source(cli_kit: CliKit, tmp_path: Path) -> None:
    out = tmp_path / "new.rvault"
    missing = tmp_path / "kit-photo-3.jpg"
    r = cli_kit.rv("restore", str(cli_kit.pdf), str(missing), "--out", str(out))
    assert r.code == 66, r.stderr
    assert f"rvault: error: {missing}: no such file" in r.stderr
    r = cli_kit.rv("restore", "--text", str(tmp_path / "typed.txt"), "--out", str(out))
    assert r.code == 66, r.stderr
    assert not out.exists()
    r = cli_kit.rv("restore", "--out", str(out))
    assert r.code == 2 and "--text FILE" in r.stderr


def test_restore_from_the_printed_text(text_kit: CliKit, tmp_path: Path) -> None:
    typed = tmp_path / "typed.txt"
    typed.write_text("\n".join(pdf_text_lines(text_kit.pdf.read_bytes())) + "\n")
    out = tmp_path / "new.rvault"
    r = text_kit.rv("restore", "--text", str(typed), "--out", str(out))
    assert r.code == 0, r.stderr
    assert "9 of 12 codes read, 7 needed: restored" in r.stderr  # codes 1 to 9 are printed
    assert out.read_bytes() == text_kit.before


@pytest.mark.slow
def test_restore_from_a_scanner_apps_lines(cli_kit: CliKit, tmp_path: Path) -> None:
    codes = _kit_codes(cli_kit.pdf.read_bytes())
    random.Random(8).shuffle(codes)
    chosen = codes[:7]  # any 7 of the 9, in any order
    scanned = tmp_path / "scanned.txt"
    scanned.write_text("\r\n\r\n".join(chosen) + "\r\n", newline="")
    out = tmp_path / "new.rvault"
    r = cli_kit.rv("restore", "--text", str(scanned), "--out", str(out))
    assert r.code == 0, r.stderr
    assert "7 of 12 codes read, 7 needed: restored" in r.stderr
    assert out.read_bytes() == cli_kit.before
    # The same lines piped in.
    r = cli_kit.rv(
        "restore", "--text", "-", "--out", str(tmp_path / "piped.rvault"), stdin="\n".join(codes)
    )
    assert r.code == 0, r.stderr
    assert (tmp_path / "piped.rvault").read_bytes() == cli_kit.before


@pytest.mark.slow
def test_restore_refuses_to_mix_kits_until_one_is_chosen(
    cli_kit: CliKit, page_images: list[Image.Image], tmp_path: Path
) -> None:
    other = tmp_path / "newer.pdf"
    assert cli_kit.kit(other).code == 0
    first_id = parse_frame_text(_kit_codes(cli_kit.pdf.read_bytes())[0]).kit_id.hex()[:8].upper()
    other_id = str(cli_kit.meta_kit["id"])[:8].upper()
    assert first_id != other_id
    # Sheet 1 of each kit: neither kit is complete, so both are seen and nothing is mixed;
    # the error is about the newer kit (issue 11), and names the other.
    ours = tmp_path / "ours-sheet-1.png"
    page_images[_sheet_pages(cli_kit.pdf.read_bytes())[1]].save(ours)
    theirs = tmp_path / "theirs-sheet-1.png"
    other_pages = list(render_pdf_pages(other.read_bytes(), dpi=300))
    other_pages[_sheet_pages(other.read_bytes())[1]].save(theirs)
    out = tmp_path / "new.rvault"
    r = cli_kit.rv("restore", str(ours), str(theirs), "--out", str(out))
    assert r.code == 65, r.stderr
    assert f"the newest kit found, kit {other_id} (generation " in r.stderr
    assert f"also found and not mixed in: kit {first_id}" in r.stderr
    assert f"hint: find the rest of kit {other_id}, or choose another kit with --kit ID" in (
        r.stderr
    )
    assert not out.exists()
    r = cli_kit.rv(
        "restore", str(ours), str(theirs), str(cli_kit.pdf), "--kit", first_id, "--out", str(out)
    )
    assert r.code == 0, r.stderr
    assert out.read_bytes() == cli_kit.before
    assert f"Ignored kit {other_id} " in r.stderr
    # The older kit complete and a sheet of the newer one: scanning no longer stops before
    # the newer kit is seen, and the older kit is not restored silently (issue 11).
    out.unlink()
    r = cli_kit.rv("restore", str(cli_kit.pdf), str(theirs), "--out", str(out))
    assert r.code == 65, r.stderr
    assert not out.exists()
    assert f"restore the older kit deliberately with --kit {first_id}" in r.stderr


# --- secrets stay secret -----------------------------------------------------------------


def test_no_secret_in_output_or_in_the_printed_kit(cli_kit: CliKit, text_kit: CliKit) -> None:
    # Every run above went through CliKit.rv, which checks its output; this checks the check.
    assert len(cli_kit.secrets) > 16 and PASSPHRASE in cli_kit.secrets
    with pytest.raises(AssertionError):
        assert_no_secret(f"code: {cli_kit.secrets[1]}", cli_kit.secrets)
    assert_no_secret(cli_kit.run.stdout + cli_kit.run.stderr, cli_kit.secrets)
    # The PDF's own text: names and encrypted codes only, never a secret.
    for kit in (cli_kit, text_kit):
        assert_no_secret("\n".join(pdf_text_lines(kit.pdf.read_bytes())), kit.secrets)


# --- real processes ----------------------------------------------------------------------


@pytest.mark.slow
def test_kit_and_restore_in_real_processes(
    vf: VaultFile, cli_env: dict[str, str], tmp_path: Path
) -> None:
    fill_vault(vf, sample_entries(), file_size=9000)  # k=4, n=6: a full codes sheet
    pad_to_safe_size(vf)
    secrets_ = secret_strings(vf)
    pdf, out = tmp_path / "kit.pdf", tmp_path / "restored.rvault"
    made = run_rvault(["kit", "--out", str(pdf)], cli_env)
    assert made.returncode == 0, made.stderr
    before = vf.path.read_bytes()
    assert "Verified:" in made.stderr
    back = run_rvault(["restore", str(pdf), "--out", str(out)], cli_env)
    assert back.returncode == 0, back.stderr
    assert re.search(r"(\d+) of \1 codes read, \d+ needed: restored", back.stderr)
    assert out.read_bytes() == before and _mode(out) == 0o600
    listed = run_rvault(["--vault", str(out), "list"], cli_env)
    assert listed.returncode == 0, listed.stderr
    assert "GitHub" in listed.stdout and "Safe combination" in listed.stdout
    for p in (made, back, listed):
        assert_no_secret(p.stdout + p.stderr, secrets_)


# --- regressions: bugs found by this suite, fixed in vault/ ------------------------------


@pytest.mark.slow
def test_kit_qr_dir_clash_is_refused_before_anything_is_written(
    cli_kit: CliKit, tmp_path: Path
) -> None:
    qr_dir = tmp_path / "codes"
    assert cli_kit.kit(tmp_path / "first.pdf", "--qr-dir", str(qr_dir)).code == 0
    recorded = cli_kit.meta_kit["id"]
    r = cli_kit.kit(tmp_path / "second.pdf", "--qr-dir", str(qr_dir))
    assert r.code == 73, r.stderr
    assert "Verified" not in r.stderr
    assert not (tmp_path / "second.pdf").exists()
    assert cli_kit.meta_kit["id"] == recorded


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("tty", "total", "shown"), [(True, 3, True), (True, 1, False), (False, 3, False)]
)
def test_the_page_progress_bar_shows_only_on_a_terminal_for_several_pages(
    monkeypatch: pytest.MonkeyPatch, tty: bool, total: int, shown: bool
) -> None:
    from vault.cli.paper import _page_progress

    err = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with _page_progress() as update:
        for done in range(1, total + 1):
            update(done, total)
    if shown:
        assert "reading pages" in err.getvalue() and "100%" in err.getvalue()
    else:
        assert err.getvalue() == ""  # piped output stays exactly as it was


def test_typed_lines_of_two_kits_are_never_mixed_into_an_older_vault(tmp_path: Path) -> None:
    """Found while building the browser page: the first kit's lines used to win silently."""
    from support.kitutil import new_vault

    from vault.format import parse
    from vault.paper.frames import encode, text_lines
    from vault.paper.restore import RestoreSession

    vf = new_vault(tmp_path / "v.rvault")
    old = vf.path.read_bytes()
    vf.add(PASSPHRASE, Entry("Later", "note", secret="added after the first kit"))
    new = vf.path.read_bytes()
    kits = []
    for data, kit_id in ((old, b"\x01" * 8), (new, b"\x02" * 8)):
        c = parse(data)
        kits.append(encode(data, c.vault_id, kit_id, c.generation, max_block=4000))
    assert kits[0][0].k == kits[1][0].k == 1  # one code each: both are "code 1"
    session = RestoreSession()
    session.add_lines([*text_lines(kits[0][0]), *text_lines(kits[1][0])], "typed.txt")
    with pytest.raises(InvalidData):
        session.finish()
    assert any("was typed twice, differently" in line for line in session.typed_report())
    alone = RestoreSession()
    alone.add_lines(text_lines(kits[1][0]), "typed.txt")  # one kit's lines: it restores
    assert alone.finish() == new
