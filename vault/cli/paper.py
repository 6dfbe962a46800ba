"""`rvault` commands for paper: the kit, restoring from it, and recovery keys and shares.

Registered on the `rvault` group defined in vault.cli; like every command, each parses its
options, gets secrets, makes one library call and prints.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vault.cli._shared import (
    INTERACTIVE,
    STDIN,
    F,
    Options,
    check_passphrase_strength,
    common,
    say,
)
from vault.errors import InvalidData, UsageProblem
from vault.prompts import passphrase_from_file, prompt_passphrase

if TYPE_CHECKING:
    from vault.paper.restore import RestoreSession


@click.command()
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
    from vault.errors import AlreadyExists
    from vault.paper.kit import KitOptions, make_kit, write_qr_dir

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
    target = _restore_target(opts, out)
    session = _collect(sources, text_file, kit_id)
    data = _finish(session, kit_id)
    path = write_private(target, data, force and out is not None)
    _say_restored(f"{session.status(kit_id)}: restored", path, out is None)


def _restore_target(opts: Options, out: str | None) -> Path:
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
            hint="give --out PATH to restore to another file",
        )
    from vault.fileio import make_private_dirs

    make_private_dirs(target.parent)  # it will hold the vault and its backups
    return target


def _say_restored(what: str, path: Path, default: bool) -> None:
    """Where the vault now is, and the next command to run."""
    if default:
        say(f"{what} to {path}, where rvault looks for your vault.")
        say("Next: rvault list, then rvault use NAME, rvault totp NAME or rvault show NAME.")
    else:
        say(f"{what} to {path}.")
        say(f"Open it with: rvault --vault {path} list")


def _finish(session: RestoreSession, kit_id: str | None) -> bytes:
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


def _collect(
    sources: tuple[str, ...],
    text_file: str | None,
    kit_id: str | None = None,
    stop_early: bool = True,
) -> RestoreSession:
    """Frames from typed text and from scans or photos, gathered into one session.

    With stop_early, pages are read with fewer passes once the kit can be rebuilt (restore,
    recover); verify-kit reads every page with every pass to report every code.
    """
    from vault.paper.restore import RestoreSession

    session = RestoreSession()

    def enough() -> bool:
        # The session's choice (newest complete kit of one vault, or --kit) is ready. Scanning
        # does not stop here: an old kit may be complete while a newer one sits in the pages
        # not yet read. Every page is still looked at until one of its codes shows its kit
        # (scan_paths' `settled`; for a clean page that is its first pass, and its codes all
        # come with it), and only the extra passes for codes missing from pages of kits
        # already seen are skipped. That keeps the big saving on a single kit (pages after
        # the kit is complete get one pass, never the nine a damaged page may need) and costs
        # one render and one pass per remaining page. Reading no page at all once complete
        # would be cheaper but is exactly how a newer kit among the sources went unseen.
        return stop_early and session.ready(kit_id)

    if text_file == INTERACTIVE and sys.stdin.isatty():
        _type_lines(session)
    elif text_file is not None:
        from vault.fileio import read_text_source

        source = STDIN if text_file == INTERACTIVE else text_file
        session.add_lines(read_text_source(source, limit=64 * 1024 * 1024).splitlines(), source)
        for problem in session.typed_report():
            say(problem)
    if sources:
        from vault.paper.scan import scan_paths

        seen = [0, 0]

        def progress(done: int, total: int) -> None:
            seen[:] = [done, total]
            _progress(done, total)

        short: set[tuple[str, int]] = set()
        for page in scan_paths(list(sources), progress=progress, settled=enough):
            for t in page.texts:
                session.add_text(t, f"{page.source}:{page.page}")
            (short.add if page.cut_short else short.discard)((page.source, page.page))
        _, total = seen
        if enough() and short:
            say(
                f"Enough codes were read: {len(short)} of {total} pages were read only far "
                "enough to tell which kit they belong to."
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
    session = _collect(sources, None, kit_id, stop_early=False)
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


@click.group(name="recovery-key")
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

    from vault.errors import AlreadyExists
    from vault.fileio import write_private
    from vault.format import parse
    from vault.paper.recovery import format_printed_key
    from vault.paper.shares import parse_shares_option, split_key
    from vault.paper.sheets import SheetFacts, render_recovery_sheet, render_share_sheet

    vf = opts.existing_vault()
    passphrase = opts.passphrase()
    key = os.urandom(32)
    facts = SheetFacts(vault_id=parse(vf.read_bytes()).vault_id, printed=date.today().isoformat())
    target = Path(out)
    if shares:
        k, n = parse_shares_option(shares)
        secret = _share_secret(share_passphrase_file)
        words = split_key(key, k, n, secret)
        stem = target.with_suffix("")
        sheets = {
            Path(f"{stem}-share-{i}-of-{n}.pdf"): render_share_sheet(w, i, k, n, facts, paper)
            for i, w in enumerate(words, 1)
        }
    else:
        sheets = {target: render_recovery_sheet(format_printed_key(key), facts, paper)}
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
def recovery_key_add(opts: Options, /, **options: Any) -> None:
    """Create a recovery key and print it (or its share sheets)."""
    _print_recovery(opts, **options, replace=False)


@recovery_key.command(name="rotate")
@common
@_recovery_options
@click.pass_obj
def recovery_key_rotate(opts: Options, /, **options: Any) -> None:
    """Replace the recovery key: the old sheet or shares stop working."""
    _print_recovery(opts, **options, replace=True)


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
    target = _restore_target(opts, out)
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
    if new_passphrase_file:
        new = passphrase_from_file(new_passphrase_file)
    else:
        new = prompt_passphrase("New passphrase", confirm=True)
    check_passphrase_strength(new)
    path = write_private(target, recover_with_key(data, key, new), force and out is not None)
    _say_restored("Recovered", path, out is None)
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
    return _finish(_collect(sources, text_file, kit_id), kit_id)


COMMANDS = (kit, restore, verify_kit, recovery_key, recover)
