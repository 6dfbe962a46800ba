"""`rvault html`: the one-file browser page that opens the vault, or rebuilds it from paper."""

from __future__ import annotations

import click

from vault.cli._shared import Options, common, say
from vault.errors import InvalidData, UsageProblem


@click.command(name="html")
@common
@click.option("--out", metavar="FILE", help="Where to write the page.")
@click.option("--blank", is_flag=True, help="Leave the vault out (a page for restoring paper).")
@click.option("--force", is_flag=True, help="Replace an existing FILE.")
@click.option(
    "--check",
    "copy",
    metavar="FILE",
    help="Say whether FILE is a genuine copy of the page this rvault writes.",
)
@click.pass_obj
def html(opts: Options, out: str | None, blank: bool, force: bool, copy: str | None) -> None:
    """Write one HTML file that opens the vault in any browser, offline; print its SHA-256."""
    from vault.web.page import write_page

    if copy is not None:
        _check(copy)
        return
    if out is None:
        raise UsageProblem("give --out FILE (where to write the page), or --check FILE")

    # The page holds the encrypted file as it is on disk: no passphrase is needed to write it.
    data = None if blank else opts.existing_vault().read_bytes()
    path, digest = write_page(out, data, force)
    click.echo(f"{digest}  {path}")  # the format `sha256sum -c` reads
    what = "the restore page (no vault in it)" if blank else "your encrypted vault and its page"
    say(f"Wrote {path}: {what}. Open it in any browser; it needs no network.")
    say("Keep it where only you can change it; a copy's SHA-256 must match the one above.")


def _check(copy: str) -> None:
    """The verdict on a copy of the page: exit 0 if genuine, 65 (invalid data) if not."""
    from vault.fileio import read_source_bytes
    from vault.web.page import MAX_PAGE_BYTES, is_genuine, page_sha256

    html = read_source_bytes(copy, MAX_PAGE_BYTES)
    if not is_genuine(html):
        raise InvalidData(
            f"{copy} is NOT the page this rvault writes: do not type a passphrase into it",
            hint="delete it and write a fresh copy with 'rvault html'",
        )
    click.echo(f"{page_sha256(html)}  {copy}")
    say(f"{copy} is genuine: identical to the page this rvault writes.")


COMMANDS = (html,)
