"""The `rvault` command end to end: every command, exit codes, passphrase handling, files.

Most tests run the CLI in-process through `vault.cli.main` (the one error handler) with click's
CliRunner isolation, so they see the real exit code; a representative set runs real processes
(`python -m vault` and the `rvault` console script) in a new session with no terminal.
Everything uses real Argon2id (cheap costs), real AES-GCM and real files.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import secrets
import shlex
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CHEAP_KDF, CLEAN_ENV, EXAMPLES, PASSPHRASE, RV, run_main, run_rvault

from vault import BackupCode, Entry, VaultFile
from vault.errors import EXIT_CODES, NothingLeft

INIT = ["init", "--weak-kdf", "--kdf-memory", "1", "--kdf-time", "1", "--kdf-parallelism", "1"]
SLOW_INIT = [
    "init",
    "--weak-kdf",
    "--kdf-memory",
    "64",
    "--kdf-time",
    "20",
    "--kdf-parallelism",
    "1",
]
NEW_PASSPHRASE = "new passphrase: seven purple elephants"


def sample(name: str) -> str:
    """The text of an examples/ file."""
    return (EXAMPLES / name).read_text(encoding="utf-8")


GITHUB = sample("github-recovery-codes.txt")
GITHUB_CODES = [line.strip() for line in GITHUB.splitlines() if line.strip()]
GOOGLE = sample("google-backup-codes.txt")
MICROSOFT_KEY = "T2CJV-YMCJ4-GJGGM-62JPK-RX447"
ONEPASSWORD_KEY = "A3-RRTEHZ-NLLZCA-TTV87-N8RP6-HK6SQ-MYBSW"
BITLOCKER_KEY = "338129-286715-630047-002266-552937-084524-368709-294547"


def assert_one_line_error(stderr: str) -> None:
    """A VaultError report: one 'rvault: error:' line, an optional hint line, no traceback."""
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    first = [i for i, line in enumerate(lines) if line.startswith("rvault: error: ")]
    assert len(first) == 1, stderr
    rest = lines[first[0] + 1 :]
    assert len(rest) <= 1, stderr
    assert all(line.startswith("hint: ") for line in rest), stderr


@pytest.fixture
def env(vault_path: Path, passphrase_file: Path) -> dict[str, str]:
    """RVAULT_FILE and RVAULT_PASSPHRASE_FILE for the test vault."""
    return {
        "RVAULT_FILE": str(vault_path),
        "RVAULT_PASSPHRASE_FILE": str(passphrase_file),
        "RVAULT_LOCK_TIMEOUT": "5",
    }


@pytest.fixture
def initialized(rv: RV) -> RV:
    """An empty vault created by `rvault init`."""
    r = rv(*INIT)
    assert r.code == 0, r.stderr
    return rv


@pytest.fixture
def with_github(initialized: RV) -> RV:
    """A vault holding GitHub's 16 sample recovery codes."""
    r = initialized("add", "GitHub", "--kind", "backup-codes", stdin=GITHUB)
    assert r.code == 0, r.stderr
    return initialized


ALL_ENTRIES: list[tuple[str, str, str]] = [
    ("GitHub", "backup-codes", GITHUB),
    ("Google", "backup-codes", GOOGLE),
    ("Numbered", "backup-codes", sample("numbered-codes.txt")),
    ("One line", "backup-codes", sample("codes-one-line.txt")),
    ("Microsoft", "recovery-key", sample("microsoft-recovery-code.txt")),
    ("1Password", "recovery-key", sample("1password-secret-key.txt")),
    ("BitLocker", "recovery-key", sample("bitlocker-recovery-key.txt")),
    ("Authenticator", "totp", "jbsw y3dp ehpk 3pxp\n"),
    ("Safe combination", "note", "left 31, right 7, left 12\n"),
]


@pytest.fixture
def populated(initialized: RV) -> RV:
    """A vault holding every examples/ sample plus a TOTP secret and a note."""
    for name, kind, text in ALL_ENTRIES:
        r = initialized("add", name, "--kind", kind, stdin=text)
        assert r.code == 0, r.stderr
    return initialized


@pytest.fixture
def sub_env(cli_env: dict[str, str]) -> dict[str, str]:
    """Environment for subprocesses, without debug switches inherited from the caller."""
    env = dict(cli_env)
    for key in ("RVAULT_DEBUG", "VISUAL", "EDITOR"):
        env.pop(key, None)
    return env


def show_json(rv: RV, name: str) -> dict:
    r = rv("show", name, "--json")
    assert r.code == 0, r.stderr
    return json.loads(r.stdout)


# --- init ------------------------------------------------------------------------------------


def test_init_creates_a_vault_and_warns_about_weak_kdf(rv: RV, vault_path: Path) -> None:
    r = rv(*INIT)
    assert r.code == 0
    assert r.stdout == ""
    assert "warning: weak key derivation (Argon2id t=1, 1 MiB, p=1)" in r.stderr
    assert f"Created {vault_path}" in r.stderr
    info = VaultFile(vault_path).info()
    assert info["generation"] == 0
    assert info["slots"][0]["memory_kib"] == 1024
    assert VaultFile(vault_path).load(PASSPHRASE).entries == []


def test_init_refuses_weak_kdf_without_the_flag(rv: RV, vault_path: Path) -> None:
    r = rv("init", "--kdf-memory", "1", "--kdf-time", "1", "--kdf-parallelism", "1")
    assert r.code == 65
    assert "below the minimum" in r.stderr
    assert "--weak-kdf" in r.stderr
    assert not vault_path.exists()


def test_init_warns_about_a_short_passphrase(rv: RV, tmp_path: Path) -> None:
    short = tmp_path / "short.txt"
    short.write_text("hunter2\n")
    r = rv(*INIT, "--passphrase-file", str(short))
    assert r.code == 0
    assert "shorter than 12 characters" in r.stderr


# --- add -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "message", "secret"),
    [
        (
            "recovery-key",
            sample("microsoft-recovery-code.txt"),
            "Found a Microsoft recovery code (29 characters).",
            MICROSOFT_KEY,
        ),
        (
            "recovery-key",
            sample("1password-secret-key.txt"),
            "Found a 1Password Secret Key (40 characters).",
            ONEPASSWORD_KEY,
        ),
        (
            "recovery-key",
            sample("bitlocker-recovery-key.txt"),
            "Found a BitLocker recovery key (55 characters).",
            BITLOCKER_KEY,
        ),
        ("totp", "jbsw y3dp\nehpk 3pxp\n", "Added 'X' (totp).", "JBSWY3DPEHPK3PXP"),
        ("note", "line one\n  line two\n\n", "Added 'X' (note).", "line one\n  line two"),
    ],
    ids=["microsoft", "1password", "bitlocker", "totp", "note"],
)
def test_add_each_kind_from_stdin(
    initialized: RV, kind: str, text: str, message: str, secret: str
) -> None:
    r = initialized("add", "X", "--kind", kind, "--account", "alex", "--tag", "t", stdin=text)
    assert r.code == 0, r.stderr
    assert r.stdout == ""
    assert message in r.stderr
    entry = show_json(initialized, "x")
    assert entry["kind"] == kind
    assert entry["secret"] == secret
    assert entry["codes"] == []
    assert entry["account"] == "alex"
    assert entry["tags"] == ["t"]


@pytest.mark.parametrize(
    ("sample_name", "count"),
    [
        ("github-recovery-codes.txt", 16),
        ("google-backup-codes.txt", 10),
        ("numbered-codes.txt", 8),
        ("codes-one-line.txt", 6),
    ],
)
def test_add_reports_the_number_of_codes_found(
    initialized: RV, sample_name: str, count: int
) -> None:
    r = initialized("add", "Codes", "--kind", "backup-codes", stdin=sample(sample_name))
    assert r.code == 0, r.stderr
    lines = r.stderr.splitlines()
    found = lines.index(f"Found {count} backup codes.")
    added = lines.index(f"Added 'Codes' ({count} of {count} codes left).")
    assert found < added
    listed = json.loads(initialized("list", "--json").stdout)
    assert listed[0]["codes_total"] == count
    assert listed[0]["codes_remaining"] == count


def test_add_reports_what_it_found_before_saving(with_github: RV, vault_path: Path) -> None:
    # The count is shown before the save is tried, so it is there even when the save fails.
    before = vault_path.read_bytes()
    r = with_github("add", "github", "--kind", "backup-codes", stdin=GOOGLE)
    assert r.code == 73
    assert "Found 10 backup codes." in r.stderr
    assert "already exists" in r.stderr
    assert vault_path.read_bytes() == before


def test_add_from_file(initialized: RV) -> None:
    path = str(EXAMPLES / "google-backup-codes.txt")
    r = initialized("add", "Google", "--kind", "backup-codes", "--from-file", path, stdin="")
    assert r.code == 0, r.stderr
    assert "Found 10 backup codes." in r.stderr
    # Google numbers its codes down two columns; the vault keeps them in the printed order.
    assert initialized("use", "google").stdout == "2432 3714\n"
    assert initialized("use", "google").stdout == "5255 8415\n"


def test_add_from_file_dash_reads_stdin(initialized: RV) -> None:
    r = initialized("add", "GitHub", "--kind", "backup-codes", "--from-file", "-", stdin=GITHUB)
    assert r.code == 0, r.stderr
    codes = [c["code"] for c in show_json(initialized, "GitHub")["codes"]]
    assert codes == GITHUB_CODES


def test_add_from_missing_file(initialized: RV, tmp_path: Path, vault_path: Path) -> None:
    before = vault_path.read_bytes()
    r = initialized("add", "X", "--kind", "note", "--from-file", str(tmp_path / "nope.txt"))
    assert r.code == 66
    assert_one_line_error(r.stderr)
    assert vault_path.read_bytes() == before


def _ram_dir_available() -> bool:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return any(d and os.path.isdir(d) and os.access(d, os.W_OK) for d in (runtime, "/dev/shm"))


EDITOR_SCRIPT = """\
import json, os, sys
path = sys.argv[1]
with open(os.environ["RVAULT_TEST_EDITOR_LOG"], "w") as log:
    json.dump({"argv": sys.argv[1:], "mode": os.stat(path).st_mode & 0o777}, log)
with open(path, "w") as f:
    f.write(os.environ["RVAULT_TEST_EDITOR_TEXT"])
sys.exit(int(os.environ.get("RVAULT_TEST_EDITOR_STATUS", "0")))
"""


@pytest.fixture
def editor_env(tmp_path: Path) -> dict[str, str]:
    """EDITOR set to a script that writes $RVAULT_TEST_EDITOR_TEXT into the file it is given."""
    if not _ram_dir_available():
        pytest.skip("--editor needs $XDG_RUNTIME_DIR or /dev/shm")
    script = tmp_path / "fake_editor.py"
    script.write_text(EDITOR_SCRIPT)
    return {
        "EDITOR": f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}",
        "RVAULT_TEST_EDITOR_LOG": str(tmp_path / "editor-log.json"),
    }


def test_add_and_edit_with_editor(initialized: RV, editor_env: dict[str, str]) -> None:
    log = Path(editor_env["RVAULT_TEST_EDITOR_LOG"])
    r = initialized(
        "add",
        "GitHub",
        "--kind",
        "backup-codes",
        "--editor",
        RVAULT_TEST_EDITOR_TEXT=GITHUB,
        **editor_env,
    )
    assert r.code == 0, r.stderr
    assert "Found 16 backup codes." in r.stderr
    seen = json.loads(log.read_text())
    # The editor got one argument, a 0600 temp file in RAM, and it is gone afterwards.
    [temp] = seen["argv"]
    assert seen["mode"] == 0o600
    ram_dirs = [d for d in (os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm") if d]
    assert any(Path(temp).parent == Path(d) for d in ram_dirs), temp
    assert not Path(temp).exists()
    assert [c["code"] for c in show_json(initialized, "GitHub")["codes"]] == GITHUB_CODES

    r = initialized(
        "edit",
        "GitHub",
        "--add-codes",
        "--editor",
        RVAULT_TEST_EDITOR_TEXT="aaaaa-11111\nbbbbb-22222\n",
        **editor_env,
    )
    assert r.code == 0, r.stderr
    assert "Found 2 backup codes." in r.stderr
    assert len(show_json(initialized, "GitHub")["codes"]) == 18


def test_editor_failure_saves_nothing(
    initialized: RV, editor_env: dict[str, str], vault_path: Path
) -> None:
    before = vault_path.read_bytes()
    r = initialized(
        "add",
        "Note",
        "--kind",
        "note",
        "--editor",
        RVAULT_TEST_EDITOR_TEXT="half-typed",
        RVAULT_TEST_EDITOR_STATUS="3",
        **editor_env,
    )
    assert r.code == 2
    assert "editor exited with status 3" in r.stderr
    assert_one_line_error(r.stderr)
    assert vault_path.read_bytes() == before


# --- list ------------------------------------------------------------------------------------


def _all_secret_strings(rv: RV) -> list[str]:
    """Every code and key stored in the populated vault, read back with `show --json`."""
    out = []
    for name, _, _ in ALL_ENTRIES:
        entry = show_json(rv, name)
        out += [c["code"] for c in entry["codes"]]
        if entry["secret"]:
            out.append(entry["secret"])
    return out


def test_list_never_shows_secrets(populated: RV) -> None:
    stored = _all_secret_strings(populated)
    # The control: the secrets really are in the vault, including every sample's.
    assert len(stored) == 16 + 10 + 8 + 6 + 5
    for expected in [*GITHUB_CODES, "2432 3714", MICROSOFT_KEY, ONEPASSWORD_KEY, BITLOCKER_KEY]:
        assert expected in stored

    table = populated("list")
    as_json = populated("list", "--json")
    assert table.code == as_json.code == 0
    for output in (table.stdout, table.stderr, as_json.stdout, as_json.stderr):
        leaked = [s for s in stored if s in output]
        assert leaked == []
    items = json.loads(as_json.stdout)
    assert [i["name"] for i in items] == [name for name, _, _ in ALL_ENTRIES]
    for item in items:
        assert "secret" not in item
        assert "codes" not in item


def test_list_table(populated: RV) -> None:
    r = populated("edit", "GitHub", "--account", "alex@example.com")
    assert r.code == 0, r.stderr
    assert populated("use", "github").code == 0
    lines = populated("list").stdout.splitlines()
    names = [line.split("  ")[0].rstrip() for line in lines]
    assert names == sorted((n for n, _, _ in ALL_ENTRIES), key=str.casefold)
    github = next(line for line in lines if line.startswith("GitHub "))
    assert github.split() == [
        "GitHub",
        "backup-codes",
        "alex@example.com",
        "15",
        "of",
        "16",
        "codes",
        "left",
    ]
    bitlocker = next(line for line in lines if line.startswith("BitLocker "))
    assert bitlocker.split() == ["BitLocker", "recovery-key"]


def test_list_json_fields(with_github: RV) -> None:
    [item] = json.loads(with_github("list", "--json").stdout)
    assert item["name"] == "GitHub"
    assert item["kind"] == "backup-codes"
    assert item["codes_total"] == item["codes_remaining"] == 16
    assert set(item) >= {"id", "account", "issuer", "url", "tags", "created", "updated"}


def test_list_empty_vault(initialized: RV) -> None:
    r = initialized("list")
    assert r.code == 0
    assert r.stdout == ""
    assert "empty" in r.stderr
    r = initialized("list", "--json")
    assert r.code == 0
    assert json.loads(r.stdout) == []


# --- show ------------------------------------------------------------------------------------


def test_show_reveals_codes(with_github: RV) -> None:
    assert with_github("use", "GitHub").code == 0
    r = with_github("show", "github")
    assert r.code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "GitHub (backup-codes)"
    assert lines[1].strip() == "15 of 16 codes left:"
    assert lines[2].split()[:3] == ["1.", GITHUB_CODES[0], "used"]
    assert lines[3].split() == ["2.", GITHUB_CODES[1]]
    assert lines[17].split() == ["16.", GITHUB_CODES[15]]
    assert len(lines) == 18


def test_show_reveals_a_recovery_key(initialized: RV) -> None:
    text = sample("bitlocker-recovery-key.txt")
    assert (
        initialized(
            "add",
            "BitLocker",
            "--kind",
            "recovery-key",
            "--url",
            "https://aka.ms/myrecoverykey",
            stdin=text,
        ).code
        == 0
    )
    r = initialized("show", "bitlocker")
    assert r.code == 0
    assert r.stdout.splitlines() == [
        "BitLocker (recovery-key)",
        "  url: https://aka.ms/myrecoverykey",
        BITLOCKER_KEY,
    ]


def test_show_json(with_github: RV) -> None:
    entry = show_json(with_github, "GITHUB")
    assert entry["name"] == "GitHub"
    assert [c["code"] for c in entry["codes"]] == GITHUB_CODES
    assert all(c["used"] is False and c["used_at"] is None for c in entry["codes"])
    assert set(entry) >= {"secret", "notes", "tags", "id", "created", "updated"}


# --- use -------------------------------------------------------------------------------------


def test_use_prints_the_next_code_until_none_left(with_github: RV, vault_path: Path) -> None:
    for i, code in enumerate(GITHUB_CODES, 1):
        r = with_github("use", "github")
        assert r.code == 0, r.stderr
        assert r.stdout == code + "\n"  # exactly the code, nothing else, on stdout
        left = 16 - i
        assert f"Marked used: {left} of 16 codes left for 'GitHub'." in r.stderr
        assert ("warning: only" in r.stderr) == (left <= 2)
        if i == 1:
            first = show_json(with_github, "GitHub")["codes"]
            assert first[0]["used"] is True
            assert first[0]["used_at"]
            assert [c["used"] for c in first[1:]] == [False] * 15

    before = vault_path.read_bytes()
    r = with_github("use", "GitHub")
    assert r.code == 1
    assert r.stdout == ""
    assert_one_line_error(r.stderr)
    assert "no unused backup codes left" in r.error_lines[0]
    assert vault_path.read_bytes() == before


def test_use_on_a_recovery_key_is_refused(populated: RV) -> None:
    r = populated("use", "Microsoft")
    assert r.code == 65
    assert r.stdout == ""
    assert_one_line_error(r.stderr)


# --- edit ------------------------------------------------------------------------------------


def test_edit_rename(with_github: RV) -> None:
    r = with_github("edit", "github", "--rename", "GitHub (work)")
    assert r.code == 0, r.stderr
    assert "Updated 'GitHub (work)'" in r.stderr
    assert [i["name"] for i in json.loads(with_github("list", "--json").stdout)] == [
        "GitHub (work)"
    ]
    assert with_github("show", "GitHub").code == 66


def test_edit_rename_onto_another_entry(populated: RV, vault_path: Path) -> None:
    before = vault_path.read_bytes()
    r = populated("edit", "GitHub", "--rename", "google")
    assert r.code == 73
    assert_one_line_error(r.stderr)
    assert vault_path.read_bytes() == before


def test_edit_fields_and_tags(with_github: RV) -> None:
    r = with_github(
        "edit",
        "GitHub",
        "--account",
        "alex",
        "--issuer",
        "GitHub Inc.",
        "--notes",
        "from the settings page",
        "--tag",
        "work",
        "--tag",
        "dev",
    )
    assert r.code == 0, r.stderr
    entry = show_json(with_github, "GitHub")
    assert (entry["account"], entry["issuer"]) == ("alex", "GitHub Inc.")
    assert entry["notes"] == "from the settings page"
    assert entry["tags"] == ["work", "dev"]

    r = with_github("edit", "GitHub", "--account", "", "--untag", "work", "--tag", "2fa")
    assert r.code == 0, r.stderr
    entry = show_json(with_github, "GitHub")
    assert entry["account"] is None  # '' clears
    assert entry["issuer"] == "GitHub Inc."  # untouched
    assert entry["tags"] == ["dev", "2fa"]
    assert [c["code"] for c in entry["codes"]] == GITHUB_CODES  # codes untouched


def test_edit_codes_replaces_from_stdin(with_github: RV) -> None:
    assert with_github("use", "GitHub").code == 0
    r = with_github("edit", "GitHub", "--codes", stdin=GOOGLE)
    assert r.code == 0, r.stderr
    assert "Found 10 backup codes." in r.stderr
    assert "(10 of 10 codes left)" in r.stderr
    codes = show_json(with_github, "GitHub")["codes"]
    assert [c["code"] for c in codes][:2] == ["2432 3714", "5255 8415"]
    assert len(codes) == 10
    assert not any(c["used"] for c in codes)


def test_edit_add_codes_appends(with_github: RV) -> None:
    assert with_github("use", "GitHub").code == 0
    r = with_github("edit", "GitHub", "--add-codes", stdin="aaaaa-11111\nbbbbb-22222\n")
    assert r.code == 0, r.stderr
    assert "(17 of 18 codes left)" in r.stderr
    codes = show_json(with_github, "GitHub")["codes"]
    assert [c["code"] for c in codes] == [*GITHUB_CODES, "aaaaa-11111", "bbbbb-22222"]
    assert codes[0]["used"] is True


def test_edit_secret_of_a_recovery_key(populated: RV) -> None:
    r = populated("edit", "Microsoft", "--secret", stdin="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE\n")
    assert r.code == 0, r.stderr
    assert show_json(populated, "Microsoft")["secret"] == "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"


def test_edit_mark_used_and_unused(with_github: RV) -> None:
    r = with_github("edit", "GitHub", "--mark-used", "3")
    assert r.code == 0, r.stderr
    assert "(15 of 16 codes left)" in r.stderr
    used = [c["used"] for c in show_json(with_github, "GitHub")["codes"]]
    assert [i for i, u in enumerate(used, 1) if u] == [3]
    # `use` takes the first unused code, which is still number 1.
    assert with_github("use", "GitHub").stdout == GITHUB_CODES[0] + "\n"
    r = with_github("edit", "GitHub", "--mark-unused", "3")
    assert r.code == 0, r.stderr
    used = [c["used"] for c in show_json(with_github, "GitHub")["codes"]]
    assert [i for i, u in enumerate(used, 1) if u] == [1]


@pytest.mark.parametrize(
    ("args", "stdin", "code"),
    [
        ([], None, 2),
        (["--codes", "--add-codes"], "aaaaa-11111", 2),
        (["--mark-used", "17"], None, 65),
        (["--mark-used", "0"], None, 65),
        (["--mark-used", "x"], None, 2),  # click's usage error
        (["--secret"], "a secret", 65),
        (["--codes"], "no codes in this text", 65),
    ],
    ids=[
        "nothing",
        "two-sources",
        "past-end",
        "zero",
        "not-a-number",
        "secret-on-codes",
        "no-codes-found",
    ],
)
def test_edit_refusals_change_nothing(
    with_github: RV, vault_path: Path, args: list[str], stdin: str | None, code: int
) -> None:
    before = vault_path.read_bytes()
    r = with_github("edit", "GitHub", *args, stdin=stdin)
    assert r.code == code
    assert "Traceback" not in r.stderr
    if "x" in args:
        assert "Error: Invalid value for '--mark-used'" in r.stderr
    else:
        assert_one_line_error(r.stderr)
    assert vault_path.read_bytes() == before


# --- rm --------------------------------------------------------------------------------------


def test_rm_with_yes(populated: RV, vault_path: Path) -> None:
    r = populated("rm", "github", "--yes")
    assert r.code == 0, r.stderr
    assert "Deleted 'GitHub'." in r.stderr
    assert "GitHub" not in [i["name"] for i in json.loads(populated("list", "--json").stdout)]
    assert populated("show", "GitHub").code == 66
    # The previous generation stays in <vault>.bak until the next save.
    assert VaultFile(vault_path.with_name(vault_path.name + ".bak")).load(PASSPHRASE).has("GitHub")


def test_rm_without_yes_and_no_terminal_keeps_the_entry(with_github: RV, vault_path: Path) -> None:
    before = vault_path.read_bytes()
    r = with_github("rm", "GitHub", stdin="y\n")
    assert r.code == 2
    assert "--yes" in r.stderr
    assert_one_line_error(r.stderr)
    assert vault_path.read_bytes() == before
    assert with_github("show", "GitHub").code == 0


def test_rm_missing_entry(with_github: RV) -> None:
    r = with_github("rm", "nosuch", "--yes")
    assert r.code == 66
    assert_one_line_error(r.stderr)


# --- passwd ----------------------------------------------------------------------------------


def test_passwd(with_github: RV, tmp_path: Path, vault_path: Path) -> None:
    new_file = tmp_path / "new.txt"
    new_file.write_text(NEW_PASSPHRASE + "\n")
    vault_id = VaultFile(vault_path).info()["vault_id"]
    r = with_github("passwd", "--new-passphrase-file", str(new_file), "--weak-kdf")
    assert r.code == 0, r.stderr
    assert "Passphrase changed." in r.stderr

    r = with_github("list")
    assert r.code == 3
    assert_one_line_error(r.stderr)
    r = with_github("list", "--json", RVAULT_PASSPHRASE_FILE=str(new_file))
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout)[0]["codes_total"] == 16
    assert VaultFile(vault_path).info()["vault_id"] == vault_id


def test_passwd_refuses_both_passphrases_from_stdin(with_github: RV, vault_path: Path) -> None:
    before = vault_path.read_bytes()
    r = with_github(
        "passwd",
        "--passphrase-file",
        "-",
        "--new-passphrase-file",
        "-",
        stdin=f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n",
    )
    assert r.code == 2
    assert_one_line_error(r.stderr)
    assert vault_path.read_bytes() == before


# --- info ------------------------------------------------------------------------------------


def test_info_text_and_json(with_github: RV, vault_path: Path) -> None:
    header = VaultFile(vault_path).info()
    r = with_github("info")
    assert r.code == 0, r.stderr
    text = r.stdout
    assert f"path:        {vault_path}" in text
    assert f"vault id:    {header['vault_id']}" in text
    assert "generation:  1" in text
    assert f"size:        {vault_path.stat().st_size} bytes" in text
    assert "key slot 1:  passphrase, Argon2id t=1, 1 MiB, p=1 (below the recommended minimum)" in (
        text
    )
    r = with_github("info", "--json")
    assert r.code == 0
    assert json.loads(r.stdout) == header


def test_info_needs_no_passphrase_source(with_github: RV, sub_env: dict[str, str]) -> None:
    del sub_env["RVAULT_PASSPHRASE_FILE"]
    r = run_rvault(["info", "--json"], sub_env)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["generation"] == 1
    assert info["slots"][0]["type"] == "passphrase"
    r = run_rvault(["info"], sub_env)
    assert r.returncode == 0
    assert "vault id:" in r.stdout


def test_info_on_missing_vault(rv: RV, tmp_path: Path) -> None:
    r = rv("info", "--vault", str(tmp_path / "none.rvault"))
    assert r.code == 66
    assert_one_line_error(r.stderr)


# --- vault location --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env_file", "winner"),
    [
        (["--vault", "A", "info", "--json"], "B", "A"),
        (["info", "--json", "--vault", "A"], "B", "A"),
        (["--vault", "B", "info", "--json", "--vault", "A"], "B", "A"),
        (["info", "--json"], "B", "B"),
        (["--vault", "A", "info", "--json"], None, "A"),
    ],
    ids=["before-beats-env", "after-beats-env", "after-beats-before", "env", "no-env"],
)
def test_vault_location_precedence(
    tmp_path: Path, passphrase_file: Path, args: list[str], env_file: str | None, winner: str
) -> None:
    paths = {name: tmp_path / f"{name}.rvault" for name in "AB"}
    ids = {}
    for name, path in paths.items():
        ids[name] = VaultFile(path).create(PASSPHRASE, CHEAP_KDF, allow_weak=True)["vault_id"]
    env = {"RVAULT_PASSPHRASE_FILE": str(passphrase_file)}
    if env_file:
        env["RVAULT_FILE"] = str(paths[env_file])
    r = run_main([str(paths[a]) if a in paths else a for a in args], env=env)
    assert r.code == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["path"] == str(paths[winner])
    assert info["vault_id"] == ids[winner]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG data dir is Linux's")
def test_default_location_is_the_user_data_dir(
    tmp_path: Path, passphrase_file: Path, sub_env: dict[str, str]
) -> None:
    home, data = tmp_path / "home", tmp_path / "xdg-data"
    home.mkdir()
    env = dict(sub_env, HOME=str(home), XDG_DATA_HOME=str(data))
    del env["RVAULT_FILE"]
    r = run_rvault(INIT, env)
    assert r.returncode == 0, r.stderr
    expected = data / "rvault" / "vault.rvault"
    assert expected.is_file()
    assert f"Created {expected}" in r.stderr
    assert (expected.parent.stat().st_mode & 0o777) == 0o700
    assert list(home.iterdir()) == []  # nothing under HOME when XDG_DATA_HOME is set
    r = run_rvault(["add", "GitHub", "--kind", "backup-codes"], env, stdin=GITHUB)
    assert r.returncode == 0, r.stderr
    r = run_rvault(["info", "--json"], env)
    assert json.loads(r.stdout)["path"] == str(expected)
    assert VaultFile(expected).load(PASSPHRASE).has("GitHub")


# --- passphrase sources ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "stdin", "env_source"),
    [
        (["--passphrase-file", "{right}", "list"], None, None),
        (["list", "--passphrase-file", "{right}"], None, None),
        (["--passphrase-file", "-", "list"], PASSPHRASE + "\n", None),
        (["list", "--passphrase-file", "-"], PASSPHRASE, None),
        (["list"], None, "{right}"),
        (["--passphrase-file", "{right}", "list"], None, "{wrong}"),
        (["list", "--passphrase-file", "{right}"], None, "{wrong}"),
        (["--passphrase-file", "{wrong}", "list", "--passphrase-file", "{right}"], None, None),
        (["list"], PASSPHRASE + "\n", "-"),
    ],
    ids=[
        "option",
        "option-after",
        "stdin",
        "stdin-after",
        "env",
        "option-beats-env",
        "after-beats-env",
        "after-beats-before",
        "env-dash",
    ],
)
def test_passphrase_sources(
    with_github: RV,
    tmp_path: Path,
    vault_path: Path,
    passphrase_file: Path,
    args: list[str],
    stdin: str | None,
    env_source: str | None,
) -> None:
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    names = {"right": str(passphrase_file), "wrong": str(wrong)}
    env = {"RVAULT_FILE": str(vault_path)}
    if env_source:
        env["RVAULT_PASSPHRASE_FILE"] = env_source.format(**names)
    r = run_main([a.format(**names) for a in args], stdin=stdin, env=env)
    assert r.code == 0, r.stderr
    assert r.stdout.startswith("GitHub ")


def test_passphrase_file_line_endings(with_github: RV, tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(PASSPHRASE.encode() + b"\r\nsecond line is ignored\r\n")
    assert with_github("list", "--passphrase-file", str(crlf)).code == 0
    spaced = tmp_path / "spaced.txt"
    spaced.write_text(f" {PASSPHRASE}\n")  # spaces are part of a passphrase
    assert with_github("list", "--passphrase-file", str(spaced)).code == 3


def test_no_passphrase_source_and_no_terminal(with_github: RV, sub_env: dict[str, str]) -> None:
    del sub_env["RVAULT_PASSPHRASE_FILE"]
    r = run_rvault(["list"], sub_env)
    assert r.returncode == 2
    assert r.stdout == ""
    assert_one_line_error(r.stderr)
    assert "--passphrase-file" in r.stderr.splitlines()[-1]
    assert r.stderr.splitlines()[-1].startswith("hint: ")


@pytest.mark.parametrize(
    "args",
    [
        ["add", "Note", "--kind", "note", "--passphrase-file", "-"],
        ["add", "Note", "--kind", "note", "--from-file", "-", "--passphrase-file", "-"],
        ["--passphrase-file", "-", "add", "GitHub2", "--kind", "backup-codes"],
        ["--passphrase-file", "-", "edit", "GitHub", "--add-codes"],
    ],
    ids=["add", "add-from-file-dash", "group-option", "edit"],
)
def test_secret_and_passphrase_both_from_stdin(
    with_github: RV, vault_path: Path, args: list[str]
) -> None:
    before = vault_path.read_bytes()
    r = with_github(*args, stdin=f"{PASSPHRASE}\naaaaa-11111\n")
    assert r.code == 2
    assert "cannot both come from stdin" in r.stderr
    assert_one_line_error(r.stderr)
    assert vault_path.read_bytes() == before


def test_missing_passphrase_file(with_github: RV, tmp_path: Path) -> None:
    r = with_github("list", "--passphrase-file", str(tmp_path / "missing.txt"))
    assert r.code == 66
    assert "missing.txt" in r.stderr
    assert_one_line_error(r.stderr)


def test_empty_passphrase_file(with_github: RV, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    r = with_github("list", "--passphrase-file", str(empty))
    assert r.code == 65
    assert_one_line_error(r.stderr)


# --- exit codes ------------------------------------------------------------------------------

DOCUMENTED_EXIT_CODES = {
    "ok": 0,
    "unexpected": 1,
    "usage": 2,
    "authentication": 3,
    "invalid data": 65,
    "io error": 74,
    "missing input": 66,
    "exists": 73,
    "locked": 75,
}


def test_exit_code_table_in_errors_module() -> None:
    assert EXIT_CODES == DOCUMENTED_EXIT_CODES
    assert NothingLeft.exit_code == 1


Prepare = Callable[[Path, dict[str, str]], "AbstractContextManager[object] | None"]


def _no_passphrase(vault_path: Path, env: dict[str, str]) -> None:
    del env["RVAULT_PASSPHRASE_FILE"]


def _wrong_passphrase(vault_path: Path, env: dict[str, str]) -> None:
    wrong = vault_path.with_name("wrong.txt")
    wrong.write_text("Correct horse battery staple\n")
    env["RVAULT_PASSPHRASE_FILE"] = str(wrong)


def _corrupt(vault_path: Path, env: dict[str, str]) -> None:
    data = bytearray(vault_path.read_bytes())
    data[len(data) // 2] ^= 0x01
    vault_path.write_bytes(bytes(data))


def _missing_vault(vault_path: Path, env: dict[str, str]) -> None:
    env["RVAULT_FILE"] = str(vault_path.with_name("does-not-exist.rvault"))


def _missing_passphrase_file(vault_path: Path, env: dict[str, str]) -> None:
    env["RVAULT_PASSPHRASE_FILE"] = str(vault_path.with_name("no-such-passphrase.txt"))


def _locked(vault_path: Path, env: dict[str, str]) -> AbstractContextManager[None]:
    env["RVAULT_LOCK_TIMEOUT"] = "0.3"
    return VaultFile(vault_path)._locked()


@dataclass(frozen=True)
class ExitCase:
    args: list[str]
    code: int
    category: str | None  # key of EXIT_CODES; None for "no codes left"
    stdin: str = ""
    prepare: Prepare | None = None
    click_usage: bool = False  # reported by click ("Error: ...") rather than rvault


EXIT_CASES = {
    "ok": ExitCase(["list"], 0, "ok"),
    "ok-use": ExitCase(["use", "GitHub"], 0, "ok"),
    "unknown-option": ExitCase(["list", "--bogus"], 2, "usage", click_usage=True),
    "unknown-kind": ExitCase(
        ["add", "X", "--kind", "bogus"], 2, "usage", "aaaaa-11111", click_usage=True
    ),
    "no-passphrase-source": ExitCase(["list"], 2, "usage", prepare=_no_passphrase),
    "wrong-passphrase": ExitCase(["list"], 3, "authentication", prepare=_wrong_passphrase),
    "corrupt-vault": ExitCase(["list"], 65, "invalid data", prepare=_corrupt),
    "corrupt-vault-info": ExitCase(["info"], 65, "invalid data", prepare=_corrupt),
    "no-codes-in-input": ExitCase(
        ["add", "X", "--kind", "backup-codes"],
        65,
        "invalid data",
        "nothing that looks like a code here",
    ),
    "missing-vault": ExitCase(["list"], 66, "missing input", prepare=_missing_vault),
    "missing-entry": ExitCase(["show", "nosuch"], 66, "missing input"),
    "missing-passphrase-file": ExitCase(
        ["list"], 66, "missing input", prepare=_missing_passphrase_file
    ),
    "init-over-existing": ExitCase(INIT, 73, "exists"),
    "add-existing-name": ExitCase(
        ["add", "github", "--kind", "recovery-key"],
        73,
        "exists",
        sample("microsoft-recovery-code.txt"),
    ),
    "locked-use": ExitCase(["use", "GitHub"], 75, "locked", prepare=_locked),
    "locked-add": ExitCase(["add", "X", "--kind", "note"], 75, "locked", "text", prepare=_locked),
    "no-codes-left": ExitCase(["use", "Spent"], 1, None),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", EXIT_CASES.values(), ids=EXIT_CASES.keys())
def test_exit_codes(
    vf: VaultFile, vault_path: Path, sub_env: dict[str, str], case: ExitCase
) -> None:
    vf.add(PASSPHRASE, Entry("GitHub", "backup-codes", codes=[BackupCode(c) for c in GITHUB_CODES]))
    vf.add(
        PASSPHRASE,
        Entry(
            "Spent", "backup-codes", codes=[BackupCode("abcde-12345", True, "2026-01-01T00:00:00Z")]
        ),
    )
    env = dict(sub_env)
    holder = case.prepare(vault_path, env) if case.prepare else None
    before = vault_path.read_bytes()
    with holder or contextlib.nullcontext():
        r = run_rvault(case.args, env, stdin=case.stdin)
    assert r.returncode == case.code, r.stderr
    if case.category is not None:
        assert DOCUMENTED_EXIT_CODES[case.category] == case.code
    assert "Traceback" not in r.stderr
    if case.code == 0:
        return
    assert r.stdout == ""
    assert vault_path.read_bytes() == before  # a failed command changes nothing
    if case.click_usage:
        assert "Error: " in r.stderr
    else:
        assert_one_line_error(r.stderr)


def test_debug_shows_a_traceback(with_github: RV, sub_env: dict[str, str], tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("wrong passphrase entirely\n")
    env = dict(sub_env, RVAULT_PASSPHRASE_FILE=str(wrong))
    plain = run_rvault(["list"], env)
    assert plain.returncode == 3
    assert "Traceback" not in plain.stderr
    debug = run_rvault(["--debug", "list"], env)
    assert debug.returncode != 0
    assert "rvault: error: wrong passphrase" in debug.stderr
    assert "Traceback" in debug.stderr
    assert "AuthenticationFailed" in debug.stderr


# --- wrong passphrase changes nothing --------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", "GitHub"],
        ["use", "GitHub"],
        ["add", "Note", "--kind", "note"],
        ["edit", "GitHub", "--tag", "x"],
        ["edit", "GitHub", "--codes"],
        ["rm", "GitHub", "--yes"],
        ["passwd", "--new-passphrase-file", "{new}", "--weak-kdf"],
    ],
    ids=lambda a: a[0] + ("-codes" if "--codes" in a else ""),
)
def test_wrong_passphrase_exit_3_and_file_unchanged(
    with_github: RV, tmp_path: Path, vault_path: Path, args: list[str]
) -> None:
    assert with_github("use", "GitHub").code == 0  # so that a .bak exists too
    bak = vault_path.with_name(vault_path.name + ".bak")
    before, bak_before = vault_path.read_bytes(), bak.read_bytes()
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(PASSPHRASE.upper() + "\n")
    new = tmp_path / "new.txt"
    new.write_text(NEW_PASSPHRASE + "\n")
    r = with_github(
        *[a.format(new=new) for a in args], stdin=GOOGLE, RVAULT_PASSPHRASE_FILE=str(wrong)
    )
    assert r.code == 3
    assert r.stdout == ""
    assert_one_line_error(r.stderr)
    assert "wrong passphrase" in r.error_lines[0]
    assert vault_path.read_bytes() == before
    assert bak.read_bytes() == bak_before


# --- the passphrase never leaks --------------------------------------------------------------


@pytest.mark.slow
def test_passphrase_never_printed(
    rv: RV, tmp_path: Path, sub_env: dict[str, str], vault_path: Path
) -> None:
    new = tmp_path / "new.txt"
    new.write_text(NEW_PASSPHRASE + "\n")
    runs = [
        rv(*INIT),
        rv("add", "GitHub", "--kind", "backup-codes", stdin=GITHUB),
        rv(
            "add",
            "Key",
            "--kind",
            "recovery-key",
            "--passphrase-file",
            "-",
            "--from-file",
            str(EXAMPLES / "1password-secret-key.txt"),
            stdin=PASSPHRASE,
        ),
        rv("list"),
        rv("list", "--json"),
        rv("show", "GitHub"),
        rv("show", "GitHub", "--json"),
        rv("show", "Key"),
        rv("use", "GitHub"),
        rv("edit", "GitHub", "--tag", "x", "--mark-used", "2"),
        rv("rm", "Key", "--yes"),
        rv("rm", "GitHub"),
        rv("info"),
        rv("info", "--json"),
        rv("passwd", "--new-passphrase-file", str(new), "--weak-kdf"),
        rv("list"),  # old passphrase: fails
        rv("list", "--passphrase-file", str(new)),
        rv("show", "nosuch", "--passphrase-file", str(new)),
    ]
    assert [r.code for r in runs] == [0] * 11 + [2, 0, 0, 0, 3, 0, 66]
    outputs = [text for r in runs for text in (r.stdout, r.stderr)]
    # Real processes too, including a --debug traceback.
    env = dict(sub_env, RVAULT_PASSPHRASE_FILE=str(new))
    for args in (["list"], ["--debug", "show", "nosuch"], ["--debug", "init", *INIT[1:]]):
        p = run_rvault(args, env)
        outputs += [p.stdout, p.stderr]
    assert any("Traceback" in text for text in outputs)  # the debug runs did print one
    for text in outputs:
        assert PASSPHRASE not in text
        assert NEW_PASSPHRASE not in text


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")
def test_passphrase_never_in_any_process_argv(tmp_path: Path) -> None:
    canary = f"argv canary {secrets.token_hex(12)}"
    pfile = tmp_path / "pass.txt"
    pfile.write_text(canary + "\n")
    vault_path = tmp_path / "slow.rvault"
    env = {"RVAULT_FILE": str(vault_path), "RVAULT_PASSPHRASE_FILE": str(pfile)}
    assert run_main(SLOW_INIT, env=env).code == 0
    assert run_main(["add", "GitHub", "--kind", "backup-codes"], stdin=GITHUB, env=env).code == 0

    child_env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    proc = subprocess.Popen(
        [sys.executable, "-m", "vault", "use", "GitHub"],
        env={**child_env, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    needle = canary.encode()
    leaks: list[tuple[str, bytes]] = []
    own_cmdline_seen = scans = 0
    try:
        while True:
            finished = proc.poll() is not None
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    argv = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if needle in argv.replace(b"\0", b" "):
                    leaks.append((entry.name, argv))
                if entry.name == str(proc.pid) and b"vault\0use\0GitHub" in argv:
                    own_cmdline_seen += 1
            scans += 1
            if finished:
                break
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert leaks == []
    assert own_cmdline_seen > 0, f"never saw the rvault process in {scans} scans"
    assert proc.returncode == 0, err
    assert out.decode() == GITHUB_CODES[0] + "\n"
    assert canary.encode() not in out + err


# --- entry points ----------------------------------------------------------------------------

COMMANDS = ["init", "add", "list", "show", "use", "edit", "rm", "passwd", "info"]


def _console_script() -> Path:
    script = Path(sys.executable).parent / "rvault"
    if not script.exists():
        pytest.skip(f"no rvault console script next to {sys.executable}")
    return script


def _listed_commands(help_text: str) -> list[str]:
    section = help_text.split("Commands:", 1)[1]
    return [line.split()[0] for line in section.splitlines() if line.startswith("  ")]


def test_python_m_vault_help(sub_env: dict[str, str]) -> None:
    r = run_rvault(["--help"], sub_env)
    assert r.returncode == 0
    assert r.stdout.startswith("Usage: rvault ")
    assert set(COMMANDS) <= set(_listed_commands(r.stdout))


@pytest.mark.slow
def test_console_script(sub_env: dict[str, str], vault_path: Path) -> None:
    script = _console_script()
    run = {
        "capture_output": True,
        "text": True,
        "env": sub_env,
        "timeout": 60,
        "start_new_session": True,
        "stdin": subprocess.DEVNULL,
    }
    r = subprocess.run([str(script), "--help"], **run)
    assert r.returncode == 0
    assert set(COMMANDS) <= set(_listed_commands(r.stdout))
    r = subprocess.run([str(script), *INIT], **run)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(script), "info", "--json"], **run)
    assert json.loads(r.stdout)["path"] == str(vault_path)
    r = subprocess.run([str(script), "show", "nosuch"], **run)
    assert r.returncode == 66
    assert_one_line_error(r.stderr)


@pytest.mark.parametrize("how", ["module", "script"])
def test_version(sub_env: dict[str, str], how: str) -> None:
    version = importlib.metadata.version("recovery-vault")
    if how == "module":
        r = run_rvault(["--version"], sub_env)
    else:
        r = subprocess.run(
            [str(_console_script()), "--version"],
            capture_output=True,
            text=True,
            env=sub_env,
            timeout=60,
        )
    assert r.returncode == 0
    assert r.stdout.strip() == f"rvault, version {version}"


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help(command: str) -> None:
    r = run_main([command, "--help"])
    assert r.code == 0
    assert r.stdout.startswith(f"Usage: rvault {command} ")
    assert "--vault PATH" in r.stdout
    assert "--passphrase-file PATH" in r.stdout


# --- a real-process round trip and file permissions ------------------------------------------


@pytest.mark.slow
def test_subprocess_round_trip(sub_env: dict[str, str], vault_path: Path) -> None:
    steps: list[tuple[list[str], str, int]] = [
        (INIT, "", 0),
        (["add", "GitHub", "--kind", "backup-codes"], GITHUB, 0),
        (["add", "Microsoft", "--kind", "recovery-key"], sample("microsoft-recovery-code.txt"), 0),
        (["list"], "", 0),
        (["use", "github"], "", 0),
        (["show", "GitHub", "--json"], "", 0),
        (["show", "Microsoft"], "", 0),
        (["info", "--json"], "", 0),
    ]
    results = []
    for args, stdin, code in steps:
        r = run_rvault(args, sub_env, stdin=stdin)
        assert r.returncode == code, (args, r.stderr)
        results.append(r)
    init, add, _, listed, used, shown, key, info = results
    assert "warning: weak key derivation" in init.stderr
    assert "Found 16 backup codes." in add.stderr
    assert listed.stdout.splitlines()[0].split()[:2] == ["GitHub", "backup-codes"]
    assert used.stdout == GITHUB_CODES[0] + "\n"
    assert "15 of 16 codes left" in used.stderr
    assert json.loads(shown.stdout)["codes"][0]["used"] is True
    assert key.stdout.splitlines()[-1] == MICROSOFT_KEY
    assert json.loads(info.stdout)["generation"] == 3


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_created_files_are_private(tmp_path: Path, sub_env: dict[str, str]) -> None:
    vault_path = tmp_path / "new-dir" / "v.rvault"
    env = dict(sub_env, RVAULT_FILE=str(vault_path))

    def run(args: list[str], stdin: str = "") -> None:
        # umask 0: the modes must come from rvault itself, not from a careful caller.
        r = subprocess.run(
            [sys.executable, "-m", "vault", *args],
            input=stdin,
            text=True,
            capture_output=True,
            env=env,
            umask=0,
            start_new_session=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr

    run(INIT)
    assert (vault_path.stat().st_mode & 0o777) == 0o600
    assert (vault_path.parent.stat().st_mode & 0o777) == 0o700
    run(["add", "GitHub", "--kind", "backup-codes"], GITHUB)
    run(["use", "GitHub"])
    bak = vault_path.with_name("v.rvault.bak")
    lock = vault_path.with_name("v.rvault.lock")
    for path in (vault_path, bak, lock):
        assert (path.stat().st_mode & 0o777) == 0o600, path
    assert sorted(p.name for p in vault_path.parent.iterdir()) == [
        "v.rvault",
        "v.rvault.bak",
        "v.rvault.lock",
    ]
