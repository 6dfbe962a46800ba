"""Parse backup codes and recovery keys pasted the way real services print them.

Pure text handling: no I/O and no other vault modules, so anything a person pastes can be fed
in. Input that yields nothing usable raises InvalidData and nothing else.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from vault.errors import InvalidData

__all__ = [
    "SHAPE_1PASSWORD",
    "SHAPE_BITLOCKER",
    "SHAPE_MICROSOFT",
    "RecoveryKey",
    "normalize_code",
    "parse_backup_codes",
    "parse_recovery_key",
]

SHAPE_BITLOCKER = "BitLocker recovery key"
SHAPE_1PASSWORD = "1Password Secret Key"
SHAPE_MICROSOFT = "Microsoft recovery code"

# Services print 8 or more characters; anything shorter is far more likely a page number, a
# count or a year than a code, and keeping it would put junk in the vault.
MIN_CODE_CHARS = 6
# Groups this short are parts of one code (Google prints "1234 5678"), not separate codes.
MAX_GROUP_CHARS = 5

# PDFs and web pages turn dashes into typographic ones and sprinkle invisible characters;
# people type the ASCII dash at the login prompt, so that is what we keep.
_TYPOGRAPHIC_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"
_DASHES = str.maketrans(dict.fromkeys(_TYPOGRAPHIC_DASHES, "-"))
_ANY_DASH = "-" + _TYPOGRAPHIC_DASHES
# Soft hyphens, zero-width spaces and joiners, word joiners and byte-order marks: pasted text
# carries them invisibly and they are never part of a code, key or seed.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")

_CODE_TOKEN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_OTHER_DATE = re.compile(r"([0-9]{1,2})-([0-9]{1,2})-(?:[0-9]{2}|[0-9]{4})")
_MARKER = re.compile(r"\(([0-9]{1,3})\)|\[([0-9]{1,3})\]|#([0-9]{1,3})[.):]?|([0-9]{1,3})[.):]")
_SMALL_NUMBER = re.compile(r"[0-9]{1,3}")
_BULLETS = frozenset({"-", "*", "+", ">", "\u2022", "\u00b7", "\u2023", "\u25e6", "\u25aa"})
# Columns are separated by a wide gap or a tab; commas and semicolons separate codes that
# were pasted as a list ("abcd-1234, efgh-5678").
_CHUNK_BREAK = re.compile(r"\t|\s{2,}|[,;]\s*")
_TRIM = "\"'`.,;:!?()[]{}<>"

_BOUNDARY_BEFORE = r"(?<![A-Za-z0-9-])"
_BOUNDARY_AFTER = r"(?![A-Za-z0-9-])"
# Spaces are accepted between BitLocker groups because people retype the key that way; the
# extra look-arounds stop a 9-group run from being read as a valid 8-group key.
_BITLOCKER = re.compile(
    _BOUNDARY_BEFORE + r"(?<![0-9] )([0-9]{6}(?:[- ][0-9]{6}){7})" + _BOUNDARY_AFTER + r"(?! [0-9])"
)
_1PASSWORD = re.compile(
    _BOUNDARY_BEFORE + r"[Aa]3(?:-[A-Za-z0-9]{6}){2}(?:-[A-Za-z0-9]{5}){4}" + _BOUNDARY_AFTER
)
# Lower case is not accepted here: an unknown case-sensitive key must never be upper-cased.
_MICROSOFT = re.compile(_BOUNDARY_BEFORE + r"[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4}" + _BOUNDARY_AFTER)
# BitLocker groups are 16-bit words times 11, which is how Windows catches typing mistakes.
_BITLOCKER_LIMIT = 65536 * 11

_Entry = tuple[int | None, list[str]]


@dataclass(frozen=True)
class RecoveryKey:
    """A recovery key as it should be stored, with the service shape it was recognised as."""

    value: str
    shape: str | None
    warnings: tuple[str, ...] = ()


def strip_invisible(text: str) -> str:
    """text without the invisible characters that pasting brings along."""
    return _INVISIBLE.sub("", text)


def normalize_code(code: str) -> str:
    """Comparison form of a code: case, spaces and dashes ignored."""
    return "".join(ch for ch in code if not ch.isspace() and ch not in _ANY_DASH).lower()


def parse_backup_codes(text: str) -> list[str]:
    """Backup codes found in text pasted as a service printed it, in order, duplicates dropped."""
    entries = [
        entry for line in _normalize_paste(text).splitlines() for entry in _line_entries(line)
    ]
    group = _usual_group_count(entries)
    found: list[tuple[str, int | None]] = []
    for number, tokens in entries:
        codes = _codes_in(tokens, group)
        # A number belongs to a code only when its entry held exactly one code.
        found.extend((code, number if len(codes) == 1 else None) for code in codes)
    numbers = [number for _, number in found]
    # Google numbers codes down two columns (1-5 left, 6-10 right), so reading row by row gives
    # 1, 6, 2, 7...; when every code has its own number, the numbers are the real order.
    if found and None not in numbers and len(set(numbers)) == len(numbers):
        found.sort(key=lambda item: item[1] or 0)
    seen: set[str] = set()
    result: list[str] = []
    for code, _ in found:
        key = normalize_code(code)
        if key not in seen:
            seen.add(key)
            result.append(code)
    if not result:
        raise InvalidData("no backup codes found in the input")
    return result


def parse_recovery_key(text: str) -> RecoveryKey:
    """The one recovery key in pasted text, recognising well-known shapes."""
    cleaned = _normalize_paste(text)
    known: dict[str, RecoveryKey] = {}
    for match in _BITLOCKER.finditer(cleaned):
        groups = re.split(r"[- ]", match.group(1))
        warnings = tuple(
            f"group {index} fails BitLocker's check (likely a typo)"
            for index, group in enumerate(groups, start=1)
            if int(group) % 11 or int(group) >= _BITLOCKER_LIMIT
        )
        value = "-".join(groups)
        known.setdefault(value, RecoveryKey(value, SHAPE_BITLOCKER, warnings))
    for match in _1PASSWORD.finditer(cleaned):
        value = match.group(0).upper()
        known.setdefault(value, RecoveryKey(value, SHAPE_1PASSWORD))
    for match in _MICROSOFT.finditer(cleaned):
        known.setdefault(match.group(0), RecoveryKey(match.group(0), SHAPE_MICROSOFT))
    if len(known) > 1:
        # Guessing here could file the wrong key under an account and lose the right one.
        raise InvalidData(f"the input holds {len(known)} different recovery keys; paste one")
    if known:
        return next(iter(known.values()))

    candidates = dict.fromkeys(
        word
        for word in (raw.strip(_TRIM) for raw in cleaned.split())
        if _is_code_like(word) and _alnum_len(word) >= MIN_CODE_CHARS
    )
    if len(candidates) == 1:
        return RecoveryKey(next(iter(candidates)), None)
    # Past this point the key's shape is unknown, so keep the text exactly as given: a key
    # with unusual characters must not be "tidied" into a different key.
    whole = text.replace("\ufeff", "").strip()
    if not whole:
        raise InvalidData("no recovery key found in the input")
    lines = [line.strip() for line in whole.splitlines() if line.strip()]
    return RecoveryKey(lines[0] if len(lines) == 1 else whole, None)


def _normalize_paste(text: str) -> str:
    return strip_invisible(text).translate(_DASHES)


def _alnum_len(token: str) -> int:
    return len(token) - token.count("-")


def _is_date(token: str) -> bool:
    iso = _ISO_DATE.fullmatch(token)
    if iso:
        return 1 <= int(iso.group(2)) <= 12 and 1 <= int(iso.group(3)) <= 31
    other = _OTHER_DATE.fullmatch(token)
    if other:
        first, second = int(other.group(1)), int(other.group(2))
        return 1 <= min(first, second) <= 12 and max(first, second) <= 31
    return False


def _is_code_like(token: str) -> bool:
    if not _CODE_TOKEN.fullmatch(token) or _is_date(token):
        return False
    # Requiring a digit or a dash keeps prose and ALL-CAPS headings ("BACKUP CODES") out.
    return "-" in token or any(ch.isdigit() for ch in token)


def _marker_number(token: str) -> int | None:
    match = _MARKER.fullmatch(token)
    if match is None:
        return None
    return int(next(group for group in match.groups() if group is not None))


def _is_prefix_only(chunk: str) -> bool:
    tokens = chunk.split()
    if not tokens or (_marker_number(tokens[-1]) is None and tokens[-1] not in _BULLETS):
        return False
    return all(
        _marker_number(t) is not None or t in _BULLETS or _SMALL_NUMBER.fullmatch(t) for t in tokens
    )


def _line_entries(line: str) -> list[_Entry]:
    chunks: list[str] = []
    pending = ""
    for chunk in _CHUNK_BREAK.split(line):
        # "1.      1234 5678": a wide gap after the number must not part it from its code.
        if _is_prefix_only(chunk):
            pending = f"{pending} {chunk}"
        else:
            chunks.append(f"{pending} {chunk}")
            pending = ""
    return [entry for chunk in chunks for entry in _chunk_entries(chunk)]


def _chunk_entries(chunk: str) -> list[_Entry]:
    tokens = chunk.split()
    entries: list[_Entry] = []
    number: int | None = None
    body: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        marker = _marker_number(token)
        dashed = (
            _SMALL_NUMBER.fullmatch(token) is not None
            and index + 1 < len(tokens)
            and tokens[index + 1] == "-"
        )
        if marker is not None or dashed:
            # Several numbered codes may share a chunk: "1. 1234 5678 6. 2345 6789".
            if body:
                entries.append((number, body))
            number, body = (marker if marker is not None else int(token)), []
            index += 1 if marker is not None else 2
            continue
        if not body and token in _BULLETS:
            index += 1
            continue
        if not _is_code_like(token):
            return []
        body.append(token)
        index += 1
    if body:
        entries.append((number, body))
    return entries


def _is_short(tokens: list[str]) -> bool:
    return all(_alnum_len(token) <= MAX_GROUP_CHARS for token in tokens)


def _usual_group_count(entries: list[_Entry]) -> int:
    # Each multi-group entry votes for every group count it could be made of, so rows of two
    # 2-group codes ("1234 5678 2345 6789") back the 2-group reading of a lone last row. Ties
    # go to the larger count: a list where every code has four groups keeps them whole.
    votes: Counter[int] = Counter()
    for _, tokens in entries:
        if len(tokens) > 1 and _is_short(tokens):
            votes.update(d for d in range(2, len(tokens) + 1) if len(tokens) % d == 0)
    if not votes:
        return 0
    return max(votes, key=lambda count: (votes[count], count))


def _codes_in(tokens: list[str], group: int) -> list[str]:
    if _is_short(tokens):
        count = len(tokens)
        same_length = len({len(token) for token in tokens}) == 1
        if group > 1 and count > group and count % group == 0 and same_length:
            pieces = [tokens[start : start + group] for start in range(0, count, group)]
        else:
            pieces = [tokens]
    else:
        pieces = [[token] for token in tokens]
    return [
        " ".join(piece)
        for piece in pieces
        if sum(_alnum_len(token) for token in piece) >= MIN_CODE_CHARS
    ]
