"""Format-level tests: the v1 container refuses damage, forgery and hostile parameters.

Everything is real: a small vault made by VaultFile with real (cheap) Argon2id and real
AES-GCM, then damaged or forged at the byte level. Offsets below are the ones docs/FORMAT.md
specifies; test_layout_matches_format_spec checks them against a real file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
import struct
import time
from pathlib import Path
from typing import Any

import argon2.low_level
import pytest
from conftest import CHEAP_KDF, PASSPHRASE
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vault import BackupCode, Entry, KdfParams, VaultFile
from vault import keyslots as ks
from vault.crypto import random_bytes
from vault.errors import (
    AuthenticationFailed,
    CorruptVault,
    InvalidData,
    LimitExceeded,
    Unsupported,
    VaultError,
)
from vault.format import MAGIC, Container, parse

# --- layout (docs/FORMAT.md section 1 and 2) ---------------------------------------------

VERSION_AT = 8
FLAGS_AT = 10
VAULT_ID_AT = 12
GENERATION_AT = 28
COUNT_AT = 36
SLOT_AT = 37  # first slot: type u8, body_len u16, body
SLOT_TYPE_AT = SLOT_AT
SLOT_LEN_AT = SLOT_AT + 1
SLOT_BODY_AT = SLOT_AT + 3
SALT_AT = SLOT_BODY_AT
KDF_AT = SLOT_BODY_AT + 16  # t, m, p: three u32
NONCE_AT = SLOT_BODY_AT + 28
WRAPPED_AT = SLOT_BODY_AT + 40
SLOT_BODY_LEN = 88
PAYLOAD_SALT_AT = SLOT_BODY_AT + SLOT_BODY_LEN  # with one slot
CT_LEN_AT = PAYLOAD_SALT_AT + 32
CT_AT = CT_LEN_AT + 4
CHECKSUM_LEN = 32

# Field name -> (offset, length) for a one-slot file (ciphertext length filled in per file).
FIELDS = {
    "vault_id": (VAULT_ID_AT, 16),
    "generation": (GENERATION_AT, 8),
    "salt": (SALT_AT, 16),
    "nonce": (NONCE_AT, 12),
    "wrapped_key": (WRAPPED_AT, 48),
    "payload_salt": (PAYLOAD_SALT_AT, 32),
}


# --- helpers -------------------------------------------------------------------------------


def reseal(data: bytes) -> bytes:
    """data with its trailing checksum recomputed (what a deliberate forger does)."""
    body = data[:-CHECKSUM_LEN]
    return body + hashlib.sha256(body).digest()


def patch(data: bytes, offset: int, new: bytes) -> bytes:
    """Overwrite bytes at offset and recompute the checksum."""
    out = bytearray(data)
    out[offset : offset + len(new)] = new
    return reseal(bytes(out))


def flip_bit(data: bytes, bit: int) -> bytes:
    """data with one bit inverted (no checksum fix)."""
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def load_forged(directory: Path, data: bytes, name: str = "forged.rvault") -> Any:
    """Write data as a vault file and open it with the test passphrase."""
    path = directory / name
    path.write_bytes(data)
    return VaultFile(path, lock_timeout=5).load(PASSPHRASE)


def caps_allow(t: int, m: int, p: int) -> bool:
    """The KDF caps exactly as docs/FORMAT.md section 2 states them (an independent oracle)."""
    return 1 <= p <= 16 and 1 <= t <= 256 and 8 * p <= m <= 4_194_304 and m * t <= 67_108_864


@dataclasses.dataclass
class Sample:
    """A small real vault: its bytes, its path and the contents it holds."""

    path: Path
    data: bytes
    names: list[str]


def make_vault(path: Path, kdf: KdfParams = CHEAP_KDF) -> Sample:
    vf = VaultFile(path, lock_timeout=5)
    vf.create(PASSPHRASE, kdf, allow_weak=True)
    vf.add(PASSPHRASE, Entry("Mail", "note", secret="pin 4242"))
    vf.add(
        PASSPHRASE,
        Entry(
            "GitHub", "backup-codes", codes=[BackupCode("a1b2c-3d4e5"), BackupCode("f6a7b-8c9d0")]
        ),
    )
    return Sample(path, path.read_bytes(), ["Mail", "GitHub"])


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """One small vault (two entries, cheap KDF) shared by the read-only tests of this module."""
    return make_vault(tmp_path_factory.mktemp("sample") / "small.rvault")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory for forged files written by hypothesis tests (one file, overwritten)."""
    return tmp_path_factory.mktemp("scratch")


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count real Argon2 derivations (the real function still runs; only calls are counted)."""
    calls: list[int] = []
    real = argon2.low_level.hash_secret_raw

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(kwargs.get("memory_cost", -1))
        return real(*args, **kwargs)

    monkeypatch.setattr(argon2.low_level, "hash_secret_raw", counting)
    return calls


# --- layout and round trip -----------------------------------------------------------------


def test_sample_is_small_and_opens(sample: Sample) -> None:
    # The exhaustive bit-flip test below relies on the file being small.
    assert len(sample.data) < 1024
    vault = VaultFile(sample.path).load(PASSPHRASE)
    assert [e.name for e in vault.entries] == sample.names


def test_layout_matches_format_spec(sample: Sample) -> None:
    data, c = sample.data, parse(sample.data)
    assert data[:8] == MAGIC == b"\x89RVAULT\n"
    assert struct.unpack(">HH", data[VERSION_AT:VAULT_ID_AT]) == (1, 0)
    assert data[VAULT_ID_AT : VAULT_ID_AT + 16] == c.vault_id
    assert struct.unpack(">Q", data[GENERATION_AT:COUNT_AT])[0] == c.generation == 2
    assert data[COUNT_AT] == 1
    assert data[SLOT_TYPE_AT] == 1
    assert struct.unpack(">H", data[SLOT_LEN_AT:SLOT_BODY_AT])[0] == SLOT_BODY_LEN
    slot = c.slots[0]
    assert data[SALT_AT : SALT_AT + 16] == slot.salt
    assert struct.unpack(">III", data[KDF_AT:NONCE_AT]) == (
        CHEAP_KDF.time_cost,
        CHEAP_KDF.memory_kib,
        CHEAP_KDF.parallelism,
    )
    assert data[NONCE_AT:WRAPPED_AT] == slot.nonce
    assert data[WRAPPED_AT:PAYLOAD_SALT_AT] == slot.wrapped
    assert data[PAYLOAD_SALT_AT:CT_LEN_AT] == c.payload_salt
    (ct_len,) = struct.unpack(">I", data[CT_LEN_AT:CT_AT])
    assert data[CT_AT:-CHECKSUM_LEN] == c.ciphertext
    assert len(data) == CT_AT + ct_len + CHECKSUM_LEN
    assert data[-CHECKSUM_LEN:] == hashlib.sha256(data[:-CHECKSUM_LEN]).digest()
    assert c.header_bytes() == data[:CT_AT]


def test_round_trip_is_identity(sample: Sample) -> None:
    c = parse(sample.data)
    assert c.to_bytes() == sample.data
    assert parse(c.to_bytes()) == c


# --- hypothesis: parse never fails with anything but a VaultError ----------------------------


def parse_or_vault_error(data: bytes) -> Container | VaultError:
    """parse(data), or the VaultError it raised; any other exception escapes and fails."""
    try:
        return parse(data)
    except VaultError as exc:
        return exc


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_parse_or_raise_vault_error(data: bytes) -> None:
    result = parse_or_vault_error(data)
    if not data.startswith(MAGIC):
        assert isinstance(result, CorruptVault)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1024), st.booleans())
def test_random_body_with_magic_and_checksum(tail: bytes, with_checksum: bool) -> None:
    data = MAGIC + tail
    if with_checksum:
        data += hashlib.sha256(data).digest()
    result = parse_or_vault_error(data)
    if isinstance(result, Container):
        assert result.to_bytes() == data


@st.composite
def mutations(draw: st.DrawFn, base: bytes) -> bytes:
    """base with 1-4 random edits: bit flips, byte sets, inserts, deletes, cuts, appends."""
    out = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        # In-place edits are weighted up: they keep the structure, so forged copies parse.
        op = draw(
            st.sampled_from(["flip"] * 3 + ["set"] * 3 + ["insert", "delete", "truncate", "append"])
        )
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if op == "flip" and out:
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and out:
            chunk = draw(st.binary(min_size=1, max_size=8))
            out[at : at + len(chunk)] = chunk
        elif op == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del out[at : at + draw(st.integers(1, 16))]
        elif op == "truncate":
            del out[at:]
        elif op == "append":
            out += draw(st.binary(min_size=1, max_size=64))
    return bytes(out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_file_is_refused_as_corrupt(sample: Sample, data: st.DataObject) -> None:
    mutated = data.draw(mutations(sample.data))
    result = parse_or_vault_error(mutated)
    if mutated == sample.data:
        assert isinstance(result, Container)
    else:
        # Any accidental change, wherever it is, is damage (checksum or magic).
        assert isinstance(result, CorruptVault), result


# Forged (checksum recomputed) files are then opened for real only if their KDF is cheap.
CHEAP_WORK_KIB_PASSES = 16 * 1024


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_forged_mutation_never_opens(sample: Sample, scratch: Path, data: st.DataObject) -> None:
    mutated = data.draw(mutations(sample.data))
    forged = reseal(mutated) if len(mutated) >= CHECKSUM_LEN else mutated
    result = parse_or_vault_error(forged)
    event(f"parse: {type(result).__name__}")
    if isinstance(result, VaultError):
        return
    # Canonical: whatever parses re-serializes to the same bytes.
    assert result.to_bytes() == forged
    if any(s.kdf.memory_kib * s.kdf.time_cost > CHEAP_WORK_KIB_PASSES for s in result.slots):
        return  # within the caps but too slow for a test; the caps tests cover these
    if forged == sample.data:
        assert [e.name for e in load_forged(scratch, forged).entries] == sample.names
        return
    # Every header byte is associated data and the rest is ciphertext: nothing opens.
    with pytest.raises(VaultError) as info:
        load_forged(scratch, forged)
    event(f"load: {type(info.value).__name__}")
    assert isinstance(info.value, (AuthenticationFailed, InvalidData)), info.value


# --- accidental damage: every bit, every truncation, appended bytes -----------------------


def test_every_single_bit_flip_is_corrupt(sample: Sample) -> None:
    accepted, wrong_class = [], []
    for bit in range(len(sample.data) * 8):
        try:
            parse(flip_bit(sample.data, bit))
        except CorruptVault:
            continue
        except VaultError as exc:
            wrong_class.append((bit, type(exc).__name__))
        else:
            accepted.append(bit)
    assert accepted == []
    assert wrong_class == []


def test_bit_flips_refused_by_load_before_any_kdf(
    sample: Sample, tmp_path: Path, argon2_calls: list[int]
) -> None:
    rng = random.Random(20240501)
    # One random bit in every byte, through the real file-opening path.
    for offset in range(len(sample.data)):
        bit = offset * 8 + rng.randrange(8)
        with pytest.raises(CorruptVault) as info:
            load_forged(tmp_path, flip_bit(sample.data, bit))
        assert info.value.exit_code == 65
    assert argon2_calls == []
    # Control: the undamaged file does run the KDF, so the counter does count.
    load_forged(tmp_path, sample.data)
    assert len(argon2_calls) == 1


def test_magic_damage_is_corrupt(sample: Sample) -> None:
    for i in range(len(MAGIC)):
        forged = bytearray(sample.data)
        forged[i] ^= 0xFF
        with pytest.raises(CorruptVault, match="magic"):
            parse(reseal(bytes(forged)))


def test_every_truncation_is_corrupt(sample: Sample) -> None:
    for length in range(len(sample.data)):
        with pytest.raises(CorruptVault):
            parse(sample.data[:length])


@pytest.mark.parametrize("filler", ["zeros", "random"])
def test_appended_bytes_are_corrupt(sample: Sample, filler: str) -> None:
    rng = random.Random(7)
    for n in range(1, 65):
        extra = bytes(n) if filler == "zeros" else rng.randbytes(n)
        with pytest.raises(CorruptVault):
            parse(sample.data + extra)


def test_appended_bytes_with_a_fresh_checksum_are_corrupt(sample: Sample) -> None:
    # A forger who appends and re-checksums still breaks the declared lengths.
    for extra in (b"\x00", b"junk" * 8, sample.data[-CHECKSUM_LEN:]):
        data = sample.data + extra
        with pytest.raises(CorruptVault):
            parse(data + hashlib.sha256(data).digest())
    with pytest.raises(CorruptVault):
        parse(b"\x00" + sample.data)


# --- deliberate forgery with a recomputed checksum ----------------------------------------


def field_bits(data: bytes) -> list[tuple[str, int]]:
    """(field, bit) pairs: first, middle and last byte of each authenticated field."""
    fields = dict(FIELDS)
    fields["ciphertext"] = (CT_AT, len(data) - CHECKSUM_LEN - CT_AT)
    fields["gcm_tag"] = (len(data) - CHECKSUM_LEN - 16, 16)
    out = []
    for name, (at, length) in fields.items():
        for offset in sorted({at, at + length // 2, at + length - 1}):
            out.extend((name, offset * 8 + b) for b in (0, 7))
    return out


def test_forged_field_bit_flips_fail_authentication(sample: Sample, tmp_path: Path) -> None:
    failures = []
    for name, bit in field_bits(sample.data):
        forged = reseal(flip_bit(sample.data, bit))
        assert parse(forged).to_bytes() == forged  # structurally valid: only crypto can tell
        try:
            load_forged(tmp_path, forged)
        except AuthenticationFailed as exc:
            assert exc.exit_code == 3
            continue
        except VaultError as exc:
            failures.append((name, bit, type(exc).__name__))
        else:
            failures.append((name, bit, "opened"))
    assert failures == []


@pytest.mark.parametrize(
    ("offset", "new", "error"),
    [
        pytest.param(VERSION_AT, struct.pack(">H", 2), Unsupported, id="version-2"),
        pytest.param(VERSION_AT, struct.pack(">H", 0), Unsupported, id="version-0"),
        pytest.param(VERSION_AT, struct.pack(">H", 0xFFFF), Unsupported, id="version-ffff"),
        pytest.param(FLAGS_AT, struct.pack(">H", 1), Unsupported, id="flags-1"),
        pytest.param(FLAGS_AT, struct.pack(">H", 0x8000), Unsupported, id="flags-8000"),
        pytest.param(SLOT_TYPE_AT, b"\x02", CorruptVault, id="slot-type-2-wrong-length"),
        pytest.param(SLOT_TYPE_AT, b"\x03", Unsupported, id="slot-type-3"),
        pytest.param(SLOT_TYPE_AT, b"\x09", Unsupported, id="slot-type-9"),
        pytest.param(SLOT_TYPE_AT, b"\x00", Unsupported, id="slot-type-0"),
        pytest.param(COUNT_AT, b"\x00", CorruptVault, id="slot-count-0"),
        pytest.param(COUNT_AT, b"\x09", LimitExceeded, id="slot-count-9"),
        pytest.param(COUNT_AT, b"\xff", LimitExceeded, id="slot-count-255"),
        pytest.param(SLOT_LEN_AT, struct.pack(">H", 87), CorruptVault, id="slot-len-87"),
        pytest.param(SLOT_LEN_AT, struct.pack(">H", 89), CorruptVault, id="slot-len-89"),
        pytest.param(SLOT_LEN_AT, struct.pack(">H", 0), CorruptVault, id="slot-len-0"),
        pytest.param(SLOT_LEN_AT, struct.pack(">H", 0xFFFF), CorruptVault, id="slot-len-ffff"),
    ],
)
def test_forged_header_fields(
    sample: Sample,
    tmp_path: Path,
    argon2_calls: list[int],
    offset: int,
    new: bytes,
    error: type[VaultError],
) -> None:
    forged = patch(sample.data, offset, new)
    with pytest.raises(error):
        parse(forged)
    with pytest.raises(error) as info:
        load_forged(tmp_path, forged)
    assert type(info.value) is error
    assert info.value.exit_code == 65
    assert argon2_calls == []  # refused before any key derivation


def test_forged_container_version_and_flags_via_dataclass(sample: Sample) -> None:
    c = parse(sample.data)
    for changes in ({"version": 2}, {"flags": 1}, {"flags": 0xFFFF}):
        with pytest.raises(Unsupported):
            parse(dataclasses.replace(c, **changes).to_bytes())


@pytest.mark.parametrize("delta", [-1, 1])
def test_slot_length_consistent_with_file_but_wrong(sample: Sample, delta: int) -> None:
    # body_len and the actual slot size agree, and the checksum is valid, but 88 is the rule.
    data = bytearray(sample.data[:-CHECKSUM_LEN])
    data[SLOT_LEN_AT:SLOT_BODY_AT] = struct.pack(">H", SLOT_BODY_LEN + delta)
    if delta > 0:
        data[WRAPPED_AT:WRAPPED_AT] = b"\x00"
    else:
        del data[WRAPPED_AT]
    with pytest.raises(CorruptVault, match="length"):
        parse(bytes(data) + hashlib.sha256(bytes(data)).digest())


@pytest.mark.parametrize("ct_len_delta", [-1, 1, -10_000, 2**31])
def test_ciphertext_length_mismatch(sample: Sample, ct_len_delta: int) -> None:
    (ct_len,) = struct.unpack(">I", sample.data[CT_LEN_AT:CT_AT])
    new = max(0, min(ct_len + ct_len_delta, 2**32 - 1))
    with pytest.raises(CorruptVault):
        parse(patch(sample.data, CT_LEN_AT, struct.pack(">I", new)))


def test_ciphertext_shorter_than_a_tag(sample: Sample) -> None:
    c = parse(sample.data)
    for n in (0, 15):
        with pytest.raises(CorruptVault):
            parse(dataclasses.replace(c, ciphertext=c.ciphertext[:n]).to_bytes())


def test_added_slots_break_the_payload(sample: Sample, tmp_path: Path) -> None:
    c = parse(sample.data)
    for n in (2, 8):
        forged = dataclasses.replace(c, slots=c.slots * n).to_bytes()
        assert len(parse(forged).slots) == n
        # The copied slot unwraps the real master key, but the header is the payload's AAD.
        assert ks.unlock(parse(forged), PASSPHRASE) == ks.unlock(c, PASSPHRASE)
        with pytest.raises(AuthenticationFailed):
            load_forged(tmp_path, forged)
    with pytest.raises(LimitExceeded):
        parse(dataclasses.replace(c, slots=c.slots * 9).to_bytes())


def test_forged_generation_fails_authentication(sample: Sample, tmp_path: Path) -> None:
    c = parse(sample.data)
    for generation in (0, c.generation + 1, 2**64 - 1):
        with pytest.raises(AuthenticationFailed):
            load_forged(tmp_path, dataclasses.replace(c, generation=generation).to_bytes())


@pytest.fixture(scope="module")
def strong_sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """A vault whose KDF costs can be lowered and still be valid (t=2, 2 MiB, p=2)."""
    return make_vault(tmp_path_factory.mktemp("strong") / "strong.rvault", KdfParams(2, 2048, 2))


@pytest.mark.parametrize(
    "lowered", [(1, 2048, 2), (2, 1024, 2), (2, 2048, 1), (1, 16, 1)], ids=["t", "m", "p", "all"]
)
def test_lowered_kdf_costs_fail_authentication(
    strong_sample: Sample, tmp_path: Path, lowered: tuple[int, int, int]
) -> None:
    assert [e.name for e in load_forged(tmp_path, strong_sample.data).entries] == ["Mail", "GitHub"]
    forged = patch(strong_sample.data, KDF_AT, struct.pack(">III", *lowered))
    assert parse(forged).slots[0].kdf == KdfParams(*lowered)
    with pytest.raises(AuthenticationFailed) as info:
        load_forged(tmp_path, forged)
    assert info.value.exit_code == 3


def test_slot_moved_between_vaults_fails(sample: Sample, tmp_path: Path) -> None:
    other = make_vault(tmp_path / "other.rvault")  # same passphrase, different vault
    a, b = parse(sample.data), parse(other.data)
    assert a.vault_id != b.vault_id
    moved = dataclasses.replace(b, slots=a.slots)
    # The slot itself no longer unwraps: its AAD names vault A.
    with pytest.raises(AuthenticationFailed):
        ks.unlock(moved, PASSPHRASE)
    with pytest.raises(AuthenticationFailed):
        load_forged(tmp_path, moved.to_bytes())
    # Nor does relabelling vault A with B's id, or grafting B's payload onto A's slots.
    with pytest.raises(AuthenticationFailed):
        load_forged(tmp_path, dataclasses.replace(a, vault_id=b.vault_id).to_bytes())
    grafted = dataclasses.replace(a, payload_salt=b.payload_salt, ciphertext=b.ciphertext)
    with pytest.raises(AuthenticationFailed):
        load_forged(tmp_path, grafted.to_bytes())
    # Controls: both genuine files open.
    assert [e.name for e in load_forged(tmp_path, other.data).entries] == other.names
    assert ks.unlock(a, PASSPHRASE) != ks.unlock(b, PASSPHRASE)


# --- hostile KDF parameters ----------------------------------------------------------------

GIB_KIB = 1024 * 1024


@pytest.mark.parametrize(
    "kdf",
    [
        pytest.param((1, 4 * GIB_KIB + 1, 1), id="memory-4GiB+1KiB"),
        pytest.param((10**6, 1024, 1), id="time-1e6"),
        pytest.param((1, 4096, 255), id="parallelism-255"),
        pytest.param((17, 4 * GIB_KIB, 1), id="work-over-cap"),
        pytest.param((256, 262_145, 1), id="work-just-over-cap"),
        pytest.param((2**32 - 1, 2**32 - 1, 2**32 - 1), id="all-max"),
        pytest.param((0, 1024, 1), id="time-0"),
        pytest.param((1, 1024, 0), id="parallelism-0"),
        pytest.param((1, 7, 1), id="memory-below-8p"),
    ],
)
def test_hostile_kdf_refused_fast_without_argon2(
    sample: Sample, tmp_path: Path, argon2_calls: list[int], kdf: tuple[int, int, int]
) -> None:
    forged = patch(sample.data, KDF_AT, struct.pack(">III", *kdf))
    start = time.perf_counter()
    with pytest.raises(LimitExceeded) as info:
        load_forged(tmp_path, forged)
    elapsed = time.perf_counter() - start
    assert info.value.exit_code == 65
    assert argon2_calls == []
    # A property of the cap, not a performance target: no derivation ran at all.
    assert elapsed < 1.0


def test_kdf_caps_boundaries_parse(sample: Sample) -> None:
    # Exactly at each cap parses (it is never derived here); one past it does not.
    for t, m, p in [(256, 262_144, 1), (16, 4 * GIB_KIB, 16), (1, 128, 16), (1, 8, 1)]:
        assert caps_allow(t, m, p)
        c = parse(patch(sample.data, KDF_AT, struct.pack(">III", t, m, p)))
        assert c.slots[0].kdf == KdfParams(t, m, p)
    for t, m, p in [(257, 1024, 1), (16, 4 * GIB_KIB + 1, 1), (1, 1024, 17), (1, 127, 16)]:
        with pytest.raises(LimitExceeded):
            parse(patch(sample.data, KDF_AT, struct.pack(">III", t, m, p)))


@settings(max_examples=300, deadline=None)
@given(
    t=st.one_of(st.integers(0, 300), st.integers(0, 2**32 - 1)),
    m=st.one_of(st.integers(0, 5 * GIB_KIB), st.integers(0, 2**32 - 1)),
    p=st.one_of(st.integers(0, 20), st.integers(0, 2**32 - 1)),
)
def test_kdf_caps_match_the_spec(sample: Sample, t: int, m: int, p: int) -> None:
    result = parse_or_vault_error(patch(sample.data, KDF_AT, struct.pack(">III", t, m, p)))
    if caps_allow(t, m, p):
        assert isinstance(result, Container)
        assert result.slots[0].kdf == KdfParams(t, m, p)
    else:
        assert isinstance(result, LimitExceeded)


# --- wrong passphrase and canonical saves -------------------------------------------------


def test_wrong_passphrase_leaves_file_untouched(tmp_path: Path, argon2_calls: list[int]) -> None:
    s = make_vault(tmp_path / "v.rvault")
    vf = VaultFile(s.path, lock_timeout=5)
    os.utime(s.path, ns=(1_000_000_000, 1_000_000_000))
    before = s.path.stat()
    for wrong in ("Correct horse battery staple", PASSPHRASE + " ", "x"):
        with pytest.raises(AuthenticationFailed) as info:
            vf.load(wrong)
        assert info.value.exit_code == 3
        with pytest.raises(AuthenticationFailed), vf.edit(wrong) as v:
            v.remove("Mail")  # never reached
        with pytest.raises(AuthenticationFailed):
            vf.change_passphrase(wrong, "new passphrase", allow_weak=True)
    assert argon2_calls, "the KDF really ran for the wrong passphrases"
    assert s.path.read_bytes() == s.data
    assert s.path.stat().st_mtime_ns == before.st_mtime_ns
    assert s.path.stat().st_ino == before.st_ino
    assert [e.name for e in vf.load(PASSPHRASE).entries] == s.names


def test_passphrase_is_nfc_normalized(tmp_path: Path) -> None:
    vf = VaultFile(tmp_path / "v.rvault", lock_timeout=5)
    vf.create("caf\u00e9 cr\u00e8me", CHEAP_KDF, allow_weak=True)
    assert vf.load("cafe\u0301 cre\u0300me").entries == []  # decomposed (NFD) input
    with pytest.raises(AuthenticationFailed):
        vf.load("cafe creme")


def test_same_contents_saved_twice_differ_but_both_round_trip(sample: Sample) -> None:
    c = parse(sample.data)
    master_key = ks.unlock(c, PASSPHRASE)
    plaintext = ks.open_payload(c, master_key)

    def seal() -> Container:
        return ks.seal_payload(
            master_key, plaintext, c.vault_id, c.generation, c.slots, random_bytes
        )

    first, second = seal(), seal()
    assert first.payload_salt != second.payload_salt
    assert first.ciphertext != second.ciphertext
    assert first.header_bytes()[:PAYLOAD_SALT_AT] == second.header_bytes()[:PAYLOAD_SALT_AT]
    for sealed in (first, second):
        data = sealed.to_bytes()
        assert parse(data).to_bytes() == data
        assert ks.open_payload(parse(data), master_key) == plaintext


def test_vault_file_saves_use_fresh_payload_salts(tmp_path: Path) -> None:
    vf = VaultFile(tmp_path / "v.rvault", lock_timeout=5)
    vf.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    salts, payloads = set(), set()
    for i in range(4):
        # Add and remove the same entry: the contents return to what they were.
        vf.add(PASSPHRASE, Entry("tmp", "note", secret="s"))
        vf.remove(PASSPHRASE, "tmp")
        data = vf.path.read_bytes()
        c = parse(data)
        assert c.to_bytes() == data
        assert c.generation == 2 * (i + 1)
        salts.add(c.payload_salt)
        # meta records the generation of the last content change; the entries are identical.
        payloads.add(
            json.dumps(json.loads(ks.open_payload(c, ks.unlock(c, PASSPHRASE)))["entries"])
        )
    assert len(salts) == 4
    assert len(payloads) == 1  # same entries each time, four different ciphertexts
