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
    emit_json,
    kdf_options,
    say,
    warn,
)
from vault.errors import UsageProblem

if TYPE_CHECKING:
    pass


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


COMMANDS = (init, check, passwd, info)
