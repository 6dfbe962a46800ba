"""Adding or rotating the printed recovery key: make it, print its sheet(s), add its slot."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from vault.crypto import KEY_LEN, Rng
from vault.errors import AlreadyExists, StorageError
from vault.fileio import write_private
from vault.format import parse
from vault.paper.recovery import format_printed_key

if TYPE_CHECKING:
    from vault.store import VaultFile


@dataclass(frozen=True)
class RecoverySheets:
    """What add_recovery_key printed: the sheet files and how many shares open the vault."""

    paths: tuple[Path, ...]
    k: int | None  # None for a single recovery-key sheet


def add_recovery_key(
    vf: VaultFile,
    passphrase: str,
    out: str | os.PathLike[str],
    *,
    shares: tuple[int, int] | None = None,
    share_passphrase: bytes = b"",
    paper: str = "a4",
    force: bool = False,
    replace: bool = False,
    rng: Rng | None = None,
) -> RecoverySheets:
    """Make a recovery key, print its sheet (or K-of-N share sheets) and add its key slot.

    The sheets take their names only once the vault holds the new key: a failure never
    leaves a sheet for a key the vault lacks, nor destroys (with force) a sheet that still
    matches the vault. With replace, the old key's slot is replaced (rotate).
    """
    from vault.paper.shares import split_key
    from vault.paper.sheets import SheetFacts, render_recovery_sheet, render_share_sheet

    key = (rng or vf.rng)(KEY_LEN)
    facts = SheetFacts(vault_id=parse(vf.read_bytes()).vault_id, printed=date.today().isoformat())
    target = Path(out)
    if shares:
        k, n = shares
        words = split_key(key, k, n, share_passphrase)
        stem = target.with_suffix("")
        sheets = {
            Path(f"{stem}-share-{i}-of-{n}.pdf"): render_share_sheet(w, i, k, n, facts, paper)
            for i, w in enumerate(words, 1)
        }
    else:
        sheets = {target: render_recovery_sheet(format_printed_key(key), facts, paper)}
    if not force and (clash := [p for p in sheets if p.exists()]):
        raise AlreadyExists(f"{clash[0]} already exists", hint="pass --force to replace it")
    pending: dict[Path, Path] = {}
    try:
        for path, pdf in sheets.items():
            temp = path.with_name(f".{path.name}.{os.getpid()}.pending")
            pending[path] = write_private(temp, pdf, force=True)
        vf.set_recovery_key(passphrase, key, replace=replace)
    except BaseException:
        for temp in pending.values():
            temp.unlink(missing_ok=True)
        raise
    for path, temp in pending.items():
        try:
            os.replace(temp, path)
        except OSError as exc:
            # The vault already opens with the new key, so its staged sheets are kept: they
            # may be its only copy. A plain OSError would read as a bug, or (the vault being
            # saved) the CLI would count the command a success.
            left = [str(t) for t in pending.values() if t.exists()]
            raise StorageError(
                f"the vault now opens with the new recovery key, but {path} could not be "
                f"written ({exc.strerror or exc})",
                hint=f"rename the staged sheet(s) {', '.join(left)}, or print a new key "
                "with 'rvault recovery-key rotate'",
            ) from None
    return RecoverySheets(tuple(pending), shares[0] if shares else None)
