"""Key derivation and authenticated encryption over bytes: no files, no layout, no I/O.

Algorithms were chosen so that a vault can be opened by any independent implementation
(pyca/cryptography plus argon2-cffi, or a browser's WebCrypto plus an Argon2 build):
Argon2id for passphrases, HKDF-SHA256 for high-entropy keys, AES-256-GCM for encryption.
"""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from vault.errors import AuthenticationFailed, LimitExceeded
from vault.policy import (
    DEFAULT_MEMORY_KIB,
    DEFAULT_PARALLELISM,
    FLOOR_MEMORY_KIB,
    FLOOR_TIME_COST,
    MAX_MEMORY_KIB,
    MAX_PARALLELISM,
    MAX_TIME_COST,
    MAX_WORK_KIB_PASSES,
)

Rng = Callable[[int], bytes]
"""A source of random bytes; os.urandom unless a test injects a seeded one."""

KEY_LEN = 32
NONCE_LEN = 12
TAG_LEN = 16
SALT_LEN = 16


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters: passes, memory in KiB, lanes."""

    time_cost: int
    memory_kib: int
    parallelism: int

    def check_caps(self) -> None:
        """Refuse parameters that are invalid for Argon2id or above rvault's caps."""
        t, m, p = self.time_cost, self.memory_kib, self.parallelism
        if not (1 <= p <= MAX_PARALLELISM):
            raise LimitExceeded(f"Argon2 parallelism {p} is outside 1..{MAX_PARALLELISM}")
        if not (1 <= t <= MAX_TIME_COST):
            raise LimitExceeded(f"Argon2 time cost {t} is outside 1..{MAX_TIME_COST}")
        if not (8 * p <= m <= MAX_MEMORY_KIB):
            raise LimitExceeded(
                f"Argon2 memory {m} KiB is outside {8 * p}..{MAX_MEMORY_KIB} KiB (4 GiB)"
            )
        if m * t > MAX_WORK_KIB_PASSES:
            raise LimitExceeded(
                f"Argon2 work of {t} passes over {m // 1024} MiB is above the cap of "
                f"{MAX_WORK_KIB_PASSES // (1024 * 1024)} GiB-passes"
            )

    def below_floor(self) -> bool:
        """True when weaker than RFC 9106's second recommended option (64 MiB, t=3)."""
        return self.memory_kib < FLOOR_MEMORY_KIB or self.time_cost < FLOOR_TIME_COST

    def describe(self) -> str:
        """Human summary such as 'Argon2id t=3, 256 MiB, p=4'."""
        mem = self.memory_kib
        size = f"{mem // 1024} MiB" if mem % 1024 == 0 else f"{mem} KiB"
        return f"Argon2id t={self.time_cost}, {size}, p={self.parallelism}"


def normalize_passphrase(passphrase: str) -> bytes:
    """UTF-8 bytes of the NFC form, so the same typed text opens the vault on any system."""
    # macOS keyboards and some input methods produce decomposed accents (NFD); without
    # normalisation "café" typed on two machines could be two different passphrases.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def argon2id(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    """Derive a 32-byte key with Argon2id, after checking the caps."""
    params.check_caps()
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        secret,
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_LEN,
        type=Type.ID,
        version=19,
    )


def hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    """HKDF-SHA256 to 32 bytes."""
    # pyca is imported on first use so `rvault --help` and `rvault info` start fast.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=KEY_LEN, salt=salt, info=info).derive(key)


def seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM encrypt; returns ciphertext with the 16-byte tag appended."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM decrypt, raising AuthenticationFailed for any mismatch."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        # One opaque error for wrong key, altered ciphertext and altered associated data:
        # telling them apart would help an attacker and never helps the user.
        raise AuthenticationFailed("wrong passphrase or key, or the vault was altered") from None


def calibrate(
    target_seconds: float,
    memory_kib: int = DEFAULT_MEMORY_KIB,
    parallelism: int = DEFAULT_PARALLELISM,
    min_time_cost: int = FLOOR_TIME_COST,
) -> KdfParams:
    """Choose the pass count so one derivation takes about target_seconds here (KeePassXC-style)."""
    if target_seconds <= 0:
        raise ValueError("target_seconds must be positive")
    probe = KdfParams(min_time_cost, memory_kib, parallelism)
    probe.check_caps()
    start = time.perf_counter()
    argon2id(b"calibration", b"\x00" * SALT_LEN, probe)
    per_pass = (time.perf_counter() - start) / min_time_cost
    max_passes = min(MAX_TIME_COST, MAX_WORK_KIB_PASSES // memory_kib)
    passes = max(min_time_cost, min(max_passes, int(target_seconds / per_pass)))
    return KdfParams(passes, memory_kib, parallelism)


def random_bytes(n: int) -> bytes:
    """Cryptographically secure random bytes (the default Rng)."""
    return os.urandom(n)
