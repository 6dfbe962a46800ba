"""Rebuilding a vault from paper: collect frames from any source, say what is missing, finish."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import NoReturn

from vault.errors import CorruptVault, InvalidData
from vault.format import parse
from vault.paper import typist
from vault.paper.frames import (
    TAG,
    Frame,
    FrameSet,
    TypedLine,
    frames_from_typed,
    parse_frame_text,
    parse_typed_line,
    short_id,
)
from vault.policy import MAX_TYPED_TEXT


@dataclass(frozen=True)
class KitSummary:
    """What was read of one kit: whose vault, which kit and generation, how many codes."""

    vault_id: bytes
    kit_id: bytes
    generation: int
    read: int
    n: int
    k: int
    strays: int  # codes with this kit id that did not match the rest of the kit

    @property
    def complete(self) -> bool:
        """Whether enough codes were read to rebuild the vault."""
        return self.read >= self.k

    def describe(self) -> str:
        """'kit 1A2B3C4D (generation 5, 9 of 12 codes read, 7 needed)'."""
        # A frame carries no date (printing it would enlarge every code), so generation and
        # codes read are what tell one printout from another.
        return (
            f"kit {short_id(self.kit_id)} (generation {self.generation}, "
            f"{self.read} of {self.n} codes read, {self.k} needed)"
        )


@dataclass
class KitSeen:
    """Frames of one kit, and where they were found."""

    frames: FrameSet = field(default_factory=FrameSet)
    sources: set[str] = field(default_factory=set)

    def summary(self) -> KitSummary:
        """The kit's ids, generation and counts."""
        fs = self.frames
        assert fs.key is not None  # a KitSeen is made for a frame and holds it
        vault_id, kit_id, generation, n, k, _ = fs.key
        return KitSummary(vault_id, kit_id, generation, len(fs.frames), n, k, fs.strays)


@dataclass(frozen=True)
class ReadReport:
    """What RestoreSession.read went through."""

    pages: int  # pages of scans, photos or PDFs
    cut_short: int  # pages read only far enough to tell their kit (enough codes were in)
    typed_problems: tuple[str, ...]  # lines of typed text to retype, and why


class RestoreSession:
    """Frames from scans, photos and typed text, kept apart per kit and never mixed."""

    def __init__(self) -> None:
        self.kits: dict[bytes, KitSeen] = {}
        self.unreadable = 0
        self.typed: list[TypedLine] = []
        self.typed_problems: dict[int, list[int]] = {}
        self.rejected_lines: list[str] = []  # typed lines whose numbers no kit can have

    def read(
        self,
        sources: Sequence[str] = (),
        text: str | None = None,
        progress: Callable[[int, int], None] | None = None,
        stop_early: bool = True,
        kit_id: str | None = None,
    ) -> ReadReport:
        """Add the frames of typed text (a file, '-' for stdin) and of scans, photos, PDFs.

        Sources may be folders. With stop_early, pages are read with fewer passes once the
        kit (kit_id, or the newest complete one) can be rebuilt; without, every page gets
        every pass, so that every code is reported (verify-kit). Several pages are read in
        spawned processes: a script calling this needs the `if __name__ == "__main__":` guard.
        """
        from vault.fileio import read_text_source
        from vault.paper.scan import scan_paths

        if text is not None:
            self.add_lines(read_text_source(text, limit=MAX_TYPED_TEXT).splitlines(), text)

        def enough() -> bool:
            # Not a stop: an old kit may be complete while a newer one sits in pages not yet
            # read. Each page is still read until a code shows its kit (a clean page: one
            # pass); only the extra passes of a damaged page of a known kit are skipped.
            return stop_early and self.ready(kit_id)

        total, short = [0], set[tuple[str, int]]()

        def pages_done(done: int, count: int) -> None:
            total[0] = count
            if progress is not None:
                progress(done, count)

        # Each page also judges, after every pass, whether the codes read so far by all pages
        # are enough (the same test, on the scanned codes alone), and stops right then.
        goal = partial(enough_codes, kit_id) if stop_early else None
        scanned = (
            scan_paths(list(sources), progress=pages_done, settled=enough, goal=goal)
            if sources
            else ()
        )
        for page in scanned:
            for t in page.texts:
                self.add_text(t, f"{page.source}:{page.page}")
            (short.add if page.cut_short else short.discard)((page.source, page.page))
        problems = tuple(self.typed_report()) if text is not None else ()
        return ReadReport(total[0], len(short) if enough() else 0, problems)

    def add_text(self, text: str, source: str = "") -> bool:
        """Add one decoded QR text or pasted frame; False if it was not a usable frame."""
        try:
            frame = parse_frame_text(text)
        except InvalidData:
            self.unreadable += 1
            return False
        return self.add_frame(frame, source)

    def add_frame(self, frame: Frame, source: str = "") -> bool:
        """Add a frame to the set of its own kit; True if it was new."""
        seen = self.kits.setdefault(frame.kit_id, KitSeen())
        if source:
            seen.sources.add(source)
        return seen.frames.add(frame)

    def add_lines(self, lines: Iterable[str], source: str = "") -> None:
        """Add text lines: whole frames (a scanner app's output) or typed lines of the kit."""
        for line in lines:
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.upper().startswith(TAG):
                self.add_text(stripped, source)
                continue
            try:
                typed = parse_typed_line(stripped)
            except InvalidData as exc:
                # One bad line loses only itself: the other codes may still be enough.
                self.rejected_lines.append(exc.message)
                continue
            if typed is not None:
                self.typed.append(typed)
        frames, self.typed_problems = frames_from_typed(self.typed)
        for frame in frames:
            self.add_frame(frame, source)

    def add_typed_line(self, line: str) -> str:
        """Take one interactively typed line and return immediate feedback for the typist."""
        stripped = line.strip()
        if stripped.upper().startswith(TAG):
            return "whole code added" if self.add_text(stripped, "typed") else "not a valid code"
        try:
            typed = parse_typed_line(stripped)
        except InvalidData as exc:
            return exc.message
        if typed is None:
            return "not a kit line: type it as printed, starting with the code and line number"
        label = f"{typed.code_no:03d}-{typed.line_no:02d}"
        if not typed.ok:
            return f"line {label} does not match its check characters: retype it"
        before = self._complete_codes()
        self.add_lines([stripped], "typed")
        if self._complete_codes() > before:
            return f"line {label} ok: code {typed.code_no} is complete"
        return f"line {label} ok"

    def typed_report(self) -> list[str]:
        """One line per typed line to fix: which fail their check, which are missing."""
        return typist.report(self.typed, self.typed_problems, self.rejected_lines)

    def typed_shortfall(self) -> str:
        """Why typed input does not rebuild the vault yet, and how many lines are needed."""
        return typist.shortfall(self.typed, self._complete_codes(), self.lines_needed())

    def _complete_codes(self) -> int:
        return sum(len(seen.frames.frames) for seen in self.kits.values())

    def lines_needed(self) -> int | None:
        """Typed lines still needed to rebuild the vault, once the kit's layout is known."""
        if self.kits and len(self.kits) == 1 and next(iter(self.kits.values())).frames.complete():
            return 0
        done = {f.index + 1 for seen in self.kits.values() for f in seen.frames.frames.values()}
        return typist.lines_needed(self.typed, done)

    def summaries(self) -> list[KitSummary]:
        """Every kit seen so far, in the order its first code was read."""
        return [seen.summary() for seen in self.kits.values()]

    def kit(self, kit_id: str | None = None) -> KitSeen:
        """The kit to restore: the one --kit names, else the newest generation of one vault.

        Old kits are kept next to new ones, so the order of the pages says nothing: a kit of
        a later generation of the same vault always wins, and finish() refuses rather than
        fall back silently to an older kit. Kits of different vaults are never chosen
        between without --kit.
        """
        if not self.kits:
            raise InvalidData(
                "no rvault kit codes were found in the input",
                hint="too dark or blurred? photograph each codes sheet again in good light, "
                "flat and filling most of the picture",
            )
        if kit_id is not None:
            wanted = kit_id.strip().upper()
            matches = [
                s for kid, s in self.kits.items() if wanted and kid.hex().upper().startswith(wanted)
            ]
            if len(matches) > 1:
                raise InvalidData(f"--kit {kit_id} matches several kits; give more of its id")
            if not matches:
                raise InvalidData(f"no codes of kit {kit_id} were found")
            return matches[0]
        found = self.summaries()
        vaults = {s.vault_id for s in found}
        if len(vaults) > 1:
            listed = "; ".join(f"vault {short_id(s.vault_id)}: {s.describe()}" for s in found)
            raise InvalidData(
                f"codes of {len(vaults)} different vaults were found and not mixed: {listed}",
                hint="restore one vault at a time, or choose a kit with --kit ID",
            )
        newest = max(s.generation for s in found)
        top = [s for s in found if s.generation == newest]
        if len(top) > 1:
            # Two printouts of one generation should hold the same file, but nothing here
            # proves it (a vault restored from a copy and changed reuses generations).
            listed = "; ".join(s.describe() for s in top)
            raise InvalidData(
                f"{len(top)} kits of the same generation {newest} were found and not mixed: "
                f"{listed}",
                hint="choose one with --kit ID",
            )
        return self.kits[top[0].kit_id]

    def ready(self, kit_id: str | None = None) -> bool:
        """Whether finish() would rebuild the vault now (the kit chosen is complete)."""
        try:
            return self.kit(kit_id).frames.complete()
        except InvalidData:
            return False

    def ignored(self, kit_id: str | None = None) -> list[str]:
        """Lines naming what the restore leaves out: the other kits, and stray codes."""
        chosen = self.kit(kit_id).summary()
        lines = []
        for other in self.summaries():
            if other.kit_id == chosen.kit_id:
                continue
            if other.vault_id != chosen.vault_id:
                why = f"a kit of another vault ({short_id(other.vault_id)})"
            elif other.generation < chosen.generation:
                why = "an older kit of the same vault"
            elif other.generation > chosen.generation:
                why = "a newer kit of the same vault"
            else:
                why = "another kit of the same generation"
            chosen_by = ", not the one chosen with --kit" if kit_id is not None else ""
            lines.append(f"Ignored {other.describe()}: {why}{chosen_by}.")
        if chosen.strays:
            one = chosen.strays == 1
            lines.append(
                f"{chosen.strays} code{'' if one else 's'} with kit {short_id(chosen.kit_id)} "
                f"did not match the rest of {'its' if one else 'their'} kit and "
                f"{'was' if one else 'were'} ignored."
            )
        return lines

    def status(self, kit_id: str | None = None) -> str:
        """A one-line account such as '13 of 16 codes read, 12 needed'."""
        fs = (seen := self.kit(kit_id)).frames
        counts = f"{len(fs.frames)} of {fs.n} codes read, {fs.k} needed"
        if len(self.kits) == 1:
            return counts
        summary = seen.summary()
        return f"kit {short_id(summary.kit_id)} (generation {summary.generation}): {counts}"

    def missing_text(self, kit_id: str | None = None) -> str:
        """Which codes are still needed and where they were printed."""
        from vault.paper.layout import code_sheet

        fs = self.kit(kit_id).frames
        need = fs.k - len(fs.frames)
        by_sheet: dict[int, list[str]] = {}
        for i in fs.missing():
            by_sheet.setdefault(code_sheet(i), []).append(str(i + 1))
        where = "; ".join(f"codes sheet {s}: {', '.join(c)}" for s, c in sorted(by_sheet.items()))
        return f"{need} more needed from the missing codes ({where})"

    def finish(self, kit_id: str | None = None) -> bytes:
        """The rebuilt vault file, checked to be a well-formed vault of the kit's vault."""
        seen = self.kit(kit_id)
        fs = seen.frames
        if not fs.complete():
            self._refuse_incomplete(seen, kit_id)
        data = fs.join()
        container = parse(data)  # structure and checksum: no key is needed
        assert fs.key is not None
        if container.vault_id != fs.key[0] or container.generation != fs.key[2]:
            raise CorruptVault("the rebuilt file does not match the kit's vault id and generation")
        return data

    def retake_advice(self, kit_id: str | None = None) -> str:
        """What to photograph again, as far as where the missing codes sit tells."""
        from vault.paper.layout import code_sheet

        fs = self.kit(kit_id).frames
        missing = set(fs.missing())
        sheets = sorted({code_sheet(i) for i in missing})
        return "; ".join(
            _sheet_advice(s, [i for i in range(fs.n) if code_sheet(i) == s], missing)
            for s in sheets
        )

    def _refuse_incomplete(self, seen: KitSeen, kit_id: str | None) -> NoReturn:
        missing = self.missing_text(kit_id)
        if len(self.kits) == 1 or kit_id is not None:
            raise InvalidData(f"{self.status(kit_id)}: {missing}", hint=self.retake_advice(kit_id))
        newest = seen.summary()
        label = f"kit {short_id(newest.kit_id)}"
        head = (
            f"the newest kit found, {label} (generation {newest.generation}), has only "
            f"{newest.read} of the {newest.k} codes needed: {missing}"
        )
        others = [s for s in self.summaries() if s.kit_id != newest.kit_id]
        complete = [s for s in others if s.complete]
        if complete:
            # An old kit complete, the new one not (yet): restoring the old one would lose
            # what changed since, so it takes a deliberate --kit.
            older = max(complete, key=lambda s: s.generation)
            raise InvalidData(
                f"{head}; kit {short_id(older.kit_id)} (generation {older.generation}) is "
                "complete but older: restoring it would lose what changed since it was printed",
                hint=f"find the rest of {label}, or restore the older kit deliberately with "
                f"--kit {short_id(older.kit_id)}",
            )
        listed = "; ".join(s.describe() for s in others)
        raise InvalidData(
            f"{head}; also found and not mixed in: {listed}",
            hint=f"find the rest of {label}, or choose another kit with --kit ID",
        )


def enough_codes(kit_id: str | None, texts: list[str]) -> bool:
    """Whether these kit codes alone rebuild the kit a restore would choose (picklable)."""
    session = RestoreSession()
    for text in texts:
        session.add_text(text)
    return session.ready(kit_id)


def _sheet_advice(sheet: int, on: list[int], missing: set[int]) -> str:
    """Retake advice for one codes sheet holding codes `on`, some of them missing."""
    from vault.paper.layout import CODES_PER_PAGE

    lost = [i for i in on if i in missing]
    if len(lost) == len(on):
        return f"codes sheet {sheet} was not read at all: photograph it whole"
    # (column, row) on the sheet: 2 columns x 3 rows, filled row by row. A whole edge column
    # or row lost while the rest read means the photo cut that side off (with two codes at
    # least: one lost code proves nothing).
    spot = {i: (i % CODES_PER_PAGE % 2, i % CODES_PER_PAGE // 2) for i in on}
    edges = {(0, None): "left side", (1, None): "right side", (None, 0): "top"}
    if (bottom := max(r for _, r in spot.values())) > 0:
        edges[(None, bottom)] = "bottom"
    cut = []
    for (col, row), name in edges.items():
        line = [i for i in on if col in (None, spot[i][0]) and row in (None, spot[i][1])]
        if len(line) >= 2 and all(i in missing for i in line):
            cut.append(name)
    if cut:
        return f"photograph codes sheet {sheet} again, whole: its {' and '.join(cut)} was cut off"
    if len(lost) <= 2:
        codes = " and ".join(str(i + 1) for i in lost)
        return (
            f"on codes sheet {sheet}, code {codes} did not read: if light shone on it, take "
            "another photo without flash, at a slight angle"
        )
    return f"photograph codes sheet {sheet} again, closer and sharper"
