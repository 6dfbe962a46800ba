"""`rvault` commands for paper: the kit, restoring from it, and recovery keys and shares.

Registered on the `rvault` group defined in vault.cli; like every command, each parses its
options, gets secrets, makes one library call and prints.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vault.cli._shared import (
    INTERACTIVE,
    STDIN,
    Options,
    common,
    say,
)
from vault.errors import InvalidData, UsageProblem
from vault.policy import KIT_TITLE

if TYPE_CHECKING:
    from vault.paper.restore import RestoreSession


@click.command()
@common
@click.option("--out", "out", required=True, metavar="PATH", help="Where to write the PDF.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--title", default=KIT_TITLE, show_default=True, help="Cover title.")
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
@click.option(
    "--no-page", is_flag=True, help="Do not write the browser restore page beside the PDF."
)
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
    no_page: bool,
    force: bool,
) -> None:
    """Print the encrypted vault as a paper recovery kit (PDF), verified before it is kept."""
    from vault.errors import AlreadyExists
    from vault.paper.kit import KitOptions, make_kit, write_qr_dir

    vf = opts.existing_vault()
    if qr_dir and not force and any(Path(qr_dir).glob("code-*-of-*.*")):
        # Checked first: finding the clash after the kit is printed would mix two kits' images.
        raise AlreadyExists(f"{qr_dir} already holds code images", hint="pass --force")
    options = KitOptions(
        paper=paper, title=title, index=not no_index, parity=parity, text=text, page=not no_page
    )
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
    if report.page:
        say(
            f"Wrote {report.page}, the page that restores the kit in any web browser (SHA-256 "
            f"{report.page_sha256}): copy it to a USB stick for the box and e-mail it to yourself."
        )
    if qr_dir:
        written = write_qr_dir(report.codes, qr_dir, force)
        say(f"Wrote {written} code images (PNG and SVG) to {qr_dir}.")
    say("Store the printout somewhere safe and dry, away from your passphrase.")


@click.command()
@common
@click.argument("sources", nargs=-1, metavar="SOURCES...")
@click.option(
    "--out",
    metavar="PATH",
    help="Where to write the restored vault [default: the usual vault location, if free].",
)
@click.option(
    "--text",
    "text_file",
    metavar="[FILE]",
    is_flag=False,
    flag_value=INTERACTIVE,
    help="Read typed or pasted lines from FILE ('-' = stdin); alone, type them line by line.",
)
@click.option("--kit", "kit_id", metavar="ID", help="Restore this kit when pages of several mix.")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@click.pass_obj
def restore(
    opts: Options,
    sources: tuple[str, ...],
    out: str | None,
    text_file: str | None,
    kit_id: str | None,
    force: bool,
) -> None:
    """Rebuild a vault file from scans or photos of a kit (PDF, PNG, JPEG, TIFF, or a folder of
    them) or typed text; without --out, into the usual vault location if no vault is there."""
    from vault.fileio import write_private

    if not sources and text_file is None:
        raise UsageProblem("give the scans or photos to read (or their folder), or --text FILE")
    target = restore_target(opts, out)
    session = collect(sources, text_file, kit_id)
    data = finish_restore(session, kit_id)
    path = write_private(target, data, force and out is not None)
    say_restored(f"{session.status(kit_id)}: restored", path, out is None)


def restore_target(opts: Options, out: str | None) -> Path:
    """--out, or the vault location every command uses, which must not hold a vault yet.

    Checked before anything is read: a restore must never replace the vault someone has.
    """
    from vault.errors import AlreadyExists

    if out is not None:
        return Path(out)
    target = opts.vault_file().path
    if target.exists():
        raise AlreadyExists(
            f"a vault already exists at {target}; restore never replaces it",
            hint="give --out PATH to restore to another file; 'rvault merge PATH' then brings "
            "what the kit holds into this vault",
        )
    from vault.fileio import make_private_dirs

    make_private_dirs(target.parent)  # it will hold the vault and its backups
    return target


def say_restored(what: str, path: Path, default: bool) -> None:
    """Where the vault now is, and the next command to run."""
    if default:
        say(f"{what} to {path}, where rvault looks for your vault.")
        say("Next: rvault list, then rvault use NAME, rvault totp NAME or rvault show NAME.")
    else:
        say(f"{what} to {path}.")
        say(f"Open it with: rvault --vault {path} list")


def finish_restore(session: RestoreSession, kit_id: str | None) -> bytes:
    """The rebuilt vault; for typed input that falls short, what to retype and how much."""
    try:
        data = session.finish(kit_id)
    except InvalidData:
        if not (session.typed or session.rejected_lines) or len(session.kits) > 1:
            raise  # about kits (several, or an old one beside a newer): that message stands
        raise InvalidData(
            session.typed_shortfall(),
            hint="retype the lines named above, or type line by line: rvault restore --text",
        ) from None
    for line in session.ignored(kit_id):
        say(line)
    return data


def collect(
    sources: tuple[str, ...],
    text_file: str | None,
    kit_id: str | None = None,
    stop_early: bool = True,
) -> RestoreSession:
    """Frames from typed text and from scans or photos, gathered into one session."""
    from vault.paper.restore import RestoreSession

    session = RestoreSession()
    if text_file == INTERACTIVE:
        if sys.stdin.isatty():
            _type_lines(session)
        text_file = None if sys.stdin.isatty() else STDIN
    with _page_progress() as progress:
        report = session.read(sources, text_file, progress, stop_early, kit_id)
    for problem in report.typed_problems:
        say(problem)
    if report.cut_short:
        say(
            f"Enough codes were read: {report.cut_short} of {report.pages} pages were read "
            "only far enough to tell which kit they belong to, or that they hold no codes."
        )
    return session


@click.command(name="verify-kit")
@common
@click.argument("sources", nargs=-1, required=True, metavar="SOURCES...")
@click.option("--kit", "kit_id", metavar="ID", help="Check this kit when pages of several mix.")
@click.pass_obj
def verify_kit(opts: Options, sources: tuple[str, ...], kit_id: str | None) -> None:
    """Check scans or photos of a printed kit: every code, the margin, and the current vault."""
    from vault.paper.kit import check_kit
    from vault.paper.layout import code_sheet

    vf = opts.existing_vault()
    session = collect(sources, None, kit_id, stop_early=False)
    check = check_kit(vf, session, opts.passphrase, kit_id)
    for line in session.ignored(kit_id):
        click.echo(line)
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
    say("Type the lines from the kit's text pages, one per line, as printed, starting with the")
    say("code and line number (such as 003-07). Case, spaces and dashes do not matter, 0 and O")
    say("count the same, and the dots at the end of a code need not be typed. Each line is")
    say("checked when you press Enter. You only need enough complete codes; an empty line stops.")
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


@contextlib.contextmanager
def _page_progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for pages read, only on a terminal and for several pages."""
    bars: list[Any] = []

    def update(done: int, total: int) -> None:
        if total < 2 or not sys.stderr.isatty():
            return
        if not bars:
            bars.append(click.progressbar(length=total, label="reading pages", file=sys.stderr))
            bars[0].__enter__()
        bars[0].update(done - bars[0].pos)

    try:
        yield update
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)


COMMANDS = (kit, restore, verify_kit)
