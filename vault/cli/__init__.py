"""The `rvault` command: parse options, get secrets, make one library call, print."""

from __future__ import annotations

import contextlib
import os
import sys

import click

from vault.cli import entries, paper, recovery, totp, web
from vault.cli import vault as vault_commands
from vault.cli._shared import Options, seconds
from vault.errors import VaultError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--vault", envvar="RVAULT_FILE", metavar="PATH", help="Vault file.")
@click.option(
    "--passphrase-file",
    envvar="RVAULT_PASSPHRASE_FILE",
    metavar="PATH",
    help="Read the passphrase from the first line of PATH ('-' = stdin).",
)
@click.option(
    "--lock-timeout",
    envvar="RVAULT_LOCK_TIMEOUT",
    callback=seconds,
    default="30",
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another rvault using the vault.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.version_option(package_name="recovery-vault", prog_name="rvault")
@click.pass_context
def cli(
    ctx: click.Context,
    vault: str | None,
    passphrase_file: str | None,
    lock_timeout: float,
    debug: bool,
) -> None:
    """rvault: an offline, encrypted home for 2FA backup codes and recovery keys."""
    ctx.obj = Options(vault, passphrase_file, debug, lock_timeout)
    # One hook for every command that saves, instead of a note in each of them.
    ctx.call_on_close(ctx.obj.notes)


# Each command family lives in its own module and lists its commands; the group is the only
# place that knows them all, so no leaf module imports this one.
for _module in (vault_commands, entries, paper, recovery, totp, web):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


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
        from vault.store import SAVED

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
