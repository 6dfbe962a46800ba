"""The kit points to the browser page (issue 15): the blank restore page is written beside the
PDF, the cover says how to use it and prints its SHA-256, and `rvault html --check` tells a
genuine copy from a changed one. Real kits, real PDFs read back with PDFium."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import RV
from support.kitutil import pdf_text_lines

from vault import Entry, VaultFile
from vault.paper.kit_pdf import PAGE_NAME
from vault.web.page import build_page


@pytest.fixture
def kit_dir(rv: RV, vf: VaultFile, tmp_path: Path) -> Path:
    """A folder holding a kit printed by `rvault kit` (and whatever it wrote beside it)."""
    from conftest import PASSPHRASE

    vf.add(PASSPHRASE, Entry("GitHub", "note", secret="hello"))
    folder = tmp_path / "box"
    folder.mkdir()
    res = rv("kit", "--out", str(folder / "kit.pdf"))
    assert res.code == 0, res.stderr
    return folder


def test_kit_writes_the_blank_page_beside_the_pdf_and_prints_its_fingerprint(
    rv: RV, kit_dir: Path
) -> None:
    page = kit_dir / PAGE_NAME
    html = page.read_bytes()
    assert html == build_page(None)  # the page `rvault html --blank` writes, byte for byte
    digest = hashlib.sha256(html).hexdigest()
    cover = " ".join(pdf_text_lines((kit_dir / "kit.pdf").read_bytes())[:40])
    grouped = " ".join(digest[i : i + 8] for i in range(0, 64, 8))
    assert grouped in " ".join(cover.split())
    assert f"No Python? Open {PAGE_NAME} in any web browser" in " ".join(cover.split())
    blank = rv("html", "--blank", "--out", str(kit_dir / "again.html"))
    assert blank.code == 0 and blank.stdout.split()[0] == digest


def test_an_identical_page_is_kept_and_a_different_one_is_refused(
    rv: RV, kit_dir: Path, vault_path: Path
) -> None:
    page = kit_dir / PAGE_NAME
    again = rv("kit", "--out", str(kit_dir / "kit2.pdf"))  # same folder, same page: fine
    assert again.code == 0, again.stderr
    page.write_bytes(page.read_bytes().replace(b"</body>", b"<!-- changed --></body>"))
    before = vault_path.read_bytes()
    refused = rv("kit", "--out", str(kit_dir / "kit3.pdf"))
    assert refused.code == 73 and PAGE_NAME in refused.stderr
    assert not (kit_dir / "kit3.pdf").exists() and vault_path.read_bytes() == before
    forced = rv("kit", "--out", str(kit_dir / "kit3.pdf"), "--force")
    assert forced.code == 0 and page.read_bytes() == build_page(None)


def test_no_page_leaves_it_out_and_off_the_cover(rv: RV, vf: VaultFile, tmp_path: Path) -> None:
    res = rv("kit", "--out", str(tmp_path / "kit.pdf"), "--no-page")
    assert res.code == 0, res.stderr
    assert not (tmp_path / PAGE_NAME).exists()
    cover = " ".join(pdf_text_lines((tmp_path / "kit.pdf").read_bytes())[:40])
    assert PAGE_NAME not in cover


def test_check_tells_a_genuine_copy_from_a_changed_one(
    rv: RV, vf: VaultFile, tmp_path: Path
) -> None:
    blank = tmp_path / "blank.html"
    mine = tmp_path / "mine.html"
    assert rv("html", "--blank", "--out", str(blank)).code == 0
    assert rv("html", "--out", str(mine)).code == 0
    for genuine in (blank, mine):
        res = rv("html", "--check", str(genuine))
        assert res.code == 0, res.stderr
        assert res.stdout.split()[0] == hashlib.sha256(genuine.read_bytes()).hexdigest()
        assert "is genuine" in res.stderr
    # One changed byte anywhere (here: where a thief would add a script) is refused.
    changed = tmp_path / "changed.html"
    changed.write_bytes(blank.read_bytes().replace(b"<script", b"<script data-x ", 1))
    res = rv("html", "--check", str(changed))
    assert res.code == 65 and "is NOT the page this rvault writes" in res.stderr
    assert rv("html", "--check", str(tmp_path / "missing.html")).code == 66
    assert rv("html").code == 2  # neither --out nor --check
