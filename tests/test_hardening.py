"""Regression tests for the adversarial review (issue 12): each finding, against real files.

Every test here failed before its fix: a symlinked vault split in two, a folder named like a
temp file broke every save, an unwritable stderr turned a saved change into exit 1, a lock
failure was an "unexpected error", umask 000 made rvault's folders world-writable, and a kit
title that reads like a sheet label failed verification.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSPHRASE, PEAK, run_main

from vault import BackupCode, Entry, VaultFile
from vault.errors import StorageError
from vault.paper.kit import KitOptions, make_kit

# --- 6. a symlinked vault ------------------------------------------------------------------


def test_a_symlinked_vault_is_saved_through_the_link(vf: VaultFile, tmp_path: Path) -> None:
    synced = tmp_path / "synced"
    synced.mkdir()
    real = synced / "vault.rvault"
    vf.path.rename(real)
    link = tmp_path / "link.rvault"
    link.symlink_to(real)
    linked = VaultFile(link)
    for i in range(2):  # the first save, and every later one
        linked.add(PASSPHRASE, Entry(f"Note {i}", "note", secret=f"secret {i}"))
    assert link.is_symlink() and link.resolve() == real
    assert VaultFile(real).load(PASSPHRASE).has("Note 1")
    assert (synced / "vault.rvault.bak").is_file()
    assert not (synced / "vault.rvault.bak").is_symlink()
    assert not (tmp_path / "link.rvault.bak").exists()
    assert not (tmp_path / "link.rvault.lock").exists()  # the lock is beside the real file
    assert (synced / "vault.rvault.lock").exists()


# --- 10. names that look like rvault's temp files ----------------------------------------


def test_a_folder_named_like_a_temp_file_does_not_break_saves(vf: VaultFile) -> None:
    trap = vf.path.with_name(f".{vf.path.name}.x.tmp")
    trap.mkdir()
    (trap / "keep.txt").write_text("someone's")
    bak_trap = vf.path.with_name(f".{vf.path.name}.bak.{os.getpid()}-0.tmp")  # the first try
    bak_trap.mkdir()
    vf.add(PASSPHRASE, Entry("A", "note", secret="one"))
    vf.add(PASSPHRASE, Entry("B", "note", secret="two"))
    assert vf.load(PASSPHRASE).has("B")
    assert (trap / "keep.txt").read_text() == "someone's"  # not ours: left alone
    assert bak_trap.is_dir()


def test_a_stale_temp_file_is_still_swept(vf: VaultFile) -> None:
    stale = vf.path.with_name(f".{vf.path.name}.abc123.tmp")
    stale.write_bytes(b"half a save")
    vf.add(PASSPHRASE, Entry("A", "note", secret="one"))
    assert not stale.exists()


# --- 11. the exit status of a saved change -------------------------------------------------


def _rvault_proc(args: list[str], env: dict[str, str], stdin: str, stderr_path: str) -> int:
    with open(stderr_path, "w") as err:
        return subprocess.run(
            [sys.executable, "-m", "vault", *args],
            input=stdin,
            text=True,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            timeout=120,
        ).returncode


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_spent_code_exits_0_even_when_stderr_cannot_be_written(
    vf: VaultFile, cli_env: dict[str, str]
) -> None:
    vf.add(PASSPHRASE, Entry("G", "backup-codes", codes=[BackupCode("11111"), BackupCode("2")]))
    # `use` prints the code, saves, then says how many are left: that last line fails.
    assert _rvault_proc(["use", "G"], cli_env, "", "/dev/full") == 0
    assert vf.load(PASSPHRASE).get("G").codes[0].used
    assert _rvault_proc(["add", "N", "--kind", "note"], cli_env, "text\n", "/dev/full") == 0
    assert vf.load(PASSPHRASE).has("N")
    # "Found 2 backup codes." comes before the save: failing there saves nothing, exit 1.
    codes = "11111-11111\n22222-22222\n"
    assert _rvault_proc(["add", "C", "--kind", "backup-codes"], cli_env, codes, "/dev/full") == 1
    assert not vf.load(PASSPHRASE).has("C")


# --- 13. lock failures ---------------------------------------------------------------------


@pytest.mark.parametrize("code", [errno.EIO, errno.ENOLCK])
def test_a_lock_that_fails_is_a_storage_error(
    vf: VaultFile, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    import fcntl

    def broken(fd: int, op: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(fcntl, "flock", broken)
    with pytest.raises(StorageError, match="cannot lock") as info:
        vf.add(PASSPHRASE, Entry("A", "note", secret="x"))
    assert info.value.exit_code == 74
    assert "local disk" in info.value.hint


def test_eio_while_sweeping_temp_files_is_a_storage_error(
    vf: VaultFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = vf.path.with_name(f".{vf.path.name}.abc.tmp")
    stale.write_bytes(b"x")
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self == stale:
            raise OSError(errno.EIO, "Input/output error")
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    with pytest.raises(StorageError, match="stale temp file"):
        vf.add(PASSPHRASE, Entry("A", "note", secret="x"))


def test_a_lock_failure_through_the_cli_is_one_line_and_exit_74(
    vf: VaultFile, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # A lock file rvault cannot open (a folder in its place) fails the same clean way.
    vf.lock_path.unlink(missing_ok=True)
    vf.lock_path.mkdir()
    r = run_main(["add", "N", "--kind", "note"], cli_env, stdin="text\n")
    assert r.code == 74, r.stderr
    assert r.stderr.startswith("rvault: error: cannot create lock file")
    assert "Traceback" not in r.stderr and "unexpected" not in r.stderr


# --- 14. folders rvault creates ------------------------------------------------------------


def test_folders_are_created_0700_under_umask_000(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        deep = tmp_path / "a" / "b" / "c" / "vault.rvault"
        VaultFile(deep).create(PASSPHRASE, __import__("conftest").CHEAP_KDF, allow_weak=True)
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    assert deep.stat().st_mode & 0o777 == 0o600


# --- 12. a title that reads like a sheet label ---------------------------------------------


def test_a_title_like_a_sheet_label_still_verifies(vf: VaultFile, tmp_path: Path) -> None:
    vf.add(PASSPHRASE, Entry("GitHub", "backup-codes", codes=[BackupCode("12345-67890")]))
    report = make_kit(vf, PASSPHRASE, tmp_path / "kit.pdf", KitOptions(title="codes sheet 5 of 5"))
    assert report.n >= 3 and (tmp_path / "kit.pdf").exists()


# --- 5. the --editor plaintext and signals ------------------------------------------------

WAITING_EDITOR = """\
import sys, time
from pathlib import Path
Path(sys.argv[1]).write_text("a secret typed in the editor\\n")
marker = Path(__import__("os").environ["RVAULT_TEST_MARKER"])
# Whole or not at all: the test reads the marker the moment it exists.
Path(f"{marker}.part").write_text(sys.argv[1])
Path(f"{marker}.part").replace(marker)
while True:  # an editor left open until the test signals rvault
    time.sleep(3600)
"""

QUICK_EDITOR = """\
import sys
from pathlib import Path
Path(sys.argv[1]).write_text("a short note\\n")
"""


@pytest.fixture
def ram_dir(tmp_path: Path) -> Iterator[Path]:
    from vault.prompts import is_ram_backed

    if not is_ram_backed("/dev/shm"):
        pytest.skip("needs /dev/shm on tmpfs")
    folder = Path(tempfile.mkdtemp(dir="/dev/shm"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_the_editor_is_open_shreds_the_temp_file(
    vf: VaultFile, cli_env: dict[str, str], tmp_path: Path, ram_dir: Path, sig: int
) -> None:
    editor, marker = tmp_path / "editor.py", tmp_path / "marker"
    editor.write_text(WAITING_EDITOR)
    env = {
        **cli_env,
        "XDG_RUNTIME_DIR": str(ram_dir),
        "EDITOR": f"{sys.executable} {editor}",
        "RVAULT_TEST_MARKER": str(marker),
    }
    before = vf.path.read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vault", "add", "Bank PIN", "--kind", "note", "--editor"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(marker, proc)  # the editor has the file open: the moment that matters
        temp = Path(marker.read_text())
        assert temp.exists() and temp.parent == ram_dir
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + sig, err
    assert not temp.exists()
    assert list(ram_dir.iterdir()) == []
    assert "temp file was shredded" in err and "Traceback" not in err
    assert vf.path.read_bytes() == before


def _wait_for(marker: Path, proc: subprocess.Popen[str]) -> None:
    """Until the editor has written the marker (an event, not a guess at the speed)."""
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"rvault exited early: {proc.communicate()}")
        time.sleep(0.01)


def test_later_runs_sweep_what_a_killed_edit_left(
    vf: VaultFile, cli_env: dict[str, str], tmp_path: Path, ram_dir: Path
) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = ram_dir / f"rvault-edit-{int(dead.stdout)}-abcdef.txt"
    stale.write_text("the plaintext of a SIGKILLed edit")
    live = ram_dir / f"rvault-edit-{os.getpid()}-abcdef.txt"  # a running rvault's: kept
    live.write_text("still being edited")
    other = ram_dir / "someone-else.txt"
    other.write_text("not rvault's")
    editor = tmp_path / "editor.py"
    editor.write_text(QUICK_EDITOR)
    env = {**cli_env, "XDG_RUNTIME_DIR": str(ram_dir), "EDITOR": f"{sys.executable} {editor}"}
    r = run_main(["add", "Note", "--kind", "note", "--editor"], env)
    assert r.code == 0, r.stderr
    assert not stale.exists() and live.exists() and other.exists()
    assert vf.load(PASSPHRASE).get("Note").secret.strip() == "a short note"


def test_the_editor_file_only_goes_to_a_ram_backed_folder(
    tmp_path: Path, ram_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vault.prompts import is_ram_backed, ram_temp_dir

    assert is_ram_backed(str(ram_dir))
    disk = Path(__file__).resolve().parent  # the checkout: a real disk, not tmpfs
    assert not is_ram_backed(str(disk))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(disk))
    assert ram_temp_dir() == Path("/dev/shm")


# --- 4. PDFs whose images or pages are larger than any scan -------------------------------


def _pdf(media: str, image: tuple[int, int] | None = None, copies: int = 1) -> bytes:
    """A minimal PDF (PDFium rebuilds the missing xref): one page, optional image XObjects."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"]
    names = b"".join(b"/Im%d %d 0 R " % (i, 5 + i) for i in range(copies if image else 0))
    objs.append(
        b"<< /Type /Page /Parent 2 0 R /MediaBox [" + media.encode() + b"] /Contents 4 0 R "
        b"/Resources << /XObject << " + names + b">> >> >>"
    )
    draw = b"".join(b"q 100 0 0 100 0 0 cm /Im%d Do Q " % i for i in range(copies if image else 0))
    objs.append(b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
    if image:
        body = zlib.compress(b"\xff" * 1000)  # the dictionary claims far more: never decoded
        for _ in range(copies):
            objs.append(
                b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
                % (image[0], image[1], len(body))
                + body
                + b"\nendstream"
            )
    out = b"%PDF-1.4\n" + b"".join(
        b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n" for i, o in enumerate(objs)
    )
    return out + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize(
    "pdf, words",
    [
        (_pdf("0 0 595 842", (20000, 20000)), "images too large"),  # 400 MP in one image
        (_pdf("0 0 595 842", (9000, 9000), copies=3), "images too large"),  # 243 MP in three
        (_pdf("0 0 200000 200000"), "not a scanned or printed page"),  # a 70 m page box
    ],
)
def test_pdfs_beyond_any_scan_are_refused_before_rendering(
    tmp_path: Path, pdf: bytes, words: str
) -> None:
    path = tmp_path / "forged.pdf"
    path.write_bytes(pdf)
    r = run_main(["restore", path, "--out", tmp_path / "out.rvault"])
    assert r.code == 65, r.stderr
    assert words in r.stderr and "page 1 of" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out.rvault").exists()


def test_an_ordinary_scanned_page_still_renders(tmp_path: Path) -> None:
    from vault.paper.pages import render_pdf_pages

    [page] = list(render_pdf_pages(_pdf("0 0 595 842", (2480, 3508)), dpi=150))
    assert page.size == (1240, 1755)  # A4 at 150 dpi, rounded up by PDFium


# --- 2 and 3. share sheets: their KDF cost and their size are capped --------------------


def _forged_shares(exponent: int) -> list[str]:
    """Two real shares re-encoded to claim another PBKDF2 cost (checksums made valid)."""
    import dataclasses

    import shamir_mnemonic
    from shamir_mnemonic.share import Share

    words = shamir_mnemonic.generate_mnemonics(1, [(2, 3)], os.urandom(32), b"")[0]
    return [
        dataclasses.replace(Share.from_mnemonic(w), iteration_exponent=exponent).mnemonic()
        for w in words[:2]
    ]


def test_forged_shares_cannot_choose_a_huge_kdf_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    import shamir_mnemonic.cipher

    from vault.errors import InvalidData
    from vault.paper.shares import combine_shares

    forged = _forged_shares(15)
    calls: list[int] = []
    real = shamir_mnemonic.cipher._round_function

    def counted(*args: object) -> bytes:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(shamir_mnemonic.cipher, "_round_function", counted)
    with pytest.raises(InvalidData, match="exponent 15"):
        combine_shares(forged)
    assert calls == []  # refused before a single PBKDF2 round


def test_recover_checks_for_a_recovery_slot_before_any_share_work(
    vf: VaultFile, tmp_path: Path, passphrase_file: Path
) -> None:
    shares = []
    for i, words in enumerate(_forged_shares(15)):
        shares += ["--share", str(tmp_path / f"s{i}.txt")]
        (tmp_path / f"s{i}.txt").write_text(words + "\n")
    r = run_main(
        [
            "recover",
            vf.path,
            *shares,
            "--out",
            tmp_path / "out.rvault",
            "--new-passphrase-file",
            passphrase_file,
        ]
    )
    assert r.code == 66, r.stderr
    assert "this vault copy has no recovery key" in r.stderr
    assert not (tmp_path / "out.rvault").exists()


def test_a_huge_share_image_is_refused_without_pil_warnings(
    tmp_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    from PIL import Image

    from vault.errors import InvalidData
    from vault.paper.shares import read_share_source

    big = tmp_path / "share.png"
    Image.new("1", (13000, 12000), 1).save(big)  # 156 MP of white: a small file
    with pytest.raises(InvalidData, match="megapixels"):
        read_share_source(str(big))
    assert not [w for w in recwarn if "DecompressionBomb" in type(w.message).__name__]


def test_a_sparse_share_file_is_not_read_whole(tmp_path: Path) -> None:
    from vault.errors import VaultError

    sparse = tmp_path / "share.txt"
    with open(sparse, "wb") as f:
        f.truncate(1536 * 1024 * 1024)  # 1.5 GiB of nothing, in no disk space
    code = (
        f"{PEAK}"
        "from vault.paper.shares import read_share_source\n"
        "from vault.errors import VaultError\n"
        "try:\n"
        f"    read_share_source({str(sparse)!r})\n"
        "except VaultError as e:\n"
        "    print(type(e).__name__, peak())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    name, peak_kib = proc.stdout.split()
    assert issubclass(getattr(__import__("vault.errors").errors, name), VaultError), proc.stderr
    assert int(peak_kib) < 100 * 1024, peak_kib  # the interpreter; nothing of the file
