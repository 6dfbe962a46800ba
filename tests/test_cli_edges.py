"""Regression tests for CLI rough edges found in review: each was a real bug once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, PASSPHRASE, run_rvault

from vault import VaultFile

WEAK_INIT = ["init", "--weak-kdf", "--kdf-memory", "1", "--kdf-time", "1", "--kdf-parallelism", "1"]


@pytest.fixture
def github(cli_env: dict[str, str], vault_path: Path) -> VaultFile:
    """A vault holding the 16 GitHub sample codes, made through the CLI."""
    assert run_rvault(WEAK_INIT, cli_env).returncode == 0
    codes = (EXAMPLES / "github-recovery-codes.txt").read_text()
    res = run_rvault(["add", "GitHub", "--kind", "backup-codes"], cli_env, stdin=codes)
    assert res.returncode == 0, res.stderr
    return VaultFile(vault_path)


def remaining(vf: VaultFile) -> int:
    return vf.load(PASSPHRASE).get("GitHub").remaining()


def test_use_with_closed_stdout_spends_nothing(cli_env: dict[str, str], github: VaultFile) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "vault", "use", "GitHub"],
        env=cli_env,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: os.close(1),  # run with stdout closed, like `>&-`
    )
    assert res.returncode != 0
    assert remaining(github) == 16


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_use_when_stdout_write_fails_spends_nothing(
    cli_env: dict[str, str], github: VaultFile
) -> None:
    with open("/dev/full", "w") as full:
        res = subprocess.run(
            [sys.executable, "-m", "vault", "use", "GitHub"],
            env=cli_env,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    assert res.returncode == 74, res.stderr
    assert "not marked used" in res.stderr
    assert remaining(github) == 16


def test_debug_keeps_the_exit_code(
    cli_env: dict[str, str], github: VaultFile, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not it\n")
    res = run_rvault(["--debug", "list", "--passphrase-file", str(wrong)], cli_env)
    assert res.returncode == 3
    assert "Traceback" in res.stderr


@pytest.mark.slow
def test_ctrl_c_exits_130(cli_env: dict[str, str], vault_path: Path) -> None:
    # A slow KDF gives time to interrupt mid-unlock.
    slow = [
        "init",
        "--weak-kdf",
        "--kdf-memory",
        "64",
        "--kdf-time",
        "40",
        "--kdf-parallelism",
        "1",
    ]
    assert run_rvault(slow, cli_env).returncode == 0
    before = vault_path.read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vault", "use", "nosuch"],
        env=cli_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(0.6)  # let it reach the key derivation
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert vault_path.read_bytes() == before


@pytest.mark.slow
@pytest.mark.parametrize("value", ["abc", "nan", "-1", "inf"])
def test_bad_lock_timeout_is_a_usage_error(
    cli_env: dict[str, str], github: VaultFile, value: str
) -> None:
    res = run_rvault(["list"], {**cli_env, "RVAULT_LOCK_TIMEOUT": value})
    assert res.returncode == 2
    assert "RVAULT_LOCK_TIMEOUT" in res.stderr
    # One line, like every other error (not click's usage block), naming what to fix.
    assert res.stderr.splitlines() == [
        f"rvault: error: RVAULT_LOCK_TIMEOUT must be a number of seconds, not {value!r}"
    ]
    res = run_rvault(["--lock-timeout", value, "list"], cli_env)
    assert res.returncode == 2
    assert res.stderr.splitlines() == [
        f"rvault: error: --lock-timeout must be a number of seconds, not {value!r}"
    ]


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-2"])
def test_bad_kdf_target_is_a_usage_error(cli_env: dict[str, str], value: str) -> None:
    res = run_rvault(["init", "--kdf-memory", "64", "--kdf-target", value], cli_env)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr


def test_empty_vault_option_is_refused(cli_env: dict[str, str], github: VaultFile) -> None:
    res = run_rvault(["rm", "GitHub", "--yes", "--vault", ""], cli_env)
    assert res.returncode == 2
    assert remaining(github) == 16


@pytest.mark.slow
def test_missing_vault_leaves_nothing_behind(cli_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "nodir" / "sub" / "v.rvault"
    for args in (["add", "x", "--kind", "note"], ["use", "x"], ["passwd"], ["list"]):
        res = run_rvault([*args, "--vault", str(target)], cli_env, stdin="secret\n")
        assert res.returncode == 66, (args, res.stderr)
    assert not (tmp_path / "nodir").exists()


def test_init_over_existing_vault_fails_before_calibrating(
    cli_env: dict[str, str], github: VaultFile
) -> None:
    res = run_rvault(["init"], cli_env)
    assert res.returncode == 73
    assert "Calibrating" not in res.stderr


def test_vault_path_that_is_a_directory(cli_env: dict[str, str], tmp_path: Path) -> None:
    res = run_rvault(["list", "--vault", str(tmp_path)], cli_env)
    assert res.returncode == 66
    assert "free some space" not in res.stderr


def test_editor_with_passphrase_on_stdin(
    cli_env: dict[str, str], github: VaultFile, tmp_path: Path
) -> None:
    if not any(Path(d).is_dir() for d in (os.environ.get("XDG_RUNTIME_DIR") or "", "/dev/shm")):
        pytest.skip("no memory-backed temp directory")
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "PIN 4321\\n" > "$1"\n')
    editor.chmod(0o700)
    env = {**cli_env, "EDITOR": str(editor)}
    del env["RVAULT_PASSPHRASE_FILE"]
    args = ["add", "Bank", "--kind", "note", "--editor", "--passphrase-file", "-"]
    res = run_rvault(args, env, stdin=PASSPHRASE + "\n")
    assert res.returncode == 0, res.stderr
    assert github.load(PASSPHRASE).get("Bank").secret == "PIN 4321"


@pytest.mark.slow
def test_totp_from_otpauth_uri(cli_env: dict[str, str], github: VaultFile) -> None:
    uri = "otpauth://totp/Example:alice@example.com?secret=JBSW Y3DP EHPK 3PXP&issuer=Example"
    res = run_rvault(["add", "Example", "--kind", "totp"], cli_env, stdin=uri.replace(" ", ""))
    assert res.returncode == 0, res.stderr
    assert github.load(PASSPHRASE).get("Example").secret == "JBSWY3DPEHPK3PXP"
    res = run_rvault(["add", "Typed", "--kind", "totp"], cli_env, stdin="jbsw y3dp ehpk 3pxp\n")
    assert res.returncode == 0, res.stderr
    assert github.load(PASSPHRASE).get("Typed").secret == "JBSWY3DPEHPK3PXP"


@pytest.mark.parametrize("bad", ["not base32 at all!", "otpauth://totp/x?issuer=y", ""])
def test_totp_rejects_non_base32(cli_env: dict[str, str], github: VaultFile, bad: str) -> None:
    res = run_rvault(["add", "Bad", "--kind", "totp"], cli_env, stdin=bad)
    assert res.returncode == 65, res.stderr
    assert not github.load(PASSPHRASE).has("Bad")


def test_tag_and_untag_same_tag_removes_it(cli_env: dict[str, str], github: VaultFile) -> None:
    res = run_rvault(["edit", "GitHub", "--tag", "a", "--tag", "b", "--untag", "a"], cli_env)
    assert res.returncode == 0, res.stderr
    assert github.load(PASSPHRASE).get("GitHub").tags == ["b"]
