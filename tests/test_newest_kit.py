"""Old and new kits side by side (issue 11): the newest complete kit wins, whatever the order.

Everything is real: vaults with cheap Argon2id, kits printed and proven by make_kit, pages
rendered by PDFium at 300 dpi and read by zxing-cpp (in the CLI's worker processes for the
CLI tests). Kit A is printed, the vault gains an entry, kit B is printed: B must always win,
and the output must name A as ignored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import PASSPHRASE, run_main
from PIL import Image
from support.kitutil import Kit, build_kit, fill_vault, new_vault, sample_entries

from vault import Entry, VaultFile
from vault.errors import InvalidData
from vault.paper.frames import Frame, FrameSet, encode, parse_frame_text
from vault.paper.kit import KitOptions, max_block
from vault.paper.qr import qr_png
from vault.paper.recovery import format_printed_key
from vault.paper.restore import RestoreSession
from vault.paper.scan import scan_paths

# No typeable text pages: three pages per kit (cover, index, one codes sheet) keep this fast.
OPTIONS = KitOptions(text=False)


@dataclass
class Kits:
    """Kit A (older) and kit B (newer) of one vault, a kit C of another, and their files."""

    folder: Path
    vf: VaultFile
    a: Kit
    b: Kit
    c: Kit
    key_file: Path
    pass_file: Path

    def pngs(self, kit: Kit, name: str, pages: dict[int, Image.Image] | None = None) -> list[Path]:
        """The kit's pages as PNG 'photos' (some replaced by `pages`), in page order."""
        paths = []
        for i, img in enumerate(kit.pages):
            path = self.folder / f"{name}-page-{i + 1}.png"
            (pages or {}).get(i, img).save(path)
            paths.append(path)
        return paths

    @property
    def env(self) -> dict[str, str]:
        return {
            "RVAULT_FILE": str(self.vf.path),
            "RVAULT_PASSPHRASE_FILE": str(self.pass_file),
            "RVAULT_LOCK_TIMEOUT": "10",
        }


@pytest.fixture(scope="module")
def kits(tmp_path_factory: pytest.TempPathFactory) -> Kits:
    folder = tmp_path_factory.mktemp("newest")
    vf = new_vault(folder / "vault.rvault")
    fill_vault(vf, sample_entries(), file_size=6_000)
    key = os.urandom(32)
    vf.set_recovery_key(PASSPHRASE, key)
    key_file = folder / "recovery-key.txt"
    key_file.write_text(format_printed_key(key) + "\n")
    a = build_kit(vf, folder / "a.pdf", OPTIONS)
    with vf.edit(PASSPHRASE) as v:
        v.entries.append(Entry("Added after kit A", "note", secret="only kit B has this"))
    b = build_kit(vf, folder / "b.pdf", OPTIONS)
    other = new_vault(folder / "other.rvault")
    fill_vault(other, sample_entries())
    c = build_kit(other, folder / "c.pdf", OPTIONS)
    pass_file = folder / "passphrase.txt"
    pass_file.write_text(PASSPHRASE + "\n")
    assert a.report.generation < b.report.generation and a.before != b.before
    # Kit B can be made incomplete but still seen: k - 1 codes readable out of k needed.
    assert b.k >= 2 and -(-len(b.before) // max_block()) == b.k
    return Kits(folder, vf, a, b, c, key_file, pass_file)


def ignored_line(kit: Kit, why: str, read: int | None = None) -> str:
    """The line restore prints for a kit it left out."""
    read = kit.n if read is None else read
    return (
        f"Ignored kit {kit.short_id} (generation {kit.report.generation}, {read} of {kit.n} "
        f"codes read, {kit.k} needed): {why}."
    )


def has_new_entry(path: Path) -> bool:
    return "Added after kit A" in [e.name for e in VaultFile(path).load(PASSPHRASE).entries]


# --- the library: RestoreSession ---------------------------------------------------------


def session_of(*pages: list[list[str]]) -> RestoreSession:
    session = RestoreSession()
    for kit_pages in pages:
        for texts in kit_pages:
            for t in texts:
                session.add_text(t)
    return session


@pytest.mark.slow
@pytest.mark.parametrize("old_first", [True, False])
def test_the_newest_complete_kit_wins_in_either_order(kits: Kits, old_first: bool) -> None:
    a, b = kits.a.decoded, kits.b.decoded
    session = session_of(a, b) if old_first else session_of(b, a)
    assert session.ready()
    assert session.finish() == kits.b.before
    assert session.ignored() == [ignored_line(kits.a, "an older kit of the same vault")]
    assert session.status().startswith(
        f"kit {kits.b.short_id} (generation {kits.b.report.generation}): "
    )
    # Chosen deliberately, the older kit restores exactly what it holds.
    assert session.finish(kits.a.short_id) == kits.a.before
    assert session.ignored(kits.a.short_id) == [
        ignored_line(kits.b, "a newer kit of the same vault, not the one chosen with --kit")
    ]


def test_an_incomplete_newer_kit_is_never_passed_over_silently(kits: Kits) -> None:
    b = kits.b
    texts = [t for page in b.decoded for t in page]
    partial = [[t for t in texts if parse_frame_text(t).index < b.k - 1]]
    session = session_of(kits.a.decoded, partial)
    assert not session.ready()
    with pytest.raises(InvalidData) as info:
        session.finish()
    message = info.value.message
    assert message.startswith(
        f"the newest kit found, kit {b.short_id} (generation {b.report.generation}), has only "
        f"{b.k - 1} of the {b.k} codes needed: 1 more needed from the missing codes"
    )
    assert (
        f"kit {kits.a.short_id} (generation {kits.a.report.generation}) is complete but older"
    ) in message
    assert info.value.hint.endswith(
        f"restore the older kit deliberately with --kit {kits.a.short_id}"
    )
    assert session.finish(kits.a.short_id) == kits.a.before


def test_two_incomplete_kits_name_the_newest_and_list_the_other(kits: Kits) -> None:
    one = [[kits.a.decoded[kits.a.sheet_page[1]][0]]]
    two = [[kits.b.decoded[kits.b.sheet_page[1]][0]]]
    with pytest.raises(InvalidData) as info:
        session_of(one, two).finish()
    assert info.value.message.startswith(f"the newest kit found, kit {kits.b.short_id} ")
    assert f"also found and not mixed in: kit {kits.a.short_id} " in info.value.message
    assert "--kit ID" in info.value.hint


def test_kits_of_different_vaults_are_listed_not_chosen(kits: Kits) -> None:
    session = session_of(kits.a.decoded, kits.c.decoded)
    assert not session.ready()
    with pytest.raises(InvalidData) as info:
        session.finish()
    message = info.value.message
    assert message.startswith("codes of 2 different vaults were found and not mixed: ")
    for kit in (kits.a, kits.c):
        vault_id = parse_frame_text(kit.report.codes[0]).vault_id
        assert f"vault {vault_id[:4].hex().upper()}: kit {kit.short_id} (generation " in message
    assert session.finish(kits.c.short_id) == kits.c.before
    assert session.ignored(kits.c.short_id)[0].startswith(f"Ignored kit {kits.a.short_id} ")


def test_two_kits_of_one_generation_are_not_guessed_between(kits: Kits) -> None:
    a = parse_frame_text(kits.a.report.codes[0])
    twin = encode(kits.a.before, a.vault_id, b"twin-kit", a.generation, max_block())
    session = session_of(kits.a.decoded, [[f.to_text() for f in twin]])
    with pytest.raises(InvalidData, match="2 kits of the same generation"):
        session.finish()
    assert session.finish(b"twin-kit".hex()[:8]) == kits.a.before


def forged(kit: Kit, **changes: int) -> str:
    """A frame with the kit's own id and a valid check, but fields that disagree with it."""
    real = parse_frame_text(kit.report.codes[0])
    return replace(real, **changes).to_text()


@pytest.mark.parametrize(
    "changes", [{"n": 0}, {"generation": 1000}, {"length": -1}], ids=["n", "generation", "length"]
)
def test_a_stray_code_with_the_kit_id_is_ignored_and_reported(
    kits: Kits, changes: dict[str, int]
) -> None:
    b = kits.b
    real = parse_frame_text(b.report.codes[0])
    fields = {name: getattr(real, name) + delta for name, delta in changes.items()}
    fields["n"] = real.n + 1  # every variant also claims a different n
    if "length" in fields and real.length % real.k == 1:
        fields["length"] = real.length + 1  # a length the block size still fits
    session = session_of([[forged(b, **fields)]], b.decoded)  # the stray comes first
    assert session.finish() == b.before
    assert session.ignored() == [
        f"1 code with kit {b.short_id} did not match the rest of its kit and was ignored."
    ]
    summary = session.kit().summary()
    assert (summary.generation, summary.n, summary.strays) == (b.report.generation, b.n, 1)


def test_frameset_picks_the_group_that_rebuilds() -> None:
    data = os.urandom(300)
    frames = encode(data, b"v" * 16, b"k" * 8, 3, 64)
    real = frames[0]
    fs = FrameSet()
    stray = Frame(real.vault_id, real.kit_id, 3, 1, real.n + 1, real.k, real.length, real.block)
    assert fs.add(stray) and fs.key == stray.kit_key  # alone, it is all there is
    fs.add_all(frames[: real.k])
    assert fs.key == real.kit_key and fs.complete() and fs.strays == 1
    assert fs.join() == data


# --- the library: scanning with early stopping -------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_early_stopping_still_sees_a_newer_kit_after_a_complete_old_one(
    kits: Kits, workers: int
) -> None:
    paths = kits.pngs(kits.a, f"a{workers}") + kits.pngs(kits.b, f"b{workers}")
    session = RestoreSession()
    sources = set()
    for page in scan_paths(paths, workers=workers, settled=session.ready):
        sources.add(page.source)
        for t in page.texts:
            session.add_text(t, page.source)
    assert sources == {str(p) for p in paths}  # every page was looked at
    assert session.finish() == kits.b.before


@pytest.mark.slow
def test_a_page_cut_short_is_read_again_when_its_kit_turns_out_newer(kits: Kits) -> None:
    from support.degrade import blur

    # Codes blurred by 3 px are read only by a later pass (sharpening), so the first pass of
    # this sheet reads just the k - 1 clean codes. Kit A being complete, the page is cut
    # short there; its codes show a newer kit, so it is read again with every pass.
    b = kits.b
    sheet = b.sheet_page[1]
    page = b.pages[sheet].copy()
    for index in range(b.k - 1, b.n):
        box = b.code_box(index)
        page.paste(blur(page.crop(box), 3.0), box[:2])
    paths = kits.pngs(kits.a, "cut-a") + kits.pngs(b, "cut-b", {sheet: page})
    session = RestoreSession()
    reads: list[tuple[str, bool, int]] = []
    for found in scan_paths(paths, workers=1, settled=session.ready):
        reads.append((found.source, found.cut_short, len(found.texts)))
        for t in found.texts:
            session.add_text(t, found.source)
    assert session.finish() == b.before
    target = str(paths[len(kits.a.pages) + sheet])
    assert [(cut, count) for source, cut, count in reads if source == target] == [
        (True, b.k - 1),  # cut short once its kit was known
        (False, b.n),  # then read again in full
    ]


# --- the command line --------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("old_first", [True, False])
def test_restore_from_both_pdfs_restores_the_newer(
    kits: Kits, tmp_path: Path, old_first: bool
) -> None:
    pdfs = [kits.folder / "a.pdf", kits.folder / "b.pdf"]
    out = tmp_path / "restored.rvault"
    r = run_main(["restore", *map(str, pdfs if old_first else pdfs[::-1]), "--out", str(out)])
    assert r.code == 0, r.stderr
    assert out.read_bytes() == kits.b.before and has_new_entry(out)
    assert ignored_line(kits.a, "an older kit of the same vault") in r.stderr
    assert f"kit {kits.b.short_id} (generation {kits.b.report.generation}): " in r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("old_first", [True, False])
def test_restore_from_page_photos_restores_the_newer(
    kits: Kits, tmp_path: Path, old_first: bool
) -> None:
    a, b = kits.pngs(kits.a, "photo-a"), kits.pngs(kits.b, "photo-b")
    out = tmp_path / "restored.rvault"
    r = run_main(["restore", *map(str, a + b if old_first else b + a), "--out", str(out)])
    assert r.code == 0, r.stderr
    assert out.read_bytes() == kits.b.before and has_new_entry(out)
    assert ignored_line(kits.a, "an older kit of the same vault") in r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("old_first", [True, False])
def test_restore_refuses_an_older_complete_kit_beside_a_newer_incomplete_one(
    kits: Kits, tmp_path: Path, old_first: bool
) -> None:
    b = kits.b
    blanked = b.blanked_pages(range(b.n - (b.k - 1)))  # k - 1 codes of B stay readable
    partial = kits.pngs(b, "partial-b", blanked)
    a_pdf = kits.folder / "a.pdf"
    sources = [a_pdf, *partial] if old_first else [*partial, a_pdf]
    out = tmp_path / "restored.rvault"
    r = run_main(["restore", *map(str, sources), "--out", str(out)])
    assert r.code == 65, r.stderr
    assert not out.exists()
    (error, hint) = r.error_lines
    assert error.startswith(
        f"rvault: error: the newest kit found, kit {b.short_id} (generation "
        f"{b.report.generation}), has only {b.k - 1} of the {b.k} codes needed"
    )
    assert f"kit {kits.a.short_id} (generation {kits.a.report.generation}) is complete" in error
    assert hint.endswith(f"restore the older kit deliberately with --kit {kits.a.short_id}")
    assert "Traceback" not in r.stderr
    # Chosen deliberately, the older kit restores, and the newer one is named as left out.
    r = run_main(["restore", *map(str, sources), "--kit", kits.a.short_id, "--out", str(out)])
    assert r.code == 0, r.stderr
    assert out.read_bytes() == kits.a.before and not has_new_entry(out)
    why = "a newer kit of the same vault, not the one chosen with --kit"
    assert ignored_line(b, why, read=b.k - 1) in r.stderr


@pytest.mark.slow
def test_restore_refuses_kits_of_two_vaults_and_writes_nothing(kits: Kits, tmp_path: Path) -> None:
    out = tmp_path / "restored.rvault"
    sources = [str(kits.folder / "a.pdf"), str(kits.folder / "c.pdf")]
    r = run_main(["restore", *sources, "--out", str(out)])
    assert r.code == 65, r.stderr
    assert not out.exists()
    (error, hint) = r.error_lines
    assert "codes of 2 different vaults were found and not mixed" in error
    assert f"kit {kits.a.short_id} (generation {kits.a.report.generation}, {kits.a.n} of" in error
    assert f"kit {kits.c.short_id} (generation {kits.c.report.generation}, {kits.c.n} of" in error
    assert "--kit ID" in hint
    r = run_main(["restore", *sources, "--kit", kits.c.short_id, "--out", str(out)])
    assert r.code == 0, r.stderr
    assert out.read_bytes() == kits.c.before
    assert f"Ignored kit {kits.a.short_id} " in r.stderr and "a kit of another vault" in r.stderr


@pytest.mark.slow
def test_restore_ignores_and_reports_a_forged_stray_code(kits: Kits, tmp_path: Path) -> None:
    b = kits.b
    real = parse_frame_text(b.report.codes[0])
    stray = tmp_path / "stray.png"
    stray.write_bytes(qr_png(forged(b, n=real.n + 1)))
    out = tmp_path / "restored.rvault"
    r = run_main(["restore", str(stray), str(kits.folder / "b.pdf"), "--out", str(out)])
    assert r.code == 0, r.stderr
    assert out.read_bytes() == b.before
    assert f"1 code with kit {b.short_id} did not match the rest of its kit and was ignored." in (
        r.stderr
    )


@pytest.mark.slow
def test_verify_kit_checks_the_newest_and_names_the_older(kits: Kits) -> None:
    pdfs = [str(kits.folder / "a.pdf"), str(kits.folder / "b.pdf")]
    r = run_main(["verify-kit", *pdfs], kits.env)
    assert r.code == 0, r.stderr + r.stdout
    assert ignored_line(kits.a, "an older kit of the same vault") in r.stdout
    assert f"kit {kits.b.short_id}: matches the current vault" in r.stdout


@pytest.mark.slow
def test_recover_uses_the_newest_kit(kits: Kits, tmp_path: Path) -> None:
    new_pass = tmp_path / "new-passphrase.txt"
    new_pass.write_text("a brand new passphrase for the vault, long enough\n")
    out = tmp_path / "recovered.rvault"
    pdfs = [str(kits.folder / "a.pdf"), str(kits.folder / "b.pdf")]
    r = run_main(
        [
            "recover",
            *pdfs,
            "--recovery-key-file",
            str(kits.key_file),
            "--new-passphrase-file",
            str(new_pass),
            "--out",
            str(out),
        ]
    )
    assert r.code == 0, r.stderr
    assert ignored_line(kits.a, "an older kit of the same vault") in r.stderr
    names = [e.name for e in VaultFile(out).load(new_pass.read_text().strip()).entries]
    assert "Added after kit A" in names
