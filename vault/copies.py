"""Other copies of a vault: opening one to merge it in, and finding sync-conflict copies."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from vault.errors import AuthenticationFailed, InvalidData, MissingInput
from vault.format import PEEK_LEN, Container, RecoverySlot, parse, peek_vault_id
from vault.keyslots import open_payload, unlock
from vault.merge import MergeReport, import_entries, merge_vaults
from vault.model import Vault

# Sync clients keep the name and add a mark between the name and its extension:
# Dropbox "vault (conflicted copy 2026-12-01)", "vault (Jane's conflicted copy ...)";
# Nextcloud "vault (conflicted copy 2026-12-01 101112)", older ownCloud/Nextcloud
# "vault_conflict-20261201-101112"; Syncthing "vault.sync-conflict-20261201-101112-ABCDEFG";
# Google Drive "vault (1)"; OneDrive the computer's name, "vault-DESKTOP-4F2K".
_CONFLICT_MARKS = re.compile(
    r" \([^()]*conflict[^()]*(?:\(\d+\))?[^()]*\)"
    r"|_conflict-\d{8}-\d{6}"
    r"|\.sync-conflict-\d{8}-\d{6}-[A-Z0-9]{7}"
    r"| \(\d{1,3}\)"
    r"|-[A-Za-z0-9][A-Za-z0-9-]{0,62}",
    re.IGNORECASE,
)
SUFFIX = ".rvault"
MAX_LISTED = 10_000  # directory entries looked at: a folder of sync junk stays cheap
MAX_OPENED = 64  # candidate files whose header is read


def merge_copy(
    vault: Vault,
    container: Container,
    master_key: bytes,
    passphrase: str,
    other: str | os.PathLike[str],
    data: bytes,
    *,
    other_passphrase: Callable[[], str] | None = None,
    confirm: Callable[[MergeReport], bool] | None = None,
    dry_run: bool = False,
    allow_import: bool = False,
    now: str | None = None,
) -> MergeReport:
    """Merge the copy at `other` (whose bytes are data) into `vault` inside VaultFile.edit.

    other_passphrase is called when the copy opens with neither this vault's master key nor
    its passphrase; confirm is shown the report of a merge that changes entries (False saves
    nothing); allow_import copies another vault's entries in.
    """
    from vault.entry import utc_now

    label = str(other)
    there_c = parse(data)
    same = there_c.vault_id == container.vault_id
    if not same and not allow_import:
        raise InvalidData(
            f"{label} is a different vault (vault id {there_c.vault_id.hex()[:12]}...)",
            hint="pass --import to copy its entries into this vault instead",
        )
    there, how = _open(there_c, master_key if same else None, passphrase, other_passphrase, label)
    if same:
        merged, report = merge_vaults(vault, there, label, now or utc_now())
        report.notes = _slot_notes(container, there_c, how, label)
    else:
        merged, report = import_entries(vault, there, label)
    if dry_run or (report.changed and confirm is not None and not confirm(report)):
        return report
    vault.entries[:] = merged.entries
    vault.meta.clear()
    vault.meta.update(merged.meta)
    report.saved = True
    return report


def _open(
    there: Container,
    master_key: bytes | None,
    passphrase: str,
    ask: Callable[[], str] | None,
    label: str,
) -> tuple[Vault, str]:
    """The other copy's contents: this vault's master key opens a copy (no key derivation)
    unless it was replaced since; else this passphrase, else the copy's own, asked for."""
    if master_key is not None:
        try:
            return Vault.from_bytes(open_payload(there, master_key)), "key"
        except AuthenticationFailed:
            pass
    try:
        key, how = unlock(there, passphrase), "passphrase"
    except AuthenticationFailed:
        if ask is None:
            raise AuthenticationFailed(
                f"{label} does not open with this vault's passphrase",
                hint="give its own passphrase with --other-passphrase-file, or on the terminal",
            ) from None
        key, how = unlock(there, ask()), "own"
    return Vault.from_bytes(open_payload(there, key)), how


def news_in(vault: Vault, master_key: bytes, data: bytes) -> MergeReport | None:
    """What merging a copy (its file's bytes) would bring; None: it needs a passphrase.

    A damaged copy raises its VaultError, as opening it would.
    """
    container = parse(data)
    try:
        there = Vault.from_bytes(open_payload(container, master_key))
    except AuthenticationFailed:  # its master key was replaced: only a passphrase opens it
        return None
    return merge_vaults(vault, there, "", "")[1]


def _slot_notes(here: Container, there: Container, how: str, label: str) -> list[str]:
    """What the merge leaves as this vault has it: the ways in are never merged."""
    notes = []
    if how == "own":
        notes.append(f"{label} opens with another passphrase; this vault's passphrase stays")
    elif how == "passphrase":
        notes.append(f"{label} has another master key; this vault's stays")
    kdfs = sorted(s.kdf.describe() for s in here.passphrase_slots())
    theirs = sorted(s.kdf.describe() for s in there.passphrase_slots())
    if how == "key" and kdfs != theirs:
        notes.append(f"{label} has other key derivation costs ({', '.join(theirs)}); ours stay")
    mine = [s for s in here.slots if isinstance(s, RecoverySlot)]
    other = [s for s in there.slots if isinstance(s, RecoverySlot)]
    if other and other != mine:
        notes.append(
            f"{label} has a recovery key this vault does not: its printed key does not open "
            "this vault"
        )
    elif mine and not other:
        notes.append(f"{label} has no recovery key; this vault's stays")
    return notes


def conflict_copies(vault_path: Path, vault_id: bytes) -> tuple[list[Path], list[Path]]:
    """Files beside the vault that are copies of it (by name or vault id), and files named
    like a sync-conflict copy of it that are not a readable vault."""
    name = vault_path.name
    copies: list[Path] = []
    unreadable: list[Path] = []
    opened = 0
    try:
        listing = os.scandir(vault_path.parent)
    except OSError:
        return [], []
    with listing:
        for i, item in enumerate(listing):
            if i >= MAX_LISTED or opened >= MAX_OPENED:
                break
            named = conflict_name(item.name, name)
            if item.name == name or not (named or item.name.endswith(SUFFIX)):
                continue
            opened += 1
            found = _vault_id(Path(item.path))
            if found == vault_id:
                copies.append(Path(item.path))
            elif named and found is None:
                unreadable.append(Path(item.path))
    return sorted(copies), sorted(unreadable)


def conflict_name(candidate: str, vault_name: str) -> bool:
    """Whether a file name is how a sync client names a conflict copy of vault_name."""
    suffix = Path(vault_name).suffix  # clients put their mark before the extension
    stem = vault_name[: len(vault_name) - len(suffix)]
    if not (candidate.startswith(stem) and candidate.endswith(suffix)):
        return False
    mark = candidate[len(stem) : len(candidate) - len(suffix)]
    return bool(mark) and _CONFLICT_MARKS.fullmatch(mark) is not None


def _vault_id(path: Path) -> bytes | None:
    """The vault id in a file's header (None: not a regular file holding a vault)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # never open a FIFO or a device
            return None
        with open(path, "rb") as f:
            return peek_vault_id(f.read(PEEK_LEN))
    except OSError:
        return None


def check_other(path: str) -> None:
    """MissingInput unless `path` is a readable file (before anyone is asked a passphrase)."""
    try:
        if stat.S_ISREG(os.stat(path).st_mode):
            return
    except OSError:
        pass
    raise MissingInput(f"no vault file at {path}")
