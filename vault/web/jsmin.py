"""Comments and indentation out of the project's JavaScript, for the page (nothing else changes).

The modules in vault/web/js are written to be read; the page must stay under 100 KB. This
removes comments, indentation, blank lines, the spaces no token needs and the line breaks
that cannot matter (after `{ ; , ( [`, before `} ) ] .`), and leaves every token, string,
template literal and regular expression as written, and every other line break (so automatic
semicolon insertion reads the code exactly as before). It is a small scanner of the
JavaScript lexical grammar, not a minifier: no renaming, no rewriting.
"""

from __future__ import annotations

# After these, a `/` starts a regular expression; after anything else it divides.
_REGEX_AFTER_PUNCT = set("(,=:[!&|?{};+-*%<>~^")
_REGEX_AFTER_WORD = {
    "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case",
    "do", "else", "yield", "await",
}  # fmt: skip
# Line breaks after these, or before those, never matter to semicolon insertion.
_JOIN_AFTER = set("{;,([")
_JOIN_BEFORE = set("})].")
_WORD_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")


def _is_word(ch: str) -> bool:
    return ch in _WORD_CHARS or ch > "\x7f"


def _space_needed(prev: str, nxt: str) -> bool:
    """Whether two tokens would merge, or change meaning, without the space between them."""
    if _is_word(prev) and _is_word(nxt):
        return True  # `return x`, `in obj`
    if prev == nxt and prev in "+-":
        return True  # `a + +b` is not `a++b`
    if "/" in (prev, nxt):
        return True  # never make `//`, `/*` or a regex out of a division
    return nxt == "." and prev.isdigit()  # `1 .toString()`


class _Out:
    """The output, tracking the last significant token for the regex-or-division question."""

    def __init__(self, join_lines: bool) -> None:
        self.join_lines = join_lines
        self.parts: list[str] = []
        self.last = ""  # last significant character emitted
        self.word = ""  # the identifier or keyword it ended, if it was one
        self.pending = False  # white space was seen since the last token

    def code(self, text: str) -> None:
        number = text[0] == "." and text[1:2].isdigit()  # `1\n.5` is two statements
        if self.join_lines and text[0] in _JOIN_BEFORE and not number and self.parts[-1:] == ["\n"]:
            # Nothing can end a statement before these: the line break does nothing.
            self.parts.pop()
            self.pending = True
        last = self.parts[-1] if self.parts else "\n"
        if self.pending and not last.endswith("\n") and _space_needed(last[-1], text[0]):
            self.parts.append(" ")
        self.pending = False
        self.parts.append(text)
        stripped = text.rstrip(" \t\n")
        if stripped:
            self.last = stripped[-1]
            tail = len(stripped)
            while tail and stripped[tail - 1] in _WORD_CHARS:
                tail -= 1
            self.word = stripped[tail:] if self.last in _WORD_CHARS else ""

    def newline(self) -> None:
        if self.join_lines and self.last in _JOIN_AFTER:
            # After these no semicolon is ever inserted, and no restricted production ends.
            self.pending = True
            return
        self.pending = False
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def space(self) -> None:
        self.pending = True

    def regex_allowed(self) -> bool:
        if self.word:
            return self.word in _REGEX_AFTER_WORD
        return self.last == "" or self.last in _REGEX_AFTER_PUNCT or self.last == "}"


def _quoted(src: str, i: int) -> int:
    """End (exclusive) of the string literal starting at i."""
    quote, j = src[i], i + 1
    while src[j] != quote:
        if src[j] == "\\":
            j += 1
        elif src[j] == "\n":
            raise ValueError(f"unterminated string at offset {i}")
        j += 1
    return j + 1


def _regex(src: str, i: int) -> int:
    """End (exclusive) of the regular expression literal (flags included) starting at i."""
    j, in_class = i + 1, False
    while True:
        ch = src[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "\n":
            raise ValueError(f"unterminated regular expression at offset {i}")
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            break
        j += 1
    j += 1
    while j < len(src) and src[j] in _WORD_CHARS:
        j += 1
    return j


def strip_comments(src: str, join_lines: bool = True) -> str:
    """src without comments, indentation, blank lines (and, if join_lines, idle line breaks)."""
    out = _Out(join_lines)
    braces: list[int] = []  # per open `${`: braces opened inside it since
    i, n = 0, len(src)
    in_template = False
    while i < n:
        if in_template:
            j = i
            while j < n and src[j] != "`" and not src.startswith("${", j):
                j += 2 if src[j] == "\\" else 1
            if j >= n:
                raise ValueError("unterminated template literal")
            if src[j] == "`":
                out.code(src[i : j + 1])
                in_template = False
                i = j + 1
            else:
                out.code(src[i : j + 2])
                braces.append(0)
                in_template = False
                i = j + 2
            continue
        ch = src[i]
        if ch == "\n":
            out.newline()
            i += 1
            while i < n and src[i] in " \t":
                i += 1
        elif ch in " \t\r":
            out.space()
            i += 1
        elif src.startswith("//", i):
            end = src.find("\n", i)
            i = n if end < 0 else end
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            if end < 0:
                raise ValueError(f"unterminated comment at offset {i}")
            # A comment holding a line break counts as one for semicolon insertion.
            (out.newline if "\n" in src[i:end] else out.space)()
            i = end + 2
        elif ch in "'\"":
            end = _quoted(src, i)
            out.code(src[i:end])
            i = end
        elif ch == "`":
            out.code("`")
            in_template = True
            i += 1
        elif ch == "/" and out.regex_allowed():
            end = _regex(src, i)
            out.code(src[i:end])
            i = end
        else:
            if ch == "{" and braces:
                braces[-1] += 1
            elif ch == "}" and braces:
                if braces[-1] == 0:
                    braces.pop()
                    out.code("}")
                    in_template = True
                    i += 1
                    continue
                braces[-1] -= 1
            j = i + 1
            if ch in _WORD_CHARS or (ch == "." and src[j : j + 1].isdigit()):  # `.5` is a number
                while j < n and src[j] in _WORD_CHARS:
                    j += 1
            out.code(src[i:j])
            i = j
    text = "".join(out.parts).strip()
    return text + "\n" if text else ""
