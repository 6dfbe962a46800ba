"""Commands on the vault as a whole: init, check, passwd, info."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from vault.cli._shared import (
    STDIN,
    Options,
    check_passphrase_strength,
    choose_kdf,
    common,
    confirm_on_tty,
    emit_json,
    kdf_options,
    say,
    warn,
)
from vault.errors import UsageProblem

if TYPE_CHECKING:
    from vault.merge import MergeReport


@click.command()
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
    from vault.errors import AlreadyExists

    vf = opts.vault_file()
    if vf.path.exists():  # before a second of calibration and two passphrase prompts
        raise AlreadyExists(f"a vault already exists at {vf.path}", hint="use --vault PATH")
    kdf = choose_kdf(kdf_target, kdf_memory, kdf_time, kdf_parallelism, weak_kdf)
    if weak_kdf and kdf.below_floor():
        warn(f"weak key derivation ({kdf.describe()}): for tests and demos only")
    passphrase = opts.passphrase("New passphrase", confirm=True)
    check_passphrase_strength(passphrase)
    info = vf.create(passphrase, kdf, allow_weak=weak_kdf)
    say(f"Created {info['path']} ({kdf.describe()}).")


@click.command()
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
    from vault.check import check_vault

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


@click.command()
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
    new = opts.new_passphrase(new_passphrase_file)
    vf.change_passphrase(old, new, kdf, allow_weak=weak_kdf, new_master_key=new_master_key)
    say("Passphrase changed. Old copies of the vault (and its .bak) still open with the old one.")


@click.command()
@common
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def info(opts: Options, as_json: bool) -> None:
    """Show the vault header (no passphrase needed, nothing secret)."""
    from vault.crypto import KdfParams

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


@click.command()
@common
@click.argument("other", metavar="OTHER")
@click.option("--dry-run", is_flag=True, help="Only show what the merge would change.")
@click.option("--yes", is_flag=True, help="Merge without asking for confirmation.")
@click.option(
    "--import",
    "allow_import",
    is_flag=True,
    help="OTHER is a different vault: copy its entries in (clashing names are numbered).",
)
@click.option(
    "--other-passphrase-file",
    metavar="PATH",
    help="OTHER's passphrase, if it is not this vault's ('-' = stdin).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report on stdout.")
@click.pass_obj
def merge(
    opts: Options,
    other: str,
    dry_run: bool,
    yes: bool,
    allow_import: bool,
    other_passphrase_file: str | None,
    as_json: bool,
) -> None:
    """Merge another copy of this vault (say, a sync conflict copy) into it.

    Entries, codes used and changes made in either copy are kept; see docs/MERGE.md.
    """
    from vault.copies import check_other
    from vault.prompts import passphrase_from_file, prompt_passphrase

    if other_passphrase_file == STDIN and opts.passphrase_file == STDIN:
        raise UsageProblem("the two passphrases cannot both come from stdin")
    vf = opts.existing_vault()
    check_other(other)
    shown: list[MergeReport] = []

    def ask_other() -> str:
        if other_passphrase_file:
            return passphrase_from_file(other_passphrase_file)
        return prompt_passphrase(f"Passphrase of {other}")

    def confirm(report: MergeReport) -> bool:
        shown.append(report)
        if not (as_json and yes):
            _show(report)
        return yes or confirm_on_tty(f"Merge these changes into {vf.path}?", "the merge")

    report = vf.merge(
        opts.passphrase(),
        other,
        other_passphrase=ask_other,
        confirm=confirm,
        dry_run=dry_run,
        allow_import=allow_import,
    )
    if not shown and not as_json:
        _show(report)
    if as_json:
        emit_json(report.to_json())
    if dry_run:
        say("Dry run: nothing was changed.")
    elif report.changed and not report.saved:
        raise click.exceptions.Abort()
    elif report.changed:
        say(f"Merged into {vf.path}. Keep {other} until you have checked the result.")


def _show(report: MergeReport) -> None:
    """The report for the person, on stderr (stdout stays for --json)."""
    text = report.summary()
    say(text[0].upper() + text[1:] + ".")
    for line in report.details():
        say(f"  {line}")


COMMANDS = (init, check, passwd, info, merge)
