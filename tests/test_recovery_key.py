"""add_recovery_key as a library call: its key comes from the injected rng, and a failure at
any point leaves neither a sheet for a key the vault lacks nor a staged file behind.

The CLI's wording and exit codes for the same cases are in tests/test_recovery.py; these
tests call the library directly, as a Python user would.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import PASSPHRASE

from vault import VaultFile, add_recovery_key
from vault.crypto import Rng, random_bytes
from vault.errors import AlreadyExists, AuthenticationFailed, StorageError
from vault.format import parse
from vault.keyslots import unlock, unlock_recovery


def _seeded(seed: bytes) -> tuple[list[bytes], Rng]:
    """A deterministic rng (SHA-256 in counter mode) and the list of what it has returned."""
    given: list[bytes] = []

    def rng(n: int) -> bytes:
        out = b"".join(
            hashlib.sha256(seed + len(given).to_bytes(4, "big") + i.to_bytes(4, "big")).digest()
            for i in range(n // 32 + 1)
        )[:n]
        given.append(out)
        return out

    return given, rng


def _opens_with(vf: VaultFile, key: bytes) -> bool:
    """Whether the recovery key opens vf to the same master key as the passphrase."""
    container = parse(vf.read_bytes())
    try:
        return unlock_recovery(container, key) == unlock(container, PASSPHRASE)
    except AuthenticationFailed:
        return False


def test_the_key_comes_from_the_rng_passed_in(vf: VaultFile, tmp_path: Path) -> None:
    given, rng = _seeded(b"passed in")
    sheets = add_recovery_key(vf, PASSPHRASE, tmp_path / "rk.pdf", rng=rng)
    assert sheets.paths == (tmp_path / "rk.pdf",) and sheets.k is None
    assert [len(b) for b in given] == [32]  # the key, and nothing else from this rng
    assert _opens_with(vf, given[0])
    assert not _opens_with(vf, random_bytes(32))  # the control: not any key opens it


def test_without_an_rng_the_vault_files_rng_makes_the_key(
    vf: VaultFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given, rng = _seeded(b"the vault's")
    monkeypatch.setattr(vf, "rng", rng)
    sheets = add_recovery_key(vf, PASSPHRASE, tmp_path / "rk.pdf", shares=(2, 3))
    assert [p.name for p in sheets.paths] == [f"rk-share-{i}-of-3.pdf" for i in (1, 2, 3)]
    assert sheets.k == 2
    assert len(given[0]) == 32 and _opens_with(vf, given[0])  # the first draw is the key


@pytest.mark.parametrize("shares", [None, (2, 3)])
@pytest.mark.parametrize("failure", [StorageError("disk full"), KeyboardInterrupt()])
def test_a_failure_after_staging_leaves_only_what_was_there(
    vf: VaultFile,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shares: tuple[int, int] | None,
    failure: BaseException,
) -> None:
    out = tmp_path / "rk.pdf"
    first = tmp_path / "rk-share-1-of-3.pdf" if shares else out
    first.write_bytes(b"an older sheet")  # force may replace it, but only on success
    before, names = vf.read_bytes(), {p.name for p in tmp_path.iterdir()}
    staged: list[set[str]] = []

    def fail(*args: object, **kwargs: object) -> None:
        staged.append({p.name for p in tmp_path.iterdir()} - names)
        raise failure

    monkeypatch.setattr(vf, "set_recovery_key", fail)
    with pytest.raises(type(failure)):
        add_recovery_key(vf, PASSPHRASE, out, shares=shares, force=True)
    assert len(staged[0]) == (3 if shares else 1)  # the sheets were staged, hidden
    assert all(name.startswith(".") for name in staged[0])
    assert {p.name for p in tmp_path.iterdir()} == names
    assert first.read_bytes() == b"an older sheet"
    assert vf.read_bytes() == before


def test_an_existing_sheet_without_force_is_refused_and_kept(vf: VaultFile, tmp_path: Path) -> None:
    out = tmp_path / "rk.pdf"
    out.write_bytes(b"an older sheet")
    before, names = vf.read_bytes(), {p.name for p in tmp_path.iterdir()}
    with pytest.raises(AlreadyExists):
        add_recovery_key(vf, PASSPHRASE, out)
    assert out.read_bytes() == b"an older sheet"
    assert {p.name for p in tmp_path.iterdir()} == names
    assert vf.read_bytes() == before


def test_a_wrong_passphrase_changes_nothing(vf: VaultFile, tmp_path: Path) -> None:
    before, names = vf.read_bytes(), {p.name for p in tmp_path.iterdir()}
    with pytest.raises(AuthenticationFailed):
        add_recovery_key(vf, "not the passphrase", tmp_path / "rk.pdf", shares=(2, 3))
    assert {p.name for p in tmp_path.iterdir()} == names
    assert vf.read_bytes() == before


def test_a_sheet_that_cannot_be_named_after_the_save_is_kept_and_reported(
    vf: VaultFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    given, rng = _seeded(b"named")
    real = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == "rk-share-2-of-3.pdf":
            raise PermissionError(13, "Permission denied")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(StorageError) as info:
        add_recovery_key(vf, PASSPHRASE, tmp_path / "rk.pdf", shares=(2, 3), rng=rng)
    # The vault holds the new key, so the unnamed sheets are its only copy: kept and named.
    assert _opens_with(vf, given[0])
    assert (tmp_path / "rk-share-1-of-3.pdf").is_file()
    staged = sorted(p for p in tmp_path.iterdir() if p.name.startswith(".rk-share-"))
    assert [p.name.split(".")[1] for p in staged] == ["rk-share-2-of-3", "rk-share-3-of-3"]
    assert "rk-share-2-of-3.pdf could not be written (Permission denied)" in info.value.message
    assert all(str(p) in info.value.hint for p in staged)
