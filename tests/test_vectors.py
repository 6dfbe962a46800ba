"""The committed test vectors (tests/vectors/): reproducible, and read alike by two readers.

The library (`vault`) and tests/support/independent_decryptor.py (written from docs/FORMAT.md alone)
must both give every vector the outcome its manifest entry states, and the same payload.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import argon2.low_level
import pytest
from conftest import canonical_json

from vault import errors
from vault.format import parse
from vault.store import VaultFile

TESTS = Path(__file__).resolve().parent
VECTORS = TESTS / "vectors"
MANIFEST = json.loads((VECTORS / "vectors.json").read_text(encoding="ascii"))
CASES: list[dict[str, Any]] = MANIFEST["cases"]
SUCCESS = [c for c in CASES if c["outcome"] == "success"]

LIBRARY_ERRORS: dict[str, type[errors.VaultError]] = {
    "wrong_passphrase": errors.AuthenticationFailed,
    "corrupt": errors.CorruptVault,
    "unsupported": errors.Unsupported,
    "limit_exceeded": errors.LimitExceeded,
}


def _load_by_path(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


generator = _load_by_path("rvault_test_vectors_generate", VECTORS / "generate.py")
DECRYPTOR = TESTS / "support" / "independent_decryptor.py"
independent = _load_by_path("rvault_independent_decryptor", DECRYPTOR)

INDEPENDENT_ERRORS: dict[str, type[Exception]] = {
    "wrong_passphrase": independent.WrongPassphrase,
    "corrupt": independent.Corrupt,
    "unsupported": independent.Unsupported,
    "limit_exceeded": independent.LimitExceeded,
}


def _case_id(case: dict[str, Any]) -> str:
    return f"{CASES.index(case):02d}-{Path(case['file']).stem}-{case['outcome']}"


class KdfRan(AssertionError):
    """Argon2 was called for a file that had to be refused before any key derivation."""


@contextmanager
def _argon2_calls(target: Any, attribute: str, allowed: bool) -> Iterator[list[object]]:
    """Count calls of an Argon2 entry point; if not allowed, fail instead of running it.

    Failing (rather than running) matters: the forged vectors ask for up to 8 GiB.
    """
    calls: list[object] = []
    real = getattr(target, attribute)

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(args)
        if not allowed:
            raise KdfRan("Argon2 was called for a file that must be refused before any KDF")
        return real(*args, **kwargs)  # type: ignore[no-any-return]

    with mock.patch.object(target, attribute, counting):
        yield calls


Result = tuple[str, Any, int]
"""(outcome, payload document or error class name, number of Argon2 derivations run)."""


@functools.cache
def library_result(index: int) -> Result:
    case = CASES[index]
    # vault.crypto imports hash_secret_raw from argon2.low_level on each call.
    allowed = not case.get("refused_before_kdf")
    with _argon2_calls(argon2.low_level, "hash_secret_raw", allowed) as calls:
        try:
            loaded = VaultFile(VECTORS / case["file"]).load(case["passphrase"])
        except errors.VaultError as exc:
            for outcome, cls in LIBRARY_ERRORS.items():
                if isinstance(exc, cls):
                    return outcome, type(exc).__name__, len(calls)
            return "unexpected", f"{type(exc).__name__}: {exc}", len(calls)
    return "success", json.loads(loaded.to_bytes()), len(calls)


@functools.cache
def independent_result(index: int) -> Result:
    case = CASES[index]
    data = (VECTORS / case["file"]).read_bytes()
    allowed = not case.get("refused_before_kdf")
    with _argon2_calls(independent, "hash_secret_raw", allowed) as calls:
        try:
            doc = independent.decrypt(data, case["passphrase"])
        except independent.DecryptError as exc:
            for outcome, cls in INDEPENDENT_ERRORS.items():
                if isinstance(exc, cls):
                    return outcome, type(exc).__name__, len(calls)
            return "unexpected", f"{type(exc).__name__}: {exc}", len(calls)
    return "success", doc, len(calls)


def _check_against_manifest(case: dict[str, Any], result: Result, library: bool) -> None:
    outcome, value, derivations = result
    assert outcome == case["outcome"], f"{case['description']}: got {outcome} ({value})"
    if outcome == "success" and library and "read_as" in case:
        # An older payload version: the library holds it in today's form.
        assert value == case["read_as"]
        assert [e["name"] for e in value["entries"]] == case["entry_names"]
    elif outcome == "success":
        assert value == case["payload"]
        assert hashlib.sha256(canonical_json(value)).hexdigest() == case["payload_sha256"]
        assert [e["name"] for e in value["entries"]] == case["entry_names"]
        # Proves the Argon2 counter is hooked into this reader, so a 0 below means something.
        assert derivations >= 1
    if case.get("refused_before_kdf"):
        assert derivations == 0, "a key derivation ran for a file that had to be refused first"


# --- reproducibility -------------------------------------------------------------------------


@pytest.mark.slow
def test_regenerating_gives_byte_identical_vectors(tmp_path: Path) -> None:
    if generator.zlib_fingerprint() != MANIFEST["zlib_fingerprint"]:
        pytest.skip(
            "this zlib compresses differently from the one that made the vectors "
            "(e.g. zlib-ng), so the ciphertexts cannot be byte-identical; the vectors "
            "themselves are still checked by the other tests"
        )
    out = tmp_path / "out"

    def no_urandom(n: int) -> bytes:
        raise AssertionError("the generator must not use os.urandom")

    with mock.patch.object(os, "urandom", no_urandom):
        written = generator.generate(out, work_dir=tmp_path)
    committed = sorted(p.name for p in VECTORS.iterdir() if p.suffix in {".rvault", ".json"})
    assert sorted(p.name for p in written) == committed
    for name in committed:
        assert (out / name).read_bytes() == (VECTORS / name).read_bytes(), name
    # Only the final files are written: no .bak, .lock or temp files beside them.
    assert sorted(p.name for p in out.iterdir()) == committed


# --- the manifest ------------------------------------------------------------------------------


def test_manifest_covers_every_vector_file() -> None:
    on_disk = {p.name for p in VECTORS.iterdir() if p.is_file() and p.suffix != ".py"}
    on_disk -= {"vectors.json", "README.md"}
    described = {c["file"] for c in CASES}
    assert on_disk - described == set(), "vector files with no expected outcome in vectors.json"
    assert described - on_disk == set(), "vectors.json names files that do not exist"


def test_manifest_is_well_formed() -> None:
    for case in CASES:
        assert case["outcome"] in MANIFEST["outcomes"], case
        assert case["description"], case
        if case["outcome"] == "success":
            assert {"payload", "payload_sha256", "entry_names", "generation"} <= set(case)
        else:
            assert "payload" not in case
    outcomes = {c["outcome"] for c in CASES}
    assert outcomes == set(MANIFEST["outcomes"])
    assert any(c.get("tampered") for c in CASES)


def test_manifest_covers_the_required_kinds_of_vector() -> None:
    by_file = {c["file"]: c for c in SUCCESS}
    assert by_file["empty.rvault"]["payload"] == {"entries": [], "meta": {}, "version": 2}
    assert by_file["payload-v1.rvault"]["payload"]["version"] == 1
    settings = [e["otp"] for e in by_file["four-kinds.rvault"]["payload"]["entries"]]
    assert {"algorithm": "SHA256", "digits": 8, "period": 60} in settings
    kinds = {e["kind"] for e in by_file["four-kinds.rvault"]["payload"]["entries"]}
    assert kinds == {"backup-codes", "recovery-key", "totp", "note"}
    assert by_file["changed-passphrase.rvault"]["generation"] > 0
    assert by_file["policy-floor.rvault"]["slots"] == [
        {"time_cost": 3, "memory_kib": 65536, "parallelism": 4}
    ]
    # The passphrase is stored decomposed; the vault was created with the composed form.
    nfd = by_file["unicode-passphrase.rvault"]["passphrase"]
    assert unicodedata.normalize("NFD", nfd) == nfd
    assert unicodedata.normalize("NFC", nfd) != nfd


# --- both readers against the manifest ---------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_library_gives_the_expected_outcome(case: dict[str, Any]) -> None:
    _check_against_manifest(case, library_result(CASES.index(case)), library=True)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_independent_decryptor_gives_the_expected_outcome(case: dict[str, Any]) -> None:
    _check_against_manifest(case, independent_result(CASES.index(case)), library=False)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_readers_agree(case: dict[str, Any]) -> None:
    index = CASES.index(case)
    lib_outcome, lib_value, _ = library_result(index)
    ind_outcome, ind_value, _ = independent_result(index)
    assert lib_outcome == ind_outcome
    if lib_outcome == "success" and "read_as" not in case:
        assert canonical_json(lib_value) == canonical_json(ind_value)
    elif lib_outcome == "success":
        # The decryptor returns the document as stored; the library upgrades it in memory.
        assert ind_value["version"] == 1 and lib_value["version"] == 2
        assert [{k: v for k, v in e.items() if k != "otp"} for e in lib_value["entries"]] == (
            ind_value["entries"]
        )


@pytest.mark.parametrize("case", SUCCESS, ids=_case_id)
def test_success_vectors_reserialize_canonically(case: dict[str, Any]) -> None:
    data = (VECTORS / case["file"]).read_bytes()
    container = parse(data)
    assert container.to_bytes() == data
    assert container.generation == case["generation"]
    assert [
        {
            "time_cost": s.kdf.time_cost,
            "memory_kib": s.kdf.memory_kib,
            "parallelism": s.kdf.parallelism,
        }
        for s in container.slots
    ] == case["slots"]


@pytest.mark.parametrize("case", SUCCESS, ids=_case_id)
def test_library_reads_vectors_without_writing(tmp_path: Path, case: dict[str, Any]) -> None:
    # load() is read-only: reading a copy leaves no .bak, .lock or temp file beside it.
    copy = tmp_path / case["file"]
    shutil.copyfile(VECTORS / case["file"], copy)
    VaultFile(copy).load(case["passphrase"])
    assert [p.name for p in tmp_path.iterdir()] == [case["file"]]


# --- hygiene -------------------------------------------------------------------------------------


def test_independent_decryptor_imports_nothing_from_vault() -> None:
    tree = ast.parse(DECRYPTOR.read_text(encoding="utf-8"))
    allowed_third_party = {"argon2", "cryptography"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in the independent decryptor"
            roots = {(node.module or "").split(".")[0]}
        else:
            continue
        for root in roots:
            assert root in sys.stdlib_module_names or root in allowed_third_party, root


def test_vector_files_are_not_git_ignored() -> None:
    git = shutil.which("git")
    root = TESTS.parent
    if git is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    files = sorted(str(p.relative_to(root)) for p in VECTORS.glob("*.rvault"))
    # Without -v, check-ignore lists only paths that really are ignored (with -v it also lists
    # paths re-included by a "!" pattern, such as .gitignore's "!tests/vectors/*.rvault").
    result = subprocess.run(
        [git, "check-ignore", "--no-index", *files],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, f"ignored by .gitignore:\n{result.stdout}{result.stderr}"
