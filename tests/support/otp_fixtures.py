"""Authenticator exports built for tests: Google's transfer payload through Google's own runtime.

The MigrationPayload message is described here as a FileDescriptorProto and compiled by the
protobuf runtime (the descriptor pool and message factory), so the bytes the tests feed to
vault.otp.imports come from Google's encoder, not from a second hand-written encoder that could
share the decoder's mistakes. The message follows Google Authenticator's export format:

    message MigrationPayload {
      enum Algorithm { ALGORITHM_UNSPECIFIED = 0; SHA1 = 1; SHA256 = 2; SHA512 = 3; MD5 = 4; }
      enum DigitCount { DIGIT_COUNT_UNSPECIFIED = 0; SIX = 1; EIGHT = 2; }
      enum OtpType { OTP_TYPE_UNSPECIFIED = 0; HOTP = 1; TOTP = 2; }
      message OtpParameters {
        bytes secret = 1; string name = 2; string issuer = 3; Algorithm algorithm = 4;
        DigitCount digits = 5; OtpType type = 6; int64 counter = 7;
      }
      repeated OtpParameters otp_parameters = 1;
      int32 version = 2; int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5;
    }
"""

from __future__ import annotations

import base64
import functools
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

ALGORITHM = {"SHA1": 1, "SHA256": 2, "SHA512": 3, "MD5": 4}
DIGITS = {6: 1, 8: 2}
HOTP, TOTP = 1, 2

_F = descriptor_pb2.FieldDescriptorProto


@functools.cache
def _classes() -> tuple[Any, Any]:
    """The MigrationPayload and OtpParameters message classes, compiled once."""
    proto = descriptor_pb2.FileDescriptorProto(
        name="rvault_tests/google_auth_migration.proto",
        package="rvault_tests.googleauth",
        syntax="proto3",
    )
    payload = proto.message_type.add(name="MigrationPayload")
    for enum_name, values in (
        ("Algorithm", ["ALGORITHM_UNSPECIFIED", "SHA1", "SHA256", "SHA512", "MD5"]),
        ("DigitCount", ["DIGIT_COUNT_UNSPECIFIED", "SIX", "EIGHT"]),
        ("OtpType", ["OTP_TYPE_UNSPECIFIED", "HOTP", "TOTP"]),
    ):
        enum = payload.enum_type.add(name=enum_name)
        for number, value in enumerate(values):
            enum.value.add(name=value, number=number)
    params = payload.nested_type.add(name="OtpParameters")
    prefix = ".rvault_tests.googleauth.MigrationPayload"
    for number, name, kind, type_name in (
        (1, "secret", _F.TYPE_BYTES, ""),
        (2, "name", _F.TYPE_STRING, ""),
        (3, "issuer", _F.TYPE_STRING, ""),
        (4, "algorithm", _F.TYPE_ENUM, f"{prefix}.Algorithm"),
        (5, "digits", _F.TYPE_ENUM, f"{prefix}.DigitCount"),
        (6, "type", _F.TYPE_ENUM, f"{prefix}.OtpType"),
        (7, "counter", _F.TYPE_INT64, ""),
    ):
        field = params.field.add(name=name, number=number, type=kind, label=_F.LABEL_OPTIONAL)
        if type_name:
            field.type_name = type_name
    payload.field.add(
        name="otp_parameters",
        number=1,
        type=_F.TYPE_MESSAGE,
        label=_F.LABEL_REPEATED,
        type_name=f"{prefix}.OtpParameters",
    )
    for number, name in enumerate(("version", "batch_size", "batch_index", "batch_id"), 2):
        payload.field.add(name=name, number=number, type=_F.TYPE_INT32, label=_F.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    outer = pool.FindMessageTypeByName("rvault_tests.googleauth.MigrationPayload")
    return (
        message_factory.GetMessageClass(outer),
        message_factory.GetMessageClass(outer.nested_types_by_name["OtpParameters"]),
    )


def migration_classes() -> tuple[Any, Any]:
    """(MigrationPayload, OtpParameters) classes from Google's protobuf runtime."""
    return _classes()


@dataclass(frozen=True)
class GoogleAccount:
    """One account as Google Authenticator exports it (enum values as numbers)."""

    secret: bytes
    name: str = ""
    issuer: str = ""
    algorithm: int = ALGORITHM["SHA1"]
    digits: int = DIGITS[6]
    type: int = TOTP
    counter: int = 0


def payload_bytes(
    accounts: list[GoogleAccount],
    *,
    batch_size: int = 1,
    batch_index: int = 0,
    batch_id: int = 0,
    version: int = 1,
) -> bytes:
    """A serialized MigrationPayload holding the accounts."""
    payload_cls, _ = _classes()
    message = payload_cls(
        version=version, batch_size=batch_size, batch_index=batch_index, batch_id=batch_id
    )
    for account in accounts:
        message.otp_parameters.add(
            secret=account.secret,
            name=account.name,
            issuer=account.issuer,
            algorithm=account.algorithm,
            digits=account.digits,
            type=account.type,
            counter=account.counter,
        )
    data: bytes = message.SerializeToString()
    return data


def migration_link(data: bytes) -> str:
    """otpauth-migration://offline?data=... as Google's QR codes hold it (URL-encoded base64)."""
    return "otpauth-migration://offline?data=" + quote(base64.b64encode(data).decode(), safe="")


def migration_parts(accounts: list[GoogleAccount], parts: int, batch_id: int) -> list[str]:
    """A multi-part export: the accounts dealt round-robin over `parts` links of one batch."""
    return [
        migration_link(
            payload_bytes(
                accounts[index::parts],
                batch_size=parts,
                batch_index=index,
                batch_id=batch_id,
            )
        )
        for index in range(parts)
    ]


def decode_payload(data: bytes) -> Any:
    """Parse payload bytes with the protobuf runtime (to check what a test built)."""
    payload_cls, _ = _classes()
    message = payload_cls()
    message.ParseFromString(data)
    return message


def b32(raw: bytes) -> str:
    """Base32 without padding, the form rvault stores seeds in."""
    return base64.b32encode(raw).decode().rstrip("=")


# --- QR images ----------------------------------------------------------------------------


def qr_image(text: str, box_size: int = 6, border: int = 4) -> Any:
    """A PIL image of a QR code holding text."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size)
    code.border = border
    code.add_data(text)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")


def png_bytes(image: Any) -> bytes:
    """The image as PNG bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def screenshot(texts: list[str], *, scale: float = 0.8, jpeg_quality: int | None = 70) -> bytes:
    """A phone-screenshot-like image: app chrome, text, and the QR codes, scaled and compressed.

    Each QR code is pasted on a larger grey-and-white canvas below a title bar and captions,
    the whole image is scaled (so modules land off the pixel grid) and, unless jpeg_quality is
    None, saved as JPEG with its blocking artefacts.
    """
    from PIL import Image, ImageDraw

    codes = [qr_image(text, box_size=5).convert("RGB") for text in texts]
    width = max(c.width for c in codes) + 160
    height = 220 + sum(c.height + 90 for c in codes)
    canvas = Image.new("RGB", (width, height), (246, 246, 250))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, width, 60), fill=(26, 115, 232))
    draw.text((20, 22), "12:41   Transfer accounts", fill=(255, 255, 255))
    draw.text((20, 90), "Scan this QR code on your new device", fill=(40, 40, 40))
    y = 130
    for number, code in enumerate(codes, 1):
        draw.rectangle((60, y - 10, 60 + code.width + 40, y + code.height + 10), fill="white")
        canvas.paste(code, (80, y))
        draw.text((80, y + code.height + 20), f"QR code {number} of {len(codes)}", fill=(90,) * 3)
        y += code.height + 90
    draw.rectangle((0, height - 60, width, height), fill=(230, 230, 235))
    draw.text((20, height - 40), "Next", fill=(26, 115, 232))
    scaled = canvas.resize((round(width * scale), round(height * scale)), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    if jpeg_quality is None:
        scaled.save(buffer, format="PNG")
    else:
        scaled.save(buffer, format="JPEG", quality=jpeg_quality)
    return buffer.getvalue()


# --- JSON exports -------------------------------------------------------------------------
# Each builder takes accounts as plain tuples so that no rvault code shapes the input:
# (base32 secret, issuer, account, algorithm, digits, period).

Plain = tuple[str, str, str, str, int, int]


def aegis_export(accounts: list[Plain], notes: list[str] | None = None) -> dict[str, Any]:
    """A plaintext Aegis vault export (db version 2)."""
    entries = []
    for n, (secret, issuer, account, algorithm, digits, period) in enumerate(accounts):
        entries.append(
            {
                "type": "totp",
                "uuid": f"00000000-0000-4000-8000-{n:012d}",
                "name": account,
                "issuer": issuer,
                "note": notes[n] if notes else "",
                "favorite": False,
                "icon": None,
                "info": {"secret": secret, "algo": algorithm, "digits": digits, "period": period},
            }
        )
    return {
        "version": 1,
        "header": {"slots": None, "params": None},
        "db": {"version": 2, "entries": entries},
    }


def twofas_export(accounts: list[Plain]) -> dict[str, Any]:
    """A 2FAS backup without a password (schema version 4)."""
    services = [
        {
            "name": issuer,
            "secret": secret,
            "otp": {
                "label": f"{issuer}:{account}",
                "account": account,
                "issuer": issuer,
                "digits": digits,
                "period": period,
                "algorithm": algorithm,
                "tokenType": "TOTP",
            },
            "order": {"position": n},
        }
        for n, (secret, issuer, account, algorithm, digits, period) in enumerate(accounts)
    ]
    return {
        "services": services,
        "groups": [],
        "appVersionCode": 5000012,
        "appOrigin": "android",
        "schemaVersion": 4,
    }


def bitwarden_export(accounts: list[Plain]) -> dict[str, Any]:
    """A plaintext Bitwarden JSON export; each seed as an otpauth:// link in login.totp."""
    items = []
    for secret, issuer, account, algorithm, digits, period in accounts:
        label = quote(f"{issuer}:{account}", safe="@:")
        link = (
            f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer, safe='')}"
            f"&algorithm={algorithm}&digits={digits}&period={period}"
        )
        items.append(
            {
                "type": 1,
                "name": issuer,
                "login": {"username": account, "password": "FAKE-password", "totp": link},
            }
        )
    return {"encrypted": False, "folders": [], "items": items}
