"""Key derivation policy, caps and primitives, against independent implementations."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from argon2.low_level import Type, hash_secret_raw
from conftest import PASSPHRASE, run_rvault

from vault import KdfParams, VaultFile, calibrate
from vault.crypto import argon2id, normalize_passphrase, open_sealed, seal
from vault.errors import AuthenticationFailed, InvalidData, LimitExceeded
from vault.policy import MAX_MEMORY_KIB, MAX_PARALLELISM, MAX_TIME_COST

SALT = bytes(range(16))


def test_argon2id_matches_pyca_implementation() -> None:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    params = KdfParams(time_cost=2, memory_kib=1024, parallelism=2)
    ours = argon2id(b"password", SALT, params)
    theirs = Argon2id(salt=SALT, length=32, iterations=2, lanes=2, memory_cost=1024).derive(
        b"password"
    )
    assert ours == theirs


def test_argon2id_matches_argon2_cffi_directly() -> None:
    params = KdfParams(time_cost=1, memory_kib=64, parallelism=1)
    expected = hash_secret_raw(
        b"pw", SALT, time_cost=1, memory_cost=64, parallelism=1, hash_len=32, type=Type.ID
    )
    assert argon2id(b"pw", SALT, params) == expected


def test_passphrase_is_nfc_normalized() -> None:
    composed = "caf\u00e9 d\u00e9j\u00e0 vu"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert normalize_passphrase(composed) == normalize_passphrase(decomposed)
    # Only normalisation: spaces are part of the passphrase.
    assert normalize_passphrase(" a ") != normalize_passphrase("a")


@pytest.mark.parametrize(
    "params",
    [
        KdfParams(1, MAX_MEMORY_KIB + 1, 1),
        KdfParams(MAX_TIME_COST + 1, 1024, 1),
        KdfParams(1, 1024, MAX_PARALLELISM + 1),
        KdfParams(0, 1024, 1),
        KdfParams(1, 1024, 0),
        KdfParams(1, 15, 2),  # Argon2 needs at least 8 KiB per lane
        KdfParams(64, 2 * 1024 * 1024, 4),  # each within its cap, total work above
    ],
)
def test_caps_refuse_before_deriving(params: KdfParams) -> None:
    with pytest.raises(LimitExceeded):
        argon2id(b"pw", SALT, params)


def test_floor_is_rfc9106_second_option() -> None:
    assert not KdfParams(3, 64 * 1024, 4).below_floor()
    assert KdfParams(2, 64 * 1024, 4).below_floor()
    assert KdfParams(3, 64 * 1024 - 1, 4).below_floor()


def test_seal_rejects_any_change() -> None:
    key, nonce = b"k" * 32, b"n" * 12
    sealed = seal(key, nonce, b"secret", b"aad")
    assert open_sealed(key, nonce, sealed, b"aad") == b"secret"
    for bad in (
        lambda: open_sealed(b"K" * 32, nonce, sealed, b"aad"),
        lambda: open_sealed(key, nonce, sealed, b"aaD"),
        lambda: open_sealed(key, nonce, bytes([sealed[0] ^ 1]) + sealed[1:], b"aad"),
    ):
        with pytest.raises(AuthenticationFailed):
            bad()


def test_calibrate_respects_floor_and_caps() -> None:
    params = calibrate(0.05, memory_kib=8 * 1024, parallelism=1)
    assert params.time_cost >= 3
    assert params.memory_kib == 8 * 1024 and params.parallelism == 1
    params.check_caps()
    # An absurd target is clamped to the caps instead of producing an unopenable vault.
    huge = calibrate(1e9, memory_kib=64 * 1024, parallelism=1)
    huge.check_caps()
    assert huge.time_cost == MAX_TIME_COST


def test_calibrate_scales_with_target() -> None:
    short = calibrate(0.02, memory_kib=1024, parallelism=1, min_time_cost=1)
    long = calibrate(0.5, memory_kib=1024, parallelism=1, min_time_cost=1)
    assert long.time_cost > short.time_cost


def test_library_refuses_weak_kdf_unless_allowed(tmp_path: Path) -> None:
    vf = VaultFile(tmp_path / "v.rvault")
    with pytest.raises(InvalidData, match="below the minimum"):
        vf.create(PASSPHRASE, KdfParams(1, 1024, 1))
    assert not vf.path.exists()
    vf.create(PASSPHRASE, KdfParams(1, 1024, 1), allow_weak=True)
    assert vf.path.exists()


def test_cli_refuses_weak_kdf_without_flag(cli_env: dict[str, str], vault_path: Path) -> None:
    res = run_rvault(["init", "--kdf-memory", "8", "--kdf-time", "1"], cli_env)
    assert res.returncode == 65
    assert "--weak-kdf" in res.stderr
    assert not vault_path.exists()
    res = run_rvault(["init", "--kdf-memory", "8", "--kdf-time", "1", "--weak-kdf"], cli_env)
    assert res.returncode == 0, res.stderr
    assert "weak key derivation" in res.stderr


@pytest.mark.slow
def test_cli_init_calibrates_at_floor(cli_env: dict[str, str], vault_path: Path) -> None:
    # 64 MiB is the policy floor; a tiny target still yields at least 3 passes.
    res = run_rvault(["init", "--kdf-memory", "64", "--kdf-target", "0.01"], cli_env)
    assert res.returncode == 0, res.stderr
    slot = VaultFile(vault_path).info()["slots"][0]
    assert slot["memory_kib"] == 64 * 1024
    assert slot["time_cost"] >= 3
    assert slot["parallelism"] == 4


def test_cli_explicit_kdf_parameters(cli_env: dict[str, str], vault_path: Path) -> None:
    args = ["init", "--kdf-memory", "64", "--kdf-time", "4", "--kdf-parallelism", "2"]
    res = run_rvault(args, cli_env)
    assert res.returncode == 0, res.stderr
    slot = VaultFile(vault_path).info()["slots"][0]
    assert (slot["time_cost"], slot["memory_kib"], slot["parallelism"]) == (4, 65536, 2)


def test_cli_kdf_over_cap_refused(cli_env: dict[str, str], vault_path: Path) -> None:
    res = run_rvault(["init", "--kdf-memory", "8192", "--kdf-time", "3"], cli_env)
    assert res.returncode == 65
    assert "Traceback" not in res.stderr
    assert not vault_path.exists()
