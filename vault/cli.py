"""The `rvault` command: parse options, get secrets, make one library call, print."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .errors import StorageError, UsageProblem, VaultError
from .policy import DEFAULT_KDF_TARGET_SECONDS, DEFAULT_MEMORY_KIB, DEFAULT_PARALLELISM, KINDS
from .secrets_in import passphrase_from_file, prompt_passphrase, read_secret

if TYPE_CHECKING:
    from .crypto import KdfParams
    from .model import Entry, UsedCode
    from .restore import RestoreSession
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
) -> None:
    """Add an entry; the secret comes from stdin, a file, $EDITOR or a hidden prompt."""
    from .model import Entry

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
    elif entry.kind == "totp":
        from .codes import parse_totp_secret

        entry.secret = parse_totp_secret(text)
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
@click.pass_obj
def show(opts: Options, name: str, as_json: bool) -> None:
    """Reveal an entry, secret included."""
    entry = opts.existing_vault().load(opts.passphrase()).get(name)
    if as_json:
        emit_json(entry.to_json())
        return
    click.echo(f"{entry.name} ({entry.kind})")
    for key in ("account", "issuer", "url", "notes"):
        if getattr(entry, key):
            click.echo(f"  {key}: {getattr(entry, key)}")
    if entry.tags:
        click.echo(f"  tags: {', '.join(entry.tags)}")
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
) -> None:
    """Change an entry's name, details, secret or codes."""
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
    ):
        raise UsageProblem("nothing to change", hint="see 'rvault edit --help'")
    secret = codes = None
    if reading:
        from .codes import parse_backup_codes

        _stdin_once(from_file, editor, opts)
        text = read_secret(from_file, editor, "new value", multiline=True)
        if new_secret:
            secret = text.strip("\n")
        else:
            codes = parse_backup_codes(text)
            say(f"Found {len(codes)} backup codes.")
    passphrase = opts.passphrase()
    with vf.edit(passphrase) as v:
        entry = v.update(
            name,
            new_name=new_name,
            fields=fields,
            add_tags=add_tags,
            remove_tags=remove_tags,
            secret=secret,
            add_codes=codes,
            replace_codes=new_codes,
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


@cli.command()
@common
@click.option("--out", "out", required=True, metavar="PATH", help="Where to write the PDF.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--title", default="rvault recovery kit", show_default=True, help="Cover title.")
@click.option("--no-index", is_flag=True, help="Leave out the page listing entry names.")
@click.option(
    "--parity",
    type=float,
    default=25.0,
    show_default=True,
    metavar="PCT",
    help="Spare codes as a percentage of the codes needed (at least 2 spares).",
)
@click.option(
    "--text/--no-text",
    default=None,
    help="Print the codes as typeable text [default: only up to 8 KB].",
)
@click.option("--qr-dir", metavar="DIR", help="Also write every code as PNG and SVG here.")
@click.option("--force", is_flag=True, help="Replace existing output files.")
@click.pass_obj
def kit(
    opts: Options,
    out: str,
    paper: str,
    title: str,
    no_index: bool,
    parity: float,
    text: bool | None,
    qr_dir: str | None,
    force: bool,
) -> None:
    """Print the encrypted vault as a paper recovery kit (PDF), verified before it is kept."""
    from .errors import AlreadyExists
    from .kit import KitOptions, make_kit, write_qr_dir

    vf = opts.existing_vault()
    if qr_dir and not force and any(Path(qr_dir).glob("code-*-of-*.*")):
        # Checked first: finding the clash after the kit is printed would mix two kits' images.
        raise AlreadyExists(f"{qr_dir} already holds code images", hint="pass --force")
    options = KitOptions(paper=paper, title=title, index=not no_index, parity=parity, text=text)
    say("Building the kit and proving it reads back (rendering at 300 dpi)...")
    report = make_kit(vf, opts.passphrase(), out, options, force=force)
    say(
        f"Wrote {report.path}: {report.pages} pages, {report.n} codes, any {report.k} restore "
        f"the vault{' (typeable text included)' if report.text else ''}."
    )
    say(
        f"Verified: every code read back and rebuilt the vault byte for byte "
        f"(kit {report.kit_id.hex()[:8].upper()}, generation {report.generation})."
    )
    if qr_dir:
        written = write_qr_dir(report.codes, qr_dir, force)
        say(f"Wrote {written} code images (PNG and SVG) to {qr_dir}.")
    say("Store the printout somewhere safe and dry, away from your passphrase.")


@cli.command()
@click.argument("sources", nargs=-1, metavar="SOURCES...")
@click.option("--out", required=True, metavar="PATH", help="Where to write the restored vault.")
@click.option(
    "--text",
    "text_file",
    metavar="[FILE]",
    is_flag=False,
    flag_value=INTERACTIVE,
    help="Read typed or pasted lines from FILE ('-' = stdin); alone, type them line by line.",
)
@click.option("--kit", "kit_id", metavar="ID", help="Restore this kit when pages of several mix.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
def restore(
    sources: tuple[str, ...], out: str, text_file: str | None, kit_id: str | None, force: bool
) -> None:
    """Rebuild a vault file from scans or photos of a kit (PDF, PNG, JPEG, TIFF) or typed text."""
    from .store import write_private

    if not sources and text_file is None:
        raise UsageProblem("give the scans or photos to read, or --text FILE")
    session = _collect(sources, text_file, kit_id)
    data = session.finish(kit_id)
    path = write_private(out, data, force)
    say(f"{session.status(kit_id)}: restored to {path}.")
    say(f"Open it with: rvault --vault {path} list")


def _collect(
    sources: tuple[str, ...],
    text_file: str | None,
    kit_id: str | None = None,
    stop_early: bool = True,
) -> RestoreSession:
    """Frames from typed text and from scans or photos, gathered into one session.

    With stop_early, scanning stops once the kit can be rebuilt (restore, recover);
    verify-kit reads every page to report every code.
    """
    from .restore import RestoreSession

    session = RestoreSession()

    def enough() -> bool:
        # Never while codes of several kits are mixed: the error must list them all.
        if not stop_early or (kit_id is None and len(session.kits) != 1):
            return False
        try:
            return session.kit(kit_id).frames.complete()
        except VaultError:
            return False

    if text_file == INTERACTIVE and sys.stdin.isatty():
        _type_lines(session)
    elif text_file is not None:
        from .secrets_in import read_text_source

        source = STDIN if text_file == INTERACTIVE else text_file
        session.add_lines(read_text_source(source, limit=64 * 1024 * 1024).splitlines(), source)
    if sources:
        from .scan import scan_paths

        seen = [0, 0]

        def progress(done: int, total: int) -> None:
            seen[:] = [done, total]
            _progress(done, total)

        for page in scan_paths(list(sources), progress=progress, stop=enough):
            for t in page.texts:
                session.add_text(t, f"{page.source}:{page.page}")
        done, total = seen
        if enough() and done < total:
            if sys.stderr.isatty():
                click.echo("", err=True)  # end the progress line
            say(f"Enough codes were read: {total - done} of {total} pages were not needed.")
    return session


@cli.command(name="verify-kit")
@common
@click.argument("sources", nargs=-1, required=True, metavar="SOURCES...")
@click.option("--kit", "kit_id", metavar="ID", help="Check this kit when pages of several mix.")
@click.pass_obj
def verify_kit(opts: Options, sources: tuple[str, ...], kit_id: str | None) -> None:
    """Check scans or photos of a printed kit: every code, the margin, and the current vault."""
    from .kit import check_kit
    from .paper import code_sheet

    vf = opts.existing_vault()
    check = check_kit(
        vf, _collect(sources, None, kit_id, stop_early=False), opts.passphrase, kit_id
    )
    for i in range(check.n):
        state = "read" if i in check.read else "NOT READ"
        click.echo(f"code {i + 1:>3} of {check.n} (codes sheet {code_sheet(i)}): {state}")
    click.echo(check.summary())
    click.echo(f"kit {check.kit_id.hex()[:8].upper()}: {check.verdict()}")
    if check.status != "current" or check.slack < 0:
        # 1: the kit reads but is out of date; 65: it does not restore this vault at all.
        click.get_current_context().exit(1 if check.status == "stale" else 65)


def _type_lines(session: RestoreSession) -> None:
    """Ask for kit lines one at a time, with feedback, until the vault can be rebuilt."""
    say("Type the lines from the kit's text pages, one per line, as printed (case, spaces and")
    say("dashes do not matter). An empty line stops. You only need enough complete codes.")
    while True:
        needed = session.lines_needed()
        if needed == 0:
            say("Enough codes are complete: rebuilding the vault.")
            return
        plural = "line" if needed == 1 else "lines"
        hint = f" ({needed} {plural} still needed)" if needed is not None else ""
        line = click.prompt(f"line{hint}", default="", show_default=False, err=True)
        if not line.strip():
            return
        say(f"  {session.add_typed_line(line)}")


def _progress(done: int, total: int) -> None:
    """A one-line progress bar on stderr, only when there are several pages and a terminal."""
    if total < 2 or not sys.stderr.isatty():
        return
    width = 30
    filled = width * done // total
    end = "\n" if done == total else ""
    click.echo(
        f"\rreading pages [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
        err=True,
        nl=False,
    )
    if end:
        click.echo("", err=True)


@cli.group(name="recovery-key")
def recovery_key() -> None:
    """A printed recovery key (or K-of-N share sheets) for a forgotten passphrase."""


def _recovery_options(f: F) -> F:
    for opt in reversed(
        [
            click.option("--out", required=True, metavar="PATH", help="The sheet PDF to write."),
            click.option(
                "--shares", metavar="K-of-N", help="Split the key into N share sheets, any K."
            ),
            click.option(
                "--share-passphrase-file",
                metavar="PATH",
                help="Protect the shares with a SLIP-39 passphrase read from PATH.",
            ),
            click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4"),
            click.option("--force", is_flag=True, help="Replace existing sheet files."),
        ]
    ):
        f = opt(f)
    return f


def _print_recovery(
    opts: Options,
    out: str,
    shares: str | None,
    share_passphrase_file: str | None,
    paper: str,
    force: bool,
    replace: bool,
) -> None:
    """Make a key, write its sheet(s), then add the slot; if that fails, remove the sheets."""
    from datetime import date

    from .errors import AlreadyExists
    from .format import parse
    from .recovery import format_recovery_key, parse_shares_option, split_key
    from .sheets import SheetFacts, render_recovery_sheet, render_share_sheet
    from .store import write_private

    vf = opts.existing_vault()
    passphrase = opts.passphrase()
    key = os.urandom(32)
    facts = SheetFacts(vault_id=parse(vf.read_bytes()).vault_id, printed=date.today().isoformat())
    target = Path(out)
    if shares:
        k, n = parse_shares_option(shares)
        secret = (
            passphrase_from_file(share_passphrase_file).encode() if share_passphrase_file else b""
        )
        words = split_key(key, k, n, secret)
        stem = target.with_suffix("")
        sheets = {
            Path(f"{stem}-share-{i}-of-{n}.pdf"): render_share_sheet(w, i, k, n, facts, paper)
            for i, w in enumerate(words, 1)
        }
    else:
        sheets = {target: render_recovery_sheet(format_recovery_key(key), facts, paper)}
    if not force and (clash := [p for p in sheets if p.exists()]):
        raise AlreadyExists(f"{clash[0]} already exists", hint="pass --force to replace it")
    # Sheets go to hidden temp names first and take their real names only once the vault
    # holds the new key: a failure never leaves a sheet for a key the vault lacks, nor
    # destroys a sheet (with --force) that still matches the vault.
    pending: dict[Path, Path] = {}
    try:
        for path, pdf in sheets.items():
            temp = path.with_name(f".{path.name}.{os.getpid()}.pending")
            pending[path] = write_private(temp, pdf, force=True)
        vf.set_recovery_key(passphrase, key, replace=replace)
    except BaseException:
        for temp in pending.values():
            temp.unlink(missing_ok=True)
        raise
    for path, temp in pending.items():
        os.replace(temp, path)
        say(f"Wrote {path}")
    kind = f"{len(sheets)} share sheets (any {k} restore)" if shares else "a recovery sheet"
    say(f"The vault now opens with {kind} as well as the passphrase.")
    say("Keep the sheet(s) apart from the kit and from the passphrase.")


@recovery_key.command(name="add")
@common
@_recovery_options
@click.pass_obj
def recovery_key_add(
    opts: Options,
    out: str,
    shares: str | None,
    share_passphrase_file: str | None,
    paper: str,
    force: bool,
) -> None:
    """Create a recovery key and print it (or its share sheets)."""
    _print_recovery(opts, out, shares, share_passphrase_file, paper, force, replace=False)


@recovery_key.command(name="rotate")
@common
@_recovery_options
@click.pass_obj
def recovery_key_rotate(
    opts: Options,
    out: str,
    shares: str | None,
    share_passphrase_file: str | None,
    paper: str,
    force: bool,
) -> None:
    """Replace the recovery key: the old sheet or shares stop working."""
    _print_recovery(opts, out, shares, share_passphrase_file, paper, force, replace=True)


@recovery_key.command(name="rm")
@common
@click.pass_obj
def recovery_key_rm(opts: Options) -> None:
    """Remove the recovery key (the passphrase remains the way in)."""
    opts.existing_vault().remove_recovery_key(opts.passphrase())
    say("Removed the recovery key; its sheet or shares no longer open the vault.")


@cli.command()
@click.argument("sources", nargs=-1, metavar="VAULT_OR_KIT...")
@click.option(
    "--text",
    "text_file",
    metavar="[FILE]",
    is_flag=False,
    flag_value=INTERACTIVE,
    help="Read the kit's typed lines from FILE ('-' = stdin); alone, type them line by line.",
)
@click.option("--out", required=True, metavar="PATH", help="Where to write the recovered vault.")
@click.option(
    "--share",
    "share_sources",
    multiple=True,
    metavar="FILE",
    help="A share: a scan/photo of a share sheet, or a text file of its words.",
)
@click.option("--recovery-key-file", metavar="PATH", help="Read the recovery key from PATH.")
@click.option("--share-passphrase-file", metavar="PATH", help="The shares' SLIP-39 passphrase.")
@click.option("--new-passphrase-file", metavar="PATH", help="Read the new passphrase from PATH.")
@click.option("--kit", "kit_id", metavar="ID", help="Use this kit when pages of several mix.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
def recover(
    sources: tuple[str, ...],
    text_file: str | None,
    out: str,
    share_sources: tuple[str, ...],
    recovery_key_file: str | None,
    share_passphrase_file: str | None,
    new_passphrase_file: str | None,
    kit_id: str | None,
    force: bool,
) -> None:
    """Open a vault (file or kit) with the recovery key or K shares, and set a new passphrase."""
    from .recovery import combine_shares, parse_recovery_key, read_share_source
    from .secrets_in import read_text_source
    from .store import recover_with_key, write_private

    if not sources and text_file is None:
        raise UsageProblem("give the vault file or the kit's scans or photos, or --text FILE")
    data = _vault_bytes(sources, kit_id, text_file)
    if share_sources:
        words = [m for src in share_sources for m in read_share_source(src)]
        secret = (
            passphrase_from_file(share_passphrase_file).encode() if share_passphrase_file else b""
        )
        key = combine_shares(words, secret)
    elif recovery_key_file:
        key = parse_recovery_key(read_text_source(recovery_key_file))
    else:
        key = parse_recovery_key(prompt_passphrase("Recovery key"))
    if new_passphrase_file:
        new = passphrase_from_file(new_passphrase_file)
    else:
        new = prompt_passphrase("New passphrase", confirm=True)
    _check_passphrase_strength(new)
    path = write_private(out, recover_with_key(data, key, new), force)
    say(f"Recovered to {path}; it opens with the new passphrase (and the same recovery key).")


def _vault_bytes(sources: tuple[str, ...], kit_id: str | None, text_file: str | None) -> bytes:
    """The vault file: given directly, or rebuilt from kit scans, photos, PDFs or typed text."""
    from .format import MAGIC

    if text_file is None and len(sources) == 1 and Path(sources[0]).is_file():
        with open(sources[0], "rb") as f:
            if f.read(len(MAGIC)) == MAGIC:
                from .store import VaultFile

                return VaultFile(sources[0]).read_bytes()
    return _collect(sources, text_file, kit_id).finish(kit_id)


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
