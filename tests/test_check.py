"""`rvault check`, `review`, `log` and the stale-kit note, end to end through vault.cli.main.

Real vaults (cheap Argon2id), real files; time is injected by writing entries with old dates
through the library, never by sleeping.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import CHEAP_KDF, PASSPHRASE, RV, Run

from vault import BackupCode, Entry, KdfParams, VaultFile
from vault.check import LOW_CODES, check_vault
from vault.model import LOG_CAP, Vault

INIT = ["init", "--weak-kdf", "--kdf-memory", "1", "--kdf-time", "1", "--kdf-parallelism", "1"]
CODES = [f"code{i:02d}-secret{i:02d}" for i in range(1, 6)]
TOTP = "JBSWY3DPEHPK3PXP"
FIELDS = {"id", "severity", "message", "fix", "entry"}


@pytest.fixture
def ready(rv: RV, tmp_path: Path) -> RV:
    """A vault with nothing to report: codes, a TOTP entry, a kit and a recovery key."""
    assert rv(*INIT).code == 0
    assert rv("add", "GitHub", "--kind", "backup-codes", stdin="\n".join(CODES)).code == 0
    assert rv("add", "Mail", "--kind", "totp", stdin=TOTP).code == 0
    assert rv("recovery-key", "add", "--out", str(tmp_path / "rk.pdf")).code == 0
    assert rv("kit", "--out", str(tmp_path / "kit.pdf")).code == 0
    return rv


def check(rv: RV, *extra: str) -> Run:
    """`check --json --no-kdf-check` (the KDF finding has its own tests)."""
    return rv("check", "--json", "--no-kdf-check", *extra)


def test_all_well_exits_0(ready: RV) -> None:
    r = check(ready)
    assert (r.code, json.loads(r.stdout)) == (0, [])
    text = ready("check", "--no-kdf-check")
    assert text.code == 0 and "All is well" in text.stdout


@pytest.mark.slow
def test_fresh_vault_needs_attention_most_urgent_first(rv: RV) -> None:
    assert rv(*INIT).code == 0
    r = rv("check", "--json")  # with the KDF check: the cheap test KDF is far below default
    assert r.code == 1
    findings = json.loads(r.stdout)
    assert [f["id"] for f in findings] == ["kit-missing", "no-recovery-key", "kdf-weak"]
    assert all(set(f) == FIELDS for f in findings)
    assert [f["severity"] for f in findings] == ["high", "medium", "medium"]
    assert findings[0]["fix"].startswith("rvault kit")
    assert findings[2]["fix"] == "rvault passwd --rekey"
    text = rv("check")
    assert text.code == 1 and "[high] no verified paper kit" in text.stdout
    assert "fix: rvault kit" in text.stdout


def test_no_recovery_key_cleared(ready: RV, tmp_path: Path) -> None:
    r = ready("recovery-key", "rm")  # a way in changed: the printed kit is out of date
    assert r.code == 0 and "note: your printed kit" in r.stderr
    assert check(ready).ids() == ["kit-stale", "no-recovery-key"]
    assert ready("recovery-key", "add", "--out", str(tmp_path / "rk2.pdf")).code == 0
    assert ready("kit", "--out", str(tmp_path / "kit2.pdf"), "--force").code == 0
    assert check(ready).code == 0


def test_kit_stale_and_the_one_time_note(ready: RV, tmp_path: Path) -> None:
    first = ready("edit", "Mail", "--notes", "personal")
    assert "note: your printed kit (printed " in first.stderr
    assert "is now out of date; print a new one with 'rvault kit'" in first.stderr
    r = check(ready)
    assert r.code == 1 and r.ids() == ["kit-stale"]
    second = ready("edit", "Mail", "--notes", "private")
    assert "note:" not in second.stderr  # once: it was already stale
    assert ready("kit", "--out", str(tmp_path / "kit.pdf"), "--force").code == 0
    assert check(ready).code == 0
    # Bookkeeping (a review) does not make the kit stale, and so prints no note.
    review = ready("review", "Mail")
    assert review.code == 0 and "note:" not in review.stderr
    assert check(ready).code == 0


def test_passwd_makes_the_kit_stale_with_a_note(ready: RV, tmp_path: Path) -> None:
    new = tmp_path / "new.txt"
    new.write_text("another long passphrase here\n")
    r = ready("passwd", "--new-passphrase-file", str(new), "--weak-kdf")
    assert r.code == 0 and "note: your printed kit" in r.stderr


def test_codes_low_and_none(ready: RV) -> None:
    for _ in range(len(CODES) - LOW_CODES):
        assert ready("use", "GitHub").code == 0
    assert check(ready, "--min-codes", str(LOW_CODES)).ids() == ["kit-stale"]
    used = ready("use", "GitHub")  # now below the threshold: `use` and `check` agree
    assert f"only {LOW_CODES - 1} unused codes left" in used.stderr
    r = check(ready)
    assert r.ids() == ["kit-stale", "codes-low"]
    low = json.loads(r.stdout)[1]
    assert low["entry"] == "GitHub" and low["severity"] == "medium"
    assert "rvault edit GitHub --codes" in low["fix"]
    assert check(ready, "--min-codes", "2").ids() == ["kit-stale"]
    while ready("use", "GitHub").code == 0:
        pass
    assert check(ready).ids() == ["kit-stale", "codes-none"]
    new = "\n".join(f"new{i:02d}-code{i:02d}" for i in range(10))
    assert ready("edit", "GitHub", "--codes", stdin=new).code == 0
    assert check(ready).ids() == ["kit-stale"]


def test_not_reviewed_for_a_year(ready: RV, vault_path: Path) -> None:
    vf = VaultFile(vault_path)
    with vf.edit(PASSPHRASE) as v:
        v.add(Entry("Old bank", "note", secret="PIN 1234", created="2020-01-02T03:04:05Z"))
    r = check(ready)
    assert r.ids() == ["kit-stale", "not-reviewed"]
    old = json.loads(r.stdout)[1]
    assert old == {
        "id": "not-reviewed",
        "severity": "low",
        "message": "Old bank: not reviewed since 2020-01-02",
        "fix": "rvault review 'Old bank'",
        "entry": "Old bank",
    }
    assert ready("review", "Old bank").code == 0
    assert check(ready).ids() == ["kit-stale"]
    # A review date is a year old again a year and a day later (time injected, no sleep).
    later = datetime(2099, 1, 1, tzinfo=timezone.utc)
    found = check_vault(vf, PASSPHRASE, kdf_check=False, now=later)
    assert {f.entry for f in found if f.id == "not-reviewed"} == {"GitHub", "Mail", "Old bank"}


@pytest.mark.parametrize("which", ["vault", "bak"])
def test_permissions(ready: RV, vault_path: Path, which: str) -> None:
    path = vault_path if which == "vault" else vault_path.with_name(vault_path.name + ".bak")
    assert path.exists()
    os.chmod(path, 0o644)
    r = check(ready)
    assert r.code == 1 and r.ids() == ["permissions"]
    assert json.loads(r.stdout)[0]["fix"] == f"chmod 600 {path}"
    os.chmod(path, 0o600)
    assert check(ready).code == 0


def test_bak_many_generations_behind(ready: RV, vault_path: Path) -> None:
    old = vault_path.read_bytes()
    for i in range(6):
        assert ready("review", "Mail" if i % 2 else "GitHub").code == 0
    bak = vault_path.with_name(vault_path.name + ".bak")
    bak.write_bytes(old)
    r = check(ready)
    assert r.ids() == ["bak-old"] and "generations behind" in r.stdout
    assert ready("review", "Mail").code == 0  # any save makes the .bak the previous one
    assert check(ready).code == 0


def test_kdf_finding_against_a_reference(ready: RV, vault_path: Path) -> None:
    vf = VaultFile(vault_path)
    strong = KdfParams(3, 256 * 1024, 4)
    assert [f.id for f in check_vault(vf, PASSPHRASE, kdf_reference=strong)] == ["kdf-weak"]
    assert check_vault(vf, PASSPHRASE, kdf_reference=CHEAP_KDF) == []
    assert check_vault(vf, PASSPHRASE, kdf_check=False) == []


def test_log_records_history_without_secrets(ready: RV) -> None:
    assert ready("use", "GitHub").code == 0
    assert ready("edit", "GitHub", "--mark-unused", "1").code == 0
    assert ready("edit", "GitHub", "--rename", "Octo", "--notes", "work").code == 0
    assert ready("review", "Octo").code == 0
    assert ready("rm", "Mail", "--yes").code == 0
    r = ready("log", "--json")
    assert r.code == 0
    events = [(e["event"], e["name"]) for e in json.loads(r.stdout)]
    assert events == [
        ("created", "GitHub"),
        ("created", "Mail"),
        ("code-used", "GitHub"),
        ("code-unused", "GitHub"),
        ("renamed", "Octo"),
        ("changed", "Octo"),
        ("reviewed", "Octo"),
        ("removed", "Mail"),
    ]
    assert all(set(e) == {"at", "entry", "name", "event", "fields"} for e in json.loads(r.stdout))
    # A change names the fields it changed (never the values): what `merge` goes by.
    assert [e["fields"] for e in json.loads(r.stdout) if e["fields"]] == ["notes"]
    # By name: the entry's whole history across renames; a removed entry by its old name.
    octo = [e["event"] for e in json.loads(ready("log", "octo", "--json").stdout)]
    assert octo == ["created", "code-used", "code-unused", "renamed", "changed", "reviewed"]
    mail = [e["event"] for e in json.loads(ready("log", "Mail", "--json").stdout)]
    assert mail == ["created", "removed"]
    text = ready("log", "Octo")
    assert text.code == 0 and "code-used" in text.stdout and "reviewed" in text.stdout
    assert "changed      Octo (notes)" in text.stdout


@pytest.mark.slow
def test_no_secret_in_check_or_log_output(ready: RV, tmp_path: Path) -> None:
    assert ready("use", "GitHub").code == 0
    assert ready("edit", "Mail", "--secret", stdin="GEZDGNBVGY3TQOJQ").code == 0
    outputs = [
        ready("check", "--json"),
        ready("check"),
        ready("log"),
        ready("log", "--json"),
        ready("log", "GitHub", "--json"),
    ]
    for r in outputs:
        blob = r.stdout + r.stderr
        for secret in [*CODES, TOTP, "GEZDGNBVGY3TQOJQ", PASSPHRASE]:
            assert secret not in blob
            assert secret.upper() not in blob.upper()


def test_log_is_capped() -> None:
    v = Vault(keep_log=True)
    e = v.add(Entry("x", "note", secret="s"))
    for _ in range(LOG_CAP + 10):
        v.review("x", now="2026-01-01T00:00:00Z")
    assert len(v.log()) == LOG_CAP
    assert v.log("x")[0]["entry"] == e.id


def test_check_needs_a_vault(rv: RV) -> None:
    assert rv("check").code == 66


def test_log_and_check_keep_the_format(ready: RV, vault_path: Path, tmp_path: Path) -> None:
    """New data lives under meta only: entries keep exactly their documented keys."""
    assert ready("review", "GitHub").code == 0
    copy = tmp_path / "copy.rvault"
    shutil.copy(vault_path, copy)
    v = VaultFile(copy).load(PASSPHRASE)
    assert set(v.meta) >= {"log", "reviewed", "kit", "content_generation"}
    assert Vault.from_bytes(v.to_bytes()).entries == v.entries
    assert all(isinstance(c, BackupCode) for c in v.get("GitHub").codes)
