"""One error tree for everything rvault reports to a person.

Each class carries the process exit code the CLI uses (sysexits-style) and a docstring written
for the user. Programming mistakes raise ValueError/TypeError instead, so they are never
mistaken for a problem with the user's data.
"""

from __future__ import annotations


class VaultError(Exception):
    """Something went wrong that rvault can explain."""

    exit_code = 1
    hint = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        """The one-line explanation, without the hint."""
        return str(self.args[0]) if self.args else (self.__doc__ or "")


class UsageProblem(VaultError):
    """The command was called in a way that cannot work (for example no passphrase source)."""

    exit_code = 2


class AuthenticationFailed(VaultError):
    """Wrong passphrase, or the vault was altered by someone who knew how to fix its checksum."""

    exit_code = 3
    hint = "check the passphrase (it is case-sensitive); nothing was changed"


class InvalidData(VaultError):
    """Input that rvault cannot use: a damaged file, a malformed code list, a bad value."""

    exit_code = 65


class CorruptVault(InvalidData):
    """The vault file is damaged (checksum or structure does not match); no key was tried."""

    hint = "restore from <vault>.bak or from your paper kit"


class Unsupported(InvalidData):
    """The file was written by a newer rvault, or uses a feature this version does not know."""

    hint = "upgrade rvault to open this file"


class UnsupportedOtp(InvalidData):
    """A one-time-password kind or setting rvault does not hold (HOTP, Steam, 7 digits, MD5)."""


class LimitExceeded(InvalidData):
    """The file asks for more memory, time or size than rvault allows; it may be forged."""

    hint = "rvault never runs a key derivation above its caps; see docs/FORMAT.md"


class KitVerificationFailed(InvalidData):
    """The printed kit did not read back to the vault, so it was not kept."""


class MissingInput(VaultError):
    """A file, vault or entry that the command needs does not exist."""

    exit_code = 66


class VaultNotFound(MissingInput):
    """There is no vault at the given location."""

    hint = "create one with 'rvault init', or point to it with --vault or RVAULT_FILE"


class EntryNotFound(MissingInput):
    """No entry has that name."""

    hint = "'rvault list' shows the names"


class NothingLeft(VaultError):
    """The entry has no unused backup codes left."""

    exit_code = 1
    hint = "generate new backup codes at the service and add them with 'rvault edit --codes'"


class StorageError(VaultError):
    """Writing to disk failed (disk full, I/O error); the previous vault is untouched."""

    exit_code = 74
    hint = "free some space or check the disk; the previous vault is intact"


class AlreadyExists(VaultError):
    """The output file or entry name already exists."""

    exit_code = 73


class VaultLocked(VaultError):
    """Another rvault process is changing this vault right now."""

    exit_code = 75
    hint = "wait for the other rvault command to finish, then try again"


EXIT_CODES: dict[str, int] = {
    "ok": 0,
    "unexpected": VaultError.exit_code,
    "usage": UsageProblem.exit_code,
    "authentication": AuthenticationFailed.exit_code,
    "invalid data": InvalidData.exit_code,
    "io error": StorageError.exit_code,
    "missing input": MissingInput.exit_code,
    "exists": AlreadyExists.exit_code,
    "locked": VaultLocked.exit_code,
}
