"""What a typist is told: which typed kit lines to retype or add, and how many are still needed.

Pure functions over the typed lines (vault.paper.frames parses them); RestoreSession in
vault.paper.restore keeps the lines and the codes they complete, and asks these.
"""

from __future__ import annotations

from collections.abc import Iterable

from vault.paper.frames import TypedLine, typed_layout


def good_lines(typed: Iterable[TypedLine]) -> dict[int, dict[int, str]]:
    """The typed lines that pass their check: code number -> line number -> characters."""
    good: dict[int, dict[int, str]] = {}
    for tl in typed:
        if tl.ok:
            good.setdefault(tl.code_no, {})[tl.line_no] = tl.chars
    return good


def layout(typed: Iterable[TypedLine]) -> tuple[int, int, int] | None:
    """(n, k, lines per code) of the kit, once lines 01 and 02 of some code check."""
    for lines in good_lines(typed).values():
        if 1 in lines and 2 in lines and (found := typed_layout(lines[1] + lines[2])):
            return found
    return None


def lines_text(code_no: int, numbers: list[int]) -> str:
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


def report(
    typed: list[TypedLine], problems: dict[int, list[int]], rejected: list[str]
) -> list[str]:
    """One line per typed line to fix: which fail their check, which are missing."""
    found = layout(typed)
    per_code = found[2] if found else None
    held_lines = {(t.code_no, t.line_no): t for t in typed}
    good: dict[tuple[int, int], set[str]] = {}
    for t in typed:
        if t.ok:
            good.setdefault((t.code_no, t.line_no), set()).add(t.chars)
    out = list(rejected)
    for code_no, numbers in sorted(problems.items()):
        missing = []
        for line_no in numbers:
            held = held_lines.get((code_no, line_no))
            if len(good.get((code_no, line_no), ())) > 1:
                out.append(
                    f"line {code_no:03d}-{line_no:02d} was typed twice, differently: are these "
                    "lines of two kits? Type the lines of one kit only"
                )
            elif held is not None and not held.ok:
                out.append(
                    f"line {code_no:03d}-{line_no:02d} does not match its check "
                    "characters: retype it"
                )
            else:
                missing.append(line_no)
        last = max(n for c, n in held_lines if c == code_no)
        if per_code is not None and missing and missing[-1] > last:
            missing[-1:] = list(range(last + 1, per_code + 1))  # a short code's tail
        if missing:
            out.append(f"code {code_no}: {lines_text(code_no, missing)} missing")
        elif per_code is not None and last >= per_code and numbers == [last + 1]:
            out.append(
                f"code {code_no}: every line checks but the code does not: a line may "
                "have the wrong code or line number"
            )
    return out


def lines_needed(typed: list[TypedLine], done: set[int]) -> int | None:
    """Lines still to type for k complete codes, given the codes done (1-based); None: unknown."""
    found = layout(typed)
    if found is None:
        return None
    _, k, per_code = found
    partial = sorted(
        (len(lines) for code, lines in good_lines(typed).items() if code not in done),
        reverse=True,
    )
    still = max(0, k - len(done))
    return sum(per_code - held for held in partial[:still]) + per_code * max(
        0, still - len(partial)
    )


def shortfall(typed: list[TypedLine], complete: int, needed: int | None) -> str:
    """Why typed input does not rebuild the vault yet, and how many lines are needed."""
    found = layout(typed)
    if found is None:
        return (
            f"{complete} complete code{'s' * (complete != 1)} in the typed lines, and the "
            "kit's size cannot be told yet: type every line of a code, starting at line 01"
        )
    _, k, per_code = found
    return (
        f"{complete} of the {k} complete codes needed are in the typed lines: "
        f"{needed} more line{'s' * (needed != 1)} needed (a code has {per_code} lines)"
    )
