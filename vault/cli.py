"""The `rvault` command: parse options, get secrets, make one library call, print."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .errors import StorageError, UsageProblem, VaultError
from .policy import DEFAULT_KDF_TARGET_SECONDS, DEFAULT_MEMORY_KIB, DEFAULT_PARALLELISM, KINDS
from .secrets_in import passphrase_from_file, prompt_passphrase, read_secret

if TYPE_CHECKING:
    from .crypto import KdfParams
    from .model import Entry, UsedCode
    from .otp import OtpSettings
    from .store import VaultFile

F = TypeVar("F", bound=Callable[..., Any])
SHORT_PASSPHRASE = 12
STDIN = "-"
INTERACTIVE = "\0interactive"  # --text given without a file


class Options:  # a plain class: importing dataclasses costs ~8 ms of start-up
    """Settings shared by every command (from the group, the command, or the environment)."""

    def __init__(
        self, vault: str | None = None, passphrase_file: str | None = None, debug: bool = False
    ) -> None:
        self.vault = vault
        self.passphrase_file = passphrase_file
        self.debug = debug
        self.opened: list[VaultFile] = []

    def notes(self) -> None:
        """After the command: the one-time note that a change made the printed kit stale."""
        for vf in self.opened:
            if vf.kit_went_stale:
                say(
                    f"note: your printed kit (printed {vf.kit_went_stale}) is now out of date; "
                    "print a new one with 'rvault kit'"
                )

    def vault_file(self) -> VaultFile:
        """The VaultFile chosen by --vault, RVAULT_FILE or the platform default."""
        from .store import VaultFile, default_path

        raw = os.environ.get("RVAULT_LOCK_TIMEOUT", "30")
        try:
            timeout = float(raw)
        except ValueError:
            timeout = math.nan
        if not (math.isfinite(timeout) and timeout >= 0):
            raise UsageProblem(f"RVAULT_LOCK_TIMEOUT must be a number of seconds, not {raw!r}")
        if self.vault == "":
            # An unset shell variable must not silently mean "the default vault".
            raise UsageProblem("--vault (or RVAULT_FILE) is empty")
        vf = VaultFile(self.vault or default_path(), lock_timeout=timeout)
        self.opened.append(vf)
        return vf

    def existing_vault(self) -> VaultFile:
        """The chosen VaultFile, checked to exist before anyone is asked for a passphrase."""
        vf = self.vault_file()
        vf.require()
        return vf

    def passphrase(self, prompt: str = "Passphrase", confirm: bool = False) -> str:
        """The passphrase from --passphrase-file / RVAULT_PASSPHRASE_FILE, else a hidden prompt."""
        if self.passphrase_file:
            return passphrase_from_file(self.passphrase_file)
        return prompt_passphrase(prompt, confirm)


def _set_option(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is not None and param.name:
        setattr(ctx.ensure_object(Options), param.name, value)


def common(f: F) -> F:
    """Accept --vault and --passphrase-file after the command name as well as before it."""
    f = click.option(
        "--passphrase-file",
        expose_value=False,
        callback=_set_option,
        metavar="PATH",
        help="Read the passphrase from the first line of PATH ('-' = stdin).",
    )(f)
    return click.option(
        "--vault",
        expose_value=False,
        callback=_set_option,
        metavar="PATH",
        help="Vault file (default: $RVAULT_FILE, else the user data directory).",
    )(f)


def say(message: str) -> None:
    """A message for the person (stderr), keeping stdout for data."""
    click.echo(message, err=True)


def warn(message: str) -> None:
    """A warning on stderr."""
    click.echo(f"warning: {message}", err=True)


def emit_json(data: Any) -> None:
    """Stable JSON on stdout."""
    import json

    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--vault", envvar="RVAULT_FILE", metavar="PATH", help="Vault file.")
@click.option(
    "--passphrase-file",
    envvar="RVAULT_PASSPHRASE_FILE",
    metavar="PATH",
    help="Read the passphrase from the first line of PATH ('-' = stdin).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.version_option(package_name="recovery-vault", prog_name="rvault")
@click.pass_context
def cli(ctx: click.Context, vault: str | None, passphrase_file: str | None, debug: bool) -> None:
    """rvault: an offline, encrypted home for 2FA backup codes and recovery keys."""
    ctx.obj = Options(vault, passphrase_file, debug)
    # One hook for every command that saves, instead of a note in each of them.
    ctx.call_on_close(ctx.obj.notes)


def kdf_options(f: F) -> F:
    """Options choosing Argon2id costs for a new key slot."""
    for opt in reversed(
        [
            click.option(
                "--kdf-target",
                type=float,
                default=DEFAULT_KDF_TARGET_SECONDS,
                show_default=True,
                metavar="SECONDS",
                help="Calibrate passes so one unlock takes this long.",
            ),
            click.option(
                "--kdf-memory",
                type=click.IntRange(1),
                metavar="MIB",
                help=f"Argon2id memory in MiB [default: {DEFAULT_MEMORY_KIB // 1024}].",
            ),
            click.option(
                "--kdf-time",
                type=click.IntRange(1),
                metavar="N",
                help="Argon2id passes (skips calibration).",
            ),
            click.option(
                "--kdf-parallelism",
                type=click.IntRange(1),
                metavar="N",
                help=f"Argon2id lanes [default: {DEFAULT_PARALLELISM}].",
            ),
            click.option(
                "--weak-kdf",
                is_flag=True,
                help="Allow costs below 64 MiB / 3 passes (tests and demos only).",
            ),
        ]
    ):
        f = opt(f)
    return f


def otp_options(f: F) -> F:
    """--algorithm, --digits and --period, for totp entries."""
    for opt in reversed(
        [
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
        ]
    ):
        f = opt(f)
    return f


def choose_kdf(
    target: float, memory: int | None, passes: int | None, lanes: int | None, weak: bool
) -> KdfParams:
    """Explicit costs where given, calibrated passes otherwise."""
    from .crypto import KdfParams, calibrate

    memory_kib = memory * 1024 if memory else DEFAULT_MEMORY_KIB
    lanes = lanes or DEFAULT_PARALLELISM
    if passes:
        return KdfParams(passes, memory_kib, lanes)
    if not (math.isfinite(target) and target > 0):
        raise UsageProblem("--kdf-target must be a positive number of seconds")
    KdfParams(1, memory_kib, lanes).check_caps()
    say(f"Calibrating key derivation for about {target:g} s per unlock...")
    return calibrate(target, memory_kib, lanes, min_time_cost=1 if weak else 3)


def _check_passphrase_strength(passphrase: str) -> None:
    if len(passphrase) < SHORT_PASSPHRASE:
        warn(
            f"the passphrase is shorter than {SHORT_PASSPHRASE} characters; "
            "four or more random words are much stronger"
        )


@cli.command()
@common
@kdf_options
@click.pass_obj
def init(
    opts: Options,
    kdf_target: float,
    kdf_memory: int | None,
    kdf_time: int | None,
    kdf_parallelism: int | None,
    weak_kdf: bool,
) -> None:
    """Create a new, empty vault."""
    from .errors import AlreadyExists

    vf = opts.vault_file()
    if vf.path.exists():  # before a second of calibration and two passphrase prompts
        raise AlreadyExists(f"a vault already exists at {vf.path}", hint="use --vault PATH")
    kdf = choose_kdf(kdf_target, kdf_memory, kdf_time, kdf_parallelism, weak_kdf)
    if weak_kdf and kdf.below_floor():
        warn(f"weak key derivation ({kdf.describe()}): for tests and demos only")
    passphrase = opts.passphrase("New passphrase", confirm=True)
    _check_passphrase_strength(passphrase)
    info = vf.create(passphrase, kdf, allow_weak=weak_kdf)
    say(f"Created {info['path']} ({kdf.describe()}).")


@cli.command()
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
    kind: str,
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
    from .cli_totp import fill_totp, refuse_otp_options, with_options
    from .model import Entry

    settings = with_options(None, algorithm, digits, period)
    refuse_otp_options(kind, settings)
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
    text = read_secret(from_file, editor, _secret_word(kind), multiline=kind != "totp")
    if kind == "totp":
        fill_totp(entry, text, settings)
    else:
        _fill_secret(entry, text)
    entry = vf.add(opts.passphrase(), entry)
    say(f"Added {entry.name!r} ({_status(entry) or entry.kind}).")


def _secret_word(kind: str) -> str:
    return {
        "backup-codes": "backup codes",
        "recovery-key": "recovery key",
        "totp": "TOTP secret",
        "note": "note",
    }[kind]


def _fill_secret(entry: Entry, text: str) -> None:
    """Parse pasted text into the entry and tell the person what was found."""
    from .codes import parse_backup_codes, parse_recovery_key
    from .model import BackupCode

    if entry.kind == "backup-codes":
        entry.codes = [BackupCode(c) for c in parse_backup_codes(text)]
        say(f"Found {len(entry.codes)} backup codes.")
    elif entry.kind == "recovery-key":
        key = parse_recovery_key(text)
        entry.secret = key.value
        say(f"Found a {key.shape or 'recovery key'} ({len(key.value)} characters).")
        for w in key.warnings:
            warn(w)
    else:
        entry.secret = text.strip("\n")


def _new_secret(entry: Entry, text: str | None) -> tuple[str | None, OtpSettings | None]:
    """A replacement secret for entry (for totp: the seed, and a link's settings if given)."""
    if text is None:
        return None, None
    if entry.kind != "totp":
        return text.strip("\n"), None
    from .otp import parse_input

    found = parse_input(text)
    return found.secret, found.settings if text.strip().lower().startswith("otpauth") else None


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


@cli.command(name="list")
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


@cli.command()
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
        from .cli_totp import show_qr

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


@cli.command()
@common
@click.argument("name")
@click.pass_obj
def use(opts: Options, name: str) -> None:
    """Print the next unused backup code and mark it used."""
    if sys.stdout is None or sys.stdout.closed:
        raise UsageProblem("stdout is closed: the code could not be shown, so none was used")
    vf = opts.existing_vault()
    used = vf.use_code(opts.passphrase(), name, reveal=_print_code)
    say(f"Marked used: {used.remaining} of {used.total} codes left for {used.entry!r}.")
    from .check import LOW_CODES

    if used.remaining < LOW_CODES:
        warn(f"only {used.remaining} unused codes left; generate new ones at the service")


def _print_code(used: UsedCode) -> None:
    try:
        click.echo(used.code)
        sys.stdout.flush()
    except OSError as exc:
        raise StorageError(
            f"could not print the code ({exc.strerror}); it was not marked used", hint=""
        ) from None


@cli.command()
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
    vf = opts.existing_vault()
    reading = sum([new_secret, new_codes, add_codes])
    fields = {"account": account, "issuer": issuer, "url": url, "notes": notes}
    if reading > 1:
        raise UsageProblem("choose one of --secret, --codes and --add-codes")
    if not (
        reading
        or new_name
        or add_tags
        or remove_tags
        or any(v is not None for v in fields.values())
        or mark_used is not None
        or mark_unused is not None
        or algorithm
        or digits
        or period
    ):
        raise UsageProblem("nothing to change", hint="see 'rvault edit --help'")
    codes = None
    text = ""
    if reading:
        from .codes import parse_backup_codes

        _stdin_once(from_file, editor, opts)
        text = read_secret(from_file, editor, "new value", multiline=True)
        if not new_secret:
            codes = parse_backup_codes(text)
            say(f"Found {len(codes)} backup codes.")
    from .cli_totp import refuse_otp_options, with_options

    passphrase = opts.passphrase()
    with vf.edit(passphrase) as v:
        before = v.get(name)
        secret, otp = _new_secret(before, text if new_secret else None)
        otp = with_options(otp or before.otp, algorithm, digits, period) if before.otp else otp
        refuse_otp_options(before.kind, with_options(otp, algorithm, digits, period))
        entry = v.update(
            name,
            new_name=new_name,
            fields=fields,
            add_tags=add_tags,
            remove_tags=remove_tags,
            secret=secret,
            add_codes=codes,
            replace_codes=new_codes,
            otp=otp,
        )
        for number, used in ((mark_used, True), (mark_unused, False)):
            if number is not None:
                v.set_used(entry.name, number, used)
    say(f"Updated {entry.name!r}{' (' + _status(entry) + ')' if _status(entry) else ''}.")


@cli.command()
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


@cli.command()
@common
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--min-codes",
    type=click.IntRange(1),
    default=3,
    show_default=True,
    metavar="N",
    help="Report backup-code entries with fewer than N unused codes.",
)
@click.option("--no-kdf-check", is_flag=True, help="Skip the key derivation timing (~0.4 s).")
@click.pass_obj
def check(opts: Options, as_json: bool, min_codes: int, no_kdf_check: bool) -> None:
    """Review recovery readiness; exit 1 when something needs attention (see docs/CHECK.md)."""
    from .check import check_vault

    vf = opts.existing_vault()
    found = check_vault(vf, opts.passphrase(), min_codes=min_codes, kdf_check=not no_kdf_check)
    if as_json:
        emit_json([f.to_json() for f in found])
    elif not found:
        click.echo("All is well: nothing needs attention.")
    for f in [] if as_json else found:
        click.echo(f"[{f.severity}] {f.message}\n    fix: {f.fix}")
    if found:
        click.get_current_context().exit(1)


@cli.command()
@common
@click.argument("name")
@click.pass_obj
def review(opts: Options, name: str) -> None:
    """Mark an entry reviewed (its details are still right); `check` asks for this yearly."""
    entry = opts.existing_vault().review(opts.passphrase(), name)
    say(f"Marked {entry.name!r} reviewed.")


@cli.command()
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
        click.echo(f"{e['at']}  {e['event']:<11}  {e['name']}")


@cli.command()
@common
@click.option(
    "--rekey",
    is_flag=True,
    help="Recalibrate the key derivation to today's defaults on this machine.",
)
@click.option(
    "--new-master-key",
    is_flag=True,
    help="Also replace the master key (cuts off anyone holding an old copy and passphrase).",
)
@click.option(
    "--new-passphrase-file", metavar="PATH", help="Read the new passphrase from PATH ('-' = stdin)."
)
@kdf_options
@click.pass_obj
def passwd(
    opts: Options,
    rekey: bool,
    new_master_key: bool,
    new_passphrase_file: str | None,
    kdf_target: float,
    kdf_memory: int | None,
    kdf_time: int | None,
    kdf_parallelism: int | None,
    weak_kdf: bool,
) -> None:
    """Change the passphrase; --rekey also renews the key derivation costs."""
    if new_passphrase_file == STDIN and opts.passphrase_file == STDIN:
        raise UsageProblem("the old and new passphrases cannot both come from stdin")
    vf = opts.existing_vault()
    kdf = None
    if rekey or kdf_memory or kdf_time or kdf_parallelism:
        kdf = choose_kdf(kdf_target, kdf_memory, kdf_time, kdf_parallelism, weak_kdf)
    old = opts.passphrase("Current passphrase")
    if new_passphrase_file:
        new = passphrase_from_file(new_passphrase_file)
    else:
        new = prompt_passphrase("New passphrase", confirm=True)
    _check_passphrase_strength(new)
    vf.change_passphrase(old, new, kdf, allow_weak=weak_kdf, new_master_key=new_master_key)
    say("Passphrase changed. Old copies of the vault (and its .bak) still open with the old one.")


@cli.command()
@common
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def info(opts: Options, as_json: bool) -> None:
    """Show the vault header (no passphrase needed, nothing secret)."""
    from .crypto import KdfParams

    data = opts.vault_file().info()
    if as_json:
        emit_json(data)
        return
    click.echo(f"path:        {data['path']}")
    click.echo(f"vault id:    {data['vault_id']}")
    click.echo(f"format:      v{data['format_version']}")
    click.echo(f"generation:  {data['generation']}")
    click.echo(f"size:        {data['size']} bytes")
    for i, s in enumerate(data["slots"], 1):
        if s["type"] != "passphrase":
            click.echo(f"key slot {i}:  {s['type']} (printed; opens without the passphrase)")
            continue
        kdf = KdfParams(s["time_cost"], s["memory_kib"], s["parallelism"])
        weak = " (below the recommended minimum)" if kdf.below_floor() else ""
        click.echo(f"key slot {i}:  {s['type']}, {kdf.describe()}{weak}")


# The paper and TOTP commands live in their own modules; importing registers them on `cli`.
from . import cli_paper, cli_totp  # noqa: E402, F401


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI with one error handler for every command."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or bool(os.environ.get("RVAULT_DEBUG"))
    try:
        status = cli.main(args=args, prog_name="rvault", standalone_mode=False)
    except VaultError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(f"rvault: error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C into Abort when it is not in standalone mode.
        if isinstance(exc.__context__, KeyboardInterrupt):
            click.echo("\nInterrupted; nothing was changed.", err=True)
            sys.exit(130)
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("\nInterrupted; nothing was changed.", err=True)
        sys.exit(130)
    except Exception as exc:  # the one place that turns a bug into a one-line report
        if debug:
            raise
        click.echo(
            f"rvault: unexpected error: {type(exc).__name__}; rerun with --debug for details",
            err=True,
        )
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)


if __name__ == "__main__":
    main()
