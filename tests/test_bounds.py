"""Each cap on what a forged input can cost is enforced before the work it bounds starts.

SECURITY.md ("What a forged input can cost") states the worst case per input kind, measured
by bench/worst_case.py. These tests pin the caps themselves, never a timing: a bound is
"refused before any derivation" (the derive function is counted), "refused from the header"
(nothing is decoded), or "refused before reading" (a sparse file of 1 GiB costs a child
process no more than its imports, by its own VmHWM). Bounds already pinned elsewhere are not
repeated here: per-slot KDF costs and the slot count (test_container), share exponent 15, the
share text and image limits (test_hardening, test_recovery), typed line numbers
(test_stranger), 400 MP images and 201-page PDFs (test_scan), embedded images over 200 MP and
70 m pages (test_hardening).
"""

from __future__ import annotations

import dataclasses
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import argon2.low_level
import pytest
from conftest import child_main, run_main

from vault import KdfParams, VaultFile
from vault.errors import InvalidData
from vault.format import MAGIC, MAX_FILE_SIZE, PassphraseSlot, parse
from vault.paper.pages import MAX_IMAGE_OBJECTS, MAX_PAGES, MAX_PIXELS
from vault.policy import MAX_WORK_KIB_PASSES

GIB_KIB = 1024 * 1024
MIB = 1024 * 1024
SPARSE = 1024 * MIB  # 1 GiB of nothing, in no disk space


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Memory costs of the Argon2 derivations that ran (the real function still runs)."""
    calls: list[int] = []
    real = argon2.low_level.hash_secret_raw

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(kwargs.get("memory_cost", -1))
        return real(*args, **kwargs)

    monkeypatch.setattr(argon2.low_level, "hash_secret_raw", counting)
    return calls


def _with_slots(vault: Path, kdfs: list[KdfParams]) -> bytes:
    """The vault re-encoded with one forged passphrase slot per KdfParams (valid checksum)."""
    c = parse(vault.read_bytes())
    slots = tuple(PassphraseSlot(b"s" * 16, k, b"n" * 12, b"w" * 48) for k in kdfs)
    return dataclasses.replace(c, slots=slots).to_bytes()


# --- 1. the vault file ----------------------------------------------------------------------


def test_slots_whose_summed_work_is_over_the_cap_are_refused_before_any_derivation(
    vf: VaultFile, passphrase_file: Path, argon2_calls: list[int]
) -> None:
    half = KdfParams(16, 2 * GIB_KIB, 1)  # 32 GiB-passes: within every per-slot cap
    assert 2 * half.memory_kib * half.time_cost == MAX_WORK_KIB_PASSES
    # Exactly at the cap parses (it is never derived here); one KiB-pass more does not.
    assert len(parse(_with_slots(vf.path, [half, half])).slots) == 2
    over = _with_slots(vf.path, [half, half, KdfParams(1, 8, 1)])
    vf.path.write_bytes(over)
    r = run_main(
        ["list"], {"RVAULT_FILE": str(vf.path), "RVAULT_PASSPHRASE_FILE": str(passphrase_file)}
    )
    assert r.code == 65, r.stderr
    assert "more Argon2 work than the cap" in r.stderr
    assert argon2_calls == []  # not one slot was derived


def test_a_slot_at_the_memory_cap_is_derived_with_exactly_its_declared_costs(
    vf: VaultFile, passphrase_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worst case in SECURITY.md assumes rvault derives what the slot declares, no more:
    # 8 slots x 4 GiB x 2 passes. The derivation is replaced, so nothing is allocated.
    seen: list[tuple[int, int, int]] = []

    def fake(*args: Any, **kwargs: Any) -> bytes:
        seen.append((kwargs["time_cost"], kwargs["memory_cost"], kwargs["parallelism"]))
        return b"\x00" * 32

    monkeypatch.setattr(argon2.low_level, "hash_secret_raw", fake)
    worst = KdfParams(2, 4 * GIB_KIB, 1)
    vf.path.write_bytes(_with_slots(vf.path, [worst] * 8))
    r = run_main(
        ["list"], {"RVAULT_FILE": str(vf.path), "RVAULT_PASSPHRASE_FILE": str(passphrase_file)}
    )
    assert r.code == 3, r.stderr  # "wrong passphrase", after every slot
    assert seen == [(2, 4 * GIB_KIB, 1)] * 8
    assert sum(t * m for t, m, _ in seen) == MAX_WORK_KIB_PASSES
    # `rvault info` shows the cost without deriving anything.
    seen.clear()
    r = run_main(["info"], {"RVAULT_FILE": str(vf.path)})
    assert r.code == 0, r.stderr
    assert seen == []
    assert "4096 MiB" in r.stdout or "4 GiB" in r.stdout or "4194304" in r.stdout, r.stdout


# --- sparse files: each size limit is checked by fstat, before reading ----------------------


def _sparse(path: Path, size: int, head: bytes = b"") -> Path:
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


@pytest.mark.parametrize(
    "what, limit_words",
    [
        ("vault", f"{MAX_FILE_SIZE} byte cap"),
        ("passphrase", "larger than 1 MiB"),
        ("typed", "larger than 64 MiB"),
        ("import-image", "larger than 64 MiB"),
    ],
)
def test_a_file_over_its_size_limit_is_refused_before_reading(
    vf: VaultFile, passphrase_file: Path, tmp_path: Path, what: str, limit_words: str
) -> None:
    env = {"RVAULT_FILE": str(vf.path), "RVAULT_PASSPHRASE_FILE": str(passphrase_file)}
    if what == "vault":
        env["RVAULT_FILE"] = str(_sparse(tmp_path / "big.rvault", SPARSE, MAGIC))
        args = ["list"]
    elif what == "passphrase":
        env["RVAULT_PASSPHRASE_FILE"] = str(_sparse(tmp_path / "pass.txt", SPARSE, b"x\n"))
        args = ["list"]
    elif what == "typed":
        typed = _sparse(tmp_path / "typed.txt", SPARSE, b"001-01  AAAAA  ZZ\n")
        args = ["restore", "--text", str(typed), "--out", str(tmp_path / "out.rvault")]
    else:
        png = _sparse(tmp_path / "shot.png", SPARSE, b"\x89PNG\r\n\x1a\n")
        args = ["import", str(png), "--dry-run"]
    status, peak_kib, stderr = child_main(args, env)
    assert status == 65, stderr
    assert limit_words in stderr, stderr
    assert "Traceback" not in stderr
    # The interpreter and the imports; nothing of the 1 GiB file.
    assert peak_kib < 300 * 1024, peak_kib
    assert not (tmp_path / "out.rvault").exists()


@pytest.mark.parametrize(
    "size, refused", [(64 * MIB, False), (64 * MIB + 1, True)], ids=["64MiB", "64MiB+1"]
)
def test_the_typed_text_limit_is_exactly_64_mib(tmp_path: Path, size: int, refused: bool) -> None:
    from vault.fileio import read_text_source

    path = _sparse(tmp_path / "typed.txt", size)
    if refused:
        with pytest.raises(InvalidData, match="larger than 64 MiB"):
            read_text_source(str(path), limit=64 * MIB)
    else:
        assert len(read_text_source(str(path), limit=64 * MIB)) == size


def test_an_import_text_over_4_mib_is_refused_before_parsing(
    vf: VaultFile, passphrase_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vault.otp.imports as otpimport

    parsed: list[str] = []
    monkeypatch.setattr(otpimport, "_from_text", lambda text, source, batch: parsed.append(source))
    link = b"otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP\n"
    env = {"RVAULT_FILE": str(vf.path), "RVAULT_PASSPHRASE_FILE": str(passphrase_file)}
    links = tmp_path / "links.txt"
    links.write_bytes(link * (4 * MIB // len(link)) + b"\n" * (4 * MIB % len(link) + 1))
    assert links.stat().st_size == 4 * MIB + 1
    r = run_main(["import", links, "--dry-run"], env)
    assert r.code == 65, r.stderr
    assert "larger than 4 MiB" in r.stderr
    r = run_main(["import", "-", "--dry-run"], env, stdin=links.read_text())
    assert r.code == 65, r.stderr
    assert "larger than 4 MiB" in r.stderr
    assert parsed == []
    links.write_bytes(links.read_bytes()[:-1])  # exactly 4 MiB is read
    run_main(["import", links, "--dry-run"], env)
    assert parsed == [str(links)]


# --- 2. kit scans: images, pages, embedded images, workers ----------------------------------


def _png_header(path: Path, width: int, height: int) -> Path:
    """A PNG that declares width x height pixels and holds none of them."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))
    return path


def test_the_pixel_cap_is_exactly_100_megapixels_from_the_header(tmp_path: Path) -> None:
    from vault.paper.pages import load_image

    assert MAX_PIXELS == 10_000 * 10_000
    over = _png_header(tmp_path / "over.png", 10_000, 10_001)
    with pytest.raises(InvalidData, match="larger than 100 megapixels"):
        load_image(str(over))
    at = _png_header(tmp_path / "at.png", 10_000, 10_000)
    with pytest.raises(InvalidData) as info:  # passes the cap, then has no pixel data
        load_image(str(at))
    assert "megapixels" not in info.value.message


def _pdf_with_images(count: int) -> bytes:
    """One A4 page drawing a 1 x 1 image `count` times (each drawing is one image object)."""
    draw = b"".join(b"q 1 0 0 1 %d 10 cm /Im0 Do Q " % (i % 500) for i in range(count))
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream",
    ]
    body = b"".join(b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n" for i, o in enumerate(objs))
    return b"%PDF-1.4\n" + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def test_a_page_with_more_image_objects_than_the_cap_is_refused_before_rendering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pypdfium2

    from vault.paper.pages import render_pdf_pages

    rendered: list[int] = []
    real = pypdfium2.PdfPage.render

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        rendered.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pypdfium2.PdfPage, "render", counted)
    with pytest.raises(InvalidData, match="images too large"):
        list(render_pdf_pages(_pdf_with_images(MAX_IMAGE_OBJECTS + 1), dpi=30))
    assert rendered == []
    assert len(list(render_pdf_pages(_pdf_with_images(MAX_IMAGE_OBJECTS), dpi=30))) == 1
    assert rendered == [1]


def test_a_tiff_with_more_frames_than_the_page_cap_is_refused_before_scanning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    import vault.paper.scan as scan

    scanned: list[object] = []
    monkeypatch.setattr(scan, "_scan_task", lambda task, *a: scanned.append(task))
    frames = [Image.new("L", (8, 8), 255) for _ in range(MAX_PAGES + 1)]
    path = tmp_path / "many.tiff"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.raises(InvalidData, match=f"more than the {MAX_PAGES} read"):
        list(scan.scan_paths([path], workers=1))
    assert scanned == []


def test_scans_use_at_most_two_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two pages at the pixel cap in memory at once is the kit's worst case; more cores must
    # not multiply it.
    from PIL import Image

    import vault.paper.scan as scan

    pools: list[int] = []
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    for pool in ("_scan_parallel", "_scan_threads"):  # processes for PDFs, threads for images
        monkeypatch.setattr(
            scan, pool, lambda tasks, workers, *a: pools.append(workers) or iter(())
        )
    paths = []
    for i in range(6):
        paths.append(tmp_path / f"p{i}.png")
        Image.new("L", (8, 8), 255).save(paths[-1])
    list(scan.scan_paths(paths))
    assert pools == [2]


# --- 3. share sheets ------------------------------------------------------------------------


def _shares(exponent: int) -> list[str]:
    import shamir_mnemonic
    from shamir_mnemonic.share import Share

    words = shamir_mnemonic.generate_mnemonics(1, [(2, 3)], os.urandom(32), b"")[0]
    return [
        dataclasses.replace(Share.from_mnemonic(w), iteration_exponent=exponent).mnemonic()
        for w in words[:2]
    ]


def test_the_share_exponent_cap_is_exactly_4(monkeypatch: pytest.MonkeyPatch) -> None:
    import shamir_mnemonic.cipher

    from vault.paper.shares import MAX_SHARE_EXPONENT, combine_shares

    assert MAX_SHARE_EXPONENT == 4
    at_cap, over = _shares(4), _shares(5)  # made (and encrypted) before counting starts
    rounds: list[int] = []
    real = shamir_mnemonic.cipher._round_function

    def counted(*args: Any) -> bytes:
        rounds.append(1)
        return real(*args)

    monkeypatch.setattr(shamir_mnemonic.cipher, "_round_function", counted)
    with pytest.raises(InvalidData, match="exponent 5"):
        combine_shares(over)
    assert rounds == []  # refused before a single PBKDF2 round
    assert len(combine_shares(at_cap)) == 32  # the cap itself is accepted
    assert rounds  # and its rounds did run


# --- 4. typed text ---------------------------------------------------------------------------


def test_typed_numbers_at_the_caps_are_taken_and_one_past_them_refused() -> None:
    from vault.paper.frames import MAX_FRAMES, MAX_LINES, parse_typed_line

    assert (MAX_FRAMES, MAX_LINES) == (255, 110)
    assert parse_typed_line(f"{MAX_FRAMES:03d}-{MAX_LINES:02d}  AAAAA  ZZ") is not None
    for line in (f"{MAX_FRAMES + 1:03d}-01  AAAAA  ZZ", f"001-{MAX_LINES + 1:03d}  AAAAA  ZZ"):
        with pytest.raises(InvalidData, match="is not a line of a kit"):
            parse_typed_line(line)
