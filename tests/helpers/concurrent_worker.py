"""Child process for the concurrency test: alternate add and use_code on a shared vault.

usage: concurrent_worker.py VAULT PASSPHRASE TAG OPERATIONS SHARED_ENTRY

Prints "ready", waits for a line on stdin (so both workers start together), then does
OPERATIONS operations: even ones add an entry named TAG-<i>, odd ones spend a code of
SHARED_ENTRY and print "code <code>".
"""

from __future__ import annotations

import sys

from vault import Entry, VaultFile


def main() -> None:
    path, passphrase, tag, operations, shared = sys.argv[1:6]
    vf = VaultFile(path, lock_timeout=60)
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(int(operations)):
        if i % 2 == 0:
            vf.add(passphrase, Entry(f"{tag}-{i}", "note", secret=f"{tag} secret {i}"))
            print(f"added {tag}-{i}", flush=True)
        else:
            used = vf.use_code(passphrase, shared)
            print(f"code {used.code}", flush=True)


if __name__ == "__main__":
    main()
