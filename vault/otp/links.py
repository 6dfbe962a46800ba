"""otpauth:// links: parse and write them.

The otpauth:// format is Google's "Key Uri Format"
(github.com/google/google-authenticator/wiki/Key-Uri-Format), the one every authenticator app
reads: otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER with optional algorithm,
digits and period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, unquote_plus

from vault.codes import strip_invisible
from vault.errors import InvalidData, UnsupportedOtp
from vault.otp.totp import OtpSettings, normalize_secret


@dataclass(frozen=True)
class OtpAccount:
    """One TOTP account as an authenticator app holds it (what imports and links produce)."""

    secret: str  # normalised base32: upper case, no padding, no spaces
    settings: OtpSettings = field(default_factory=OtpSettings)
    issuer: str | None = None
    account: str | None = None
    notes: str | None = None

    def label(self) -> str:
        """'Issuer (account)', or whichever of the two exists."""
        if self.issuer and self.account:
            return f"{self.issuer} ({self.account})"
        return self.issuer or self.account or "(no name)"


def parse_uri(uri: str) -> OtpAccount:
    """An otpauth://totp/ link -> the account; InvalidData saying what is wrong otherwise."""
    text = strip_invisible(uri).strip()
    match = re.fullmatch(r"otpauth://([^/?#]*)/?([^?#]*)(?:\?([^#]*))?(?:#.*)?", text, re.I)
    if not match:
        raise InvalidData("not an otpauth:// link (expected otpauth://totp/LABEL?secret=...)")
    kind, raw_label, query = match.group(1).lower(), match.group(2), match.group(3) or ""
    if kind == "hotp":
        raise UnsupportedOtp("counter-based (HOTP) codes are not supported, only time-based TOTP")
    if kind != "totp":
        raise UnsupportedOtp(f"otpauth type {kind!r} is not supported, only totp")
    params: dict[str, str] = {}
    for part in filter(None, query.split("&")):
        key, sep, value = part.partition("=")
        key = _unquote(key, plus=True).strip().lower()
        if not sep:
            # Not repeated in the message: a link missing "secret=" has the seed here.
            raise InvalidData(
                "the otpauth:// link has a parameter without '=' (is secret= missing?)"
            )
        if key in params:
            raise InvalidData(f"the otpauth:// link gives {key}= twice")
        # '+' is a space in a query, as Android's Uri (Google Authenticator, Aegis) reads it;
        # base32 seeds never hold one.
        params[key] = _unquote(value, plus=True)
    if "secret" not in params:
        raise InvalidData("the otpauth:// link has no secret= parameter")
    settings = OtpSettings.parse(
        params.get("algorithm"), params.get("digits"), params.get("period")
    )
    label = _unquote(raw_label, plus=False).strip()
    issuer = params.get("issuer", "").strip() or None
    account: str | None = label
    # The label is "Issuer:account" (the colon may be encoded); an issuer parameter names the
    # prefix exactly, which keeps an issuer that itself holds a colon whole.
    if issuer and label.startswith(issuer + ":"):
        account = label[len(issuer) + 1 :]
    elif issuer and label == issuer:
        account = None  # a label that only repeats the issuer names no account
    elif ":" in label:
        prefix, account = label.split(":", 1)
        issuer = issuer or prefix.strip() or None
    account = (account or "").strip() or None
    return OtpAccount(normalize_secret(params["secret"]), settings, issuer, account)


def _unquote(text: str, plus: bool) -> str:
    try:
        return (unquote_plus if plus else unquote)(text, errors="strict")
    except UnicodeDecodeError:
        raise InvalidData("the otpauth:// link has %-escapes that are not UTF-8 text") from None


def to_uri(account: OtpAccount, name: str = "") -> str:
    """The otpauth:// link an authenticator app scans; `name` labels it if nothing else does."""
    issuer, who = account.issuer, account.account or (None if account.issuer else name)
    label = ":".join(quote(part, safe="@") for part in (issuer, who) if part)
    query = [f"secret={account.secret}"]
    if issuer:
        query.append(f"issuer={quote(issuer, safe='@')}")
    settings = account.settings
    if settings.algorithm != "SHA1":
        query.append(f"algorithm={settings.algorithm}")
    if settings.digits != 6:
        query.append(f"digits={settings.digits}")
    if settings.period != 30:
        query.append(f"period={settings.period}")
    return f"otpauth://totp/{label}?{'&'.join(query)}"


def parse_input(text: str) -> OtpAccount:
    """A pasted seed: an otpauth:// link, or the bare base32 secret (spaces allowed)."""
    text = strip_invisible(text).strip()
    if text.lower().startswith("otpauth"):
        return parse_uri(text)
    return OtpAccount(normalize_secret(text))
