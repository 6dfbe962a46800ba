"""The printed recovery key and its SLIP-39 shares, from the key's text to a recovered vault.

Everything is real: Argon2id (cheap costs for the vaults made here; `recover` picks the policy
floor for the new slot), AES-GCM, SLIP-39 (shamir-mnemonic), reportlab sheets and kits rendered
by PDFium at 300 dpi, and QR codes read back by zxing-cpp. The CLI runs in-process through
vault.cli.main, so exit codes are the real ones and Argon2 calls can be counted.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import argon2.low_level
import pypdfium2
import pytest
import zxingcpp
from conftest import CHEAP_KDF, PASSPHRASE, Run, run_main

from vault import BackupCode, Entry, VaultFile
from vault.errors import AuthenticationFailed, InvalidData, MissingInput
from vault.format import Container, RecoverySlot, Slot, parse
from vault.keyslots import unlock, unlock_recovery
from vault.paper.frames import CROCKFORD, normalize_b32
from vault.paper.recovery import format_printed_key, parse_printed_key, recover_with_key
from vault.paper.shares import combine_shares, split_key

NEW_PASSPHRASE = "new passphrase: seven purple elephants"
SHARE_PASSPHRASE = "shares passphrase: amber lantern"
DPI = 300
KEY_CHARS = 54
Arg = str | os.PathLike[str]  # a command-line argument
STALE_KIT_HINT = "it was never added or was removed, or this kit/copy is older than the key"


# --- vaults ------------------------------------------------------------------------------


def sample_entries() -> list[Entry]:
    """A few entries of every kind, with fresh random secrets."""
    codes = [
        BackupCode(f"{secrets.token_hex(3)[:5]}-{secrets.token_hex(3)[:5]}") for _ in range(10)
    ]
    return [
        Entry("GitHub", "backup-codes", codes=codes, account="octo", tags=["work"]),
        Entry("Microsoft", "recovery-key", secret="T2CJV-YMCJ4-GJGGM-62JPK-RX447"),
        Entry("Authenticator", "totp", secret="JBSWY3DPEHPK3PXP"),
        Entry("Safe", "note", secret=f"left {secrets.randbelow(40)}, right 7"),
    ]


def fill(vf: VaultFile) -> list[dict[str, Any]]:
    """Add sample entries; the entries as JSON, for comparing with a recovered vault."""
    with vf.edit(PASSPHRASE) as v:
        v.entries.extend(sample_entries())
    return entries_of(vf.path, PASSPHRASE)


def entries_of(path: Path, passphrase: str) -> list[dict[str, Any]]:
    """The entries of the vault file at path, opened with passphrase."""
    return [e.to_json() for e in VaultFile(path).load(passphrase).entries]


def new_vault(path: Path) -> VaultFile:
    """An empty vault with cheap (real) Argon2id."""
    vf = VaultFile(path, lock_timeout=5)
    vf.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    return vf


@pytest.fixture
def filled(vf: VaultFile) -> tuple[VaultFile, list[dict[str, Any]]]:
    """The test vault with sample entries, and those entries as JSON."""
    return vf, fill(vf)


def recover_bytes(data: bytes, key: bytes) -> bytes:
    """recover_with_key with cheap costs for the new passphrase slot."""
    return recover_with_key(data, key, NEW_PASSPHRASE, CHEAP_KDF, allow_weak=True)


def assert_recovered(new: bytes, entries: list[dict[str, Any]], key: bytes, where: Path) -> None:
    """new opens with the new passphrase (not the old), holds entries and keeps the key."""
    where.write_bytes(new)
    assert entries_of(where, NEW_PASSPHRASE) == entries
    container = parse(new)
    with pytest.raises(AuthenticationFailed):
        unlock(container, PASSPHRASE)
    assert unlock_recovery(container, key) == unlock(container, NEW_PASSPHRASE)


# --- the CLI in-process ------------------------------------------------------------------


class Cli:
    """Runs `rvault` in-process against one vault, remembering every output for leak checks."""

    def __init__(self, folder: Path, vault_path: Path) -> None:
        self.folder = folder
        self.vault_path = vault_path
        self.passphrase_file = self.write("passphrase.txt", PASSPHRASE + "\n")
        self.new_passphrase_file = self.write("new-passphrase.txt", NEW_PASSPHRASE + "\n")
        self.env = {
            "RVAULT_FILE": str(vault_path),
            "RVAULT_PASSPHRASE_FILE": str(self.passphrase_file),
            "RVAULT_LOCK_TIMEOUT": "5",
        }
        self.runs: list[Run] = []
        self.passphrases = [PASSPHRASE, NEW_PASSPHRASE, SHARE_PASSPHRASE]
        self.keys: list[str] = []  # recovery key texts seen on sheets
        self.mnemonics: list[str] = []  # share words seen on sheets

    def write(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        return path

    def __call__(self, *args: Arg, **env: str) -> Run:
        run = run_main(args, {**self.env, **env})
        assert "Traceback" not in run.stderr, run.stderr
        assert "unexpected error" not in run.stderr, run.stderr
        self.runs.append(run)
        return run

    def recover(self, *sources: Arg, out: Path, **options: Any) -> Run:
        """`rvault recover SOURCES --out OUT --new-passphrase-file ...` plus options."""
        args: list[Arg] = ["recover", *sources, "--out", out]
        args += ["--new-passphrase-file", self.new_passphrase_file]
        for share in options.pop("shares", ()):
            args += ["--share", share]
        for name, value in options.items():
            args += [f"--{name.replace('_', '-')}", value]
        return self(*args)

    def learn_key(self, pdf: Path) -> str:
        """The recovery key text on a sheet (read from its QR code), remembered as a secret."""
        text = sheet_qr(pdf)
        self.keys.append(text)
        return text

    def learn_share(self, pdf: Path) -> str:
        """The words of a share sheet (read from its QR code), remembered as a secret."""
        words = sheet_qr(pdf)
        assert len(words.split()) == 33
        self.mnemonics.append(words)
        return words

    def typed_shares(self, out: Path, n: int) -> list[Path]:
        """Each share sheet `recovery-key add --out OUT` wrote, typed into a text file."""
        return [
            self.write(f"{p.stem}.txt", numbered(self.learn_share(p))) for p in share_paths(out, n)
        ]

    def assert_no_leaks(self) -> None:
        """No output of any run holds a passphrase, a recovery key or a run of share words."""
        assert self.runs
        for run in self.runs:
            for stream in (run.stdout, run.stderr):
                for p in self.passphrases:
                    assert p not in stream, f"a passphrase leaked: {stream!r}"
                squeezed = normalize_b32(stream)
                for key in self.keys:
                    chars = normalize_b32(key)
                    assert len(chars) == KEY_CHARS
                    for i in range(KEY_CHARS - 12 + 1):  # any two groups' worth
                        assert chars[i : i + 12] not in squeezed, f"key text leaked: {stream!r}"
                spaced = " ".join(stream.lower().split())
                for words in self.mnemonics:
                    w = words.split()
                    for i in range(len(w) - 2):
                        assert " ".join(w[i : i + 3]) not in spaced, f"words leaked: {stream!r}"


@pytest.fixture
def cli(tmp_path: Path, vault_path: Path) -> Cli:
    """The CLI against the test vault at vault_path (which the test creates)."""
    return Cli(tmp_path, vault_path)


# --- paper -------------------------------------------------------------------------------


def render_page(pdf: Path, index: int = 0) -> Any:
    """One page of a PDF, rendered by PDFium at 300 dpi (a PIL image)."""
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        return doc[index].render(scale=DPI / 72).to_pil()
    finally:
        doc.close()


def page_texts(pdf: Path) -> list[str]:
    """The text layer of every page."""
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def sheet_qr(pdf: Path) -> str:
    """The text of the one QR code on a one-page sheet, read by zxing-cpp at 300 dpi."""
    assert len(page_texts(pdf)) == 1
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    found = zxingcpp.read_barcodes(render_page(pdf), formats=qr)
    assert len(found) == 1, [c.text for c in found]
    return found[0].text


def to_png(pdf: Path, out: Path, index: int = 0) -> Path:
    """A 300 dpi PNG of one page, as a scan of the printout would be."""
    render_page(pdf, index).save(out)
    return out


def kit_pngs(kit: Path, folder: Path) -> list[Path]:
    """Every codes sheet of a kit as a 300 dpi PNG named kit-page-N.png."""
    pages = [i for i, t in enumerate(page_texts(kit)) if re.search(r"codes sheet \d+ of", t)]
    assert pages
    return [to_png(kit, folder / f"kit-page-{i + 1}.png", i) for i in pages]


def share_paths(out: Path, n: int) -> list[Path]:
    """The sheets `recovery-key add --out OUT --shares K-of-N` writes."""
    stem = out.with_suffix("")
    return [Path(f"{stem}-share-{i}-of-{n}.pdf") for i in range(1, n + 1)]


def numbered(words: str) -> str:
    """Share words as someone would type them from the sheet: numbered, one per line."""
    return "".join(f"{i}. {w}\n" for i, w in enumerate(words.split(), 1))


def listing(folder: Path) -> set[str]:
    """Every name in folder (hidden temp files included)."""
    return {p.name for p in folder.iterdir()}


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts real Argon2 calls (the wrapped function still runs)."""
    calls: list[int] = []
    real = argon2.low_level.hash_secret_raw

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(argon2.low_level, "hash_secret_raw", counting)
    yield calls


# --- 1. any K shares recover; fewer say how many more; wrong secrets are refused ----------


@pytest.mark.parametrize(("k", "n"), [(2, 3), (3, 5)])
def test_every_k_subset_of_shares_recovers_the_vault(
    filled: tuple[VaultFile, list[dict[str, Any]]], k: int, n: int, tmp_path: Path
) -> None:
    vf, entries = filled
    key = secrets.token_bytes(32)
    vf.set_recovery_key(PASSPHRASE, key)
    data = vf.read_bytes()
    shares = split_key(key, k, n)
    assert len(shares) == n and len(set(shares)) == n
    assert all(len(s.split()) == 33 for s in shares)
    subsets = list(itertools.combinations(shares, k))
    assert len(subsets) == {3: 3, 5: 10}[n]
    for i, subset in enumerate(subsets):
        # Any order makes no difference.
        assert combine_shares(list(reversed(subset))) == key
        assert combine_shares(list(subset)) == key
        assert_recovered(recover_bytes(data, key), entries, key, tmp_path / f"r{i}.rvault")


@pytest.mark.parametrize(("k", "n"), [(2, 3), (3, 5)])
def test_fewer_than_k_shares_say_how_many_more_are_needed(k: int, n: int) -> None:
    shares = split_key(secrets.token_bytes(32), k, n)
    for size in range(1, k):
        for subset in itertools.combinations(shares, size):
            with pytest.raises(InvalidData) as err:
                combine_shares(list(subset))
            more = k - size
            assert err.value.message == (
                f"{size} of the {k} shares needed were given: {more} more needed"
            )
    # The same share twice is still one share.
    with pytest.raises(InvalidData, match=f"1 of the {k} shares needed were given"):
        combine_shares([shares[0], shares[0].upper()] * k)
    with pytest.raises(InvalidData, match="no recovery shares"):
        combine_shares([])


def test_a_wrong_key_or_a_wrong_share_passphrase_is_refused(
    filled: tuple[VaultFile, list[dict[str, Any]]], tmp_path: Path
) -> None:
    vf, entries = filled
    key = secrets.token_bytes(32)
    vf.set_recovery_key(PASSPHRASE, key)
    data = vf.read_bytes()
    with pytest.raises(AuthenticationFailed):
        recover_bytes(data, secrets.token_bytes(32))
    one_bit = bytes([key[0] ^ 1]) + key[1:]
    with pytest.raises(AuthenticationFailed):
        recover_bytes(data, one_bit)
    shares = split_key(key, 2, 3, SHARE_PASSPHRASE.encode())
    for wrong in (b"", b"shares passphrase: amber lanterN", SHARE_PASSPHRASE.encode() + b" "):
        # SLIP-39 has no check on the passphrase: it quietly yields another key...
        other = combine_shares(shares[:2], wrong)
        assert other != key
        # ...which the slot's tag refuses, so no vault (let alone a different one) comes out.
        with pytest.raises(AuthenticationFailed):
            recover_bytes(data, other)
    assert combine_shares(shares[1:], SHARE_PASSPHRASE.encode()) == key
    assert_recovered(recover_bytes(data, key), entries, key, tmp_path / "ok.rvault")


@pytest.mark.slow
def test_cli_recovers_with_any_two_of_three_shares_and_refuses_one(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    _, entries = filled
    r = cli("recovery-key", "add", "--out", tmp_path / "rk.pdf", "--shares", "2-of-3")
    assert r.code == 0, r.stderr
    words = cli.typed_shares(tmp_path / "rk.pdf", 3)
    key = combine_shares(cli.mnemonics[:2])
    for i, j in itertools.combinations(range(3), 2):
        out = tmp_path / f"restored-{i}{j}.rvault"
        r = cli.recover(cli.vault_path, out=out, shares=[words[i], words[j]])
        assert r.code == 0, r.stderr
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert_recovered(out.read_bytes(), entries, key, tmp_path / "check.rvault")
    for i in range(3):
        out = tmp_path / f"one-{i}.rvault"
        r = cli.recover(cli.vault_path, out=out, shares=[words[i]])
        assert r.code == 65, r.stderr
        assert "1 of the 2 shares needed were given: 1 more needed" in r.stderr
        assert not out.exists()
    cli.assert_no_leaks()


@pytest.mark.slow
def test_cli_three_of_five_needs_three(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    _, entries = filled
    r = cli("recovery-key", "add", "--out", tmp_path / "rk.pdf", "--shares", "3-of-5")
    assert r.code == 0, r.stderr
    assert "5 share sheets (any 3 restore)" in r.stderr
    words = cli.typed_shares(tmp_path / "rk.pdf", 5)
    out = tmp_path / "restored.rvault"
    r = cli.recover(cli.vault_path, out=out, shares=[words[4], words[1]])
    assert (r.code, out.exists()) == (65, False), r.stderr
    assert "2 of the 3 shares needed were given: 1 more needed" in r.stderr
    r = cli.recover(cli.vault_path, out=out, shares=[words[4], words[1], words[2]])
    assert r.code == 0, r.stderr
    assert_recovered(
        out.read_bytes(), entries, combine_shares(cli.mnemonics[:3]), tmp_path / "c.rvault"
    )
    cli.assert_no_leaks()


@pytest.mark.slow
def test_cli_wrong_key_or_share_passphrase_exits_3(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    _, entries = filled
    secret = cli.write("share-passphrase.txt", SHARE_PASSPHRASE + "\n")
    shares: list[Arg] = ["--shares", "2-of-3", "--share-passphrase-file", secret]
    r = cli("recovery-key", "add", "--out", tmp_path / "rk.pdf", *shares)
    assert r.code == 0, r.stderr
    words = cli.typed_shares(tmp_path / "rk.pdf", 3)
    out = tmp_path / "restored.rvault"
    before = cli.vault_path.read_bytes()
    wrong = cli.write("wrong.txt", "shares passphrase: amber lanterN\n")
    for extra in ({}, {"share_passphrase_file": wrong}):
        r = cli.recover(cli.vault_path, out=out, shares=words[:2], **extra)
        assert r.code == 3, r.stderr
        assert "wrong recovery key or shares" in r.stderr
        assert not out.exists()
    # A well-formed key that is not this vault's.
    other = cli.write("other-key.txt", format_printed_key(secrets.token_bytes(32)) + "\n")
    r = cli.recover(cli.vault_path, out=out, recovery_key_file=other)
    assert (r.code, out.exists()) == (3, False), r.stderr
    assert cli.vault_path.read_bytes() == before
    r = cli.recover(cli.vault_path, out=out, shares=words[1:], share_passphrase_file=secret)
    assert r.code == 0, r.stderr
    key = combine_shares(cli.mnemonics[1:], SHARE_PASSPHRASE.encode())
    assert_recovered(out.read_bytes(), entries, key, tmp_path / "c.rvault")
    cli.assert_no_leaks()


# --- 2. shares of two splits never open the vault ----------------------------------------


def _outcome(data: bytes, mnemonics: list[str]) -> str:
    try:
        key = combine_shares(mnemonics)
    except InvalidData as exc:
        return f"refused: {exc.message}"
    try:
        recover_bytes(data, key)
    except AuthenticationFailed:
        return "wrong key"
    return "opened"


def _identifier(mnemonic: str) -> int:
    from shamir_mnemonic.share import Share

    return int(Share.from_mnemonic(mnemonic).identifier)


@pytest.mark.parametrize(("k", "n"), [(2, 3), (3, 5)])
def test_shares_of_two_splits_never_combine_into_a_key_that_opens(
    vf: VaultFile, k: int, n: int
) -> None:
    key, other_key = secrets.token_bytes(32), secrets.token_bytes(32)
    vf.set_recovery_key(PASSPHRASE, key)
    data = vf.read_bytes()
    a = split_key(key, k, n)
    # Another split of this same key (as if split twice) and a split of another key.
    for b in (split_key(key, k, n), split_key(other_key, k, n)):
        same_id = _identifier(a[0]) == _identifier(b[0])  # 1 in 32768
        mixes = [
            [*left, *right]
            for size in range(1, k)
            for left in itertools.combinations(a, size)
            for right in itertools.combinations(b, k - size)
        ]
        assert mixes
        for mix in mixes:
            for order in (mix, mix[::-1]):
                outcome = _outcome(data, order)
                assert outcome != "opened", order
                if not same_id:
                    assert outcome == "refused: these shares come from different splits and " + (
                        "never combine"
                    )


@pytest.mark.slow
def test_cli_shares_of_an_add_and_a_rotate_never_combine(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    _, entries = filled
    r = cli("recovery-key", "add", "--out", tmp_path / "old.pdf", "--shares", "2-of-3")
    assert r.code == 0, r.stderr
    old = cli.typed_shares(tmp_path / "old.pdf", 3)
    r = cli("recovery-key", "rotate", "--out", tmp_path / "new.pdf", "--shares", "2-of-3")
    assert r.code == 0, r.stderr
    new = cli.typed_shares(tmp_path / "new.pdf", 3)
    out = tmp_path / "restored.rvault"
    for o, nw in itertools.product(old, new):
        for pair in ([o, nw], [nw, o]):
            r = cli.recover(cli.vault_path, out=out, shares=pair)
            assert r.code in (65, 3), r.stderr
            assert not out.exists()
    # The old shares alone are of a key the vault no longer has; the new ones work.
    r = cli.recover(cli.vault_path, out=out, shares=old[:2])
    assert (r.code, out.exists()) == (3, False), r.stderr
    r = cli.recover(cli.vault_path, out=out, shares=new[1:])
    assert r.code == 0, r.stderr
    key = combine_shares(cli.mnemonics[4:])
    assert_recovered(out.read_bytes(), entries, key, tmp_path / "c.rvault")
    cli.assert_no_leaks()


# --- 3. a typo in the key is caught before any key derivation -----------------------------

# Every character someone might type, as the sheet's reader sees it after normalizing.
TYPABLE = CROCKFORD + CROCKFORD.lower() + "OoIiLlUu"


def _key_with_0_and_1() -> tuple[bytes, str]:
    """A random key whose text holds both a 0 and a 1 (so O/0 and I/L/1 can be tried)."""
    for _ in range(1000):
        key = secrets.token_bytes(32)
        text = format_printed_key(key)
        if "0" in text and "1" in text:
            return key, text
    raise AssertionError("no key with a 0 and a 1 in 1000 tries")  # pragma: no cover


def _typos(text: str) -> Iterator[tuple[int, str]]:
    """(position, text) for every single-character substitution that changes the key."""
    chars = [c for c in text if c != "-"]
    assert len(chars) == KEY_CHARS
    for pos, original in enumerate(chars):
        for c in dict.fromkeys(TYPABLE):
            if normalize_b32(c) != original:
                typed = chars.copy()
                typed[pos] = c
                yield pos, "-".join("".join(typed[i : i + 6]) for i in range(0, KEY_CHARS, 6))


def test_the_printed_form_of_a_key() -> None:
    for key in (bytes(32), b"\xff" * 32, bytes(range(32)), secrets.token_bytes(32)):
        text = format_printed_key(key)
        assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{6}-){8}[0-9A-HJKMNP-TV-Z]{6}", text), text
        assert parse_printed_key(text) == key
    with pytest.raises(ValueError, match="32 bytes"):
        format_printed_key(bytes(31))


@pytest.mark.slow
def test_every_single_character_typo_is_caught() -> None:
    for _ in range(3):
        key, text = _key_with_0_and_1()
        positions: set[int] = set()
        count = 0
        for pos, typo in _typos(text):
            with pytest.raises(InvalidData, match="the recovery key has a typo") as err:
                parse_printed_key(typo)
            # Any group it names (the likeliest, then the others in the hint) includes it.
            said = f"{err.value.message}; {err.value.hint}"
            named = [int(g) for g in re.findall(r"group (\d)", said)]
            assert not named or pos // 6 + 1 in named, (pos, said)
            positions.add(pos)
            count += 1
        assert positions == set(range(KEY_CHARS))
        assert count >= KEY_CHARS * 31  # every other symbol, plus other spellings of some
        assert parse_printed_key(text) == key


def test_dropped_added_or_foreign_characters_are_caught() -> None:
    key, text = _key_with_0_and_1()
    chars = text.replace("-", "")
    for pos in range(KEY_CHARS):
        with pytest.raises(InvalidData, match=r"53 characters; it should have 54 .*: 1 charac"):
            parse_printed_key(chars[:pos] + chars[pos + 1 :])
        with pytest.raises(InvalidData, match=r"55 characters.*: 1 character too many"):
            parse_printed_key(chars[:pos] + "7" + chars[pos:])
    for foreign in ("*", "#", "Ä", "_"):
        with pytest.raises(InvalidData, match="not on the sheet, in group 2 "):
            parse_printed_key(text[:10] + foreign + text[11:])
    # Typed in groups, a group one short or one long is named.
    groups = text.split("-")
    for g in range(9):
        short = [*groups[:g], groups[g][1:], *groups[g + 1 :]]
        with pytest.raises(InvalidData, match=f"1 character missing, in group {g + 1} "):
            parse_printed_key(" ".join(short))
        long = [*groups[:g], groups[g] + "7", *groups[g + 1 :]]
        with pytest.raises(InvalidData, match=f"1 character too many, in group {g + 1} "):
            parse_printed_key("-".join(long))
    with pytest.raises(InvalidData, match=r"50 characters.*: 4 characters missing$"):
        parse_printed_key(chars[:50])
    with pytest.raises(InvalidData):
        parse_printed_key("")
    assert parse_printed_key(text) == key


def test_case_dashes_spaces_and_confusable_characters_are_accepted() -> None:
    key, text = _key_with_0_and_1()
    groups = text.split("-")
    forms = [
        text.lower(),
        text.replace("-", ""),
        " ".join(groups),
        "  " + "-".join(groups[:5]) + "\n" + "-".join(groups[5:]) + "\n",  # the sheet's 2 lines
        "\t".join(g.lower() for g in groups),
        "--".join(groups),
        text.replace("0", "O"),
        text.replace("0", "o"),
        text.replace("1", "I"),
        text.replace("1", "i"),
        text.replace("1", "L"),
        text.replace("1", "l"),
        text.replace("0", "o").replace("1", "l").replace("-", " ").lower(),
    ]
    for form in forms:
        assert parse_printed_key(form) == key, form
    assert sum(f != text for f in forms) == len(forms)


@pytest.mark.slow
def test_cli_typo_exits_65_without_any_key_derivation(
    filled: tuple[VaultFile, list[dict[str, Any]]],
    cli: Cli,
    tmp_path: Path,
    argon2_calls: list[int],
) -> None:
    _, entries = filled
    r = cli("recovery-key", "add", "--out", tmp_path / "rk.pdf")
    assert r.code == 0, r.stderr
    text = cli.learn_key(tmp_path / "rk.pdf")
    key = parse_printed_key(text)
    out = tmp_path / "restored.rvault"
    typo_file = tmp_path / "typo.txt"
    seen: set[int] = set()
    argon2_calls.clear()
    for pos, typo in _typos(text):
        if pos in seen:
            continue  # one typo per position through the CLI; all of them above
        seen.add(pos)
        typo_file.write_text(typo + "\n")
        r = cli.recover(cli.vault_path, out=out, recovery_key_file=typo_file)
        assert r.code == 65, (pos, r.stderr)
        assert "the recovery key has a typo" in r.stderr
        assert "0/O and 1/I/L count as the same" in r.stderr
        assert not out.exists()
    assert len(seen) == KEY_CHARS
    assert argon2_calls == []
    # The counter does count: the right key, typed loosely, runs Argon2 for the new slot.
    loose = text.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    r = cli.recover(cli.vault_path, out=out, recovery_key_file=cli.write("loose.txt", loose))
    assert r.code == 0, r.stderr
    assert len(argon2_calls) >= 1
    assert_recovered(out.read_bytes(), entries, key, tmp_path / "c.rvault")
    cli.assert_no_leaks()


# --- 4. end to end from rendered sheets and a rendered kit --------------------------------


@pytest.mark.slow
def test_recover_from_rendered_share_sheets_and_kit(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    vf, entries = filled
    r = cli("recovery-key", "add", "--out", tmp_path / "rk.pdf", "--shares", "2-of-3")
    assert r.code == 0, r.stderr
    sheets = share_paths(tmp_path / "rk.pdf", 3)
    assert not (tmp_path / "rk.pdf").exists()  # shares only: no single sheet
    r = cli("kit", "--out", tmp_path / "kit.pdf")
    assert r.code == 0, r.stderr
    assert vf.load(PASSPHRASE).kit_status() == "current"
    pages = kit_pngs(tmp_path / "kit.pdf", tmp_path)
    share_a = to_png(sheets[0], tmp_path / "share-a.png")
    share_b = to_png(sheets[2], tmp_path / "share-b.png")
    for p in sheets:
        cli.learn_share(p)
    out = tmp_path / "restored.rvault"
    r = cli.recover(*pages, out=out, shares=[share_a, share_b])
    assert r.code == 0, r.stderr
    assert entries_of(out, NEW_PASSPHRASE) == entries
    key = combine_shares(cli.mnemonics[:2])
    assert_recovered(out.read_bytes(), entries, key, tmp_path / "c.rvault")

    # The same shares typed from the sheets: the printed words are the QR's words.
    for sheet, words in zip(sheets, cli.mnemonics, strict=True):
        printed = re.findall(r"^\d+\. ([a-z]+)\s*$", page_texts(sheet)[0], re.MULTILINE)
        assert " ".join(printed) == words
    typed = cli.write("typed-shares.txt", numbered(cli.mnemonics[1]) + numbered(cli.mnemonics[2]))
    out2 = tmp_path / "restored-typed.rvault"
    r = cli.recover(*pages, out=out2, shares=[typed])
    assert r.code == 0, r.stderr
    assert_recovered(out2.read_bytes(), entries, key, tmp_path / "c.rvault")
    # A photo of one sheet and the typed words of another mix as well.
    share_c = cli.write("share-c.txt", numbered(cli.mnemonics[1]))
    out3 = tmp_path / "restored-mixed.rvault"
    r = cli.recover(*pages, out=out3, shares=[share_a, share_c])
    assert r.code == 0, r.stderr
    assert entries_of(out3, NEW_PASSPHRASE) == entries
    cli.assert_no_leaks()


@pytest.mark.slow
def test_recover_from_a_rendered_recovery_sheet_and_kit(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    _, entries = filled
    r = cli("recovery-key", "add", "--out", tmp_path / "rk.pdf")
    assert r.code == 0, r.stderr
    r = cli("kit", "--out", tmp_path / "kit.pdf")
    assert r.code == 0, r.stderr
    pages = kit_pngs(tmp_path / "kit.pdf", tmp_path)
    text = cli.learn_key(tmp_path / "rk.pdf")  # the QR code, read from the 300 dpi render
    key = parse_printed_key(text)
    assert text == format_printed_key(key)
    # The key in large type says the same, over two lines (what someone would type).
    lines = page_texts(tmp_path / "rk.pdf")[0].splitlines()
    printed = [t for t in lines if re.fullmatch(r"[0-9A-Z]{6}(-[0-9A-Z]{6})+", t.strip())]
    assert len(printed) == 2 and parse_printed_key("\n".join(printed)) == key
    key_file = cli.write("key.txt", text + "\n")
    out = tmp_path / "restored.rvault"
    r = cli.recover(*pages, out=out, recovery_key_file=key_file)
    assert r.code == 0, r.stderr
    assert_recovered(out.read_bytes(), entries, key, tmp_path / "c.rvault")
    # The restored vault is a working vault: the new passphrase opens and edits it.
    restored = VaultFile(out)
    restored.add(NEW_PASSPHRASE, Entry("Later", "note", secret="added after recovery"))
    assert len(restored.load(NEW_PASSPHRASE).entries) == len(entries) + 1
    cli.assert_no_leaks()


# --- 5. a recovery slot is bound to its vault ---------------------------------------------


def test_a_recovery_slot_grafted_into_another_vault_does_not_open_it(tmp_path: Path) -> None:
    a, b = new_vault(tmp_path / "a.rvault"), new_vault(tmp_path / "b.rvault")
    fill(a)
    fill(b)
    key_a, key_b = secrets.token_bytes(32), secrets.token_bytes(32)
    a.set_recovery_key(PASSPHRASE, key_a)
    b.set_recovery_key(PASSPHRASE, key_b)
    ca, cb = parse(a.read_bytes()), parse(b.read_bytes())
    slot_a = next(s for s in ca.slots if isinstance(s, RecoverySlot))
    assert unlock_recovery(ca, key_a) == unlock(ca, PASSPHRASE)
    others: tuple[Slot, ...] = tuple(s for s in cb.slots if not isinstance(s, RecoverySlot))
    # In place of B's own recovery slot, and beside it.
    for slots in ((*others, slot_a), (*cb.slots, slot_a)):
        grafted_bytes = Container(
            cb.vault_id, cb.generation, slots, cb.payload_salt, cb.ciphertext
        ).to_bytes()
        grafted = parse(grafted_bytes)  # a well-formed file, checksum and all
        assert slot_a in grafted.slots
        with pytest.raises(AuthenticationFailed):
            unlock_recovery(grafted, key_a)
        with pytest.raises(AuthenticationFailed):
            recover_bytes(grafted_bytes, key_a)
    # The same slot, with A's vault id, opens: only the move breaks it.
    back = Container(ca.vault_id, cb.generation, (slot_a,), cb.payload_salt, cb.ciphertext)
    assert unlock_recovery(parse(back.to_bytes()), key_a) == unlock(ca, PASSPHRASE)


# --- 6. add, rotate, rm, info, passwd ------------------------------------------------------


def test_info_lists_the_recovery_slot(vf: VaultFile, cli: Cli, tmp_path: Path) -> None:
    r = cli("info", "--json")
    assert [s["type"] for s in json.loads(r.stdout)["slots"]] == ["passphrase"]
    r = cli("recovery-key", "add", "--out", tmp_path / "rk.pdf")
    assert r.code == 0, r.stderr
    r = cli("info")
    assert r.code == 0, r.stderr
    slots = [line for line in r.stdout.splitlines() if line.startswith("key slot")]
    assert len(slots) == 2
    assert slots[0].startswith("key slot 1:  passphrase, Argon2id")
    assert slots[1] == "key slot 2:  recovery-key (printed; opens without the passphrase)"
    r = cli("info", "--json")
    info = json.loads(r.stdout)
    assert [s["type"] for s in info["slots"]] == ["passphrase", "recovery-key"]
    assert info["slots"][1] == {"type": "recovery-key", "kdf": "hkdf-sha256"}
    cli.learn_key(tmp_path / "rk.pdf")
    cli.assert_no_leaks()


def test_add_twice_is_refused_with_a_hint_to_rotate(
    vf: VaultFile, cli: Cli, tmp_path: Path
) -> None:
    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf").code == 0
    before, names = vf.read_bytes(), listing(tmp_path)
    for extra in ([], ["--shares", "2-of-3"]):
        r = cli("recovery-key", "add", "--out", tmp_path / "again.pdf", *extra)
        assert r.code == 73, r.stderr
        assert "already has a recovery key" in r.stderr
        assert "hint: 'rvault recovery-key rotate' replaces it" in r.stderr
        assert vf.read_bytes() == before
        assert listing(tmp_path) == names  # the sheets it printed first are gone again
    cli.learn_key(tmp_path / "rk.pdf")
    cli.assert_no_leaks()


@pytest.mark.slow
def test_rotate_makes_the_old_key_fail_and_the_new_one_work(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    vf, entries = filled
    r = cli("recovery-key", "rotate", "--out", tmp_path / "rk.pdf")
    assert (r.code, (tmp_path / "rk.pdf").exists()) == (66, False), r.stderr
    assert "no recovery key to rotate" in r.stderr
    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf").code == 0
    old = cli.write("old.txt", cli.learn_key(tmp_path / "rk.pdf"))
    assert cli("recovery-key", "rotate", "--out", tmp_path / "rk2.pdf").code == 0
    new_text = cli.learn_key(tmp_path / "rk2.pdf")
    new = cli.write("new.txt", new_text)
    assert parse_printed_key(new_text) != parse_printed_key(old.read_text())
    assert [s["type"] for s in vf.info()["slots"]] == ["passphrase", "recovery-key"]
    out = tmp_path / "restored.rvault"
    r = cli.recover(cli.vault_path, out=out, recovery_key_file=old)
    assert (r.code, out.exists()) == (3, False), r.stderr
    r = cli.recover(cli.vault_path, out=out, recovery_key_file=new)
    assert r.code == 0, r.stderr
    assert_recovered(out.read_bytes(), entries, parse_printed_key(new_text), tmp_path / "c.rvault")
    # Rotating to shares: the single key stops working as well.
    r = cli("recovery-key", "rotate", "--out", tmp_path / "rk3.pdf", "--shares", "2-of-3")
    assert r.code == 0, r.stderr
    r = cli.recover(cli.vault_path, out=tmp_path / "x.rvault", recovery_key_file=new)
    assert r.code == 3, r.stderr
    words = cli.typed_shares(tmp_path / "rk3.pdf", 3)
    r = cli.recover(cli.vault_path, out=tmp_path / "y.rvault", shares=words[::2])
    assert r.code == 0, r.stderr
    cli.assert_no_leaks()


def test_rm_removes_the_recovery_key(
    filled: tuple[VaultFile, Any], cli: Cli, tmp_path: Path
) -> None:
    vf, _ = filled
    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf").code == 0
    key_file = cli.write("key.txt", cli.learn_key(tmp_path / "rk.pdf"))
    r = cli("recovery-key", "rm")
    assert r.code == 0, r.stderr
    assert [s["type"] for s in vf.info()["slots"]] == ["passphrase"]
    out = tmp_path / "restored.rvault"
    r = cli.recover(cli.vault_path, out=out, recovery_key_file=key_file)
    assert (r.code, out.exists()) == (66, False), r.stderr
    assert "this vault copy has no recovery key" in r.stderr
    with pytest.raises(MissingInput):
        recover_bytes(vf.read_bytes(), parse_printed_key(key_file.read_text()))
    r = cli("recovery-key", "rm")
    assert r.code == 66, r.stderr
    assert "no recovery key" in r.stderr
    # The vault still opens with its passphrase.
    assert len(vf.load(PASSPHRASE).entries) == 4
    cli.assert_no_leaks()


def test_rm_with_a_wrong_passphrase_changes_nothing(
    vf: VaultFile, cli: Cli, tmp_path: Path
) -> None:
    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf").code == 0
    before = vf.read_bytes()
    wrong = cli.write("wrong.txt", "not the passphrase\n")
    r = cli("recovery-key", "rm", RVAULT_PASSPHRASE_FILE=str(wrong))
    assert r.code == 3, r.stderr
    assert vf.read_bytes() == before
    cli.learn_key(tmp_path / "rk.pdf")
    cli.assert_no_leaks()


@pytest.mark.slow
def test_passwd_keeps_the_recovery_key_and_new_master_key_drops_it(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    vf, entries = filled
    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf").code == 0
    key_text = cli.learn_key(tmp_path / "rk.pdf")
    key_file = cli.write("key.txt", key_text)
    changed = "changed passphrase: nine green owls"
    cli.passphrases.append(changed)
    changed_file = cli.write("changed.txt", changed + "\n")
    r = cli("passwd", "--weak-kdf", "--new-passphrase-file", changed_file)
    assert r.code == 0, r.stderr
    assert [s["type"] for s in vf.info()["slots"]] == ["passphrase", "recovery-key"]
    assert entries_of(vf.path, changed) == entries
    out = tmp_path / "restored.rvault"
    r = cli.recover(cli.vault_path, out=out, recovery_key_file=key_file)
    assert r.code == 0, r.stderr
    assert_recovered(out.read_bytes(), entries, parse_printed_key(key_text), tmp_path / "c.rvault")

    cli.env["RVAULT_PASSPHRASE_FILE"] = str(changed_file)
    args: list[Arg] = [
        "--new-master-key",
        "--weak-kdf",
        "--new-passphrase-file",
        cli.passphrase_file,
    ]
    r = cli("passwd", *args)
    assert r.code == 0, r.stderr
    assert [s["type"] for s in vf.info()["slots"]] == ["passphrase"]
    assert entries_of(vf.path, PASSPHRASE) == entries
    out2 = tmp_path / "restored-2.rvault"
    r = cli.recover(cli.vault_path, out=out2, recovery_key_file=key_file)
    assert (r.code, out2.exists()) == (66, False), r.stderr
    cli.assert_no_leaks()


# --- 7. a kit printed before the key is stale and cannot use it ---------------------------


@pytest.mark.slow
def test_a_kit_printed_before_the_key_is_stale_and_cannot_use_it(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    vf, entries = filled
    assert cli("kit", "--out", tmp_path / "old-kit.pdf").code == 0
    assert vf.load(PASSPHRASE).kit_status() == "current"
    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf").code == 0
    assert vf.load(PASSPHRASE).kit_status() == "stale"
    key_text = cli.learn_key(tmp_path / "rk.pdf")
    key_file = cli.write("key.txt", key_text)
    out = tmp_path / "restored.rvault"
    old_pages = kit_pngs(tmp_path / "old-kit.pdf", tmp_path)
    for sources in ([tmp_path / "old-kit.pdf"], old_pages):
        r = cli.recover(*sources, out=out, recovery_key_file=key_file)
        assert (r.code, out.exists()) == (66, False), r.stderr
        assert "this vault copy has no recovery key" in r.stderr
        assert f"hint: {STALE_KIT_HINT}" in r.stderr
    # A kit printed after the key is current and works.
    assert cli("kit", "--out", tmp_path / "new-kit.pdf").code == 0
    assert vf.load(PASSPHRASE).kit_status() == "current"
    r = cli.recover(tmp_path / "new-kit.pdf", out=out, recovery_key_file=key_file)
    assert r.code == 0, r.stderr
    assert_recovered(out.read_bytes(), entries, parse_printed_key(key_text), tmp_path / "c.rvault")
    cli.assert_no_leaks()


@pytest.mark.parametrize("how", ["rotate", "rm"])
def test_rotate_and_rm_make_an_earlier_kit_stale(
    vf: VaultFile, cli: Cli, tmp_path: Path, how: str
) -> None:
    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf").code == 0
    assert cli("kit", "--out", tmp_path / "kit.pdf").code == 0
    assert vf.load(PASSPHRASE).kit_status() == "current"
    args = ["rotate", "--out", tmp_path / "rk2.pdf"] if how == "rotate" else ["rm"]
    assert cli("recovery-key", *args).code == 0
    assert vf.load(PASSPHRASE).kit_status() == "stale"
    cli.learn_key(tmp_path / "rk.pdf")
    cli.assert_no_leaks()


# --- 8. sheet files: private, and never left behind by a failure ---------------------------


@pytest.mark.slow
@pytest.mark.parametrize("shares", [None, "2-of-3", "3-of-5"])
def test_sheets_are_private_files(
    vf: VaultFile, cli: Cli, tmp_path: Path, shares: str | None
) -> None:
    out = tmp_path / "rk.pdf"
    r = cli("recovery-key", "add", "--out", out, *(["--shares", shares] if shares else []))
    assert r.code == 0, r.stderr
    sheets = share_paths(out, int(shares[-1])) if shares else [out]
    assert {p.name for p in tmp_path.glob("rk*")} == {p.name for p in sheets}
    for p in sheets:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
        assert p.read_bytes().startswith(b"%PDF")
        assert f"Wrote {p}" in r.stderr
    assert not any(name.endswith(".tmp") for name in listing(tmp_path))
    for p in sheets:
        (cli.learn_share if shares else cli.learn_key)(p)
    cli.assert_no_leaks()


@pytest.mark.parametrize("shares", [None, "2-of-3"])
def test_a_wrong_passphrase_leaves_no_sheet_and_no_change(
    vf: VaultFile, cli: Cli, tmp_path: Path, shares: str | None
) -> None:
    wrong = cli.write("wrong.txt", "not the passphrase\n")
    before, names = vf.read_bytes(), listing(tmp_path)
    extra = ["--shares", shares] if shares else []
    for command in ("add", "rotate"):
        args = ["recovery-key", command, "--out", tmp_path / "rk.pdf", *extra]
        r = cli(*args, RVAULT_PASSPHRASE_FILE=str(wrong))
        assert r.code == 3, r.stderr
        assert "wrong passphrase" in r.stderr
        assert vf.read_bytes() == before
        assert listing(tmp_path) == names
        assert [s["type"] for s in vf.info()["slots"]] == ["passphrase"]
    cli.assert_no_leaks()


def test_bad_share_options_are_refused_before_anything_is_written(
    vf: VaultFile, cli: Cli, tmp_path: Path
) -> None:
    before, names = vf.read_bytes(), listing(tmp_path)
    for bad in ("1-of-3", "3-of-2", "2-of-17", "0-of-0", "two-of-three", "2"):
        r = cli("recovery-key", "add", "--out", tmp_path / "rk.pdf", "--shares", bad)
        assert r.code == 65, (bad, r.stderr)
        assert vf.read_bytes() == before
        assert listing(tmp_path) == names
    cli.assert_no_leaks()


# --- regressions: bugs found while writing these tests, now fixed --------------------------


def test_a_failed_add_with_force_keeps_the_existing_sheet(
    vf: VaultFile, cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "rk.pdf"
    assert cli("recovery-key", "add", "--out", out).code == 0
    sheet = out.read_bytes()
    # The vault already has a key: add is refused (73). Its only sheet must survive.
    r = cli("recovery-key", "add", "--out", out, "--force")
    assert r.code == 73, r.stderr
    assert out.is_file() and out.read_bytes() == sheet


def test_a_rotate_with_a_wrong_passphrase_and_force_keeps_the_existing_sheet(
    vf: VaultFile, cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "rk.pdf"
    assert cli("recovery-key", "add", "--out", out).code == 0
    sheet = out.read_bytes()
    wrong = cli.write("wrong.txt", "not the passphrase\n")
    r = cli("recovery-key", "rotate", "--out", out, "--force", RVAULT_PASSPHRASE_FILE=str(wrong))
    assert r.code == 3, r.stderr
    assert out.is_file() and out.read_bytes() == sheet


def test_a_non_ascii_share_passphrase_is_a_clear_error(
    vf: VaultFile, cli: Cli, tmp_path: Path
) -> None:
    secret = cli.write("share-passphrase.txt", "pässword\n")
    before, names = vf.read_bytes(), listing(tmp_path)
    shares: list[Arg] = ["--shares", "2-of-3", "--share-passphrase-file", secret]
    r = _raw_cli(cli, "recovery-key", "add", "--out", tmp_path / "rk.pdf", *shares)
    assert r.code in (2, 65), r.stderr
    assert "ASCII" in r.stderr
    assert "unexpected error" not in r.stderr
    assert listing(tmp_path) == names
    assert vf.read_bytes() == before


@pytest.mark.slow
def test_more_shares_than_needed_still_recover(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    _, entries = filled
    r = cli("recovery-key", "add", "--out", tmp_path / "rk.pdf", "--shares", "2-of-3")
    assert r.code == 0, r.stderr
    words = cli.typed_shares(tmp_path / "rk.pdf", 3)
    key = combine_shares(cli.mnemonics[:2])
    # Someone who finds all three sheets gives all three.
    out = tmp_path / "restored.rvault"
    every_share: list[Arg] = [a for w in words for a in ("--share", w)]
    args: list[Arg] = ["--out", out, "--new-passphrase-file", cli.new_passphrase_file, *every_share]
    r = _raw_cli(cli, "recover", cli.vault_path, *args)
    assert r.code == 0, r.stderr
    assert_recovered(out.read_bytes(), entries, key, tmp_path / "c.rvault")
    assert combine_shares(cli.mnemonics) == key


def test_the_summary_names_k_for_every_spelling_of_shares(
    vf: VaultFile, cli: Cli, tmp_path: Path
) -> None:
    r = cli("recovery-key", "add", "--out", tmp_path / "rk.pdf", "--shares", "2/3")
    assert r.code == 0, r.stderr
    assert "3 share sheets (any 2 restore)" in r.stderr


def _raw_cli(cli: Cli, *args: Arg) -> Run:
    """Like cli(...), without its own checks (for a run that is expected to misbehave)."""
    return run_main(args, cli.env)


# --- 9. issue 11: a stranger types the key and the shares ---------------------------------


@pytest.mark.slow
def test_a_single_typo_in_each_group_names_that_group_and_never_the_key() -> None:
    _, text = _key_with_0_and_1()
    groups = text.split("-")
    located: dict[int, int] = {}
    for pos, typo in _typos(text):
        with pytest.raises(InvalidData) as err:
            parse_printed_key(typo)
        said = f"{err.value.message}; {err.value.hint}"
        assert not any(g in said.upper() for g in groups), said  # the key is never echoed
        group = pos // 6 + 1
        line = 1 if group <= 5 else 2
        if f"typo: group {group} (line {line}, " in said and "looks wrong" in said:
            located[group] = located.get(group, 0) + 1
        if f"typo, most likely in group {group} (line {line}, " in said:
            located[group] = located.get(group, 0) + 1
    # Every group, check characters included, is pinpointed by some of its typos.
    assert sorted(located) == list(range(1, 10)), located
    # Typos between look-alikes (5 for S, 8 for B) are pinpointed most of the time.
    chars = text.replace("-", "")
    hits = tries = 0
    for pos, c in enumerate(chars):
        for other in "".join({*"".join(p for p in ("5S", "8B", "2Z", "6G") if c in p)} - {c}):
            tries += 1
            typed = chars[:pos] + other + chars[pos + 1 :]
            with pytest.raises(InvalidData) as err:
                parse_printed_key(typed)
            hits += f"group {pos // 6 + 1} (" in err.value.message
    assert tries == 0 or hits >= tries * 0.7, (hits, tries)


@pytest.mark.slow
def test_cli_key_file_on_two_lines_and_a_located_typo(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    _, entries = filled
    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf").code == 0
    text = cli.learn_key(tmp_path / "rk.pdf")
    groups = text.split("-")
    two_lines = cli.write("key.txt", "-".join(groups[:5]) + "\n" + "-".join(groups[5:]) + "\n")
    out = tmp_path / "restored.rvault"
    r = cli.recover(cli.vault_path, out=out, recovery_key_file=two_lines)
    assert r.code == 0, r.stderr
    assert_recovered(out.read_bytes(), entries, parse_printed_key(text), tmp_path / "c.rvault")
    # A line left out says how many characters are missing.
    one_line = cli.write("half.txt", "-".join(groups[:5]) + "\n")
    r = cli.recover(cli.vault_path, out=tmp_path / "x.rvault", recovery_key_file=one_line)
    assert r.code == 65, r.stderr
    assert "30 characters; it should have 54 (9 groups of 6): 24 characters missing" in r.stderr
    cli.assert_no_leaks()


def _share_file(cli: Cli, name: str, words: list[str]) -> Path:
    return cli.write(name, numbered(" ".join(words)))


@pytest.mark.slow
def test_cli_a_misspelt_share_word_names_share_word_and_suggestion(
    vf: VaultFile, cli: Cli, tmp_path: Path
) -> None:
    from shamir_mnemonic.wordlist import WORDLIST

    from vault.paper.shares import share_word, suggest_words

    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf", "--shares", "2-of-3").code == 0
    cli.typed_shares(tmp_path / "rk.pdf", 3)
    words = cli.mnemonics[1].split()
    out = tmp_path / "restored.rvault"
    good = _share_file(cli, "share-1.txt", cli.mnemonics[0].split())
    # "academic" typed "acadmeic": a letter swap; the suggestion is the word on the sheet.
    for no in (7, 20, 33):
        typo = list(words)
        w = typo[no - 1]
        # Two neighbouring letters swapped, where that makes no word (nor the start of one).
        swaps = (w[:i] + w[i + 1] + w[i] + w[i + 2 :] for i in range(len(w) - 1))
        typo[no - 1] = next(t for t in swaps if share_word(t) is None and w in suggest_words(t))
        bad = _share_file(cli, "share-2.txt", typo)
        r = cli.recover(cli.vault_path, out=out, shares=[good, bad])
        assert r.code == 65, r.stderr
        said = f"share 2 ({bad}): word {no} is not a word used on share sheets; did you mean "
        assert said in r.stderr, r.stderr
        # Short words may have two or three equally close neighbours: the right one is among them.
        assert f'"{w}"' in r.stderr.split(said)[1].splitlines()[0], r.stderr
        assert "mnemonic" not in r.stderr.lower() and not out.exists()
    # A real word in the wrong place is found by the share's own check.
    swapped = list(words)
    swapped[11] = WORDLIST[(WORDLIST.index(words[11]) + 77) % 1024]
    bad = _share_file(cli, "share-2.txt", swapped)
    r = cli.recover(cli.vault_path, out=out, shares=[good, bad])
    assert r.code == 65, r.stderr
    assert f"share 2 ({bad}): word 12 looks wrong" in r.stderr
    # A word left out says so.
    bad = _share_file(cli, "share-2.txt", words[:32])
    r = cli.recover(cli.vault_path, out=out, shares=[good, bad])
    assert r.code == 65, r.stderr
    assert "a share has 33 words; found 32 words (1 missing" in r.stderr
    # Line breaks and numbering anywhere, and only the first 4 letters of a word.
    loose = cli.write("share-3.txt", "\n".join(f"{i}.{w[:4]}" for i, w in enumerate(words, 1)))
    r = cli.recover(cli.vault_path, out=out, shares=[good, loose])
    assert r.code == 0, r.stderr
    cli.assert_no_leaks()


def test_share_files_are_read_bounded(vf: VaultFile, cli: Cli, tmp_path: Path) -> None:
    big = cli.write("big.txt", "academic " * 10_000)
    r = cli.recover(cli.vault_path, out=tmp_path / "x.rvault", shares=[big])
    assert r.code == 65, r.stderr
    assert "too large for a text file of share words" in r.stderr


def test_typed_shares_check_each_word_and_relocate_a_wrong_one() -> None:
    from shamir_mnemonic.wordlist import WORDLIST

    from vault.paper.shares import TypedShares

    key = secrets.token_bytes(32)
    shares = split_key(key, 2, 3)
    typing = TypedShares()
    words = shares[2].split()
    assert typing.prompt() == "share 1, word 1"
    assert typing.type(" ".join(words[:5])) == []
    said = typing.type("zzyzx")
    assert said == ["Word 6 is not a word used on share sheets. Type word 6 again."]
    (said,) = typing.type(words[5][:-1] + "q " + words[6])
    assert said.startswith("Word 6 is not a word used on share sheets")
    assert said.endswith(" Type word 6 again. The words after it were not taken.")
    assert "?." not in said
    assert typing.prompt() == "share 1, word 6"
    typing = TypedShares()
    wrong = list(words)
    wrong[20] = WORDLIST[(WORDLIST.index(words[20]) + 1) % 1024]
    (said,) = typing.type(" ".join(wrong))
    assert said.startswith("Word 21 of this share looks wrong")
    assert typing.prompt() == "share 1, word 21"
    assert typing.type(words[20]) == ["Share 3 ok. 1 more share needed."]
    assert typing.missing() == 1
    assert typing.type(" ".join(shares[2].split())) == [
        "You already gave share 3. Type a different share."
    ]
    other = split_key(key, 2, 3)[0]
    assert "different set of share sheets" in typing.type(other)[0]
    assert typing.type(shares[0]) == [
        "Share 1 ok. That makes 2: enough to rebuild the recovery key."
    ]
    assert typing.missing() == 0
    assert combine_shares(list(typing.shares.values())) == key


# --- through a real terminal (a pseudo-terminal), as a person would type ------------------


class Terminal:
    """`python -m vault ARGS` on a pseudo-terminal: wait for a prompt, then type a line."""

    def __init__(self, args: list[Arg], env: dict[str, str]) -> None:
        import pty

        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child
            argv = [sys.executable, "-m", "vault", *map(str, args)]
            os.execve(sys.executable, argv, {**os.environ, **env})  # noqa: S606
        self.out, self.seen = b"", 0

    def _read(self) -> bytes:
        import select

        ready, _, _ = select.select([self.fd], [], [], 120)  # a hang guard, not a time limit
        assert ready, f"no output; so far: {self.out.decode(errors='replace')}"
        try:
            return os.read(self.fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return b""

    def expect(self, text: str) -> None:
        """Wait until text appears after what was already matched."""
        while (at := self.out.find(text.encode(), self.seen)) < 0:
            chunk = self._read()
            assert chunk, f"{text!r} never came; output: {self.out.decode(errors='replace')}"
            self.out += chunk
        self.seen = at + len(text)

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def finish(self) -> tuple[int, str]:
        """The exit code and the whole transcript."""
        while chunk := self._read():
            self.out += chunk
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status), self.out.decode(errors="replace")


@pytest.mark.slow
def test_the_key_typed_on_two_lines_at_a_terminal(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    _, entries = filled
    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf").code == 0
    text = cli.learn_key(tmp_path / "rk.pdf")
    groups = text.split("-")
    out = tmp_path / "restored.rvault"
    args: list[Arg] = ["recover", cli.vault_path, "--out", out]
    term = Terminal([*args, "--new-passphrase-file", cli.new_passphrase_file], cli.env)
    term.expect("Type 1 or 2: ")
    term.type("1")
    term.expect("Line 1: ")
    term.type("-".join(groups[:5]).lower())
    term.expect("Line 1 of 2 ok. Now type the second line (4 groups):")
    # A typo in group 8 on the first try: named, then the key is typed again.
    typo = list(groups)
    typo[7] = (
        typo[7][:2]
        + {"5": "S", "S": "5", "X": "Y"}.get(typo[7][2], "X")  # always a different character
        + typo[7][3:]
    )
    term.expect("> ")  # getpass prints its prompt once echo is off: type only after it
    term.type(" ".join(typo[5:]))
    term.expect("The recovery key has a typo")
    term.expect("Type the whole key again, from line 1.")
    term.expect("Line 1: ")
    term.type(" ".join(groups[:5]))
    term.expect("> ")
    term.type(" ".join(groups[5:]))
    code, transcript = term.finish()
    assert code == 0, transcript
    assert "Recovered to" in transcript
    # Group 8 is named unless no single group stands out (then all are to be compared).
    assert "group 8 (line 2, 3rd group)" in transcript or "do not match" in transcript
    for g in groups:
        assert g not in transcript.upper()  # hidden input: nothing typed is echoed
    assert_recovered(out.read_bytes(), entries, parse_printed_key(text), tmp_path / "c.rvault")


@pytest.mark.slow
def test_share_words_typed_at_a_terminal_restore_the_vault(
    filled: tuple[VaultFile, list[dict[str, Any]]], cli: Cli, tmp_path: Path
) -> None:
    _, entries = filled
    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf", "--shares", "2-of-3").code == 0
    cli.typed_shares(tmp_path / "rk.pdf", 3)
    first, third = cli.mnemonics[0].split(), cli.mnemonics[2].split()
    out = tmp_path / "restored.rvault"
    args: list[Arg] = ["recover", cli.vault_path, "--out", out]
    term = Terminal([*args, "--new-passphrase-file", cli.new_passphrase_file], cli.env)
    term.expect("Type 1 or 2: ")
    term.type("2")
    # Share 3 first, a row of three words at a time as printed; one word misspelt.
    for row in range(11):
        term.expect(f"share 1, word {row * 3 + 1}: ")
        words = third[row * 3 : row * 3 + 3]
        if row == 4:
            term.type(f"{row * 3 + 1}. {words[0]} {words[1][:-1]}q {words[2]}")
            term.expect(f"Word {row * 3 + 2} is not a word used on share sheets")
            term.expect(f"share 1, word {row * 3 + 2}: ")
            term.type(" ".join(words[1:]))
        else:
            term.type(" ".join(words))
    term.expect("Share 3 ok. 1 more share needed.")
    for no, word in enumerate(first, 1):
        term.expect(f"share 2, word {no}: ")
        term.type(word[:4])  # the first four letters are enough
    term.expect("Share 1 ok. That makes 2: enough to rebuild the recovery key.")
    code, transcript = term.finish()
    assert code == 0, transcript
    assert "mnemonic" not in transcript.lower()
    for words in (first, third):
        for i in range(31):
            assert " ".join(words[i : i + 3]) not in transcript
    key = combine_shares([cli.mnemonics[0], cli.mnemonics[2]])
    assert_recovered(out.read_bytes(), entries, key, tmp_path / "c.rvault")


@pytest.mark.slow
def test_too_few_typed_shares_say_how_many_more(vf: VaultFile, cli: Cli, tmp_path: Path) -> None:
    assert cli("recovery-key", "add", "--out", tmp_path / "rk.pdf", "--shares", "3-of-5").code == 0
    cli.typed_shares(tmp_path / "rk.pdf", 5)
    out = tmp_path / "restored.rvault"
    share = cli.write("share-2.txt", numbered(cli.mnemonics[1]))
    args: list[Arg] = ["recover", cli.vault_path, "--out", out, "--share", share, "--type-shares"]
    term = Terminal([*args, "--new-passphrase-file", cli.new_passphrase_file], cli.env)
    term.expect("1 share(s) read from the files given.")
    term.expect("share 2, word 1: ")
    term.type(cli.mnemonics[4])
    term.expect("Share 5 ok. 1 more share needed.")
    term.expect("share 3, word 1: ")
    term.type("")
    code, transcript = term.finish()
    assert code == 65, transcript
    assert "2 of the 3 shares needed were given: 1 more needed" in transcript
    assert not out.exists()
