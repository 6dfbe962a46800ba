"""verify-kit against the current vault, and typed restore with typos (issue 4)."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest
from conftest import PASSPHRASE, run_main
from support.kitutil import fill_vault, new_vault, pdf_text_lines, sample_entries

from vault import Entry, VaultFile
from vault.errors import InvalidData
from vault.paper.kit import make_kit
from vault.paper.pages import render_pdf_pages
from vault.paper.restore import RestoreSession
from vault.paper.typeable import printed_text_codes

CODE_LINE = re.compile(r"^\d{3}-\d{2,3} ")


def run(args: list[str], vault: Path, pass_file: Path, stdin: str = "") -> tuple[int, str, str]:
    """vault.cli.main in-process, as the shell would run it; returns (exit code, out, err)."""
    r = run_main(["--vault", str(vault), "--passphrase-file", str(pass_file), *args], stdin=stdin)
    return r.code, r.stdout, r.stderr


@pytest.fixture
def kit_setup(tmp_path: Path, passphrase_file: Path) -> tuple[VaultFile, Path, list[Path]]:
    """A small vault, its verified kit, and the codes sheets saved as PNG 'scans'."""
    vf = new_vault(tmp_path / "v.rvault")
    fill_vault(vf, sample_entries(), file_size=6000)
    pdf = tmp_path / "kit.pdf"
    make_kit(vf, PASSPHRASE, pdf)
    scans = []
    for i, page in enumerate(render_pdf_pages(pdf.read_bytes(), dpi=300)):
        path = tmp_path / f"scan-{i + 1}.png"
        page.save(path)
        scans.append(path)
    return vf, pdf, scans


@pytest.mark.slow
def test_verify_kit_reports_every_code_and_the_match(
    kit_setup: tuple[VaultFile, Path, list[Path]], passphrase_file: Path
) -> None:
    vf, _, scans = kit_setup
    code, out, err = run(["verify-kit", *map(str, scans)], vf.path, passphrase_file)
    assert code == 0, err
    n = vf.load(PASSPHRASE).meta["kit"]["n"]
    k = vf.load(PASSPHRASE).meta["kit"]["k"]
    assert out.count(": read") == n
    assert f"{n} of {n} read, {k} needed: {n - k} codes of slack" in out
    assert "matches the current vault" in out


@pytest.mark.slow
def test_verify_kit_says_out_of_date_after_a_change(
    kit_setup: tuple[VaultFile, Path, list[Path]], passphrase_file: Path
) -> None:
    vf, _, scans = kit_setup
    kit_gen = vf.load(PASSPHRASE).meta["kit"]["generation"]
    vf.add(PASSPHRASE, Entry("New bank", "note", secret="PIN 9911"))
    vf.add(PASSPHRASE, Entry("Newer bank", "note", secret="PIN 9912"))
    code, out, _ = run(["verify-kit", *map(str, scans)], vf.path, passphrase_file)
    assert code == 1
    now = vf.load(PASSPHRASE).meta["content_generation"]
    assert (
        f"out of date: vault changed since this kit was printed (generation {kit_gen}, now {now})"
        in out
    )
    # A new kit makes it current again; the old scans are then of an older kit.
    make_kit(vf, PASSPHRASE, vf.path.with_name("kit2.pdf"))
    code, out, _ = run(["verify-kit", *map(str, scans)], vf.path, passphrase_file)
    assert code == 1 and "out of date" in out


@pytest.mark.slow
def test_verify_kit_of_another_vault(
    kit_setup: tuple[VaultFile, Path, list[Path]], passphrase_file: Path, tmp_path: Path
) -> None:
    _, _, scans = kit_setup
    other = new_vault(tmp_path / "other.rvault")
    code, out, _ = run(["verify-kit", *map(str, scans)], other.path, passphrase_file)
    assert code == 65
    assert "this kit belongs to another vault" in out


@pytest.mark.slow
def test_verify_kit_with_codes_missing_reports_them(
    kit_setup: tuple[VaultFile, Path, list[Path]], passphrase_file: Path
) -> None:
    vf, _, scans = kit_setup
    # Only the cover and index pages: no codes at all.
    code, _, err = run(["verify-kit", str(scans[0])], vf.path, passphrase_file)
    assert code == 65 and "no rvault kit codes" in err


def typed_lines(pdf: Path) -> list[str]:
    return [line for line in pdf_text_lines(pdf.read_bytes()) if CODE_LINE.match(line)]


def damage(line: str, rnd: random.Random) -> str:
    pos = rnd.randrange(8, len(line) - 4)
    while line[pos] == " ":
        pos += 1
    return line[:pos] + ("X" if line[pos] != "X" else "Y") + line[pos + 1 :]


def test_typed_restore_with_typos_within_budget(
    kit_setup: tuple[VaultFile, Path, list[Path]], passphrase_file: Path, tmp_path: Path
) -> None:
    vf, pdf, _ = kit_setup
    meta = vf.load(PASSPHRASE).meta["kit"]
    shown = printed_text_codes(meta["n"], meta["k"])  # the codes printed as text
    spare = shown - meta["k"]
    lines = typed_lines(pdf)
    rnd = random.Random(7)
    for code in rnd.sample(range(1, shown + 1), spare):  # one typo in each of `spare` codes
        idx = next(i for i, line in enumerate(lines) if line.startswith(f"{code:03d}-03"))
        lines[idx] = damage(lines[idx], rnd)
    typed = tmp_path / "typed.txt"
    typed.write_text("\n".join(lines).lower() + "\n")
    out = tmp_path / "restored.rvault"
    code, _, err = run(
        ["restore", "--text", str(typed), "--out", str(out)], vf.path, passphrase_file
    )
    assert code == 0, err
    assert VaultFile(out).load(PASSPHRASE).has("GitHub")


@pytest.mark.slow
def test_typed_restore_beyond_budget_says_how_many_lines_more(
    kit_setup: tuple[VaultFile, Path, list[Path]],
) -> None:
    vf, pdf, _ = kit_setup
    meta = vf.load(PASSPHRASE).meta["kit"]
    lines = typed_lines(pdf)
    rnd = random.Random(8)
    shown = printed_text_codes(meta["n"], meta["k"])
    broken = rnd.sample(range(1, shown + 1), shown - meta["k"] + 1)
    for code in broken:
        idx = next(i for i, line in enumerate(lines) if line.startswith(f"{code:03d}-02"))
        lines[idx] = damage(lines[idx], rnd)
    session = RestoreSession()
    session.add_lines(lines)
    assert session.lines_needed() == 1  # retyping any one of the bad lines is enough
    with pytest.raises(InvalidData, match="1 more needed"):
        session.finish()


@pytest.mark.slow
def test_interactive_feedback_for_each_line(kit_setup: tuple[VaultFile, Path, list[Path]]) -> None:
    _, pdf, _ = kit_setup
    lines = typed_lines(pdf)
    session = RestoreSession()
    assert session.add_typed_line(lines[0]) == f"line {lines[0][:6]} ok"
    bad = damage(lines[1], random.Random(1))
    assert "does not match its check characters: retype it" in session.add_typed_line(bad)
    assert session.add_typed_line("hello there").startswith("not a kit line")
    assert session.add_typed_line(lines[1]) == f"line {lines[1][:6]} ok"
    needed = session.lines_needed()
    assert needed is not None and needed > 0
    for line in lines[2:]:
        session.add_typed_line(line)
        if session.lines_needed() == 0:
            break
    assert session.lines_needed() == 0
    session.finish()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_interactive_typed_restore_on_a_terminal(
    kit_setup: tuple[VaultFile, Path, list[Path]], cli_env: dict[str, str], tmp_path: Path
) -> None:
    import os
    import select
    import subprocess

    _, pdf, _ = kit_setup
    lines = typed_lines(pdf)
    lines[1] = damage(lines[1], random.Random(3))  # a typo, then the line retyped correctly
    lines.insert(2, typed_lines(pdf)[1])
    out = tmp_path / "typed.rvault"
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vault", "restore", "--text", "--out", str(out)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=cli_env,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""

    def read_some(timeout: float = 0.2) -> None:
        nonlocal seen
        while select.select([master], [], [], timeout)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            seen += chunk

    for line in lines:
        if proc.poll() is not None:
            break
        os.write(master, (line + "\n").encode())
        read_some(0.005)
    proc.wait(timeout=60)
    read_some()
    os.close(master)
    text = seen.decode(errors="replace")
    assert proc.returncode == 0, text[-2000:]
    assert "does not match its check characters: retype it" in text
    assert "lines still needed" in text
    assert "Enough codes are complete" in text
    assert VaultFile(out).load(PASSPHRASE).has("GitHub")


@pytest.mark.slow
def test_recover_from_typed_kit_text_with_the_recovery_key(
    kit_setup: tuple[VaultFile, Path, list[Path]], passphrase_file: Path, tmp_path: Path
) -> None:
    import pypdfium2
    import zxingcpp

    vf, _, _ = kit_setup
    code, _, err = run(
        ["recovery-key", "add", "--out", str(tmp_path / "rk.pdf")], vf.path, passphrase_file
    )
    assert code == 0, err
    kit = tmp_path / "after-key.pdf"
    make_kit(vf, PASSPHRASE, kit)  # a kit printed after the key holds the recovery slot
    sheet = pypdfium2.PdfDocument(tmp_path / "rk.pdf")[0].render(scale=300 / 72).to_pil()
    key_file = tmp_path / "key.txt"
    key_file.write_text(zxingcpp.read_barcodes(sheet)[0].text + "\n")
    typed = tmp_path / "typed.txt"
    typed.write_text("\n".join(typed_lines(kit)) + "\n")
    new = tmp_path / "new.txt"
    new.write_text("a brand new passphrase\n")
    out = tmp_path / "recovered.rvault"
    args = [
        "recover",
        "--text",
        str(typed),
        "--recovery-key-file",
        str(key_file),
        "--new-passphrase-file",
        str(new),
        "--out",
        str(out),
    ]
    code, _, err = run(args, vf.path, passphrase_file)
    assert code == 0, err
    assert VaultFile(out).load("a brand new passphrase").has("GitHub")
