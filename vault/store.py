"""The vault file on disk: locking, atomic saves that never lose data, .bak, permissions."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vault.crypto import KEY_LEN, KdfParams, Rng, random_bytes
from vault.entry import Entry, UsedCode
from vault.errors import (
    AlreadyExists,
    InvalidData,
    LimitExceeded,
    MissingInput,
    StorageError,
    VaultNotFound,
)
from vault.fileio import (
    atomic_write,
    backup_path,
    exclusive_lock,
    make_private_dirs,
    sweep_temp_files,
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
    unlock_slot,
    wrap_passphrase,
    wrap_recovery,
)
from vault.model import Vault

if TYPE_CHECKING:
    from vault.merge import MergeReport
from vault.policy import FLOOR_MEMORY_KIB, FLOOR_TIME_COST

VAULT_ID_LEN = 16


def default_path() -> Path:
    """The vault location when neither --vault nor RVAULT_FILE is given."""
    import platformdirs

    return platformdirs.user_data_path("rvault") / "vault.rvault"


def check_new_kdf(kdf: KdfParams, allow_weak: bool) -> None:
    """Refuse parameters for a new slot that are over the caps or, unless allowed, weak."""
    kdf.check_caps()
    if kdf.below_floor() and not allow_weak:
        raise InvalidData(
            f"{kdf.describe()} is below the minimum "
            f"(Argon2id t={FLOOR_TIME_COST}, {FLOOR_MEMORY_KIB // 1024} MiB)",
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
        return backup_path(self.path)

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
        return self.unlocked(passphrase)[2]

    @contextlib.contextmanager
    def edit(self, passphrase: str) -> Iterator[Vault]:
        """Lock, decrypt, yield the contents, and save once if they changed."""
        with self._locked():
            container, master_key, vault = self.unlocked(passphrase)
            # Compared in today's payload form: opening a file written in an older version
            # is no reason to save it, and an upgrade alone does not make a printed kit stale.
            vault.keep_log = True
            was = vault.kit_status()
            entries = vault.entries_json()
            self._editing = _Editing(
                container, master_key, vault.to_bytes(entries), container.generation, entries
            )
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
        entries = vault.entries_json()
        if entries != state.entries:
            # Bookkeeping (such as recording a printed kit) does not make a kit stale;
            # a change to any entry does.
            vault.mark_content_changed(state.generation + 1)
        after = vault.to_bytes(entries)
        if after != state.before:
            c = state.container
            self._save(c.vault_id, state.generation + 1, c.slots, state.master_key, after)
            state.generation += 1
            state.before, state.entries = after, entries

    def _note_stale(self, was: str, vault: Vault) -> None:
        """Remember a save that turned a current kit stale (only that transition: once)."""
        if was == "current" and vault.kit_status() == "stale":
            self.kit_went_stale = str((vault.kit_record() or {}).get("printed", "?"))

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
        with self._slots_change(passphrase) as change:
            opened = change.slots[change.index]
            assert isinstance(opened, PassphraseSlot)
            kdf = kdf or opened.kdf
            check_new_kdf(kdf, allow_weak)
            vault_id = change.container.vault_id
            if new_master_key:
                # Whoever saw the old passphrase and an old copy of the file learns nothing
                # about what is saved from now on; slots holding the old key are useless.
                change.master_key, change.slots = self.rng(KEY_LEN), [opened]
                change.index = 0
            change.slots[change.index] = wrap_passphrase(
                change.master_key, new_passphrase, kdf, vault_id, self.rng
            )
            change.check_passphrase = new_passphrase
        return self.info()

    def set_recovery_key(self, passphrase: str, key: bytes, replace: bool = False) -> None:
        """Add (or with replace, rotate) the recovery-key slot; the passphrase stays as it is."""
        with self._slots_change(passphrase) as change:
            has = any(isinstance(s, RecoverySlot) for s in change.slots)
            if has and not replace:
                raise AlreadyExists(
                    "this vault already has a recovery key",
                    hint="'rvault recovery-key rotate' replaces it (the old sheet stops working)",
                )
            if not has and replace:
                raise MissingInput("this vault has no recovery key to rotate")
            change.slots = [s for s in change.slots if not isinstance(s, RecoverySlot)]
            vault_id = change.container.vault_id
            change.slots.append(wrap_recovery(change.master_key, key, vault_id, self.rng))

    def remove_recovery_key(self, passphrase: str) -> None:
        """Remove the recovery-key slot (refused if it is the only way in)."""
        with self._slots_change(passphrase) as change:
            slots: list[Slot] = [s for s in change.slots if not isinstance(s, RecoverySlot)]
            if len(slots) == len(change.slots):
                raise MissingInput("this vault has no recovery key")
            if not slots:
                raise InvalidData("refusing to remove the last way into the vault")
            change.slots = slots

    @contextlib.contextmanager
    def _slots_change(self, passphrase: str) -> Iterator[_SlotChange]:
        """Lock and unlock the vault, let the caller change its key slots, then save once.

        The contents stay as they are, but a kit printed before now opens only the old way
        in, so the save marks it stale.
        """
        with self._locked():
            container = parse(self.read_bytes())
            index, master_key = unlock_slot(container, passphrase)
            vault = Vault.from_bytes(open_payload(container, master_key))
            was = vault.kit_status()
            change = _SlotChange(container, index, master_key, list(container.slots))
            yield change
            generation = container.generation + 1
            vault.mark_slots_changed(generation)
            self._save(
                container.vault_id,
                generation,
                tuple(change.slots),
                change.master_key,
                vault.to_bytes(),
                change.check_passphrase,
            )
            self._note_stale(was, vault)

    def merge(self, passphrase: str, other: str | os.PathLike[str], **how: Any) -> MergeReport:
        """Merge another copy of this vault in, in one locked save; the report (see copies)."""
        from vault.copies import merge_copy

        with self.edit(passphrase) as v:
            assert self._editing is not None
            state = self._editing
            data = VaultFile(other).read_bytes()
            return merge_copy(v, state.container, state.master_key, passphrase, other, data, **how)

    def current_bytes(self) -> bytes:
        """The vault file as it is now (call inside edit() for bytes that match the contents)."""
        return self.read_bytes()

    def unlocked(self, passphrase: str) -> tuple[Container, bytes, Vault]:
        """Parse, unlock and decrypt (no lock): the container, its master key, the contents."""
        container = parse(self.read_bytes())
        master_key = unlock(container, passphrase)
        return container, master_key, Vault.from_bytes(open_payload(container, master_key))

    def _save(
        self,
        vault_id: bytes,
        generation: int,
        slots: tuple[Any, ...],
        master_key: bytes,
        plaintext: bytes,
        check_passphrase: str | None = None,
    ) -> None:
        data = seal_payload(master_key, plaintext, vault_id, generation, slots, self.rng).to_bytes()

        def verify(written: bytes) -> None:
            # Prove the bytes on disk decrypt to what we meant to save before they replace
            # the only good copy; with a new slot, prove the passphrase opens it too.
            back = parse(written)
            key = unlock(back, check_passphrase) if check_passphrase else master_key
            if key != master_key or open_payload(back, key) != plaintext:
                raise StorageError("the written vault did not read back correctly")

        # Generation 0 is a new vault: created exclusively, so it can never clobber one.
        new = generation == 0
        try:
            atomic_write(self.path, data, exclusive=new, verify=verify, keep_backup=True)
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                raise AlreadyExists(f"a vault already exists at {self.path}") from None
            raise StorageError(
                f"could not save {self.path}: {exc.strerror or exc}; the previous vault is intact"
            ) from None
        SAVED.append(self.path)

    @contextlib.contextmanager
    def _locked(self, create: bool = False) -> Iterator[None]:
        """Hold the sidecar lock for a whole read-modify-write."""
        if create:
            make_private_dirs(self.path.parent)
        else:
            # No lock file (or folders) for a vault that is not there.
            self.require()
        with exclusive_lock(self.lock_path, self.lock_timeout, self.path):
            sweep_temp_files(self.path)
            yield


SAVED: list[Path] = []  # vaults saved by this process: once one is, the command succeeded


@dataclass(repr=False)  # no repr: it holds the master key
class _SlotChange:
    """The key slots being changed inside VaultFile._slots_change, and what to save."""

    container: Container
    index: int  # the passphrase slot that opened the vault
    master_key: bytes
    slots: list[Slot]
    check_passphrase: str | None = None  # a new passphrase the save must prove


@dataclass(repr=False)  # no repr: it holds the master key
class _Editing:
    """The state of one edit(): what was opened and what the file holds now."""

    container: Container
    master_key: bytes
    before: bytes  # the payload as last saved (or opened)
    generation: int  # the generation the file holds now
    entries: list[dict[str, Any]]  # its entries, as Vault.entries_json() gives them
