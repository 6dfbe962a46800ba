"""Plaintext authenticator exports (Aegis, 2FAS, Bitwarden): their TOTP accounts, nothing else.

Each reader checks the document's shape field by field and says where it is wrong; accounts
rvault cannot hold (HOTP, Steam, ...) raise UnsupportedOtp inside their make() so the
importer can list them as skipped. Formats: docs/IMPORT.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vault.errors import InvalidData, UnsupportedOtp
from vault.otp.links import OtpAccount, parse_uri
from vault.otp.totp import OtpSettings, normalize_secret

# keep(make, label): make() builds the account (or raises UnsupportedOtp); label names it.
Keep = Callable[[Callable[[], OtpAccount], str], None]


def join_label(issuer: str, name: str) -> str:
    """'Issuer (name)', or whichever of the two exists."""
    return f"{issuer} ({name})" if issuer and name else issuer or name


# --- JSON exports --------------------------------------------------------------------------


def read_export(doc: Any, source: str, keep: Keep, warn: Callable[[str], None]) -> None:
    """Hand each TOTP account of a parsed Aegis, 2FAS or Bitwarden export to keep()."""
    if isinstance(doc, dict) and "db" in doc and "header" in doc:
        _from_aegis(doc, source, keep, warn)
    elif isinstance(doc, dict) and ("services" in doc or "servicesEncrypted" in doc):
        _from_2fas(doc, source, keep, warn)
    elif isinstance(doc, dict) and (
        "items" in doc or doc.get("encrypted") is True or "encKeyValidation_DO_NOT_EDIT" in doc
    ):
        _from_bitwarden(doc, source, keep, warn)
    else:
        raise InvalidData(f"{source} is JSON, but not an Aegis, 2FAS or Bitwarden export")


def _from_aegis(doc: dict[str, Any], source: str, keep: Keep, warn: Callable[[str], None]) -> None:
    header, db = doc["header"], doc["db"]
    if isinstance(db, str) or (isinstance(header, dict) and header.get("slots")):
        raise InvalidData(
            f"{source} is an encrypted Aegis export",
            hint="export again from Aegis with encryption turned off, import, then delete it",
        )
    for n, entry in enumerate(_list(_get(db, "entries", source), "db.entries", source), 1):
        where = f"{source} entry {n}"
        label = join_label(_opt_text(entry, "issuer", where), _opt_text(entry, "name", where))
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

        keep(make, label)


def _from_2fas(doc: dict[str, Any], source: str, keep: Keep, warn: Callable[[str], None]) -> None:
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

        keep(make, join_label(issuer, account))


def _from_bitwarden(
    doc: dict[str, Any], source: str, keep: Keep, warn: Callable[[str], None]
) -> None:
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

        keep(make, join_label(name, user))
    if without:
        warn(
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
