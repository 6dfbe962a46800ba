"""Property tests of the frame codec: split, shuffle, lose, join; text forms; bad input."""

from __future__ import annotations

import contextlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault.errors import InvalidData
from vault.paper.frames import (
    OVERHEAD,
    TAG,
    FrameSet,
    b32decode,
    b32encode,
    encode,
    frames_from_typed,
    parse_frame,
    parse_frame_text,
    parse_typed_line,
    plan,
    text_lines,
)

VID, KID = bytes(range(16)), bytes(range(100, 108))


def make(data: bytes, max_block: int = 64, parity: float = 25.0, kit: bytes = KID):
    return encode(data, VID, kit, 7, max_block, parity)


@given(st.binary(min_size=1, max_size=3000), st.integers(16, 700), st.randoms())
@settings(max_examples=150, deadline=None)
def test_any_k_frames_in_any_order_rebuild(data: bytes, max_block: int, rnd: random.Random) -> None:
    frames = make(data, max_block)
    k, n = frames[0].k, frames[0].n
    assert n - k >= 2 and (n - k) * 100 >= 25 * k
    chosen = rnd.sample(frames, k)
    fs = FrameSet()
    for f in chosen + rnd.sample(chosen, len(chosen)):  # duplicates are ignored
        fs.add(parse_frame_text(f.to_text()))
    assert fs.join() == data


@given(st.binary(min_size=81, max_size=2000), st.randoms())
@settings(max_examples=60, deadline=None)
def test_one_short_of_k_fails_naming_the_missing_codes(data: bytes, rnd: random.Random) -> None:
    frames = make(data, 80)
    k = frames[0].k
    fs = FrameSet()
    fs.add_all(rnd.sample(frames, k - 1))
    with pytest.raises(InvalidData) as info:
        fs.join()
    msg = info.value.message
    assert f"{k - 1} of {len(frames)} codes read, {k} needed" in msg
    for i in fs.missing():
        assert str(i + 1) in msg


def test_no_frames_at_all() -> None:
    with pytest.raises(InvalidData, match="no rvault kit codes"):
        FrameSet().join()


@given(st.binary(min_size=1, max_size=1500))
@settings(max_examples=60, deadline=None)
def test_frames_reserialize_identically(data: bytes) -> None:
    for f in make(data, 100):
        raw = f.to_bytes()
        assert parse_frame(raw).to_bytes() == raw
        assert parse_frame_text(f.to_text()).to_text() == f.to_text()
        assert set(f.to_text()) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@given(st.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_garbage_raises_our_error_only(raw: bytes) -> None:
    for attempt in (lambda: parse_frame(raw), lambda: parse_frame_text(TAG + b32encode(raw))):
        with contextlib.suppress(InvalidData):
            attempt()


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_garbage_text_raises_our_error_only(text: str) -> None:
    with contextlib.suppress(InvalidData):
        parse_frame_text(text)
    assert parse_typed_line(text) is None or isinstance(parse_typed_line(text).ok, bool)


def test_every_bit_flip_of_a_frame_is_refused() -> None:
    raw = make(b"x" * 200, 64)[0].to_bytes()
    for i in range(len(raw) * 8):
        flipped = bytearray(raw)
        flipped[i // 8] ^= 1 << (i % 8)
        with pytest.raises(InvalidData):
            parse_frame(bytes(flipped))


def test_frames_of_another_kit_are_not_mixed_in() -> None:
    data = b"secret vault bytes" * 30
    ours, theirs = make(data, 64), make(data, 64, kit=b"otherkit")
    fs = FrameSet()
    fs.add(ours[0])
    with pytest.raises(InvalidData, match="another kit of the same vault"):
        fs.add(theirs[1])
    other_vault = encode(data, b"\xff" * 16, b"otherkit", 7, 64)
    with pytest.raises(InvalidData, match="different vault"):
        fs.add(other_vault[1])
    assert list(fs.frames) == [0]
    # The same kit id with another vault id (a forgery or a collision) is held apart as a
    # stray: it never joins the kit's frames.
    assert fs.add(encode(data, b"\xff" * 16, KID, 7, 64)[1])
    assert list(fs.frames) == [0] and fs.strays == 1


def test_parity_planning() -> None:
    assert plan(100, 1000, 25) == (1, 3, 100)  # a one-code vault still gets 2 spares
    k, n, block = plan(60_000, 2637, 25)
    assert (k, n) == (23, 29) and block * k >= 60_000
    assert plan(10, 5, 50)[1] - plan(10, 5, 50)[0] == 2
    with pytest.raises(InvalidData):
        plan(10_000_000, 2637, 25)
    # Filling whole sheets: a one-sheet kit is left alone, a longer one is rounded up.
    assert plan(100, 1000, 25, fill_to=6) == (1, 3, 100)
    assert plan(60_000, 2637, 25, fill_to=6)[:2] == (23, 30)
    assert plan(5 * 2637, 2637, 25, fill_to=6)[:2] == (5, 12)


def test_crockford_is_forgiving() -> None:
    data = bytes(range(256))
    text = b32encode(data)
    assert b32decode(text.lower()) == data
    assert b32decode(" ".join(text[i : i + 5] for i in range(0, len(text), 5))) == data
    assert b32decode(text.replace("0", "O").replace("1", "l")) == data
    with pytest.raises(InvalidData):
        b32decode("!!!")


def typed(frames, mutate=None):
    lines = [line for f in frames for line in text_lines(f)]
    if mutate:
        lines = mutate(lines)
    return [t for t in map(parse_typed_line, lines) if t]


def test_typed_lines_round_trip_with_forgiving_input() -> None:
    data = random.Random(1).randbytes(900)
    frames = make(data, 200)

    def sloppy(lines: list[str]) -> list[str]:
        return [line.lower().replace("  ", " - ") for line in reversed(lines)]

    got, problems = frames_from_typed(typed(frames, sloppy))
    assert problems == {} and len(got) == len(frames)
    fs = FrameSet()
    fs.add_all(got)
    assert fs.join() == data


@pytest.mark.parametrize("seed", range(5))
def test_typos_within_the_parity_budget_restore(seed: int) -> None:
    rnd = random.Random(seed)
    data = rnd.randbytes(1500)
    frames = make(data, 160)
    spare = len(frames) - frames[0].k
    lines = [line for f in frames for line in text_lines(f)]
    codes_hit = rnd.sample(range(len(frames)), spare)
    for code in codes_hit:
        idx = next(i for i, line in enumerate(lines) if line.startswith(f"{code + 1:03d}-"))
        idx += rnd.randrange(3)
        line = lines[idx]
        pos = rnd.randrange(8, len(line) - 4)
        while line[pos] == " ":
            pos += 1
        swap = "X" if line[pos] != "X" else "Y"
        lines[idx] = line[:pos] + swap + line[pos + 1 :]
    got, problems = frames_from_typed([t for t in map(parse_typed_line, lines) if t])
    assert sorted(problems) == sorted(c + 1 for c in codes_hit)
    fs = FrameSet()
    fs.add_all(got)
    assert fs.join() == data
    # One more damaged code is beyond the budget and says what is missing.
    extra = next(i for i in range(len(frames)) if i not in codes_hit)
    fs2 = FrameSet()
    fs2.add_all(f for f in got if f.index != extra)
    with pytest.raises(InvalidData, match="needed"):
        fs2.join()


def test_missing_last_lines_are_reported() -> None:
    frames = make(b"y" * 700, 300)
    lines = [line for f in frames for line in text_lines(f)]
    last_of_first = max(i for i, line in enumerate(lines) if line.startswith("001-"))
    del lines[last_of_first]
    _, problems = frames_from_typed([t for t in map(parse_typed_line, lines) if t])
    assert 1 in problems


def test_overhead_constant_matches_layout() -> None:
    f = make(b"z" * 50, 50)[0]
    assert len(f.to_bytes()) == OVERHEAD + len(f.block)
