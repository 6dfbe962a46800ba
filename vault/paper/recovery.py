"""The printed recovery key: its typed form with check characters, and recovering with it.

A recovery key is 32 random bytes. It is high-entropy, so it needs no Argon2: the key slot
derives its wrapping key with HKDF (docs/FORMAT.md, slot type 2). People type it from paper,
so its text form carries a checksum that catches any single mistyped character before any
key is tried.
"""

from __future__ import annotations

import hashlib
import re

from vault.crypto import KEY_LEN, KdfParams, Rng, random_bytes
from vault.errors import InvalidData, StorageError
from vault.format import RecoverySlot, parse
from vault.keyslots import open_payload, seal_payload, unlock, unlock_recovery, wrap_passphrase
from vault.model import Vault
from vault.paper.frames import CROCKFORD, b32decode, b32encode, normalize_b32
from vault.policy import DEFAULT_PARALLELISM, FLOOR_MEMORY_KIB, FLOOR_TIME_COST
from vault.store import check_new_kdf

DATA_CHARS = 52  # 256 bits in base32, the last character carrying 1 bit and 4 zero bits
KEY_GROUP = 6
KEY_CHARS = DATA_CHARS + 2  # 9 groups of 6
LINE_1_CHARS = 5 * KEY_GROUP  # the sheet prints groups 1-5 on its first line, 6-9 on its second
# Characters people mix up when copying from paper (normalize_b32 already merges O/0, I/L/1).
LOOKALIKES = [
    set(pair)
    for pair in (
        "0D",
        "0Q",
        "17",
        "2Z",
        "5S",
        "6G",
        "8B",
        "38",
        "9G",
        "9Q",
        "CG",
        "EF",
        "MN",
        "MW",
        "NH",
        "PR",
        "VY",
        "VW",
        "KX",
        "4A",
        "6B",
        "0C",
        "QG",
        "RK",
        "TY",
        "7T",
    )
]


def _checks(data_chars: str) -> str:
    values = [CROCKFORD.index(c) for c in data_chars]
    # Sum mod 32: a single wrong character changes it by 1..31, so it is always caught.
    # The second character (5 bits of SHA-256) catches most multi-character mistakes too.
    first = sum(values) % 32
    second = hashlib.sha256(data_chars.encode()).digest()[0] >> 3
    return CROCKFORD[first] + CROCKFORD[second]


def format_printed_key(key: bytes) -> str:
    """The key as printed: 54 Crockford characters in 9 dash-separated groups of 6."""
    if len(key) != KEY_LEN:
        raise ValueError(f"a recovery key is {KEY_LEN} bytes")
    chars = b32encode(key)
    chars += _checks(chars)
    return "-".join(chars[i : i + KEY_GROUP] for i in range(0, len(chars), KEY_GROUP))


def parse_printed_key(text: str) -> bytes:
    """The 32-byte key from its printed form; InvalidData (naming the problem) on any typo."""
    chars = key_chars(text)
    if len(chars) != KEY_CHARS:
        raise InvalidData(_length_problem(text, chars))
    data, check = chars[:DATA_CHARS], chars[DATA_CHARS:]
    if _checks(data) != check:
        raise InvalidData(*_typo_message(chars))
    key = b32decode(data)
    if len(key) != KEY_LEN or b32encode(key) != data:
        raise InvalidData("the recovery key has a typo in group 9 (the last group)")
    return key


def key_chars(text: str) -> str:
    """A typed key's characters, normalized; InvalidData naming the group of a foreign one."""
    chars = normalize_b32(text)
    for pos, c in enumerate(chars):
        if c not in CROCKFORD:
            # Named by group only: the error must not echo what was typed.
            raise InvalidData(
                f"the recovery key has a character that is not on the sheet, in "
                f"{_group_name(pos // KEY_GROUP + 1)}"
            )
    return chars


def _length_problem(text: str, chars: str) -> str:
    """How many characters are missing or extra, and in which group when the dashes tell."""
    have, off = len(chars), len(chars) - KEY_CHARS
    count = f"{abs(off)} character{'s' if abs(off) != 1 else ''}"
    problem = f"{count} {'missing' if off < 0 else 'too many'}"
    # Typed with its dashes or spaces, the one group of the wrong length is the culprit.
    groups = [g for g in re.split(r"[\s-]+", text.strip()) if g]
    if len(groups) == KEY_CHARS // KEY_GROUP:
        wrong = [i for i, g in enumerate(groups, 1) if len(normalize_b32(g)) != KEY_GROUP]
        if len(wrong) == 1:
            problem += f", in {_group_name(wrong[0])}"
    return (
        f"the recovery key has {have} characters; it should have {KEY_CHARS} "
        f"(9 groups of 6): {problem}"
    )


def typo_groups(chars: str) -> tuple[list[int], int | None]:
    """Where one mistyped character would explain a failed check: (groups 1-9, likeliest).

    The first check character is the sum of all values mod 32, so a single wrong character
    could sit anywhere: for each place exactly one value fixes the sum. The second check
    character (5 bits of SHA-256) rules out about 31 of every 32 of those places, which
    leaves one to three groups most of the time. Of those, a place where the fix is a look-
    alike of what was typed (5 for S, 8 for B) is the likeliest. ([], None): no single typo.
    """
    if len(chars) != KEY_CHARS or any(c not in CROCKFORD for c in chars):
        raise ValueError("typo_groups takes the 54 normalized characters of a key")
    data, check = chars[:DATA_CHARS], chars[DATA_CHARS:]
    values = [CROCKFORD.index(c) for c in data]
    delta = (CROCKFORD.index(check[0]) - sum(values)) % 32
    fits: dict[int, str] = {}  # place -> the character that would fix it
    if delta == 0:
        if _checks(data)[1] != check[1]:
            fits[DATA_CHARS + 1] = _checks(data)[1]  # only the second check can be wrong
    else:
        if _checks(data)[1] == check[1]:
            fits[DATA_CHARS] = _checks(data)[0]  # the first check character itself
        for pos, v in enumerate(values):
            fixed = data[:pos] + CROCKFORD[(v + delta) % 32] + data[pos + 1 :]
            if _checks(fixed)[1] == check[1]:
                fits[pos] = fixed[pos]
    groups = sorted({pos // KEY_GROUP + 1 for pos in fits})
    lookalike = {pos // KEY_GROUP + 1 for pos, c in fits.items() if {chars[pos], c} in LOOKALIKES}
    likeliest = groups[0] if len(groups) == 1 else None
    if likeliest is None and len(lookalike) == 1:
        likeliest = lookalike.pop()
    return groups, likeliest


def _typo_message(chars: str) -> tuple[str, str]:
    """The error and hint for a key whose check characters do not match."""
    same = "0/O and 1/I/L count as the same"
    groups, likeliest = typo_groups(chars)
    if likeliest is not None:
        others = [g for g in groups if g != likeliest]
        if not others:
            return (
                f"the recovery key has a typo: {_group_name(likeliest)} looks wrong",
                f"compare that group with the sheet; {same}",
            )
        return (
            f"the recovery key has a typo, most likely in {_group_name(likeliest)}",
            f"if that group matches the sheet, check {_group_names(others, 'and')}; {same}",
        )
    if 1 < len(groups) <= 3:
        return (
            f"the recovery key has a typo, probably in {_group_names(groups, 'or')}",
            f"compare those groups with the sheet; {same}",
        )
    return (
        "the recovery key has a typo: its check characters do not match",
        f"compare each group with the sheet; {same}",
    )


def _group_name(group: int) -> str:
    """'group 7 (line 2, 2nd group)': where a person finds a group on the sheet."""
    line, nth = (1, group) if group <= 5 else (2, group - 5)
    return f"group {group} (line {line}, {ordinal(nth)} group)"


def _group_names(groups: list[int], joiner: str) -> str:
    """'group 2 (...)', or 'group 2 (...) or group 7 (...)' with joiner 'or'."""
    names = [_group_name(g) for g in groups]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {joiner} " + names[-1]


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', ..."""
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def typed_key_progress(text: str) -> str | None:
    """What to tell someone typing the key line by line; None once all 54 characters are in.

    The sheet prints the key on two lines of 5 and 4 groups; people press Enter after each.
    """
    chars = key_chars(text)
    if len(chars) >= KEY_CHARS:
        return None
    left = KEY_CHARS - len(chars)
    if len(chars) == LINE_1_CHARS:
        return "Line 1 of 2 ok. Now type the second line (4 groups):"
    plural = "s" if left != 1 else ""
    return f"{len(chars)} of {KEY_CHARS} characters so far; type the rest ({left} more{plural}):"


def _stamp(plaintext: bytes, generation: int) -> bytes:
    """The payload marked for a change of the ways in at generation (kits are stale)."""
    vault = Vault.from_bytes(plaintext)
    vault.mark_slots_changed(generation)
    return vault.to_bytes()


def recover_with_key(
    data: bytes,
    key: bytes,
    new_passphrase: str,
    kdf: KdfParams | None = None,
    *,
    allow_weak: bool = False,
    rng: Rng = random_bytes,
) -> bytes:
    """A vault file's bytes re-opened with a recovery key and given a new passphrase.

    Pure (no files): the result keeps the recovery slot, replaces every passphrase slot with
    one for new_passphrase, and is verified to open with it before it is returned.
    """
    if not new_passphrase:
        raise InvalidData("the new passphrase is empty")
    container = parse(data)
    master_key = unlock_recovery(container, key)
    plaintext = open_payload(container, master_key)
    Vault.from_bytes(plaintext)  # the contents must be sound before they get a new passphrase
    old = [s.kdf for s in container.passphrase_slots() if not s.kdf.below_floor()]
    # Keep the costs the owner chose; a weak (test) vault gets the policy floor instead.
    kdf = kdf or (
        old[0] if old else KdfParams(FLOOR_TIME_COST, FLOOR_MEMORY_KIB, DEFAULT_PARALLELISM)
    )
    check_new_kdf(kdf, allow_weak)
    slot = wrap_passphrase(master_key, new_passphrase, kdf, container.vault_id, rng)
    keep = tuple(s for s in container.slots if isinstance(s, RecoverySlot))
    generation = container.generation + 1
    plaintext = _stamp(plaintext, generation)
    new = seal_payload(
        master_key, plaintext, container.vault_id, generation, (slot, *keep), rng
    ).to_bytes()
    back = parse(new)
    if unlock(back, new_passphrase) != master_key or open_payload(back, master_key) != plaintext:
        raise StorageError("the recovered vault did not read back correctly")
    return new
