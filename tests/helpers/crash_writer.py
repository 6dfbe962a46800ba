"""Child process for the SIGKILL test: append entries e0, e1, ... to a vault until killed.

usage: crash_writer.py VAULT PASSPHRASE

It resumes from the entries already in the vault, prints "ready N" once it knows N, then
"saved I" after each save returns (an acknowledged save must survive the kill).
"""

from __future__ import annotations

import sys

from vault import Entry, VaultFile


def main() -> None:
    path, passphrase = sys.argv[1], sys.argv[2]
    vf = VaultFile(path, lock_timeout=60)
    names = [e.name for e in vf.load(passphrase).entries]
    if names != [f"e{i}" for i in range(len(names))]:
        sys.exit(f"unexpected entries at start: {names}")
    i = len(names)
    print(f"ready {i}", flush=True)
    while True:
        vf.add(passphrase, Entry(f"e{i}", "note", secret=f"secret number {i}"))
        print(f"saved {i}", flush=True)
        i += 1


if __name__ == "__main__":
    main()
