"""The printed recovery key and its SLIP-39 shares: encoding, checking, splitting, joining.

A recovery key is 32 random bytes. It is high-entropy, so it needs no Argon2: the key slot
derives its wrapping key with HKDF (docs/FORMAT.md, slot type 2). People type it from paper,
so its text form carries a checksum that catches any single mistyped character before any
key is tried.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import InvalidData
from .frames import CROCKFORD, b32decode, b32encode, normalize_b32

KEY_LEN = 32
DATA_CHARS = 52  # 256 bits in base32, the last character carrying 1 bit and 4 zero bits
GROUP = 6
MAX_SHARES = 16  # SLIP-39's limit per group


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
    chars = normalize_b32(text)
    if any(c not in CROCKFORD for c in chars):
        raise InvalidData("the recovery key has characters that are not on the sheet")
    if len(chars) != DATA_CHARS + 2:
        raise InvalidData(
            f"the recovery key has {len(chars)} characters; it should have {DATA_CHARS + 2} "
            "(9 groups of 6)"
        )
    data, check = chars[:DATA_CHARS], chars[DATA_CHARS:]
    if _checks(data) != check:
        raise InvalidData(
            "the recovery key has a typo: its check characters do not match",
            hint="compare each group with the sheet; 0/O and 1/I/L count as the same",
        )
    key = b32decode(data)
    if len(key) != KEY_LEN or b32encode(key) != data:
        raise InvalidData("the recovery key has a typo in its last group")
    return key


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
    from shamir_mnemonic.share import Share

    shares: dict[int, str] = {}
    threshold = 0
    identifiers = set()
    for m in mnemonics:
        words = " ".join(m.lower().split())
        try:
            share = Share.from_mnemonic(words)
        except shamir_mnemonic.MnemonicError as exc:
            raise InvalidData(f"a share is not readable: {exc}") from None
        shares[share.index] = words
        threshold = share.member_threshold
        identifiers.add(share.identifier)
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
    try:
        return bytes(shamir_mnemonic.combine_mnemonics(chosen, passphrase))
    except shamir_mnemonic.MnemonicError as exc:
        raise InvalidData(f"the shares do not combine: {exc}") from None


def read_share_source(source: str) -> list[str]:
    """Share mnemonics from a text file of words ('-' = stdin) or a scan/photo of share sheets."""
    from .errors import MissingInput

    if source != "-":
        path = Path(source)
        if not path.is_file():
            raise MissingInput(f"no such file: {source}")
        head = path.read_bytes()[:8]
        if head.startswith(b"%PDF") or not _looks_like_text(path.read_bytes()[:4096]):
            return _qr_texts(path)
    from .secrets_in import read_text_source

    words = read_text_source(source).lower().split()
    words = [w for w in words if w.isalpha()]  # numbering such as "1." or "17)" is dropped
    if not words or len(words) % 33:
        raise InvalidData(f"{source}: a share is 33 words; found {len(words)} words")
    return [" ".join(words[i : i + 33]) for i in range(0, len(words), 33)]


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\0" not in head


def _qr_texts(path: Path) -> list[str]:
    """Every QR text in an image or PDF that looks like a share: 33 lowercase words."""
    import zxingcpp
    from PIL import Image

    from .scan import render_pdf_pages

    data = path.read_bytes()
    try:
        if data.startswith(b"%PDF"):
            images = list(render_pdf_pages(data))
        else:
            images = [Image.open(path).convert("L")]
    except Exception:  # PIL and PDFium raise many types for a file they cannot read
        raise InvalidData(f"{path}: not an image, PDF or text file of share words") from None
    texts = []
    for img in images:
        qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        for code in zxingcpp.read_barcodes(img, formats=qr):
            words = code.text.lower().split()
            if len(words) == 33 and all(w.isalpha() for w in words):
                texts.append(" ".join(words))
    if not texts:
        raise InvalidData(f"{path}: no share sheet QR code was found")
    return texts
