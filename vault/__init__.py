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
    from vault.codes import parse_backup_codes, parse_recovery_key
    from vault.crypto import KdfParams, calibrate
    from vault.entry import BackupCode, Entry, UsedCode
    from vault.errors import VaultError
    from vault.model import Vault
    from vault.otp.imports import plan_import, read_sources
    from vault.otp.links import parse_uri, to_uri
    from vault.otp.totp import OtpSettings, totp
    from vault.store import VaultFile, default_path

# Names resolve on first use (PEP 562) so that `rvault --help` does not pay for importing
# the whole package.
_EXPORTS = {
    "BackupCode": "entry",
    "Entry": "entry",
    "KdfParams": "crypto",
    "OtpSettings": "otp.totp",
    "UsedCode": "entry",
    "Vault": "model",
    "VaultError": "errors",
    "VaultFile": "store",
    "calibrate": "crypto",
    "default_path": "store",
    "parse_backup_codes": "codes",
    "parse_recovery_key": "codes",
    "parse_uri": "otp.links",
    "plan_import": "otp.imports",
    "read_sources": "otp.imports",
    "to_uri": "otp.links",
    "totp": "otp.totp",
}
__all__ = [
    "BackupCode",
    "Entry",
    "KdfParams",
    "OtpSettings",
    "UsedCode",
    "Vault",
    "VaultError",
    "VaultFile",
    "calibrate",
    "default_path",
    "parse_backup_codes",
    "parse_recovery_key",
    "parse_uri",
    "plan_import",
    "read_sources",
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
