"""Rebuilding a vault from paper: collect frames from any source, say what is missing, finish."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import CorruptVault, InvalidData
from .format import parse
from .frames import (
    Frame,
    FrameSet,
    TypedLine,
    frames_from_typed,
    parse_frame_text,
    parse_typed_line,
    short_id,
    typed_layout,
)


@dataclass
class KitSeen:
    """Frames of one kit, and where they were found."""

    frames: FrameSet = field(default_factory=FrameSet)
    sources: set[str] = field(default_factory=set)


def _lines_text(code_no: int, numbers: list[int]) -> str:
    """'line 003-07 is' or 'lines 003-18 to 003-19 are' (runs of numbers joined)."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [
        f"{code_no:03d}-{r[0]:02d}" + (f" to {code_no:03d}-{r[-1]:02d}" if len(r) > 1 else "")
        for r in runs
    ]
    plural = len(numbers) > 1
    return f"line{'s' * plural} {', '.join(parts)} {'are' if plural else 'is'}"


class RestoreSession:
    """Frames from scans, photos and typed text, kept apart per kit and never mixed."""

    def __init__(self) -> None:
        self.kits: dict[bytes, KitSeen] = {}
        self.unreadable = 0
        self.typed: list[TypedLine] = []
        self.typed_problems: dict[int, list[int]] = {}
        self.rejected_lines: list[str] = []  # typed lines whose numbers no kit can have

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
            if stripped.upper().startswith("RVK1:"):
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
        if stripped.upper().startswith("RVK1:"):
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
        layout = self._typed_layout()
        per_code = layout[2] if layout else None
        typed = {(t.code_no, t.line_no): t for t in self.typed}
        report = list(self.rejected_lines)
        for code_no, numbers in sorted(self.typed_problems.items()):
            missing = []
            for line_no in numbers:
                held = typed.get((code_no, line_no))
                if held is not None and not held.ok:
                    report.append(
                        f"line {code_no:03d}-{line_no:02d} does not match its check "
                        "characters: retype it"
                    )
                else:
                    missing.append(line_no)
            last = max(n for c, n in typed if c == code_no)
            if per_code is not None and missing and missing[-1] > last:
                missing[-1:] = list(range(last + 1, per_code + 1))  # a short code's tail
            if missing:
                report.append(f"code {code_no}: {_lines_text(code_no, missing)} missing")
            elif per_code is not None and last >= per_code and numbers == [last + 1]:
                report.append(
                    f"code {code_no}: every line checks but the code does not: a line may "
                    "have the wrong code or line number"
                )
        return report

    def typed_shortfall(self) -> str:
        """Why typed input does not rebuild the vault yet, and how many lines are needed."""
        complete = self._complete_codes()
        needed = self.lines_needed()
        layout = self._typed_layout()
        if layout is None:
            return (
                f"{complete} complete code{'s' * (complete != 1)} in the typed lines, and the "
                "kit's size cannot be told yet: type every line of a code, starting at line 01"
            )
        _, k, per_code = layout
        return (
            f"{complete} of the {k} complete codes needed are in the typed lines: "
            f"{needed} more line{'s' * (needed != 1)} needed (a code has {per_code} lines)"
        )

    def _typed_layout(self) -> tuple[int, int, int] | None:
        good: dict[int, dict[int, str]] = {}
        for tl in self.typed:
            if tl.ok:
                good.setdefault(tl.code_no, {})[tl.line_no] = tl.chars
        for lines in good.values():
            if 1 in lines and 2 in lines and (layout := typed_layout(lines[1] + lines[2])):
                return layout
        return None

    def _complete_codes(self) -> int:
        return sum(len(seen.frames.frames) for seen in self.kits.values())

    def lines_needed(self) -> int | None:
        """Typed lines still needed to rebuild the vault, once the kit's layout is known."""
        if self.kits and len(self.kits) == 1 and next(iter(self.kits.values())).frames.complete():
            return 0
        good: dict[int, dict[int, str]] = {}
        for tl in self.typed:
            if tl.ok:
                good.setdefault(tl.code_no, {})[tl.line_no] = tl.chars
        layout = self._typed_layout()
        if layout is None:
            return None
        _, k, per_code = layout
        done = {f.index + 1 for seen in self.kits.values() for f in seen.frames.frames.values()}
        partial = sorted(
            (len(lines) for code, lines in good.items() if code not in done), reverse=True
        )
        still = max(0, k - len(done))
        return sum(per_code - held for held in partial[:still]) + per_code * max(
            0, still - len(partial)
        )

    def kit(self, kit_id: str | None = None) -> KitSeen:
        """The one kit being restored; refuses to guess when codes of several kits were found."""
        if not self.kits:
            raise InvalidData("no rvault kit codes were found in the input")
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
        if len(self.kits) > 1:
            found = "; ".join(
                f"kit {short_id(kid)} (generation {s.frames.key[2] if s.frames.key else '?'}, "
                f"{len(s.frames.frames)} codes)"
                for kid, s in self.kits.items()
            )
            raise InvalidData(
                f"codes from {len(self.kits)} different kits were found and not mixed: {found}",
                hint="restore one kit at a time, or choose one with --kit ID",
            )
        return next(iter(self.kits.values()))

    def status(self, kit_id: str | None = None) -> str:
        """A one-line account such as '13 of 16 codes read, 12 needed'."""
        fs = self.kit(kit_id).frames
        return f"{len(fs.frames)} of {fs.n} codes read, {fs.k} needed"

    def missing_text(self, kit_id: str | None = None) -> str:
        """Which codes are still needed and where they were printed."""
        from .paper import code_sheet

        fs = self.kit(kit_id).frames
        need = fs.k - len(fs.frames)
        by_sheet: dict[int, list[str]] = {}
        for i in fs.missing():
            by_sheet.setdefault(code_sheet(i), []).append(str(i + 1))
        where = "; ".join(f"codes sheet {s}: {', '.join(c)}" for s, c in sorted(by_sheet.items()))
        return f"{need} more needed from the missing codes ({where})"

    def finish(self, kit_id: str | None = None) -> bytes:
        """The rebuilt vault file, checked to be a well-formed vault of the kit's vault."""
        fs = self.kit(kit_id).frames
        if not fs.complete():
            raise InvalidData(f"{self.status(kit_id)}: {self.missing_text(kit_id)}")
        data = fs.join()
        container = parse(data)  # structure and checksum: no key is needed
        assert fs.key is not None
        if container.vault_id != fs.key[0] or container.generation != fs.key[2]:
            raise CorruptVault("the rebuilt file does not match the kit's vault id and generation")
        return data
