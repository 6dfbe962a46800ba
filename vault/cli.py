"""The `rvault` command: parse options, get secrets, make one library call, print."""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .errors import UsageProblem, VaultError
from .policy import DEFAULT_KDF_TARGET_SECONDS, DEFAULT_MEMORY_KIB, DEFAULT_PARALLELISM
from .secrets_in import passphrase_from_file, prompt_passphrase

if TYPE_CHECKING:
    from .crypto import KdfParams
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


# The commands for entries, paper and TOTP live in their own modules; importing them
# registers them on `cli`.
from . import cli_entries, cli_paper, cli_totp  # noqa: E402, F401


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI with one error handler for every command."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or bool(os.environ.get("RVAULT_DEBUG"))
    if (store := sys.modules.get("vault.store")) is not None:
        store.SAVED.clear()  # a new command in the same process (tests) starts unsaved
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
    except OSError as exc:
        from .store import SAVED

        if SAVED and not debug:
            # The change is saved (a code may be spent): only telling about it failed, e.g.
            # stderr closed. Success, or a retrying script would spend another code.
            sys.exit(0)
        _unexpected(exc, debug)
    except Exception as exc:  # the one place that turns a bug into a one-line report
        _unexpected(exc, debug)
    sys.exit(status if isinstance(status, int) else 0)


def _unexpected(exc: Exception, debug: bool) -> None:
    """Report a bug in one line (with --debug: the traceback) and exit 1."""
    if debug:
        raise exc
    with contextlib.suppress(OSError):
        click.echo(
            f"rvault: unexpected error: {type(exc).__name__}; rerun with --debug for details",
            err=True,
        )
    sys.exit(1)


if __name__ == "__main__":
    main()
