"""Disk behaviour of VaultFile: atomic saves, .bak, permissions, locking, failures and crashes.

All real: real files, real Argon2id (cheap parameters), real AES-GCM, real child processes.
Disk failures are injected by wrapping os functions so that they raise OSError for calls made
on the test's vault directory while a save runs; everything else goes to the real function.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import random
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from conftest import CHEAP_KDF, PASSPHRASE, run_rvault

import vault.cli
import vault.fileio
from vault import BackupCode, Entry, KdfParams, VaultFile
from vault import keyslots as ks
from vault.errors import (
    AlreadyExists,
    AuthenticationFailed,
    EntryNotFound,
    NothingLeft,
    StorageError,
    VaultLocked,
)
from vault.format import parse

HELPERS = Path(__file__).resolve().parent / "helpers"
NEW_PASSPHRASE = "a whole new passphrase"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def temp_files(vault_path: Path) -> list[str]:
    """Temp files a save of this vault may leave (its own and the staged .bak)."""
    return sorted(p.name for p in vault_path.parent.glob(f".{vault_path.name}.*.tmp"))


def names(vf: VaultFile, passphrase: str = PASSPHRASE) -> list[str]:
    return [e.name for e in vf.load(passphrase).entries]


def generation(vf: VaultFile) -> int:
    return int(vf.info()["generation"])


def note(name: str) -> Entry:
    return Entry(name, "note", secret=f"secret of {name}")


def codes_entry(name: str, n: int) -> Entry:
    return Entry(name, "backup-codes", codes=[BackupCode(f"code-{i:04d}") for i in range(n)])


# --- create, generation, no-op edits ----------------------------------------------------


def test_create_refuses_an_existing_vault(vf: VaultFile, vault_path: Path) -> None:
    vf.add(PASSPHRASE, note("Mail"))
    before = vault_path.read_bytes()
    with pytest.raises(AlreadyExists) as info:
        VaultFile(vault_path).create(NEW_PASSPHRASE, CHEAP_KDF, allow_weak=True)
    assert info.value.exit_code == 73
    assert vault_path.read_bytes() == before
    assert names(vf) == ["Mail"]
    assert temp_files(vault_path) == []


def test_create_refuses_any_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"not a vault, but precious")
    with pytest.raises(AlreadyExists):
        VaultFile(path).create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    assert path.read_bytes() == b"not a vault, but precious"
    assert temp_files(path) == []


def test_generation_grows_by_one_per_save(vf: VaultFile) -> None:
    assert generation(vf) == 0
    steps: list[Callable[[], Any]] = [
        lambda: vf.add(PASSPHRASE, codes_entry("GitHub", 3)),
        lambda: vf.add(PASSPHRASE, note("Mail")),
        lambda: vf.use_code(PASSPHRASE, "GitHub"),
        lambda: vf.set_used(PASSPHRASE, "GitHub", 1, False),
        lambda: vf.update(PASSPHRASE, "Mail", fields={"account": "me@example.com"}),
        lambda: vf.remove(PASSPHRASE, "Mail"),
        lambda: vf.change_passphrase(PASSPHRASE, PASSPHRASE, allow_weak=True),
    ]
    for expected, step in enumerate(steps, start=1):
        step()
        assert generation(vf) == expected
        assert parse(vf.path.read_bytes()).generation == expected
    assert names(vf) == ["GitHub"]


def test_noop_edit_does_not_save(vf: VaultFile, vault_path: Path) -> None:
    vf.add(PASSPHRASE, codes_entry("GitHub", 1))
    vf.use_code(PASSPHRASE, "GitHub")
    os.utime(vault_path, ns=(1_000_000_000, 1_000_000_000))
    before, st = vault_path.read_bytes(), vault_path.stat()
    bak_before = vf.bak_path.read_bytes()
    with vf.edit(PASSPHRASE) as v:
        assert v.get("github").name == "GitHub"  # read, change nothing
    # Edits that fail inside the block save nothing either.
    with pytest.raises(AlreadyExists):
        vf.add(PASSPHRASE, note("github"))
    with pytest.raises(NothingLeft):
        vf.use_code(PASSPHRASE, "GitHub")
    with pytest.raises(EntryNotFound):
        vf.remove(PASSPHRASE, "nope")
    assert vault_path.read_bytes() == before
    assert vault_path.stat().st_mtime_ns == st.st_mtime_ns
    assert vault_path.stat().st_ino == st.st_ino
    assert vf.bak_path.read_bytes() == bak_before
    assert generation(vf) == 2


# --- .bak and permissions -----------------------------------------------------------------


def test_bak_holds_the_previous_generation(vf: VaultFile, vault_path: Path) -> None:
    assert not vf.bak_path.exists()
    for i, name in enumerate(["Mail", "Bank", "Shop"]):
        previous = vault_path.read_bytes()
        vf.add(PASSPHRASE, note(name))
        assert vf.bak_path.read_bytes() == previous
        assert mode(vf.bak_path) == 0o600
        bak = VaultFile(vf.bak_path)
        assert generation(bak) == i
        assert names(bak) == ["Mail", "Bank", "Shop"][:i]
        assert names(vf) == ["Mail", "Bank", "Shop"][: i + 1]
        # The .bak is its own file, not a second name of the live vault.
        assert vf.bak_path.stat().st_ino != vault_path.stat().st_ino


def test_files_are_0600_under_umask_000(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        vf = VaultFile(tmp_path / "fresh-dir" / "v.rvault", lock_timeout=5)
        vf.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
        vf.add(PASSPHRASE, note("Mail"))
        vf.add(PASSPHRASE, note("Bank"))
    finally:
        os.umask(old)
    assert mode(vf.path) == 0o600
    assert mode(vf.bak_path) == 0o600
    assert mode(vf.lock_path) == 0o600
    assert mode(vf.path.parent) == 0o700
    assert names(vf) == ["Mail", "Bank"]


def test_save_restores_0600_on_a_loosened_vault(vf: VaultFile, vault_path: Path) -> None:
    vault_path.chmod(0o644)
    vf.add(PASSPHRASE, note("Mail"))
    assert mode(vault_path) == 0o600
    assert mode(vf.bak_path) == 0o600
    assert names(VaultFile(vf.bak_path)) == []


# --- change_passphrase ---------------------------------------------------------------------


def entries_of(vault: object) -> list[dict[str, object]]:
    """The entries part of a vault (meta records when the ways in changed)."""
    return [e.to_json() for e in vault.entries]  # type: ignore[attr-defined]


def entries_of_bytes(payload: bytes) -> list[dict[str, object]]:
    import json

    return list(json.loads(payload)["entries"])


def test_change_passphrase_rewraps_the_master_key(vf: VaultFile, vault_path: Path) -> None:
    vf.add(PASSPHRASE, codes_entry("GitHub", 5))
    vf.use_code(PASSPHRASE, "GitHub")
    old_bytes = vault_path.read_bytes()
    old = parse(old_bytes)
    old_key = ks.unlock(old, PASSPHRASE)
    contents = vf.load(PASSPHRASE).to_bytes()

    vf.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, allow_weak=True)

    with pytest.raises(AuthenticationFailed):
        vf.load(PASSPHRASE)
    assert entries_of(vf.load(NEW_PASSPHRASE)) == entries_of_bytes(contents)
    new = parse(vault_path.read_bytes())
    assert new.vault_id == old.vault_id
    assert new.generation == old.generation + 1
    assert new.slots[0].kdf == CHEAP_KDF  # kept by default
    assert new.slots[0].salt != old.slots[0].salt
    # By default only the wrap changes (docs: passwd re-wraps; --new-master-key rotates).
    assert ks.unlock(new, NEW_PASSPHRASE) == old_key
    # The .bak is the old file and still opens with the old passphrase only.
    assert vf.bak_path.read_bytes() == old_bytes
    assert VaultFile(vf.bak_path).load(PASSPHRASE).to_bytes() == contents
    with pytest.raises(AuthenticationFailed):
        VaultFile(vf.bak_path).load(NEW_PASSPHRASE)


def test_change_passphrase_with_a_new_master_key(vf: VaultFile, vault_path: Path) -> None:
    vf.add(PASSPHRASE, codes_entry("GitHub", 5))
    vf.use_code(PASSPHRASE, "GitHub")
    old = parse(vault_path.read_bytes())
    old_key = ks.unlock(old, PASSPHRASE)
    contents = vf.load(PASSPHRASE).to_bytes()

    vf.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, allow_weak=True, new_master_key=True)

    with pytest.raises(AuthenticationFailed):
        vf.load(PASSPHRASE)
    assert entries_of(vf.load(NEW_PASSPHRASE)) == entries_of_bytes(contents)
    new = parse(vault_path.read_bytes())
    assert (new.vault_id, new.generation) == (old.vault_id, old.generation + 1)
    new_key = ks.unlock(new, NEW_PASSPHRASE)
    assert new_key != old_key
    # Whoever knew the old passphrase (hence the old master key) cannot read the new file.
    with pytest.raises(AuthenticationFailed):
        ks.open_payload(new, old_key)
    assert entries_of_bytes(ks.open_payload(new, new_key)) == entries_of_bytes(contents)
    # Nor can the old slot be grafted back in: it holds the old key.
    with pytest.raises(AuthenticationFailed):
        ks.open_payload(new, ks.unlock(old, PASSPHRASE))


def test_change_passphrase_with_new_kdf(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, note("Mail"))
    stronger = KdfParams(2, 2048, 2)
    vf.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, stronger, allow_weak=True)
    assert vf.info()["slots"][0]["memory_kib"] == 2048
    assert parse(vf.path.read_bytes()).slots[0].kdf == stronger
    assert names(vf, NEW_PASSPHRASE) == ["Mail"]


# --- disk failures -------------------------------------------------------------------------


class DiskFault:
    """Make one os function fail with OSError(code) for calls on the vault's directory.

    vault.fileio uses the global os module, so the patch is process-wide; it only fires while
    armed and only for calls that touch the vault's directory, and counts how often it fired.
    """

    FUNCTION: ClassVar[dict[str, str]] = {
        "write": "write",
        "fsync-file": "fsync",
        "fsync-dir": "fsync",
        "replace-vault": "replace",
        "replace-bak": "replace",
        "link-bak": "link",
    }

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, vault_path: Path, where: str, code: int
    ) -> None:
        self.folder = vault_path.parent.resolve()
        self.vault = self.folder / vault_path.name
        bak = self.folder / (vault_path.name + ".bak")
        self.replace_target = bak if where == "replace-bak" else self.vault
        self.where, self.code = where, code
        self.armed = False
        self.fired = 0
        self.file_calls = 0
        name = self.FUNCTION[where]
        self.real = getattr(os, name)
        monkeypatch.setattr(vault.fileio.os, name, self._call)

    @contextlib.contextmanager
    def during(self) -> Iterator[None]:
        """Arm the fault for the duration of the block (one save)."""
        self.armed, self.file_calls = True, 0
        try:
            yield
        finally:
            self.armed = False

    def _fd_target(self, fd: int) -> Path | None:
        try:
            return Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return None

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        if not self.armed:
            return self.real(*args, **kwargs)
        if self.where in ("write", "fsync-file", "fsync-dir"):
            target = self._fd_target(args[0])
            if self.where == "fsync-dir":
                if target == self.folder:
                    return self._fail()
            elif target is not None and target.parent == self.folder:
                self.file_calls += 1
                if self.where == "fsync-file" and self.file_calls == 1:
                    return self._fail()  # the first fsync: the new temp file's
                if self.where == "write" and self.file_calls == 1:
                    return self.real(args[0], bytes(args[1][:64]))  # a short write...
                if self.where == "write" and self.file_calls == 2:
                    return self._fail()  # ...then the disk is full
        elif self.where.startswith("replace-") and Path(args[1]).resolve() == self.replace_target:
            return self._fail()
        elif self.where == "link-bak":
            return self._fail()  # the only link() of a save of an existing vault
        return self.real(*args, **kwargs)

    def _fail(self) -> Any:
        self.fired += 1
        raise OSError(self.code, os.strerror(self.code))


FAULTS = [
    pytest.param(where, code, id=f"{where}-{errno.errorcode[code]}", marks=marks)
    for where, marks in [
        ("write", ()),
        ("fsync-file", ()),
        ("replace-vault", ()),
        ("replace-bak", ()),
        ("link-bak", ()),
    ]
    for code in (errno.ENOSPC, errno.EIO)
]


@pytest.fixture
def two_entry_vault(vf: VaultFile) -> VaultFile:
    """The test vault with two saves behind it (so a .bak exists)."""
    vf.add(PASSPHRASE, codes_entry("GitHub", 4))
    vf.add(PASSPHRASE, note("Mail"))
    return vf


def check_intact(vf: VaultFile, before: bytes) -> list[str]:
    """What is wrong with the vault after a failed save (empty when nothing is)."""
    problems = []
    try:
        if names(vf) != ["GitHub", "Mail"]:
            problems.append(f"contents changed: {names(vf)}")
    except Exception as exc:
        problems.append(f"vault does not open: {exc!r}")
    if vf.path.read_bytes() != before:
        problems.append("vault file is not byte-identical to before the failed save")
    if temp_files(vf.path):
        problems.append(f"stray temp files: {temp_files(vf.path)}")
    return problems


@pytest.mark.parametrize(("where", "code"), FAULTS)
def test_disk_failure_during_save_keeps_the_vault(
    monkeypatch: pytest.MonkeyPatch, two_entry_vault: VaultFile, where: str, code: int
) -> None:
    vf = two_entry_vault
    before = vf.path.read_bytes()
    fault = DiskFault(monkeypatch, vf.path, where, code)
    with fault.during(), pytest.raises(StorageError) as info:
        vf.add(PASSPHRASE, note("Bank"))
    assert fault.fired == 1
    assert info.value.exit_code == 74
    assert os.strerror(code) in info.value.message or errno.errorcode[code] in str(info.value)
    assert check_intact(vf, before) == []
    # Once the disk works again the next save succeeds.
    vf.add(PASSPHRASE, note("Bank"))
    assert names(vf) == ["GitHub", "Mail", "Bank"]
    assert generation(vf) == 3


def test_save_after_a_failed_replace_leaves_no_temp_file(
    monkeypatch: pytest.MonkeyPatch, two_entry_vault: VaultFile
) -> None:
    vf = two_entry_vault
    fault = DiskFault(monkeypatch, vf.path, "replace-vault", errno.EIO)
    with fault.during(), pytest.raises(StorageError):
        vf.add(PASSPHRASE, note("Bank"))
    assert temp_files(vf.path) == []  # the failed save itself cleaned up
    vf.add(PASSPHRASE, note("Bank"))
    assert names(VaultFile(vf.bak_path)) == ["GitHub", "Mail"]
    assert temp_files(vf.path) == []


@pytest.mark.parametrize(
    ("where", "code"),
    [
        ("write", errno.ENOSPC),
        ("fsync-file", errno.EIO),
        ("replace-vault", errno.ENOSPC),
        ("link-bak", errno.EIO),
    ],
)
def test_disk_failure_through_the_cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    two_entry_vault: VaultFile,
    passphrase_file: Path,
    where: str,
    code: int,
) -> None:
    vf = two_entry_vault
    monkeypatch.setenv("RVAULT_FILE", str(vf.path))
    monkeypatch.setenv("RVAULT_PASSPHRASE_FILE", str(passphrase_file))
    monkeypatch.setenv("RVAULT_LOCK_TIMEOUT", "5")
    monkeypatch.delenv("RVAULT_DEBUG", raising=False)
    before = vf.path.read_bytes()

    def run(args: list[str], stdin: str = "") -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        with pytest.raises(SystemExit) as exit_info:
            vault.cli.main(args)
        return int(exit_info.value.code or 0)

    fault = DiskFault(monkeypatch, vf.path, where, code)
    with fault.during():
        status = run(["add", "Bank", "--kind", "note"], stdin="PIN 1234\n")
    assert fault.fired == 1
    assert status == 74
    err = capsys.readouterr().err
    assert "rvault: error: could not save" in err
    assert "the previous vault is intact" in err
    assert check_intact(vf, before) == []
    with fault.during():
        assert run(["use", "GitHub"]) == 74
    assert vf.path.read_bytes() == before
    assert vf.load(PASSPHRASE).get("GitHub").remaining() == 4
    # Control: the same command succeeds without the fault.
    assert run(["add", "Bank", "--kind", "note"], stdin="PIN 1234\n") == 0
    assert vf.load(PASSPHRASE).get("Bank").secret == "PIN 1234"


def test_failed_directory_fsync_still_reports_the_save(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    two_entry_vault: VaultFile,
    passphrase_file: Path,
) -> None:
    # After os.replace the new vault is in place; a failed directory fsync must not make
    # `rvault use` hide a code it has already marked used.
    vf = two_entry_vault
    monkeypatch.setenv("RVAULT_FILE", str(vf.path))
    monkeypatch.setenv("RVAULT_PASSPHRASE_FILE", str(passphrase_file))
    monkeypatch.delenv("RVAULT_DEBUG", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    first_code = vf.load(PASSPHRASE).get("GitHub").codes[0].code
    fault = DiskFault(monkeypatch, vf.path, "fsync-dir", errno.EIO)
    with fault.during(), pytest.raises(SystemExit) as info:
        vault.cli.main(["use", "GitHub"])
    assert fault.fired == 1
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == first_code
    assert vf.load(PASSPHRASE).get("GitHub").remaining() == 3
    assert temp_files(vf.path) == []


# --- stale temp files ----------------------------------------------------------------------


def test_locked_save_removes_stale_temps_of_this_vault_only(vf: VaultFile, tmp_path: Path) -> None:
    stale = [tmp_path / ".test.rvault.k1ll3d.tmp", tmp_path / ".test.rvault.bak.4242.tmp"]
    for p in stale:
        p.write_bytes(b"left by a killed save")
    unrelated = tmp_path / ".other.rvault.abc.tmp"
    unrelated.write_bytes(b"not ours")
    vf.add(PASSPHRASE, note("Mail"))
    assert not any(p.exists() for p in stale)
    assert unrelated.read_bytes() == b"not ours"


def test_stale_temp_cleanup_with_glob_characters_in_the_name(tmp_path: Path) -> None:
    odd = VaultFile(tmp_path / "v[1].rvault", lock_timeout=5)
    odd.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    own_stale = tmp_path / ".v[1].rvault.k1ll3d.tmp"
    own_stale.write_bytes(b"stale")
    neighbours_live = tmp_path / ".v1.rvault.inflight.tmp"  # another vault's save in progress
    neighbours_live.write_bytes(b"live")
    odd.add(PASSPHRASE, note("Mail"))
    assert neighbours_live.exists()
    assert not own_stale.exists()


# --- locking -------------------------------------------------------------------------------


@pytest.mark.slow
def test_locked_vault_refuses_a_second_writer(vf: VaultFile, vault_path: Path) -> None:
    vf.add(PASSPHRASE, codes_entry("GitHub", 3))
    before = vault_path.read_bytes()
    other = VaultFile(vault_path, lock_timeout=0.2)
    with vf._locked():
        with pytest.raises(VaultLocked) as info:
            other.add(PASSPHRASE, note("Mail"))
        assert info.value.exit_code == 75
        with pytest.raises(VaultLocked):
            other.use_code(PASSPHRASE, "GitHub")
        with pytest.raises(VaultLocked):
            other.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, allow_weak=True)
        # Reading needs no lock: saves are atomic.
        assert names(other) == ["GitHub"]
    assert vault_path.read_bytes() == before
    other.add(PASSPHRASE, note("Mail"))  # released
    assert names(vf) == ["GitHub", "Mail"]


@pytest.mark.slow
def test_locked_vault_through_the_cli(
    vf: VaultFile, vault_path: Path, cli_env: dict[str, str]
) -> None:
    vf.add(PASSPHRASE, codes_entry("GitHub", 3))
    before = vault_path.read_bytes()
    env = {**cli_env, "RVAULT_LOCK_TIMEOUT": "0.5"}
    with vf._locked():
        added = run_rvault(["add", "Mail", "--kind", "note"], env, stdin="secret\n")
        used = run_rvault(["use", "GitHub"], env)
        listed = run_rvault(["list"], env)
    assert added.returncode == 75, added.stderr
    assert "locked" in added.stderr
    assert used.returncode == 75, used.stderr
    assert used.stdout == ""  # no code was handed out
    assert listed.returncode == 0, listed.stderr
    assert "GitHub" in listed.stdout
    assert vault_path.read_bytes() == before
    again = run_rvault(["add", "Mail", "--kind", "note"], env, stdin="secret\n")
    assert again.returncode == 0, again.stderr
    assert names(vf) == ["GitHub", "Mail"]


# --- crashes and concurrency (child processes) ---------------------------------------------


def spawn(script: str, *args: str, stdin: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HELPERS / script), *args],
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_ack(child: subprocess.Popen[str]) -> int:
    """Block until the writer prints its next "saved I" line; I. Fails if the child died."""
    assert child.stdout is not None and child.stderr is not None
    line = child.stdout.readline()
    if not line.startswith("saved "):
        child.kill()
        child.wait()
        pytest.fail(f"writer stopped before acknowledging a save: {line!r} {child.stderr.read()}")
    return int(line.split()[1])


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_a_save(vf: VaultFile, vault_path: Path) -> None:
    # Synchronised on the writer's own acknowledgements, never on how fast the machine is:
    # each round waits until the child has acknowledged 1 to 3 saves, and only then picks the
    # moment to kill. The random pause after that only moves where in the next save the kill
    # lands; every assertion below holds for a kill at any moment, on any machine.
    rng = random.Random(20240611)
    observed = 0  # entries seen after the previous kill
    acknowledged_total = 0
    for _ in range(25):
        child = spawn("crash_writer.py", str(vault_path), PASSPHRASE)
        try:
            assert child.stdout is not None and child.stderr is not None
            ready = child.stdout.readline().split()
            assert ready[:1] == ["ready"], child.stderr.read()
            start = int(ready[1])
            assert start == observed
            before_kill = [read_ack(child) for _ in range(rng.randint(1, 3))]
            if rng.random() < 0.75:  # else kill at once, just after an acknowledgement
                time.sleep(rng.uniform(0, 0.03))
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            out, err = child.stdout.read(), child.stderr.read()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == -signal.SIGKILL, err
        after_kill = [int(line.split()[1]) for line in out.splitlines() if line.startswith("saved")]
        acked = before_kill + after_kill
        assert acked == list(range(start, start + len(acked)))
        assert len(acked) >= 1
        acknowledged_total += len(acked)

        got = names(vf)
        k = len(got)
        assert got == [f"e{i}" for i in range(k)]  # a prefix: no gap, nothing reordered
        # Every acknowledged save survived; at most the one in flight also landed.
        assert start + len(acked) <= k <= start + len(acked) + 1
        assert k >= observed
        assert generation(vf) == k
        if k:
            bak = names(VaultFile(vf.bak_path))
            assert bak in ([f"e{i}" for i in range(k - 1)], got)
        # A killed save leaves at most its temp file and its staged .bak.
        assert len(temp_files(vault_path)) <= 2, temp_files(vault_path)
        observed = k
    assert acknowledged_total >= 25
    # The next locked save removes whatever the last kill left behind...
    left = set(temp_files(vault_path))
    vf.add(PASSPHRASE, note(f"e{observed}"))
    assert left.isdisjoint(temp_files(vault_path))
    # ...and, as saves go on, temp files do not accumulate. (Two saves: after a kill between
    # the .bak step and the final rename, the first one leaves its own staged .bak; see
    # test_save_after_a_failed_replace_leaves_no_temp_file.)
    vf.add(PASSPHRASE, note(f"e{observed + 1}"))
    assert temp_files(vault_path) == []
    assert names(vf) == [f"e{i}" for i in range(observed + 2)]


@pytest.mark.slow
def test_two_processes_share_the_vault_without_lost_updates(vault_path: Path) -> None:
    operations = 50  # per process, alternating add and use_code
    vf = VaultFile(vault_path, lock_timeout=60)
    vf.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    vf.add(PASSPHRASE, codes_entry("Shared", 200))
    start_generation = generation(vf)
    all_codes = [c.code for c in vf.load(PASSPHRASE).get("Shared").codes]

    workers = {
        tag: spawn(
            "concurrent_worker.py",
            str(vault_path),
            PASSPHRASE,
            tag,
            str(operations),
            "Shared",
            stdin=True,
        )
        for tag in ("A", "B")
    }
    outputs = {}
    try:
        for w in workers.values():
            assert w.stdout is not None and w.stdout.readline().strip() == "ready"
        for w in workers.values():  # start both before waiting for either
            assert w.stdin is not None
            w.stdin.write("go\n")
            w.stdin.flush()
        for tag, w in workers.items():
            outputs[tag] = w.communicate(timeout=300)
    finally:
        for w in workers.values():
            if w.poll() is None:
                w.kill()
                w.wait()
    for tag, w in workers.items():
        assert w.returncode == 0, outputs[tag][1]

    printed = [
        line.split(" ", 1)[1]
        for out, _ in outputs.values()
        for line in out.splitlines()
        if line.startswith("code ")
    ]
    adds = {f"{tag}-{i}" for tag in workers for i in range(0, operations, 2)}
    uses = len(workers) * (operations // 2)
    v = vf.load(PASSPHRASE)
    assert {e.name for e in v.entries} == adds | {"Shared"}
    assert len(v.entries) == len(adds) + 1
    used = [c.code for c in v.get("Shared").codes if c.used]
    assert len(printed) == len(set(printed)) == uses  # no code handed out twice
    assert sorted(used) == sorted(printed)
    assert used == all_codes[:uses]  # spent in order, none skipped
    assert generation(vf) == start_generation + len(workers) * operations
    assert temp_files(vault_path) == []
