"""TOTP: settings, codes (RFC 6238), and whether the clock can be trusted.

Pure computation except kernel_clock_synced (one read-only system call).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from typing import Any

from vault.codes import strip_invisible
from vault.errors import InvalidData, UnsupportedOtp

ALGORITHMS = ("SHA1", "SHA256", "SHA512")
DIGITS = (6, 8)
MAX_PERIOD = 3600
# 80 bits is what Google's own library issues and the shortest seed services use; anything
# shorter is more likely a seed cut short while copying than a real one.
SHORT_SECRET_BITS = 80
# A clock before this date cannot be right: this version of rvault did not exist yet.
EARLIEST_PLAUSIBLE = 1767225600  # 2026-01-01T00:00:00Z
_BASE32 = re.compile(r"[A-Z2-7]+")
# No digits or period has more digits than this; a longer number is damage, not a setting.
_MAX_WHOLE_DIGITS = 9


@dataclass(frozen=True)
class OtpSettings:
    """How codes are made from a seed: hash algorithm, number of digits, period in seconds."""

    algorithm: str = "SHA1"
    digits: int = 6
    period: int = 30

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise UnsupportedOtp(
                f"TOTP algorithm {_shown(self.algorithm)} is not supported; "
                "use SHA1, SHA256 or SHA512"
            )
        if type(self.digits) is not int or self.digits not in DIGITS:
            raise UnsupportedOtp(f"TOTP codes of {_shown(self.digits)} digits are not supported")
        if type(self.period) is not int or not 1 <= self.period <= MAX_PERIOD:
            raise UnsupportedOtp(
                f"a TOTP period of {_shown(self.period)} seconds is not supported "
                f"(1 to {MAX_PERIOD})"
            )

    @classmethod
    def parse(
        cls, algorithm: str | None = None, digits: Any = None, period: Any = None
    ) -> OtpSettings:
        """Settings from loosely typed text (URIs, exports, options); None means the default."""
        default = cls()
        return cls(
            algorithm=(algorithm or default.algorithm).strip().upper().replace("-", ""),
            digits=_whole(digits, "digits") if digits is not None else default.digits,
            period=_whole(period, "period") if period is not None else default.period,
        )

    def with_changes(
        self, algorithm: str | None = None, digits: Any = None, period: Any = None
    ) -> OtpSettings:
        """These settings with the given ones (loosely typed, as options give them) applied."""
        return OtpSettings.parse(
            algorithm or self.algorithm,
            digits if digits is not None else self.digits,
            period if period is not None else self.period,
        )

    def is_default(self) -> bool:
        """Whether these are the settings every app assumes when none are given."""
        return self == OtpSettings()

    def describe(self) -> str:
        """Human form, for example 'SHA1, 6 digits, 30 s'."""
        return f"{self.algorithm}, {self.digits} digits, {self.period} s"

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the payload form)."""
        return {"algorithm": self.algorithm, "digits": self.digits, "period": self.period}

    @classmethod
    def from_json(cls, data: Any) -> OtpSettings:
        """Rebuild from the payload form, exactly (TypeError or InvalidData otherwise)."""
        if not isinstance(data, dict) or set(data) != {"algorithm", "digits", "period"}:
            raise TypeError("otp is not an object with algorithm, digits and period")
        return cls(data["algorithm"], data["digits"], data["period"])


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise InvalidData(f"TOTP {what} must be a whole number, not {_shown(value)}")
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit():
        # int() refuses 4,300+ digits (ValueError), so the length is judged first.
        if len(text.lstrip("0")) > _MAX_WHOLE_DIGITS:
            raise InvalidData(f"TOTP {what} {_shown(text)} is not a plausible value")
        return int(text.lstrip("0") or "0")
    raise InvalidData(f"TOTP {what} must be a whole number, not {_shown(value)}")


def _shown(value: Any) -> str:
    """A setting as quoted in a message, kept short: an export may hold thousands of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**24:
        # repr() of a 4,300+ digit int raises ValueError; its size is all a person needs.
        return f"~{'-' * (value < 0)}10^{int(abs(value).bit_length() * 0.30103)}"
    if not isinstance(value, str | int | float):
        return f"a JSON {type(value).__name__}"  # repr() of deep nesting may recurse too far
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:20]}... ({len(text)} characters)"


def normalize_secret(text: str) -> str:
    """A base32 seed as typed or pasted (spaces, dashes, lower case, padding) -> canonical form."""
    secret = "".join(strip_invisible(text).split()).replace("-", "").upper().rstrip("=")
    if not secret:
        raise InvalidData("the TOTP secret is empty")
    if not _BASE32.fullmatch(secret):
        raise InvalidData("the TOTP secret is not base32 (letters A-Z and digits 2-7)")
    # Lengths 1, 3 and 6 (mod 8) are not whole bytes: a character was lost or added.
    if len(secret) % 8 in (1, 3, 6):
        raise InvalidData(
            f"the TOTP secret has {len(secret)} characters, which is not a whole number of "
            "bytes; a character is missing or extra"
        )
    return secret


def secret_bytes(secret: str) -> bytes:
    """The seed's bytes from its base32 form."""
    secret = normalize_secret(secret)
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def secret_is_short(secret: str) -> bool:
    """Whether a seed is shorter than any service issues (probably cut short when copied)."""
    return len(secret_bytes(secret)) * 8 < SHORT_SECRET_BITS


def hotp(key: bytes, counter: int, algorithm: str = "SHA1", digits: int = 6) -> str:
    """RFC 4226 HOTP value for one counter (dynamic truncation of an HMAC)."""
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, algorithm.lower())).digest()
    offset = mac[-1] & 0x0F
    value = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def totp(secret: str, settings: OtpSettings, unix_time: float) -> str:
    """RFC 6238 code for a base32 seed at a Unix time."""
    counter = int(unix_time // settings.period)
    if counter < 0:
        raise InvalidData("cannot make a TOTP code for a time before 1970")
    return hotp(secret_bytes(secret), counter, settings.algorithm, settings.digits)


def seconds_left(settings: OtpSettings, unix_time: float) -> int:
    """Whole seconds until the code for unix_time changes (1 to period)."""
    return settings.period - int(unix_time % settings.period)


def clock_warnings(now: float, not_before: float | None, synced: bool | None) -> list[str]:
    """Why the clock may be wrong: before release, before the vault's last change, unsynced."""
    from datetime import datetime, timezone

    def day(t: float) -> str:
        return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    found = []
    if now < EARLIEST_PLAUSIBLE:
        found.append(f"it says {day(now)}, which cannot be right")
    elif not_before is not None and now + 60 < not_before:
        found.append(
            f"it says {day(now)}, earlier than this vault's last change ({day(not_before)}): "
            "the clock is behind"
        )
    if synced is False:
        found.append("it is not set automatically from the internet")
    return found


# Said once under the reasons: what a person can do about it on the systems people have.
CLOCK_WARNING = "This computer's clock may be wrong, so the code may be refused"
CLOCK_ADVICE = """\
To fix it, turn on automatic time:
  Windows: Settings > Time & language > Date & time: Set time automatically
  macOS:   System Settings > General > Date & Time: Set time and date automatically
  Linux:   run  timedatectl set-ntp true
  Phone:   Settings > Date & time: automatic
Or make the code for a time you know is right: rvault totp NAME --at 2026-12-01T09:30:00Z"""


def kernel_clock_synced() -> bool | None:
    """Whether the kernel says the clock is synchronised (Linux adjtimex); None if unknown."""
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        # struct timex is 208 bytes on 64-bit Linux; modes = 0 (the zeroed first field)
        # makes the call read-only, which needs no privilege.
        buffer = ctypes.create_string_buffer(512)
        state = int(libc.adjtimex(buffer))
    except (OSError, AttributeError):
        return None
    time_error = 5  # TIME_ERROR: the kernel's clock is not synchronised
    if state < 0:
        return None
    return state != time_error
