"""`rvault check`: the recovery-readiness review, most urgent finding first, each with its fix."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, get_args

from vault.crypto import KdfParams
from vault.entry import parse_stamp
from vault.errors import VaultError
from vault.format import RecoverySlot, parse
from vault.model import Vault
from vault.policy import DEFAULT_KDF_TARGET_SECONDS, DEFAULT_MEMORY_KIB, DEFAULT_PARALLELISM
from vault.store import VaultFile

LOW_CODES = 3  # fewer unused codes than this is "running low" (`use` warns at the same point)
REVIEW_AFTER = timedelta(days=365)
BAK_MAX_BEHIND = 5  # generations
# Calibration is timed, so two runs on one machine differ by a pass or so: only a slot
# clearly weaker than today's default (under 3/4 of its work) is reported.
KDF_MARGIN = 0.75
Severity = Literal["high", "medium", "low"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)  # most urgent first


@dataclass(frozen=True)
class Finding:
    """One thing that needs attention, and the command that fixes it."""

    id: str
    severity: Severity
    message: str
    fix: str
    entry: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the documented `check --json` shape)."""
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
            "entry": self.entry,
        }


def default_kdf() -> KdfParams:
    """Today's default key derivation on this machine (what `passwd --rekey` would choose)."""
    from vault.crypto import calibrate

    return calibrate(DEFAULT_KDF_TARGET_SECONDS, DEFAULT_MEMORY_KIB, DEFAULT_PARALLELISM)


def check_vault(
    vf: VaultFile,
    passphrase: str,
    *,
    min_codes: int = LOW_CODES,
    kdf_reference: KdfParams | None = None,
    kdf_check: bool = True,
    now: datetime | None = None,
) -> list[Finding]:
    """Review a vault's recovery readiness; findings sorted most urgent first."""
    now = now or datetime.now(timezone.utc)
    container, master_key, vault = vf.unlocked(passphrase)
    out: list[Finding] = []
    status = vault.kit_status()
    if status == "none":
        out.append(_f("kit-missing", "high", "no verified paper kit", "rvault kit --out kit.pdf"))
    elif status == "stale":
        printed = (vault.kit_record() or {}).get("printed", "?")
        out.append(
            _f(
                "kit-stale",
                "high",
                f"the printed kit (printed {printed}) is older than the vault",
                "rvault kit --out kit.pdf",
            )
        )
    for e in vault.entries:
        if e.kind != "backup-codes":
            continue
        q = shlex.quote(e.name)
        renew = f"generate new codes at the service, then: rvault edit {q} --codes"
        if e.remaining() == 0:
            out.append(_f("codes-none", "high", f"{e.name}: no unused codes left", renew, e.name))
        elif e.remaining() < min_codes:
            msg = f"{e.name}: only {e.remaining()} of {len(e.codes)} codes left"
            out.append(_f("codes-low", "medium", msg, renew, e.name))
    if not any(isinstance(s, RecoverySlot) for s in container.slots):
        out.append(
            _f(
                "no-recovery-key",
                "medium",
                "no recovery key or shares: a forgotten passphrase loses the vault",
                "rvault recovery-key add --out recovery.pdf",
            )
        )
    if kdf_check:
        reference = kdf_reference or default_kdf()
        for s in container.passphrase_slots():
            if _weaker(s.kdf, reference):
                msg = f"key derivation {s.kdf.describe()} is below today's default here"
                out.append(
                    _f(
                        "kdf-weak",
                        "medium",
                        f"{msg} ({reference.describe()})",
                        "rvault passwd --rekey",
                    )
                )
                break
    for path in (vf.path, vf.bak_path):
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            continue
        if mode & 0o077:
            out.append(
                _f(
                    "permissions",
                    "medium",
                    f"{path} is readable or writable by others (mode {mode & 0o777:o})",
                    f"chmod 600 {shlex.quote(str(path))}",
                )
            )
    out.extend(_bak_finding(vf, container.generation))
    out.extend(_copy_findings(vf, container.vault_id, vault, master_key))
    for e in vault.entries:
        last = max(filter(None, (vault.reviewed_at(e), e.updated, e.created)))
        if now - parse_stamp(last) > REVIEW_AFTER:
            out.append(
                _f(
                    "not-reviewed",
                    "low",
                    f"{e.name}: not reviewed since {last[:10]}",
                    f"rvault review {shlex.quote(e.name)}",
                    e.name,
                )
            )
    return sorted(out, key=lambda f: SEVERITIES.index(f.severity))


def _f(id: str, severity: Severity, message: str, fix: str, entry: str | None = None) -> Finding:
    return Finding(id, severity, message, fix, entry)


def _weaker(kdf: KdfParams, reference: KdfParams) -> bool:
    work = kdf.time_cost * kdf.memory_kib
    return (
        kdf.memory_kib < reference.memory_kib
        or work < KDF_MARGIN * reference.time_cost * reference.memory_kib
    )


def _bak_finding(vf: VaultFile, generation: int) -> list[Finding]:
    try:
        bak = parse(VaultFile(vf.bak_path).read_bytes()).generation
    except VaultError:  # a missing or damaged .bak is not this finding's business
        return []
    if generation - bak <= BAK_MAX_BEHIND:
        return []
    return [
        _f(
            "bak-old",
            "low",
            f"{vf.bak_path} is {generation - bak} generations behind the vault",
            "save any change (for example 'rvault review NAME') to refresh it",
        )
    ]


def _copy_findings(vf: VaultFile, vault_id: bytes, vault: Vault, key: bytes) -> list[Finding]:
    """Copies of this vault beside it (sync conflicts), and whether they hold anything new."""
    from vault.copies import conflict_copies, news_in
    from vault.store import default_path

    copies, unreadable = conflict_copies(vf.path, vault_id)
    where = "" if vf.path == default_path() else f" --vault {shlex.quote(str(vf.path))}"
    out = []
    for path in copies:
        try:
            news = news_in(vault, key, VaultFile(path).read_bytes())
        except VaultError:  # damaged: it cannot be merged as it is
            unreadable.append(path)
            continue
        merge = f"rvault{where} merge {shlex.quote(str(path))}"
        if news is None or news.changed:
            what = "may hold" if news is None else "holds"
            message = f"{path.name} is another copy of this vault (a sync conflict?) that {what}"
            out.append(_f("conflict-copy", "high", f"{message} changes this one lacks", merge))
        else:
            message = f"{path.name} is a copy of this vault with nothing this one lacks"
            fix = f"delete it when you no longer need it: rm {shlex.quote(str(path))}"
            out.append(_f("conflict-copy-merged", "low", message, fix))
    out += [
        _f(
            "conflict-copy-unreadable",
            "low",
            f"{path.name} looks like a copy of this vault but rvault cannot read it",
            f"look at it; delete it if it holds nothing you need: {shlex.quote(str(path))}",
        )
        for path in unreadable
    ]
    return out
