"""`rvault` commands for TOTP: codes in an emergency, authenticator imports, and QR for apps.

Registered on the `rvault` group defined in vault.cli, like vault.cli_paper.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import click

from vault.cli._shared import STDIN, Options, common, confirm_on_tty, say, warn
from vault.errors import InvalidData, UsageProblem

LATEST_TIME = 253402300799  # 9999-12-31T23:59:59Z, the last time the date form can give

if TYPE_CHECKING:
    from vault.entry import Entry
    from vault.model import Vault
    from vault.otp.imports import Planned, Skipped


def fill_totp(
    entry: Entry, text: str, algorithm: str | None, digits: str | None, period: int | None
) -> None:
    """Put a pasted seed (bare base32 or otpauth:// link) into a totp entry and report it.

    Options given on the command line override the link's settings one by one.
    """
    from vault.otp.links import parse_input
    from vault.otp.totp import secret_bytes, secret_is_short

    found = parse_input(text)
    entry.secret = found.secret
    entry.otp = found.settings.with_changes(algorithm, digits, period)
    entry.issuer = entry.issuer or found.issuer
    entry.account = entry.account or found.account
    bits = len(secret_bytes(found.secret)) * 8
    say(f"Found a TOTP seed ({bits} bits; {entry.otp.describe()}).")
    if secret_is_short(found.secret):
        warn(f"a {bits}-bit seed is shorter than services issue; check it was copied whole")


def refuse_otp_options(
    kind: str, algorithm: str | None, digits: str | None, period: int | None
) -> None:
    """--algorithm/--digits/--period make sense only for totp entries."""
    if kind != "totp" and any(v is not None for v in (algorithm, digits, period)):
        raise UsageProblem("--algorithm, --digits and --period are for totp entries")


@click.command(name="totp")
@common
@click.argument("name")
@click.option("--watch", is_flag=True, help="Keep showing the code as it changes (Ctrl-C stops).")
@click.option(
    "--at",
    "at",
    metavar="TIME",
    help="Make the code for this time (Unix seconds or YYYY-MM-DDTHH:MM:SSZ), not the clock's.",
)
@click.pass_obj
def totp_(opts: Options, name: str, watch: bool, at: str | None) -> None:
    """Print the current TOTP code of an entry and how many seconds it stays valid."""
    from vault.entry import parse_stamp
    from vault.otp.totp import (
        CLOCK_ADVICE,
        CLOCK_WARNING,
        clock_warnings,
        kernel_clock_synced,
        secret_bytes,
    )

    if watch and at is not None:
        raise UsageProblem("--watch follows the clock; it cannot be used with --at")
    when = _parse_at(at) if at is not None else None
    vault = opts.existing_vault().load(opts.passphrase())
    entry = _totp_entry(vault, name)
    try:
        secret_bytes(entry.secret)
    except InvalidData as exc:
        raise InvalidData(
            f"the seed stored in {entry.name!r} is unusable: {exc.message}",
            hint=f"replace it with 'rvault edit {entry.name!r} --secret'",
        ) from None
    if when is None:
        latest = vault.latest_time()
        problems = clock_warnings(
            time.time(), parse_stamp(latest).timestamp() if latest else None, kernel_clock_synced()
        )
        if problems:
            # Codes are refused when the clock is more than about 30 s off.
            advice = CLOCK_ADVICE.replace(
                "NAME", f'"{entry.name}"' if " " in entry.name else entry.name
            )
            warn(f"{CLOCK_WARNING} ({'; '.join(problems)}).")
            click.echo(advice, err=True)
    if watch:
        _watch(entry)
    else:
        _print_totp(entry, time.time() if when is None else when)


def _totp_entry(vault: Vault, name: str) -> Entry:
    entry = vault.get(name)
    if entry.kind != "totp":
        raise InvalidData(f"{entry.name!r} is a {entry.kind} entry, not totp")
    return entry


def _parse_at(text: str) -> float:
    from datetime import datetime, timezone

    text = text.strip()
    shown = repr(text) if len(text) <= 40 else f"{text[:30]!r}... ({len(text)} characters)"
    try:
        if text.isascii() and text.isdigit():
            # float(int()) overflows past ~309 digits and int() refuses 4,300+: compare digits.
            if len(text.lstrip("0")) > len(str(LATEST_TIME)):
                raise UsageProblem(f"the time {shown} is after the year 9999")
            value = float(int(text.lstrip("0") or "0"))
        else:
            parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
            value = parsed.replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        raise UsageProblem(
            f"cannot read the time {shown}", hint="give Unix seconds or YYYY-MM-DDTHH:MM:SSZ"
        ) from None
    if value > LATEST_TIME:
        raise UsageProblem(f"the time {shown} is after the year 9999")
    return value


def _print_totp(entry: Entry, when: float) -> None:
    from vault.otp.totp import seconds_left, totp

    assert entry.otp is not None  # totp entries always have settings
    click.echo(totp(entry.secret, entry.otp, when))
    left = seconds_left(entry.otp, when)
    say(f"{entry.name}: valid for {left} more second{'s' * (left != 1)}.")


def _watch(entry: Entry) -> None:
    """Redraw the code each second on a terminal; elsewhere print each new code once."""
    from vault.otp.totp import seconds_left, totp

    assert entry.otp is not None
    tty = sys.stdout.isatty()
    shown = ""
    try:
        while True:
            now = time.time()
            code, left = totp(entry.secret, entry.otp, now), seconds_left(entry.otp, now)
            if tty:
                click.echo(f"\r{code}  {left:>4} s left ", nl=False)
            elif code != shown:
                click.echo(code)
            shown = code
            sys.stdout.flush()
            time.sleep(1 - now % 1 + 0.01)  # just past the next whole second
    except KeyboardInterrupt:
        if tty:
            click.echo("")


def show_qr(entry: Entry, png: str | None, force: bool) -> None:
    """The entry's otpauth:// link as a QR code on the terminal, or as a 0600 PNG file."""
    from vault.otp.links import OtpAccount, to_uri

    if entry.kind != "totp" or entry.otp is None:
        raise UsageProblem(f"--qr and --png are for totp entries; {entry.name!r} is {entry.kind}")
    uri = to_uri(OtpAccount(entry.secret, entry.otp, entry.issuer, entry.account), name=entry.name)
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=8)
    code.add_data(uri)
    code.make(fit=True)
    if png:
        import io

        from vault.fileio import write_private

        buffer = io.BytesIO()
        code.make_image().save(buffer, format="PNG")
        path = write_private(png, buffer.getvalue(), force=force)
        say(f"Wrote {path} (0600).")
        warn(f"{path} holds the seed in plain form: delete it once the app has scanned it")
        return
    # On a terminal, ANSI colours draw black on white whatever its theme. Elsewhere (a file,
    # a pager, paper) the block characters are the dark modules, as ink on a page would be.
    code.print_ascii(out=sys.stdout, tty=sys.stdout.isatty())
    say("Scan this with the new authenticator app, then clear the screen.")


@click.command(name="import")
@common
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--yes", is_flag=True, help="Import without asking for confirmation.")
@click.option("--dry-run", is_flag=True, help="Only show what would be imported.")
@click.option("--tag", "tags", multiple=True, help="Tag every imported entry (repeatable).")
@click.pass_obj
def import_(
    opts: Options, sources: tuple[str, ...], yes: bool, dry_run: bool, tags: tuple[str, ...]
) -> None:
    """Import TOTP accounts: otpauth:// links, QR images, Google, Aegis, 2FAS, Bitwarden.

    SOURCE is a file (a text file of links, a JSON export, or a QR image or screenshot; give
    every image of a multi-part Google Authenticator export) or '-' for stdin: pasted links,
    an export, or a piped image.
    """
    from vault.otp.imports import plan_import, read_sources

    for source in sources:
        if source.lower().startswith(("otpauth:", "otpauth-migration:")):
            raise UsageProblem(
                "a link on the command line ends up in shell history; it was not imported",
                hint="paste it on stdin instead: rvault import -",
            )
    if STDIN in sources and opts.passphrase_file == STDIN:
        raise UsageProblem(
            "the links and the passphrase cannot both come from stdin",
            hint="put the passphrase in a file and use --passphrase-file",
        )
    vf = opts.existing_vault()
    batch = read_sources(sources)  # malformed input fails here, before the passphrase
    if not batch.found and not batch.skipped:
        raise InvalidData("no TOTP accounts found in the input")
    for message in batch.warnings:
        warn(message)
    with vf.edit(opts.passphrase()) as vault:
        planned, duplicates = plan_import(vault, batch, tags)
        _preview(planned, batch.skipped + duplicates)
        if not planned:
            if not duplicates:
                raise InvalidData("nothing to import: rvault cannot hold any of these accounts")
            say("Nothing new to import.")
            return
        if dry_run:
            say("Dry run: nothing was imported.")
            return
        question = f"Import {len(planned)} entr{_ies(len(planned))}?"
        if not yes and not confirm_on_tty(question, "the import"):
            raise click.exceptions.Abort()
        for item in planned:
            vault.add(item.entry)
    say(f"Imported {len(planned)} entr{_ies(len(planned))}.")
    files = [s for s in sources if s != STDIN]
    if files:
        say(
            "The export still holds these seeds unencrypted: delete "
            f"{', '.join(files)} (and empty the trash) once you have checked the import."
        )


def _ies(count: int) -> str:
    return "y" if count == 1 else "ies"


def _preview(planned: list[Planned], skipped: list[Skipped]) -> None:
    if planned:
        say(f"To import ({len(planned)}):")
        rows = [
            (p.entry.name, p.entry.account or "", p.entry.otp.describe() if p.entry.otp else "")
            for p in planned
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(2)]
        for name, account, settings in rows:
            say(f"  {name.ljust(widths[0])}  {account.ljust(widths[1])}  {settings}")
    if skipped:
        say(f"Skipped ({len(skipped)}):")
        width = max(len(s.label) for s in skipped)
        for s in skipped:
            say(f"  {s.label.ljust(width)}  {s.reason}")


COMMANDS = (totp_, import_)
