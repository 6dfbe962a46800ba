"""Paper in the browser: base32, kit frames, typed lines and RestoreSession, in Node.

vault/web/js/{base32,frames,restore}.js against vault/paper/frames.py and restore.py: the
same frames and lines byte for byte, typos named in the CLI's words, any k of n codes
rebuilding the vault byte for byte, kits never mixed and the newest generation chosen.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import CHEAP_KDF, PASSPHRASE
from support.webjs import b64, needs_node, node

from vault import Entry, VaultFile
from vault.errors import InvalidData
from vault.format import parse
from vault.paper.frames import encode, text_lines
from vault.paper.restore import RestoreSession

pytestmark = needs_node


def test_base32_writes_and_refuses_what_python_does() -> None:
    from vault.paper.frames import b32decode, b32encode

    rng = random.Random(32)
    datas = [bytes(rng.randrange(256) for _ in range(rng.randint(0, 30))) for _ in range(60)]
    texts = ["00", "01", "0", "000", "abc-def", "O1IL", "ZZZZZZZZ", "ü8", " 7 7 "]
    answers = node(
        [{"op": "b32", "data": b64(d)} for d in datas] + [{"op": "unb32", "text": t} for t in texts]
    )
    assert answers[: len(datas)] == [b32encode(d) for d in datas]
    for text, got in zip(texts, answers[len(datas) :], strict=True):
        try:
            want: dict[str, str] = {"data": b64(b32decode(text))}
        except Exception as exc:  # the library's own refusal
            want = {"error": type(exc).__name__}
        assert {k: got[k] for k in want} == want, text


def kit(data: bytes, kit_id: bytes) -> list[Any]:
    """Frames of a kit of the vault file data, with small blocks so that k is above one."""
    container = parse(data)
    return encode(data, container.vault_id, kit_id, container.generation, max_block=120)


def vault_bytes(tmp_path: Path, name: str, entries: int = 3) -> bytes:
    """A real vault file (what a kit holds)."""
    vf = VaultFile(tmp_path / f"{name}.rvault")
    if not vf.path.exists():
        vf.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    for i in range(entries):
        vf.add(PASSPHRASE, Entry(f"note {i} {vf.info()['generation']}", "note", secret="x" * 40))
    return vf.path.read_bytes()


def test_frames_and_typed_lines_match_python(tmp_path: Path) -> None:
    data = vault_bytes(tmp_path, "a")
    frames = kit(data, b"K" * 8)
    answers = node(
        [{"op": "frame", "text": f.to_text()} for f in frames]
        + [{"op": "lines", "frame": b64(f.to_bytes()), "index": f.index} for f in frames]
    )
    for f, got in zip(frames, answers, strict=False):
        assert (got["index"], got["n"], got["k"], got["length"], got["generation"]) == (
            f.index,
            f.n,
            f.k,
            f.length,
            parse(data).generation,
        )
        assert base64.b64decode(got["block"]) == f.block
    assert answers[len(frames) :] == [text_lines(f) for f in frames]


def test_damaged_codes_are_refused_in_the_words_of_the_cli(tmp_path: Path) -> None:
    from vault.errors import InvalidData
    from vault.paper.frames import parse_frame_text

    rng = random.Random(8)
    text = kit(vault_bytes(tmp_path, "d"), b"D" * 8)[0].to_text()
    body = text[len("RVK1:") :]
    damaged = ["RVK2:" + body, text[:40], "RVK1:", "RVK1:" + body[:-1], "RVK1:" + body + "0"]
    for _ in range(20):
        i = rng.randrange(len(body))
        new = rng.choice([c for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" if c != body[i]])
        damaged.append("RVK1:" + body[:i] + new + body[i + 1 :])
    for bad, got in zip(damaged, node([{"op": "frame", "text": t} for t in damaged]), strict=True):
        try:
            parse_frame_text(bad)
        except InvalidData as exc:
            assert (got["error"], got["message"]) == ("InvalidData", exc.message), bad
        else:
            raise AssertionError(f"the library accepted {bad}")


def test_any_k_codes_rebuild_the_vault_byte_for_byte(tmp_path: Path) -> None:
    rng = random.Random(7)
    data = vault_bytes(tmp_path, "b")
    frames = kit(data, b"\x01" * 8)
    k = frames[0].k
    requests = []
    for _ in range(6):
        chosen = rng.sample(frames, k)
        requests.append({"op": "restore", "texts": [f.to_text() for f in chosen]})
    short = {"op": "restore", "texts": [f.to_text() for f in frames[: k - 1]]}
    for got in node([*requests, short])[:-1]:
        assert base64.b64decode(got["data"]) == data
        assert got["status"] == f"{k} of {len(frames)} codes read, {k} needed"
    refused = node([short])[0]
    assert refused["error"] == "InvalidData"
    assert "1 more needed from the missing codes (codes sheet" in refused["message"]


def test_kits_are_never_mixed_and_the_newest_generation_wins(tmp_path: Path) -> None:
    old = vault_bytes(tmp_path, "same", 2)
    new = vault_bytes(tmp_path, "same", 2)  # the same vault, two generations later
    older, newer = kit(old, b"\x0a" * 8), kit(new, b"\x0b" * 8)
    other = kit(vault_bytes(tmp_path, "another", 1), b"\x0c" * 8)
    texts = [f.to_text() for f in [*older, *newer]]
    rng = random.Random(3)
    rng.shuffle(texts)
    mixed, vaults = node(
        [
            {"op": "restore", "texts": texts},
            {"op": "restore", "texts": [f.to_text() for f in [*older, *other]]},
        ]
    )
    assert base64.b64decode(mixed["data"]) == new
    python = RestoreSession()
    for t in texts:
        python.add_text(t)
    assert mixed["ignored"] == python.ignored()
    assert vaults["error"] == "InvalidData"
    assert "different vaults were found and not mixed" in vaults["message"]


def typo(line: str, rng: random.Random) -> str:
    """line with one character of its groups changed to another valid one."""
    label, rest = line[:8], line[8:]
    spots = [i for i, ch in enumerate(rest[:-4]) if ch.isalnum()]
    i = rng.choice(spots)
    new = rng.choice([c for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" if c != rest[i]])
    return label + rest[:i] + new + rest[i + 1 :]


def swap(line: str, rng: random.Random) -> str:
    """line with two neighbouring, different characters of its groups swapped."""
    label, rest = line[:8], line[8:]
    pairs = range(len(rest) - 5)  # not into the check characters
    spots = [i for i in pairs if rest[i : i + 2].isalnum() and rest[i] != rest[i + 1]]
    i = rng.choice(spots)
    return label + rest[:i] + rest[i + 1] + rest[i] + rest[i + 2 :]


def test_typed_lines_with_typos_are_named_then_retyped(tmp_path: Path) -> None:
    rng = random.Random(11)
    data = vault_bytes(tmp_path, "c")
    frames = kit(data, b"\x02" * 8)
    k = frames[0].k
    lines = [line for f in frames[:k] for line in text_lines(f)]
    bad = rng.sample(range(len(lines)), 3)  # a changed character, twice, and a swapped pair
    mistakes = {bad[0]: typo, bad[1]: typo, bad[2]: swap}
    typed = [
        mistakes[i](line, rng) if i in mistakes else line.lower() for i, line in enumerate(lines)
    ]
    missing = lines[:-1]  # the last line of the last code left out
    python = RestoreSession()
    python.add_lines(typed)
    python_missing = RestoreSession()
    python_missing.add_lines(missing)
    with_typos, retyped, short, interactive = node(
        [
            {"op": "restore", "lines": typed},
            {"op": "restore", "lines": [*typed, *(lines[i] for i in bad)]},
            {"op": "restore", "lines": missing},
            {"op": "restore", "typed": [lines[0], typo(lines[1], rng), lines[1]]},
        ]
    )
    assert with_typos["error"] == "InvalidData"
    assert with_typos["report"] == python.typed_report()
    named = [r for r in with_typos["report"] if "does not match its check characters" in r]
    assert len(named) == 3
    assert base64.b64decode(retyped["data"]) == data
    assert short["report"] == python_missing.typed_report()
    assert short["needed"] == python_missing.lines_needed() == 1
    assert interactive["feedback"][1].endswith("does not match its check characters: retype it")
    assert interactive["feedback"][0] == f"line {lines[0][:6]} ok"


def test_typed_lines_that_no_kit_can_have_are_refused_as_python_does() -> None:
    from vault.errors import InvalidData
    from vault.paper.frames import parse_typed_line

    samples = ["256-01  ABCDE FGHJK  ZZ", "003-999  ABCDE  ZZ", "12 2024 the meeting notes", "x"]
    for line, got in zip(samples, node([{"op": "typed", "line": s} for s in samples]), strict=True):
        try:
            want = parse_typed_line(line)
        except InvalidData:
            assert got["error"] == "InvalidData", line
        else:
            assert (got["line"] is None) == (want is None), line


def test_lines_of_two_kits_typed_together_are_named_not_mixed(tmp_path: Path) -> None:
    first = vault_bytes(tmp_path, "two", 1)
    second = vault_bytes(tmp_path, "two", 1)  # the same vault, one save later
    older, newer = kit(first, b"\x03" * 8), kit(second, b"\x04" * 8)
    k = older[0].k
    lines = [line for f in older[:k] for line in text_lines(f)]
    lines += [line for f in newer[:k] for line in text_lines(f)]
    python = RestoreSession()
    python.add_lines(lines)
    (got,) = node([{"op": "restore", "lines": lines}])
    assert got["error"] == "InvalidData"
    assert got["report"] == python.typed_report()
    assert any("was typed twice, differently" in line for line in got["report"])


def test_photographed_codes_and_typed_lines_count_together(tmp_path: Path) -> None:
    """The page's restore view: codes read from photos and lines typed make one restore."""
    data = vault_bytes(tmp_path, "p", entries=8)
    frames = kit(data, b"\x02" * 8)
    n, k = len(frames), frames[0].k
    assert k >= 3
    scanned = [f.to_text() for f in frames[1 : k - 1]]
    typed = text_lines(frames[k])
    none, short, whole, mixed, empty = node(
        [
            {"op": "check_typed", "texts": [], "imagesRead": 2},
            {"op": "check_typed", "texts": scanned},
            {"op": "check_typed", "texts": [*scanned, frames[0].to_text()], "lines": typed},
            {"op": "check_typed", "texts": scanned[:1], "lines": typed},
            {"op": "check_typed"},
        ]
    )
    assert none["status"] == "No code of a kit has been read yet."
    assert empty["status"] == "Nothing typed or read yet."
    missing = ", ".join(str(i + 1) for i in [0, *range(k - 1, n)] if i < 6)
    assert short["status"].startswith(f"{k - 2} of {n} codes read, {k} needed: 2 more needed")
    assert f"(codes sheet 1: {missing}" in short["status"], short["status"]
    assert short["codes"] == {"n": n, "k": k, "read": list(range(1, k - 1))}
    assert base64.b64decode(whole["bytes"]) == data
    assert whole["codes"]["read"] == sorted([*range(0, k - 1), k])
    assert mixed["bytes"] is None and "more line" in mixed["status"]


def test_what_a_photo_held_is_said_in_one_line() -> None:
    cases = [
        {"texts": ["RVK1:a", "RVK1:b"], "others": []},
        {"texts": ["RVK1:a"], "others": ["x"]},
        {"texts": [], "others": ["a key"]},
        {"texts": [], "others": [], "detected": True},
        {"texts": [], "others": [], "detected": False},
    ]
    said = node([{"op": "photo_note", "name": "IMG_1.jpg", "result": c} for c in cases])
    assert said[0] == "IMG_1.jpg: 2 codes of the kit read."
    assert said[1].startswith("IMG_1.jpg: 1 code of the kit read, and another QR code")
    assert "no code of the kit, but another QR code" in said[2]
    assert "seen but could not be read" in said[3] and "without flash" in said[3]
    assert "no QR code found. Too dark or blurred?" in said[4]


def test_retake_advice_is_the_cli_s() -> None:
    """What the page says to photograph again is what `rvault restore` says (its hint)."""
    import os

    frames = encode(os.urandom(2000), b"v" * 16, b"k" * 8, 1, 100)
    n = frames[0].n
    rng = random.Random(16)
    cases = [{1, 3, 5, 10, 11, 20}, set(range(6, 12)), {8, 9, 13, 14, 2, 24}]
    cases += [set(rng.sample(range(n), rng.randint(6, n - 1))) for _ in range(12)]
    texts = [[f.to_text() for f in frames if f.index not in lost] for lost in cases]
    got = node([{"op": "retake", "texts": t} for t in [*texts, []]])
    for lost, page in zip(cases, got, strict=False):
        session = RestoreSession()
        for f in frames:
            if f.index not in lost:
                session.add_frame(f)
        assert page["advice"] == session.retake_advice(), lost
        assert page["hint"] == session.retake_advice()
    nothing = got[-1]
    with pytest.raises(InvalidData) as refused:
        RestoreSession().finish()
    assert (nothing["message"], nothing["hint"]) == (refused.value.message, refused.value.hint)
