"""The printed recovery key and SLIP-39 shares in the browser (issue 15), in Node against Python.

The page reads a typed key or typed share words as the CLI does: the same keys, the same
refusals in the same words, and a forged share's iteration exponent refused before any PBKDF2.
"""

from __future__ import annotations

import base64
import random
from typing import Any

from support.webjs import needs_node, node

pytestmark = needs_node


def python_error(call: Any, *args: Any) -> tuple[str, str]:
    """What the library says for a refused input: (class name, message)."""
    from vault.errors import VaultError

    try:
        call(*args)
    except VaultError as exc:
        return type(exc).__name__, exc.message
    raise AssertionError("the library accepted it")


def test_the_printed_key_reads_and_names_typos_as_the_cli_does() -> None:
    from vault.paper.recovery import format_printed_key, parse_printed_key

    rng = random.Random(54)
    keys = [rng.randbytes(32) for _ in range(6)]
    texts = [format_printed_key(k) for k in keys]
    typed = [t.lower().replace("-", " ") for t in texts]  # as a person may type it
    broken = []
    for t in texts * 4:
        pos = rng.choice([i for i, c in enumerate(t) if c != "-"])
        wrong = rng.choice([c for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" if c != t[pos]])
        broken.append(t[:pos] + wrong + t[pos + 1 :])
    broken += [texts[0][:-3], texts[0] + "7", texts[0].replace("-", "", 1) + "*"]
    answers = node([{"op": "printed_key", "text": t} for t in [*typed, *broken]])
    for key, got in zip(keys, answers, strict=False):
        assert base64.b64decode(got["key"]) == key
    for text, got in zip(broken, answers[len(typed) :], strict=True):
        assert (got["error"], got["message"]) == python_error(parse_printed_key, text), text


def test_shares_combine_and_refuse_as_the_cli_does() -> None:
    from vault.paper.shares import check_share, split_key

    rng = random.Random(39)
    key = rng.randbytes(32)
    shares = split_key(key, 2, 3)
    protected = split_key(key, 3, 5, b"extra words")
    words = shares[0].split()
    misspelt = " ".join([*words[:4], words[4][:3] + "qq", *words[5:]])
    swapped = " ".join([*words[:7], words[8], words[7], *words[9:]])
    forged = forge_exponent(shares[0], 15), forge_exponent(shares[1], 15)
    cases = [
        {"shares": [shares[0], shares[2]]},
        {"shares": [shares[2], shares[1]]},
        {"shares": protected[1:4], "passphrase": "extra words"},
        {"shares": protected[:3], "passphrase": "wrong words"},
        {"shares": [shares[0]]},
        {"shares": [misspelt, shares[1]]},
        {"shares": [swapped, shares[1]]},
        {"shares": list(forged)},
    ]
    got = node([{"op": "combine", **c} for c in cases])
    for answer in got[:3]:
        assert base64.b64decode(answer["key"]) == key
    # A wrong SLIP-39 passphrase gives another key, which only the vault's AEAD can refuse.
    assert base64.b64decode(got[3]["key"]) != key
    assert got[4]["message"] == "1 of the 2 shares needed were given: 1 more needed"
    assert got[5]["message"] == python_error(check_share, misspelt.split(), "share 1 given")[1]
    assert "word 5 is not a word used on share sheets" in got[5]["message"]
    assert got[6]["message"] == python_error(check_share, swapped.split(), "share 1 given")[1]
    assert "exponent 15" in got[7]["message"] and got[7]["pbkdf2Calls"] == 0
    assert got[0]["pbkdf2Calls"] == 4  # the control: a real combine does run the rounds


def forge_exponent(share: str, exponent: int) -> str:
    """The share with another iteration exponent and a valid checksum (a forged sheet)."""
    from shamir_mnemonic.share import Share

    real = Share.from_mnemonic(share)
    forged = Share(
        real.identifier,
        real.extendable,
        exponent,
        real.group_index,
        real.group_threshold,
        real.group_count,
        real.index,
        real.member_threshold,
        real.value,
    )
    return forged.mnemonic()


# --- recover.js: the page's view of typed and photographed sheets -------------------------------


def test_share_words_split_as_the_cli_splits_them() -> None:
    from vault.paper.shares import split_key, split_share_text

    words = split_key(bytes(32), 2, 3)[0].split()
    texts = [
        "\n".join(f"{i + 1}. {w}" for i, w in enumerate(words)),
        "  ".join(f"{i + 1}) {w.upper()}," for i, w in enumerate(words)),
        "1.academic 2: acid; 17)  Beard.\t\n",
        "",
    ]
    got = node([{"op": "split_share_text", "text": t} for t in texts])
    assert got == [split_share_text(t) for t in texts]


def test_the_share_set_counts_what_is_missing_and_refuses_what_does_not_belong() -> None:
    from vault.paper.shares import share_facts, split_key

    rng = random.Random(77)
    key = rng.randbytes(32)
    shares = split_key(key, 3, 5)
    other = split_key(rng.randbytes(32), 3, 5)
    numbers = [share_facts(s)[0] for s in shares]
    (got,) = node(
        [{"op": "share_set", "shares": [shares[4], shares[4], other[0], shares[1], shares[0]]}]
    )
    said = got["said"]
    assert said[0] == {"message": f"Share {numbers[4]} ok. 2 more shares needed.", "missing": 2}
    assert said[1]["message"] == f"You already gave share {numbers[4]}. Give a different share."
    assert said[2]["error"] == "InvalidData"
    assert "different set of share sheets" in said[2]["message"]
    assert said[3] == {"message": f"Share {numbers[1]} ok. 1 more share needed.", "missing": 1}
    assert said[4]["message"] == f"Share {numbers[0]} ok. That makes 3: enough to open the vault."
    assert base64.b64decode(got["key"]) == key
    (short,) = node([{"op": "share_set", "shares": [shares[0]]}])
    assert short["message"] == "1 of the 3 shares needed were given: 2 more needed"
    (forged,) = node([{"op": "share_set", "shares": [forge_exponent(s, 15) for s in shares[:3]]}])
    assert "exponent 15" in forged["message"] and forged["pbkdf2Calls"] == 0
    (ascii_only,) = node([{"op": "share_set", "shares": shares[:3], "passphrase": "naïve"}])
    assert ascii_only["message"] == "a share passphrase must be printable ASCII (SLIP-39's rule)"


def test_sheet_qr_codes_are_sorted_into_keys_and_shares() -> None:
    from vault.paper.recovery import format_printed_key
    from vault.paper.shares import split_key

    key = format_printed_key(bytes(range(32)))
    share = split_key(bytes(32), 2, 3)[1]
    texts = [key, share, "https://example.com/", key[:-1] + "0", "RVK1:not-here"]
    (found,) = node([{"op": "sort_sheet_codes", "texts": texts}])
    assert found == {"keys": [key], "shares": [share.split()], "unknown": 3}


def test_help_while_typing_a_key_or_share_words() -> None:
    from vault.paper.recovery import format_printed_key
    from vault.paper.shares import split_key

    key = format_printed_key(bytes(range(32)))
    words = split_key(bytes(32), 2, 3)[0].split()
    typo = key[:10] + ("Z" if key[10] != "Z" else "Y") + key[11:]
    got = node(
        [
            {"op": "key_help", "text": ""},
            {"op": "key_help", "text": key[:20]},
            {"op": "key_help", "text": typo},
            {"op": "key_help", "text": key.lower()},
            {"op": "share_help", "text": f"{words[0]} {words[1]}"},
            {"op": "share_help", "text": f"{words[0]} {words[1][:3]}zq "},
            {"op": "share_help", "text": " ".join(words) + " "},
        ]
    )
    assert got[0] == {"ok": False, "text": ""}
    assert got[1]["ok"] is False and "characters so far" in got[1]["text"]
    assert got[2]["ok"] is False and got[2]["text"].startswith("The recovery key has a typo")
    assert got[3]["ok"] is True
    assert got[4] == {"count": 2, "problem": None}  # the word being typed is not judged yet
    assert got[5]["count"] == 2 and got[5]["problem"].startswith("Word 2 ")
    assert got[6] == {"count": 33, "problem": None}
