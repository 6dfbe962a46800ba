"""`rvault merge` and `rvault check` on real files named as sync clients name conflict copies."""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CHEAP_KDF, PASSPHRASE, run_main, run_rvault

from vault import BackupCode, Entry, VaultFile

HELPERS = Path(__file__).resolve().parent / "helpers"
# What each sync client calls the copy it could not reconcile with test.rvault.
CONFLICT_NAMES = {
    "Dropbox": "test (conflicted copy 2026-12-01).rvault",
    "Dropbox, shared folder": "test (Jane's conflicted copy 2026-12-01).rvault",
    "Syncthing": "test.sync-conflict-20261201-101112-ABCDEFG.rvault",
    "OneDrive": "test-DESKTOP-4F2K.rvault",
    "Google Drive": "test (1).rvault",
    "Nextcloud": "test (conflicted copy 2026-12-01 101112).rvault",
    "ownCloud, older Nextcloud": "test_conflict-20261201-101112.rvault",
}
CODES = ["aaaa-1111", "bbbb-2222", "cccc-3333"]


@pytest.fixture
def filled(vf: VaultFile) -> VaultFile:
    vf.add(PASSPHRASE, Entry("GitHub", "backup-codes", codes=[BackupCode(c) for c in CODES]))
    vf.add(PASSPHRASE, Entry("Mail", "note", secret="mail secret"))
    return vf


def copy_of(vf: VaultFile, name: str) -> VaultFile:
    target = vf.path.with_name(name)
    shutil.copy(vf.path, target)
    return VaultFile(target, lock_timeout=5)


def test_check_finds_each_sync_client_s_copy_and_its_fix_merges_it(
    filled: VaultFile, cli_env: dict[str, str]
) -> None:
    copies = {client: copy_of(filled, name) for client, name in CONFLICT_NAMES.items()}
    for client, copy in copies.items():
        copy.add(PASSPHRASE, Entry(f"From {client}", "note", secret=f"made on {client}"))
    stranger = VaultFile(filled.path.with_name("test (conflicted copy 2026-12-02).rvault"))
    stranger.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)  # another vault: not a copy
    usb = copy_of(filled, "from the USB stick.rvault")  # any name, same vault id
    usb.use_code(PASSPHRASE, "GitHub")
    junk = filled.path.with_name("test.sync-conflict-20261130-090000-ZZZZZZZ.rvault")
    junk.write_bytes(b"not a vault")
    damaged = copy_of(filled, "test (2).rvault").path  # a copy with a flipped byte
    data = bytearray(damaged.read_bytes())
    data[-40] ^= 1
    damaged.write_bytes(bytes(data))
    unrelated = filled.path.with_name("test-notes.txt")  # not named like a vault copy
    unrelated.write_text("x")

    run = run_main(["check", "--json", "--no-kdf-check"], cli_env)
    found = json.loads(run.stdout)
    to_merge = {
        f["message"].split(" is ")[0]: f["fix"] for f in found if f["id"] == "conflict-copy"
    }
    assert set(to_merge) == {*CONFLICT_NAMES.values(), "from the USB stick.rvault"}
    unreadable = [f["message"].split(" looks like")[0] for f in found if "unreadable" in f["id"]]
    assert sorted(unreadable) == sorted([junk.name, damaged.name])
    for name, fix in to_merge.items():
        args = shlex.split(fix)
        assert args[:3] == ["rvault", "--vault", str(filled.path)] and args[3:] == [
            "merge",
            str(filled.path.with_name(name)),
        ]
        merged = run_main([*args[1:], "--yes"], cli_env)
        assert merged.code == 0, merged.stderr
    vault = filled.load(PASSPHRASE)
    assert {f"From {client}" for client in CONFLICT_NAMES} <= {e.name for e in vault.entries}
    assert vault.get("GitHub").codes[0].used
    after = json.loads(run_main(["check", "--json", "--no-kdf-check"], cli_env).stdout)
    assert not [f for f in after if f["id"] == "conflict-copy"]
    merged_ids = [f for f in after if f["id"] == "conflict-copy-merged"]
    assert len(merged_ids) == len(CONFLICT_NAMES) + 1
    assert all(f["severity"] == "low" and f["fix"].startswith("delete it") for f in merged_ids)


def test_the_report_asks_first_and_dry_run_changes_nothing(
    filled: VaultFile, cli_env: dict[str, str]
) -> None:
    other = copy_of(filled, CONFLICT_NAMES["Dropbox"])
    other.use_code(PASSPHRASE, "GitHub")
    other.add(PASSPHRASE, Entry("Bank", "recovery-key", secret="bank key 123"))
    filled.remove(PASSPHRASE, "Mail")
    before = filled.path.read_bytes()
    dry = run_main(["merge", other.path, "--dry-run"], cli_env)
    assert dry.code == 0, dry.stderr
    assert dry.stderr.splitlines()[0] == (f"From {other.path}: 1 entry added, 1 code marked used.")
    assert "Dry run: nothing was changed." in dry.stderr
    # No terminal to ask on (and no --yes): refused, nothing saved.
    asked = run_rvault(["merge", str(other.path)], cli_env)
    assert asked.returncode == 2
    assert "no terminal to confirm the merge on" in asked.stderr
    assert filled.path.read_bytes() == before
    done = run_main(["merge", other.path, "--yes", "--json"], cli_env)
    assert done.code == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["added"] == ["Bank"] and report["codes_used"] == {"GitHub": 1}
    assert report["saved"] and report["changed"] and report["removed"] == []
    assert "bank key 123" not in done.stdout + done.stderr
    vault = filled.load(PASSPHRASE)
    assert [e.name for e in vault.entries] == ["GitHub", "Bank"]  # Mail stays removed


def test_a_different_vault_is_refused_unless_imported(
    filled: VaultFile, cli_env: dict[str, str]
) -> None:
    stranger = VaultFile(filled.path.with_name("friend.rvault"))
    stranger.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    stranger.add(PASSPHRASE, Entry("Mail", "note", secret="friend's mail"))
    refused = run_main(["merge", stranger.path, "--yes"], cli_env)
    assert refused.code == 65
    assert refused.error_lines[0].startswith(f"rvault: error: {stranger.path} is a different vault")
    assert "--import" in refused.stderr
    imported = run_main(["merge", stranger.path, "--import", "--yes"], cli_env)
    assert imported.code == 0, imported.stderr
    vault = filled.load(PASSPHRASE)
    assert [e.name for e in vault.entries] == ["GitHub", "Mail", "Mail (2)"]
    assert vault.get("Mail (2)").secret == "friend's mail"


def test_an_older_copy_with_an_older_passphrase_asks_for_its_own(
    filled: VaultFile, cli_env: dict[str, str], tmp_path: Path
) -> None:
    old = copy_of(filled, "test-LAPTOP.rvault")
    old.update(PASSPHRASE, "Mail", fields={"notes": "written on the laptop"})
    filled.change_passphrase(PASSPHRASE, "a newer passphrase", allow_weak=True, new_master_key=True)
    (tmp_path / "new.txt").write_text("a newer passphrase\n")
    (tmp_path / "old.txt").write_text(PASSPHRASE + "\n")
    env = {**cli_env, "RVAULT_PASSPHRASE_FILE": str(tmp_path / "new.txt")}
    found = json.loads(run_main(["check", "--json", "--no-kdf-check"], env).stdout)
    [copy] = [f for f in found if f["id"] == "conflict-copy"]  # opening it needs its passphrase
    assert copy["message"].endswith("that may hold changes this one lacks")
    no_tty = run_rvault(["merge", str(old.path), "--yes"], env)
    assert no_tty.returncode == 2 and "no terminal to ask for the passphrase" in no_tty.stderr
    run = run_main(
        ["merge", old.path, "--yes", "--other-passphrase-file", tmp_path / "old.txt"], env
    )
    assert run.code == 0, run.stderr
    assert "opens with another passphrase; this vault's passphrase stays" in run.stderr
    assert filled.load("a newer passphrase").get("Mail").notes == "written on the laptop"
    with pytest.raises(Exception, match="wrong passphrase"):
        filled.load(PASSPHRASE)


def test_a_merge_that_changes_entries_makes_the_printed_kit_stale(
    filled: VaultFile, cli_env: dict[str, str]
) -> None:
    with filled.edit(PASSPHRASE) as v:  # as `rvault kit` records a verified kit
        v.record_kit({"id": "k1", "generation": filled.next_generation, "printed": "2026-12-01"})
    same = copy_of(filled, "test (1).rvault")
    nothing = run_main(["merge", same.path, "--yes"], cli_env)
    assert nothing.code == 0 and "nothing new" in nothing.stderr
    assert filled.load(PASSPHRASE).kit_status() == "current"
    same.use_code(PASSPHRASE, "GitHub")
    run = run_main(["merge", same.path, "--yes"], cli_env)
    assert run.code == 0, run.stderr
    assert "your printed kit (printed 2026-12-01) is now out of date" in run.stderr
    assert filled.load(PASSPHRASE).kit_status() == "stale"


def test_a_merge_killed_at_any_step_of_its_save_loses_nothing(filled: VaultFile) -> None:
    other = copy_of(filled, CONFLICT_NAMES["Syncthing"])
    other.add(PASSPHRASE, Entry("Bank", "recovery-key", secret="bank key"))
    filled.use_code(PASSPHRASE, "GitHub")
    before, other_bytes = filled.path.read_bytes(), other.path.read_bytes()
    old = filled.load(PASSPHRASE).entries_json()
    steps = 0
    for stop in range(1, 50):
        shutil.copy(filled.bak_path, filled.bak_path.with_suffix(".keep"))
        child = subprocess.Popen(
            [sys.executable, str(HELPERS / "merge_killed.py"), str(filled.path), str(other.path),
             PASSPHRASE, str(stop)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert child.stdout is not None
        line = child.stdout.readline()
        if line.startswith("done"):
            child.wait()
            break
        assert line.startswith(f"stop {stop} "), child.communicate()[1]
        child.send_signal(signal.SIGKILL)
        child.wait()
        steps += 1
        # All or nothing: the vault and its .bak open, holding the old or the merged entries.
        now = filled.load(PASSPHRASE)
        assert now.entries_json() == old or [e.name for e in now.entries] == [
            "GitHub",
            "Mail",
            "Bank",
        ]
        VaultFile(filled.bak_path).load(PASSPHRASE)
        assert other.path.read_bytes() == other_bytes
        # Back to before the merge for the next step (as if it never ran).
        filled.path.write_bytes(before)
        shutil.copy(filled.bak_path.with_suffix(".keep"), filled.bak_path)
    assert steps >= 4  # the temp file's fsync, the .bak's link and rename, the rename
    # The merge after the kills completes: every entry and the used code are there.
    filled.merge(PASSPHRASE, other.path)
    vault = filled.load(PASSPHRASE)
    assert [e.name for e in vault.entries] == ["GitHub", "Mail", "Bank"]
    assert vault.get("GitHub").codes[0].used


def test_the_ways_in_stay_this_vault_s_and_the_report_says_where_they_differ(
    filled: VaultFile, cli_env: dict[str, str]
) -> None:
    from vault import KdfParams

    copy = copy_of(filled, "test-DESKTOP.rvault")
    copy.change_passphrase(PASSPHRASE, PASSPHRASE, KdfParams(2, 1024, 1), allow_weak=True)
    copy.set_recovery_key(PASSPHRASE, bytes(range(32)))
    copy.add(PASSPHRASE, Entry("Bank", "note", secret="b"))
    slots = filled.info()["slots"]
    run = run_main(["merge", copy.path, "--yes"], cli_env)
    assert run.code == 0, run.stderr
    assert f"{copy.path} has other key derivation costs (Argon2id t=2" in run.stderr
    assert "has a recovery key this vault does not: its printed key does not open" in run.stderr
    assert filled.info()["slots"] == slots  # the key slots are untouched
    assert filled.load(PASSPHRASE).has("Bank")


@pytest.mark.parametrize(
    ("vault", "candidate", "is_copy"),
    [
        *(
            ("vault.rvault", name.replace("test", "vault", 1), True)
            for name in CONFLICT_NAMES.values()
        ),
        ("keys.dat", "keys (conflicted copy 2026-12-01).dat", True),
        ("keys.dat", "keys.sync-conflict-20261201-101112-ABCDEFG.dat", True),
        ("vault.rvault", "vault.rvault.bak", False),
        ("vault.rvault", ".vault.rvault.abc123.tmp", False),
        ("vault.rvault", "vault (final).rvault", False),
        ("vault.rvault", "vault.sync-conflict-2026.rvault", False),
        ("vault.rvault", "other (conflicted copy 2026-12-01).rvault", False),
    ],
)
def test_the_names_sync_clients_give_conflict_copies(
    vault: str, candidate: str, is_copy: bool
) -> None:
    from vault.copies import conflict_name

    assert conflict_name(candidate, vault) is is_copy


@pytest.mark.slow
def test_a_kit_restored_while_a_newer_copy_sat_on_a_usb_stick(
    filled: VaultFile, cli_env: dict[str, str], tmp_path: Path
) -> None:
    kit = tmp_path / "kit.pdf"
    assert run_main(["kit", "--out", kit], cli_env).code == 0
    filled.use_code(PASSPHRASE, "GitHub")  # after printing: only the USB copy knows
    usb = copy_of(filled, "usb.rvault")
    # Restoring over a vault is refused, with the way to combine the two.
    again = run_main(["restore", kit], cli_env)
    assert again.code == 73 and "'rvault merge PATH' then brings" in again.stderr
    restored = tmp_path / "new-laptop.rvault"
    assert run_main(["restore", kit, "--out", restored], cli_env).code == 0
    env = {**cli_env, "RVAULT_FILE": str(restored)}
    assert run_main(["use", "GitHub"], env).code == 0  # the kit hands out the spent code
    new = VaultFile(restored)
    new.add(PASSPHRASE, Entry("Bank", "note", secret="added on the new laptop"))
    run = run_main(["merge", usb.path, "--yes"], env)
    assert run.code == 0, run.stderr
    vault = new.load(PASSPHRASE)
    assert [e.name for e in vault.entries] == ["GitHub", "Mail", "Bank"]
    # Both copies spent the first code (the paper did not know): used once, earliest time.
    first = vault.get("GitHub").codes[0]
    assert first.used and first.used_at == filled.load(PASSPHRASE).get("GitHub").codes[0].used_at
