"""`rvault html`: the one-file browser page that opens the vault, or rebuilds it from paper."""

from __future__ import annotations

import click

from vault.cli._shared import Options, common, say


@click.command(name="html")
@common
@click.option("--out", required=True, metavar="FILE", help="Where to write the page.")
@click.option("--blank", is_flag=True, help="Leave the vault out (a page for restoring paper).")
@click.option("--force", is_flag=True, help="Replace an existing FILE.")
@click.pass_obj
def html(opts: Options, out: str, blank: bool, force: bool) -> None:
    """Write one HTML file that opens the vault in any browser, offline; print its SHA-256."""
    from vault.web.page import write_page

    # The page holds the encrypted file as it is on disk: no passphrase is needed to write it.
    data = None if blank else opts.existing_vault().read_bytes()
    path, digest = write_page(out, data, force)
    click.echo(f"{digest}  {path}")  # the format `sha256sum -c` reads
    what = "the restore page (no vault in it)" if blank else "your encrypted vault and its page"
    say(f"Wrote {path}: {what}. Open it in any browser; it needs no network.")
    say("Keep it where only you can change it; a copy's SHA-256 must match the one above.")


COMMANDS = (html,)
