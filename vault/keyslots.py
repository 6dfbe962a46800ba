"""Master key, key slots and payload sealing: joins crypto to the layout, never touches disk."""

from __future__ import annotations

import struct
import zlib

from vault.crypto import (
    KEY_LEN,
    NONCE_LEN,
    SALT_LEN,
    TAG_LEN,
    KdfParams,
    Rng,
    argon2id,
    hkdf,
    normalize_passphrase,
    open_sealed,
    seal,
)
from vault.errors import AuthenticationFailed, CorruptVault, LimitExceeded
from vault.format import (
    MAGIC,
    PAYLOAD_SALT_LEN,
    VERSION,
    Container,
    PassphraseSlot,
    RecoverySlot,
    Slot,
)

PAYLOAD_INFO = b"rvault/v1/payload"
# Each payload key is derived from a fresh 32-byte salt and used for exactly one message,
# so a fixed nonce can never repeat under the same key.
PAYLOAD_NONCE = b"\x00" * NONCE_LEN
# Decompression is bounded so a forged payload cannot expand into gigabytes.
MAX_PLAINTEXT = 64 * 1024 * 1024


RECOVERY_INFO = b"rvault/v1/recovery-key"


def slot_aad(vault_id: bytes, slot: Slot) -> bytes:
    """Associated data of a slot wrap: binds it to this vault, its type and its parameters."""
    # A slot copied into another vault, or with its KDF costs lowered, no longer unwraps.
    return (
        MAGIC + struct.pack(">H", VERSION) + vault_id + bytes([slot.slot_type]) + slot.parameters()
    )


def wrap_passphrase(
    master_key: bytes, passphrase: str, kdf: KdfParams, vault_id: bytes, rng: Rng
) -> PassphraseSlot:
    """A new passphrase slot holding master_key, with fresh salt and nonce."""
    salt, nonce = rng(SALT_LEN), rng(NONCE_LEN)
    kek = argon2id(normalize_passphrase(passphrase), salt, kdf)
    unsealed = PassphraseSlot(salt, kdf, nonce, b"")
    wrapped = seal(kek, nonce, master_key, slot_aad(vault_id, unsealed))
    return PassphraseSlot(salt, kdf, nonce, wrapped)


def unlock(container: Container, passphrase: str) -> bytes:
    """The master key, from the first passphrase slot that the passphrase opens."""
    return unlock_slot(container, passphrase)[1]


def unlock_slot(container: Container, passphrase: str) -> tuple[int, bytes]:
    """The index of the slot the passphrase opens, and the master key it holds."""
    secret = normalize_passphrase(passphrase)
    for index, slot in enumerate(container.slots):
        if not isinstance(slot, PassphraseSlot):
            continue
        kek = argon2id(secret, slot.salt, slot.kdf)
        aad = slot_aad(container.vault_id, slot)
        try:
            return index, open_sealed(kek, slot.nonce, slot.wrapped, aad)
        except AuthenticationFailed:
            continue
    raise AuthenticationFailed("wrong passphrase (or the key slot was altered)")


def _recovery_kek(key: bytes, vault_id: bytes) -> bytes:
    # The key is 256 random bits: HKDF suffices, and the vault id as salt makes the wrapping
    # key differ per vault even if someone reused a recovery key.
    return hkdf(key, vault_id, RECOVERY_INFO)


def wrap_recovery(master_key: bytes, key: bytes, vault_id: bytes, rng: Rng) -> RecoverySlot:
    """A new recovery-key slot holding master_key."""
    nonce = rng(NONCE_LEN)
    aad = slot_aad(vault_id, RecoverySlot(nonce, b""))
    return RecoverySlot(nonce, seal(_recovery_kek(key, vault_id), nonce, master_key, aad))


def unlock_recovery(container: Container, key: bytes) -> bytes:
    """The master key from the recovery-key slot; AuthenticationFailed for a wrong key."""
    kek = _recovery_kek(key, container.vault_id)
    for slot in container.slots:
        if isinstance(slot, RecoverySlot):
            aad = slot_aad(container.vault_id, slot)
            try:
                return open_sealed(kek, slot.nonce, slot.wrapped, aad)
            except AuthenticationFailed:
                continue
    require_recovery_slot(container)
    raise AuthenticationFailed(
        "wrong recovery key or shares (or the key slot was altered)",
        hint="check the key or the share words against the sheet; nothing was changed",
    )


def require_recovery_slot(container: Container) -> None:
    """MissingInput unless the vault has a recovery-key slot (checked before any key work)."""
    if not any(isinstance(s, RecoverySlot) for s in container.slots):
        from vault.errors import MissingInput

        raise MissingInput(
            "this vault copy has no recovery key",
            hint="it was never added or was removed, or this kit/copy is older than the key",
        )


def seal_payload(
    master_key: bytes,
    plaintext: bytes,
    vault_id: bytes,
    generation: int,
    slots: tuple[Slot, ...],
    rng: Rng,
) -> Container:
    """A container holding plaintext, encrypted under a key used for this save only."""
    if len(master_key) != KEY_LEN:
        raise ValueError(f"master key must be {KEY_LEN} bytes")
    payload_salt = rng(PAYLOAD_SALT_LEN)
    compressed = zlib.compress(plaintext, 9)
    # The ciphertext length is part of the header (the AAD), and AES-GCM adds its tag to it.
    draft = Container(
        vault_id, generation, slots, payload_salt, b"\x00" * (len(compressed) + TAG_LEN)
    )
    key = hkdf(master_key, payload_salt, PAYLOAD_INFO)
    ciphertext = seal(key, PAYLOAD_NONCE, compressed, draft.header_bytes())
    return Container(vault_id, generation, slots, payload_salt, ciphertext)


def open_payload(container: Container, master_key: bytes) -> bytes:
    """The decrypted, decompressed payload; AuthenticationFailed if anything was altered."""
    key = hkdf(master_key, container.payload_salt, PAYLOAD_INFO)
    compressed = open_sealed(key, PAYLOAD_NONCE, container.ciphertext, container.header_bytes())
    inflater = zlib.decompressobj()
    try:
        plaintext = inflater.decompress(compressed, MAX_PLAINTEXT)
    except zlib.error:
        raise CorruptVault("vault payload is not valid zlib data") from None
    if inflater.unconsumed_tail:
        raise LimitExceeded(f"vault payload expands beyond {MAX_PLAINTEXT} bytes")
    if not inflater.eof or inflater.unused_data:
        raise CorruptVault("vault payload has a truncated or padded zlib stream")
    return plaintext
