"""The page reads a decrypted payload as the library does (vault/web/js/payload.js).

A valid document and dozens of damaged ones (types, key order, escapes, a byte order mark,
names that casefold together) get Vault.from_bytes's outcome, and its message unless that
names an entry's detail. Where JSON.parse cannot see what Python sees (3.0 against 3), the
page refuses documents the library would read; those gaps are listed here, as in docs/WEB.md.
The inflate refuses bytes after the zlib stream, which Node's DecompressionStream accepts.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.webjs import b64, needs_node, node

from vault import Entry
from vault.entry import BackupCode
from vault.errors import VaultError
from vault.model import Vault

pytestmark = needs_node
VECTORS = Path(__file__).resolve().parent / "vectors"


def test_bytes_after_the_zlib_stream_are_refused_though_node_accepts_them() -> None:
    data = zlib.compress(b'{"entries": []}')
    vector = (VECTORS / "corrupt-zlib-trailing.rvault").read_bytes()
    bare, good, padded, cut, opened = node(
        [
            {"op": "raw_inflate", "data": b64(data + b"\0")},
            {"op": "inflate", "data": b64(data)},
            {"op": "inflate", "data": b64(data + b"\0\0")},
            {"op": "inflate", "data": b64(data[:-1])},
            {"op": "open", "vault": b64(vector), "passphrase": "correct horse battery staple"},
        ]
    )
    # The control: Node's DecompressionStream alone takes the padded stream (browsers do not).
    assert base64.b64decode(bare["data"]) == b'{"entries": []}'
    assert base64.b64decode(good["data"]) == b'{"entries": []}'
    for got in (padded, cut, opened):
        assert got["message"] == "vault payload has a truncated or padded zlib stream"
    assert opened["argon2Calls"] == 1  # refused after the key opened the payload, as in the CLI


def dumps(doc: Any) -> bytes:
    """The payload's canonical JSON, as vault/model.py writes it."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def library_read(plaintext: bytes) -> dict[str, Any]:
    """What Vault.from_bytes makes of a payload: its document, or its error and message."""
    try:
        return {"doc": json.loads(Vault.from_bytes(plaintext).to_bytes())}
    except VaultError as exc:
        return {"error": type(exc).__name__, "message": exc.message}


def base_document() -> dict[str, Any]:
    """A small valid document: one entry of each shape the checks look at."""
    codes = [BackupCode("1234"), BackupCode("5678", True, "2024-01-01T00:00:00Z")]
    vault = Vault(
        [
            Entry("GitHub", "backup-codes", codes=codes),
            Entry("Mail", "totp", secret="JBSWY3DPEHPK3PXP"),
            Entry("Bänk", "note", secret="x", notes="n", tags=["a"]),
        ],
        {"content_generation": 3},
    )
    doc: dict[str, Any] = json.loads(vault.to_bytes())
    return doc


# Replacements in the canonical text: JSON that JSON.parse and json.loads see differently.
META = b'"content_generation":3'
TEXT_EDITS = [
    (b"", b"\xef\xbb\xbf"),  # a byte order mark in front
    (b'"version":2', b'"version":"2"'),
    (b'"version":2', b'"version":true'),
    (b'"version":2', b'"version":[2]'),
    (b'"version":2', b'"version":1'),
    *((META, b'"content_generation":' + n) for n in [b"1e16", b"-0", b"1E5", b"1e400", b"NaN"]),
    (META, b'"content_generation":12345678901234567.0'),
    (META, b'"content_generation":0.0001'),  # a float both write alike
    (META, b'"content_generation":"\\u0001\\u007f\\b\\f"'),
    (META, '"content_generation":"\x7f\u2028\\"\\\\"'.encode()),
    (META, '"content_generation":3,"\uffff":1,"𝄞":2'.encode()),  # Python's key order
    (META, '"content_generation":3,"𝄞":2,"\uffff":1'.encode()),  # JavaScript's
    (META, b'"content_generation":3,"__proto__":{"a":1}'),
    (META, b'"content_generation":3,"content_generation":3'),
    (b",", b", "),
]


def setter(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to the document: the item at path becomes value."""

    def change(doc: dict[str, Any]) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


E0, E1, E2 = ("entries", 0), ("entries", 1), ("entries", 2)
CHANGES: list[Callable[[dict[str, Any]], None]] = [
    setter(path, value)
    for path, value in [
        ((*E0, "name"), " GitHub"),
        ((*E0, "name"), "x" * 101),
        ((*E0, "name"), "𝄞" * 100),
        ((*E0, "name"), "a\u0000"),
        ((*E0, "name"), "a\u200b"),
        ((*E0, "name"), "\u3000"),
        ((*E0, "name"), 5),
        ((*E0, "kind"), "password"),
        ((*E2, "kind"), "password"),
        ((*E2, "kind"), 7),
        ((*E0, "codes", 0, "used"), 1),
        ((*E0, "codes", 0, "used_at"), "2024-01-01T00:00:00Z"),
        ((*E0, "codes", 1, "used_at"), "yesterday's \n\xa0'"),
        (
            (*E0, "codes", 1, "used_at"),
            "\uff12\uff10\uff12\uff14-01-01T00:00:00Z",
        ),  # fullwidth digits match \d
        ((*E0, "codes", 0, "code"), 1234),
        ((*E0, "codes", 0), [1]),
        ((*E0, "codes", 0), ["code", "used", "used_at"]),
        ((*E0, "codes"), []),
        ((*E0, "codes"), 5),
        ((*E0, "codes"), None),
        ((*E2, "codes"), [{"code": "1", "used": False, "used_at": None}]),
        ((*E2, "secret"), ""),
        ((*E2, "secret"), 0.0),
        ((*E2, "secret"), 5),
        ((*E0, "id"), "AB" * 16),
        ((*E0, "tags"), [1]),
        ((*E0, "tags"), None),
        ((*E0, "created"), "2024-01-01"),
        ((*E0, "notes"), 5),
        ((*E1, "otp"), None),
        ((*E0, "otp"), {"algorithm": "SHA1", "digits": 6, "period": 30}),
        ((*E1, "otp", "digits"), "6"),
        ((*E1, "otp", "digits"), 7),
        ((*E1, "otp", "digits"), True),
        ((*E1, "otp", "digits"), 10**30),
        ((*E1, "otp", "digits"), [6]),
        ((*E1, "otp", "period"), 0),
        ((*E1, "otp", "period"), 3601),
        ((*E1, "otp", "period"), 30.0),
        ((*E1, "otp", "algorithm"), "sha1"),
        ((*E1, "otp", "algorithm"), "a very long algorithm name indeed"),
        ((*E1, "otp"), [1]),
        ((*E1, "otp"), {"a": 1}),
        ((*E1, "name"), "github"),
        ((*E1, "name"), "GİTHUB"),
        (E0, 5),
        (E0, None),
        (E0, "abc"),
        (E0, [1, 2]),
        (E0, [[1]]),
        (E0, [{"a": 1}]),
        (("entries",), {}),
        (("meta",), []),
    ]
]


def two_names(first: str, second: str) -> Callable[[dict[str, Any]], None]:
    """A change giving the second and third entries these names."""
    return lambda doc: (setter((*E1, "name"), first)(doc), setter((*E2, "name"), second)(doc))


# Names that casefold together in Python are one name on the page too, and only those
# (escaped: a dotless i, a Cherokee letter, an A with a ring and A + combining ring).
SAME_OR_NOT = [("\u1e9e", "ss"), ("\xdf", "SS"), ("\uab70", "\u13a0"), ("\u01c5", "\u01c6")]
SAME_OR_NOT += [("\xc5", "A\u030a"), ("\u0391\u03a3", "\u03b1\u03c2"), ("\u0131", "I")]
SAME_OR_NOT += [("\u0131", "i"), ("Stra\xdfe", "STRASSE")]
CHANGES += [two_names(first, second) for first, second in SAME_OR_NOT]
CHANGES += [
    lambda d: d["entries"][0].pop("otp"),
    lambda d: d["entries"][0].update(extra=1),
    lambda d: d.update(extra=1),
    lambda d: d["entries"][0]["codes"][0].update(extra=1),
]


# What the library reads and the page refuses as not canonical: floats written as Python
# writes them (JSON.parse makes 3.0 the number 3), and tags or codes given as a string or an
# object (Python iterates them). No rvault writes any of these.
GAPS = [(META, b'"content_generation":' + n) for n in [b"3.0", b"1e+16", b"1e-05", b"-0.0"]]
GAPS += [(b'"tags":["a"]', b'"tags":"ab"')]
GAPS += [(b'"tags":["a"]', b'"tags":{"a":1}'), (b'"codes":[],"created"', b'"codes":{},"created"')]


def test_damaged_documents_get_the_library_outcome() -> None:
    raw = dumps(base_document())
    payloads = [raw, raw.replace(b'"version":2', b'"version":1').replace(b',"otp":null', b"")]
    payloads += [new + raw if old == b"" else raw.replace(old, new, 1) for old, new in TEXT_EDITS]
    for change in CHANGES:
        doc = base_document()
        change(doc)
        payloads.append(dumps(doc))
    answers = node([{"op": "document", "data": b64(p)} for p in payloads])
    for payload, got in zip(payloads, answers, strict=True):
        want = library_read(payload)
        assert got.get("error") == want.get("error"), payload[-200:]
        assert got.get("doc") == want.get("doc"), payload[-200:]
        # The words too, but for an entry's detail and a version that is not a number.
        if "error" in want and not want["message"].startswith(
            ("vault payload has a mal", "vault payload version")
        ):
            assert got["message"] == want["message"], payload[-200:]
    outcomes = {a.get("error") for a in answers}
    assert outcomes == {None, "CorruptVault", "Unsupported"}  # the control: all three were met


def test_the_gaps_are_refused_by_the_page_though_the_library_reads_them() -> None:
    raw = dumps(base_document())
    payloads = [raw.replace(old, new, 1) for old, new in GAPS]
    for payload in payloads:
        assert "doc" in library_read(payload), payload[-200:]
    version = raw.replace(b'"version":2', b'"version":2.0')  # Unsupported in Python
    assert library_read(version)["error"] == "Unsupported"
    answers = node([{"op": "document", "data": b64(p)} for p in [*payloads, version]])
    assert {a.get("error") for a in answers} == {"CorruptVault"}


def test_what_used_to_crash_the_library_is_refused_by_both() -> None:
    # json.loads accepts "\ud800", whose canonical form cannot be encoded; deep nesting
    # exceeds Python's recursion limit. Both used to escape the CLI's error handling as
    # UnicodeEncodeError and RecursionError; now the library and the page call them damaged.
    from vault.errors import CorruptVault

    raw = dumps(base_document())
    surrogate = raw.replace(META, b'"content_generation":"\\ud800"')
    deep = raw.replace(META, META + b',"x":' + b"[" * 100_000 + b"]" * 100_000)
    for payload in (surrogate, deep):
        with pytest.raises(CorruptVault):
            Vault.from_bytes(payload)
    lone, nested = node([{"op": "document", "data": b64(p)} for p in (surrogate, deep)])
    assert lone["message"] == "vault payload is not in canonical form"
    assert nested["message"] == "vault payload is not valid JSON"


@pytest.mark.slow
def test_names_that_casefold_together_are_one_name_on_the_page() -> None:
    import unicodedata

    from vault.entry import name_key

    # Every character assigned in Python's Unicode (Node's may be newer). The old key,
    # upper- then lower-casing, failed here: U+1E9E and the dotless i.
    points = [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp <= 0xDFFF and unicodedata.category(chr(cp)) != "Cn"
    ]
    keys = node([{"op": "name_keys", "codePoints": points}])[0]

    def groups(key: Callable[[int], str]) -> set[frozenset[int]]:
        found: dict[str, set[int]] = {}
        for cp in points:
            found.setdefault(key(cp), set()).add(cp)
        return {frozenset(g) for g in found.values() if len(g) > 1}

    page = dict(zip(points, keys, strict=True))
    assert groups(lambda cp: page[cp]) == groups(lambda cp: name_key(chr(cp)))


def test_a_history_naming_changed_fields_opens_on_the_page_as_in_the_library() -> None:
    # `rvault merge` reads the fields a change touched from meta.log; the page must still
    # open a vault whose history carries them (and those a merge brought from a copy).
    vault = Vault(keep_log=True)
    vault.add(Entry("Mail", "note", secret="x", created="2026-12-01T10:00:00Z"))
    vault.update(
        "Mail", fields={"notes": "n", "url": "https://m.example"}, now="2026-12-01T10:01:00Z"
    )
    payload = vault.to_bytes()
    assert b'"fields":["notes","url"]' in payload
    [got] = node([{"op": "document", "data": b64(payload)}])
    assert "error" not in got and got["doc"] == library_read(payload)["doc"]
