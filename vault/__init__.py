"""rvault: an offline encrypted vault for 2FA backup codes and account recovery keys.

The CLI is a thin layer over this API; everything `rvault` does, a Python program can do::

    from vault import VaultFile, KdfParams, Entry, BackupCode
    vf = VaultFile("my.rvault")
    vf.create(passphrase, KdfParams(time_cost=3, memory_kib=256 * 1024, parallelism=4))
    vf.add(passphrase, Entry("GitHub", "backup-codes", codes=[BackupCode("abcde-12345")]))
    print(vf.use_code(passphrase, "GitHub").code)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vault.check import Finding, check_vault
    from vault.codes import parse_backup_codes, parse_recovery_key
    from vault.crypto import KdfParams, calibrate
    from vault.entry import BackupCode, Entry, UsedCode
    from vault.errors import VaultError
    from vault.merge import MergeReport
    from vault.model import Vault
    from vault.otp.imports import plan_import, read_sources
    from vault.otp.links import parse_uri, to_uri
    from vault.otp.totp import OtpSettings, totp
    from vault.paper.kit import KitCheck, KitOptions, KitReport, check_kit, make_kit
    from vault.paper.recovery import recover_with_key
    from vault.paper.recovery_key import RecoverySheets, add_recovery_key
    from vault.paper.restore import RestoreSession
    from vault.store import VaultFile, default_path

# Names resolve on first use (PEP 562) so that `rvault --help` does not pay for importing
# the whole package. tests/test_api.py checks this table against __all__, the imports above
# and README's list.
_EXPORTS = {
    "BackupCode": "entry",
    "Entry": "entry",
    "Finding": "check",
    "KdfParams": "crypto",
    "KitCheck": "paper.kit",
    "KitOptions": "paper.kit",
    "KitReport": "paper.kit",
    "MergeReport": "merge",
    "OtpSettings": "otp.totp",
    "RecoverySheets": "paper.recovery_key",
    "RestoreSession": "paper.restore",
    "UsedCode": "entry",
    "Vault": "model",
    "VaultError": "errors",
    "VaultFile": "store",
    "add_recovery_key": "paper.recovery_key",
    "calibrate": "crypto",
    "check_kit": "paper.kit",
    "check_vault": "check",
    "default_path": "store",
    "make_kit": "paper.kit",
    "parse_backup_codes": "codes",
    "parse_recovery_key": "codes",
    "parse_uri": "otp.links",
    "plan_import": "otp.imports",
    "read_sources": "otp.imports",
    "recover_with_key": "paper.recovery",
    "to_uri": "otp.links",
    "totp": "otp.totp",
}
__all__ = [
    "BackupCode",
    "Entry",
    "Finding",
    "KdfParams",
    "KitCheck",
    "KitOptions",
    "KitReport",
    "MergeReport",
    "OtpSettings",
    "RecoverySheets",
    "RestoreSession",
    "UsedCode",
    "Vault",
    "VaultError",
    "VaultFile",
    "add_recovery_key",
    "calibrate",
    "check_kit",
    "check_vault",
    "default_path",
    "make_kit",
    "parse_backup_codes",
    "parse_recovery_key",
    "parse_uri",
    "plan_import",
    "read_sources",
    "recover_with_key",
    "to_uri",
    "totp",
]


def __getattr__(name: str) -> Any:
    """Import the public names lazily."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'vault' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)


def __dir__() -> list[str]:
    """Public names, for tab completion."""
    return __all__
