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
from vault.otp.gtransfer import parse_transfer
from vault.otp.links import OtpAccount, parse_uri
from vault.otp.totp import OtpSettings, normalize_secret, secret_bytes, secret_is_short

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
        _from_json(doc, source, batch)
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
        batch.skipped.append(Skipped(_clean(label) or "(no name)", exc.message, source))
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
    return _join(issuer.strip(), account.strip())


def _tidy(account: OtpAccount) -> OtpAccount:
    """The account with invisible and control characters removed (they reach terminals)."""
    notes = "\n".join(_clean(line, limit=None) for line in (account.notes or "").splitlines())
    return OtpAccount(
        account.secret,
        account.settings,
        _clean(account.issuer) or None,
        _clean(account.account) or None,
        notes.strip() or None,
    )


def _clean(text: str | None, limit: int | None = MAX_FIELD_CHARS) -> str:
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
        _keep(make, _join(issuer, name), source, batch)


def _join(issuer: str, name: str) -> str:
    return f"{issuer} ({name})" if issuer and name else issuer or name


# --- JSON exports --------------------------------------------------------------------------


def _from_json(doc: Any, source: str, batch: Batch) -> None:
    if isinstance(doc, dict) and "db" in doc and "header" in doc:
        _from_aegis(doc, source, batch)
    elif isinstance(doc, dict) and ("services" in doc or "servicesEncrypted" in doc):
        _from_2fas(doc, source, batch)
    elif isinstance(doc, dict) and (
        "items" in doc or doc.get("encrypted") is True or "encKeyValidation_DO_NOT_EDIT" in doc
    ):
        _from_bitwarden(doc, source, batch)
    else:
        raise InvalidData(f"{source} is JSON, but not an Aegis, 2FAS or Bitwarden export")


def _from_aegis(doc: dict[str, Any], source: str, batch: Batch) -> None:
    header, db = doc["header"], doc["db"]
    if isinstance(db, str) or (isinstance(header, dict) and header.get("slots")):
        raise InvalidData(
            f"{source} is an encrypted Aegis export",
            hint="export again from Aegis with encryption turned off, import, then delete it",
        )
    for n, entry in enumerate(_list(_get(db, "entries", source), "db.entries", source), 1):
        where = f"{source} entry {n}"
        label = _join(_opt_text(entry, "issuer", where), _opt_text(entry, "name", where))
        info = _get(entry, "info", where)
        kind = _opt_text(entry, "type", where).lower()

        def make(entry: Any = entry, info: Any = info, kind: str = kind, where: str = where) -> Any:
            if kind != "totp":
                raise UnsupportedOtp(f"Aegis {kind or 'untyped'} entries are not supported")
            return OtpAccount(
                _secret(info, "secret", where),
                _settings(info, "algo", "digits", "period", where),
                _opt_text(entry, "issuer", where) or None,
                _opt_text(entry, "name", where) or None,
                _opt_text(entry, "note", where) or None,
            )

        _keep(make, label, source, batch)


def _from_2fas(doc: dict[str, Any], source: str, batch: Batch) -> None:
    services = doc.get("services") or []
    if not services and doc.get("servicesEncrypted"):
        raise InvalidData(
            f"{source} is a password-protected 2FAS backup",
            hint="export again from 2FAS without a password, import, then delete it",
        )
    for n, service in enumerate(_list(services, "services", source), 1):
        where = f"{source} service {n}"
        if not isinstance(service, dict):
            raise InvalidData(f"{where} is not an object")
        otp = service.get("otp")
        otp = otp if isinstance(otp, dict) else {}
        issuer = _opt_text(otp, "issuer", where) or _opt_text(service, "name", where)
        account = _opt_text(otp, "account", where)
        kind = (_opt_text(otp, "tokenType", where) or "TOTP").upper()

        def make(
            service: Any = service,
            otp: Any = otp,
            kind: str = kind,
            where: str = where,
            issuer: str = issuer,
            account: str = account,
        ) -> Any:
            if kind != "TOTP":
                raise UnsupportedOtp(f"2FAS {kind} tokens are not supported")
            return OtpAccount(
                _secret(service, "secret", where),
                _settings(otp, "algorithm", "digits", "period", where),
                issuer or None,
                account or None,
            )

        _keep(make, _join(issuer, account), source, batch)


def _from_bitwarden(doc: dict[str, Any], source: str, batch: Batch) -> None:
    # encKeyValidation_DO_NOT_EDIT appears only in encrypted exports, even without the flag.
    if doc.get("encrypted") is True or "encKeyValidation_DO_NOT_EDIT" in doc:
        raise InvalidData(
            f"{source} is an encrypted Bitwarden export",
            hint="export as 'JSON' (not 'JSON (Encrypted)'), import, then delete it",
        )
    without = 0
    for n, item in enumerate(_list(_get(doc, "items", source), "items", source), 1):
        where = f"{source} item {n}"
        login = item.get("login") if isinstance(item, dict) else None
        totp = _opt_text(login, "totp", where) if isinstance(login, dict) else ""
        if not totp:
            without += 1
            continue
        name = _opt_text(item, "name", where)
        user = _opt_text(login, "username", where)

        def make(totp: str = totp, name: str = name, user: str = user, where: str = where) -> Any:
            if totp.lower().startswith("steam://"):
                raise UnsupportedOtp("Steam Guard codes are not supported")
            try:
                if totp.lower().startswith("otpauth"):
                    found = parse_uri(totp)
                    return OtpAccount(
                        found.secret,
                        found.settings,
                        found.issuer or name or None,
                        found.account or user or None,
                    )
                return OtpAccount(normalize_secret(totp), OtpSettings(), name or None, user or None)
            except UnsupportedOtp:
                raise
            except InvalidData as exc:
                raise InvalidData(f"{where}: {exc.message}") from None

        _keep(make, _join(name, user), source, batch)
    if without:
        batch.warnings.append(
            f"{source}: {without} item(s) without a TOTP seed were left alone "
            "(rvault imports TOTP seeds only, never passwords)"
        )


def _get(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise InvalidData(f"{where}: {key} is missing")
    return obj[key]


def _list(value: Any, key: str, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidData(f"{where}: {key} is not a list")
    return value


def _opt_text(obj: Any, key: str, where: str) -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidData(f"{where}: {key} is not text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") is valid JSON but not text
        raise InvalidData(f"{where}: {key} is not valid text") from None
    return value


def _secret(obj: Any, key: str, where: str) -> str:
    value = _opt_text(obj, key, where)
    try:
        return normalize_secret(value)
    except InvalidData as exc:
        raise InvalidData(f"{where}: {exc.message}") from None


def _settings(obj: Any, algorithm: str, digits: str, period: str, where: str) -> OtpSettings:
    values = [obj.get(k) if isinstance(obj, dict) else None for k in (algorithm, digits, period)]
    if values[0] is not None and not isinstance(values[0], str):
        raise InvalidData(f"{where}: {algorithm} is not text")
    try:
        return OtpSettings.parse(*values)
    except UnsupportedOtp:
        raise
    except InvalidData as exc:
        raise InvalidData(f"{where}: {exc.message}") from None


# --- QR images -----------------------------------------------------------------------------


class _ImageBytes(io.BytesIO):
    """An image already read into memory (stdin), named in messages as a path would be."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.label = name

    def __str__(self) -> str:
        return self.label


def _from_image(source: str, batch: Batch, data: bytes) -> None:
    from vault.paper.passes import ImageReading, decode
    from vault.paper.scan import load_image

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
    name = unicodedata.normalize("NFC", _clean(name))
    return name[: MAX_NAME_LEN - room].strip() or "TOTP"
