"""Child process for the merge SIGKILL test: merge OTHER into VAULT, stopping at one step.

usage: merge_killed.py VAULT OTHER PASSPHRASE N

Before the Nth call to os.fsync, os.link or os.replace (the steps of a durable save) it
prints "stop N NAME" and waits to be killed; with fewer steps it merges and prints "done".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from vault import VaultFile


def main() -> None:
    path, other, passphrase, stop = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    vf = VaultFile(path, lock_timeout=60)
    calls = 0

    def hooked(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == stop:
                print(f"stop {stop} {name}", flush=True)
                sys.stdin.read()  # the test kills this process here
            return real(*args, **kwargs)

        return call

    for name in ("fsync", "link", "replace"):
        setattr(os, name, hooked(name, getattr(os, name)))
    vf.merge(passphrase, other)
    print("done", flush=True)


if __name__ == "__main__":
    main()
