"""TOTP through the real CLI: codes, clock warnings, --watch, QR output, add/edit, hygiene.

Everything is real: vault files (cheap Argon2id), `python -m vault` subprocesses, and
zxing-cpp reading back the QR codes rvault prints or writes.
"""

from __future__ import annotations

import base64
import itertools
import signal
import stat
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import zxingcpp
from conftest import CHEAP_KDF, PASSPHRASE, Run, in_process, run_rvault
from PIL import Image

from vault import VaultFile
from vault.entry import Entry
from vault.otp.links import OtpAccount, parse_uri, to_uri
from vault.otp.totp import OtpSettings, totp


def b32(raw: bytes) -> str:
    """The unpadded base32 form services hand out."""
    return base64.b32encode(raw).decode().rstrip("=")


# RFC 6238 Appendix B: one seed per hash (the ASCII digits, repeated to the hash's size).
RFC_SEEDS = {
    "SHA1": b32(b"12345678901234567890"),
    "SHA256": b32(b"1234567890" * 3 + b"12"),
    "SHA512": b32(b"1234567890" * 6 + b"1234"),
}
# (time, seconds the code stays valid with a 30 s period, SHA1, SHA256, SHA512)
RFC_VECTORS = [
    (59, 1, "94287082", "46119246", "90693936"),
    (1111111109, 1, "07081804", "68084774", "25091201"),
    (1111111111, 29, "14050471", "67062674", "99943326"),
    (1234567890, 30, "89005924", "91819424", "93441116"),
    (2000000000, 10, "69279037", "90698825", "38618901"),
    (20000000000, 10, "65353130", "77737706", "47863826"),
]
SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 160 bits
OTHER_SEED = b32(bytes(range(20)))


def iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_totp(env: dict[str, str], name: str, text: str, *options: str) -> None:
    res = run_rvault(["add", name, "--kind", "totp", *options], env, stdin=text + "\n")
    assert res.returncode == 0, res.stderr


def entry(vf: VaultFile, name: str) -> Entry:
    return vf.load(PASSPHRASE).get(name)


def no_trace(res: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in res.stderr
    assert "unexpected error" not in res.stderr


# --- rvault totp ----------------------------------------------------------------------------


@pytest.mark.slow
def test_rfc6238_vectors_through_the_cli(cli_env: dict[str, str], vf: VaultFile) -> None:
    for algorithm, seed in RFC_SEEDS.items():
        add_totp(cli_env, algorithm, seed, "--algorithm", algorithm, "--digits", "8")
    for unix, left, *codes in RFC_VECTORS:
        for (algorithm, _), code in zip(RFC_SEEDS.items(), codes, strict=True):
            res = run_rvault(["totp", algorithm, "--at", str(unix)], cli_env)
            assert res.returncode == 0, res.stderr
            assert res.stdout == code + "\n", (algorithm, unix)
            plural = "" if left == 1 else "s"
            assert f"{algorithm}: valid for {left} more second{plural}." in res.stderr


@pytest.mark.slow
@pytest.mark.parametrize("unix", [59, 1111111111, 2000000000, 20000000000])
def test_at_accepts_utc_dates(cli_env: dict[str, str], vf: VaultFile, unix: int) -> None:
    add_totp(cli_env, "SHA1", RFC_SEEDS["SHA1"], "--digits", "8")
    by_seconds = run_rvault(["totp", "SHA1", "--at", str(unix)], cli_env)
    by_date = run_rvault(["totp", "sha1", "--at", iso(unix)], cli_env)  # names ignore case
    assert by_date.returncode == 0, by_date.stderr
    expected = {row[0]: row[2] for row in RFC_VECTORS}[unix]
    assert by_seconds.stdout == by_date.stdout == expected + "\n"


def test_at_gives_no_clock_warning(cli_env: dict[str, str], vf: VaultFile) -> None:
    vf.add(PASSPHRASE, Entry("Future", "totp", SEED, created="2099-01-01T00:00:00Z"))
    res = run_rvault(["totp", "Future", "--at", "59"], cli_env)
    assert res.returncode == 0, res.stderr
    assert "warning" not in res.stderr  # the code is for a given time, not the clock's


def test_code_for_now_matches_the_clock(cli_env: dict[str, str], vf: VaultFile) -> None:
    add_totp(cli_env, "Now", SEED)
    settings = OtpSettings()
    before = time.time()
    res = run_rvault(["totp", "Now"], cli_env)
    after = time.time()
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() in {totp(SEED, settings, before), totp(SEED, settings, after)}
    assert len(res.stdout.strip()) == 6
    line = next(x for x in res.stderr.splitlines() if x.startswith("Now: valid for"))
    left = int(line.split()[3])
    assert 1 <= left <= 30
    no_trace(res)


@pytest.mark.slow
def test_clock_behind_the_vault_is_warned_but_the_code_is_printed(
    cli_env: dict[str, str], vf: VaultFile
) -> None:
    vf.add(
        PASSPHRASE,
        Entry(
            "Future",
            "totp",
            SEED,
            created="2099-01-01T00:00:00Z",
            updated="2099-01-01T00:00:00Z",
        ),
    )
    before = time.time()
    res = run_rvault(["totp", "Future"], cli_env)
    after = time.time()
    assert res.returncode == 0, res.stderr
    settings = OtpSettings()
    assert res.stdout.strip() in {totp(SEED, settings, before), totp(SEED, settings, after)}
    assert "the clock is behind" in res.stderr
    assert "2099-01-01" in res.stderr
    assert "Future: valid for" in res.stderr
    # In plain words, with what to do on the systems people have.
    assert (
        "warning: This computer's clock may be wrong, so the code may be refused (it says "
        in res.stderr
    )
    for fix in (
        "Windows: Settings > Time & language > Date & time: Set time automatically",
        "macOS:   System Settings > General > Date & Time: Set time and date automatically",
        "Linux:   run  timedatectl set-ntp true",
        "Phone:   Settings > Date & time: automatic",
        "Or make the code for a time you know is right: rvault totp Future --at 20",
    ):
        assert fix in res.stderr, fix
    assert res.stderr.count("This computer's clock may be wrong") == 1
    # The advice names the entry as it must be typed: in quotes when it has spaces.
    vf.add(PASSPHRASE, Entry("Work mail", "totp", SEED, created="2099-01-01T00:00:00Z"))
    res = run_rvault(["totp", "work mail"], cli_env)
    assert res.returncode == 0, res.stderr
    assert 'rvault totp "Work mail" --at 20' in res.stderr


def test_no_behind_warning_for_a_vault_changed_today(
    cli_env: dict[str, str], vf: VaultFile
) -> None:
    add_totp(cli_env, "Today", SEED)
    res = run_rvault(["totp", "Today"], cli_env)
    assert res.returncode == 0, res.stderr
    assert "behind" not in res.stderr
    assert "cannot be right" not in res.stderr


@pytest.mark.slow
def test_watch_prints_each_new_code_and_stops_on_sigint(
    cli_env: dict[str, str], vf: VaultFile
) -> None:
    add_totp(cli_env, "Fast", SEED, "--period", "2")
    settings = OtpSettings(period=2)
    start = time.time()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vault", "totp", "Fast", "--watch"],
        env=cli_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        time.sleep(4.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    end = time.time()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    codes = out.splitlines()
    assert len(set(codes)) >= 2, out
    assert all(a != b for a, b in itertools.pairwise(codes)), "a code printed twice"
    possible = {totp(SEED, settings, t) for t in range(int(start) - 1, int(end) + 2)}
    assert set(codes) <= possible, (codes, possible)


def test_watch_with_at_is_refused(cli_env: dict[str, str], vf: VaultFile) -> None:
    add_totp(cli_env, "W", SEED)
    res = run_rvault(["totp", "W", "--watch", "--at", "59"], cli_env)
    assert res.returncode == 2
    assert res.stdout == ""


@pytest.mark.parametrize("bad", ["-5", "59.5", "2005-03-18T01:58:29", "yesterday", "1e9"])
def test_unreadable_at_is_a_usage_error(cli_env: dict[str, str], vf: VaultFile, bad: str) -> None:
    add_totp(cli_env, "A", SEED)
    res = run_rvault(["totp", "A", "--at", bad], cli_env)
    assert res.returncode == 2, res.stderr
    assert "YYYY-MM-DDTHH:MM:SSZ" in res.stderr
    assert res.stdout == ""


@pytest.mark.parametrize(
    "bad",
    [
        "",  # silently means "now", with the clock's warnings
        "\u00b2",  # a superscript 2: str.isdigit() but not float() -> unexpected ValueError
        str(2**64 * 30),  # the counter overflows struct.pack(">Q") -> unexpected struct.error
    ],
)
def test_at_edge_values_are_usage_errors(cli_env: dict[str, str], vf: VaultFile, bad: str) -> None:
    add_totp(cli_env, "A", SEED)
    res = run_rvault(["totp", "A", "--at", bad], cli_env)
    assert res.returncode == 2, res.stderr
    no_trace(res)


@pytest.mark.slow
def test_totp_of_a_non_totp_entry(cli_env: dict[str, str], vf: VaultFile) -> None:
    res = run_rvault(["add", "Key", "--kind", "recovery-key"], cli_env, stdin="ABCD-EFGH-IJKL\n")
    assert res.returncode == 0, res.stderr
    res = run_rvault(["totp", "Key"], cli_env)
    assert res.returncode == 65
    assert "not totp" in res.stderr
    assert "ABCD" not in res.stdout + res.stderr
    assert run_rvault(["totp", "Nobody"], cli_env).returncode == 66


def test_unusable_stored_seed_gets_a_hint(cli_env: dict[str, str], vf: VaultFile) -> None:
    vf.add(PASSPHRASE, Entry("Broken", "totp", "ABC"))  # 15 bits: a character was lost
    res = run_rvault(["totp", "Broken"], cli_env)
    assert res.returncode == 65, res.stderr
    assert "unusable" in res.stderr
    assert "rvault edit 'Broken' --secret" in res.stderr
    assert res.stdout == ""
    no_trace(res)


@pytest.mark.slow
def test_totp_never_prints_the_seed(cli_env: dict[str, str], vf: VaultFile) -> None:
    add_totp(cli_env, "Quiet", SEED.lower())
    for args in (["totp", "Quiet"], ["totp", "Quiet", "--at", "59"]):
        res = run_rvault(args, cli_env)
        assert res.returncode == 0, res.stderr
        both = (res.stdout + res.stderr).upper().replace(" ", "")
        assert SEED not in both
        assert SEED[:16] not in both
        assert "OTPAUTH" not in both


# --- show --qr / --png ----------------------------------------------------------------------

# qrcode's print_ascii draws two module rows per line. Without a terminal rvault prints
# plain block characters, so the ink marks the dark modules, as on paper or a light theme:
# '█' = both dark, '▀' = top dark, '▄' = bottom dark, no ink (NBSP/space) = both light.
INK_TOP = {"█", "▀"}
INK_BOTTOM = {"█", "▄"}
NO_INK = {"\xa0", " "}


def terminal_qr_image(text: str, scale: int = 8) -> Image.Image:
    """Rebuild the module grid of a printed QR code as a black-on-white image."""
    lines = [line for line in text.split("\n") if line]
    assert lines and len({len(line) for line in lines}) == 1, "ragged QR output"
    assert set("".join(lines)) <= INK_TOP | INK_BOTTOM | NO_INK
    width, height = len(lines[0]), 2 * len(lines)
    img = Image.new("L", (width, height), 255)  # unset = light, like paper
    for y, line in enumerate(lines):
        for x, char in enumerate(line):
            img.putpixel((x, 2 * y), 0 if char in INK_TOP else 255)
            img.putpixel((x, 2 * y + 1), 0 if char in INK_BOTTOM else 255)
    return img.resize((width * scale, height * scale), Image.Resampling.NEAREST)


def read_qr(img: Image.Image) -> str:
    found = zxingcpp.read_barcodes(
        img, formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False, try_rotate=False
    )
    assert len(found) == 1, found
    return found[0].text


QR_CASES = [
    # name, stdin, options, expected account
    (
        "ACME",
        f"otpauth://totp/ACME%20Co:jo@example.org?secret={SEED}&issuer=ACME%20Co",
        [],
        OtpAccount(SEED, OtpSettings(), "ACME Co", "jo@example.org"),
    ),
    (
        "Wide",
        OTHER_SEED,
        ["--algorithm=SHA256", "--digits=8", "--period=60", "--issuer=Bank", "--account=me"],
        OtpAccount(OTHER_SEED, OtpSettings("SHA256", 8, 60), "Bank", "me"),
    ),
    # No issuer or account: the entry's name labels the link.
    ("Plain", SEED, [], OtpAccount(SEED, OtpSettings(), None, "Plain")),
]


@pytest.mark.parametrize(("name", "text", "options", "expected"), QR_CASES)
def test_show_qr_decodes_to_the_entry(
    cli_env: dict[str, str],
    vf: VaultFile,
    name: str,
    text: str,
    options: list[str],
    expected: OtpAccount,
) -> None:
    add_totp(cli_env, name, text, *options)
    res = run_rvault(["show", name, "--qr"], cli_env)
    assert res.returncode == 0, res.stderr
    assert "\x1b[" not in res.stdout  # no colour codes into a pipe
    link = read_qr(terminal_qr_image(res.stdout))
    assert parse_uri(link) == expected
    assert link == to_uri(expected, name=name)
    assert "Scan this" in res.stderr
    assert expected.secret not in res.stderr


@pytest.mark.slow
def test_show_png(cli_env: dict[str, str], vf: VaultFile, tmp_path: Path) -> None:
    link = f"otpauth://totp/Bank:me?secret={OTHER_SEED}&issuer=Bank&algorithm=SHA512&digits=8"
    add_totp(cli_env, "Bank", link)
    png = tmp_path / "bank.png"
    res = run_rvault(["show", "Bank", "--png", str(png)], cli_env)
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE(png.stat().st_mode) == 0o600
    assert "plain form" in res.stderr  # the warning to delete it
    for stream in (res.stdout, res.stderr):
        assert OTHER_SEED not in stream
        assert "otpauth" not in stream
    assert res.stdout == ""
    with Image.open(png) as img:
        decoded = read_qr(img.convert("L"))
    assert parse_uri(decoded) == parse_uri(link)
    qr = run_rvault(["show", "Bank", "--qr"], cli_env)
    assert read_qr(terminal_qr_image(qr.stdout)) == decoded  # the same link either way

    # An existing file is kept unless --force; with --force it is replaced, still 0600.
    png.write_bytes(b"not a png")
    png.chmod(0o644)
    res = run_rvault(["show", "Bank", "--png", str(png)], cli_env)
    assert res.returncode == 73, res.stderr
    assert "--force" in res.stderr
    assert png.read_bytes() == b"not a png"
    res = run_rvault(["show", "Bank", "--png", str(png), "--force"], cli_env)
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE(png.stat().st_mode) == 0o600
    with Image.open(png) as img:
        assert read_qr(img.convert("L")) == decoded


@pytest.mark.slow
def test_png_round_trips_through_import(
    cli_env: dict[str, str], vf: VaultFile, tmp_path: Path
) -> None:
    add_totp(
        cli_env,
        "Orig",
        OTHER_SEED,
        *["--algorithm", "SHA256", "--digits", "8", "--period", "45"],
        *["--issuer", "Example: Inc", "--account", "alice@example.com"],
    )
    png = tmp_path / "orig.png"
    assert run_rvault(["show", "Orig", "--png", str(png)], cli_env).returncode == 0
    second = VaultFile(tmp_path / "second.rvault", lock_timeout=5)
    second.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    res = run_rvault(["import", str(png), "--yes", "--vault", str(second.path)], cli_env)
    assert res.returncode == 0, res.stderr
    assert OTHER_SEED not in res.stdout + res.stderr
    (imported,) = second.load(PASSPHRASE).entries
    original = entry(vf, "Orig")
    assert imported.kind == "totp"
    assert imported.secret == original.secret == OTHER_SEED
    assert imported.otp == original.otp == OtpSettings("SHA256", 8, 45)
    assert (imported.issuer, imported.account) == ("Example: Inc", "alice@example.com")


@pytest.mark.slow
def test_qr_and_png_need_a_totp_entry(
    cli_env: dict[str, str], vf: VaultFile, tmp_path: Path
) -> None:
    res = run_rvault(["add", "Note", "--kind", "note"], cli_env, stdin="hello\n")
    assert res.returncode == 0, res.stderr
    png = tmp_path / "note.png"
    for args in (["--qr"], ["--png", str(png)]):
        res = run_rvault(["show", "Note", *args], cli_env)
        assert res.returncode == 2, res.stderr
        assert "hello" not in res.stdout
    assert not png.exists()
    add_totp(cli_env, "T", SEED)
    res = run_rvault(["show", "T", "--qr", "--json"], cli_env)
    assert res.returncode == 2
    assert res.stdout == ""


# --- add / edit / show ----------------------------------------------------------------------

LINK_512 = f"otpauth://totp/Corp:bob?secret={SEED}&issuer=Corp&algorithm=SHA512&digits=8&period=60"


@pytest.mark.slow
def test_add_keeps_the_links_settings(cli_env: dict[str, str], vf: VaultFile) -> None:
    res = run_rvault(["add", "Corp", "--kind", "totp"], cli_env, stdin=LINK_512 + "\n")
    assert res.returncode == 0, res.stderr
    assert "SHA512, 8 digits, 60 s" in res.stderr
    e = entry(vf, "Corp")
    assert (e.secret, e.otp, e.issuer, e.account) == (
        SEED,
        OtpSettings("SHA512", 8, 60),
        "Corp",
        "bob",
    )
    show = run_rvault(["show", "Corp"], cli_env)
    assert show.returncode == 0, show.stderr
    assert "  codes: SHA512, 8 digits, 60 s\n" in show.stdout
    res = run_rvault(["totp", "Corp", "--at", "59"], cli_env)
    assert res.stdout.strip() == totp(SEED, OtpSettings("SHA512", 8, 60), 59)
    assert "Corp: valid for 1 more second." in res.stderr


def test_add_options_override_the_link(cli_env: dict[str, str], vf: VaultFile) -> None:
    add_totp(cli_env, "All", LINK_512, "--algorithm", "sha1", "--digits", "6", "--period", "30")
    assert entry(vf, "All").otp == OtpSettings("SHA1", 6, 30)


def test_add_one_option_keeps_the_links_other_settings(
    cli_env: dict[str, str], vf: VaultFile
) -> None:
    add_totp(cli_env, "One", LINK_512, "--digits", "6")
    assert entry(vf, "One").otp == OtpSettings("SHA512", 6, 60)


def test_add_options_on_a_bare_seed(cli_env: dict[str, str], vf: VaultFile) -> None:
    add_totp(cli_env, "Bare", SEED, "--period", "60")
    assert entry(vf, "Bare").otp == OtpSettings("SHA1", 6, 60)
    show = run_rvault(["show", "Bare"], cli_env)
    assert "  codes: SHA1, 6 digits, 60 s\n" in show.stdout


@pytest.mark.parametrize(
    "options",
    [["--digits", "7"], ["--algorithm", "MD5"], ["--period", "0"], ["--period", "3601"]],
)
def test_add_rejects_unsupported_settings(
    cli_env: dict[str, str], vf: VaultFile, options: list[str]
) -> None:
    res = run_rvault(["add", "X", "--kind", "totp", *options], cli_env, stdin=SEED + "\n")
    assert res.returncode == 2, res.stderr
    assert not vf.load(PASSPHRASE).has("X")


@pytest.mark.parametrize(
    ("seed", "reason"),
    [
        ("JBSW Y3DP EHPK 3PX!", "not base32"),
        ("JBSWY3DP1", "not base32"),  # 1 is not a base32 digit
        ("ABC", "not a whole number of bytes"),
        ("JBSWY3DPE", "not a whole number of bytes"),
        (f"otpauth://totp/x?secret={SEED}&digits=7", "7 digits"),
        (f"otpauth://hotp/x?secret={SEED}&counter=1", "HOTP"),
    ],
)
def test_add_rejects_bad_seeds(
    cli_env: dict[str, str], vf: VaultFile, seed: str, reason: str
) -> None:
    res = run_rvault(["add", "Bad", "--kind", "totp"], cli_env, stdin=seed + "\n")
    assert res.returncode == 65, res.stderr
    assert reason in res.stderr
    no_trace(res)
    assert not vf.load(PASSPHRASE).has("Bad")


def test_short_seed_is_accepted_with_a_warning(cli_env: dict[str, str], vf: VaultFile) -> None:
    res = run_rvault(["add", "Short", "--kind", "totp"], cli_env, stdin="JBSWY3DP\n")
    assert res.returncode == 0, res.stderr
    assert "warning: a 40-bit seed is shorter than services issue" in res.stderr
    assert entry(vf, "Short").secret == "JBSWY3DP"
    res = run_rvault(["add", "Normal", "--kind", "totp"], cli_env, stdin=SEED + "\n")
    assert "warning" not in res.stderr


@pytest.mark.slow
def test_edit_digits_changes_only_the_digits(cli_env: dict[str, str], vf: VaultFile) -> None:
    add_totp(cli_env, "E", SEED, "--algorithm", "SHA256", "--period", "60", "--issuer", "Iss")
    before = entry(vf, "E")
    res = run_rvault(["edit", "E", "--digits", "8"], cli_env)
    assert res.returncode == 0, res.stderr
    after = entry(vf, "E")
    assert after.otp == OtpSettings("SHA256", 8, 60)
    assert (after.secret, after.issuer, after.account, after.id) == (
        before.secret,
        before.issuer,
        before.account,
        before.id,
    )
    assert "  codes: SHA256, 8 digits, 60 s" in run_rvault(["show", "E"], cli_env).stdout


@pytest.mark.slow
def test_edit_secret_with_a_link_sets_seed_and_settings(
    cli_env: dict[str, str], vf: VaultFile
) -> None:
    add_totp(cli_env, "E", SEED)
    res = run_rvault(["edit", "E", "--secret"], cli_env, stdin=LINK_512.replace(SEED, OTHER_SEED))
    assert res.returncode == 0, res.stderr
    e = entry(vf, "E")
    assert (e.secret, e.otp) == (OTHER_SEED, OtpSettings("SHA512", 8, 60))
    # A bare seed keeps the settings; options still override a link's.
    res = run_rvault(["edit", "E", "--secret"], cli_env, stdin=SEED.lower() + "\n")
    assert res.returncode == 0, res.stderr
    assert (entry(vf, "E").secret, entry(vf, "E").otp) == (SEED, OtpSettings("SHA512", 8, 60))
    res = run_rvault(["edit", "E", "--secret", "--period", "30"], cli_env, stdin=LINK_512)
    assert res.returncode == 0, res.stderr
    assert entry(vf, "E").otp == OtpSettings("SHA512", 8, 30)


def test_edit_secret_rejects_a_bad_seed(cli_env: dict[str, str], vf: VaultFile) -> None:
    add_totp(cli_env, "E", SEED)
    res = run_rvault(["edit", "E", "--secret"], cli_env, stdin="ABC\n")
    assert res.returncode == 65, res.stderr
    assert entry(vf, "E").secret == SEED
    no_trace(res)


@pytest.mark.slow
def test_otp_options_on_backup_codes_are_refused(
    cli_env: dict[str, str], vf: VaultFile, vault_path: Path
) -> None:
    codes = "aaaa-bbbb\ncccc-dddd\neeee-ffff\n"
    res = run_rvault(["add", "Codes", "--kind", "backup-codes", "--digits", "8"], cli_env, codes)
    assert res.returncode == 2, res.stderr
    assert not vf.load(PASSPHRASE).has("Codes")
    res = run_rvault(["add", "Codes", "--kind", "backup-codes"], cli_env, codes)
    assert res.returncode == 0, res.stderr
    saved = vault_path.read_bytes()
    for options in (["--digits", "8"], ["--algorithm", "SHA256"], ["--period", "60"]):
        res = run_rvault(["edit", "Codes", *options], cli_env)
        assert res.returncode == 2, (options, res.stderr)
        assert "totp" in res.stderr
    assert vault_path.read_bytes() == saved
    assert "  codes: " not in run_rvault(["show", "Codes"], cli_env).stdout


# --- issue 12: hardening from the adversarial review (in-process, vault bytes checked) -----


def one_error_line(res: Run, code: int, *words: str) -> None:
    """Exit `code` with one error line (maybe a hint), no traceback, nothing on stdout."""
    assert res.code == code, res.stderr
    assert res.stdout == ""
    lines = res.error_lines
    assert lines and lines == res.stderr.splitlines()[-len(lines) :], res.stderr
    assert all(line.startswith("hint: ") for line in lines[1:]), res.stderr
    assert "unexpected error" not in res.stderr and "Traceback" not in res.stderr
    for word in words:
        assert word in lines[0], (word, res.stderr)


@pytest.fixture
def with_seed(vf: VaultFile, passphrase_file: Path) -> VaultFile:
    """The test vault holding one totp entry, 'A'."""
    res = in_process(vf.path, passphrase_file)("add", "A", "--kind", "totp", stdin=SEED + "\n")
    assert res.code == 0, res.stderr
    return vf


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("1e400", ["cannot read the time"]),
        ("9" * 400, ["after the year 9999"]),  # float(int()) -> OverflowError
        ("9" * 5000, ["after the year 9999"]),  # int() refuses 4,300+ digits
        ("1" + "0" * 12, ["after the year 9999"]),
        ("\udcff", ["cannot read the time"]),  # an undecodable byte in argv
    ],
    ids=["1e400", "400-digits", "5000-digits", "13-digits", "surrogate"],
)
def test_at_out_of_range_is_a_usage_error(
    with_seed: VaultFile, passphrase_file: Path, bad: str, words: list[str]
) -> None:
    before = with_seed.path.read_bytes()
    res = in_process(with_seed.path, passphrase_file)("totp", "A", "--at", bad)
    one_error_line(res, 2, *words)
    assert len(res.stderr) < 300  # a long number is not echoed whole
    assert with_seed.path.read_bytes() == before


def test_at_with_leading_zeros_is_still_a_time(with_seed: VaultFile, passphrase_file: Path) -> None:
    res = in_process(with_seed.path, passphrase_file)("totp", "A", "--at", "0" * 5000 + "59")
    assert res.code == 0, res.stderr
    assert res.stdout.strip() == totp(SEED, OtpSettings(), 59)


ADD_BAD_TEXT = [
    pytest.param(["--kind", "totp", "--account", "\udcff"], SEED, "account", id="account"),
    pytest.param(["--kind", "totp", "--issuer", "a\udcffb"], SEED, "issuer", id="issuer"),
    pytest.param(["--kind", "note", "--notes", "\udcff"], "secret", "notes", id="notes"),
    pytest.param(["--kind", "note", "--url", "\udcff"], "secret", "url", id="url"),
    pytest.param(["--kind", "totp", "--tag", "\udcff"], SEED, "tag", id="tag"),
    pytest.param(["--kind", "note"], b"my note \xff\n", "note is not UTF-8", id="stdin-note"),
    pytest.param(
        ["--kind", "recovery-key"], b"\xffABCD-1234-EFGH-5678\n", "not UTF-8", id="stdin-key"
    ),
    pytest.param(["--kind", "totp"], SEED.encode() + b"\xff\n", "", id="stdin-totp"),
    pytest.param(
        ["--kind", "totp"],
        f"otpauth://totp/E:a?secret={SEED}&digits={'9' * 5000}\n",
        "not a plausible value",
        id="link-digits",
    ),
    pytest.param(
        ["--kind", "totp"],
        f"otpauth://totp/E:a?secret={SEED}&period={'9' * 400}\n",
        "not a plausible value",
        id="link-period",
    ),
]


@pytest.mark.parametrize(("options", "stdin", "word"), ADD_BAD_TEXT)
def test_add_with_bad_text_exits_65(
    vf: VaultFile, passphrase_file: Path, options: list[str], stdin: str | bytes, word: str
) -> None:
    before = vf.path.read_bytes()
    res = in_process(vf.path, passphrase_file)("add", "X", *options, stdin=stdin)
    one_error_line(res, 65, word)
    assert len(res.stderr) < 400
    assert vf.path.read_bytes() == before


@pytest.mark.parametrize(
    "options",
    [["--account", "\udcff"], ["--tag", "\udcff"], ["--notes", "x\udcff"]],
    ids=["account", "tag", "notes"],
)
def test_edit_with_bad_text_exits_65(
    with_seed: VaultFile, passphrase_file: Path, options: list[str]
) -> None:
    before = with_seed.path.read_bytes()
    res = in_process(with_seed.path, passphrase_file)("edit", "A", *options)
    one_error_line(res, 65, "not valid UTF-8 text")
    assert with_seed.path.read_bytes() == before


def test_undecodable_stdin_in_a_real_process_exits_65(
    cli_env: dict[str, str], vf: VaultFile
) -> None:
    # A real stdin decodes with surrogateescape under a C or UTF-8 locale: no decode error,
    # but lone surrogates that only fail when the payload is encoded.
    before = vf.path.read_bytes()
    res = subprocess.run(
        [sys.executable, "-m", "vault", "add", "N", "--kind", "note"],
        input=b"my note \xff\n",
        capture_output=True,
        env={**cli_env, "LC_ALL": "C.UTF-8"},
        start_new_session=True,
        timeout=120,
    )
    stderr = res.stderr.decode()
    assert res.returncode == 65, stderr
    assert stderr.splitlines() == ["rvault: error: the secret is not valid UTF-8 text"]
    assert "my note" not in stderr
    assert vf.path.read_bytes() == before
