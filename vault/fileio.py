"""File I/O with the guarantees the vault needs: the one durable write, and bounded reads."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from vault.errors import AlreadyExists, InvalidData, MissingInput, StorageError, VaultLocked
from vault.policy import MAX_SECRET_INPUT

FILE_MODE = 0o600  # every file holding vault data


def read_source_bytes(source: str, limit: int) -> bytes:
    """The bytes of a file, or of stdin when source is '-'; refuses more than limit."""
    try:
        if source == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(source, "rb") as f:
                st = os.fstat(f.fileno())
                if stat.S_ISREG(st.st_mode) and st.st_size > limit:  # refused before reading
                    raise InvalidData(f"{source} is larger than {_size(limit)}")
                data = f.read(limit + 1)
    except FileNotFoundError:
        raise MissingInput(f"no such file: {source}") from None
    except OSError as exc:
        raise MissingInput(f"cannot read {source}: {exc.strerror}") from None
    # Truncating silently would lose codes or lines without a word; refuse instead.
    if len(data) > limit:
        raise InvalidData(f"{source} is larger than {_size(limit)}")
    return data


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def read_text_source(source: str, limit: int = MAX_SECRET_INPUT) -> str:
    """UTF-8 text from a file path, or from stdin when source is '-'; refuses more than limit."""
    try:
        text = read_source_bytes(source, limit).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidData(f"{source} is not UTF-8 text") from None
    # Line endings as text mode reads them ("universal newlines"): CRLF and CR become LF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def atomic_write(
    path: Path,
    data: bytes,
    *,
    exclusive: bool,
    verify: Callable[[bytes], None] | None = None,
    keep_backup: bool = False,
) -> None:
    """Write data to path as a 0600 file that appears whole or not at all.

    The bytes go to a temp file beside path, are fsynced, read back and given to verify
    (which raises to refuse them), and only then take path's name: by link() when exclusive
    (an existing file is never clobbered: EEXIST), else by os.replace(), after the current
    file became `<path>.bak` when keep_backup. On any failure the temp file is removed and
    path is as it was; OSErrors propagate for the caller to word.
    """
    import tempfile  # lazily: read-only commands never need it (~3 ms of imports)

    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        try:
            os.fchmod(fd, FILE_MODE)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if verify is not None:
            with open(tmp, "rb") as f:
                verify(f.read())
        if exclusive:
            os.link(tmp, path)  # link() refuses an existing target
            tmp.unlink()
        else:
            if keep_backup:
                _keep_backup(path)
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # The new file is in place. If the directory fsync fails, a power cut could undo the
    # rename and bring back the previous (intact) file; reporting the write as failed would
    # be false (and `use` would hide a code it had already marked used).
    with contextlib.suppress(OSError):
        fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    """Make a rename in folder durable: without this a power cut can undo os.replace."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_path(path: Path) -> Path:
    """Where the previous generation of path is kept."""
    return path.with_name(path.name + ".bak")


def _keep_backup(path: Path) -> None:
    """Make the current file the .bak, atomically (the .bak is never half-written)."""
    bak = backup_path(path)
    # A name nothing is using: a folder that merely looks like ours is stepped around.
    # (Not random: seeded test vectors must not depend on how saves are staged.)
    n = 0
    while (staged := bak.with_name(f".{bak.name}.{os.getpid()}-{n}.tmp")).exists() or (
        staged.is_symlink()
    ):
        n += 1
    try:
        os.link(path, staged)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            _write_all(fd, path.read_bytes())
            os.fsync(fd)
        finally:
            os.close(fd)
    try:
        os.chmod(staged, FILE_MODE)
        os.replace(staged, bak)
    finally:
        # rename() between two links of one inode is a no-op that leaves staged behind.
        staged.unlink(missing_ok=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_private(
    path: str | os.PathLike[str],
    data: bytes,
    force: bool = False,
    verify: Callable[[bytes], None] | None = None,
) -> Path:
    """Write data to path as a 0600 file, atomically; refuse to replace one unless force.

    verify, if given, gets the bytes read back from disk before the file takes its name; if
    it raises, nothing is left behind.
    """
    target = Path(path)
    if target.exists() and not force:
        raise AlreadyExists(f"{target} already exists", hint="pass --force to replace it")
    if target.is_dir():
        raise AlreadyExists(f"{target} is a directory")
    try:
        atomic_write(target, data, exclusive=not force, verify=verify)
    except OSError as exc:
        if exc.errno == errno.EEXIST:  # a file appeared meanwhile: never clobbered
            raise AlreadyExists(f"{target} already exists", hint="pass --force") from None
        raise StorageError(f"could not write {target}: {exc.strerror}", hint="") from None
    return target


def make_private_dirs(folder: Path) -> None:
    """Create folder and any missing parents 0700, whatever the umask."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask


def sweep_temp_files(path: Path) -> None:
    """Delete the temp files a killed atomic_write left beside path (call under its lock)."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if not stat.S_ISREG(stale.lstat().st_mode):
                continue  # a folder or link that merely looks like ours is not ours
            stale.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StorageError(
                f"cannot remove the stale temp file {stale}: {exc.strerror or exc}",
                hint="the disk may be failing: copy the vault and its .bak somewhere safe",
            ) from None


@contextlib.contextmanager
def exclusive_lock(lock_path: Path, timeout: float, what: Path) -> Iterator[None]:
    """Hold an exclusive flock on lock_path (created 0600) for the block; what names the vault.

    Waits up to timeout seconds for another holder (VaultLocked after that). The lock lives
    in a sidecar file because the vault itself is replaced by every save (a new inode).
    """
    import fcntl

    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as exc:
        raise StorageError(f"cannot create lock file {lock_path}: {exc.strerror}") from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise VaultLocked(f"{what} is locked by another rvault process") from None
                time.sleep(0.02)
            except OSError as exc:  # EIO; ENOLCK on NFS without a lock daemon
                raise StorageError(
                    f"cannot lock {lock_path}: {exc.strerror or exc}",
                    hint="keep the vault on a local disk that supports file locks",
                ) from None
        yield
    finally:
        os.close(fd)  # closing releases the flock
