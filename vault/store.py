"""The vault file on disk: locking, atomic saves that never lose data, .bak, permissions."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from vault.crypto import KEY_LEN, KdfParams, Rng, random_bytes
from vault.errors import (
    AlreadyExists,
    InvalidData,
    LimitExceeded,
    MissingInput,
    StorageError,
    VaultLocked,
    VaultNotFound,
)
from vault.format import (
    MAX_FILE_SIZE,
    Container,
    PassphraseSlot,
    RecoverySlot,
    Slot,
    parse,
    read_header_fields,
)
from vault.keyslots import (
    open_payload,
    seal_payload,
    unlock,
    unlock_recovery,
    unlock_slot,
    wrap_passphrase,
    wrap_recovery,
)
from vault.model import Entry, UsedCode, Vault

VAULT_ID_LEN = 16
FILE_MODE = 0o600


def default_path() -> Path:
    """The vault location when neither --vault nor RVAULT_FILE is given."""
    import platformdirs

    return platformdirs.user_data_path("rvault") / "vault.rvault"


def check_new_kdf(kdf: KdfParams, allow_weak: bool) -> None:
    """Refuse parameters for a new slot that are over the caps or, unless allowed, weak."""
    kdf.check_caps()
    if kdf.below_floor() and not allow_weak:
        raise InvalidData(
            f"{kdf.describe()} is below the minimum (Argon2id t=3, 64 MiB)",
            hint="raise --kdf-memory/--kdf-time, or pass --weak-kdf for tests and demos only",
        )


class VaultFile:
    """A vault at a path: every read-modify-write holds the lock and saves atomically."""

    def __init__(
        self, path: str | os.PathLike[str], *, rng: Rng = random_bytes, lock_timeout: float = 30.0
    ) -> None:
        given = Path(path)
        # A symlinked vault (say, into a synced folder) is resolved once: os.replace on the
        # link would turn it into a regular file and silently split the vault in two, so
        # the lock, temp files and .bak all live beside the real file instead.
        self.path = Path(os.path.realpath(given)) if given.is_symlink() else given
        self.rng = rng
        self.lock_timeout = lock_timeout
        # The printed date of a kit that a save by this object made out of date (for a
        # one-time note); None while no save here turned a current kit stale.
        self.kit_went_stale: str | None = None
        self._editing: _Editing | None = None

    @property
    def bak_path(self) -> Path:
        """Where the previous generation is kept."""
        return self.path.with_name(self.path.name + ".bak")

    @property
    def lock_path(self) -> Path:
        """The sidecar lock file (the vault itself is replaced, so it cannot hold a lock)."""
        return self.path.with_name(self.path.name + ".lock")

    def read_bytes(self) -> bytes:
        """The raw file, refusing anything larger than the format allows."""
        try:
            with open(self.path, "rb") as f:
                if os.fstat(f.fileno()).st_size > MAX_FILE_SIZE:
                    raise LimitExceeded(f"{self.path} is larger than the {MAX_FILE_SIZE} byte cap")
                return f.read(MAX_FILE_SIZE + 1)
        except FileNotFoundError:
            raise VaultNotFound(f"no vault at {self.path}") from None
        except OSError as exc:
            if exc.errno == errno.EIO:
                raise StorageError(
                    f"cannot read {self.path}: {exc.strerror}",
                    hint="the disk may be failing: copy <vault>.bak somewhere safe",
                ) from None
            raise MissingInput(f"cannot read {self.path}: {exc.strerror}") from None

    def require(self) -> None:
        """Raise VaultNotFound unless the vault exists (cheap check before prompting)."""
        if not self.path.is_file():
            self.read_bytes()  # raises the precise error (missing, directory, unreadable)

    def info(self) -> dict[str, Any]:
        """Header facts (vault id, generation, KDF, slots, size) without a passphrase."""
        return {"path": str(self.path), **read_header_fields(self.read_bytes())}

    def create(
        self, passphrase: str, kdf: KdfParams, *, allow_weak: bool = False
    ) -> dict[str, Any]:
        """Create an empty vault; refuses to replace an existing file."""
        check_new_kdf(kdf, allow_weak)
        if not passphrase:
            raise InvalidData("the passphrase is empty")
        make_private_dirs(self.path.parent)
        with self._locked(create=True):
            if self.path.exists():
                raise AlreadyExists(
                    f"a vault already exists at {self.path}",
                    hint="use --vault PATH to create another one",
                )
            vault_id, master_key = self.rng(VAULT_ID_LEN), self.rng(KEY_LEN)
            slot = wrap_passphrase(master_key, passphrase, kdf, vault_id, self.rng)
            self._save(vault_id, 0, (slot,), master_key, Vault().to_bytes(), passphrase)
        return self.info()

    def load(self, passphrase: str) -> Vault:
        """Decrypt and return the contents (read-only: saves are atomic, so no lock needed)."""
        _, _, vault, _ = self._open(passphrase)
        return vault

    @contextlib.contextmanager
    def edit(self, passphrase: str) -> Iterator[Vault]:
        """Lock, decrypt, yield the contents, and save once if they changed."""
        with self._locked():
            container, master_key, vault, _ = self._open(passphrase)
            # Compared in today's payload form: opening a file written in an older version
            # is no reason to save it, and an upgrade alone does not make a printed kit stale.
            vault.keep_log = True
            was = vault.kit_status()
            self._editing = _Editing(container, master_key, vault.to_bytes())
            try:
                yield vault
                self._commit(vault)
            finally:
                self._editing = None
            self._note_stale(was, vault)

    @property
    def next_generation(self) -> int:
        """Inside edit(): the generation the next save will write."""
        if self._editing is None:
            raise RuntimeError("next_generation is only known inside edit()")
        return self._editing.generation + 1

    def save_now(self, vault: Vault) -> bytes:
        """Inside edit(): save the contents now, still under the lock; the file's bytes.

        For work that needs the saved file itself while keeping others out, such as printing
        a kit that records itself (the kit must hold the very generation that knows it).
        """
        self._commit(vault)
        return self.read_bytes()

    def _commit(self, vault: Vault) -> None:
        state = self._editing
        if state is None:
            raise RuntimeError("save_now is only possible inside edit()")
        if vault.entries_changed_since(state.before):
            # Bookkeeping (such as recording a printed kit) does not make a kit stale;
            # a change to any entry does.
            vault.meta["content_generation"] = state.generation + 1
        after = vault.to_bytes()
        if after != state.before:
            c = state.container
            self._save(c.vault_id, state.generation + 1, c.slots, state.master_key, after)
            state.generation += 1
            state.before = after

    def _note_stale(self, was: str, vault: Vault) -> None:
        """Remember a save that turned a current kit stale (only that transition: once)."""
        if was == "current" and vault.kit_status() == "stale":
            self.kit_went_stale = str(vault.meta["kit"].get("printed", "?"))

    def review(self, passphrase: str, name: str) -> Entry:
        """Mark an entry reviewed and save."""
        with self.edit(passphrase) as v:
            return v.review(name)

    def add(self, passphrase: str, entry: Entry) -> Entry:
        """Add an entry and save."""
        with self.edit(passphrase) as v:
            return v.add(entry)

    def use_code(
        self, passphrase: str, name: str, reveal: Callable[[UsedCode], None] | None = None
    ) -> UsedCode:
        """Spend the next unused backup code of an entry and save.

        reveal runs before the save: if it raises (say, stdout is closed), the code is not
        marked used, so a code is never spent without being shown.
        """
        with self.edit(passphrase) as v:
            used = v.use_code(name)
            if reveal is not None:
                reveal(used)
            return used

    def update(self, passphrase: str, name: str, **changes: Any) -> Entry:
        """Apply Vault.update to an entry and save."""
        with self.edit(passphrase) as v:
            return v.update(name, **changes)

    def set_used(self, passphrase: str, name: str, number: int, used: bool) -> Entry:
        """Mark one backup code used or unused and save."""
        with self.edit(passphrase) as v:
            return v.set_used(name, number, used)

    def remove(self, passphrase: str, name: str) -> Entry:
        """Delete an entry and save."""
        with self.edit(passphrase) as v:
            return v.remove(name)

    def change_passphrase(
        self,
        passphrase: str,
        new_passphrase: str,
        kdf: KdfParams | None = None,
        *,
        allow_weak: bool = False,
        new_master_key: bool = False,
    ) -> dict[str, Any]:
        """Re-wrap the master key under a new passphrase (and optionally a new master key).

        kdf defaults to the costs of the slot being replaced. With new_master_key the payload
        is re-encrypted under a fresh master key and every other key slot is dropped.
        """
        if not new_passphrase:
            raise InvalidData("the new passphrase is empty")
        with self._locked():
            container = parse(self.read_bytes())
            index, master_key = unlock_slot(container, passphrase)
            vault = Vault.from_bytes(open_payload(container, master_key))
            was = vault.kit_status()
            opened = container.slots[index]
            assert isinstance(opened, PassphraseSlot)
            kdf = kdf or opened.kdf
            check_new_kdf(kdf, allow_weak)
            slots = list(container.slots)
            if new_master_key:
                # Whoever saw the old passphrase and an old copy of the file learns nothing
                # about what is saved from now on; slots holding the old key are useless.
                master_key, slots = self.rng(KEY_LEN), [slots[index]]
                index = 0
            slots[index] = wrap_passphrase(
                master_key, new_passphrase, kdf, container.vault_id, self.rng
            )
            # A kit printed before opens only with the old passphrase: it is now out of date.
            vault.meta["content_generation"] = container.generation + 1
            self._save(
                container.vault_id,
                container.generation + 1,
                tuple(slots),
                master_key,
                vault.to_bytes(),
                new_passphrase,
            )
            self._note_stale(was, vault)
        return self.info()

    def set_recovery_key(self, passphrase: str, key: bytes, replace: bool = False) -> None:
        """Add (or with replace, rotate) the recovery-key slot; the passphrase stays as it is."""
        with self._locked():
            container = parse(self.read_bytes())
            master_key = unlock(container, passphrase)
            plaintext = open_payload(container, master_key)
            has = any(isinstance(s, RecoverySlot) for s in container.slots)
            if has and not replace:
                raise AlreadyExists(
                    "this vault already has a recovery key",
                    hint="'rvault recovery-key rotate' replaces it (the old sheet stops working)",
                )
            if not has and replace:
                raise MissingInput("this vault has no recovery key to rotate")
            slots: list[Slot] = [s for s in container.slots if not isinstance(s, RecoverySlot)]
            slots.append(wrap_recovery(master_key, key, container.vault_id, self.rng))
            generation = container.generation + 1
            was = Vault.from_bytes(plaintext).kit_status()
            plaintext = _stamp(plaintext, generation)
            self._save(container.vault_id, generation, tuple(slots), master_key, plaintext)
            self._note_stale(was, Vault.from_bytes(plaintext))

    def remove_recovery_key(self, passphrase: str) -> None:
        """Remove the recovery-key slot (refused if it is the only way in)."""
        with self._locked():
            container = parse(self.read_bytes())
            master_key = unlock(container, passphrase)
            plaintext = open_payload(container, master_key)
            slots = tuple(s for s in container.slots if not isinstance(s, RecoverySlot))
            if len(slots) == len(container.slots):
                raise MissingInput("this vault has no recovery key")
            if not slots:
                raise InvalidData("refusing to remove the last way into the vault")
            generation = container.generation + 1
            was = Vault.from_bytes(plaintext).kit_status()
            plaintext = _stamp(plaintext, generation)
            self._save(container.vault_id, generation, slots, master_key, plaintext)
            self._note_stale(was, Vault.from_bytes(plaintext))

    def current_bytes(self) -> bytes:
        """The vault file as it is now (call inside edit() for bytes that match the contents)."""
        return self.read_bytes()

    def _open(self, passphrase: str) -> tuple[Container, bytes, Vault, bytes]:
        """Parse, unlock and decrypt; the plaintext equals vault.to_bytes() (it is canonical)."""
        container = parse(self.read_bytes())
        master_key = unlock(container, passphrase)
        plaintext = open_payload(container, master_key)
        return container, master_key, Vault.from_bytes(plaintext), plaintext

    def _save(
        self,
        vault_id: bytes,
        generation: int,
        slots: tuple[Any, ...],
        master_key: bytes,
        plaintext: bytes,
        check_passphrase: str | None = None,
    ) -> None:
        container = seal_payload(master_key, plaintext, vault_id, generation, slots, self.rng)
        data = container.to_bytes()

        def verify(written: bytes) -> None:
            # Prove the bytes on disk decrypt to what we meant to save before they replace
            # the only good copy; with a new slot, prove the passphrase opens it too.
            back = parse(written)
            key = unlock(back, check_passphrase) if check_passphrase else master_key
            if key != master_key or open_payload(back, key) != plaintext:
                raise StorageError("the written vault did not read back correctly")

        self._replace(data, verify, exclusive=generation == 0)

    def _replace(self, data: bytes, verify: Callable[[bytes], None], exclusive: bool) -> None:
        """Write data to a temp file, verify it, keep .bak, and atomically move it in place."""
        import tempfile  # lazily: read-only commands never need it (~3 ms of imports)

        folder = self.path.parent
        fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        tmp = Path(tmp_name)
        try:
            try:
                os.fchmod(fd, FILE_MODE)
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            with open(tmp, "rb") as f:
                verify(f.read())
            if exclusive:
                # link() refuses an existing target, so creation can never clobber a vault.
                os.link(tmp, self.path)
                tmp.unlink()
            else:
                self._keep_backup()
                os.replace(tmp, self.path)
            SAVED.append(self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if exc.errno == errno.EEXIST:
                raise AlreadyExists(f"a vault already exists at {self.path}") from None
            raise StorageError(
                f"could not save {self.path}: {exc.strerror or exc}; the previous vault is intact"
            ) from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        # The new vault is in place. If the directory fsync fails, a power cut could undo the
        # rename and bring back the previous (intact) vault; reporting the save as failed
        # would be false, and `use` would hide a code it had already marked used.
        with contextlib.suppress(OSError):
            _fsync_dir(folder)

    def _keep_backup(self) -> None:
        """Make the current file the .bak, atomically (the .bak is never half-written)."""
        # A name nothing is using: a folder that merely looks like ours is stepped around.
        # (Not from the rng: seeded test vectors must not depend on how saves are staged.)
        n = 0
        while (
            staged := self.bak_path.with_name(f".{self.bak_path.name}.{os.getpid()}-{n}.tmp")
        ).exists() or staged.is_symlink():
            n += 1
        try:
            os.link(self.path, staged)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            try:
                _write_all(fd, self.path.read_bytes())
                os.fsync(fd)
            finally:
                os.close(fd)
        try:
            os.chmod(staged, FILE_MODE)
            os.replace(staged, self.bak_path)
        finally:
            # rename() between two links of one inode is a no-op that leaves staged behind.
            staged.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _locked(self, create: bool = False) -> Iterator[None]:
        """Hold the sidecar lock for a whole read-modify-write."""
        import fcntl

        if create:
            make_private_dirs(self.path.parent)
        else:
            # No lock file (or folders) for a vault that is not there.
            self.require()
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise StorageError(
                f"cannot create lock file {self.lock_path}: {exc.strerror}"
            ) from None
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise VaultLocked(
                            f"{self.path} is locked by another rvault process"
                        ) from None
                    time.sleep(0.02)
                except OSError as exc:  # EIO; ENOLCK on NFS without a lock daemon
                    raise StorageError(
                        f"cannot lock {self.lock_path}: {exc.strerror or exc}",
                        hint="keep the vault on a local disk that supports file locks",
                    ) from None
            self._remove_stale_temps()
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _remove_stale_temps(self) -> None:
        """Delete temp files left by a save that was killed (we hold the lock: none is live)."""
        import stat

        for stale in self.path.parent.glob(f".{glob.escape(self.path.name)}.*.tmp"):
            try:
                if not stat.S_ISREG(stale.lstat().st_mode):
                    continue  # a folder or link that merely looks like ours is not ours
                stale.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise StorageError(
                    f"cannot remove the stale temp file {stale}: {exc.strerror or exc}",
                    hint="the disk may be failing: copy the vault and its .bak somewhere safe",
                ) from None


SAVED: list[Path] = []  # vaults saved by this process: once one is, the command succeeded


def make_private_dirs(folder: Path) -> None:
    """Create folder and any missing parents 0700, whatever the umask."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask


class _Editing:
    """The state of one edit(): what was opened and what the file holds now."""

    def __init__(self, container: Container, master_key: bytes, before: bytes) -> None:
        self.container = container
        self.master_key = master_key
        self.generation = container.generation
        self.before = before


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable: without this a power cut can undo os.replace."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _stamp(plaintext: bytes, generation: int) -> bytes:
    """The payload with meta.content_generation set: the ways in changed, so kits are stale."""
    vault = Vault.from_bytes(plaintext)
    vault.meta["content_generation"] = generation
    return vault.to_bytes()


def recover_with_key(
    data: bytes,
    key: bytes,
    new_passphrase: str,
    kdf: KdfParams | None = None,
    *,
    allow_weak: bool = False,
    rng: Rng = random_bytes,
) -> bytes:
    """A vault file's bytes re-opened with a recovery key and given a new passphrase.

    Pure (no files): the result keeps the recovery slot, replaces every passphrase slot with
    one for new_passphrase, and is verified to open with it before it is returned.
    """
    if not new_passphrase:
        raise InvalidData("the new passphrase is empty")
    container = parse(data)
    master_key = unlock_recovery(container, key)
    plaintext = open_payload(container, master_key)
    Vault.from_bytes(plaintext)  # the contents must be sound before they get a new passphrase
    old = [s.kdf for s in container.passphrase_slots() if not s.kdf.below_floor()]
    # Keep the costs the owner chose; a weak (test) vault gets the policy floor instead.
    kdf = kdf or (old[0] if old else KdfParams(3, 64 * 1024, 4))
    check_new_kdf(kdf, allow_weak)
    slot = wrap_passphrase(master_key, new_passphrase, kdf, container.vault_id, rng)
    keep = tuple(s for s in container.slots if isinstance(s, RecoverySlot))
    generation = container.generation + 1
    plaintext = _stamp(plaintext, generation)
    new = seal_payload(
        master_key, plaintext, container.vault_id, generation, (slot, *keep), rng
    ).to_bytes()
    back = parse(new)
    if unlock(back, new_passphrase) != master_key or open_payload(back, master_key) != plaintext:
        raise StorageError("the recovered vault did not read back correctly")
    return new


def write_private(
    path: str | os.PathLike[str],
    data: bytes,
    force: bool = False,
    verify: Callable[[bytes], None] | None = None,
) -> Path:
    """Write data to path as a 0600 file, atomically; refuse to replace one unless force.

    verify, if given, gets the bytes read back from disk before the file takes its name; if
    it raises, nothing is left behind.
    """
    import tempfile

    target = Path(path)
    if target.exists() and not force:
        raise AlreadyExists(f"{target} already exists", hint="pass --force to replace it")
    if target.is_dir():
        raise AlreadyExists(f"{target} is a directory")
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise StorageError(f"cannot write to {folder}: {exc.strerror}", hint="") from None
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, FILE_MODE)
        _write_all(fd, data)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        if verify is not None:
            verify(tmp.read_bytes())
        if force:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # refuses to clobber a file that appeared meanwhile
            tmp.unlink()
    except OSError as exc:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        if exc.errno == errno.EEXIST:
            raise AlreadyExists(f"{target} already exists", hint="pass --force") from None
        raise StorageError(f"could not write {target}: {exc.strerror}", hint="") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        _fsync_dir(folder)
    return target
