"""File I/O with the guarantees the vault needs: reads bounded before they start."""

from __future__ import annotations

import os
import stat
import sys

from vault.errors import InvalidData, MissingInput
from vault.policy import MAX_SECRET_INPUT


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
