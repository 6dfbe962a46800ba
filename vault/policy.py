"""Constants that define what rvault accepts and writes; import-light so the CLI starts fast."""

from __future__ import annotations

from typing import Literal, get_args

Kind = Literal["backup-codes", "recovery-key", "totp", "note"]
KINDS: tuple[Kind, ...] = get_args(Kind)

# Caps are checked before any derivation runs, so a forged file or sheet cannot make us
# allocate 64 GiB or spin for an hour (age caps scrypt for the same reason).
MAX_MEMORY_KIB = 4 * 1024 * 1024
MAX_TIME_COST = 256
MAX_PARALLELISM = 16
# Time is roughly proportional to memory x passes; 64 GiB-passes is ~50 s on a 2-core
# laptop with 2+ lanes and ~140 s with one lane (bench/worst_case.py).
MAX_WORK_KIB_PASSES = 64 * 1024 * 1024

# RFC 9106 section 4, second recommended option. Below this only with --weak-kdf.
FLOOR_MEMORY_KIB = 64 * 1024
FLOOR_TIME_COST = 3
DEFAULT_MEMORY_KIB = 256 * 1024
DEFAULT_PARALLELISM = 4
DEFAULT_KDF_TARGET_SECONDS = 1.0

# Input limits, checked before any work starts.
MAX_SECRET_INPUT = 1024 * 1024  # a passphrase, key or secret typed or piped in
MAX_TYPED_TEXT = 64 * 1024 * 1024  # a file of typed or pasted kit lines
KIT_TITLE = "rvault recovery kit"  # the kit's cover title unless --title says otherwise
