"""Google Authenticator's "Transfer accounts" links: otpauth-migration://offline?data=...

The data is base64 of a protobuf message (docs/IMPORT.md gives the schema). It is read here
from the wire format directly, 60 lines instead of the protobuf runtime and generated code for
one small message; the tests check this reader against messages built by Google's runtime.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from urllib.parse import unquote

from vault.errors import InvalidData, UnsupportedOtp
from vault.otp.links import OtpAccount
from vault.otp.totp import OtpSettings

# The message's enums: Algorithm, DigitCount and OtpType.
_ALGORITHMS = {0: "SHA1", 1: "SHA1", 2: "SHA256", 3: "SHA512", 4: "MD5"}
_DIGITS = {0: 6, 1: 6, 2: 8}
_TOTP = 2


@dataclass(frozen=True)
class TransferPart:
    """One QR code of a transfer: which part of which batch, and its accounts."""

    batch_id: int
    size: int  # parts in the batch
    index: int  # 0-based
    # (issuer, name) as the export gives them, and a maker that raises UnsupportedOtp for
    # an account rvault cannot hold (so the caller can skip it and keep the rest).
    accounts: tuple[tuple[str, str, Callable[[], OtpAccount]], ...]


def parse_transfer(link: str) -> TransferPart:
    """An otpauth-migration://offline?data=... link -> its part; InvalidData if malformed."""
    match = re.fullmatch(r"otpauth-migration://offline\?(.*)", link.strip(), re.I | re.S)
    if not match:
        raise InvalidData("not an otpauth-migration://offline link")
    pairs = (part.partition("=") for part in match.group(1).split("&"))
    values = [value for key, _, value in pairs if key == "data"]
    if len(values) != 1:
        raise InvalidData("the transfer link has no single data= parameter")
    # '+' is part of base64: a link that was URL-decoded once already must keep it.
    raw = unquote(values[0]).replace(" ", "+")
    try:
        payload = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidData("the transfer link's data is not base64") from None
    try:
        message = _message(payload)
    except ValueError as exc:
        raise InvalidData(f"the transfer link's data is damaged ({exc})") from None
    size, index = _signed32(_int(message, 3, 1)), _signed32(_int(message, 4, 0))
    batch_id = _signed32(_int(message, 5, 0))
    if not (1 <= size <= 1000 and 0 <= index < size):
        raise InvalidData(f"the transfer link says it is part {index + 1} of {size}")
    accounts = []
    params = [v for k, v in message if k == 1]
    if not params:
        raise InvalidData("the transfer link holds no accounts")
    for raw_params in params:
        if not isinstance(raw_params, bytes):
            raise InvalidData("the transfer link's data is damaged (an account is not a message)")
        try:
            fields = _message(raw_params)
        except ValueError as exc:
            raise InvalidData(f"the transfer link's data is damaged ({exc})") from None
        accounts.append((_text(fields, 3), _text(fields, 2), partial(_account, fields)))
    return TransferPart(batch_id, size, index, tuple(accounts))


def _account(fields: list[tuple[int, int | bytes]]) -> OtpAccount:
    secret = _bytes(fields, 1)
    if not secret:
        raise InvalidData("an account in the transfer link has no secret")
    kind = _int(fields, 6, 0)
    if kind != _TOTP:
        raise UnsupportedOtp(
            "counter-based (HOTP) codes are not supported, only time-based TOTP"
            if kind == 1
            else f"the account's type ({kind}) is not TOTP"
        )
    algorithm_code, digits_code = _int(fields, 4, 0), _int(fields, 5, 0)
    algorithm = _ALGORITHMS.get(algorithm_code)
    digits = _DIGITS.get(digits_code)
    if algorithm is None:
        raise UnsupportedOtp(f"the account's algorithm (code {algorithm_code}) is not known")
    if digits is None:
        raise UnsupportedOtp(f"the account's code length (code {digits_code}) is not known")
    name, issuer = _text(fields, 2), _text(fields, 3)
    # Google puts "Issuer:account" in name for many accounts; the issuer is also its own field.
    if issuer and name.startswith(issuer + ":"):
        name = name[len(issuer) + 1 :]
    elif issuer and name == issuer:
        name = ""  # as for a link, a name that only repeats the issuer names no account
    elif not issuer and ":" in name:
        issuer, name = name.split(":", 1)
    b32 = base64.b32encode(secret).decode().rstrip("=")
    # The transfer format has no period: Google Authenticator only makes 30-second codes.
    return OtpAccount(
        b32, OtpSettings(algorithm, digits, 30), issuer.strip() or None, name.strip() or None
    )


def _message(data: bytes) -> list[tuple[int, int | bytes]]:
    """A protobuf message's fields as (number, value): varints as int, the rest as bytes."""
    fields: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ValueError("field number 0")
        if wire == 0:
            value, pos = _varint(data, pos)
            fields.append((number, value))
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ValueError("a field runs past the end")
            fields.append((number, data[pos : pos + length]))
            pos += length
        elif wire in (1, 5):  # fixed 64/32-bit fields: not in this message, skipped
            pos += 8 if wire == 1 else 4
            if pos > len(data):
                raise ValueError("a field runs past the end")
        else:
            raise ValueError(f"unknown wire type {wire}")
    return fields


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for shift in range(0, 70, 7):
        if pos >= len(data):
            raise ValueError("truncated")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
    raise ValueError("a number is longer than 10 bytes")


def _last(fields: list[tuple[int, int | bytes]], number: int) -> int | bytes | None:
    values = [v for k, v in fields if k == number]
    return values[-1] if values else None  # protobuf: the last value of a field wins


def _int(fields: list[tuple[int, int | bytes]], number: int, default: int) -> int:
    value = _last(fields, number)
    if value is None:
        return default
    if not isinstance(value, int):
        raise InvalidData(f"the transfer link's data is damaged (field {number} is not a number)")
    return value


def _bytes(fields: list[tuple[int, int | bytes]], number: int) -> bytes:
    value = _last(fields, number)
    if value is None:
        return b""
    if not isinstance(value, bytes):
        raise InvalidData(f"the transfer link's data is damaged (field {number} is not bytes)")
    return value


def _text(fields: list[tuple[int, int | bytes]], number: int) -> str:
    try:
        return _bytes(fields, number).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidData("the transfer link's data is damaged (a name is not UTF-8)") from None


def _signed32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value
