"""The vault container: bytes <-> header, key slots and ciphertext. Layout only, no keys.

docs/FORMAT.md specifies every byte. Parsing is strict and canonical: every field has one
valid encoding and the length of every part is determined, so a file that parses re-serializes
to the same bytes, and a file with anything extra or missing is refused.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from vault.crypto import KEY_LEN, NONCE_LEN, SALT_LEN, TAG_LEN, KdfParams
from vault.errors import CorruptVault, LimitExceeded, Unsupported
from vault.policy import MAX_WORK_KIB_PASSES

MAGIC = b"\x89RVAULT\n"
VERSION = 1
MAX_SLOTS = 8
# A vault of a few hundred entries is tens of KB; 16 MiB leaves room and bounds memory.
MAX_FILE_SIZE = 16 * 1024 * 1024
CHECKSUM_LEN = 32

SLOT_PASSPHRASE = 1
SLOT_RECOVERY_KEY = 2  # the printed recovery key (HKDF, no Argon2: the key is random)

_FIXED = struct.Struct(">8sHH16sQB")  # magic, version, flags, vault id, generation, slot count
_SLOT_HEAD = struct.Struct(">BH")  # slot type, body length
_KDF = struct.Struct(">III")  # time cost, memory KiB, parallelism
_PAYLOAD_HEAD = struct.Struct(">32sI")  # payload salt, ciphertext length
PAYLOAD_SALT_LEN = 32
WRAPPED_LEN = KEY_LEN + TAG_LEN
PASSPHRASE_SLOT_BODY_LEN = SALT_LEN + _KDF.size + NONCE_LEN + WRAPPED_LEN
RECOVERY_SLOT_BODY_LEN = NONCE_LEN + WRAPPED_LEN
MIN_FILE_SIZE = _FIXED.size + _PAYLOAD_HEAD.size + TAG_LEN + CHECKSUM_LEN


@dataclass(frozen=True)
class PassphraseSlot:
    """Key slot type 1: the master key wrapped under Argon2id(passphrase)."""

    salt: bytes
    kdf: KdfParams
    nonce: bytes
    wrapped: bytes

    slot_type = SLOT_PASSPHRASE

    def parameters(self) -> bytes:
        """Slot bytes that are bound into the wrap's associated data (all but the wrap)."""
        k = self.kdf
        return self.salt + _KDF.pack(k.time_cost, k.memory_kib, k.parallelism) + self.nonce

    def to_bytes(self) -> bytes:
        """Type, length and body as stored in the file."""
        body = self.parameters() + self.wrapped
        return _SLOT_HEAD.pack(self.slot_type, len(body)) + body


@dataclass(frozen=True)
class RecoverySlot:
    """Key slot type 2: the master key wrapped under HKDF(recovery key)."""

    nonce: bytes
    wrapped: bytes

    slot_type = SLOT_RECOVERY_KEY

    def parameters(self) -> bytes:
        """Slot bytes bound into the wrap's associated data (the nonce)."""
        return self.nonce

    def to_bytes(self) -> bytes:
        """Type, length and body as stored in the file."""
        body = self.nonce + self.wrapped
        return _SLOT_HEAD.pack(self.slot_type, len(body)) + body


Slot = PassphraseSlot | RecoverySlot


@dataclass(frozen=True)
class Container:
    """A parsed vault file: everything needed to try keys, nothing decrypted."""

    vault_id: bytes
    generation: int
    slots: tuple[Slot, ...]
    payload_salt: bytes
    ciphertext: bytes
    version: int = VERSION
    flags: int = 0

    def passphrase_slots(self) -> list[PassphraseSlot]:
        """The passphrase slots, in file order."""
        return [s for s in self.slots if isinstance(s, PassphraseSlot)]

    def header_bytes(self) -> bytes:
        """Every byte before the ciphertext: the payload's associated data."""
        fixed = _FIXED.pack(
            MAGIC, self.version, self.flags, self.vault_id, self.generation, len(self.slots)
        )
        slots = b"".join(s.to_bytes() for s in self.slots)
        return fixed + slots + _PAYLOAD_HEAD.pack(self.payload_salt, len(self.ciphertext))

    def to_bytes(self) -> bytes:
        """The complete file, ending in the SHA-256 of everything before it."""
        body = self.header_bytes() + self.ciphertext
        return body + hashlib.sha256(body).digest()


def parse(data: bytes) -> Container:
    """Parse and validate a vault file without any key; raises a VaultError subclass."""
    if len(data) > MAX_FILE_SIZE:
        raise LimitExceeded(f"vault file is {len(data)} bytes, above the {MAX_FILE_SIZE} cap")
    if not data.startswith(MAGIC):
        raise CorruptVault("not an rvault vault file (wrong magic bytes)")
    if len(data) < MIN_FILE_SIZE:
        raise CorruptVault(f"vault file is truncated ({len(data)} bytes)")
    # The trailing checksum is part of the envelope for every version, so damage is reported
    # as damage even when it hits the version field, and before any key derivation runs.
    body, checksum = data[:-CHECKSUM_LEN], data[-CHECKSUM_LEN:]
    if hashlib.sha256(body).digest() != checksum:
        raise CorruptVault("vault file is damaged (checksum mismatch)")
    _, version, flags, vault_id, generation, count = _FIXED.unpack_from(body, 0)
    if version != VERSION:
        raise Unsupported(f"vault format version {version} is not supported (this rvault reads 1)")
    if flags != 0:
        raise Unsupported(f"vault uses unknown feature flags 0x{flags:04x}")
    if count == 0:
        raise CorruptVault("vault has no key slots")
    if count > MAX_SLOTS:
        raise LimitExceeded(f"vault declares {count} key slots, above the cap of {MAX_SLOTS}")
    pos = _FIXED.size
    slots = []
    for _ in range(count):
        slot, pos = _parse_slot(body, pos)
        slots.append(slot)
    # Each slot is capped, and so is their sum: a wrong passphrase tries every slot.
    kdfs = [s.kdf for s in slots if isinstance(s, PassphraseSlot)]
    if sum(k.memory_kib * k.time_cost for k in kdfs) > MAX_WORK_KIB_PASSES:
        raise LimitExceeded("the key slots together ask for more Argon2 work than the cap")
    if pos + _PAYLOAD_HEAD.size > len(body):
        raise CorruptVault("vault file is truncated in the payload header")
    payload_salt, ct_len = _PAYLOAD_HEAD.unpack_from(body, pos)
    pos += _PAYLOAD_HEAD.size
    if ct_len < TAG_LEN or pos + ct_len != len(body):
        raise CorruptVault("vault payload length does not match the file size")
    container = Container(vault_id, generation, tuple(slots), payload_salt, body[pos:])
    return container


def _parse_slot(body: bytes, pos: int) -> tuple[Slot, int]:
    """One key slot at pos; returns it and the position after it."""
    if pos + _SLOT_HEAD.size > len(body):
        raise CorruptVault("vault file is truncated in a key slot")
    slot_type, length = _SLOT_HEAD.unpack_from(body, pos)
    pos += _SLOT_HEAD.size
    if slot_type == SLOT_RECOVERY_KEY:
        if length != RECOVERY_SLOT_BODY_LEN or pos + length > len(body):
            raise CorruptVault("recovery key slot has the wrong length")
        nonce, wrapped = body[pos : pos + NONCE_LEN], body[pos + NONCE_LEN : pos + length]
        return RecoverySlot(nonce, wrapped), pos + length
    if slot_type != SLOT_PASSPHRASE:
        raise Unsupported(f"key slot type {slot_type} is not supported by this rvault")
    if length != PASSPHRASE_SLOT_BODY_LEN or pos + length > len(body):
        raise CorruptVault("passphrase key slot has the wrong length")
    salt = body[pos : pos + SALT_LEN]
    t, m, p = _KDF.unpack_from(body, pos + SALT_LEN)
    kdf = KdfParams(t, m, p)
    # Caps are enforced here, at parse time, so no caller can reach a KDF with forged costs.
    kdf.check_caps()
    nonce_at = pos + SALT_LEN + _KDF.size
    nonce = body[nonce_at : nonce_at + NONCE_LEN]
    wrapped = body[nonce_at + NONCE_LEN : pos + length]
    return PassphraseSlot(salt, kdf, nonce, wrapped), pos + length


def _slot_facts(slot: Slot) -> dict[str, object]:
    if isinstance(slot, RecoverySlot):
        return {"type": "recovery-key", "kdf": "hkdf-sha256"}
    return {
        "type": "passphrase",
        "kdf": "argon2id",
        "time_cost": slot.kdf.time_cost,
        "memory_kib": slot.kdf.memory_kib,
        "parallelism": slot.kdf.parallelism,
    }


PEEK_LEN = _FIXED.size  # the fixed header: magic, version, flags, vault id, generation


def peek_vault_id(head: bytes) -> bytes | None:
    """The vault id in a file's first PEEK_LEN bytes (None: no vault header); nothing checked."""
    if len(head) < PEEK_LEN or not head.startswith(MAGIC):
        return None
    return bytes(_FIXED.unpack_from(head, 0)[3])


def read_header_fields(data: bytes) -> dict[str, object]:
    """Header facts for `rvault info`: no key is needed or used."""
    c = parse(data)
    return {
        "format_version": c.version,
        "vault_id": c.vault_id.hex(),
        "generation": c.generation,
        "size": len(data),
        "slots": [_slot_facts(s) for s in c.slots],
    }
