"""Fuzz-style tests, one per parser: whatever the input, only rvault's own errors escape.

Each parser gets arbitrary input and mutations (bit flips, cuts, insertions) of real input:
a real vault file, real kit frames and typed lines, the example exports in examples/, real
links. Anything but a VaultError (which the CLI prints as one line with its exit code) is a
crash. Runs are derandomized and keep no example database, so CI sees the same inputs every
time; max_examples keeps the whole file to seconds.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import CHEAP_KDF, EXAMPLES, PASSPHRASE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault import codes, format
from vault.cli.totp import _parse_at
from vault.entry import Entry
from vault.errors import UsageProblem, VaultError
from vault.model import Vault
from vault.otp import gtransfer, links
from vault.otp.imports import plan_import, read_sources
from vault.paper import frames, recovery
from vault.paper.restore import RestoreSession
from vault.store import VaultFile

T = TypeVar("T")

FUZZ = settings(
    max_examples=120,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEED = "JBSWY3DPEHPK3PXP"


def ours(call: Callable[..., T], *args: Any) -> T | None:
    """call(*args), or None if it raised a VaultError; any other exception fails the test."""
    try:
        return call(*args)
    except VaultError as exc:
        assert exc.message.count("\n") == 0, exc.message  # one line for the person
        return None


# Any text, lone surrogates included: undecodable bytes in argv or stdin become those.
any_text = st.text(st.characters(exclude_categories=()), max_size=200)
kit_alphabet = st.sampled_from(frames.CROCKFORD + "OILU-. \t:RVK1abcz0¹²٣")


def mutate_bytes(data: bytes) -> st.SearchStrategy[bytes]:
    """data with bits flipped, a piece cut, or bytes inserted (several at once, sometimes)."""

    def apply(edits: list[tuple[str, int, int, bytes]]) -> bytes:
        out = bytearray(data)
        for how, at, bit, extra in edits:
            at = at % (len(out) + 1)
            if how == "flip" and at < len(out):
                out[at] ^= 1 << bit
            elif how == "cut":
                del out[at : at + 1 + bit * 3]
            elif how == "truncate":
                del out[at:]
            else:
                out[at:at] = extra
        return bytes(out)

    edit = st.tuples(
        st.sampled_from(["flip", "cut", "truncate", "insert"]),
        st.integers(0, max(len(data), 1) * 2),
        st.integers(0, 7),
        st.binary(min_size=1, max_size=16),
    )
    return st.lists(edit, min_size=1, max_size=4).map(apply)


def mutate_text(text: str) -> st.SearchStrategy[str]:
    """text with characters replaced, removed or inserted."""

    def apply(edits: list[tuple[str, int, str]]) -> str:
        out = list(text)
        for how, at, ch in edits:
            at = at % (len(out) + 1)
            if how == "replace" and at < len(out):
                out[at] = ch
            elif how == "remove" and at < len(out):
                del out[at]
            elif how == "truncate":
                del out[at:]
            else:
                out.insert(at, ch)
        return "".join(out)

    char = st.characters(exclude_categories=()) | st.sampled_from("0123456789=&?%:/+ \n-")
    edit = st.tuples(
        st.sampled_from(["replace", "remove", "truncate", "insert"]),
        st.integers(0, 2 * len(text) + 1),
        char,
    )
    return st.lists(edit, min_size=1, max_size=5).map(apply)


def with_checksum(body: bytes, length: int) -> bytes:
    """body with a valid SHA-256 check appended, so mutations reach past the checksum."""
    return body + hashlib.sha256(body).digest()[:length]


# --- real inputs, built once --------------------------------------------------------------


@functools.cache
def real_vault() -> bytes:
    """A real vault file: a passphrase slot, a recovery slot and a few entries."""
    with tempfile.TemporaryDirectory() as tmp:
        vf = VaultFile(Path(tmp) / "v.rvault", lock_timeout=5)
        vf.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
        vf.add(PASSPHRASE, Entry(name="GitHub", kind="totp", secret=SEED))
        vf.add(PASSPHRASE, Entry(name="Note", kind="note", secret="a secret note"))
        vf.set_recovery_key(PASSPHRASE, bytes(range(32)))
        return vf.path.read_bytes()


@functools.cache
def real_frames() -> list[frames.Frame]:
    """The kit frames of the real vault (small blocks, so there are several)."""
    return frames.encode(real_vault(), bytes(range(16)), bytes(range(8)), 3, 200)


@functools.cache
def real_lines() -> list[str]:
    """Every typed line of the real kit, as printed."""
    return [line for f in real_frames() for line in frames.text_lines(f)]


@functools.cache
def export_dir() -> Path:
    """A directory for the one export file each example writes (overwritten every time)."""
    return Path(tempfile.mkdtemp(prefix="rvault-fuzz-"))


EXPORTS = ["aegis-export.json", "2fas-export.2fas", "bitwarden-export.json"]
LINKS = [
    line.strip()
    for line in (EXAMPLES / "otpauth-links.txt").read_text().splitlines()
    if line.strip().startswith("otpauth://")
] + [f"otpauth://totp/Ex%3Aalice?secret={SEED}&issuer=Ex&algorithm=SHA256&digits=8&period=60"]
CODE_TEXTS = [
    (EXAMPLES / name).read_text()
    for name in (
        "github-recovery-codes.txt",
        "google-backup-codes.txt",
        "numbered-codes.txt",
        "codes-one-line.txt",
        "bitlocker-recovery-key.txt",
        "1password-secret-key.txt",
        "microsoft-recovery-code.txt",
    )
]


# --- the vault container ------------------------------------------------------------------


def check_container(data: bytes) -> None:
    container = ours(format.parse, data)
    if container is not None:
        assert container.to_bytes() == data  # canonical: one file, one parse
        ours(format.read_header_fields, data)


@FUZZ
@given(st.data())
def test_container_mutations(data: st.DataObject) -> None:
    check_container(data.draw(mutate_bytes(real_vault())))


@FUZZ
@given(st.data())
def test_container_mutations_with_the_checksum_fixed(data: st.DataObject) -> None:
    # The checksum rejects almost every mutation; fixing it reaches the fields behind it.
    body = real_vault()[: -format.CHECKSUM_LEN]
    check_container(with_checksum(data.draw(mutate_bytes(body)), format.CHECKSUM_LEN))


@FUZZ
@given(st.binary(max_size=300))
def test_container_arbitrary_bytes(data: bytes) -> None:
    check_container(format.MAGIC + data)
    check_container(data)


# --- frames and typed kit lines -----------------------------------------------------------


@FUZZ
@given(st.data())
def test_frame_mutations(data: st.DataObject) -> None:
    good = data.draw(st.sampled_from(real_frames())).to_bytes()
    mutated = data.draw(mutate_bytes(good))
    for candidate in (mutated, with_checksum(mutated[: -frames.CHECK_LEN], frames.CHECK_LEN)):
        frame = ours(frames.parse_frame, candidate)
        if frame is not None:
            assert frame.to_bytes() == candidate
            assert ours(frames.parse_frame_text, frame.to_text()) == frame


@FUZZ
@given(st.data())
def test_frame_text_mutations(data: st.DataObject) -> None:
    good = data.draw(st.sampled_from(real_frames())).to_text()
    ours(frames.parse_frame_text, data.draw(mutate_text(good)))


@FUZZ
@given(any_text | st.text(kit_alphabet, max_size=120))
def test_frame_text_and_base32_arbitrary(text: str) -> None:
    ours(frames.parse_frame_text, text)
    ours(frames.parse_frame_text, frames.TAG + text)
    decoded = ours(frames.b32decode, text)
    if decoded is not None:
        assert frames.b32decode(frames.b32encode(decoded)) == decoded


@FUZZ
@given(any_text | st.text(kit_alphabet, max_size=120))
def test_typed_line_arbitrary(line: str) -> None:
    ours(frames.parse_typed_line, line)
    ours(frames.parse_typed_line, "001-01 " + line)


@FUZZ
@given(
    st.one_of(
        st.integers(0, 10**6).map(str),
        st.text("0123456789OoIiLl¹²٣", min_size=1, max_size=5000),
    ),
    st.one_of(st.integers(0, 10**6).map(str), st.text("0123456789OIL¹", max_size=5000)),
)
def test_typed_line_numbers_of_any_size(code: str, line: str) -> None:
    # Finding 7 of issue 12: "¹-01 ..." and a 5,000-digit code number raised ValueError.
    ours(frames.parse_typed_line, f"{code}-{line}  ABCDE FGHJK  XY")


@FUZZ
@given(st.lists(any_text | st.text(kit_alphabet, max_size=80), max_size=8))
def test_restore_session_arbitrary_lines(lines: list[str]) -> None:
    session = RestoreSession()
    ours(session.add_lines, lines, "typed")
    for line in lines:
        ours(session.add_typed_line, line)
    ours(session.status)
    ours(session.missing_text)
    ours(session.finish)


@pytest.mark.slow
@FUZZ
@given(st.data())
def test_restore_session_mutated_real_lines(data: st.DataObject) -> None:
    lines = list(real_lines())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(lines) - 1))
        lines[at] = data.draw(mutate_text(lines[at]))
    if data.draw(st.booleans()):
        lines = data.draw(st.permutations(lines))
    session = RestoreSession()
    ours(session.add_lines, lines, "typed")
    ours(session.status)
    ours(session.missing_text)
    vault_bytes = ours(session.finish)
    if vault_bytes is not None:
        assert vault_bytes == real_vault()  # typos are caught, never restored as a vault


# --- backup codes and recovery keys -------------------------------------------------------


@FUZZ
@given(any_text)
def test_backup_codes_and_recovery_key_arbitrary(text: str) -> None:
    ours(codes.parse_backup_codes, text)
    ours(codes.parse_recovery_key, text)


@FUZZ
@given(st.data())
def test_backup_codes_and_recovery_key_mutated_examples(data: st.DataObject) -> None:
    text = data.draw(mutate_text(data.draw(st.sampled_from(CODE_TEXTS))))
    ours(codes.parse_backup_codes, text)
    ours(codes.parse_recovery_key, text)


PRINTED_KEY = recovery.format_printed_key(bytes(range(32)))


@FUZZ
@given(any_text | st.text(kit_alphabet, max_size=80) | mutate_text(PRINTED_KEY))
def test_printed_recovery_key(text: str) -> None:
    key = ours(recovery.parse_printed_key, text)
    if key is not None:
        assert recovery.format_printed_key(key).replace("-", "") == frames.normalize_b32(text)


# --- TOTP links, Google transfers and authenticator exports -------------------------------


def check_link(text: str) -> None:
    account = ours(links.parse_uri, text)
    ours(links.parse_input, text)
    if account is not None:
        # What parses can be stored: the payload is UTF-8, so odd text must be refused above.
        entry = Entry(name="X", kind="totp", secret=account.secret, otp=account.settings)
        vault = Vault()
        ours(vault.add, entry)
        assert links.parse_uri(links.to_uri(account)).secret == account.secret


@FUZZ
@given(st.data())
def test_otpauth_mutated_links(data: st.DataObject) -> None:
    check_link(data.draw(mutate_text(data.draw(st.sampled_from(LINKS)))))


@FUZZ
@given(
    any_text,
    st.dictionaries(
        st.sampled_from(["secret", "issuer", "algorithm", "digits", "period", "x"]),
        any_text | st.integers(-(10**6), 10**6).map(str) | st.just("9" * 5000),
        max_size=5,
    ),
)
def test_otpauth_arbitrary_links(label: str, params: dict[str, str]) -> None:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    check_link(f"otpauth://totp/{label}?{query}")
    check_link(label)


def transfer_link(payload: bytes) -> str:
    return "otpauth-migration://offline?data=" + base64.b64encode(payload).decode()


@functools.cache
def real_transfer_payload() -> bytes:
    """A Google transfer payload from the protobuf runtime (tests/support/otp_fixtures.py)."""
    from support.otp_fixtures import GoogleAccount, payload_bytes

    accounts = [
        GoogleAccount(b"0123456789abcdefghij", "Example:alice", "Example"),
        GoogleAccount(b"another seed 20bytes", "bob", "", 2, 2),
    ]
    return payload_bytes(accounts, batch_size=2, batch_index=0, batch_id=42)


def check_transfer(link: str) -> None:
    part = ours(gtransfer.parse_transfer, link)
    for _issuer, _name, make in part.accounts if part else ():
        ours(make)


@FUZZ
@given(st.data())
def test_google_transfer_mutated_payloads(data: st.DataObject) -> None:
    check_transfer(transfer_link(data.draw(mutate_bytes(real_transfer_payload()))))


@FUZZ
@given(st.data())
def test_google_transfer_mutated_links(data: st.DataObject) -> None:
    check_transfer(data.draw(mutate_text(transfer_link(real_transfer_payload()))))
    check_transfer("otpauth-migration://offline?" + data.draw(any_text))


def import_text(content: str | bytes) -> None:
    """What `rvault import FILE` does, up to the payload it would encrypt."""
    source = export_dir() / "export"
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    source.write_bytes(content)
    batch = ours(read_sources, [str(source)])
    if batch is None:
        return
    vault = Vault()
    planned = ours(plan_import, vault, batch)
    for item in planned[0] if planned else []:
        ours(vault.add, item.entry)
    vault.to_bytes()


@pytest.mark.slow
@FUZZ
@given(st.data())
def test_exports_mutated_text(data: st.DataObject) -> None:
    text = (EXAMPLES / data.draw(st.sampled_from(EXPORTS))).read_text()
    import_text(data.draw(mutate_text(text)))


@FUZZ
@given(st.data())
def test_exports_mutated_bytes(data: st.DataObject) -> None:
    raw = (EXAMPLES / data.draw(st.sampled_from(EXPORTS))).read_bytes()
    import_text(data.draw(mutate_bytes(raw)))


EXPORT_KEYS = [
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
    "slots",
    "account",
    "encKeyValidation_DO_NOT_EDIT",
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(10**400), 10**400)
    | st.floats()
    | any_text
    | st.sampled_from(["totp", "TOTP", "hotp", SEED, "9" * 5000, "SHA1", "otpauth://totp/a"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(EXPORT_KEYS) | any_text,
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@FUZZ
@given(json_values)
def test_exports_arbitrary_json(doc: Any) -> None:
    import_text(json.dumps(doc))


@FUZZ
@given(st.data())
def test_exports_with_a_value_grafted_into_an_example(data: st.DataObject) -> None:
    doc = json.loads((EXAMPLES / data.draw(st.sampled_from(EXPORTS))).read_text())
    node = doc
    while isinstance(node, dict | list) and node and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
        if not isinstance(node[key], dict | list):
            break
        node = node[key]
    if isinstance(node, dict):
        key = data.draw(st.sampled_from([*node, "digits", "period", "secret"]))
        node[key] = data.draw(json_values)
    elif isinstance(node, list):
        node.append(data.draw(json_values))
    import_text(json.dumps(doc))


# --- the CLI's own small parsers ----------------------------------------------------------


@FUZZ
@given(any_text | st.text("0123456789e.-+TZ:", max_size=500) | st.just("9" * 5000))
def test_totp_at_time(text: str) -> None:
    try:
        _parse_at(text)
    except UsageProblem as exc:
        assert len(exc.message) < 200
