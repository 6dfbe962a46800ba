"""The printed recovery key and its SLIP-39 shares: encoding, checking, splitting, joining.

A recovery key is 32 random bytes. It is high-entropy, so it needs no Argon2: the key slot
derives its wrapping key with HKDF (docs/FORMAT.md, slot type 2). People type it from paper,
so its text form carries a checksum that catches any single mistyped character before any
key is tried.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .errors import InvalidData
from .frames import CROCKFORD, b32decode, b32encode, normalize_b32

KEY_LEN = 32
DATA_CHARS = 52  # 256 bits in base32, the last character carrying 1 bit and 4 zero bits
GROUP = 6
KEY_CHARS = DATA_CHARS + 2  # 9 groups of 6
LINE_1_CHARS = 5 * GROUP  # the sheet prints groups 1-5 on its first line, 6-9 on its second
MAX_SHARES = 16  # SLIP-39's limit per group
SHARE_WORDS = 33  # a 32-byte secret as SLIP-39 words
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


def format_recovery_key(key: bytes) -> str:
    """The key as printed: 54 Crockford characters in 9 dash-separated groups of 6."""
    if len(key) != KEY_LEN:
        raise ValueError("a recovery key is 32 bytes")
    chars = b32encode(key)
    chars += _checks(chars)
    return "-".join(chars[i : i + GROUP] for i in range(0, len(chars), GROUP))


def parse_recovery_key(text: str) -> bytes:
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
                f"{_group_name(pos // GROUP + 1)}"
            )
    return chars


def _length_problem(text: str, chars: str) -> str:
    """How many characters are missing or extra, and in which group when the dashes tell."""
    have, off = len(chars), len(chars) - KEY_CHARS
    count = f"{abs(off)} character{'s' if abs(off) != 1 else ''}"
    problem = f"{count} {'missing' if off < 0 else 'too many'}"
    # Typed with its dashes or spaces, the one group of the wrong length is the culprit.
    groups = [g for g in re.split(r"[\s-]+", text.strip()) if g]
    if len(groups) == KEY_CHARS // GROUP:
        wrong = [i for i, g in enumerate(groups, 1) if len(normalize_b32(g)) != GROUP]
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
    groups = sorted({pos // GROUP + 1 for pos in fits})
    lookalike = {pos // GROUP + 1 for pos, c in fits.items() if {chars[pos], c} in LOOKALIKES}
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
    return f"group {group} (line {line}, {_ordinal(nth)} group)"


def _group_names(groups: list[int], joiner: str) -> str:
    """'group 2 (...)', or 'group 2 (...) or group 7 (...)' with joiner 'or'."""
    names = [_group_name(g) for g in groups]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {joiner} " + names[-1]


def _ordinal(n: int) -> str:
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


MAX_SHARE_EXPONENT = 4  # 160,000 PBKDF2 iterations: well under a second


def split_key(key: bytes, k: int, n: int, passphrase: bytes = b"") -> list[str]:
    """SLIP-39 shares of key: any k of the n mnemonics (33 words each) rebuild it."""
    import shamir_mnemonic

    if not (2 <= k <= n <= MAX_SHARES):
        raise InvalidData(
            f"shares must be K-of-N with 2 <= K <= N <= {MAX_SHARES} (got {k}-of-{n})",
            hint="for a single sheet, leave out --shares",
        )
    _check_share_passphrase(passphrase)
    groups = shamir_mnemonic.generate_mnemonics(1, [(k, n)], key, passphrase)
    return list(groups[0])


def _check_share_passphrase(passphrase: bytes) -> None:
    # SLIP-39 defines its passphrase as printable ASCII only (so any device can type it).
    if any(not 32 <= b <= 126 for b in passphrase):
        raise InvalidData("a share passphrase must be printable ASCII (SLIP-39's rule)")


def parse_shares_option(value: str) -> tuple[int, int]:
    """'2-of-3' (or '2/3', '2of3') -> (2, 3)."""
    cleaned = value.lower().replace(" ", "").replace("/", "-of-").replace("of", "-of-")
    parts = [p for p in cleaned.split("-") if p and p != "of"]
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise InvalidData(f"--shares takes K-of-N, such as 2-of-3 (got {value!r})")
    return int(parts[0]), int(parts[1])


def combine_shares(mnemonics: list[str], passphrase: bytes = b"") -> bytes:
    """The recovery key from K shares; InvalidData says how many more are needed or what is off."""
    import shamir_mnemonic

    shares: dict[int, str] = {}
    threshold = 0
    identifiers = set()
    for no, m in enumerate(mnemonics, 1):
        words = check_share(m.lower().split(), f"share {no} given")
        number, threshold, identifier = share_facts(words)
        shares[number] = words
        identifiers.add(identifier)
    if not shares:
        raise InvalidData("no recovery shares were given")
    if len(identifiers) > 1:
        raise InvalidData(
            "these shares come from different splits and never combine",
            hint="use shares printed together, by the same 'rvault recovery-key add --shares'",
        )
    if len(shares) < threshold:
        more = threshold - len(shares)
        raise InvalidData(
            f"{len(shares)} of the {threshold} shares needed were given: {more} more needed"
        )
    _check_share_passphrase(passphrase)
    # SLIP-39 combines exactly K shares; extra ones are fine to hold but not to pass on.
    chosen = list(shares.values())[:threshold]
    # The shares choose their own PBKDF2 cost (10,000 x 2^e iterations); rvault writes e=1.
    # Capped before deriving, so forged sheets cannot keep the computer busy for minutes.
    from shamir_mnemonic.share import Share

    exponent = max(int(Share.from_mnemonic(w).iteration_exponent) for w in chosen)
    if exponent > MAX_SHARE_EXPONENT:
        raise InvalidData(
            f"these shares ask for a key stretching cost (exponent {exponent}) above the "
            f"{MAX_SHARE_EXPONENT} rvault accepts; rvault's own shares use 1",
            hint="these are not share sheets printed by rvault",
        )
    try:
        return bytes(shamir_mnemonic.combine_mnemonics(chosen, passphrase))
    except shamir_mnemonic.MnemonicError:
        # Its messages quote words of the shares: never show them.
        raise InvalidData("the shares do not fit together") from None


# --- share words: checked one by one, as typed or read from a file -------------------------


def share_word(typed: str) -> str | None:
    """The share word typed means: the word itself, or at least its first 4 letters; else None.

    SLIP-39 chose its 1024 words so that the first four letters tell them apart, which is
    also how hardware wallets let people type them.
    """
    from shamir_mnemonic.wordlist import WORD_INDEX_MAP, WORDLIST

    typed = typed.lower()
    if typed in WORD_INDEX_MAP:
        return typed
    if len(typed) >= 4 and typed.isalpha():
        found = [w for w in WORDLIST if w.startswith(typed)]
        if len(found) == 1:
            return str(found[0])
    return None


def suggest_words(typed: str) -> list[str]:
    """Share words a misspelt word probably was: same first 4 letters, or 1-2 letters off."""
    from shamir_mnemonic.wordlist import WORDLIST

    letters = "".join(c for c in typed.lower() if c.isalpha())
    if len(letters) >= 4 and (same := [w for w in WORDLIST if w[:4] == letters[:4]]):
        return same
    scored = sorted((_distance(letters, w), w) for w in WORDLIST)
    best = scored[0][0]
    return [w for d, w in scored if d == best][:3] if best <= 2 else []


def _distance(a: str, b: str) -> int:
    """Edits (insert, delete, change, swap two neighbours) turning a into b."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, prev2[j - 2] + 1)
            row.append(cost)
        prev2, prev = prev, row
    return prev[-1]


def word_problem(typed: str) -> str:
    """Why a typed word is refused, with the likely word(s); never repeats what was typed."""
    guesses = suggest_words(typed)
    said = " or ".join(f'"{w}"' for w in guesses)
    return "is not a word used on share sheets" + (f"; did you mean {said}?" if said else "")


def _sentence(text: str) -> str:
    """text ending in a full stop unless it already ends in a question mark."""
    return text if text.endswith("?") else text + "."


def check_share(words: list[str], label: str) -> str:
    """The 33 words as one share's text, each word and the share's check verified.

    label names the share in errors ("share 2 (share-2.txt)"). A misspelt word is named
    by its number with a suggestion; a real but wrong word is located through the share's
    own check (SLIP-39's RS1024 corrects any one wrong word, so it can point at it).
    """
    from shamir_mnemonic.share import Share
    from shamir_mnemonic.utils import MnemonicError

    known = []
    for no, typed in enumerate(words, 1):
        word = share_word(typed)
        if word is None:
            raise InvalidData(f"{label}: word {no} {word_problem(typed)}")
        known.append(word)
    if len(known) != SHARE_WORDS:
        off = len(known) - SHARE_WORDS
        what = f"{abs(off)} {'missing' if off < 0 else 'too many'}"
        raise InvalidData(f"{label} has {len(known)} words; a share has {SHARE_WORDS} ({what})")
    text = " ".join(known)
    try:
        share = Share.from_mnemonic(text)
    except MnemonicError:
        wrong = wrong_word(known)
        if wrong is not None:
            raise InvalidData(
                f"{label}: word {wrong} looks wrong (a real word, but not the one on the sheet)"
            ) from None
        raise InvalidData(
            f"{label}: the words do not check out",
            hint="compare each word with the sheet, in order",
        ) from None
    if share.group_count != 1:
        raise InvalidData(f"{label} is not a share of an rvault recovery key")
    return text


def share_facts(text: str) -> tuple[int, int, int]:
    """(sheet number, shares needed, split identifier) of a checked share's text."""
    from shamir_mnemonic.share import Share

    share = Share.from_mnemonic(text)
    return int(share.index) + 1, int(share.member_threshold), int(share.identifier)


def wrong_word(words: list[str]) -> int | None:
    """The number (1-33) of the one wrong word that explains a failed share check, if any.

    RS1024's check is linear: changing word p by x (bitwise) changes the check state by a
    value that depends only on p and x. So the difference from the valid state names the
    (p, x) that explains it; with three check words the answer is unique for one wrong word.
    """
    from shamir_mnemonic.rs1024 import _polymod
    from shamir_mnemonic.share import _customization_string
    from shamir_mnemonic.wordlist import WORD_INDEX_MAP

    values = [WORD_INDEX_MAP[w] for w in words]
    extendable = bool((values[1] >> 4) & 1)  # the flag bit in the second word
    prefix = list(_customization_string(extendable))
    syndrome = int(_polymod(prefix + values)) ^ 1
    if syndrome == 0:
        return None

    def effect(pos: int, x: int) -> int:
        # The state change from x at pos: polymod is affine, so subtract the all-zero run.
        run = [0] * len(values)
        run[pos] = x
        return int(_polymod(prefix + run) ^ _polymod(prefix + [0] * len(values)))

    found = []
    for pos in range(len(values)):
        basis = [effect(pos, 1 << bit) for bit in range(10)]
        low = [_xor_of(basis[:5], x) for x in range(32)]
        high = [_xor_of(basis[5:], x) for x in range(32)]
        found += [pos + 1 for x in range(1, 1024) if low[x & 31] ^ high[x >> 5] == syndrome]
    return found[0] if len(found) == 1 else None


def _xor_of(basis: list[int], bits: int) -> int:
    out = 0
    for i, b in enumerate(basis):
        if bits >> i & 1:
            out ^= b
    return out


def split_share_text(text: str) -> list[str]:
    """The words of share text as typed: numbering ("1." or "17)") and punctuation dropped."""
    words = []
    for raw in text.lower().split():
        token = re.sub(r"^\d+[.):]*", "", raw).strip(".,;:")
        if token:
            words.append(token)
    return words


class TypedShares:
    """Shares typed word by word, each word checked as it comes (the interactive prompt)."""

    def __init__(self, given: list[str] | None = None) -> None:
        self.shares: dict[int, str] = {}  # sheet number -> checked text
        self.needed = 0  # shares needed, once one is known
        self.identifier: int | None = None
        self.words: list[str] = []  # the share being typed
        self.retype: int | None = None  # a word number to type again
        for text in given or []:
            self._take(text)

    def prompt(self) -> str:
        """What to ask for next: 'share 2, word 7'."""
        no = self.retype if self.retype is not None else len(self.words) + 1
        return f"share {len(self.shares) + 1}, word {no}"

    def missing(self) -> int | None:
        """How many more shares are needed; None before the first share is complete."""
        return max(0, self.needed - len(self.shares)) if self.needed else None

    def type(self, line: str) -> list[str]:
        """Take a typed line (one or more words); what to tell the person."""
        tokens = split_share_text(line)
        for at, typed in enumerate(tokens):
            if self.retype is not None:
                word = share_word(typed)
                if word is None:
                    return [f"Word {self.retype} {_sentence(word_problem(typed))} Type it again."]
                self.words[self.retype - 1], self.retype = word, None
            else:
                word = share_word(typed)
                no = len(self.words) + 1
                if word is None:
                    extra = " The words after it were not taken." if at < len(tokens) - 1 else ""
                    problem = _sentence(word_problem(typed))
                    return [f"Word {no} {problem} Type word {no} again.{extra}"]
                self.words.append(word)
            if len(self.words) == SHARE_WORDS:
                return [self._finish_share()]
        return []

    def _finish_share(self) -> str:
        try:
            text = check_share(self.words, "this share")
        except InvalidData as exc:
            wrong = wrong_word(self.words)
            if wrong is not None:
                self.retype = wrong
                return (
                    f"Word {wrong} of this share looks wrong (a real word, but not the one on "
                    f"the sheet). Type word {wrong} again."
                )
            self.words = []
            return f"{exc.message[0].upper()}{exc.message[1:]}. Type this share again from word 1."
        self.words = []
        return self._take(text)

    def _take(self, text: str) -> str:
        number, needed, identifier = share_facts(text)
        if self.identifier is not None and identifier != self.identifier:
            return (
                "These words are from a different set of share sheets (printed at another "
                "time). Type a share from the same set."
            )
        if number in self.shares:
            return f"You already gave share {number}. Type a different share."
        self.identifier, self.needed, self.shares[number] = identifier, needed, text
        more = needed - len(self.shares)
        if more <= 0:
            return f"Share {number} ok. That makes {needed}: enough to rebuild the recovery key."
        return f"Share {number} ok. {more} more share{'s' if more > 1 else ''} needed."


MAX_SHARE_TEXT = 64 * 1024  # 16 shares of 33 numbered words are under 6 KB
MAX_SHARE_IMAGE = 64 * 1024 * 1024  # a phone photo is a few MB; a PDF of 16 sheets, more


def read_share_source(source: str) -> list[str]:
    """Checked shares from a text file of words ('-' = stdin) or a scan/photo of share sheets."""
    from .errors import MissingInput
    from .secrets_in import read_source_bytes

    if source != "-":
        path = Path(source)
        if not path.is_file():
            raise MissingInput(f"no such file: {source}")
        data = read_source_bytes(source, MAX_SHARE_IMAGE)
        if data.startswith(b"%PDF") or not _looks_like_text(data[:4096]):
            return _qr_texts(path, data)
        if len(data) > MAX_SHARE_TEXT:
            raise InvalidData(f"{source} is too large for a text file of share words")
    else:
        data = read_source_bytes(source, MAX_SHARE_TEXT)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidData(f"{source} is not a text file of share words") from None
    words = split_share_text(text)
    if not words or len(words) % SHARE_WORDS:
        short = -len(words) % SHARE_WORDS
        raise InvalidData(
            f"{source}: a share has {SHARE_WORDS} words; found {len(words)} words "
            f"({short} missing, or {SHARE_WORDS - short} too many)"
            if words
            else f"{source}: no share words were found"
        )
    count = len(words) // SHARE_WORDS
    shares = []
    for i in range(count):
        chunk = words[i * SHARE_WORDS : (i + 1) * SHARE_WORDS]
        number = _sheet_number(chunk)
        which = f"share {number}" if number else "the share"
        where = f"{_ordinal(i + 1)} share in {source}" if count > 1 else source
        shares.append(check_share(chunk, f"{which} ({where})"))
    return shares


def _sheet_number(words: list[str]) -> int | None:
    """The sheet number a share's first four words carry (before any other check), if any."""
    known = [share_word(w) for w in words[:4]]
    if len(known) < 4 or None in known:
        return None
    from shamir_mnemonic.wordlist import WORD_INDEX_MAP

    value = 0
    for w in known:
        value = value << 10 | WORD_INDEX_MAP[str(w)]
    # 40 bits: identifier 15, extendable 1, exponent 4, group index, threshold, count 4
    # each, then the member index and the member threshold, 4 bits each.
    return (value >> 4 & 0xF) + 1


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\0" not in head


def _qr_texts(path: Path, data: bytes) -> list[str]:
    """Every QR text in an image or PDF that looks like a share: 33 lowercase words.

    Read like kit scans, with their caps (pixels, pages, embedded images), one page at a
    time, so a share sheet costs no more memory or time than a page of the kit.
    """
    import zxingcpp

    from .scan import load_image, render_pdf_pages

    pages = render_pdf_pages(data) if data.startswith(b"%PDF") else iter([load_image(str(path))])
    texts = []
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    for img in pages:
        for code in zxingcpp.read_barcodes(img, formats=qr):
            words = code.text.lower().split()
            if len(words) == SHARE_WORDS and all(w.isalpha() for w in words):
                texts.append(check_share(words, f"the share sheet in {path}"))
        del img  # one rendered page at a time
    if not texts:
        raise InvalidData(f"{path}: no share sheet QR code was found")
    return texts
