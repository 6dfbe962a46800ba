"""Authenticator exports -> TOTP accounts, and the plan for adding them to a vault.

Reads otpauth:// links (one per line), Google Authenticator "Transfer accounts" links
(otpauth-migration://offline?data=..., a protobuf message, possibly split over several QR
codes), plaintext Aegis, 2FAS and Bitwarden JSON exports, and QR images or screenshots of
any of those links. Sources are read into memory only: nothing here writes a file. Input that
is malformed raises InvalidData naming the source and the reason; well-formed accounts rvault
cannot hold (HOTP, Steam, 7 digits) are skipped with a reason instead, so the rest import.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from vault.entry import MAX_NAME_LEN, Entry, name_key
from vault.errors import InvalidData, UnsupportedOtp
from vault.fileio import read_source_bytes
from vault.model import Vault
from vault.otp.exports import join_label, read_export
from vault.otp.gtransfer import parse_transfer
from vault.otp.links import OtpAccount, parse_uri
from vault.otp.totp import normalize_secret, secret_bytes, secret_is_short

# A JSON export of a few hundred accounts is tens of KB; a screenshot a few MB.
MAX_TEXT_BYTES = 4 * 1024 * 1024
MAX_IMAGE_BYTES = 64 * 1024 * 1024
MAX_FIELD_CHARS = 200
STDIN = "-"
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"P5", b"P6")


@dataclass(frozen=True)
class FoundAccount:
    """An account read from a source."""

    account: OtpAccount
    source: str


@dataclass(frozen=True)
class Skipped:
    """Something that will not be imported, and why."""

    label: str
    reason: str
    source: str


@dataclass
class Batch:
    """Everything read from the sources: accounts, what was skipped, and warnings."""

    found: list[FoundAccount] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Google transfer parts seen: batch id -> (parts in the batch, part indexes seen).
    parts: dict[int, tuple[int, set[int]]] = field(default_factory=dict)

    def add(self, account: OtpAccount, source: str) -> None:
        """Keep an account unless the same seed was already read from the input."""
        for earlier in self.found:
            if earlier.account.secret == account.secret:
                if earlier.account != account:
                    self.skipped.append(
                        Skipped(account.label(), f"same seed as {earlier.account.label()}", source)
                    )
                return
        self.found.append(FoundAccount(account, source))


def read_sources(sources: Sequence[str]) -> Batch:
    """Read every source ('-' is stdin) and report missing parts of Google transfers."""
    batch = Batch()
    for source in sources:
        data = _read_bytes(source)
        if _is_image(data):
            _from_image(source, batch, data)
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InvalidData(
                    f"{source} is neither text nor an image rvault reads (PNG, JPEG, ...)"
                ) from None
            _from_text(text, source, batch)
    for batch_id, (size, seen) in sorted(batch.parts.items()):
        missing = [str(i + 1) for i in range(size) if i not in seen]
        if missing:
            batch.warnings.append(
                f"Google Authenticator export {batch_id}: part {', '.join(missing)} of {size} "
                "was not given; the accounts on it are not included"
            )
    return batch


def _is_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_MAGIC) or data[8:12] == b"WEBP"


def _read_bytes(source: str) -> bytes:
    # Exports and pasted links are small; only a screenshot or photo may be large (and a
    # screenshot may be piped in too, so stdin gets the image cap until it proves to be text).
    data = read_source_bytes(source, MAX_IMAGE_BYTES)
    if not _is_image(data) and len(data) > MAX_TEXT_BYTES:
        raise InvalidData(f"{source} is larger than {MAX_TEXT_BYTES // (1024 * 1024)} MiB")
    return data


def _from_text(text: str, source: str, batch: Batch) -> None:
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            doc = json.loads(stripped)
        except RecursionError:
            raise InvalidData(f"{source} is JSON nested too deeply to be an export") from None
        except ValueError as exc:
            raise InvalidData(f"{source} is not valid JSON ({exc})") from None
        read_export(
            doc,
            source,
            keep=lambda make, label: _keep(make, label, source, batch),
            warn=batch.warnings.append,
        )
        return
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)]
    links = [(n, line) for n, line in lines if line and not line.startswith("#")]
    if not links:
        raise InvalidData(f"{source} is empty")
    for n, line in links:
        _from_link(line, f"{source} line {n}", source, batch)


def _from_link(link: str, where: str, source: str, batch: Batch) -> None:
    lowered = link.lower()
    try:
        if lowered.startswith("otpauth-migration:"):
            _from_migration(link, source, batch)
        elif lowered.startswith("otpauth:"):
            _keep(lambda: parse_uri(link), _uri_label(link), source, batch)
        else:
            raise InvalidData("not an otpauth:// or otpauth-migration:// link")
    except InvalidData as exc:
        raise InvalidData(f"{where}: {exc.message}") from None


def _keep(make: Any, label: str, source: str, batch: Batch) -> None:
    """Add the account make() returns, or record it as skipped if rvault cannot hold it."""
    try:
        account = make()
    except UnsupportedOtp as exc:
        batch.skipped.append(Skipped(_one_line(label) or "(no name)", exc.message, source))
        return
    account = _tidy(account)
    if secret_is_short(account.secret):
        bits = len(secret_bytes(account.secret)) * 8
        batch.warnings.append(
            f"{account.label()}: the seed is only {bits} bits, shorter than services issue; "
            "check the export is whole"
        )
    batch.add(account, source)


def _uri_label(link: str) -> str:
    """'Issuer (account)' from a link's label, for naming a link that is skipped."""
    label = unquote(link.split("?", 1)[0].rsplit("/", 1)[-1])
    issuer, _, account = label.rpartition(":")
    return join_label(issuer.strip(), account.strip())


def _tidy(account: OtpAccount) -> OtpAccount:
    """The account with invisible and control characters removed (they reach terminals)."""
    notes = "\n".join(_one_line(line, limit=None) for line in (account.notes or "").splitlines())
    return OtpAccount(
        account.secret,
        account.settings,
        _one_line(account.issuer) or None,
        _one_line(account.account) or None,
        notes.strip() or None,
    )


def _one_line(text: str | None, limit: int | None = MAX_FIELD_CHARS) -> str:
    """One line of text without Unicode category C characters (controls, format, private)."""
    # Whitespace controls (tabs, line breaks) become spaces; every other C* character goes,
    # the same set an entry name may not hold.
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text or ""
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )
    return " ".join(kept.split())[:limit]


# --- Google Authenticator transfer links ---------------------------------------------------


def _from_migration(link: str, source: str, batch: Batch) -> None:
    part = parse_transfer(link)
    total, seen = batch.parts.setdefault(part.batch_id, (part.size, set()))
    if total != part.size:
        raise InvalidData(f"the transfer link's part count ({part.size}) differs from its batch's")
    seen.add(part.index)
    for issuer, name, make in part.accounts:
        _keep(make, join_label(issuer, name), source, batch)


# --- QR images -----------------------------------------------------------------------------


class _ImageBytes(io.BytesIO):
    """An image already read into memory (stdin), named in messages as a path would be."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.label = name

    def __str__(self) -> str:
        return self.label


def _from_image(source: str, batch: Batch, data: bytes) -> None:
    from vault.paper.pages import load_image
    from vault.paper.passes import ImageReading, decode

    def has_link(seen: ImageReading) -> bool:
        return any(t.lower().startswith("otpauth") for t in seen.others)

    # The bytes already read are decoded, not the file again: stdin cannot be read twice.
    # PIL opens a file object as it opens a path, and load_image names its source with
    # str(), which _ImageBytes answers (scan.load_image is typed for paths only).
    path = "the image on stdin" if source == STDIN else source
    seen = decode(load_image(_ImageBytes(data, path)), enough=has_link)  # type: ignore[arg-type]
    links = sorted(t for t in seen.others if t.lower().startswith("otpauth"))
    if not links:
        if seen.others:
            raise InvalidData(f"{path}: the QR code in it is not an otpauth:// link")
        if seen.texts:
            raise InvalidData(
                f"{path} holds rvault kit codes, not an authenticator export",
                hint="use 'rvault restore' for a kit",
            )
        raise InvalidData(
            f"{path}: no readable QR code found",
            hint="crop the image to the code, or take a sharper, straighter photo",
        )
    for link in links:
        _from_link(link, f"{path} (QR code)", source, batch)


# --- adding to a vault ---------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """A new entry to add, and where its account came from."""

    entry: Entry
    source: str


def plan_import(
    vault: Vault, batch: Batch, tags: Sequence[str] = ()
) -> tuple[list[Planned], list[Skipped]]:
    """New entries for the accounts not already in the vault, with unique names."""
    held: dict[str, str] = {}
    for e in vault.entries:
        if e.kind == "totp":
            try:
                held[normalize_secret(e.secret)] = e.name
            except InvalidData:
                continue
    taken = {name_key(e.name) for e in vault.entries}
    planned, skipped = [], []
    for found in batch.found:
        account = found.account
        if account.secret in held:
            skipped.append(
                Skipped(
                    account.label(),
                    f"already in the vault as {held[account.secret]!r}",
                    found.source,
                )
            )
            continue
        name = _free_name(account, taken)
        taken.add(name_key(name))
        held[account.secret] = name
        entry = Entry(
            name=name,
            kind="totp",
            secret=account.secret,
            otp=account.settings,
            issuer=account.issuer,
            account=account.account,
            notes=account.notes,
            tags=list(dict.fromkeys(tags)),
        )
        planned.append(Planned(entry, found.source))
    return planned, skipped


def _free_name(account: OtpAccount, taken: set[str]) -> str:
    """The issuer alone if free, else 'issuer (account)', else either with a number."""
    choices = list(
        dict.fromkeys(
            _fit(n) for n in (account.issuer or account.account or "TOTP", account.label()) if n
        )
    )
    for name in choices:
        if name_key(name) not in taken:
            return name
    for number in range(2, 10_000):
        suffix = f" {number}"
        name = _fit(choices[-1], len(suffix)) + suffix
        if name_key(name) not in taken:
            return name
    raise InvalidData("too many entries with the same name")  # pragma: no cover


def _fit(name: str, room: int = 0) -> str:
    name = unicodedata.normalize("NFC", _one_line(name))
    return name[: MAX_NAME_LEN - room].strip() or "TOTP"
