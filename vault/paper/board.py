"""What the pages of one restore have read so far, shared so each page can judge the goal.

Pages are read in threads or worker processes. A page that sees the caller's goal met (the
codes read by every page so far are enough: k codes of the newest kit) stops its passes at
once instead of finishing its own sheet (vault.paper.scan).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Goal = Callable[[list[str]], bool]  # "these codes are enough": the caller's test, picklable


class Board:
    """Every rvault text read so far, by any page in any thread, so each page can judge the goal.

    A page that sees the caller's goal met (k codes of the newest kit, counting what other
    pages read) stops its passes at once instead of finishing its own sheet.
    """

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._texts: list[str] = []

    def post(self, texts: Iterable[str]) -> list[str]:
        """Add texts; every text on the board."""
        with self._lock:
            self._texts.extend(texts)
            return list(self._texts)


class SharedBoard(Board):
    """The board for worker processes: one shared buffer of newline-separated texts."""

    SIZE = 4 * 1024 * 1024  # 255 codes of the largest QR version are under 1.2 MB

    def __init__(self, data: Any) -> None:
        self._data = data  # multiprocessing Array of c_char, first 4 bytes the length used

    def post(self, texts: Iterable[str]) -> list[str]:
        """Add texts (dropped when the board is full: pages then just read on); all texts."""
        blob = "".join(f"{t}\n" for t in texts).encode("ascii", "replace")
        with self._data.get_lock():
            raw = self._data.get_obj()
            used = int.from_bytes(bytes(raw[:4]), "little")
            if blob and 4 + used + len(blob) <= len(raw):
                raw[4 + used : 4 + used + len(blob)] = blob
                used += len(blob)
                raw[:4] = used.to_bytes(4, "little")
            return bytes(raw[4 : 4 + used]).decode("ascii").splitlines()
