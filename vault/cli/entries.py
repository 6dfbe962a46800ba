"""`rvault` commands for entries: add, list, show, use, edit, rm, review and log.

Registered on the `rvault` group defined in vault.cli, like vault.cli_paper and vault.cli_totp.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from vault.cli._shared import STDIN, Options, common, emit_json, options, say, warn
from vault.errors import InvalidData, StorageError, UsageProblem
from vault.policy import KINDS, Kind
from vault.prompts import read_secret

if TYPE_CHECKING:
    from vault.entry import Entry, UsedCode


otp_options = options(  # --algorithm, --digits and --period, for totp entries
    click.option(
        "--algorithm",
        type=click.Choice(["SHA1", "SHA256", "SHA512"], case_sensitive=False),
        help="TOTP hash [default: SHA1, or the link's].",
    ),
    click.option(
        "--digits",
        type=click.Choice(["6", "8"]),
        help="TOTP code length [default: 6, or the link's].",
    ),
    click.option(
        "--period",
        type=click.IntRange(1, 3600),
        metavar="SECONDS",
        help="TOTP period [default: 30, or the link's].",
    ),
)


@click.command()
@common
@click.argument("name")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="What the secret is.")
@click.option("--account", help="Account or user name at the service.")
@click.option("--issuer", help="The service (e.g. GitHub).")
@click.option("--url", help="Where the codes are used.")
@click.option("--notes", help="Free text, not secret (use --kind note for secret text).")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--from-file", metavar="PATH", help="Read the secret from PATH ('-' = stdin).")
@click.option("--editor", is_flag=True, help="Type the secret in $EDITOR (temp file in RAM).")
@otp_options
@click.pass_obj
def add(
    opts: Options,
    name: str,
    kind: Kind,  # click.Choice(KINDS) admits only these
    account: str | None,
    issuer: str | None,
    url: str | None,
    notes: str | None,
    tags: tuple[str, ...],
    from_file: str | None,
    editor: bool,
    algorithm: str | None,
    digits: str | None,
    period: int | None,
) -> None:
    """Add an entry; the secret comes from stdin, a file, $EDITOR or a hidden prompt.

    A totp secret may be the bare base32 seed or the service's otpauth:// link.
    """
    from vault.cli.totp import fill_totp, refuse_otp_options
    from vault.entry import Entry

    refuse_otp_options(kind, algorithm, digits, period)
    vf = opts.existing_vault()
    _stdin_once(from_file, editor, opts)
    entry = Entry(
        name=name,
        kind=kind,
        account=account,
        issuer=issuer,
        url=url,
        notes=notes,
        tags=list(dict.fromkeys(tags)),
    )
    text = _read_secret(from_file, editor, _secret_word(kind), multiline=kind != "totp")
    if kind == "totp":
        fill_totp(entry, text, algorithm, digits, period)
    else:
        _fill_secret(entry, text)
    entry = vf.add(opts.passphrase(), entry)
    say(f"Added {entry.name!r} ({_status(entry) or entry.kind}).")


def _read_secret(from_file: str | None, editor: bool, what: str, multiline: bool) -> str:
    """read_secret, with undecodable bytes reported as bad input rather than a crash."""
    try:
        return read_secret(from_file, editor, what, multiline)
    except UnicodeDecodeError:
        # A piped stdin is decoded strictly under some locales (and by the editor's file).
        raise InvalidData(f"the {what} is not UTF-8 text") from None


def _secret_word(kind: str) -> str:
    return {
        "backup-codes": "backup codes",
        "recovery-key": "recovery key",
        "totp": "TOTP secret",
        "note": "note",
    }[kind]


def _fill_secret(entry: Entry, text: str) -> None:
    """Parse pasted text into the entry and tell the person what was found."""
    from vault.codes import parse_recovery_key
    from vault.entry import BackupCode

    if entry.kind == "backup-codes":
        entry.codes = [BackupCode(c) for c in _found_codes(text)]
    elif entry.kind == "recovery-key":
        key = parse_recovery_key(text)
        entry.secret = key.value
        say(f"Found a {key.shape or 'recovery key'} ({len(key.value)} characters).")
        for w in key.warnings:
            warn(w)
    else:
        entry.secret = text.strip("\n")


def _stdin_once(from_file: str | None, editor: bool, opts: Options) -> None:
    reads_stdin = from_file == STDIN or (
        from_file is None and not editor and not sys.stdin.isatty()
    )
    if reads_stdin and opts.passphrase_file == STDIN:
        raise UsageProblem(
            "the secret and the passphrase cannot both come from stdin",
            hint="put the passphrase in a file and use --passphrase-file",
        )


def _status(entry: Entry) -> str:
    if entry.kind != "backup-codes":
        return ""
    return f"{entry.remaining()} of {len(entry.codes)} codes left"


@click.command(name="list")
@common
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(opts: Options, as_json: bool) -> None:
    """List entries (names, kinds, codes left; never secret values)."""
    entries = opts.existing_vault().load(opts.passphrase()).entries
    if as_json:
        emit_json([e.summary() for e in entries])
        return
    if not entries:
        say("The vault is empty. Add an entry with 'rvault add NAME --kind KIND'.")
        return
    rows = [(e.name, e.kind, e.account or "", _status(e)) for e in entries]
    rows.sort(key=lambda r: r[0].casefold())
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)] + [row[3]]
        lines.append("  ".join(cells).rstrip())
    click.echo("\n".join(lines))


@click.command()
@common
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--qr", is_flag=True, help="TOTP: show the otpauth:// QR code for a new app.")
@click.option("--png", metavar="FILE", help="TOTP: write that QR code to FILE (0600) instead.")
@click.option("--force", is_flag=True, help="With --png, replace an existing FILE.")
@click.pass_obj
def show(opts: Options, name: str, as_json: bool, qr: bool, png: str | None, force: bool) -> None:
    """Reveal an entry, secret included."""
    if as_json and (qr or png):
        raise UsageProblem("--json cannot be combined with --qr or --png")
    entry = opts.existing_vault().load(opts.passphrase()).get(name)
    if qr or png:
        from vault.cli.totp import show_qr

        show_qr(entry, png, force)
        return
    if as_json:
        emit_json(entry.to_json())
        return
    click.echo(f"{entry.name} ({entry.kind})")
    for key in ("account", "issuer", "url", "notes"):
        if getattr(entry, key):
            click.echo(f"  {key}: {getattr(entry, key)}")
    if entry.tags:
        click.echo(f"  tags: {', '.join(entry.tags)}")
    if entry.otp:
        click.echo(f"  codes: {entry.otp.describe()}")
    if entry.kind == "backup-codes":
        click.echo(f"  {_status(entry)}:")
        for i, c in enumerate(entry.codes, 1):
            mark = f"used {c.used_at}" if c.used else ""
            click.echo(f"  {i:>3}. {c.code}  {mark}".rstrip())
    else:
        click.echo(entry.secret)


@click.command()
@common
@click.argument("name")
@click.pass_obj
def use(opts: Options, name: str) -> None:
    """Print the next unused backup code and mark it used."""
    if sys.stdout is None or sys.stdout.closed:
        raise UsageProblem("stdout is closed: the code could not be shown, so none was used")
    vf = opts.existing_vault()
    used = vf.use_code(opts.passphrase(), name, reveal=_print_backup_code)
    say(f"Marked used: {used.remaining} of {used.total} codes left for {used.entry!r}.")
    from vault.check import LOW_CODES

    if used.remaining < LOW_CODES:
        warn(f"only {used.remaining} unused codes left; generate new ones at the service")


def _print_backup_code(used: UsedCode) -> None:
    try:
        click.echo(used.code)
        sys.stdout.flush()
    except OSError as exc:
        raise StorageError(
            f"could not print the code ({exc.strerror}); it was not marked used", hint=""
        ) from None


@click.command()
@common
@click.argument("name")
@click.option("--rename", "new_name", metavar="NEW", help="Give the entry a new name.")
@click.option("--account", help="Set the account ('' clears).")
@click.option("--issuer", help="Set the issuer ('' clears).")
@click.option("--url", help="Set the URL ('' clears).")
@click.option("--notes", help="Set the notes ('' clears).")
@click.option("--tag", "add_tags", multiple=True, help="Add a tag (repeatable).")
@click.option("--untag", "remove_tags", multiple=True, help="Remove a tag (repeatable).")
@click.option("--secret", "new_secret", is_flag=True, help="Replace the secret (read like add).")
@click.option("--codes", "new_codes", is_flag=True, help="Replace all backup codes with new ones.")
@click.option("--add-codes", is_flag=True, help="Append backup codes, keeping the old ones.")
@click.option("--mark-used", type=int, metavar="N", help="Mark code number N used.")
@click.option("--mark-unused", type=int, metavar="N", help="Mark code number N unused.")
@click.option("--from-file", metavar="PATH", help="Read the new secret/codes from PATH.")
@click.option("--editor", is_flag=True, help="Type the new secret/codes in $EDITOR.")
@otp_options
@click.pass_obj
def edit(
    opts: Options,
    name: str,
    new_name: str | None,
    account: str | None,
    issuer: str | None,
    url: str | None,
    notes: str | None,
    add_tags: tuple[str, ...],
    remove_tags: tuple[str, ...],
    new_secret: bool,
    new_codes: bool,
    add_codes: bool,
    mark_used: int | None,
    mark_unused: int | None,
    from_file: str | None,
    editor: bool,
    algorithm: str | None,
    digits: str | None,
    period: int | None,
) -> None:
    """Change an entry's name, details, secret, TOTP settings or codes."""
    fields = {"account": account, "issuer": issuer, "url": url, "notes": notes}
    reading = sum([new_secret, new_codes, add_codes])
    if reading > 1:
        raise UsageProblem("choose one of --secret, --codes and --add-codes")
    marks = [(n, used) for n, used in ((mark_used, True), (mark_unused, False)) if n is not None]
    changes = [new_name, add_tags, remove_tags, marks, algorithm, digits, period]
    if not (reading or any(changes) or any(v is not None for v in fields.values())):
        raise UsageProblem("nothing to change", hint="see 'rvault edit --help'")
    vf = opts.existing_vault()
    text, codes = None, None
    if reading:
        _stdin_once(from_file, editor, opts)
        text = _read_secret(from_file, editor, "new value", multiline=True)
        if not new_secret:
            codes = _found_codes(text)
    from vault.cli.totp import refuse_otp_options

    with vf.edit(opts.passphrase()) as v:
        refuse_otp_options(v.get(name).kind, algorithm, digits, period)
        entry = v.update(
            name,
            new_name=new_name,
            fields=fields,
            add_tags=add_tags,
            remove_tags=remove_tags,
            secret=text if new_secret else None,
            add_codes=codes,
            replace_codes=new_codes,
            otp_changes=(algorithm, digits, period),
        )
        for number, used in marks:
            v.set_used(entry.name, number, used)
    say(f"Updated {entry.name!r}{' (' + _status(entry) + ')' if _status(entry) else ''}.")


def _found_codes(text: str) -> list[str]:
    """The backup codes in pasted text, said aloud (before any passphrase is asked for)."""
    from vault.codes import parse_backup_codes

    codes = parse_backup_codes(text)
    say(f"Found {len(codes)} backup codes.")
    return codes


@click.command()
@common
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def rm(opts: Options, name: str, yes: bool) -> None:
    """Delete an entry (the previous vault stays in <vault>.bak until the next save)."""
    if not yes:
        if not sys.stdin.isatty():
            raise UsageProblem(
                f"refusing to delete {name!r} without confirmation", hint="pass --yes"
            )
        click.confirm(f"Delete {name!r}?", abort=True, err=True)
    entry = opts.existing_vault().remove(opts.passphrase(), name)
    say(f"Deleted {entry.name!r}.")


@click.command()
@common
@click.argument("name")
@click.pass_obj
def review(opts: Options, name: str) -> None:
    """Mark an entry reviewed (its details are still right); `check` asks for this yearly."""
    entry = opts.existing_vault().review(opts.passphrase(), name)
    say(f"Marked {entry.name!r} reviewed.")


@click.command()
@common
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def log(opts: Options, name: str | None, as_json: bool) -> None:
    """Show the history of entries (created, changed, codes used; never a secret value)."""
    events = opts.existing_vault().load(opts.passphrase()).log(name)
    if as_json:
        emit_json(events)
    elif not events:
        say("No history recorded yet.")
    for e in [] if as_json else events:
        fields = f" ({e['fields']})" if e["fields"] else ""
        click.echo(f"{e['at']}  {e['event']:<11}  {e['name']}{fields}")


COMMANDS = (add, list_, show, use, edit, rm, review, log)
