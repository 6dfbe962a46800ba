"""An independent rvault v1 decryptor, written from docs/FORMAT.md alone.

It deliberately shares no code with the `vault` package (it imports only the standard library,
pyca/cryptography and argon2-cffi), so the committed test vectors are checked by two readers
that can only agree if both follow the specification.

Every rule FORMAT.md gives is checked, in the order it gives them:

* the envelope (section 1): size cap, magic, minimum size, checksum -- before anything else;
* version and flags (section 1), slot count and slot types (section 2);
* exact lengths: slot body, ``ciphertext_len >= 16``, file size = header + ciphertext + 32;
* the Argon2id caps of every slot, at parse time, before any key derivation runs (section 2);
* the slot and payload associated data (sections 2 and 4);
* the zlib limits: 64 MiB of output, no truncated stream, no trailing bytes (section 4);
* the payload document schema (section 5).

API: ``decrypt(data, passphrase) -> dict`` raising `Corrupt`, `Unsupported`, `LimitExceeded`
or `WrongPassphrase` (all subclasses of `DecryptError`).
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "Corrupt",
    "DecryptError",
    "LimitExceeded",
    "Unsupported",
    "WrongPassphrase",
    "decrypt",
]

# --- section 1: file layout -----------------------------------------------------------------
MAGIC = b"\x89RVAULT\n"
VERSION = 1
MAX_FILE_SIZE = 16 * 1024 * 1024  # 16,777,216 bytes
FIXED_HEADER = 37  # magic 8 + version 2 + flags 2 + vault_id 16 + generation 8 + slot_count 1
MIN_FILE_SIZE = 37 + 36 + 16 + 32  # = 121
CHECKSUM_LEN = 32
PAYLOAD_SALT_LEN = 32
TAG_LEN = 16

# --- section 2: key slots -------------------------------------------------------------------
MAX_SLOTS = 8
SLOT_PASSPHRASE = 1
SLOT_RECOVERY_KEY = 2  # printed recovery key: HKDF, not a passphrase slot
RECOVERY_BODY_LEN = 60  # nonce 12 + wrapped key 48
PASSPHRASE_BODY_LEN = 88
MAX_PARALLELISM = 16
MAX_TIME_COST = 256
MAX_MEMORY_KIB = 4_194_304  # 4 GiB
MAX_MEMORY_TIME = 67_108_864  # 64 GiB-passes (KiB * passes)

# --- section 4: payload ---------------------------------------------------------------------
PAYLOAD_INFO = b"rvault/v1/payload"
PAYLOAD_NONCE = b"\x00" * 12
MAX_PLAINTEXT = 64 * 1024 * 1024  # 64 MiB of decompressed output

# --- section 5: payload document ------------------------------------------------------------
DOC_KEYS = {"entries", "meta", "version"}
ENTRY_KEYS = {
    "id",
    "name",
    "kind",
    "secret",
    "codes",
    "account",
    "issuer",
    "url",
    "notes",
    "tags",
    "created",
    "updated",
}
CODE_KEYS = {"code", "used", "used_at"}
OTP_KEYS = {"algorithm", "digits", "period"}
OTP_ALGORITHMS = {"SHA1", "SHA256", "SHA512"}
DOC_VERSIONS = (1, 2)
KINDS = {"backup-codes", "recovery-key", "totp", "note"}
ID_RE = re.compile(r"[0-9a-fA-F]{32}")
TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class DecryptError(Exception):
    """Base class of every error this decryptor reports."""


class Corrupt(DecryptError):
    """Bad magic, truncated, wrong lengths, checksum mismatch, or payload not the document."""


class Unsupported(DecryptError):
    """Version != 1, flags != 0, or an unknown / reserved slot type."""


class LimitExceeded(DecryptError):
    """Over a cap: file size, slot count, KDF cost or decompressed size."""


class WrongPassphrase(DecryptError):
    """No slot authenticates, or the payload tag fails (tampering looks the same)."""


@dataclass(frozen=True)
class _Slot:
    salt: bytes
    time_cost: int
    memory_kib: int
    parallelism: int
    nonce: bytes
    wrapped_key: bytes
    aad: bytes


class _Reader:
    """Bounds-checked sequential reader over the part of the file before the checksum."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise Corrupt(f"truncated: {what} runs past the end of the file")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def _check_envelope(data: bytes) -> None:
    """Section 1, 'The envelope rule': these four checks, in this order, before anything else."""
    if len(data) > MAX_FILE_SIZE:
        raise LimitExceeded(f"file is {len(data)} bytes, over the {MAX_FILE_SIZE}-byte cap")
    if data[: len(MAGIC)] != MAGIC:
        raise Corrupt("not an rvault vault file")
    if len(data) < MIN_FILE_SIZE:
        raise Corrupt(f"truncated: {len(data)} bytes, under the {MIN_FILE_SIZE}-byte minimum")
    if hashlib.sha256(data[:-CHECKSUM_LEN]).digest() != data[-CHECKSUM_LEN:]:
        raise Corrupt("damaged: checksum mismatch")


def _parse_slot(reader: _Reader, version_bytes: bytes, vault_id: bytes) -> _Slot | None:
    slot_type, body_len = struct.unpack(">BH", reader.take(3, "slot header"))
    if slot_type == SLOT_RECOVERY_KEY:
        # A recovery-key slot: parsed for its length, never tried with a passphrase.
        if body_len != RECOVERY_BODY_LEN:
            raise Corrupt(f"recovery slot body is {body_len} bytes, not {RECOVERY_BODY_LEN}")
        reader.take(body_len, "slot body")
        return None
    if slot_type != SLOT_PASSPHRASE:
        raise Unsupported(f"unsupported key slot type {slot_type}")
    if body_len != PASSPHRASE_BODY_LEN:
        raise Corrupt(f"passphrase slot body is {body_len} bytes, not {PASSPHRASE_BODY_LEN}")
    body = reader.take(body_len, "slot body")
    salt = body[0:16]
    time_cost, memory_kib, parallelism = struct.unpack(">III", body[16:28])
    nonce = body[28:40]
    wrapped_key = body[40:88]
    # Caps, checked at parse time, before any derivation runs.
    if not 1 <= parallelism <= MAX_PARALLELISM:
        raise LimitExceeded(f"Argon2 parallelism {parallelism} outside 1..{MAX_PARALLELISM}")
    if not 1 <= time_cost <= MAX_TIME_COST:
        raise LimitExceeded(f"Argon2 time cost {time_cost} outside 1..{MAX_TIME_COST}")
    if not 8 * parallelism <= memory_kib <= MAX_MEMORY_KIB:
        raise LimitExceeded(
            f"Argon2 memory {memory_kib} KiB outside {8 * parallelism}..{MAX_MEMORY_KIB}"
        )
    if memory_kib * time_cost > MAX_MEMORY_TIME:
        raise LimitExceeded(f"Argon2 cost m*t = {memory_kib * time_cost} over {MAX_MEMORY_TIME}")
    aad = MAGIC + version_bytes + vault_id + bytes([slot_type]) + body[0:40]
    return _Slot(salt, time_cost, memory_kib, parallelism, nonce, wrapped_key, aad)


def _unlock(slots: list[_Slot], passphrase: str) -> bytes:
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    for slot in slots:
        kek = hash_secret_raw(
            secret,
            slot.salt,
            time_cost=slot.time_cost,
            memory_cost=slot.memory_kib,
            parallelism=slot.parallelism,
            hash_len=32,
            type=Type.ID,
            version=19,
        )
        try:
            master_key = AESGCM(kek).decrypt(slot.nonce, slot.wrapped_key, slot.aad)
        except InvalidTag:
            continue
        if len(master_key) != 32:  # cannot happen: wrapped_key is 48 bytes = 32 + tag
            raise Corrupt("unwrapped master key is not 32 bytes")
        return master_key
    raise WrongPassphrase("wrong passphrase (no key slot authenticates)")


def _inflate(compressed: bytes) -> bytes:
    """RFC 1950 zlib stream, at most 64 MiB of output, complete and with nothing after it."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, MAX_PLAINTEXT + 1)
    except zlib.error as exc:
        raise Corrupt(f"payload is not a valid zlib stream: {exc}") from None
    if len(out) > MAX_PLAINTEXT:
        raise LimitExceeded(f"payload decompresses to more than {MAX_PLAINTEXT} bytes")
    if not inflater.eof:
        raise Corrupt("payload zlib stream is truncated")
    if inflater.unused_data:
        raise Corrupt("payload zlib stream is followed by extra bytes")
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-JSON constant {name}")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _is_time(value: object) -> bool:
    if not isinstance(value, str) or not TIME_RE.fullmatch(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def _opt_str(value: object) -> bool:
    return value is None or isinstance(value, str)


def _check_entry(entry: object, index: int, version: int) -> str:
    """Validate one ENTRY; return its name key (NFC + casefold) for the uniqueness check."""
    where = f"entry {index}"
    keys = ENTRY_KEYS | {"otp"} if version >= 2 else ENTRY_KEYS
    if not isinstance(entry, dict) or set(entry) != keys:
        raise Corrupt(f"{where} does not have exactly the keys {sorted(keys)}")
    if version >= 2:
        _check_otp(entry["otp"], entry["kind"] == "totp", where)
    if not isinstance(entry["id"], str) or not ID_RE.fullmatch(entry["id"]):
        raise Corrupt(f"{where}: id is not 32 hex digits")
    name = entry["name"]
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        raise Corrupt(f"{where}: name is not a string of 1-100 characters")
    kind = entry["kind"]
    if kind not in KINDS:
        raise Corrupt(f"{where}: unknown kind {kind!r}")
    if not isinstance(entry["secret"], str):
        raise Corrupt(f"{where}: secret is not a string")
    codes = entry["codes"]
    if not isinstance(codes, list):
        raise Corrupt(f"{where}: codes is not an array")
    if kind == "backup-codes":
        if entry["secret"] != "":
            raise Corrupt(f"{where}: backup-codes entry has a non-empty secret")
    elif codes:
        raise Corrupt(f"{where}: {kind} entry has backup codes")
    for code in codes:
        if not isinstance(code, dict) or set(code) != CODE_KEYS:
            raise Corrupt(f"{where}: a code does not have exactly the keys {sorted(CODE_KEYS)}")
        if not isinstance(code["code"], str) or not isinstance(code["used"], bool):
            raise Corrupt(f"{where}: a code has a bad code or used field")
        if code["used_at"] is not None and not _is_time(code["used_at"]):
            raise Corrupt(f"{where}: a code has a bad used_at time")
    for key in ("account", "issuer", "url", "notes"):
        if not _opt_str(entry[key]):
            raise Corrupt(f"{where}: {key} is neither a string nor null")
    tags = entry["tags"]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise Corrupt(f"{where}: tags is not an array of strings")
    for key in ("created", "updated"):
        if not _is_time(entry[key]):
            raise Corrupt(f"{where}: {key} is not a YYYY-MM-DDTHH:MM:SSZ time")
    return unicodedata.normalize("NFC", name).casefold()


def _check_otp(otp: object, totp: bool, where: str) -> None:
    """Section 5, OTP: an object for totp entries, null for the others."""
    if not totp:
        if otp is not None:
            raise Corrupt(f"{where}: only totp entries have otp settings")
        return
    if not isinstance(otp, dict) or set(otp) != OTP_KEYS:
        raise Corrupt(f"{where}: otp does not have exactly the keys {sorted(OTP_KEYS)}")
    if otp["algorithm"] not in OTP_ALGORITHMS:
        raise Corrupt(f"{where}: otp algorithm is not SHA1, SHA256 or SHA512")
    if type(otp["digits"]) is not int or otp["digits"] not in (6, 8):
        raise Corrupt(f"{where}: otp digits is not 6 or 8")
    if type(otp["period"]) is not int or not 1 <= otp["period"] <= 3600:
        raise Corrupt(f"{where}: otp period is not an integer from 1 to 3600")


def _parse_document(plaintext: bytes) -> dict[str, Any]:
    """Section 5: canonical UTF-8 JSON {"entries":[...],"meta":{},"version":2} (or 1)."""
    try:
        text = plaintext.decode("utf-8")
        doc = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise Corrupt(f"payload is not UTF-8 JSON: {exc}") from None
    if not isinstance(doc, dict) or set(doc) != DOC_KEYS:
        raise Corrupt(f"payload document does not have exactly the keys {sorted(DOC_KEYS)}")
    if type(doc["version"]) is not int or doc["version"] not in DOC_VERSIONS:
        raise Unsupported(f"payload document version is {doc['version']!r}, not 1 or 2")
    if not isinstance(doc["meta"], dict):
        raise Corrupt("payload meta is not an object")
    if not isinstance(doc["entries"], list):
        raise Corrupt("payload entries is not an array")
    seen: set[str] = set()
    for index, entry in enumerate(doc["entries"]):
        key = _check_entry(entry, index, doc["version"])
        if key in seen:
            raise Corrupt(f"entry {index}: duplicate name (ignoring case)")
        seen.add(key)
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if canonical != text:
        raise Corrupt("payload JSON is not in canonical form")
    return doc


def decrypt(data: bytes, passphrase: str) -> dict[str, Any]:
    """Decrypt an rvault v1 file and return its payload document.

    Raises `Corrupt`, `Unsupported`, `LimitExceeded` or `WrongPassphrase`.
    """
    data = bytes(data)
    _check_envelope(data)

    # Version and flags are examined only after the envelope checks.
    body = data[:-CHECKSUM_LEN]
    reader = _Reader(body)
    reader.take(len(MAGIC), "magic")
    version_bytes = reader.take(2, "version")
    (version,) = struct.unpack(">H", version_bytes)
    if version != VERSION:
        raise Unsupported(f"unsupported format version {version}")
    (flags,) = struct.unpack(">H", reader.take(2, "flags"))
    if flags != 0:
        raise Unsupported(f"unsupported flags 0x{flags:04x}")
    vault_id = reader.take(16, "vault_id")
    reader.take(8, "generation")
    (slot_count,) = struct.unpack(">B", reader.take(1, "slot_count"))
    if slot_count == 0:
        raise Corrupt("no key slots")
    if slot_count > MAX_SLOTS:
        raise LimitExceeded(f"{slot_count} key slots, over the cap of {MAX_SLOTS}")

    # Parse every slot (checking its caps) before any key derivation runs.
    parsed = [_parse_slot(reader, version_bytes, vault_id) for _ in range(slot_count)]
    slots = [slot for slot in parsed if slot is not None]
    if sum(slot.memory_kib * slot.time_cost for slot in slots) > MAX_MEMORY_TIME:
        raise LimitExceeded("the passphrase slots together ask for more Argon2 work than the cap")

    payload_salt = reader.take(PAYLOAD_SALT_LEN, "payload_salt")
    (ciphertext_len,) = struct.unpack(">I", reader.take(4, "ciphertext_len"))
    header_len = reader.pos
    if ciphertext_len < TAG_LEN:
        raise Corrupt(f"ciphertext_len {ciphertext_len} is under {TAG_LEN}")
    expected = header_len + ciphertext_len + CHECKSUM_LEN
    if len(data) != expected:
        raise Corrupt(f"file is {len(data)} bytes; its header says {expected}")
    header = data[:header_len]
    ciphertext = data[header_len : header_len + ciphertext_len]

    master_key = _unlock(slots, passphrase)
    payload_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=payload_salt, info=PAYLOAD_INFO
    ).derive(master_key)
    try:
        compressed = AESGCM(payload_key).decrypt(PAYLOAD_NONCE, ciphertext, header)
    except InvalidTag:
        raise WrongPassphrase("payload does not authenticate") from None
    return _parse_document(_inflate(compressed))
