"""Tests for vault.paper.sheets: real PDFs, rendered by PDFium at 300 dpi, read by zxing-cpp."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from functools import cache
from typing import Any, cast

import pypdfium2
import pytest
import shamir_mnemonic
import zxingcpp
from PIL import Image

from vault.paper.frames import short_id
from vault.paper.recovery import format_printed_key, parse_printed_key
from vault.paper.shares import combine_shares, split_key
from vault.paper.sheets import SheetFacts, render_recovery_sheet, render_share_sheet

DPI = 300
VAULT_ID = bytes.fromhex("a1b2c3d4e5f60718293a4b5c6d7e8f90")
FACTS = SheetFacts(vault_id=VAULT_ID, printed="2026-11-24")
PAPERS = ["a4", "letter"]
BROWSER = (
    "No Python? Open rvault-restore.html (on the USB stick with the paper kit, or in your "
    "e-mail) in any web browser: rebuild the vault from the kit there, then choose "
    '"Use the recovery key or shares".'
)
WORD = re.compile(r"(\d+)\.\s+([a-z]+)\b")  # a numbered share word: "12. academic"


def pages(pdf: bytes) -> list[tuple[str, Image.Image]]:
    """Each page's extracted text and its 300 dpi greyscale rendering, as a scanner sees it."""
    doc = pypdfium2.PdfDocument(pdf)
    out = []
    for page in doc:
        img = cast(Image.Image, page.render(scale=DPI / 72, grayscale=True).to_pil())
        out.append((page.get_textpage().get_text_range(), img))
    return out


def qr_codes(img: Image.Image) -> list[Any]:
    """Every QR code zxing-cpp finds in the image."""
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return list(zxingcpp.read_barcodes(img, formats=qr))


def only_page(pdf: bytes) -> tuple[str, Image.Image]:
    """The text and image of a one-page PDF."""
    (page,) = pages(pdf)
    return page


def qr_facts(code: Any) -> tuple[int, str, float]:
    """(version, EC level, module size in mm) of a decoded code."""
    extra = code.extra if isinstance(code.extra, dict) else json.loads(code.extra)
    version = int(extra["Version"])
    pos = code.position
    width_px = (pos.top_right.x - pos.top_left.x) ** 2 + (pos.top_right.y - pos.top_left.y) ** 2
    module_mm = width_px**0.5 / (17 + 4 * version) / DPI * 25.4
    return version, code.ec_level, module_mm


@cache
def split(k: int, n: int, seed: int = 0) -> tuple[bytes, tuple[str, ...]]:
    """A random 32-byte secret and its k-of-n SLIP-39 shares, made once per (k, n, seed)."""
    secret = secrets.token_bytes(32)
    groups = shamir_mnemonic.generate_mnemonics(1, [(k, n)], secret)
    return secret, tuple(groups[0])


# --- the recovery key sheet ---------------------------------------------------------------


@pytest.mark.parametrize("paper", PAPERS)
def test_recovery_sheet_qr_holds_exactly_the_key(paper: str) -> None:
    key = format_printed_key(secrets.token_bytes(32))
    _, img = only_page(render_recovery_sheet(key, FACTS, paper))
    (code,) = qr_codes(img)
    assert code.text == key
    assert parse_printed_key(code.text) == parse_printed_key(key)
    version, ec, module_mm = qr_facts(code)
    assert 4 <= version <= 6 and ec == "Q"
    assert 0.6 - 0.05 <= module_mm <= 1.0 + 0.05, module_mm


@pytest.mark.parametrize("paper", PAPERS)
def test_recovery_sheet_text_has_key_and_guidance(paper: str) -> None:
    key = format_printed_key(secrets.token_bytes(32))
    text, _ = only_page(render_recovery_sheet(key, FACTS, paper))
    lines = text.splitlines()
    # The key is printed as two lines of 5 + 4 groups, exactly as the key text groups them.
    groups = key.split("-")
    assert "-".join(groups[:5]) in lines and "-".join(groups[5:]) in lines
    flat = " ".join(text.split())
    for phrase in (
        "Recovery key",
        short_id(VAULT_ID),
        "2026-11-24",
        "page 1 of 1",
        "APART from the paper kit and from your passphrase",
        "Anyone with this sheet and your kit can open your vault",
        "if the passphrase is forgotten",
        "rvault recover kit-photos",
        "type 1 (the recovery key), then the two lines above, pressing Enter after each",
        "rvault says which group to check",
        "new passphrase",
        "(rvault recovery-key rotate), this sheet stops working: shred it",
        BROWSER,
    ):
        assert phrase in flat, phrase


def test_recovery_sheet_key_typed_from_the_text_parses() -> None:
    """What a person copies from the printed lines, in lower case, opens the same key."""
    key_bytes = secrets.token_bytes(32)
    text, _ = only_page(render_recovery_sheet(format_printed_key(key_bytes), FACTS))
    printed = [ln for ln in text.splitlines() if re.fullmatch(r"[0-9A-Z]{6}(-[0-9A-Z]{6})+", ln)]
    assert len(printed) == 2
    assert parse_printed_key(" ".join(printed).lower()) == key_bytes


def test_recovery_sheet_rejects_a_key_with_a_typo() -> None:
    key = format_printed_key(bytes(32))
    typo = ("Z" if key[0] != "Z" else "Y") + key[1:]
    with pytest.raises(ValueError, match="not a recovery key"):
        render_recovery_sheet(typo, FACTS)
    with pytest.raises(ValueError, match="not a recovery key"):
        render_recovery_sheet(key[:-7], FACTS)
    with pytest.raises(ValueError, match="paper"):
        render_recovery_sheet(key, FACTS, "a5")


# --- share sheets -------------------------------------------------------------------------


@pytest.mark.parametrize("paper", PAPERS)
def test_share_sheets_decode_and_any_two_combine(paper: str) -> None:
    secret, shares = split(2, 3)
    decoded = []
    for index, words in enumerate(shares, 1):
        text, img = only_page(render_share_sheet(words, index, 2, 3, FACTS, paper))
        (code,) = qr_codes(img)
        assert code.text == words
        version, ec, module_mm = qr_facts(code)
        assert ec == "Q" and version <= 15
        assert 0.6 - 0.05 <= module_mm <= 1.0 + 0.05, module_mm
        decoded.append(code.text)
        # All 33 words, numbered in order, as extracted from the page.
        numbered = [(int(no), w) for no, w in WORD.findall(text)]
        assert numbered == list(enumerate(words.split(), 1))
        flat = " ".join(text.split())
        assert f"Share {index} of 3" in flat and "any 2 of the 3 shares" in flat
        assert short_id(VAULT_ID) in flat and "2026-11-24" in flat and "page 1 of 1" in flat
    for pair in ([0, 1], [0, 2], [2, 1]):
        assert shamir_mnemonic.combine_mnemonics([decoded[i] for i in pair]) == secret
    with pytest.raises(shamir_mnemonic.MnemonicError):
        shamir_mnemonic.combine_mnemonics(decoded[:1])


def test_share_sheet_has_guidance_and_the_example_command() -> None:
    _, shares = split(2, 3)
    text, _ = only_page(render_share_sheet(shares[1], 2, 2, 3, FACTS))
    flat = " ".join(text.split())
    assert "Share 2 of 3 \N{EM DASH} any 2 of the 3 shares restore the recovery key" in flat
    for phrase in (
        "rvault recover kit-photos",
        "type 2 (share sheets), then each share's words in order",
        "Or add --share share-1.jpg --share share-3.jpg to read photos of the share sheets",
        "Keep each share in a different place, apart from the kit and your passphrase",
        "anyone with 2 shares and the kit can open your vault",
        "every share stops working",
        BROWSER,
    ):
        assert phrase in flat, phrase


def test_the_browser_line_names_the_page_and_its_button_as_they_are() -> None:
    # A sheet kept for years must not send its holder to a button the page does not have.
    from importlib import resources

    from vault.paper.kit_pdf import PAGE_NAME

    page = resources.files("vault.web").joinpath("page.html").read_text(encoding="utf-8")
    assert ">Use the recovery key or shares</button>" in page
    assert PAGE_NAME in BROWSER and '"Use the recovery key or shares"' in BROWSER


def test_share_sheets_say_nothing_else_about_the_other_shares() -> None:
    """Sheets of one split differ only in their number and their words."""
    _, shares = split(2, 3)
    texts = []
    for index, words in enumerate(shares, 1):
        text, _ = only_page(render_share_sheet(words, index, 2, 3, FACTS))
        text = WORD.sub("#. word", text)
        text = re.sub(r"(?i)(share )\d+( of 3)", r"\1#\2", text)
        texts.append(text)
    assert texts[0] == texts[1] == texts[2]


def test_share_words_from_the_recovery_module_combine_back_to_the_key() -> None:
    """The sheets round-trip vault.paper.shares' own split of a recovery key."""
    key = secrets.token_bytes(32)
    shares = split_key(key, 3, 5)
    read = []
    for index in (5, 2, 4):
        _, img = only_page(render_share_sheet(shares[index - 1], index, 3, 5, FACTS, "letter"))
        read += [c.text for c in qr_codes(img)]
    assert combine_shares(read) == key


@pytest.mark.parametrize("paper", PAPERS)
def test_largest_split_with_the_longest_words_fits_and_decodes(paper: str) -> None:
    _, shares = split(16, 16)
    index = max(range(16), key=lambda i: len(shares[i])) + 1
    words = shares[index - 1]
    facts = SheetFacts(
        vault_id=VAULT_ID,
        printed="24 November 2026",
        title="Sz\u0151ke family \u2615 recovery key " + "x" * 200,  # not Latin-1; too long
    )
    text, img = only_page(render_share_sheet(words, index, 16, 16, facts, paper))
    assert [c.text for c in qr_codes(img)] == [words]
    flat = " ".join(text.split())
    assert f"Share {index} of 16" in flat and "Szoke family ? recovery key" in flat
    assert "add --share share-1.jpg --share share-3.jpg --share share-4.jpg ... to read" in flat


def test_share_sheet_rejects_mislabelled_or_broken_shares() -> None:
    _, shares = split(2, 3)
    with pytest.raises(ValueError, match="not share 1 of 3"):
        render_share_sheet(shares[1], 1, 2, 3, FACTS)  # the words are share 2
    with pytest.raises(ValueError, match="any 3"):
        render_share_sheet(shares[1], 2, 3, 3, FACTS)  # the threshold is 2
    with pytest.raises(ValueError, match="not share 2 of 1"):
        render_share_sheet(shares[1], 2, 2, 1, FACTS)
    with pytest.raises(ValueError, match="not share 1 of 1"):
        render_share_sheet(shares[0], 1, 2, 1, FACTS)  # any 2 of 1 cannot be
    broken = shares[1].split()
    broken[5] = "academic" if broken[5] != "academic" else "acid"
    with pytest.raises(ValueError, match="not a SLIP-39 share"):
        render_share_sheet(" ".join(broken), 2, 2, 3, FACTS)


def test_share_words_are_normalised_for_the_code() -> None:
    """Upper case and stray spaces still give a code of the canonical lowercase words."""
    _, shares = split(2, 3)
    messy = "  " + "\n".join(shares[0].upper().split()) + " "
    _, img = only_page(render_share_sheet(messy, 1, 2, 3, FACTS))
    assert [c.text for c in qr_codes(img)] == [shares[0]]


# --- both ---------------------------------------------------------------------------------


def test_render_is_deterministic() -> None:
    key = format_printed_key(bytes(range(32)))
    assert render_recovery_sheet(key, FACTS) == render_recovery_sheet(key, FACTS)
    _, shares = split(2, 3)
    assert render_share_sheet(shares[0], 1, 2, 3, FACTS) == render_share_sheet(
        shares[0], 1, 2, 3, FACTS
    )


def test_import_is_cheap() -> None:
    code = (
        "import sys, vault.paper.sheets; "
        "heavy = {'reportlab', 'zxingcpp', 'PIL', 'pypdfium2', 'shamir_mnemonic'} "
        "& set(sys.modules); assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- issue 11: every sheet ends with the commands that get a code out ----------------------


def _after_restore_commands() -> list[tuple[str, str]]:
    """(command, note) of each "$ command -- note" line of the shared closing text."""
    from vault.paper.kit_pdf import AFTER_RESTORE

    found = re.findall(r"^\$ (.+?) -- (.+)$", AFTER_RESTORE, re.MULTILINE)
    assert len(found) >= 4
    return found


def _sheets(paper: str) -> list[bytes]:
    key = format_printed_key(secrets.token_bytes(32))
    _, shares = split(3, 5)
    return [
        render_recovery_sheet(key, FACTS, paper),
        render_share_sheet(shares[0], 1, 3, 5, FACTS, paper),
        render_share_sheet(shares[4], 5, 3, 5, FACTS, paper),
    ]


@pytest.mark.parametrize("paper", PAPERS)
def test_every_sheet_ends_with_the_commands_that_get_a_code_out(paper: str) -> None:
    from support.kitutil import pdf_text_lines

    commands = _after_restore_commands()
    for pdf in _sheets(paper):
        lines = [" ".join(line.split()) for line in pdf_text_lines(pdf)]
        flat = " ".join(lines)
        for command, note in commands:
            assert any(line.startswith(command) for line in lines), (command, lines)
            assert note in flat, note
        # They come last: after the command that restores, nothing but the closing text.
        last_cmd = max(i for i, line in enumerate(lines) if line.startswith(commands[-1][0]))
        restore = max(i for i, line in enumerate(lines) if line.startswith("rvault recover "))
        assert restore < last_cmd
        assert "shred this old one" in " ".join(lines[last_cmd:])
        # The restore command as a stranger types it: a folder, no wildcard, no --out.
        assert "rvault recover kit-photos" in lines
        assert "*" not in flat and "--out restored" not in flat
        assert "mnemonic" not in flat.lower()
        assert "slip-39" not in flat.lower()
