"""Restoring with only a browser (issue 15): photos of the kit, and the recovery key or shares.

Everything runs in Debian's Chromium through Playwright, on the page `rvault html --blank`
writes, opened from a file: photos are picked through the page's own file input (zxing-wasm
reads them in the page's worker), keys and share words are typed into its fields. Kits and
sheets are real PDFs rendered by PDFium; phone photos are modelled by tests/support/degrade.py.
Every wait is on something the page shows, never a sleep.
"""

from __future__ import annotations

import dataclasses
import io
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSPHRASE, run_main
from PIL import Image
from support import degrade
from support.browser import Tab
from support.kitutil import Kit, build_kit, fill_vault, new_vault, sample_entries

from vault import VaultFile
from vault.paper.pages import render_pdf_pages
from vault.paper.recovery import format_printed_key
from vault.web.page import build_page

pytestmark = pytest.mark.slow  # each test renders kits or sheets and reads them in Chromium


@pytest.fixture(scope="module")
def blank_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page without a vault, as the kit writes it beside the PDF."""
    out = tmp_path_factory.mktemp("blank") / "rvault-restore.html"
    out.write_bytes(build_page(None))
    return out


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    """A ~30 KB vault on A4: cover, index, three codes sheets and text pages."""
    d = tmp_path_factory.mktemp("kit")
    vf = new_vault(d / "v.rvault")
    fill_vault(vf, sample_entries(), file_size=30_000)
    built = build_kit(vf, d / "kit.pdf")
    assert len(built.sheet_page) >= 3
    return built


@pytest.fixture(scope="module")
def small_kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    """A small vault whose kit has one codes sheet."""
    d = tmp_path_factory.mktemp("small")
    vf = new_vault(d / "v.rvault")
    fill_vault(vf, sample_entries())
    built = build_kit(vf, d / "kit.pdf")
    assert len(built.sheet_page) == 1
    return built


def save(img: Image.Image, path: Path, **options: Any) -> Path:
    """img written to path (PNG or JPEG by its suffix)."""
    img.save(path, **options)
    return path


def show_json(vf: VaultFile, tmp_path: Path) -> list[dict[str, Any]]:
    """Every entry as `rvault show --json NAME` prints it."""
    import json

    pw = tmp_path / "pw.txt"
    pw.write_text(PASSPHRASE + "\n")
    env = {"RVAULT_FILE": str(vf.path), "RVAULT_PASSPHRASE_FILE": str(pw)}
    shown = []
    for entry in vf.load(PASSPHRASE).entries:
        r = run_main(["show", "--json", entry.name], env)
        assert r.code == 0, r.stderr
        shown.append(json.loads(r.stdout))
    return shown


def assert_entries_shown(t: Tab, vf: VaultFile, tmp_path: Path) -> None:
    """The unlocked page shows each entry as `rvault show --json` does: names, codes, secrets."""
    t.unlocked()
    page = t.page
    expected = show_json(vf, tmp_path)
    assert page.locator("article.entry").count() == len(expected)
    for e in expected:
        card = page.locator(f"article[data-id='{e['id']}']")
        assert card.locator("h3").text_content() == e["name"]
        if e["kind"] == "backup-codes":
            codes = card.locator("ol.codes .code").all_text_contents()
            assert codes == [c["code"] for c in e["codes"]]
        elif e["kind"] == "totp":
            seed = card.locator("pre.secret").text_content() or ""
            assert seed.replace(" ", "") == e["secret"]
        else:
            assert card.locator("pre.secret").text_content() == e["secret"]


def status(page: Any) -> str:
    """The restore view's one-line status."""
    return page.locator("#restore-status").text_content() or ""


def download(page: Any, tmp_path: Path) -> bytes:
    """The rebuilt vault file, downloaded as a person would."""
    with page.expect_download() as got:
        page.get_by_role("link", name="Download the vault file").click()
    out = tmp_path / "restored.rvault"
    got.value.save_as(out)
    return out.read_bytes()


# --- photos and scans of the kit ---------------------------------------------------------------


def test_scans_with_a_fifth_of_the_codes_painted_over_rebuild_the_vault(
    tab: Callable[..., Tab], kit: Kit, blank_page: Path, tmp_path: Path
) -> None:
    blank = sorted(random.Random(3).sample(range(kit.n), kit.n // 5))
    changed = kit.blanked_pages(blank)
    files = [
        save(changed.get(i, page), tmp_path / f"page-{i + 1}.png")
        for i, page in enumerate(kit.pages)
    ]
    first_sheet = kit.sheet_page[1]
    t = tab(blank_page)
    page = t.page
    page.get_by_role("button", name="Rebuild from the paper kit").click()
    photos = page.get_by_label("Choose photos or scans of the codes sheets", exact=False)
    # One codes sheet first: the page says what it read and which codes are still missing,
    # sheet by sheet, as the CLI does.
    photos.set_input_files(files[first_sheet])
    results = page.locator("#scan-results li")
    results.first.wait_for()
    read_first = [i for i in range(min(6, kit.n)) if i not in blank]
    page.locator("#restore-status").filter(has_text="codes read").wait_for()
    said = status(page)
    assert f"{len(read_first)} of {kit.n} codes read, {kit.k} needed" in said, said
    assert "codes sheet 2:" in said, said
    assert ("codes sheet 1:" in said) == (len(read_first) < min(6, kit.n)), said
    ticks = page.locator("#code-list li.read")
    assert [int(x) - 1 for x in ticks.all_text_contents()] == read_first
    # Where the missing codes sit says what to photograph again, as the CLI's hint does.
    notes = page.locator("#restore-notes").text_content() or ""
    assert "codes sheet 2 was not read at all: photograph it whole" in notes, notes
    # Then every page of the kit, text pages and cover included: the vault is rebuilt.
    photos.set_input_files(files)
    page.locator("#restore-done").wait_for(state="visible")
    assert download(page, tmp_path) == kit.before
    notes = " ".join(results.all_text_contents())
    assert f"page-{first_sheet + 1}.png: {len(read_first)} codes of the kit read." in notes
    page.get_by_role("button", name="Unlock it here").click()
    t.unlock()
    assert_entries_shown(t, kit.vf, tmp_path)
    t.only_local_requests()
    t.nothing_stored()


def test_tilted_unevenly_lit_phone_photos_rebuild_the_vault(
    tab: Callable[..., Tab], small_kit: Kit, blank_page: Path, tmp_path: Path
) -> None:
    sheet = small_kit.pages[small_kit.sheet_page[1]]
    photos = []
    for seed in (5, 6):
        out = io.BytesIO()
        degrade.photo(sheet, seed=seed, tilt=20).save(out, format="JPEG", quality=85)
        path = tmp_path / f"IMG_{seed:04d}.jpg"
        path.write_bytes(out.getvalue())
        photos.append(path)
    t = tab(blank_page)
    page = t.page
    page.get_by_role("button", name="Rebuild from the paper kit").click()
    page.get_by_label("Choose photos or scans", exact=False).set_input_files(photos)
    page.locator("#restore-done").wait_for(state="visible")
    assert download(page, tmp_path) == small_kit.before
    assert "IMG_0005.jpg:" in (page.locator("#scan-results").text_content() or "")
    page.get_by_role("button", name="Unlock it here").click()
    t.unlock()
    assert_entries_shown(t, small_kit.vf, tmp_path)
    t.only_local_requests()


def test_a_page_without_codes_and_a_non_image_are_named_with_what_to_do(
    tab: Callable[..., Tab], small_kit: Kit, blank_page: Path, tmp_path: Path
) -> None:
    cover = save(small_kit.pages[0], tmp_path / "cover.png")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    t = tab(blank_page)
    page = t.page
    page.get_by_role("button", name="Rebuild from the paper kit").click()
    page.get_by_label("Choose photos or scans", exact=False).set_input_files([cover, notes])
    results = page.locator("#scan-results li")
    results.nth(1).wait_for()
    said = results.all_text_contents()
    assert said[0].startswith("cover.png: no QR code found. Too dark or blurred?"), said
    assert said[1].startswith("notes.txt: "), said
    assert status(page) == "No code of a kit has been read yet."


# --- forgotten passphrase: the recovery key and share sheets ------------------------------------


@dataclasses.dataclass
class Locked:
    """A vault with a recovery key, as a page holding it, and the key's printed form."""

    vf: VaultFile
    page: Path
    key: bytes
    printed: str


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Locked:
    """A vault whose recovery key is known to the test, in a page of its own."""
    d = tmp_path_factory.mktemp("locked")
    vf = new_vault(d / "v.rvault")
    fill_vault(vf, sample_entries())
    key = random.Random(15).randbytes(32)
    vf.set_recovery_key(PASSPHRASE, key)
    out = d / "vault.html"
    out.write_bytes(build_page(vf.read_bytes()))
    return Locked(vf, out, key, format_printed_key(key))


def one_typo(printed: str, group: int) -> str:
    """The printed key with one character of the given group (1-based) changed."""
    chars = list(printed)
    at = [i for i, c in enumerate(chars) if c != "-" and c != " " and c != "\n"][(group - 1) * 6]
    chars[at] = "Q" if chars[at] != "Q" else "R"
    return "".join(chars)


def test_a_typed_recovery_key_with_a_typo_is_caught_then_opens_the_vault(
    tab: Callable[..., Tab], locked: Locked, tmp_path: Path
) -> None:
    t = tab(locked.page)
    page = t.page
    page.get_by_role("button", name="Use the recovery key or shares").click()
    field = page.get_by_label("Type the key from the recovery key sheet", exact=False)
    field.fill(one_typo(locked.printed, 3))
    page.get_by_role("button", name="Open with the recovery key").click()
    alert = page.locator("#recover-error")
    alert.wait_for(state="visible")
    said = alert.text_content() or ""
    # The check characters caught it, before any key was tried: the group is named, and the
    # message is not the one for a key that does not open the vault.
    assert said.startswith("The recovery key has a typo"), said
    assert "group 3" in said, said
    assert page.locator("#vault-view").is_hidden()
    # Forgiving as on paper: lower case and spaces instead of dashes.
    field.fill(locked.printed.lower().replace("-", " "))
    page.locator("#key-help").filter(has_text="The key checks out").wait_for()
    page.get_by_role("button", name="Open with the recovery key").click()
    assert_entries_shown(t, locked.vf, tmp_path)
    assert page.locator("#opened-by").is_visible()
    assert "rvault recover" in (page.locator("#opened-by").text_content() or "")
    # Nothing of the key stays in the page once it opened.
    assert page.evaluate("document.getElementById('recovery-key').value") == ""
    t.only_local_requests()
    t.nothing_stored()


def shares_of(key: bytes, k: int, n: int, passphrase: bytes = b"") -> list[str]:
    """SLIP-39 shares of key, as rvault prints them."""
    from vault.paper.shares import split_key

    return split_key(key, k, n, passphrase)


def type_share(page: Any, words: str) -> str:
    """Type one share's words (numbered as on the sheet) and add it: what the page says."""
    numbered = "\n".join(f"{i + 1}. {w}" for i, w in enumerate(words.split()))
    page.get_by_label("Type the words of one share sheet", exact=False).fill(numbered)
    before = page.locator("#share-status").text_content()
    page.get_by_role("button", name="Add this share").click()
    page.wait_for_function(
        "(b) => document.getElementById('share-status').textContent !== b"
        " || document.getElementById('share-help').textContent.includes('word')",
        arg=before,
    )
    return page.locator("#share-status").text_content() or ""


def test_two_of_three_typed_shares_open_the_vault_and_one_is_not_enough(
    tab: Callable[..., Tab], locked: Locked, tmp_path: Path
) -> None:
    shares = shares_of(locked.key, 2, 3)
    t = tab(locked.page)
    page = t.page
    page.get_by_role("button", name="Use the recovery key or shares").click()
    # Per-word help while typing: a misspelt word is named with a suggestion.
    box = page.get_by_label("Type the words of one share sheet", exact=False)
    words = shares[2].split()
    box.fill(f"{words[0]} {words[1][:-1]}zq ")
    page.locator("#share-help").filter(has_text="Word 2").wait_for()
    assert type_share(page, shares[2]) == "Share 3 ok. 1 more share needed."
    page.get_by_role("button", name="Open with the shares").click()
    alert = page.locator("#recover-error")
    alert.filter(has_text="1 more share is needed").wait_for()
    assert page.locator("#vault-view").is_hidden()
    assert type_share(page, shares[0]) == "Share 1 ok. That makes 2: enough to open the vault."
    page.get_by_role("button", name="Open with the shares").click()
    assert_entries_shown(t, locked.vf, tmp_path)
    t.only_local_requests()
    t.nothing_stored()


def test_forged_shares_asking_for_a_huge_stretching_cost_are_refused_at_once(
    tab: Callable[..., Tab], locked: Locked
) -> None:
    from shamir_mnemonic.share import Share

    forged = [
        dataclasses.replace(Share.from_mnemonic(w), iteration_exponent=15).mnemonic()
        for w in shares_of(locked.key, 2, 3)[:2]
    ]
    t = tab(locked.page)
    page = t.page
    page.get_by_role("button", name="Use the recovery key or shares").click()
    type_share(page, forged[0])
    type_share(page, forged[1])
    # Counting PBKDF2 calls proves no round ran: the refusal comes before any derivation.
    page.evaluate(
        """() => { window.derived = 0; const d = crypto.subtle.deriveBits.bind(crypto.subtle);
        crypto.subtle.deriveBits = (...a) => { window.derived += 1; return d(...a); }; }"""
    )
    page.get_by_role("button", name="Open with the shares").click()
    alert = page.locator("#recover-error")
    alert.filter(has_text="exponent 15").wait_for()
    assert "above the 4 rvault accepts" in (alert.text_content() or "")
    assert page.evaluate("window.derived") == 0
    assert page.locator("#vault-view").is_hidden()


def test_photos_of_the_recovery_key_sheet_and_of_share_sheets_open_the_vault(
    tab: Callable[..., Tab], tmp_path: Path
) -> None:
    from vault.paper.recovery_key import add_recovery_key

    vf = new_vault(tmp_path / "v.rvault")
    fill_vault(vf, sample_entries())
    sheets = add_recovery_key(vf, PASSPHRASE, tmp_path / "shares.pdf", shares=(2, 3))
    assert sheets.k == 2 and len(sheets.paths) == 3
    photos = []
    for i, path in enumerate(sheets.paths[1:]):
        (img,) = render_pdf_pages(path.read_bytes(), dpi=200)
        photos.append(save(img, tmp_path / f"share-{i + 2}.png"))
    html = tmp_path / "vault.html"
    html.write_bytes(build_page(vf.read_bytes()))
    t = tab(html)
    page = t.page
    page.get_by_role("button", name="Use the recovery key or shares").click()
    page.get_by_label("Or choose photos of the recovery key sheet", exact=False).set_input_files(
        photos
    )
    page.locator("#share-status").filter(has_text="enough to open the vault").wait_for()
    page.get_by_role("button", name="Open with the shares").click()
    assert_entries_shown(t, vf, tmp_path)
    t.only_local_requests()


def test_a_photo_of_the_recovery_key_sheet_fills_the_key_and_opens_the_vault(
    tab: Callable[..., Tab], tmp_path: Path
) -> None:
    from vault.paper.recovery_key import add_recovery_key

    vf = new_vault(tmp_path / "v.rvault")
    fill_vault(vf, sample_entries())
    (sheet,) = add_recovery_key(vf, PASSPHRASE, tmp_path / "key.pdf").paths
    (img,) = render_pdf_pages(sheet.read_bytes(), dpi=200)
    photo = save(img, tmp_path / "key-sheet.png")
    html = tmp_path / "vault.html"
    html.write_bytes(build_page(vf.read_bytes()))
    t = tab(html)
    page = t.page
    page.get_by_role("button", name="Use the recovery key or shares").click()
    page.get_by_label("Or choose photos of the recovery key sheet", exact=False).set_input_files(
        photo
    )
    page.locator("#sheet-results").filter(has_text="the recovery key was read").wait_for()
    assert "The key checks out" in (page.locator("#key-help").text_content() or "")
    page.get_by_role("button", name="Open with the recovery key").click()
    assert_entries_shown(t, vf, tmp_path)
    t.only_local_requests()


def test_the_recovery_view_says_when_there_is_no_vault_yet(
    tab: Callable[..., Tab], blank_page: Path, locked: Locked
) -> None:
    t = tab(blank_page)
    page = t.page
    page.get_by_role("button", name="Use the recovery key or shares").click()
    assert "needs your vault first" in (page.locator("#recover-source").text_content() or "")
    page.get_by_label("Type the key from the recovery key sheet", exact=False).fill(locked.printed)
    page.get_by_role("button", name="Open with the recovery key").click()
    page.locator("#recover-error").filter(has_text="Open the vault file").wait_for()
    assert re.search(r"first", page.locator("#recover-error").text_content() or "")
