"""One entry of a vault (backup codes, a recovery key, a TOTP seed or a note) and its JSON."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, cast

from vault.errors import CorruptVault, InvalidData
from vault.otp.totp import OtpSettings
from vault.policy import KINDS, Kind

# Version 2 added the `otp` key (TOTP algorithm, digits, period); version 1 files are still
# read, their TOTP entries getting the settings every app assumes (SHA1, 6 digits, 30 s).
PAYLOAD_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_NAME_LEN = 100
TEXT_FIELDS = ("account", "issuer", "url", "notes")
_ENTRY_KEYS_V1 = {"id", "name", "kind", "secret", "codes", "tags", "created", "updated"}
_ENTRY_KEYS = {*_ENTRY_KEYS_V1, *TEXT_FIELDS, "otp"}
_CODE_KEYS = {"code", "used", "used_at"}
_ID = re.compile(r"[0-9a-f]{32}")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # every time the payload stores, in UTC


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string with seconds precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).strftime(STAMP_FORMAT)


def parse_stamp(stamp: str) -> datetime:
    """A time as the payload stores it (utc_now's form) -> an aware UTC datetime."""
    return datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=timezone.utc)


def check_name(name: str) -> str:
    """A valid entry name (stripped), or InvalidData saying what is wrong."""
    name = name.strip()
    if not name:
        raise InvalidData("entry name is empty")
    if len(name) > MAX_NAME_LEN:
        raise InvalidData(f"entry name is longer than {MAX_NAME_LEN} characters")
    # isprintable() is a fast C check that already excludes every category C character.
    if not name.isprintable() and any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidData("entry name contains control characters")
    return name


def check_text(entry: Entry) -> None:
    """InvalidData if a field cannot be stored as UTF-8 (a lone surrogate from bad input)."""
    require_text([(key, getattr(entry, key)) for key in TEXT_FIELDS])
    require_text([("tag", tag) for tag in entry.tags])
    require_text([("secret", entry.secret)] + [("secret", c.code) for c in entry.codes])


def require_text(fields: Iterable[tuple[str, str | None]]) -> None:
    """InvalidData naming the first (what, value) pair that is not storable UTF-8 text."""
    # Python turns undecodable bytes in argv or a piped stdin into lone surrogates; they only
    # fail when the payload is encoded, so they are caught here, before anything changes.
    for what, value in fields:
        try:
            (value or "").encode("utf-8")
        except UnicodeEncodeError:
            # Never the value itself: it may be the secret.
            raise InvalidData(f"the {what} is not valid UTF-8 text") from None


def name_key(name: str) -> str:
    """Case-insensitive identity of a name."""
    return unicodedata.normalize("NFC", name.strip()).casefold()


@dataclass
class BackupCode:
    """One single-use backup code and whether it has been spent."""

    code: str
    used: bool = False
    used_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"code": self.code, "used": self.used, "used_at": self.used_at}


@dataclass
class Entry:
    """A named secret: backup codes, a recovery key, a TOTP seed or a note."""

    name: str
    kind: Kind
    secret: str = ""
    codes: list[BackupCode] = field(default_factory=list)
    account: str | None = None
    issuer: str | None = None
    url: str | None = None
    notes: str | None = None
    tags: list[str] = field(default_factory=list)
    id: str = field(default_factory=lambda: os.urandom(16).hex())
    created: str = field(default_factory=utc_now)
    updated: str = ""
    otp: OtpSettings | None = None  # TOTP entries only; None there means the usual settings

    def __post_init__(self) -> None:
        self.name = check_name(self.name)
        if self.kind not in KINDS:
            raise InvalidData(f"unknown kind {self.kind!r}; choose one of {', '.join(KINDS)}")
        if self.kind == "totp" and self.otp is None:
            self.otp = OtpSettings()
        elif self.kind != "totp" and self.otp is not None:
            raise InvalidData(f"only totp entries have TOTP settings, not {self.kind}")
        if not self.updated:
            self.updated = self.created

    def remaining(self) -> int:
        """How many backup codes are still unused."""
        return sum(1 for c in self.codes if not c.used)

    def summary(self) -> dict[str, Any]:
        """Everything about the entry except secret values (for `list`)."""
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            **{k: getattr(self, k) for k in ("account", "issuer", "url")},
            "otp": self.otp.to_json() if self.otp else None,
            "tags": list(self.tags),
            "created": self.created,
            "updated": self.updated,
        }
        if self.kind == "backup-codes":
            out["codes_total"] = len(self.codes)
            out["codes_remaining"] = self.remaining()
        return out

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict including secrets (the payload form)."""
        out = self.summary()
        out.pop("codes_total", None)
        out.pop("codes_remaining", None)
        out["notes"] = self.notes
        out["secret"] = self.secret
        out["codes"] = [c.to_json() for c in self.codes]
        return out

    @classmethod
    def from_json(cls, data: Any, version: int = PAYLOAD_VERSION) -> Entry:
        """Rebuild an entry from its payload form, refusing anything malformed."""
        try:
            keys = _ENTRY_KEYS if version >= 2 else _ENTRY_KEYS_V1 | set(TEXT_FIELDS)
            if set(data) != keys or any(set(c) != _CODE_KEYS for c in data["codes"]):
                raise TypeError("unexpected or missing keys")
            otp = data.get("otp")
            if (otp is None) != (data["kind"] != "totp" or version < 2):
                raise TypeError("totp entries, and only they, have otp settings")
            if check_name(_str(data["name"])) != data["name"]:
                raise TypeError("the name has surrounding white space")
            codes = [
                BackupCode(_str(c["code"]), _bool(c["used"]), _opt_time(c["used_at"]))
                for c in data["codes"]
            ]
            if any(c.used != (c.used_at is not None) for c in codes):
                raise TypeError("a code's used flag and used_at disagree")
            if (data["kind"] == "backup-codes") != bool(codes):
                raise TypeError("backup-codes entries, and only they, have codes")
            if data["kind"] != "backup-codes" and not data["secret"]:
                raise TypeError("the entry's secret is empty")
            if not _ID.fullmatch(_str(data["id"])):
                raise TypeError("id is not 32 hex digits")
            tags = [_str(t) for t in data["tags"]]
            return cls(
                name=_str(data["name"]),
                kind=cast(Kind, _str(data["kind"])),  # __post_init__ checks it
                secret=_str(data["secret"]),
                codes=codes,
                tags=tags,
                id=_str(data["id"]),
                created=_time(data["created"]),
                updated=_time(data["updated"]),
                otp=None if otp is None else OtpSettings.from_json(otp),
                **{k: _opt(data[k]) for k in TEXT_FIELDS},
            )
        except (KeyError, TypeError, InvalidData) as exc:
            raise CorruptVault(f"vault payload has a malformed entry ({exc})") from None


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise TypeError(f"expected text, got {type(v).__name__}")
    return v


def _time(v: Any) -> str:
    if not STAMP.fullmatch(_str(v)):
        raise TypeError(f"not a UTC timestamp: {v!r}")
    return str(v)


def _opt_time(v: Any) -> str | None:
    return None if v is None else _time(v)


def _opt(v: Any) -> str | None:
    return None if v is None else _str(v)


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise TypeError(f"expected true/false, got {type(v).__name__}")
    return v


@dataclass
class UsedCode:
    """The result of spending a backup code."""

    entry: str
    code: str
    remaining: int
    total: int
