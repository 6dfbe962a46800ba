"""`rvault import`: authenticator exports -> TOTP entries, with real parts throughout.

Google Authenticator transfer payloads are built with Google's own protobuf runtime
(tests/support/otp_fixtures.py), QR codes are rendered with `qrcode` and read back through
zxing-cpp, and the Aegis, 2FAS and Bitwarden samples are the files in examples/. The decoding
is tested in detail through vault.otp.imports (fast); every behaviour of the command itself is
also run as a subprocess at least once, and malformed input additionally through the CLI
in-process.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import CHEAP_KDF, EXAMPLES, PASSPHRASE, RV, Run, run_rvault
from hypothesis import given, settings
from hypothesis import strategies as st
from support.otp_fixtures import (
    ALGORITHM,
    DIGITS,
    HOTP,
    GoogleAccount,
    Plain,
    aegis_export,
    b32,
    bitwarden_export,
    decode_payload,
    migration_link,
    migration_parts,
    payload_bytes,
    png_bytes,
    qr_image,
    screenshot,
    twofas_export,
)

from vault import Entry, VaultFile
from vault.errors import InvalidData
from vault.model import Vault
from vault.otp.imports import Batch, Skipped, plan_import, read_sources
from vault.otp.links import OtpAccount
from vault.otp.totp import OtpSettings, secret_bytes

DEFAULT = OtpSettings()
SHA256_8_60 = OtpSettings("SHA256", 8, 60)


def seed(label: str, size: int = 20) -> bytes:
    """Fixed pseudo-random seed bytes (any byte value, unlike the readable example seeds)."""
    return hashlib.sha512(label.encode()).digest()[:size]


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def read(*paths: Path) -> Batch:
    return read_sources([str(p) for p in paths])


def accounts(batch: Batch) -> list[OtpAccount]:
    return [f.account for f in batch.found]


def entries(vf: VaultFile) -> dict[str, tuple[Any, ...]]:
    """name -> (secret, settings, issuer, account, notes, tags) of every entry."""
    return {
        e.name: (e.secret, e.otp, e.issuer, e.account, e.notes, e.tags)
        for e in vf.load(PASSPHRASE).entries
    }


def rvault_import(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return run_rvault(["import", *args], env, stdin)


def assert_error_only(stderr: str, *words: str) -> None:
    """stderr is one 'rvault: error:' line, maybe a 'hint:' line, and no traceback."""
    lines = stderr.splitlines()
    assert "Traceback" not in stderr
    assert 1 <= len(lines) <= 2, stderr
    assert lines[0].startswith("rvault: error: "), stderr
    assert all(line.startswith("hint: ") for line in lines[1:]), stderr
    for word in words:
        assert word in lines[0], (word, stderr)


# --- Google Authenticator transfer payloads -----------------------------------------------

# (what Google Authenticator exports, what rvault must read from it)
GOOGLE = [
    (
        GoogleAccount(seed("mail"), "alice@example.com", "Example Mail"),
        OtpAccount(b32(seed("mail")), DEFAULT, "Example Mail", "alice@example.com"),
    ),
    (
        GoogleAccount(
            seed("bank", 32),
            "Example Bank:alice@example.com",
            "Example Bank",
            ALGORITHM["SHA256"],
            DIGITS[8],
        ),
        OtpAccount(
            b32(seed("bank", 32)),
            OtpSettings("SHA256", 8, 30),
            "Example Bank",
            "alice@example.com",
        ),
    ),
    (  # no issuer field: Google keeps "Issuer:account" in the name
        GoogleAccount(seed("cloud", 64), "Example Cloud:bob@example.com", "", ALGORITHM["SHA512"]),
        OtpAccount(
            b32(seed("cloud", 64)), OtpSettings("SHA512"), "Example Cloud", "bob@example.com"
        ),
    ),
    (
        GoogleAccount(seed("git", 10), "carol@example.com", "", ALGORITHM["SHA1"], DIGITS[8]),
        OtpAccount(b32(seed("git", 10)), OtpSettings("SHA1", 8), None, "carol@example.com"),
    ),
    (
        GoogleAccount(seed("solo", 16), "", "Example Solo", ALGORITHM["SHA512"], DIGITS[8]),
        OtpAccount(b32(seed("solo", 16)), OtpSettings("SHA512", 8), "Example Solo", None),
    ),
    (
        GoogleAccount(seed("unicode"), "zoë@example.com", "Bänk Ø"),
        OtpAccount(b32(seed("unicode")), DEFAULT, "Bänk Ø", "zoë@example.com"),
    ),
]


def test_google_payload_decodes_every_account_exactly(tmp_path: Path) -> None:
    data = payload_bytes([g for g, _ in GOOGLE], batch_id=1_234_567)
    assert len(decode_payload(data).otp_parameters) == len(GOOGLE)  # the runtime agrees
    batch = read(write(tmp_path / "google.txt", migration_link(data) + "\n"))
    assert accounts(batch) == [expected for _, expected in GOOGLE]
    for (google, _), found in zip(GOOGLE, batch.found, strict=True):
        assert secret_bytes(found.account.secret) == google.secret
    assert (batch.skipped, batch.warnings) == ([], [])


def test_google_link_with_plain_base64_and_no_padding(tmp_path: Path) -> None:
    # A link copied from a QR reader that already URL-decoded it: '+' and '/' stay literal.
    google = GoogleAccount(b"\xfb\xff" * 5, "alice@example.com", "Example")
    data = payload_bytes([google])
    plain = base64.b64encode(data).decode()
    assert "+" in plain and "/" in plain and plain.endswith("=")
    link = "otpauth-migration://offline?data=" + plain.rstrip("=")
    batch = read(write(tmp_path / "links.txt", link))
    assert accounts(batch) == [OtpAccount(b32(google.secret), DEFAULT, "Example", google.name)]


def test_google_unspecified_algorithm_and_digits_mean_the_defaults(tmp_path: Path) -> None:
    data = payload_bytes([GoogleAccount(seed("old"), "old@example.com", "Old", 0, 0)])
    batch = read(write(tmp_path / "google.txt", migration_link(data)))
    assert accounts(batch) == [OtpAccount(b32(seed("old")), DEFAULT, "Old", "old@example.com")]


def test_google_hotp_and_md5_accounts_are_skipped_with_reasons(tmp_path: Path) -> None:
    data = payload_bytes(
        [
            GoogleAccount(seed("vpn"), "alice", "Example VPN", type=HOTP, counter=7),
            GoogleAccount(seed("mail"), "alice@example.com", "Example Mail"),
            GoogleAccount(seed("legacy"), "bob", "Example Legacy", ALGORITHM["MD5"]),
        ]
    )
    batch = read(write(tmp_path / "google.txt", migration_link(data)))
    assert accounts(batch) == [GOOGLE[0][1]]
    assert [(s.label, s.source) for s in batch.skipped] == [
        ("Example VPN (alice)", str(tmp_path / "google.txt")),
        ("Example Legacy (bob)", str(tmp_path / "google.txt")),
    ]
    assert "HOTP" in batch.skipped[0].reason
    assert "MD5" in batch.skipped[1].reason


NINE = [
    GoogleAccount(
        seed(f"s{i}"), f"user{i}@example.com", f"Service {i}", digits=DIGITS[6 + 2 * (i % 2)]
    )
    for i in range(1, 10)
]
NINE_READ = {
    OtpAccount(b32(g.secret), OtpSettings(digits=6 + 2 * (i % 2)), g.issuer, g.name)
    for i, g in enumerate(NINE, 1)
}
BATCH_ID = -1_318_925_436  # Google's batch ids are random int32s, often negative


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    """The three parts of one Google export of nine accounts, one link per file."""
    links = migration_parts(NINE, 3, BATCH_ID)
    return [write(tmp_path / f"part{n}.txt", link) for n, link in enumerate(links, 1)]


def test_multi_part_export_as_separate_sources(parts: list[Path]) -> None:
    batch = read(parts[2], parts[0], parts[1])
    assert set(accounts(batch)) == NINE_READ
    assert len(batch.found) == 9
    assert (batch.skipped, batch.warnings) == ([], [])
    assert batch.parts == {BATCH_ID: (3, {0, 1, 2})}


def test_multi_part_export_as_lines_of_one_file(parts: list[Path], tmp_path: Path) -> None:
    lines = ["# Google Authenticator export, 3 QR codes", ""]
    lines += [p.read_text() for p in parts]
    batch = read(write(tmp_path / "all.txt", "\n".join(lines) + "\n"))
    assert set(accounts(batch)) == NINE_READ
    assert len(batch.found) == 9
    assert batch.warnings == []


def test_missing_part_is_named_in_a_warning(parts: list[Path]) -> None:
    batch = read(parts[0], parts[2])
    assert len(batch.found) == 6
    assert set(accounts(batch)) < NINE_READ
    assert batch.warnings == [
        f"Google Authenticator export {BATCH_ID}: part 2 of 3 was not given; "
        "the accounts on it are not included"
    ]
    only_first = read(parts[0])
    assert len(only_first.warnings) == 1
    assert "part 2, 3 of 3" in only_first.warnings[0]


def test_same_part_twice_adds_nothing(parts: list[Path], tmp_path: Path) -> None:
    doubled = write(tmp_path / "doubled.txt", parts[1].read_text() + "\n" + parts[1].read_text())
    batch = read(parts[0], parts[1], doubled, parts[2], parts[0])
    assert len(batch.found) == 9
    assert set(accounts(batch)) == NINE_READ
    assert (batch.skipped, batch.warnings) == ([], [])


def test_two_exports_are_tracked_apart(parts: list[Path], tmp_path: Path) -> None:
    other = migration_parts([GoogleAccount(seed("x"), "x", "X"), GoogleAccount(seed("y"))], 2, 77)
    batch = read(parts[0], parts[1], parts[2], write(tmp_path / "other.txt", other[1]))
    assert batch.warnings == [
        "Google Authenticator export 77: part 1 of 2 was not given; "
        "the accounts on it are not included"
    ]


# --- malformed input: exit 65 with a reason, never a traceback -----------------------------


def raw_field(number: int, wire: int, value: bytes) -> bytes:
    """One protobuf field, encoded by hand (for wire types the runtime would never write)."""
    key = bytes([number << 3 | wire])
    if wire == 2:
        return key + bytes([len(value)]) + value
    return key + value


GOOD = payload_bytes([GOOGLE[0][0]])
S = "JBSWY3DPEHPK3PXP"  # the sample seed of Google's Key Uri Format page
BAD_PARAMS = raw_field(1, 0, b"\x05") + raw_field(2, 2, b"a") + raw_field(6, 0, b"\x02")
BAD_NAME = raw_field(1, 2, b"1234567890") + raw_field(2, 2, b"\xff\xfe") + raw_field(6, 0, b"\x02")
MALFORMED = [
    pytest.param("otpauth://totp/Example:alice?issuer=Example", "no secret=", id="no-secret"),
    pytest.param("otpauth://totp/Example:alice?secret=JBSW1Y3D", "not base32", id="bad-base32"),
    pytest.param(
        "otpauth://totp/Example:alice?secret=JBSWY3DPE", "whole number of bytes", id="bad-length"
    ),
    pytest.param(f"otpauth://totp/E:a?secret={S}&secret={S}", "secret= twice", id="dup-secret"),
    pytest.param(f"otpauth://totp/E:a?secret={S}&digits=6&digits=8", "twice", id="dup-digits"),
    pytest.param(f"otpauth://totp/E:a?secret={S}&digits=abc", "digits", id="digits-abc"),
    pytest.param(f"otpauth://totp/E:a?secret={S}&period=-30", "period", id="period-negative"),
    pytest.param(f"otpauth://totp/E:a?secret={S}&period=", "period", id="period-empty"),
    pytest.param(f"otpauth://totp/E:a?secret={S}&lock", "without '='", id="bare-param"),
    pytest.param("otpauth://totp/E:a?secret=", "empty", id="empty-secret"),
    pytest.param("https://example.com/2fa", "not an otpauth", id="not-a-link"),
    pytest.param("otpauth-migration://offline?data=%%%%", "not base64", id="data-not-base64"),
    pytest.param("otpauth-migration://offline?data=QUJD!", "not base64", id="data-bad-char"),
    pytest.param("otpauth-migration://offline?secret=x", "no single data=", id="no-data"),
    pytest.param(
        migration_link(GOOD) + "&data=" + base64.b64encode(GOOD).decode(),
        "no single data=",
        id="data-twice",
    ),
    pytest.param("otpauth-migration://online?data=AAAA", "offline", id="not-offline"),
    pytest.param(migration_link(GOOD[: len(GOOD) // 2]), "damaged", id="protobuf-truncated"),
    pytest.param(migration_link(GOOD[:3]), "damaged", id="protobuf-cut-in-a-field"),
    pytest.param(migration_link(b"\x08" + b"\xff" * 11), "damaged", id="varint-too-long"),
    pytest.param(
        migration_link(raw_field(1, 0, b"\x05") + GOOD), "not a message", id="wire-params-varint"
    ),
    pytest.param(
        migration_link(raw_field(1, 2, BAD_PARAMS)), "field 1 is not bytes", id="wire-secret-varint"
    ),
    pytest.param(
        migration_link(GOOD + raw_field(3, 2, b"\x03")),
        "field 3 is not a number",
        id="wire-batch-size-bytes",
    ),
    pytest.param(migration_link(b"\x0b" + GOOD), "wire type 3", id="wire-type-group"),
    pytest.param(migration_link(b"\x00\x00"), "field number 0", id="field-zero"),
    pytest.param(migration_link(raw_field(1, 2, BAD_NAME)), "not UTF-8", id="name-not-utf8"),
    pytest.param(
        migration_link(payload_bytes([GOOGLE[0][0]], batch_size=3, batch_index=3)),
        "part 4 of 3",
        id="batch-index-too-big",
    ),
    pytest.param(
        migration_link(payload_bytes([GOOGLE[0][0]], batch_size=2000)),
        "of 2000",
        id="batch-size-too-big",
    ),
    pytest.param(migration_link(payload_bytes([])), "holds no accounts", id="no-accounts"),
    pytest.param(
        migration_link(payload_bytes([GoogleAccount(b"", "alice", "Example")])),
        "no secret",
        id="account-without-secret",
    ),
    pytest.param('{"accounts": []}', "not an Aegis, 2FAS or Bitwarden export", id="json-other"),
    pytest.param("[1, 2, 3]", "not an Aegis, 2FAS or Bitwarden export", id="json-list"),
    pytest.param('{"db": {"entries": [', "not valid JSON", id="json-broken"),
    pytest.param('{"items": []} {"items": []}', "not valid JSON", id="json-two-documents"),
    pytest.param('{"header": {}, "db": {}}', "entries is missing", id="aegis-no-entries"),
    pytest.param(
        json.dumps(aegis_export([("JBSW!", "E", "a", "SHA1", 6, 30)])),
        "entry 1: the TOTP secret is not base32",
        id="aegis-bad-secret",
    ),
    pytest.param(
        json.dumps(aegis_export([(S, "E", "a", "SHA1", 6, 30)])).replace('s": 6', 's": "six"'),
        "entry 1: TOTP digits",
        id="aegis-digits-text",
    ),
    pytest.param('{"services": {"a": 1}}', "services is not a list", id="2fas-services-dict"),
    pytest.param(
        json.dumps(bitwarden_export([(S, "E", "a", "SHA1", 6, 30)])).replace(S, "JBSW1"),
        "item 1",
        id="bitwarden-bad-totp",
    ),
    pytest.param('{"items": [{"name": 5, "login": {"totp": "x"}}]}', "not text", id="bw-name"),
    pytest.param("# nothing but a comment\n\n", "is empty", id="only-comments"),
    pytest.param("", "is empty", id="empty-file"),
    pytest.param(b"\x00\x01\x02\xfe\xff binary", "neither text nor an image", id="binary"),
    pytest.param(b"\x89PNG\r\n\x1a\n truncated", "could not be read as an image", id="bad-png"),
]


@pytest.mark.parametrize(("content", "reason"), MALFORMED)
def test_malformed_input_is_invalid_data_naming_source_and_reason(
    tmp_path: Path, content: str | bytes, reason: str
) -> None:
    source = write(tmp_path / "export.txt", content)
    with pytest.raises(InvalidData) as caught:
        read(source)
    assert str(source) in caught.value.message
    assert reason in caught.value.message


@pytest.mark.parametrize(("content", "reason"), MALFORMED)
def test_malformed_input_exits_65_without_changing_the_vault(
    rv: RV, vf: VaultFile, tmp_path: Path, content: str | bytes, reason: str
) -> None:
    before = vf.path.read_bytes()
    source = write(tmp_path / "export.txt", content)
    res = rv("import", str(source), "--yes")
    assert res.code == 65, res.stderr
    assert_error_only(res.stderr, reason, str(source))
    assert res.stdout == ""
    assert vf.path.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    [
        f"otpauth://totp/E:a?secret={S}&digits=abc",
        migration_link(b"\x0b" + GOOD),
        '{"db": {"entries": [',
    ],
    ids=["uri", "protobuf", "json"],
)
def test_malformed_input_in_a_real_process(
    cli_env: dict[str, str], vf: VaultFile, tmp_path: Path, content: str
) -> None:
    res = rvault_import(cli_env, str(write(tmp_path / "export.txt", content)), "--yes")
    assert res.returncode == 65
    assert_error_only(res.stderr)


# --- encrypted exports ---------------------------------------------------------------------

AEGIS_ENCRYPTED = {
    "version": 1,
    "header": {
        "slots": [
            {
                "type": 1,
                "uuid": "5c4f1a2b-0000-4000-8000-000000000001",
                "key": "491d44550430ce6ad1b2a6d2e63d8b4a",
                "key_params": {"nonce": "0123456789abcdef01234567", "tag": "00" * 16},
                "n": 32768,
                "r": 8,
                "p": 1,
                "salt": "ab" * 32,
                "repaired": True,
            }
        ],
        "params": {"nonce": "0123456789abcdef01234567", "tag": "00" * 16},
    },
    "db": base64.b64encode(b"FAKE ciphertext, not a real Aegis vault").decode(),
}
TWOFAS_ENCRYPTED = {
    "services": [],
    "groups": [],
    "updatedAt": 1767312000000,
    "schemaVersion": 4,
    "appVersionCode": 5000012,
    "appVersionName": "5.0.0",
    "appOrigin": "android",
    "servicesEncrypted": "RkFLRQ==:RkFLRQ==:RkFLRQ==",
    "reference": "RkFLRQ==:RkFLRQ==:RkFLRQ==",
}
# "Account restricted": the items are kept, each value encrypted with the account's key.
BITWARDEN_ACCOUNT_RESTRICTED = {
    "encrypted": True,
    "encKeyValidation_DO_NOT_EDIT": "2.RkFLRQ==|RkFLRQ==|RkFLRQ==",
    "folders": [],
    "items": [
        {
            "type": 1,
            "name": "2.RkFLRQ==|RkFLRQ==|RkFLRQ==",
            "login": {"username": "2.RkFLRQ==|x|y", "totp": "2.RkFLRQ==|x|y"},
        }
    ],
}
# "Password protected": the whole vault is one encrypted string (Bitwarden's clients,
# libs/tools/export/.../base-vault-export.service.ts, buildPasswordExport).
BITWARDEN_PASSWORD_PROTECTED = {
    "encrypted": True,
    "passwordProtected": True,
    "salt": "RkFLRSBzYWx0IDEyMzQ1Ng==",
    "kdfType": 0,
    "kdfIterations": 600000,
    "encKeyValidation_DO_NOT_EDIT": "2.RkFLRQ==|RkFLRQ==|RkFLRQ==",
    "data": "2.RkFLRQ==|RkFLRQ==|RkFLRQ==",
}


@pytest.mark.parametrize(
    ("export", "reason", "hint"),
    [
        pytest.param(AEGIS_ENCRYPTED, "encrypted Aegis export", "encryption", id="aegis"),
        pytest.param(TWOFAS_ENCRYPTED, "password-protected 2FAS backup", "2FAS", id="2fas"),
        pytest.param(
            BITWARDEN_ACCOUNT_RESTRICTED,
            "encrypted Bitwarden export",
            "JSON (Encrypted)",
            id="bitwarden-account-restricted",
        ),
        pytest.param(
            BITWARDEN_PASSWORD_PROTECTED,
            "encrypted Bitwarden export",
            "JSON (Encrypted)",
            id="bitwarden-password-protected",
        ),
    ],
)
def test_encrypted_exports_are_refused_with_a_hint(
    rv: RV, vf: VaultFile, tmp_path: Path, export: dict[str, Any], reason: str, hint: str
) -> None:
    before = vf.path.read_bytes()
    source = write(tmp_path / "export.json", json.dumps(export, indent=2))
    res = rv("import", str(source), "--yes")
    assert res.code == 65, res.stderr
    assert_error_only(res.stderr, reason)
    assert hint in res.stderr.splitlines()[1]
    assert vf.path.read_bytes() == before


def test_encrypted_export_in_a_real_process(
    cli_env: dict[str, str], vf: VaultFile, tmp_path: Path
) -> None:
    source = write(tmp_path / "aegis.json", json.dumps(AEGIS_ENCRYPTED))
    res = rvault_import(cli_env, str(source), "--yes")
    assert res.returncode == 65
    assert_error_only(res.stderr, "encrypted Aegis export")
    assert res.stderr.splitlines()[1].startswith("hint: export again from Aegis")


# --- the samples in examples/ --------------------------------------------------------------

# file -> (entries it makes in an empty vault, labels of what it skips)
EXAMPLE_IMPORTS: dict[str, tuple[dict[str, tuple[Any, ...]], list[str]]] = {
    "otpauth-links.txt": (
        {
            "Example Mail": (
                "FAKESEEDLINKSMAILAAAAAAAAAAAAAAA",
                DEFAULT,
                "Example Mail",
                "alice@example.com",
                None,
            ),
            "Example Bank": (
                "FAKESEEDLINKSBANKAAAAAAAAAAAAAAA",
                SHA256_8_60,
                "Example Bank",
                "alice@example.com",
                None,
            ),
            "Example Cloud": (
                "FAKESEEDLINKSCLOUDAAAAAAAAAAAAAA",
                DEFAULT,
                "Example Cloud",
                "alice@example.com",
                None,
            ),
            "Example Git": (
                "FAKESEEDLINKSGITAAAAAAAAAAAAAAAA",
                DEFAULT,
                "Example Git",
                "alice",
                None,
            ),
            "Example Shop": (
                "FAKESEEDGOOGLESHOPAAAAAAAAAAAAAA",
                OtpSettings("SHA512"),
                "Example Shop",
                "alice@example.com",
                None,
            ),
            "Example Forum": (
                "FAKESEEDGOOGLEFORUMAAAAAAAAAAAAA",
                OtpSettings(digits=8),
                "Example Forum",
                "alice",
                None,
            ),
        },
        ["Example VPN (alice)"],
    ),
    "aegis-export.json": (
        {
            "Example Mail": (
                "FAKESEEDAEGISMAILAAAAAAAAAAAAAAA",
                DEFAULT,
                "Example Mail",
                "alice@example.com",
                'Personal mail. Backup codes are in rvault as "Example Mail codes".',
            ),
            "Example Bank": (
                "FAKESEEDAEGISBANKAAAAAAAAAAAAAAA",
                SHA256_8_60,
                "Example Bank",
                "alice@example.com",
                None,
            ),
            # Same issuer as the first: the account tells the two apart.
            "Example Mail (alice.work@example.com)": (
                "FAKESEEDAEGISWORKAAAAAAAAAAAAAAA",
                DEFAULT,
                "Example Mail",
                "alice.work@example.com",
                None,
            ),
        },
        ["Example Forum (alice)", "Steam (alice_example)"],
    ),
    "2fas-export.2fas": (
        {
            "Example Cloud": (
                "FAKESEED2FASCLOUDAAAAAAAAAAAAAAA",
                DEFAULT,
                "Example Cloud",
                "alice@example.com",
                None,
            ),
            "Example Bank": (
                "FAKESEED2FASBANKAAAAAAAAAAAAAAAA",
                SHA256_8_60,
                "Example Bank",
                "alice@example.com",
                None,
            ),
        },
        ["Example VPN (alice)", "Steam (alice_example)"],
    ),
    "bitwarden-export.json": (
        {
            "Example Shop": (
                "FAKESEEDBITWARDENSHOPAAAAAAAAAAA",
                SHA256_8_60,
                "Example Shop",
                "alice@example.com",
                None,
            ),
            # A bare seed, typed lower case in groups of four: the item names the account.
            "Example Git": (
                "FAKESEEDBITWARDENGITAAAAAAAAAAAA",
                DEFAULT,
                "Example Git",
                "alice",
                None,
            ),
        },
        ["Steam (alice_example)"],
    ),
}


@pytest.mark.parametrize("name", sorted(EXAMPLE_IMPORTS))
def test_example_imports_exactly_as_documented(
    cli_env: dict[str, str], vf: VaultFile, name: str
) -> None:
    expected, skipped = EXAMPLE_IMPORTS[name]
    res = rvault_import(cli_env, str(EXAMPLES / name), "--yes", "--tag", "imported")
    assert res.returncode == 0, res.stderr
    assert entries(vf) == {n: (*v, ["imported"]) for n, v in expected.items()}
    assert f"To import ({len(expected)}):" in res.stderr
    assert f"Skipped ({len(skipped)}):" in res.stderr
    for label in skipped:
        assert f"  {label}  " in res.stderr
    assert f"Imported {len(expected)} entr" in res.stderr
    assert f"delete {EXAMPLES / name}" in res.stderr
    # The preview names accounts; no seed (all spell FAKESEED...) reaches the terminal.
    shown = (res.stdout + res.stderr).upper().replace(" ", "")
    assert "FAKESEED" not in shown
    assert res.stdout == ""


@pytest.mark.parametrize("name", sorted(EXAMPLE_IMPORTS))
def test_example_reads_the_same_through_the_library(name: str) -> None:
    expected, skipped = EXAMPLE_IMPORTS[name]
    batch = read(EXAMPLES / name)
    assert sorted(a.secret for a in accounts(batch)) == sorted(v[0] for v in expected.values())
    assert [s.label for s in batch.skipped] == skipped
    planned, duplicates = plan_import(Vault(), batch)
    assert [p.entry.name for p in planned] == list(expected)
    assert duplicates == []


def test_example_skip_reasons() -> None:
    reasons = {name: [s.reason for s in read(EXAMPLES / name).skipped] for name in EXAMPLE_IMPORTS}
    assert reasons == {
        "otpauth-links.txt": ["counter-based (HOTP) codes are not supported, only time-based TOTP"],
        "aegis-export.json": [
            "Aegis hotp entries are not supported",
            "Aegis steam entries are not supported",
        ],
        "2fas-export.2fas": [
            "2FAS HOTP tokens are not supported",
            "2FAS STEAM tokens are not supported",
        ],
        "bitwarden-export.json": ["Steam Guard codes are not supported"],
    }


def bitwarden_plain_values() -> list[str]:
    """Every password, note and custom field value in the Bitwarden sample."""
    doc = json.loads((EXAMPLES / "bitwarden-export.json").read_text())
    values = []
    for item in doc["items"]:
        login = item.get("login") or {}
        values += [login.get("password"), item.get("notes")]
        values += [h["password"] for h in item.get("passwordHistory") or []]
        values += [f["value"] for f in item.get("fields") or []]
    return [v for v in values if v]


def test_bitwarden_passwords_never_reach_the_vault(cli_env: dict[str, str], vf: VaultFile) -> None:
    values = bitwarden_plain_values()
    assert len(values) == 8  # 4 passwords, an old one, a note, a PIN field, a secure note
    res = rvault_import(cli_env, str(EXAMPLES / "bitwarden-export.json"), "--yes")
    assert res.returncode == 0, res.stderr
    assert "2 item(s) without a TOTP seed were left alone" in res.stderr
    payload = vf.load(PASSPHRASE).to_bytes().decode()
    for value in values:
        assert value not in payload
        assert value not in res.stdout + res.stderr


# --- QR images and screenshots -------------------------------------------------------------


def test_import_png_of_an_otpauth_link(
    cli_env: dict[str, str], vf: VaultFile, tmp_path: Path
) -> None:
    secret = b32(seed("qr", 20))
    link = (
        f"otpauth://totp/Example%20Bank:alice%40example.com?secret={secret}"
        "&issuer=Example%20Bank&algorithm=SHA256&digits=8&period=60"
    )
    image = write(tmp_path / "qr.png", png_bytes(qr_image(link)))
    res = rvault_import(cli_env, str(image), "--yes")
    assert res.returncode == 0, res.stderr
    assert entries(vf) == {
        "Example Bank": (secret, SHA256_8_60, "Example Bank", "alice@example.com", None, [])
    }
    assert secret not in res.stdout + res.stderr


def test_import_jpeg_screenshot_of_a_google_transfer(
    cli_env: dict[str, str], vf: VaultFile, tmp_path: Path
) -> None:
    google = [g for g, _ in GOOGLE[:3]]
    shot = screenshot([migration_link(payload_bytes(google))], scale=0.75, jpeg_quality=60)
    image = write(tmp_path / "Screenshot_20260102-124100.jpg", shot)
    res = rvault_import(cli_env, str(image), "--yes")
    assert res.returncode == 0, res.stderr
    assert entries(vf) == {
        a.issuer: (a.secret, a.settings, a.issuer, a.account, None, []) for _, a in GOOGLE[:3]
    }


def test_import_multi_part_google_export_as_images(
    cli_env: dict[str, str], vf: VaultFile, tmp_path: Path
) -> None:
    links = migration_parts(NINE, 3, BATCH_ID)
    images = [
        write(tmp_path / "part1.png", png_bytes(qr_image(links[0]))),
        write(tmp_path / "part2.jpg", screenshot([links[1]], scale=0.9, jpeg_quality=75)),
        write(tmp_path / "part3.png", screenshot([links[2]], scale=1.3, jpeg_quality=None)),
    ]
    res = rvault_import(cli_env, *map(str, images), "--yes")
    assert res.returncode == 0, res.stderr
    assert "warning" not in res.stderr
    got = entries(vf)
    assert {(s, o, i, a) for s, o, i, a, _, _ in got.values()} == {
        (x.secret, x.settings, x.issuer, x.account) for x in NINE_READ
    }
    assert sorted(got) == sorted(f"Service {i}" for i in range(1, 10))


def test_import_images_with_a_part_missing_warns(
    cli_env: dict[str, str], vf: VaultFile, tmp_path: Path
) -> None:
    links = migration_parts(NINE, 3, BATCH_ID)
    images = [write(tmp_path / f"p{n}.png", png_bytes(qr_image(links[n]))) for n in (0, 1)]
    res = rvault_import(cli_env, *map(str, images), "--yes")
    assert res.returncode == 0, res.stderr
    assert f"warning: Google Authenticator export {BATCH_ID}: part 3 of 3" in res.stderr
    assert len(entries(vf)) == 6


def blank_page() -> bytes:
    from PIL import Image, ImageDraw

    page = Image.new("L", (600, 400), 255)
    ImageDraw.Draw(page).text((20, 20), "Scan the QR code below", fill=0)
    return png_bytes(page)


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        pytest.param(blank_page(), "no readable QR code found", id="no-qr"),
        pytest.param(
            png_bytes(qr_image("https://example.com/setup")),
            "the QR code in it is not an otpauth:// link",
            id="other-qr",
        ),
        pytest.param(
            png_bytes(qr_image("otpauth://totp/Example:alice?issuer=Example")),
            "no secret= parameter",
            id="qr-link-without-secret",
        ),
    ],
)
def test_unusable_images_exit_65(
    cli_env: dict[str, str], vf: VaultFile, tmp_path: Path, image: bytes, reason: str
) -> None:
    before = vf.path.read_bytes()
    source = write(tmp_path / "shot.png", image)
    res = rvault_import(cli_env, str(source), "--yes")
    assert res.returncode == 65, res.stderr
    assert_error_only(res.stderr, reason, str(source))
    assert vf.path.read_bytes() == before


# --- duplicates and names ------------------------------------------------------------------


def test_importing_the_same_file_twice_imports_nothing_new(
    cli_env: dict[str, str], vf: VaultFile
) -> None:
    source = str(EXAMPLES / "otpauth-links.txt")
    assert rvault_import(cli_env, source, "--yes").returncode == 0
    before = vf.path.read_bytes()
    res = rvault_import(cli_env, source, "--yes")
    assert res.returncode == 0, res.stderr
    assert "Nothing new to import." in res.stderr
    assert "To import" not in res.stderr
    assert "already in the vault as 'Example Mail'" in res.stderr
    assert vf.path.read_bytes() == before
    assert len(entries(vf)) == 6


def test_account_already_in_the_vault_is_skipped(cli_env: dict[str, str], vf: VaultFile) -> None:
    typed = "fake seed link smai laaa aaaa aaaa aaaa\n"  # the Example Mail seed, as typed
    res = run_rvault(["add", "My mail", "--kind", "totp"], cli_env, stdin=typed)
    assert res.returncode == 0, res.stderr
    res = rvault_import(cli_env, str(EXAMPLES / "otpauth-links.txt"), "--yes")
    assert res.returncode == 0, res.stderr
    assert "Example Mail (alice@example.com)  already in the vault as 'My mail'" in res.stderr
    got = entries(vf)
    assert "Example Mail" not in got
    assert len(got) == 6  # My mail + the 5 other accounts
    assert got["My mail"][0] == "FAKESEEDLINKSMAILAAAAAAAAAAAAAAA"


def test_names_stay_unique(tmp_path: Path) -> None:
    vault = Vault()
    vault.add(Entry(name="Example Mail", kind="note", secret="taken by a note"))
    same = [
        (b32(seed("m1")), "Example Mail", "alice@example.com", "SHA1", 6, 30),
        (b32(seed("m2")), "Example Mail", "alice@example.com", "SHA1", 6, 30),
        (b32(seed("m3")), "Example Mail", "bob@example.com", "SHA1", 6, 30),
        (b32(seed("m4")), "", "", "SHA1", 6, 30),
    ]
    batch = read(write(tmp_path / "aegis.json", json.dumps(aegis_export(same))))
    planned, duplicates = plan_import(vault, batch, ["a", "b", "a"])
    assert [p.entry.name for p in planned] == [
        "Example Mail (alice@example.com)",
        "Example Mail (alice@example.com) 2",
        "Example Mail (bob@example.com)",
        "TOTP",
    ]
    assert all(p.entry.tags == ["a", "b"] for p in planned)
    assert duplicates == []


def test_same_seed_twice_in_the_input_is_kept_once(tmp_path: Path) -> None:
    secret = b32(seed("twice"))
    text = (
        f"otpauth://totp/Example:alice?secret={secret}\n"
        f"otpauth://totp/Example:alice?secret={secret.lower()}\n"
        f"otpauth://totp/Other:bob?secret={secret}\n"
    )
    batch = read(write(tmp_path / "links.txt", text))
    assert accounts(batch) == [OtpAccount(secret, DEFAULT, "Example", "alice")]
    assert batch.skipped == [
        Skipped("Other (bob)", "same seed as Example (alice)", str(tmp_path / "links.txt"))
    ]


def test_plan_skips_seeds_already_held(vf: VaultFile, tmp_path: Path) -> None:
    vf.add(PASSPHRASE, Entry(name="Mine", kind="totp", secret=b32(seed("mail")).lower()))
    batch = read(write(tmp_path / "g.txt", migration_link(payload_bytes([g for g, _ in GOOGLE]))))
    planned, duplicates = plan_import(vf.load(PASSPHRASE), batch)
    assert len(planned) == len(GOOGLE) - 1
    assert [(d.label, d.reason) for d in duplicates] == [
        ("Example Mail (alice@example.com)", "already in the vault as 'Mine'")
    ]


# --- safety --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arg",
    [
        f"otpauth://totp/Example:alice?secret={b32(seed('argv'))}&issuer=Example",
        "OTPAUTH-MIGRATION://offline?data=" + base64.b64encode(GOOD).decode(),
    ],
    ids=["otpauth", "migration"],
)
def test_link_on_the_command_line_is_refused(
    cli_env: dict[str, str], vf: VaultFile, arg: str
) -> None:
    before = vf.path.read_bytes()
    res = rvault_import(cli_env, arg, "--yes")
    assert res.returncode == 2
    assert_error_only(res.stderr, "shell history")
    assert "rvault import -" in res.stderr
    assert b32(seed("argv")) not in res.stderr
    assert vf.path.read_bytes() == before


def test_without_yes_and_without_a_terminal_nothing_changes(
    cli_env: dict[str, str], vf: VaultFile
) -> None:
    before = vf.path.read_bytes()
    res = rvault_import(cli_env, str(EXAMPLES / "aegis-export.json"))
    assert res.returncode == 2
    assert "To import (3):" in res.stderr  # the preview came first
    assert "rvault: error: no terminal to confirm the import on" in res.stderr
    assert "hint: pass --yes" in res.stderr
    assert vf.path.read_bytes() == before
    assert entries(vf) == {}


def test_dry_run_changes_nothing(cli_env: dict[str, str], vf: VaultFile) -> None:
    listing = sorted(os.listdir(vf.path.parent))
    before = vf.path.read_bytes()
    res = rvault_import(cli_env, str(EXAMPLES / "2fas-export.2fas"), "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "To import (2):" in res.stderr
    assert "Dry run: nothing was imported." in res.stderr
    assert vf.path.read_bytes() == before
    assert sorted(os.listdir(vf.path.parent)) == listing


def test_import_leaves_no_plaintext_behind(cli_env: dict[str, str], tmp_path: Path) -> None:
    home = tmp_path / "vault-dir"
    vault = VaultFile(home / "v.rvault")
    vault.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    image = write(tmp_path / "qr.png", png_bytes(qr_image(migration_link(GOOD))))
    env = {**cli_env, "RVAULT_FILE": str(vault.path), "TMPDIR": str(scratch)}
    sources = [str(EXAMPLES / n) for n in sorted(EXAMPLE_IMPORTS)] + [str(image)]
    res = rvault_import(env, *sources, "--yes")
    assert res.returncode == 0, res.stderr
    assert "Imported 14 entries." in res.stderr
    assert sorted(os.listdir(home)) == ["v.rvault", "v.rvault.bak", "v.rvault.lock"]
    assert os.listdir(scratch) == []
    for path in home.iterdir():
        data = path.read_bytes()
        assert b"FAKESEED" not in data
        assert b"alice" not in data
    assert len(vault.load(PASSPHRASE).entries) == 14


def test_links_on_stdin(cli_env: dict[str, str], vf: VaultFile) -> None:
    links = (EXAMPLES / "otpauth-links.txt").read_text()
    res = rvault_import(cli_env, "-", "--yes", stdin=links)
    assert res.returncode == 0, res.stderr
    assert "Imported 6 entries." in res.stderr
    assert "delete" not in res.stderr  # nothing on disk to delete
    expected, _ = EXAMPLE_IMPORTS["otpauth-links.txt"]
    assert entries(vf) == {n: (*v, []) for n, v in expected.items()}


def test_links_and_passphrase_cannot_both_come_from_stdin(
    cli_env: dict[str, str], vf: VaultFile
) -> None:
    env = {k: v for k, v in cli_env.items() if k != "RVAULT_PASSPHRASE_FILE"}
    res = rvault_import(env, "-", "--passphrase-file", "-", "--yes", stdin=PASSPHRASE + "\n")
    assert res.returncode == 2
    assert_error_only(res.stderr, "stdin")


def test_nothing_importable_is_an_error(rv: RV, vf: VaultFile, tmp_path: Path) -> None:
    only_hotp = write(tmp_path / "hotp.txt", f"otpauth://hotp/E:a?secret={S}&counter=1\n")
    res = rv("import", str(only_hotp), "--yes")
    assert res.code == 65
    assert "Skipped (1):" in res.stderr
    assert "rvault cannot hold any of these accounts" in res.stderr
    empty = write(tmp_path / "empty.json", '{"services": []}')
    res = rv("import", str(empty), "--yes")
    assert res.code == 65
    assert_error_only(res.stderr, "no TOTP accounts found")


# --- properties: random accounts through Google's runtime and the JSON formats -------------

# Names as people and services write them, without colons (tested above) and without the
# control characters and runs of spaces rvault tidies away.
_word = st.text(
    st.characters(categories=["L", "N", "P", "S"], exclude_characters=":"), min_size=1, max_size=8
)
_name = st.lists(_word, max_size=3).map(" ".join)
_google = st.builds(
    GoogleAccount,
    secret=st.binary(min_size=1, max_size=64),
    name=_name,
    issuer=_name,
    algorithm=st.sampled_from([1, 2, 3]),
    digits=st.sampled_from([1, 2]),
)


def expected_google(google: GoogleAccount, prefixed: bool) -> tuple[GoogleAccount, OtpAccount]:
    """The account as exported (with 'Issuer:' before the name if prefixed) and as read."""
    name = f"{google.issuer}:{google.name}" if prefixed and google.issuer else google.name
    exported = GoogleAccount(google.secret, name, google.issuer, google.algorithm, google.digits)
    settings_ = OtpSettings(
        {1: "SHA1", 2: "SHA256", 3: "SHA512"}[google.algorithm], {1: 6, 2: 8}[google.digits]
    )
    read_ = OtpAccount(b32(google.secret), settings_, google.issuer or None, google.name or None)
    return exported, read_


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(_google, st.booleans()), min_size=1, max_size=8, unique_by=lambda t: t[0].secret
    ),
    st.integers(-(2**31), 2**31 - 1),
    st.data(),
)
def test_google_round_trip(
    pairs: list[tuple[GoogleAccount, bool]], batch_id: int, data: st.DataObject
) -> None:
    made = [expected_google(g, prefixed) for g, prefixed in pairs if g.name != g.issuer]
    if not made:
        return
    count = data.draw(st.integers(1, len(made)), label="parts")
    links = migration_parts([g for g, _ in made], count, batch_id)
    order = data.draw(st.permutations(range(count)), label="order")
    with tempfile.TemporaryDirectory() as tmp:
        paths = [write(Path(tmp) / f"{i}.txt", links[i]) for i in order]
        batch = read(*paths)
        assert sorted(accounts(batch), key=lambda a: a.secret) == sorted(
            (r for _, r in made), key=lambda a: a.secret
        )
        # Seeds under 80 bits import, each with a warning that it looks cut short.
        short = [w for w in batch.warnings if "shorter than services issue" in w]
        assert batch.skipped == [] and batch.warnings == short
        assert len(short) == sum(len(g.secret) < 10 for g, _ in made)
        if count > 1:
            dropped = data.draw(st.sampled_from(order), label="dropped")
            partial = read(*(p for i, p in zip(order, paths, strict=True) if i != dropped))
            missing = [w for w in partial.warnings if "was not given" in w]
            assert len(missing) == 1
            assert f"part {dropped + 1} of {count} was not given" in missing[0]
            assert len(partial.found) == len(made) - len(made[dropped::count])


_plain: st.SearchStrategy[Plain] = st.tuples(
    st.binary(min_size=10, max_size=40).map(b32),
    _name.filter(bool),
    _name,
    st.sampled_from(["SHA1", "SHA256", "SHA512"]),
    st.sampled_from([6, 8]),
    st.integers(1, 3600),
)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([aegis_export, twofas_export, bitwarden_export]),
    st.lists(_plain, min_size=1, max_size=6, unique_by=lambda p: p[0]),
)
def test_json_export_round_trip(build: Any, plain: list[Plain]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        batch = read(write(Path(tmp) / "export.json", json.dumps(build(plain))))
    assert accounts(batch) == [
        OtpAccount(secret, OtpSettings(algorithm, digits, period), issuer, account or None)
        for secret, issuer, account, algorithm, digits, period in plain
    ]


def import_into_a_new_vault(source: Path) -> Vault:
    """What `rvault import` does with a source, up to the payload it would encrypt."""
    vault = Vault()
    for item in plan_import(vault, read(source))[0]:
        vault.add(item.entry)
    vault.to_bytes()
    return vault


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_damaged_payloads_never_escape_as_other_errors(data: st.DataObject) -> None:
    good = payload_bytes([g for g, _ in GOOGLE], batch_size=2, batch_index=1, batch_id=-5)
    how = data.draw(st.sampled_from(["random", "flip", "cut", "splice"]))
    if how == "random":
        payload = data.draw(st.binary(max_size=200))
    elif how == "flip":
        at = data.draw(st.integers(0, len(good) - 1))
        payload = good[:at] + bytes([good[at] ^ data.draw(st.integers(1, 255))]) + good[at + 1 :]
    elif how == "cut":
        payload = good[: data.draw(st.integers(0, len(good) - 1))]
    else:
        at = data.draw(st.integers(0, len(good)))
        payload = good[:at] + data.draw(st.binary(min_size=1, max_size=12)) + good[at:]
    with tempfile.TemporaryDirectory() as tmp:
        source = write(Path(tmp) / "g.txt", migration_link(payload))
        # InvalidData is a reason for the person (exit 65); anything else would be a crash.
        with contextlib.suppress(InvalidData):
            import_into_a_new_vault(source)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_keys = st.sampled_from(
    [
        "db",
        "header",
        "entries",
        "info",
        "secret",
        "type",
        "name",
        "issuer",
        "note",
        "algo",
        "digits",
        "period",
        "services",
        "servicesEncrypted",
        "otp",
        "tokenType",
        "items",
        "login",
        "totp",
        "username",
        "encrypted",
    ]
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            {"header": {}, "db": {"entries": [{"type": "totp", "info": {"secret": S}}]}},
            {"services": [{"name": "N", "secret": S, "otp": {"tokenType": "TOTP"}}]},
            {"items": [{"name": "N", "login": {"username": "u", "totp": S}}]},
        ]
    ),
    st.lists(st.tuples(st.lists(_keys, min_size=1, max_size=4), _json), max_size=4),
)
def test_odd_json_never_escapes_as_other_errors(
    base: dict[str, Any], changes: list[tuple[list[str], Any]]
) -> None:
    doc = json.loads(json.dumps(base))
    for path, value in changes:  # graft values of any type at random places
        node: Any = doc
        for key in path[:-1]:
            if isinstance(node, list) and node:
                node = node[0]
            if isinstance(node, dict):
                node = node.setdefault(key, {})
        if isinstance(node, list) and node:
            node = node[0]
        if isinstance(node, dict):
            node[path[-1]] = value
    with tempfile.TemporaryDirectory() as tmp:
        source = write(Path(tmp) / "export.json", json.dumps(doc))
        with contextlib.suppress(InvalidData):
            import_into_a_new_vault(source)


# --- regressions: bugs these tests found in vault/ -----------------------------------------


def test_deeply_nested_json_is_invalid_data(tmp_path: Path) -> None:
    source = write(tmp_path / "deep.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(InvalidData):
        read(source)


@pytest.mark.parametrize("field", ["name", "note"])
def test_lone_surrogate_in_an_export_is_invalid_data_or_dropped(tmp_path: Path, field: str) -> None:
    doc = aegis_export([(S, "Example", "alice", "SHA1", 6, 30)], notes=["note"])
    doc["db"]["entries"][0][field] = "x\ud800y"
    source = write(tmp_path / "aegis.json", json.dumps(doc))
    with pytest.raises(InvalidData, match=f"{field} is not valid text"):
        import_into_a_new_vault(source)


@pytest.mark.parametrize("odd", ["\u00ad", "\ue000", "\u0600", "\U000e0041"])
def test_invisible_characters_in_an_issuer_are_dropped(tmp_path: Path, odd: str) -> None:
    doc = aegis_export([(S, f"Exam{odd}ple", "alice", "SHA1", 6, 30)])
    batch = read(write(tmp_path / "aegis.json", json.dumps(doc)))
    planned, _ = plan_import(Vault(), batch)
    assert [p.entry.name for p in planned] == ["Example"]


def test_a_file_named_otpauth_is_not_mistaken_for_a_link(
    cli_env: dict[str, str], vf: VaultFile
) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "vault", "import", "otpauth-links.txt", "--dry-run"],
        cwd=EXAMPLES,
        env=cli_env,
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr


def test_error_for_a_link_without_secret_key_does_not_echo_the_seed(tmp_path: Path) -> None:
    secret = b32(seed("echo"))
    source = write(tmp_path / "links.txt", f"otpauth://totp/Example:alice?{secret}&issuer=E\n")
    with pytest.raises(InvalidData) as caught:
        read(source)
    assert secret.lower() not in caught.value.message.lower()


# --- issue 12: hardening from the adversarial review ---------------------------------------

HUGE = "9" * 5000  # past Python's 4,300-digit limit for int(str)


def assert_refused(res: Run, vf: VaultFile, before: bytes, *words: str) -> None:
    """Exit 65 with one error line (and maybe a hint), nothing on stdout, the vault untouched."""
    assert res.code == 65, res.stderr
    assert_error_only(res.stderr, *words)
    assert res.stdout == ""
    assert vf.path.read_bytes() == before


@pytest.mark.parametrize(
    "doc",
    [
        {"encKeyValidation_DO_NOT_EDIT": "2.RkFLRQ==|RkFLRQ==|RkFLRQ=="},
        {"encrypted": False, "encKeyValidation_DO_NOT_EDIT": "x", "folders": []},
    ],
    ids=["validation-only", "encrypted-false"],
)
def test_bitwarden_like_json_without_items_exits_65(
    rv: RV, vf: VaultFile, tmp_path: Path, doc: dict[str, Any]
) -> None:
    before = vf.path.read_bytes()
    source = write(tmp_path / "bitwarden.json", json.dumps(doc))
    assert_refused(rv("import", str(source), "--yes"), vf, before, "encrypted Bitwarden export")


LONG_NUMBERS = [
    pytest.param(f"otpauth://totp/E:a?secret={S}&digits={HUGE}", id="link-digits"),
    pytest.param(f"otpauth://totp/E:a?secret={S}&period={'0' * 4999}7{HUGE}", id="link-period"),
    pytest.param(json.dumps(aegis_export([(S, "E", "a", "SHA1", HUGE, 30)])), id="aegis-digits"),
    pytest.param(json.dumps(aegis_export([(S, "E", "a", "SHA1", 6, HUGE)])), id="aegis-period"),
    pytest.param(json.dumps(twofas_export([(S, "E", "a", "SHA1", HUGE, 30)])), id="2fas-digits"),
    pytest.param(json.dumps(twofas_export([(S, "E", "a", "SHA1", 6, HUGE)])), id="2fas-period"),
    pytest.param(
        json.dumps(bitwarden_export([(S, "E", "a", "SHA1", HUGE, 30)])),
        id="bitwarden-digits",
    ),
]


@pytest.mark.parametrize("content", LONG_NUMBERS)
def test_digits_or_period_of_thousands_of_digits_exit_65(
    rv: RV, vf: VaultFile, tmp_path: Path, content: str
) -> None:
    before = vf.path.read_bytes()
    source = write(tmp_path / "export.txt", content)
    res = rv("import", str(source), "--yes")
    assert_refused(res, vf, before, "not a plausible value", str(source))
    assert len(res.stderr) < 300  # the number is not echoed whole


def test_long_digits_in_a_link_on_stdin_exit_65(rv: RV, vf: VaultFile) -> None:
    before = vf.path.read_bytes()
    res = rv("import", "-", "--yes", stdin=f"otpauth://totp/E:a?secret={S}&digits={HUGE}\n")
    assert_refused(res, vf, before, "not a plausible value")


def test_leading_zeros_do_not_make_a_setting_implausible(tmp_path: Path) -> None:
    link = f"otpauth://totp/E:a?secret={S}&digits={'0' * 5000}8&period={'0' * 5000}60"
    [account] = accounts(read(write(tmp_path / "links.txt", link)))
    assert account.settings == OtpSettings("SHA1", 8, 60)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(f"otpauth://totp/E:a?secret={S}\n".encode() + b"\xff\xfe", id="link"),
        pytest.param(
            b'{"items": [{"name": "\xff", "login": {"totp": "JBSWY3DPEHPK3PXP"}}]}', id="json"
        ),
    ],
)
def test_invalid_utf8_on_stdin_exits_65(rv: RV, vf: VaultFile, data: bytes) -> None:
    before = vf.path.read_bytes()
    assert_refused(rv("import", "-", "--yes", stdin=data), vf, before, "neither text nor an image")


def test_qr_image_on_stdin_is_read(rv: RV, vf: VaultFile) -> None:
    link = f"otpauth://totp/Example:alice?secret={S}&issuer=Example"
    res = rv("import", "-", "--yes", stdin=png_bytes(qr_image(link)))
    assert res.code == 0, res.stderr
    assert entries(vf)["Example"][:4] == (S, DEFAULT, "Example", "alice")
    assert "delete" not in res.stderr  # there is no file to delete


def test_jpeg_screenshot_on_stdin_is_read(rv: RV, vf: VaultFile) -> None:
    link = migration_link(payload_bytes([g for g, _ in GOOGLE]))
    res = rv("import", "-", "--yes", stdin=screenshot([link]))
    assert res.code == 0, res.stderr
    assert len(entries(vf)) == len(GOOGLE)


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        pytest.param(png_bytes(qr_image("hello")), "not an otpauth:// link", id="other-qr"),
        pytest.param(b"\x89PNG\r\n\x1a\n truncated", "could not be read as an image", id="bad-png"),
        pytest.param(
            b"\xff\xd8\xff" + b"\x00" * 64, "could not be read as an image", id="bad-jpeg"
        ),
    ],
)
def test_unusable_image_on_stdin_exits_65(rv: RV, vf: VaultFile, image: bytes, reason: str) -> None:
    before = vf.path.read_bytes()
    res = rv("import", "-", "--yes", stdin=image)
    assert_refused(res, vf, before, "the image on stdin", reason)
    assert "No such file" not in res.stderr


def test_image_on_stdin_is_bounded_like_an_image_file(
    rv: RV, vf: VaultFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vault.otp.imports

    monkeypatch.setattr(vault.otp.imports, "MAX_IMAGE_BYTES", 1024 * 1024)
    before = vf.path.read_bytes()
    big = b"\x89PNG\r\n\x1a\n" + bytes(1024 * 1024)
    assert_refused(rv("import", "-", "--yes", stdin=big), vf, before, "larger than 1 MiB")
