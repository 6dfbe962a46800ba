"""rvault: an offline encrypted vault for 2FA backup codes and account recovery keys.

The CLI is a thin layer over this API; everything `rvault` does, a Python program can do::

    from vault import VaultFile, KdfParams, Entry, BackupCode
    vf = VaultFile("my.rvault")
    vf.create(passphrase, KdfParams(time_cost=3, memory_kib=256 * 1024, parallelism=4))
    vf.add(passphrase, Entry("GitHub", "backup-codes", codes=[BackupCode("abcde-12345")]))
    print(vf.use_code(passphrase, "GitHub").code)
"""

from .codes import parse_backup_codes, parse_recovery_key
from .crypto import KdfParams, calibrate
from .errors import VaultError
from .model import BackupCode, Entry, UsedCode, Vault
from .store import VaultFile, default_path

__all__ = [
    "BackupCode",
    "Entry",
    "KdfParams",
    "UsedCode",
    "Vault",
    "VaultError",
    "VaultFile",
    "calibrate",
    "default_path",
    "parse_backup_codes",
    "parse_recovery_key",
]
