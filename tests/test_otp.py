"""TOTP codes against the RFCs' published vectors, otpauth:// links, and the v2 payload."""

from __future__ import annotations

import base64
import json
import string
from pathlib import Path

import pytest
from conftest import PASSPHRASE, canonical_json
from hypothesis import given, settings
from hypothesis import strategies as st
from support.rfc6238 import RFC6238, RFC6238_SEEDS

from vault.entry import Entry
from vault.errors import CorruptVault, InvalidData, UnsupportedOtp
from vault.model import Vault
from vault.otp.links import OtpAccount, parse_input, parse_uri, to_uri
from vault.otp.totp import (
    EARLIEST_PLAUSIBLE,
    OtpSettings,
    clock_warnings,
    hotp,
    kernel_clock_synced,
    normalize_secret,
    seconds_left,
    secret_bytes,
    secret_is_short,
    totp,
)
from vault.store import VaultFile


def b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(("when", "sha1", "sha256", "sha512"), RFC6238)
def test_rfc6238_appendix_b(when: int, sha1: str, sha256: str, sha512: str) -> None:
    for algorithm, expected in (("SHA1", sha1), ("SHA256", sha256), ("SHA512", sha512)):
        seed = b32(RFC6238_SEEDS[algorithm])
        assert totp(seed, OtpSettings(algorithm, 8, 30), when) == expected


def test_six_digit_codes_are_the_last_six_of_eight() -> None:
    # Dynamic truncation is taken modulo 10^digits, so 6 digits are the tail of 8.
    seed = b32(RFC6238_SEEDS["SHA1"])
    for when, expected, _, _ in RFC6238:
        assert totp(seed, OtpSettings("SHA1", 6, 30), when) == expected[-6:]


def test_rfc4226_appendix_d_hotp_values() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922",
                "162583", "399871", "520489"]  # fmt: skip
    assert [hotp(b"12345678901234567890", c) for c in range(10)] == expected


def test_period_changes_the_counter() -> None:
    seed = b32(RFC6238_SEEDS["SHA1"])
    # With a 60 s period, t=59 is counter 0, the same as t=0 with a 30 s period.
    assert totp(seed, OtpSettings(period=60), 59) == totp(seed, OtpSettings(), 0)
    assert totp(seed, OtpSettings(period=60), 60) == totp(seed, OtpSettings(), 30)


@pytest.mark.parametrize(
    ("when", "period", "left"), [(0, 30, 30), (59, 30, 1), (29.5, 30, 1), (61, 60, 59)]
)
def test_seconds_left(when: float, period: int, left: int) -> None:
    assert seconds_left(OtpSettings(period=period), when) == left


def test_time_before_1970_is_refused() -> None:
    with pytest.raises(InvalidData):
        totp("JBSWY3DPEHPK3PXP", OtpSettings(), -1)


# --- seeds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PXP"),
        ("jbsw y3dp ehpk 3pxp", "JBSWY3DPEHPK3PXP"),
        ("JBSW-Y3DP-EHPK-3PXP", "JBSWY3DPEHPK3PXP"),
        ("JBSWY3DPEHPK3PXP====", "JBSWY3DPEHPK3PXP"),
        ("\ufeffjbswy3dp\u200behpk3pxp\n", "JBSWY3DPEHPK3PXP"),
    ],
)
def test_seeds_are_normalised(typed: str, canonical: str) -> None:
    assert normalize_secret(typed) == canonical


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("JBSWY3DP1", "not base32"),  # 1 is not a base32 digit
        ("JBSWY3DP!", "not base32"),
        ("ABC", "not a whole number of bytes"),
        ("JBSWY3DPE", "not a whole number of bytes"),
    ],
)
def test_bad_seeds_say_why(bad: str, reason: str) -> None:
    with pytest.raises(InvalidData, match=reason):
        normalize_secret(bad)


def test_short_seeds_are_flagged() -> None:
    assert secret_is_short("JBSWY3DP")  # 40 bits
    assert not secret_is_short("JBSWY3DPEHPK3PXP")  # 80 bits
    assert secret_bytes("JBSWY3DPEHPK3PXP") == b"Hello!\xde\xad\xbe\xef"


# --- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "digits", "period"),
    [("MD5", 6, 30), ("SHA1", 7, 30), ("SHA1", 6, 0), ("SHA1", 6, 3601), ("SHA3", 6, 30)],
)
def test_unsupported_settings(algorithm: str, digits: int, period: int) -> None:
    with pytest.raises(UnsupportedOtp):
        OtpSettings(algorithm, digits, period)


def test_settings_from_text() -> None:
    assert OtpSettings.parse("sha-256", "8", " 60 ") == OtpSettings("SHA256", 8, 60)
    assert OtpSettings.parse() == OtpSettings()
    for digits in ("six", "6.0", True, 6.0):
        with pytest.raises(InvalidData, match="whole number"):
            OtpSettings.parse(digits=digits)


def test_settings_json_is_exact() -> None:
    good = {"algorithm": "SHA512", "digits": 8, "period": 60}
    assert OtpSettings.from_json(good).to_json() == good
    for bad in ({**good, "extra": 1}, {"algorithm": "SHA1", "digits": 6}, [], None):
        with pytest.raises(TypeError):
            OtpSettings.from_json(bad)
    with pytest.raises(InvalidData):
        OtpSettings.from_json({**good, "digits": "8"})


# --- otpauth:// links --------------------------------------------------------------------------


def test_google_key_uri_example() -> None:
    # The example in Google's Key Uri Format documentation.
    uri = (
        "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
        "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
    )
    account = parse_uri(uri)
    assert account == OtpAccount(
        "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ", OtpSettings(), "ACME Co", "john.doe@email.com"
    )
    # Written back without the defaults, which every app assumes.
    assert to_uri(account) == (
        "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
        "&issuer=ACME%20Co"
    )


@pytest.mark.parametrize(
    ("uri", "issuer", "account"),
    [
        ("otpauth://totp/alice@example.com?secret=JBSWY3DPEHPK3PXP", None, "alice@example.com"),
        ("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP", "Example", "alice"),
        ("otpauth://totp/Example%3A%20alice?secret=JBSWY3DPEHPK3PXP", "Example", "alice"),
        ("otpauth://totp/x:alice?secret=JBSWY3DPEHPK3PXP&issuer=Real", "Real", "alice"),
        ("otpauth://totp/?secret=JBSWY3DPEHPK3PXP&issuer=Only", "Only", None),
        ("otpauth://totp/a%2Bb@example.com?secret=JBSWY3DPEHPK3PXP", None, "a+b@example.com"),
        ("otpauth://totp/a+b@example.com?secret=JBSWY3DPEHPK3PXP", None, "a+b@example.com"),
        ("OTPAUTH://TOTP/Ex:bob?SECRET=jbswy3dpehpk3pxp&Issuer=Ex", "Ex", "bob"),
        ("otpauth://totp/Odd%3AName:bob?secret=JBSWY3DPEHPK3PXP&issuer=Odd%3AName", "Odd:Name",
         "bob"),
    ],
)  # fmt: skip
def test_labels_and_issuers(uri: str, issuer: str | None, account: str | None) -> None:
    parsed = parse_uri(uri)
    assert (parsed.issuer, parsed.account) == (issuer, account)
    assert parsed.secret == "JBSWY3DPEHPK3PXP"


def test_settings_from_link() -> None:
    parsed = parse_uri("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&algorithm=sha512&digits=8"
                       "&period=60&image=https%3A%2F%2Fexample.com%2Fa.png")  # fmt: skip
    assert parsed.settings == OtpSettings("SHA512", 8, 60)


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("https://example.com/?secret=JBSWY3DPEHPK3PXP", "not an otpauth"),
        ("otpauth://totp/X:y?issuer=X", "no secret"),
        ("otpauth://totp/X:y", "no secret"),
        ("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PX1", "not base32"),
        ("otpauth://totp/X:y?secret=ABC", "whole number of bytes"),
        ("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&secret=JBSWY3DPEHPK3PXP", "twice"),
        ("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&digits=abc", "whole number"),
        ("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&period=", "whole number"),
        ("otpauth://totp/X:y?secret", "without '='"),
    ],
)
def test_malformed_links_say_why(uri: str, reason: str) -> None:
    with pytest.raises(InvalidData, match=reason) as info:
        parse_uri(uri)
    assert not isinstance(info.value, UnsupportedOtp)
    assert info.value.exit_code == 65


@pytest.mark.parametrize(
    "uri",
    [
        "otpauth://hotp/X:y?secret=JBSWY3DPEHPK3PXP&counter=0",
        "otpauth://steam/X:y?secret=JBSWY3DPEHPK3PXP",
        "otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&digits=7",
        "otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
    ],
)
def test_well_formed_but_unsupported_links(uri: str) -> None:
    with pytest.raises(UnsupportedOtp):
        parse_uri(uri)


def test_pasted_input_is_a_link_or_a_bare_seed() -> None:
    assert parse_input("  jbsw y3dp ehpk 3pxp\n") == OtpAccount("JBSWY3DPEHPK3PXP")
    link = "otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&digits=8"
    assert parse_input(link + "\n").settings.digits == 8


_label_text = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters=":"
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=300, deadline=None)
@given(
    seed=st.binary(min_size=10, max_size=64),
    algorithm=st.sampled_from(["SHA1", "SHA256", "SHA512"]),
    digits=st.sampled_from([6, 8]),
    period=st.integers(1, 3600),
    issuer=st.none() | _label_text,
    account=st.none() | _label_text,
)
def test_link_round_trip(
    seed: bytes, algorithm: str, digits: int, period: int, issuer: str | None, account: str | None
) -> None:
    original = OtpAccount(b32(seed), OtpSettings(algorithm, digits, period), issuer, account)
    link = to_uri(original)
    assert link.isascii() and " " not in link
    back = parse_uri(link)
    assert back == original
    # Through an entry and back: the vault keeps everything the link carries.
    entry = Entry("x", "totp", secret=back.secret, otp=back.settings, issuer=back.issuer,
                  account=back.account)  # fmt: skip
    assert entry.otp is not None
    again = OtpAccount(entry.secret, entry.otp, entry.issuer, entry.account)
    assert to_uri(again) == link


def test_link_without_names_uses_the_entry_name() -> None:
    link = to_uri(OtpAccount("JBSWY3DPEHPK3PXP"), name="Old bank")
    assert link == "otpauth://totp/Old%20bank?secret=JBSWY3DPEHPK3PXP"
    assert parse_uri(link).account == "Old bank"


def test_issuer_with_colon_round_trips() -> None:
    original = OtpAccount("JBSWY3DPEHPK3PXP", OtpSettings(), "a:b", "c:d")
    assert parse_uri(to_uri(original)) == original


@given(st.text(alphabet=string.printable, max_size=80))
@settings(max_examples=300, deadline=None)
def test_parse_uri_never_raises_anything_but_invalid_data(text: str) -> None:
    for candidate in (text, "otpauth://totp/" + text, "otpauth://totp/x?" + text):
        try:
            account = parse_uri(candidate)
        except InvalidData:
            continue
        assert account.secret == normalize_secret(account.secret)


# --- the clock ---------------------------------------------------------------------------------


def test_clock_warnings() -> None:
    now = EARLIEST_PLAUSIBLE + 10_000_000
    assert clock_warnings(now, now - 3600, True) == []
    assert clock_warnings(now, None, None) == []
    assert clock_warnings(now, now + 30, True) == []  # within a minute: not worth a warning
    (behind,) = clock_warnings(now, now + 3600, True)
    assert "behind" in behind
    (old,) = clock_warnings(0, None, True)
    assert "1970-01-01" in old and "cannot be right" in old
    (unsynced,) = clock_warnings(now, None, False)
    assert "not set automatically from the internet" in unsynced
    assert len(clock_warnings(now, now + 3600, False)) == 2


def test_kernel_clock_synced_answers_without_privilege() -> None:
    # A yes/no on Linux (adjtimex with modes 0 is read-only), None where it cannot tell.
    assert kernel_clock_synced() in (True, False, None)


def test_latest_time_covers_entries_codes_and_history() -> None:
    v = Vault(keep_log=True)
    v.add(Entry("A", "note", secret="x", created="2030-01-01T00:00:00Z"))
    assert v.latest_time() == "2030-01-01T00:00:00Z"
    v.meta["log"].append({"at": "2031-05-05T00:00:00Z", "entry": "e", "name": "A",
                          "event": "changed"})  # fmt: skip
    assert v.latest_time() == "2031-05-05T00:00:00Z"
    assert Vault().latest_time() is None


# --- entries and the version 2 payload ----------------------------------------------------------


def test_totp_entries_always_have_settings() -> None:
    assert Entry("A", "totp", secret="JBSWY3DPEHPK3PXP").otp == OtpSettings()
    with pytest.raises(InvalidData, match="only totp"):
        Entry("B", "note", secret="x", otp=OtpSettings())


def test_settings_survive_the_payload() -> None:
    v = Vault()
    v.add(Entry("A", "totp", secret="JBSWY3DPEHPK3PXP", otp=OtpSettings("SHA512", 8, 60)))
    v.add(Entry("B", "note", secret="x"))
    doc = json.loads(v.to_bytes())
    assert doc["version"] == 2
    assert [e["otp"] for e in doc["entries"]] == [
        {"algorithm": "SHA512", "digits": 8, "period": 60},
        None,
    ]
    assert Vault.from_bytes(v.to_bytes()).get("A").otp == OtpSettings("SHA512", 8, 60)


def _version_1(v: Vault) -> bytes:
    doc = json.loads(v.to_bytes())
    doc["version"] = 1
    for entry in doc["entries"]:
        del entry["otp"]
    return canonical_json(doc)


def test_version_1_payload_reads_with_the_usual_settings() -> None:
    v = Vault()
    v.add(Entry("A", "totp", secret="JBSWY3DPEHPK3PXP"))
    v.add(Entry("B", "note", secret="x"))
    old = Vault.from_bytes(_version_1(v))
    assert old.get("A").otp == OtpSettings()
    assert old.get("B").otp is None
    assert old.to_bytes() == v.to_bytes()


@pytest.mark.parametrize(
    "bad_otp",
    [
        {"algorithm": "MD5", "digits": 6, "period": 30},
        {"algorithm": "SHA1", "digits": 7, "period": 30},
        {"algorithm": "SHA1", "digits": True, "period": 30},
        {"algorithm": "SHA1", "digits": 6, "period": 0},
        {"algorithm": "SHA1", "digits": 6, "period": 30.0},
        {"algorithm": "SHA1", "digits": 6},
        None,
        "SHA1",
    ],
)
def test_malformed_otp_in_payload_is_corrupt(bad_otp: object) -> None:
    v = Vault()
    v.add(Entry("A", "totp", secret="JBSWY3DPEHPK3PXP"))
    doc = json.loads(v.to_bytes())
    doc["entries"][0]["otp"] = bad_otp
    with pytest.raises(CorruptVault):
        Vault.from_bytes(canonical_json(doc))


def _write_version_1(vf: VaultFile, v: Vault) -> bytes:
    """Replace the file's payload with a version 1 document, sealed with the same key."""
    import os

    from vault.format import parse
    from vault.keyslots import open_payload, seal_payload, unlock

    container = parse(vf.path.read_bytes())
    master_key = unlock(container, PASSPHRASE)
    open_payload(container, master_key)  # the key is right
    sealed = seal_payload(
        master_key, _version_1(v), container.vault_id, container.generation + 1,
        container.slots, os.urandom,
    )  # fmt: skip
    data = sealed.to_bytes()
    vf.path.write_bytes(data)
    return data


def test_opening_a_version_1_file_does_not_rewrite_it(vf: VaultFile) -> None:
    v = Vault()
    v.add(Entry("Bank", "totp", secret="JBSWY3DPEHPK3PXP"))
    v.meta["kit"] = {"generation": 0, "printed": "2026-01-01T00:00:00Z"}
    data = _write_version_1(vf, v)
    with vf.edit(PASSPHRASE) as opened:
        assert opened.get("Bank").otp == OtpSettings()
    assert vf.path.read_bytes() == data  # nothing changed, nothing saved


def test_a_change_upgrades_to_version_2_without_making_the_kit_stale(vf: VaultFile) -> None:
    v = Vault()
    v.add(Entry("Bank", "totp", secret="JBSWY3DPEHPK3PXP"))
    v.meta["kit"] = {"generation": 0, "printed": "2026-01-01T00:00:00Z"}
    _write_version_1(vf, v)
    assert vf.load(PASSPHRASE).kit_status() == "current"
    vf.review(PASSPHRASE, "Bank")  # bookkeeping only: entries are unchanged
    after = vf.load(PASSPHRASE)
    assert after.kit_status() == "current"
    assert json.loads(after.to_bytes())["version"] == 2


def test_changing_settings_is_a_change(tmp_path: Path, vf: VaultFile) -> None:
    vf.add(PASSPHRASE, Entry("Bank", "totp", secret="JBSWY3DPEHPK3PXP"))
    with vf.edit(PASSPHRASE) as v:
        v.update("Bank", otp=OtpSettings(digits=8))
    loaded = vf.load(PASSPHRASE)
    assert loaded.get("Bank").otp == OtpSettings(digits=8)
    assert [e["event"] for e in loaded.log("Bank")][-1] == "changed"
    with vf.edit(PASSPHRASE) as v, pytest.raises(InvalidData, match="not totp"):
        v.add(Entry("Note", "note", secret="x"))
        v.update("Note", otp=OtpSettings())


@pytest.mark.parametrize(
    "value",
    ["9" * 5000, " " + "1" * 10, 10**5000, -(10**400), "0" * 5001, [[[]]], 1e308],
    ids=[
        "5000-digit-text",
        "10-digit-text",
        "5000-digit-int",
        "negative",
        "zeros",
        "list",
        "float",
    ],
)
@pytest.mark.parametrize("what", ["digits", "period"])
def test_implausible_settings_are_invalid_data_with_a_short_message(
    value: object, what: str
) -> None:
    # int() of 4,300+ digits raised ValueError and repr() of such an int does too (issue 12).
    with pytest.raises(InvalidData) as caught:
        OtpSettings.parse(**{what: value})
    assert len(caught.value.message) < 120
