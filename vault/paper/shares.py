"""SLIP-39 shares of the printed recovery key: splitting, joining, typing and reading them.

A wrong SLIP-39 passphrase silently yields a different key; the recovery slot's AEAD catches it.
"""

from __future__ import annotations

import re
from pathlib import Path

from vault.errors import InvalidData
from vault.paper.recovery import ordinal

MAX_SHARES = 16  # SLIP-39's limit per group
SHARE_WORDS = 33  # a 32-byte secret as SLIP-39 words


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
    from vault.errors import MissingInput
    from vault.fileio import read_source_bytes

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
        where = f"{ordinal(i + 1)} share in {source}" if count > 1 else source
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

    from vault.paper.pages import load_image, render_pdf_pages

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
