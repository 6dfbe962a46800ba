"""Getting secrets into the process without argv, shell history or plaintext on disk."""

from __future__ import annotations

import contextlib
import getpass
import os
import sys
from pathlib import Path

from vault.errors import InvalidData, UsageProblem
from vault.fileio import read_text_source
from vault.policy import MAX_SECRET_INPUT

NO_TTY_HINT = "use --passphrase-file FILE (or - for stdin), or set RVAULT_PASSPHRASE_FILE"


def has_tty() -> bool:
    """Whether a controlling terminal can be opened for hidden prompts."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def passphrase_from_file(source: str) -> str:
    """The first line of a passphrase file ('-' = stdin), without its line ending."""
    text = read_text_source(source)
    # Only the line ending is removed: leading or trailing spaces may be part of a passphrase.
    line = text.split("\n", 1)[0].removesuffix("\r")
    if not line:
        raise InvalidData(f"the passphrase file {source} is empty")
    return line


def prompt_passphrase(prompt: str, confirm: bool = False) -> str:
    """Ask on the terminal with echo off; with confirm, ask twice until both agree."""
    if not has_tty():
        raise UsageProblem("no terminal to ask for the passphrase", hint=NO_TTY_HINT)
    for _ in range(3):
        first = getpass.getpass(f"{prompt}: ")
        if not first:
            print("The passphrase cannot be empty.", file=sys.stderr)
            continue
        if not confirm or getpass.getpass(f"{prompt} (again): ") == first:
            return first
        print("The two passphrases differ; try again.", file=sys.stderr)
    raise UsageProblem("no passphrase was entered")


def prompt_lines(prompt: str) -> str:
    """Read hidden lines from the terminal until an empty line (for pasted codes)."""
    if not has_tty():
        raise UsageProblem("no terminal to read the secret from", hint="pipe it to stdin")
    print(f"{prompt} (input is hidden; finish with an empty line)", file=sys.stderr)
    lines = []
    while line := getpass.getpass("> "):
        lines.append(line)
    return "\n".join(lines)


def prompt_recovery_key(tries: int = 3) -> bytes:
    """Ask for the printed recovery key (hidden), line by line until all 9 groups are in."""
    from vault.paper.recovery import parse_printed_key, typed_key_progress

    if not has_tty():
        raise UsageProblem(
            "no terminal to ask for the recovery key", hint="use --recovery-key-file"
        )
    say = _say
    say("Type the recovery key from the sheet: its 2 lines, pressing Enter after each.")
    say("What you type stays hidden. Dashes, spaces and upper or lower case do not matter.")
    for attempt in range(1, tries + 1):
        typed, prompt = "", "Line 1:"
        try:
            while (line := getpass.getpass(f"{prompt} ")) or typed:
                if not line:  # an empty line: start again
                    typed, prompt = "", "Line 1:"
                    say("Starting again from line 1.")
                    continue
                typed += "\n" + line
                step = typed_key_progress(typed)
                if step is None:
                    return parse_printed_key(typed)
                say(step)
                prompt = ">"
            raise UsageProblem("no recovery key was typed")
        except InvalidData as exc:
            if attempt == tries:
                raise
            say(f"{exc.message[0].upper()}{exc.message[1:]}.")
            if exc.hint:
                say(f"({exc.hint[0].upper()}{exc.hint[1:]}.)")
            say("Type the whole key again, from line 1.")
    raise AssertionError("unreachable")  # pragma: no cover


def prompt_shares(given: list[str]) -> list[str]:
    """Ask for the words of share sheets (hidden), each checked as it is typed."""
    from vault.paper.shares import TypedShares

    if not has_tty():
        raise UsageProblem("no terminal to type the shares on", hint="use --share FILE")
    typing = TypedShares(given)
    say = _say
    if typing.shares:
        say(f"{len(typing.shares)} share(s) read from the files given.")
    say("Type the words of a share sheet in order: one word, a row, or several at a time,")
    say("pressing Enter after each. What you type stays hidden; the first 4 letters of a")
    say("word are enough. An empty line stops.")
    while typing.missing() != 0:
        line = getpass.getpass(f"{typing.prompt()}: ")
        if not line.strip():
            break
        for message in typing.type(line):
            say(message)
    return list(typing.shares.values())


def ask_which_sheet() -> str:
    """Ask whether the person holds the recovery key sheet or share sheets: 'key' or 'shares'."""
    _say("Which sheet do you have?")
    _say("  1  the recovery key sheet: two lines of letters and numbers")
    _say("  2  share sheets: 33 numbered words on each")
    for _ in range(3):
        answer = input_line("Type 1 or 2: ").strip()
        if answer in ("1", "2"):
            return "key" if answer == "1" else "shares"
        _say("Please type 1 or 2, then press Enter.")
    raise UsageProblem("no choice was made between the recovery key and share sheets")


def input_line(prompt: str) -> str:
    """One visible line from the terminal (for answers that are not secret)."""
    # Unbuffered bytes: a terminal cannot seek, which a text-mode "r+" file insists on.
    with open("/dev/tty", "rb+", buffering=0) as tty:
        tty.write(prompt.encode())
        line = tty.readline(1024)
    if not line:
        raise UsageProblem("the terminal closed before an answer was typed")
    return line.decode("utf-8", "replace")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


RAM_FILESYSTEMS = ("tmpfs", "ramfs")
_EDIT_PREFIX = "rvault-edit-"


def ram_temp_dir() -> Path:
    """A memory-backed directory for the editor's temp file, so the secret stays off disk."""
    # mkstemp gives an unguessable 0600 name, so a shared /dev/shm is safe to use here.
    for candidate in (os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"):  # noqa: S108
        if (
            candidate
            and os.path.isdir(candidate)
            and os.access(candidate, os.W_OK)
            and is_ram_backed(candidate)
        ):
            return Path(candidate)
    raise UsageProblem(
        "no memory-backed temp directory for --editor (tried $XDG_RUNTIME_DIR and /dev/shm)",
        hint="pipe the secret to stdin or use --from-file instead",
    )


def is_ram_backed(folder: str) -> bool:
    """Whether folder lives on tmpfs or ramfs (per /proc/self/mounts; False if unknown)."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as f:
            mounts = [line.split()[:3] for line in f if len(line.split()) >= 3]
    except OSError:
        return False  # not Linux: no way to tell, so no promise of "never on disk"
    real = os.path.realpath(folder)
    best, fstype = "", ""
    for _, point, kind in mounts:
        point = point.replace("\\040", " ")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, kind
    return fstype in RAM_FILESYSTEMS


def _shred(path: Path) -> None:
    """Overwrite a small temp file with zeros, then remove it (errors ignored)."""
    with contextlib.suppress(OSError):
        size = path.stat().st_size
        with open(path, "r+b") as f:
            f.write(b"\0" * size)
            f.flush()
            os.fsync(f.fileno())
    with contextlib.suppress(OSError):
        path.unlink()


def sweep_stale_edits(folder: Path) -> int:
    """Shred editor temp files that an rvault killed mid-edit left behind; how many."""
    swept = 0
    for path in folder.glob(f"{_EDIT_PREFIX}*-*.txt"):
        pid_text = path.name[len(_EDIT_PREFIX) :].split("-", 1)[0]
        try:
            st = path.lstat()
            pid = int(pid_text) if pid_text.isdigit() and len(pid_text) < 10 else 0
        except OSError:
            continue
        if st.st_uid != os.getuid() or not path.is_file() or pid <= 0 or _alive(pid):
            continue
        _shred(path)
        swept += 1
    return swept


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


class _Stopped(BaseException):
    """SIGTERM or SIGHUP arrived while the editor was open."""


def edit_in_editor(initial: str = "") -> str:
    """Open $VISUAL/$EDITOR on a 0600 file in RAM, return what was saved, then shred it."""
    import shlex
    import signal
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise UsageProblem("--editor needs $EDITOR (or $VISUAL) to be set")
    folder = ram_temp_dir()
    sweep_stale_edits(folder)  # what a SIGKILL (which nothing can catch) left behind
    fd, name = tempfile.mkstemp(prefix=f"{_EDIT_PREFIX}{os.getpid()}-", suffix=".txt", dir=folder)
    path = Path(name)

    def stop(signum: int, frame: object) -> None:
        raise _Stopped(signum)

    # Closing the terminal (SIGHUP) or `kill` (SIGTERM) must still shred the plaintext:
    # both become an exception that unwinds through the finally below.
    import threading

    main = threading.current_thread() is threading.main_thread()  # signals need it
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP) if main}
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(initial)
        # The secret is never on the editor's command line: only the temp file's name is.
        status = subprocess.call([*shlex.split(editor), str(path)])
        if status != 0:
            raise UsageProblem(f"the editor exited with status {status}; nothing was saved")
        return path.read_text(encoding="utf-8")
    except _Stopped as stopped:
        _shred(path)
        signum = int(stopped.args[0])
        with contextlib.suppress(OSError):
            sys.stderr.write("\nrvault: stopped; the editor's temp file was shredded\n")
        raise SystemExit(128 + signum) from None
    finally:
        _shred(path)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def read_secret(from_file: str | None, use_editor: bool, what: str, multiline: bool) -> str:
    """A secret from --from-file, $EDITOR, piped stdin, or a hidden prompt, in that order."""
    if from_file is not None and use_editor:
        raise UsageProblem("give either --from-file or --editor, not both")
    if from_file is not None:
        return read_text_source(from_file)
    if use_editor:
        return edit_in_editor()
    if not sys.stdin.isatty():
        return sys.stdin.read(MAX_SECRET_INPUT)
    if multiline:
        return prompt_lines(f"Paste the {what}")
    if not has_tty():
        raise UsageProblem(f"no terminal to read the {what} from", hint="pipe it to stdin")
    return getpass.getpass(f"{what[0].upper()}{what[1:]}: ")
