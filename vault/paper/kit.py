"""The paper recovery kit: build it from the vault file, prove the printout restores, record it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from vault.crypto import Rng, random_bytes
from vault.errors import AlreadyExists, InvalidData, KitVerificationFailed
from vault.fileio import make_private_dirs, write_private
from vault.format import parse
from vault.paper.frames import (
    TAG,
    Frame,
    FrameSet,
    encode,
    frames_from_typed,
    parse_frame_text,
    parse_typed_line,
    plan,
)
from vault.paper.layout import FORMAT_MARK
from vault.paper.restore import RestoreSession
from vault.policy import KIT_TITLE
from vault.store import VaultFile

DEFAULT_PARITY = 25.0
VERIFY_DPI = 300
# Typing more than this by hand is unrealistic; above it the text pages need --text.
TEXT_BY_DEFAULT_MAX = 8 * 1024
KIT_ID_LEN = 8
# How a printed kit compares with the vault (rvault verify-kit).
KitMatch = Literal["current", "stale", "other-vault", "newer", "unreadable"]
# The header's own label, whole: a title such as "codes sheet 5 of 5" must not pass for it.
_SHEET = re.compile(re.escape(FORMAT_MARK) + r" · codes sheet (\d+) of (\d+) · page \d+ of \d+")
_CODE_LINE = re.compile(r"^\d{3}-\d{2,3} ")  # a large code has 100+ lines


def max_block() -> int:
    """Largest erasure-code block whose frame text still fits one version-40 QR code."""
    from vault.paper.frames import OVERHEAD
    from vault.paper.qr import MAX_FRAME_CHARS

    frame_bytes = (MAX_FRAME_CHARS - len(TAG)) * 5 // 8  # base32: 8 characters per 5 bytes
    return frame_bytes - OVERHEAD


@dataclass(frozen=True)
class KitOptions:
    """Choices for `rvault kit`."""

    paper: str = "a4"
    title: str = KIT_TITLE
    index: bool = True
    parity: float = DEFAULT_PARITY
    text: bool | None = None  # None: print typeable text when the vault is small enough
    page: bool = True  # write the blank browser restore page beside the PDF


@dataclass(frozen=True)
class KitReport:
    """What was printed and proven."""

    path: Path
    kit_id: bytes
    generation: int
    n: int
    k: int
    pages: int
    text: bool
    vault_size: int
    codes: tuple[str, ...]
    page: Path | None = None  # the browser restore page written beside the PDF
    page_sha256: str | None = None


def make_kit(
    vf: VaultFile,
    passphrase: str,
    out: str | os.PathLike[str],
    options: KitOptions = KitOptions(),
    *,
    force: bool = False,
    rng: Rng = random_bytes,
) -> KitReport:
    """Print the vault to a PDF, prove the PDF restores it byte for byte, then record the kit."""
    from vault.paper.kit_pdf import KitFacts, render_kit
    from vault.paper.layout import CODES_PER_PAGE

    if options.parity < 0 or options.parity > 400:
        raise InvalidData("--parity must be between 0 and 400 percent")
    if not force and Path(out).exists():
        # Before the kit is recorded: a clash found after it would cost two saves for nothing.
        raise AlreadyExists(f"{out} already exists", hint="pass --force to replace it")
    page = _restore_page(Path(out), force) if options.page else None
    with vf.edit(passphrase) as vault:
        earlier = vault.kit_record()
        kit_id, printed = rng(KIT_ID_LEN), date.today().isoformat()
        # The kit is recorded before it is encoded, so the printed file is the generation
        # that knows its kit: a vault restored from paper is current, not "no kit". n and k
        # depend on the file's length, which the record itself changes slightly: settle them.
        data, frames = vf.current_bytes(), []
        for _ in range(4):
            k, n, _ = plan(len(data), max_block(), options.parity, CODES_PER_PAGE)
            vault.record_kit(
                {
                    "id": kit_id.hex(),
                    "generation": vf.next_generation,
                    "printed": printed,
                    "n": n,
                    "k": k,
                }
            )
            data = vf.save_now(vault)
            container = parse(data)
            frames = encode(
                data,
                container.vault_id,
                kit_id,
                container.generation,
                max_block(),
                options.parity,
                fill_to=CODES_PER_PAGE,
            )
            if (len(frames), frames[0].k) == (n, k):
                break
        else:  # pragma: no cover - the length moves by a byte or two, never back and forth
            raise RuntimeError("the kit's size did not settle")
        try:
            include_text = (
                options.text if options.text is not None else len(data) <= TEXT_BY_DEFAULT_MAX
            )
            kdf = max(container.passphrase_slots(), key=lambda s: s.kdf.memory_kib).kdf
            facts = KitFacts(
                title=options.title,
                printed=printed,
                vault_id=container.vault_id,
                kit_id=kit_id,
                generation=container.generation,
                entry_count=len(vault.entries),
                kdf=(
                    f"Argon2id, {kdf.memory_kib // 1024} MiB memory, {kdf.time_cost} passes, "
                    f"{kdf.parallelism} lanes"
                ),
                memory_mib=-(-kdf.memory_kib // 1024),
                vault_size=len(data),
                n=len(frames),
                k=frames[0].k,
                index=tuple((e.name, e.kind) for e in vault.entries) if options.index else None,
                page_sha256=page[2] if page else None,
            )
            pdf = render_kit(frames, facts, options.paper, include_text)

            def prove(written: bytes) -> None:
                verify_pdf(written, data, frames, include_text)

            path = write_private(out, pdf, force, verify=prove)
            if page and not (page[0].exists() and page[0].read_bytes() == page[1]):
                # Public, like the kit: it holds no vault and no secret (0600 all the same).
                write_private(page[0], page[1], force=True)
        except BaseException:
            # No kit was kept, so the vault must not claim one: put the old record back.
            vault.record_kit(earlier)
            vf.save_now(vault)
            raise
    return KitReport(
        path,
        kit_id,
        container.generation,
        facts.n,
        facts.k,
        _count_pages(pdf),
        include_text,
        len(data),
        tuple(f.to_text() for f in frames),
        page[0] if page else None,
        page[2] if page else None,
    )


def _restore_page(out: Path, force: bool) -> tuple[Path, bytes, str]:
    """The blank browser restore page for the kit's folder: (path, bytes, SHA-256).

    A copy already there that is identical (from an earlier kit) is kept; a different file
    by that name is replaced only with force, and refused before anything is printed.
    """
    from vault.paper.kit_pdf import PAGE_NAME
    from vault.web.page import build_page, page_sha256

    html = build_page(None)
    target = out.with_name(PAGE_NAME)
    if target.exists() and not force and target.read_bytes() != html:
        raise AlreadyExists(
            f"{target} already exists and is not this version's restore page",
            hint="pass --force to replace it, or --no-page to leave it",
        )
    return target, html, page_sha256(html)


def verify_pdf(pdf: bytes, expected: bytes, frames: list[Frame], text: bool) -> None:
    """Render every codes sheet at 300 dpi, decode every code, and rebuild expected exactly."""
    import pypdfium2 as pdfium

    from vault.paper.layout import CODES_PER_PAGE, code_sheet
    from vault.paper.scan import decode_image
    from vault.paper.typeable import printed_text_codes

    found, lines = FrameSet(), []
    n = len(frames)
    doc = pdfium.PdfDocument(pdf)
    try:
        for page in doc:
            textpage = page.get_textpage()
            page_text = textpage.get_text_range()
            textpage.close()
            lines.extend(page_text.splitlines())
            sheet = _SHEET.search(page_text)
            if sheet is None:
                continue  # cover, index and text pages hold no codes: no need to render them
            expect = min(CODES_PER_PAGE, n - CODES_PER_PAGE * (int(sheet[1]) - 1))
            image = page.render(scale=VERIFY_DPI / 72, grayscale=True).to_pil()
            for t in decode_image(image, expect=expect):
                found.add(parse_frame_text(t))
            page.close()
    finally:
        doc.close()
    missing = [i for i in range(n) if i not in found.frames]
    if missing:
        where = ", ".join(f"{i + 1} (codes sheet {code_sheet(i)})" for i in missing)
        raise KitVerificationFailed(
            f"kit verification failed: code {where} did not read back from the PDF; "
            "the kit was not saved",
            hint="try again; if it keeps failing, report it as a bug",
        )
    if found.join() != expected:
        raise KitVerificationFailed("kit verification failed: the codes do not rebuild the vault")
    if text:
        # Only lines in the exact printed shape: a title or entry name that starts with a
        # number must not be mistaken for a mistyped code line.
        printed = (t for t in map(parse_typed_line, filter(_CODE_LINE.match, lines)) if t)
        typed, problems = frames_from_typed(printed)
        from_text = FrameSet()
        from_text.add_all(typed)
        shown = printed_text_codes(n, frames[0].k)
        if problems or len(from_text.frames) != shown or from_text.join() != expected:
            raise KitVerificationFailed("kit verification failed: the printed text does not match")


def _count_pages(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def write_qr_dir(codes: tuple[str, ...], qr_dir: str | os.PathLike[str], force: bool) -> int:
    """Write every code of a kit as PNG and SVG files (0600); returns how many codes."""
    from vault.paper.qr import qr_png, qr_svg

    folder = Path(qr_dir)
    make_private_dirs(folder)
    for text in codes:
        frame = parse_frame_text(text)
        stem = f"code-{frame.index + 1:03d}-of-{frame.n:03d}"
        write_private(folder / f"{stem}.png", qr_png(text), force)
        write_private(folder / f"{stem}.svg", qr_svg(text).encode(), force)
    return len(codes)


@dataclass(frozen=True)
class KitCheck:
    """What `rvault verify-kit` found: which codes read, the margin, and the match."""

    kit_id: bytes
    n: int
    k: int
    read: tuple[int, ...]  # 0-based indexes of codes read
    status: KitMatch
    kit_generation: int
    vault_generation: int  # content generation of the current vault (or header, if unknown)

    @property
    def slack(self) -> int:
        """Codes that may still be lost before the kit stops restoring."""
        return len(self.read) - self.k

    def summary(self) -> str:
        """One line such as '14 of 16 read, 12 needed: 2 codes of slack'."""
        base = f"{len(self.read)} of {self.n} read, {self.k} needed"
        if self.slack < 0:
            return f"{base}: {-self.slack} more needed, the kit does not restore as scanned"
        return f"{base}: {self.slack} code{'s' if self.slack != 1 else ''} of slack"

    def verdict(self) -> str:
        """The kit against the current vault, in words."""
        return {
            "current": "matches the current vault: this kit restores it",
            "stale": (
                "out of date: vault changed since this kit was printed "
                f"(generation {self.kit_generation}, now {self.vault_generation})"
            ),
            "other-vault": "this kit belongs to another vault",
            "newer": (
                f"this kit (generation {self.kit_generation}) is newer than the vault "
                f"(generation {self.vault_generation}): was the vault restored from an old copy?"
            ),
            "unreadable": "too few codes were read to rebuild the vault from these scans",
        }[self.status]


def check_kit(
    vf: VaultFile,
    session: RestoreSession,
    passphrase: Callable[[], str],
    kit_id: str | None = None,
) -> KitCheck:
    """Compare scanned kit codes with the current vault; asks for the passphrase only if needed."""
    seen = session.kit(kit_id).frames
    assert seen.key is not None
    kit_vault_id, kid, kit_gen = seen.key[0], seen.key[1], seen.key[2]
    current = parse(vf.read_bytes())
    read = tuple(sorted(seen.frames))

    def result(status: KitMatch, vault_gen: int) -> KitCheck:
        return KitCheck(kid, seen.n, seen.k, read, status, kit_gen, vault_gen)

    if kit_vault_id != current.vault_id:
        return result("other-vault", current.generation)
    if not seen.complete():
        return result("unreadable", current.generation)
    session.finish(kit_id)  # the codes rebuild a well-formed vault file of this vault
    if kit_gen > current.generation:
        return result("newer", current.generation)
    if kit_gen == current.generation:
        return result("current", current.generation)
    # Saved since: only the encrypted contents can tell a changed entry from bookkeeping
    # (such as recording this very kit).
    vault = vf.load(passphrase())
    changed = vault.content_generation
    return result("current" if kit_gen >= changed else "stale", changed)
