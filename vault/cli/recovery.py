"""`rvault` commands for a forgotten passphrase: the printed recovery key, its shares, recover.

Like every command, each parses its options, gets secrets, makes one library call and prints.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from vault.cli._shared import (
    INTERACTIVE,
    Options,
    common,
    options,
    say,
)
from vault.cli.paper import collect, finish_restore, restore_target, say_restored
from vault.errors import UsageProblem
from vault.prompts import passphrase_from_file


@click.group(name="recovery-key")
def recovery_key() -> None:
    """A printed recovery key (or K-of-N share sheets) for a forgotten passphrase."""


_recovery_options = options(  # where and how the recovery key is printed
    click.option("--out", required=True, metavar="PATH", help="The sheet PDF to write."),
    click.option("--shares", metavar="K-of-N", help="Split the key into N share sheets, any K."),
    click.option(
        "--share-passphrase-file",
        metavar="PATH",
        help="Protect the shares with a SLIP-39 passphrase read from PATH.",
    ),
    click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4"),
    click.option("--force", is_flag=True, help="Replace existing sheet files."),
)


def _print_recovery(opts: Options, replace: bool, **options: Any) -> None:
    """Make a key, print its sheet(s) and add the slot (a library call), then say so."""
    from vault.paper.recovery_key import add_recovery_key
    from vault.paper.shares import parse_shares_option

    vf = opts.existing_vault()
    shares = parse_shares_option(options["shares"]) if options["shares"] else None
    printed = add_recovery_key(
        vf,
        opts.passphrase(),
        options["out"],
        shares=shares,
        share_passphrase=_share_secret(options["share_passphrase_file"]),
        paper=options["paper"],
        force=options["force"],
        replace=replace,
    )
    for path in printed.paths:
        say(f"Wrote {path}")
    count = len(printed.paths)
    kind = f"{count} share sheets (any {printed.k} restore)" if shares else "a recovery sheet"
    say(f"The vault now opens with {kind} as well as the passphrase.")
    say("Keep the sheet(s) apart from the kit and from the passphrase.")


@recovery_key.command(name="add")
@common
@_recovery_options
@click.pass_obj
def recovery_key_add(opts: Options, /, **options: Any) -> None:
    """Create a recovery key and print it (or its share sheets)."""
    _print_recovery(opts, False, **options)


@recovery_key.command(name="rotate")
@common
@_recovery_options
@click.pass_obj
def recovery_key_rotate(opts: Options, /, **options: Any) -> None:
    """Replace the recovery key: the old sheet or shares stop working."""
    _print_recovery(opts, True, **options)


@recovery_key.command(name="rm")
@common
@click.pass_obj
def recovery_key_rm(opts: Options) -> None:
    """Remove the recovery key (the passphrase remains the way in)."""
    opts.existing_vault().remove_recovery_key(opts.passphrase())
    say("Removed the recovery key; its sheet or shares no longer open the vault.")


@click.command()
@common
@click.argument("sources", nargs=-1, metavar="VAULT_OR_KIT...")
@click.option(
    "--text",
    "text_file",
    metavar="[FILE]",
    is_flag=False,
    flag_value=INTERACTIVE,
    help="Read the kit's typed lines from FILE ('-' = stdin); alone, type them line by line.",
)
@click.option(
    "--out",
    metavar="PATH",
    help="Where to write the recovered vault [default: the usual vault location, if free].",
)
@click.option(
    "--share",
    "share_sources",
    multiple=True,
    metavar="FILE",
    help="A share: a scan/photo of a share sheet, or a text file of its words.",
)
@click.option(
    "--type-shares",
    is_flag=True,
    help="Type the words of share sheets when asked (after any --share), each word checked.",
)
@click.option(
    "--recovery-key-file",
    metavar="PATH",
    help="Read the recovery key from PATH (its two lines as printed, or one).",
)
@click.option("--share-passphrase-file", metavar="PATH", help="The shares' SLIP-39 passphrase.")
@click.option("--new-passphrase-file", metavar="PATH", help="Read the new passphrase from PATH.")
@click.option("--kit", "kit_id", metavar="ID", help="Use this kit when pages of several mix.")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@click.pass_obj
def recover(
    opts: Options,
    sources: tuple[str, ...],
    text_file: str | None,
    out: str | None,
    share_sources: tuple[str, ...],
    type_shares: bool,
    recovery_key_file: str | None,
    share_passphrase_file: str | None,
    new_passphrase_file: str | None,
    kit_id: str | None,
    force: bool,
) -> None:
    """Open a vault (file or kit) with the recovery key or K shares, and set a new passphrase.

    With neither --recovery-key-file nor --share, it asks on the terminal which sheet you
    have, then for the key (two lines) or the words of each share sheet.
    """
    from vault.fileio import read_text_source, write_private
    from vault.paper.recovery import parse_printed_key, recover_with_key
    from vault.paper.shares import combine_shares, read_share_source
    from vault.prompts import ask_which_sheet, has_tty, prompt_recovery_key, prompt_shares

    if not sources and text_file is None:
        raise UsageProblem("give the vault file or the kit's scans or photos, or --text FILE")
    if recovery_key_file and (share_sources or type_shares):
        raise UsageProblem("give either the recovery key or shares, not both")
    target = restore_target(opts, out)
    from vault.format import parse
    from vault.keyslots import require_recovery_slot

    data = _vault_bytes(sources, kit_id, text_file)
    words = [m for src in share_sources for m in read_share_source(src)]  # checked, bounded
    require_recovery_slot(parse(data))  # before asking for, or deriving from, any key
    if not (share_sources or type_shares or recovery_key_file) and has_tty():
        type_shares = sys.stdin.isatty() and ask_which_sheet() == "shares"
    if share_sources or type_shares:
        if type_shares:
            words = prompt_shares(words)
        secret = _share_secret(share_passphrase_file)
        key = combine_shares(words, secret)
    elif recovery_key_file:
        key = parse_printed_key(read_text_source(recovery_key_file, limit=4096))
    else:
        key = prompt_recovery_key()
    new = opts.new_passphrase(new_passphrase_file)
    path = write_private(target, recover_with_key(data, key, new), force and out is not None)
    say_restored("Recovered", path, out is None)
    say("It opens with the new passphrase (and the same recovery key).")


def _share_secret(path: str | None) -> bytes:
    """The SLIP-39 passphrase from a file, or none."""
    return passphrase_from_file(path).encode() if path else b""


def _vault_bytes(sources: tuple[str, ...], kit_id: str | None, text_file: str | None) -> bytes:
    """The vault file: given directly, or rebuilt from kit scans, photos, PDFs or typed text."""
    from vault.format import MAGIC

    if text_file is None and len(sources) == 1 and Path(sources[0]).is_file():
        with open(sources[0], "rb") as f:
            if f.read(len(MAGIC)) == MAGIC:
                from vault.store import VaultFile

                return VaultFile(sources[0]).read_bytes()
    return finish_restore(collect(sources, text_file, kit_id), kit_id)


COMMANDS = (recovery_key, recover)
