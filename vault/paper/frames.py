"""Vault bytes <-> self-describing, checksummed, erasure-coded frames (one per QR code).

A frame is text in the QR alphanumeric set: the tag `RVK1:` followed by the frame's bytes in
Crockford base32 (digits and capitals, no padding), so a phone scanner app shows text that
can be pasted back, and a person can type it with the usual letter/digit confusions forgiven.
docs/FORMAT.md specifies the layout. Any k of a kit's n frames rebuild the vault (zfec).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from vault.errors import InvalidData

TAG = "RVK1:"
FRAME_VERSION = 1
_HEAD = struct.Struct(">B16s8sQBBBI")  # version, vault id, kit id, generation, i, n, k, length
CHECK_LEN = 4
OVERHEAD = _HEAD.size + CHECK_LEN
MAX_FRAMES = 255
MIN_SPARE = 2

_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TO_CROCKFORD = str.maketrans(_STD, CROCKFORD)
_FROM_CROCKFORD = str.maketrans(CROCKFORD, _STD)
# Crockford's forgiving reading: O is 0, I and L are 1; case, spaces and dashes ignored.
_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def b32encode(data: bytes) -> str:
    """Crockford base32 without padding."""
    return base64.b32encode(data).decode("ascii").rstrip("=").translate(_TO_CROCKFORD)


def normalize_b32(text: str) -> str:
    """Upper-case, drop spaces and dashes, and undo the usual typing confusions."""
    return "".join(text.split()).replace("-", "").upper().translate(_CONFUSIONS)


def b32decode(text: str) -> bytes:
    """Decode Crockford base32 (forgiving), raising InvalidData on anything else."""
    clean = normalize_b32(text)
    if any(ch not in CROCKFORD for ch in clean) or len(clean) % 8 in (1, 3, 6):
        raise InvalidData("not valid base32 text")
    padded = clean.translate(_FROM_CROCKFORD) + "=" * (-len(clean) % 8)
    try:
        data = base64.b32decode(padded)
    except ValueError:
        raise InvalidData("not valid base32 text") from None
    # The last character may carry spare bits; only zeros are canonical, so one text means
    # one frame and a re-encoded frame reads back identical (docs/FORMAT.md section 8).
    if b32encode(data) != clean:
        raise InvalidData("not valid base32 text (stray bits in the last character)")
    return data


@dataclass(frozen=True)
class Frame:
    """One erasure-coded piece of a vault, carrying everything needed to place it."""

    vault_id: bytes
    kit_id: bytes
    generation: int
    index: int
    n: int
    k: int
    length: int
    block: bytes

    def to_bytes(self) -> bytes:
        """The frame's binary form, ending in a 4-byte SHA-256 check."""
        head = _HEAD.pack(
            FRAME_VERSION,
            self.vault_id,
            self.kit_id,
            self.generation,
            self.index,
            self.n,
            self.k,
            self.length,
        )
        body = head + self.block
        return body + hashlib.sha256(body).digest()[:CHECK_LEN]

    def to_text(self) -> str:
        """The frame as printed in its QR code and as typeable text."""
        return TAG + b32encode(self.to_bytes())

    @property
    def kit_key(self) -> tuple[bytes, bytes, int, int, int, int]:
        """What every frame of one kit shares."""
        return (self.vault_id, self.kit_id, self.generation, self.n, self.k, self.length)


def parse_frame(data: bytes) -> Frame:
    """A frame from its binary form; InvalidData for anything damaged or inconsistent."""
    if len(data) < OVERHEAD + 1:
        raise InvalidData("frame is too short")
    body, check = data[:-CHECK_LEN], data[-CHECK_LEN:]
    if hashlib.sha256(body).digest()[:CHECK_LEN] != check:
        raise InvalidData("frame checksum mismatch (damaged or mistyped)")
    version, vault_id, kit_id, generation, index, n, k, length = _HEAD.unpack_from(body)
    if version != FRAME_VERSION:
        raise InvalidData(f"frame format version {version} is not supported")
    block = body[_HEAD.size :]
    if not (1 <= k < n and index < n):
        raise InvalidData("frame has inconsistent numbering")
    if not k * (len(block) - 1) < length <= k * len(block):
        raise InvalidData("frame block size does not fit the vault length")
    return Frame(vault_id, kit_id, generation, index, n, k, length, block)


def parse_frame_text(text: str) -> Frame:
    """A frame from its text form (TAG + base32), forgiving case, spaces and confusions."""
    clean = "".join(text.split())
    if clean[: len(TAG)].upper() != TAG:
        raise InvalidData(f"not an rvault kit code (it does not start with {TAG})")
    return parse_frame(b32decode(clean[len(TAG) :]))


def plan(length: int, max_block: int, parity_pct: float, fill_to: int = 1) -> tuple[int, int, int]:
    """(k, n, block_len) for a vault of length bytes: >= parity_pct% and >= 2 spare frames.

    With fill_to > 1 and more than fill_to frames, n grows to a multiple of fill_to: the last
    sheet's empty places carry extra spares, which cost no paper.
    """
    if length <= 0 or max_block <= 0 or parity_pct < 0 or fill_to < 1:
        raise ValueError("length, max_block, fill_to must be positive and parity non-negative")
    k = -(-length // max_block)
    spare = max(MIN_SPARE, -(-int(k * parity_pct * 100) // 10000))
    n = k + spare
    if n > fill_to:
        n = min(MAX_FRAMES, -(-n // fill_to) * fill_to) if n <= MAX_FRAMES else n
    if n > MAX_FRAMES:
        raise InvalidData(
            f"the vault needs {n} codes, above the {MAX_FRAMES} a kit can hold",
            hint="lower --parity, or remove large notes from the vault",
        )
    return k, n, -(-length // k)


def encode(
    data: bytes,
    vault_id: bytes,
    kit_id: bytes,
    generation: int,
    max_block: int,
    parity_pct: float = 25.0,
    fill_to: int = 1,
) -> list[Frame]:
    """Cut data into n frames of which any k rebuild it (see plan for fill_to)."""
    from zfec import easyfec

    k, n, block_len = plan(len(data), max_block, parity_pct, fill_to)
    padded = data + b"\0" * (k * block_len - len(data))
    blocks = easyfec.Encoder(k, n).encode(padded)
    return [
        Frame(vault_id, kit_id, generation, i, n, k, len(data), bytes(block))
        for i, block in enumerate(blocks)
    ]


class FrameSet:
    """Frames of one kit collected from any sources, in any order, duplicates ignored.

    A kit is named by its kit id, but a frame is only trusted as far as its own check goes:
    a stray frame with the right kit id and a valid check may still disagree with the rest
    of the kit about the kit's shape (n, k, length, generation, vault). Such frames are
    kept apart by their whole kit_key, never mixed into a join, and the kit is the group
    that can rebuild the vault, or failing that the largest (the first seen on a tie): one
    odd frame cannot abort an otherwise complete restore, nor outvote the real kit.
    """

    def __init__(self) -> None:
        self.groups: dict[tuple[bytes, bytes, int, int, int, int], dict[int, Frame]] = {}

    def add(self, frame: Frame) -> bool:
        """Add a frame; False if already held. A frame of another kit id raises InvalidData."""
        if self.groups:
            first = next(iter(self.groups))
            if frame.kit_id != first[1]:
                same_vault = frame.vault_id == first[0]
                raise InvalidData(
                    "a code from another kit "
                    + ("of the same vault" if same_vault else "of a different vault")
                    + f" (kit {short_id(frame.kit_id)}) was found; it was not mixed in",
                    hint="restore from the pages of one kit at a time",
                )
        held = self.groups.setdefault(frame.kit_key, {})
        if frame.index in held:
            return False
        held[frame.index] = frame
        return True

    def add_all(self, frames: Iterable[Frame]) -> None:
        """Add several frames."""
        for frame in frames:
            self.add(frame)

    @property
    def key(self) -> tuple[bytes, bytes, int, int, int, int] | None:
        """What every frame of the kit shares (None before the first frame)."""
        if not self.groups:
            return None
        # max() keeps the first of equals, and dicts keep insertion order: first seen wins.
        return max(
            self.groups,
            key=lambda key: (len(self.groups[key]) >= key[4], len(self.groups[key])),
        )

    @property
    def frames(self) -> dict[int, Frame]:
        """The kit's frames by index (strays excluded)."""
        key = self.key
        return self.groups[key] if key is not None else {}

    @property
    def strays(self) -> int:
        """Frames with this kit id that did not match the rest of the kit (ignored)."""
        key = self.key
        return sum(len(held) for k, held in self.groups.items() if k != key)

    @property
    def n(self) -> int:
        """Total frames in the kit (0 before the first frame)."""
        return self.key[3] if self.key else 0

    @property
    def k(self) -> int:
        """Frames needed to rebuild (0 before the first frame)."""
        return self.key[4] if self.key else 0

    def complete(self) -> bool:
        """Whether enough frames are held to rebuild the vault."""
        return self.key is not None and len(self.frames) >= self.k

    def missing(self) -> list[int]:
        """Indexes (0-based) of the frames not yet held."""
        return [i for i in range(self.n) if i not in self.frames]

    def join(self) -> bytes:
        """The original bytes; InvalidData naming the missing codes if too few are held."""
        from zfec import easyfec

        if self.key is None:
            raise InvalidData("no rvault kit codes were found")
        if not self.complete():
            need = self.k - len(self.frames)
            numbers = ", ".join(str(i + 1) for i in self.missing())
            raise InvalidData(
                f"{len(self.frames)} of {self.n} codes read, {self.k} needed: "
                f"{need} more of codes {numbers}"
            )
        chosen = sorted(self.frames.values(), key=lambda f: f.index)[: self.k]
        length, block_len = self.key[5], len(chosen[0].block)
        decoder = easyfec.Decoder(self.k, self.n)
        data = decoder.decode(
            [f.block for f in chosen], [f.index for f in chosen], self.k * block_len - length
        )
        return bytes(data)


LINE_CHARS = 40  # eight groups of five: 25 bytes, so every line decodes on its own
LINE_GROUP = 5
# A frame fits one version-40 QR code (4296 characters), so a code has at most 108 lines;
# larger numbers on a typed line are a typo or a forgery, refused before anything is built.
MAX_LINES = 110
FILLER = "."  # shows the empty places of a code's last line, so its check stays in column
_FILLERS = str.maketrans("", "", ".\N{MIDDLE DOT}")
_LABEL = str.maketrans("OIL", "011")  # the promise "0 and O are the same" holds in labels too
_LABEL_SHAPE = re.compile(r"\s*[0-9OIL]+\s*-\s*[0-9OIL]+\s", re.IGNORECASE)


def short_id(ident: bytes) -> str:
    """The first 4 bytes of an id as 8 hex digits, as printed on every page."""
    return ident[:4].hex().upper()


def _line_check(code_no: int, line_no: int, chars: str) -> str:
    digest = hashlib.sha256(f"{code_no}:{line_no}:{chars}".encode()).digest()
    value = int.from_bytes(digest[:2], "big") >> 6  # 10 bits: two base32 characters
    return CROCKFORD[value >> 5] + CROCKFORD[value & 31]


def text_lines(frame: Frame) -> list[str]:
    """The frame as typeable lines: `CCC-LL  XXXXX ... (8 groups)  KK`; KK checks the line.

    The last line is filled out with dots, so that it ends where every other line ends and a
    lone last character is not taken for a smudge; the dots are not typed (readers skip them).
    """
    body = b32encode(frame.to_bytes())
    code_no = frame.index + 1
    lines = []
    for line_no, start in enumerate(range(0, len(body), LINE_CHARS), 1):
        chars = body[start : start + LINE_CHARS]
        shown = chars.ljust(LINE_CHARS, FILLER)
        groups = " ".join(shown[i : i + LINE_GROUP] for i in range(0, LINE_CHARS, LINE_GROUP))
        lines.append(
            f"{code_no:03d}-{line_no:02d}  {groups}  {_line_check(code_no, line_no, chars)}"
        )
    return lines


@dataclass(frozen=True)
class TypedLine:
    """One parsed typed line: which code and line it claims to be, and whether it checks."""

    code_no: int
    line_no: int
    chars: str
    ok: bool


def _label_number(word: str) -> int | None:
    """A code or line number as typed (O for 0, I or L for 1); None if it is not a number."""
    digits = word.upper().translate(_LABEL)
    if not digits or not digits.isascii() or not digits.isdigit():
        return None  # isascii: "¹" and other Unicode digits are not what the paper shows
    return int(digits) if len(digits) <= 4 else 10**4  # a 5,000-digit "number" stays cheap


def parse_typed_line(line: str) -> TypedLine | None:
    """Parse `CCC-LL <chars> KK`, forgiving case, spacing and confusions; None if not one.

    InvalidData for a line in that shape whose numbers no kit can have (code above 255,
    line above MAX_LINES): a typo to fix, refused before any memory is spent on it.
    """
    words = line.replace("-", " ").split()
    if len(words) < 3:
        return None
    code_no, line_no = _label_number(words[0]), _label_number(words[1])
    if code_no is None or line_no is None:
        return None
    words[2:] = [w for w in (w.translate(_FILLERS) for w in words[2:]) if w]
    if not (1 <= code_no <= MAX_FRAMES and 1 <= line_no <= MAX_LINES):
        if not _LABEL_SHAPE.match(line):
            return None  # "12 2024 ..." in a pasted page is text, not a mistyped kit line
        raise InvalidData(
            f"{words[0][:8]}-{words[1][:8]} is not a line of a kit: codes are numbered 001 to "
            f"{MAX_FRAMES} and lines 01 to {MAX_LINES}",
            hint="check the code and line number at the start of the line",
        )
    if len(words) == 3:  # numbered, but the groups or the check are missing: a bad line
        return TypedLine(code_no, line_no, normalize_b32(words[2]), False)
    chars, check = normalize_b32("".join(words[2:-1])), normalize_b32(words[-1])
    ok = 0 < len(chars) <= LINE_CHARS and check == _line_check(code_no, line_no, chars)
    return TypedLine(code_no, line_no, chars, ok)


def frames_from_typed(lines: Iterable[TypedLine]) -> tuple[list[Frame], dict[int, list[int]]]:
    """Frames whose lines are all present and correct, and for the others the bad line numbers.

    A code whose lines run 1..L without a gap and decode to a frame with a valid check is
    accepted; a code with a bad or missing line is reported so the person can retype it.
    """
    by_code: dict[int, dict[int, TypedLine]] = {}
    twice: dict[int, set[int]] = {}
    for tl in lines:
        held = by_code.setdefault(tl.code_no, {})
        old = held.get(tl.line_no)
        if old is not None and old.ok and tl.ok and old.chars != tl.chars:
            # Two good lines under one label: lines of two kits typed together. Which one
            # belongs is unknowable, so the code waits rather than silently build either.
            twice.setdefault(tl.code_no, set()).add(tl.line_no)
        # A correct retype replaces a bad line; a bad retype never replaces a good one.
        if tl.line_no not in held or (tl.ok and not held[tl.line_no].ok):
            held[tl.line_no] = tl
    frames, problems = [], {}
    for code_no, held in sorted(by_code.items()):
        bad = [n for n, tl in sorted(held.items()) if not tl.ok]
        gaps = [n for n in range(1, max(held) + 1) if n not in held]
        if bad or gaps or code_no in twice:
            problems[code_no] = sorted({*bad, *gaps, *twice.get(code_no, ())})
            continue
        text = "".join(held[n].chars for n in range(1, max(held) + 1))
        try:
            frame = parse_frame(b32decode(text))
        except InvalidData:
            problems[code_no] = [max(held) + 1]  # lines are missing at the end
            continue
        if frame.index + 1 != code_no:
            problems[code_no] = sorted(held)
            continue
        frames.append(frame)
    return frames, problems


def typed_layout(first_lines: str) -> tuple[int, int, int] | None:
    """(n, k, lines per code) from the first two typed lines of any code, or None if unknown.

    The header's n, k and length sit in bytes 34-39, inside line 2; every code of a kit has the
    same number of lines, so a typist can be told how many lines are still needed.
    """
    if len(first_lines) < 2 * LINE_CHARS:
        return None
    try:
        head = b32decode(first_lines[: 2 * LINE_CHARS])
    except InvalidData:
        return None
    *_, n, k, length = _HEAD.unpack_from(head)
    if not (1 <= k < n) or length == 0:
        return None
    frame_bytes = OVERHEAD + math.ceil(length / k)
    chars = math.ceil(frame_bytes * 8 / 5)
    return n, k, math.ceil(chars / LINE_CHARS)
