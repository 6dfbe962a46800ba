"""The most memory and time a forged input can cost rvault, per input kind (issue 12).

Every case builds a hostile input at (or just inside) the caps in the code, runs the real
`rvault` command on it as a fresh process, and reports its peak memory and wall time. The
figures back the table in SECURITY.md ("What a forged input can cost").

Memory is measured from outside, by a small runner process started fresh for each case (so
nothing of this script's own memory is inherited: on Linux ru_maxrss survives exec). The
runner polls the command's process tree every 10 ms and reports

* tree peak: the largest sum of VmRSS over the command and its scan workers, as sampled;
* largest process: the largest single high-water mark (VmHWM while polling, and
  RUSAGE_CHILDREN's ru_maxrss after the command exits, which covers a spike between polls);
* wall and CPU seconds (CPU = user + system of every process, workers included).

Usage::

    python bench/worst_case.py            # every case but the full-cap vault: a few minutes
    python bench/worst_case.py --full     # adds the full-cap vault (~3-4 min, ~4.2 GB)
    python bench/worst_case.py --only vault --only typed
    python bench/worst_case.py --only scans --big-pages 200   # the page cap in full: ~27 min

Everything is written to a temporary directory that is removed at the end (or --dir). Nothing
is asserted: the machine is shared, and the bounds that matter are tested, without timings, in
tests/test_bounds.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from _common import PASSPHRASE, child_env, machine, rvault_command, table

from vault import KdfParams, VaultFile
from vault.format import PassphraseSlot, parse
from vault.policy import MAX_MEMORY_KIB, MAX_TIME_COST, MAX_WORK_KIB_PASSES

GIB_KIB = 1024 * 1024
MIB = 1024 * 1024

# The measuring runner: started fresh for every case, it starts the command, polls its
# process tree and prints one JSON line. /proc/PID/task/TID/children lists a thread's
# children (Linux 3.5+); the scan workers are children of the rvault process.
RUNNER = r"""
import json, os, resource, subprocess, sys, time

def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out

def status(pid):
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm

argv, stdin_path, err_path = json.loads(sys.argv[1])
stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
with open(err_path, "wb") as err:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=err)
    tree_peak = hwm_peak = 0
    hwms = {}
    while proc.poll() is None:
        todo, total = [proc.pid], 0
        while todo:
            pid = todo.pop()
            rss, hwm = status(pid)
            total += rss
            hwms[pid] = max(hwms.get(pid, 0), hwm)
            todo += children(pid)
        tree_peak = max(tree_peak, total)
        time.sleep(0.01)
    wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "rc": proc.returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
    "tree_kib": tree_peak, "single_kib": max([usage.ru_maxrss, *hwms.values()]),
    "hwm_sum_kib": sum(hwms.values()), "processes": len(hwms),
}))
"""


@dataclasses.dataclass
class Row:
    kind: str
    case: str
    tree_mib: float
    single_mib: float
    wall: float
    cpu: float
    rc: int
    note: str = ""


def measure(argv: list[str], env: dict[str, str], tmp: Path, stdin: Path | None = None) -> dict:
    """Run argv under the fresh runner; its figures, and the command's stderr."""
    err = tmp / "stderr.txt"
    spec = json.dumps([argv, str(stdin) if stdin else None, str(err)])
    out = subprocess.run(
        [sys.executable, "-c", RUNNER, spec], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    result["stderr"] = err.read_text(errors="replace").strip()
    return result


class Bench:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.rows: list[Row] = []
        self.rvault = rvault_command()
        self.pass_file = tmp / "wrong-passphrase.txt"
        self.pass_file.write_text("not the passphrase of any of these files\n")
        self.good_pass = tmp / "passphrase.txt"
        self.good_pass.write_text(PASSPHRASE + "\n")
        self.env = child_env(tmp)
        self.big_pages = 10

    def run(
        self,
        kind: str,
        case: str,
        args: list[str],
        expect: set[int],
        env: dict[str, str] | None = None,
        stdin: Path | None = None,
        argv: list[str] | None = None,
        note: str = "",
    ) -> dict:
        r = measure(argv or [*self.rvault, *args], env or self.env, self.tmp, stdin)
        last = r["stderr"].splitlines()[-1] if r["stderr"] else ""
        if r["rc"] not in expect:
            print(f"  ! {case}: exit {r['rc']} (expected {sorted(expect)}): {last[:200]}")
        row = Row(
            kind,
            case,
            r["tree_kib"] / 1024,
            r["single_kib"] / 1024,
            r["wall"],
            r["cpu"],
            r["rc"],
            note,
        )
        self.rows.append(row)
        print(
            f"  {case}: {row.tree_mib:.0f} MiB (largest process {row.single_mib:.0f} MiB), "
            f"{row.wall:.1f} s wall, {row.cpu:.1f} s CPU, exit {row.rc}; {last[:110]}",
            flush=True,
        )
        return r


# --- 1. the vault file: Argon2id at the caps ------------------------------------------------


def forged_vault(path: Path, slots: list[KdfParams]) -> int:
    """A vault whose passphrase slots declare the given costs; returns its size in bytes.

    Built with the library: a real vault under a cheap KDF, whose one slot is replaced by
    `slots` with random salts, nonces and wraps (the checksum is recomputed by to_bytes, so
    the file is well formed and passes every structural check). No passphrase opens it:
    every slot is derived, and rvault answers "wrong passphrase" after the last one.
    """
    for k in slots:
        k.check_caps()
    for old in (path, path.with_name(path.name + ".bak")):
        old.unlink(missing_ok=True)
    vf = VaultFile(path)
    vf.create(PASSPHRASE, KdfParams(1, 8, 1), allow_weak=True)
    c = parse(path.read_bytes())
    rng = random.Random(12)
    forged = [
        PassphraseSlot(rng.randbytes(16), k, rng.randbytes(12), rng.randbytes(48)) for k in slots
    ]
    data = dataclasses.replace(c, slots=tuple(forged)).to_bytes()
    path.write_bytes(data)
    parse(data)  # within every cap, so rvault will derive every slot
    return len(data)


def case_vault(b: Bench, full: bool) -> None:
    print("vault file: `rvault list` with a wrong passphrase on forged vaults", flush=True)
    g = GIB_KIB
    points = [
        ("256 MiB t=8 p=1, 1 slot", [KdfParams(8, g // 4, 1)]),
        ("1 GiB t=4 p=16, 1 slot", [KdfParams(4, g, 16)]),
        ("1 GiB t=4 p=1, 1 slot", [KdfParams(4, g, 1)]),
        ("4 GiB t=1 p=1, 2 slots", [KdfParams(1, 4 * g, 1)] * 2),
    ]
    if full:
        # The maximum: 8 slots x 4 GiB x 2 passes = 64 GiB-passes, the summed-work cap, with
        # one lane (p=1 cannot use a second core: about twice the time of p>=2 here).
        points.append(("4 GiB t=2 p=1, 8 slots (full cap)", [KdfParams(2, 4 * g, 1)] * 8))
    caps = (MAX_MEMORY_KIB, MAX_WORK_KIB_PASSES, MAX_TIME_COST)
    assert caps == (4 * g, 64 * g, 256), caps  # the points below assume these caps
    for label, slots in points:
        path = b.tmp / "forged.rvault"
        size = forged_vault(path, slots)
        work = sum(k.memory_kib * k.time_cost for k in slots) / g
        env = {**b.env, "RVAULT_FILE": str(path), "RVAULT_PASSPHRASE_FILE": str(b.pass_file)}
        r = b.run("vault", f"{label} ({size} B)", ["list"], {3}, env=env)
        b.rows[-1].note = f"{work:g} GiB-passes, {r['wall'] / work:.2f} s per GiB-pass"
    # `rvault info` reads the same header and derives nothing.
    env = {**b.env, "RVAULT_FILE": str(path)}
    b.run("vault", "`rvault info` on the last one", ["info"], {0}, env=env)


# --- 2. kit scans -----------------------------------------------------------------------------


def _pdf(pages: list[bytes], images: list[bytes], media: tuple[float, float]) -> bytes:
    """A minimal PDF: pages with the given content streams, sharing image XObjects Im0..."""
    n_img = len(images)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    first_page = 3 + n_img
    kids = []
    for i in range(len(pages)):
        kids.append(b"%d 0 R" % (first_page + 2 * i))
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(pages))
    objs += images
    xobj = b" ".join(b"/Im%d %d 0 R" % (j, 3 + j) for j in range(n_img))
    for i, content in enumerate(pages):
        objs.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << %s"
            b" >> >> /Contents %d 0 R >>" % (media[0], media[1], xobj, first_page + 2 * i + 1)
        )
        objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1,
        xref,
    )
    return bytes(out)


def _image_obj(w: int, h: int, space: bytes, bpc: int, raw: Callable[[], bytes]) -> bytes:
    body = zlib.compress(raw(), 1)
    return (
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /%s "
        b"/BitsPerComponent %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (w, h, space, bpc, len(body))
        + body
        + b"\nendstream"
    )


def case_scans(b: Bench, full: bool) -> None:
    from PIL import Image

    print("kit scans: `rvault restore FILES --out X` (no codes in them: exit 65)", flush=True)
    side = 10_000  # 100 MP, the cap (MAX_PIXELS)
    t = b.tmp
    out = str(t / "restored.rvault")
    # Two copies of each image, so both scan workers hold one at a time: the worst for memory.
    noise = t / "noise.png"
    Image.frombytes("L", (side, side), os.urandom(side * side)).save(noise, compress_level=1)
    os.link(noise, t / "noise2.png")
    b.run("scans", "100 MP PNG of grey noise, x2", ["restore", str(noise), str(t / "noise2.png"),
          "--out", out], {65}, note=f"{noise.stat().st_size // MIB} MiB files")  # fmt: skip
    white = t / "white-rgba.png"
    Image.new("RGBA", (side, side), (255, 255, 255, 255)).save(white)
    os.link(white, t / "white2.png")
    b.run("scans", "100 MP PNG of white, RGBA, x2", ["restore", str(white), str(t / "white2.png"),
          "--out", out], {65}, note=f"{white.stat().st_size // 1024} KiB files")  # fmt: skip

    a4 = (595.28, 841.89)
    blank = t / "blank-a4.pdf"
    blank.write_bytes(_pdf([b""] * 200, [], a4))
    b.run("scans", "200 blank A4 pages in one PDF", ["restore", str(blank), "--out", out], {65})
    # The largest page that is read: 2 m a side (MAX_PAGE_POINTS), rendered at the pixel cap.
    big = (5669.0, 5669.0)
    n = b.big_pages
    large = t / "blank-2m.pdf"
    large.write_bytes(_pdf([b""] * n, [], big))
    b.run("scans", f"{n} blank 2 m x 2 m pages (rendered at 100 MP)", ["restore", str(large),
          "--out", out], {65})  # fmt: skip
    if n < 200:
        b.rows[-1].note = f"x{200 / n:g} for 200 pages (--big-pages 200)"

    # Embedded images at the caps: two of 100 MP on one page (200 MP, the per-page cap), in
    # 16-bit CMYK, the most bytes per pixel a PDF image can declare; all white, so the file
    # is small and only decoding costs.
    draw = b"q 5669 0 0 2834 0 0 cm /Im0 Do Q q 5669 0 0 2834 0 2834 cm /Im1 Do Q"
    cmyk = _image_obj(side, side, b"DeviceCMYK", 16, lambda: bytes(side * side * 8))
    pdf = t / "images-cmyk16.pdf"
    pdf.write_bytes(_pdf([draw, draw], [cmyk, cmyk], big))
    b.run("scans", "2 pages x 2 images of 100 MP, 16-bit CMYK", ["restore", str(pdf),
          "--out", out], {65}, note=f"{pdf.stat().st_size // 1024} KiB file")  # fmt: skip
    gray = _image_obj(side, side, b"DeviceGray", 8, lambda: os.urandom(side * side))
    pdf = t / "image-noise.pdf"
    one = b"q 5669 0 0 5669 0 0 cm /Im0 Do Q"
    pdf.write_bytes(_pdf([one, one], [gray], big))
    b.run("scans", "2 pages of one 100 MP grey-noise image", ["restore", str(pdf),
          "--out", out], {65}, note=f"{pdf.stat().st_size // MIB} MiB file")  # fmt: skip


# --- 3. share sheets --------------------------------------------------------------------------

SHARES = r"""
import dataclasses, os, sys, time
import shamir_mnemonic
from shamir_mnemonic.share import Share
from vault.errors import InvalidData
from vault.paper.shares import combine_shares
e = int(sys.argv[1])
words = shamir_mnemonic.generate_mnemonics(1, [(2, 3)], os.urandom(32), b"")[0]
forged = [dataclasses.replace(Share.from_mnemonic(w), iteration_exponent=e).mnemonic()
          for w in words[:2]]
start = time.perf_counter()
try:
    combine_shares(forged)
except InvalidData as exc:
    sys.exit(f"refused: {exc.message}")
print(f"combined in {time.perf_counter() - start:.3f} s", file=sys.stderr)
"""


def case_shares(b: Bench, full: bool) -> None:
    print("share sheets: combine_shares on two forged shares (a fresh process each)", flush=True)
    for e in (1, 4, 5):
        b.run("shares", f"2 shares at exponent {e}", [], {0} if e <= 4 else {1},
              argv=[sys.executable, "-c", SHARES, str(e)])  # fmt: skip
    # The sheets' images and PDFs are read with the kit's caps, one page at a time in one
    # process (vault.paper.shares._qr_texts): the kit rows above bound them.


# --- 4. typed text ----------------------------------------------------------------------------


def case_typed(b: Bench, full: bool) -> None:
    from vault.paper.frames import CROCKFORD, _line_check

    print("typed text: `rvault restore --text FILE` on 64 MiB of well-formed lines", flush=True)
    path = b.tmp / "typed.txt"
    rng = random.Random(4)
    alphabet = CROCKFORD
    limit = 64 * MIB
    size = 0
    with open(path, "w") as f:
        i = 0
        while True:
            code_no, line_no = i % 255 + 1, i // 255 % 110 + 1
            chars = "".join(rng.choices(alphabet, k=40))
            groups = " ".join(chars[j : j + 5] for j in range(0, 40, 5))
            # Every line carries its correct check, so every one is kept as a good line.
            line = (
                f"{code_no:03d}-{line_no:02d}  {groups}  {_line_check(code_no, line_no, chars)}\n"
            )
            if size + len(line) > limit:
                break
            f.write(line)
            size += len(line)
            i += 1
    b.run("typed", f"{i:,} lines with valid checks, 64 MiB", ["restore", "--text", str(path),
          "--out", str(b.tmp / "typed.rvault")], {65})  # fmt: skip


# --- 5. imports -------------------------------------------------------------------------------


def case_imports(b: Bench, full: bool) -> None:
    print("imports: `rvault import FILE --dry-run` into a small vault", flush=True)
    vault = b.tmp / "import.rvault"
    VaultFile(vault).create(PASSPHRASE, KdfParams(1, 8, 1), allow_weak=True)
    env = {**b.env, "RVAULT_FILE": str(vault), "RVAULT_PASSPHRASE_FILE": str(b.good_pass)}
    limit = 4 * MIB
    links = b.tmp / "links.txt"
    with open(links, "w") as f:
        size = i = 0
        while True:
            line = (
                f"otpauth://totp/Issuer{i}:user{i}@example.com?secret=JBSWY3DPEHPK3PXP"
                f"&issuer=Issuer{i}\n"
            )
            if size + len(line) > limit:
                break
            f.write(line)
            size += len(line)
            i += 1
    b.run("imports", f"{i:,} otpauth links, 4 MiB", ["import", str(links), "--dry-run"], {0},
          env=env)  # fmt: skip
    entries = []
    n = 0
    doc = {"version": 1, "header": {"slots": None, "params": None}, "db": {"version": 2}}
    while True:
        entries.append({
            "type": "totp", "uuid": f"00000000-0000-4000-8000-{n:012d}", "name": f"user{n}",
            "issuer": f"Issuer{n}", "note": "", "favorite": False, "icon": None,
            "info": {"secret": "JBSWY3DPEHPK3PXP", "algo": "SHA1", "digits": 6, "period": 30},
        })  # fmt: skip
        n += 1
        if n % 1000 == 0:
            doc["db"]["entries"] = entries
            if len(json.dumps(doc)) > limit - 300_000:
                break
    aegis = b.tmp / "aegis.json"
    aegis.write_text(json.dumps({**doc, "db": {"version": 2, "entries": entries}}))
    b.run("imports", f"Aegis JSON, {n:,} entries, {aegis.stat().st_size / MIB:.1f} MiB",
          ["import", str(aegis), "--dry-run"], {0}, env=env)  # fmt: skip
    nested = b.tmp / "nested.json"
    nested.write_text("[" * (2 * MIB) + "]" * (2 * MIB))
    b.run("imports", "JSON nested 2 Mi deep, 4 MiB", ["import", str(nested), "--dry-run"], {65},
          env=env)  # fmt: skip
    from PIL import Image

    white = b.tmp / "import-white.png"
    Image.new("RGBA", (10_000, 10_000), (255, 255, 255, 255)).save(white)
    b.run("imports", "100 MP PNG of white, RGBA", ["import", str(white), "--dry-run"], {65},
          env=env, note=f"{white.stat().st_size // 1024} KiB file")  # fmt: skip


CASES = {
    "vault": case_vault,
    "scans": case_scans,
    "shares": case_shares,
    "typed": case_typed,
    "imports": case_imports,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true", help="add the full-cap vault (~3-4 min)")
    ap.add_argument(
        "--big-pages", type=int, default=10, metavar="N",
        help="blank 2 m x 2 m pages in that PDF (200, the cap, takes ~27 min)",
    )  # fmt: skip
    ap.add_argument("--only", action="append", choices=sorted(CASES), help="run these kinds")
    ap.add_argument("--dir", type=Path, help="work here instead of a temporary directory")
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="rvault-worst-") as tmp:
        b = Bench(Path(tmp))
        b.big_pages = max(1, min(args.big_pages, 200))
        start = time.perf_counter()
        for name, case in CASES.items():
            if args.only and name not in args.only:
                continue
            case(b, args.full)
        print()
        print(
            table(
                ["kind", "input", "tree MiB", "largest MiB", "wall s", "CPU s", "exit", "note"],
                [
                    [
                        r.kind,
                        r.case,
                        f"{r.tree_mib:.0f}",
                        f"{r.single_mib:.0f}",
                        f"{r.wall:.1f}",
                        f"{r.cpu:.1f}",
                        r.rc,
                        r.note,
                    ]
                    for r in b.rows
                ],
            )
        )
        print(f"\n{time.perf_counter() - start:.0f} s in all; {machine()}")


if __name__ == "__main__":
    main()
