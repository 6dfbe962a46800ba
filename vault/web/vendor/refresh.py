"""Vendored third-party builds for the browser page: pinned, checked, refreshed from npm.

    python vault/web/vendor/refresh.py --check   # the committed files match the manifest
    python vault/web/vendor/refresh.py           # fetch the pinned releases, verify, write

The manifest (manifest.json beside this file) pins each package's version, the registry's
integrity string for its tarball (sha512, as npm records it) and the SHA-256 of every file
taken from it. Refreshing downloads the tarball with `npm pack` (the npm registry is the only
source; nothing comes from a CDN), checks the tarball's integrity, and writes the files only
when each one's SHA-256 matches the manifest. To move to a new release, change its version
and hashes in the manifest on purpose, and review the diff.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"


def load() -> dict[str, dict[str, object]]:
    """The manifest: package name -> version, integrity, files (name -> sha256)."""
    data: dict[str, dict[str, object]] = json.loads(MANIFEST.read_text())
    return data


def sha256(data: bytes) -> str:
    """Hex SHA-256 of data."""
    return hashlib.sha256(data).hexdigest()


def check() -> list[str]:
    """Problems with the committed files (empty when every file matches the manifest)."""
    problems = []
    for name, entry in load().items():
        files = entry["files"]
        assert isinstance(files, dict)
        for path, digest in files.items():
            target = HERE / name / Path(path).name
            if not target.is_file():
                problems.append(f"{name}: {target.name} is missing")
            elif sha256(target.read_bytes()) != digest:
                problems.append(f"{name}: {target.name} does not match the manifest")
    return problems


def refresh() -> None:
    """Fetch each pinned tarball from the npm registry, verify it, write its files."""
    for name, entry in load().items():
        with tempfile.TemporaryDirectory() as tmp:
            spec = f"{name}@{entry['version']}"
            out = subprocess.run(
                ["npm", "pack", spec, "--json", "--pack-destination", tmp],
                check=True,
                capture_output=True,
                text=True,
            )
            tarball = Path(tmp) / json.loads(out.stdout)[0]["filename"]
            raw = tarball.read_bytes()
            integrity = "sha512-" + base64.b64encode(hashlib.sha512(raw).digest()).decode()
            if integrity != entry["integrity"]:
                sys.exit(f"{spec}: the tarball's integrity {integrity} is not the pinned one")
            files = entry["files"]
            assert isinstance(files, dict)
            with tarfile.open(tarball) as tar:
                for path, digest in files.items():
                    member = tar.extractfile(f"package/{path}")
                    if member is None:
                        sys.exit(f"{spec}: {path} is not in the tarball")
                    data = member.read()
                    if sha256(data) != digest:
                        sys.exit(f"{spec}: {path} does not match its pinned SHA-256")
                    (HERE / name).mkdir(exist_ok=True)
                    (HERE / name / Path(path).name).write_bytes(data)
            print(f"{spec}: {len(files)} files verified and written")


def main() -> None:
    """Check or refresh the vendored files."""
    parser = argparse.ArgumentParser(description="Check or refresh the vendored files.")
    parser.add_argument("--check", action="store_true", help="only verify the committed files")
    if parser.parse_args().check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        sys.exit(1 if problems else 0)
    refresh()
    problems = check()
    if problems:
        sys.exit("\n".join(problems))


if __name__ == "__main__":
    main()
