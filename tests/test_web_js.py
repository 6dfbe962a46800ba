"""The browser page's JavaScript modules (vault/web/js) run in Node against the Python library.

Every committed vector must give the CLI's outcome, random vaults and kits made by Python
must open and rebuild byte for byte, and the erasure decoder must agree with the real zfec.
Node runs tests/support/web_runner.mjs, many cases per process. Without Node these tests
skip (install Debian's nodejs package); with CI=true a missing Node fails the run instead.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CHEAP_KDF, PASSPHRASE
from support.rfc6238 import RFC6238, RFC6238_SEEDS
from support.webjs import b64, needs_node, node
from zfec import easyfec

from vault import Entry, VaultFile
from vault.entry import BackupCode
from vault.errors import VaultError
from vault.format import parse
from vault.keyslots import open_payload, unlock, unlock_recovery
from vault.model import Vault

TESTS = Path(__file__).resolve().parent
VECTORS = TESTS / "vectors"
OUTCOMES = {
    "success": None,
    "wrong_passphrase": "AuthenticationFailed",
    "corrupt": "CorruptVault",
    "unsupported": "Unsupported",
    "limit_exceeded": "LimitExceeded",
}
pytestmark = needs_node


# --- vaults -----------------------------------------------------------------------------------


def library_outcome(data: bytes, passphrase: str) -> dict[str, str]:
    """What the library says opening data: nothing, or its error's class, message and hint."""
    try:
        container = parse(data)
        Vault.from_bytes(open_payload(container, unlock(container, passphrase)))
    except VaultError as exc:
        return {"error": type(exc).__name__, "message": exc.message, "hint": exc.hint}
    return {}


@pytest.mark.slow  # ~1.6 s: Argon2 for every vector, in Node and in Python
def test_every_vector_gives_the_cli_outcome() -> None:
    cases = json.loads((VECTORS / "vectors.json").read_text())["cases"]
    answers = node(
        [
            {
                "op": "open",
                "vault": b64((VECTORS / c["file"]).read_bytes()),
                "passphrase": c["passphrase"],
            }
            for c in cases
        ]
    )
    for case, got in zip(cases, answers, strict=True):
        where = f"{case['file']} ({case['outcome']})"
        assert got.get("error") == OUTCOMES[case["outcome"]], (where, got)
        data = (VECTORS / case["file"]).read_bytes()
        # The page says what the CLI says: the library's message and hint, word for word.
        said = {k: got[k] for k in ("error", "message", "hint") if k in got}
        assert said == library_outcome(data, case["passphrase"]), where
        if case["outcome"] == "success":
            # A version 1 document is read as the library reads it (upgraded in memory).
            assert got["doc"] == case.get("read_as", case["payload"]), where
        if case.get("refused_before_kdf"):
            assert got["argon2Calls"] == 0, where
    # The control: the vectors really cover every outcome and both refusal points.
    assert {c["outcome"] for c in cases} == set(OUTCOMES)
    assert any(c.get("refused_before_kdf") for c in cases)
    assert any(a["argon2Calls"] for a in answers)


def random_entries(rng: random.Random) -> list[Entry]:
    """A few entries of every kind, with names and notes beyond ASCII."""
    out = []
    for i in range(rng.randint(0, 6)):
        kind = rng.choice(["backup-codes", "recovery-key", "totp", "note"])
        name = f"{rng.choice(['GitHub', 'Bänk', 'メール', 'Steam 🎮'])} {i}"
        if kind == "backup-codes":
            codes = [BackupCode(f"{rng.randrange(10**8):08d}") for _ in range(rng.randint(1, 10))]
            out.append(Entry(name, kind, codes=codes, notes=rng.choice([None, "näive\ttab"])))
        elif kind == "totp":
            out.append(Entry(name, kind, secret="JBSWY3DPEHPK3PXP", issuer="Example"))
        else:
            out.append(Entry(name, kind, secret=f"secret ✓ {rng.random()}", tags=["t", "ü"]))
    return out


def test_random_vaults_open_to_what_python_reads(tmp_path: Path) -> None:
    rng = random.Random(14)
    requests, expected = [], []
    for n in range(8):
        vf = VaultFile(tmp_path / f"v{n}.rvault")
        passphrase = f"{PASSPHRASE} {n} ünïcode"
        vf.create(passphrase, CHEAP_KDF, allow_weak=True)
        with vf.edit(passphrase) as v:
            for entry in random_entries(rng):
                v.add(entry)
            if any(e.kind == "backup-codes" for e in v.entries):
                v.use_code(next(e for e in v.entries if e.kind == "backup-codes").name)
        expected.append(json.loads(vf.load(passphrase).to_bytes()))
        requests.append(
            {"op": "open", "vault": b64(vf.path.read_bytes()), "passphrase": passphrase}
        )
        requests.append({"op": "open", "vault": b64(vf.path.read_bytes()), "passphrase": "wrong"})
    answers = node(requests)
    for i, want in enumerate(expected):
        assert answers[2 * i].get("doc") == want
        assert answers[2 * i + 1]["error"] == "AuthenticationFailed"


def test_a_recovery_key_opens_the_vault_and_a_wrong_one_does_not(tmp_path: Path) -> None:
    vf = VaultFile(tmp_path / "r.rvault")
    vf.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    vf.add(PASSPHRASE, Entry("Mail", "note", secret="hello"))
    key = bytes(range(32))
    vf.set_recovery_key(PASSPHRASE, key)
    data = b64(vf.path.read_bytes())
    plain = VaultFile(tmp_path / "plain.rvault")
    plain.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    right, wrong, none = node(
        [
            {"op": "open_recovery", "vault": data, "key": b64(key)},
            {"op": "open_recovery", "vault": data, "key": b64(bytes(32))},
            {"op": "open_recovery", "vault": b64(plain.path.read_bytes()), "key": b64(key)},
        ]
    )
    assert right["doc"] == json.loads(vf.load(PASSPHRASE).to_bytes())
    for got, path in [(wrong, vf.path), (none, plain.path)]:
        try:
            unlock_recovery(parse(path.read_bytes()), bytes(32))
        except VaultError as exc:
            assert (got["error"], got["message"], got["hint"]) == (
                type(exc).__name__,
                exc.message,
                exc.hint,
            )
    assert (wrong["error"], none["error"]) == ("AuthenticationFailed", "MissingInput")


# --- the erasure code -------------------------------------------------------------------------


def test_the_erasure_decoder_agrees_with_zfec() -> None:
    rng = random.Random(255)
    shapes = [(1, 2), (1, 3), (2, 3), (3, 5), (4, 6), (7, 9), (12, 18), (50, 66), (100, 255)]
    shapes += [(254, 255), (128, 255), (5, 255)]
    shapes += [(k, rng.randint(k + 1, min(255, k + 40))) for k in rng.sample(range(1, 200), 12)]
    requests, expected = [], []
    for k, n in shapes:
        length = rng.randint(1, 40)
        data = bytes(rng.randrange(256) for _ in range(k * length))
        blocks = easyfec.Encoder(k, n).encode(data)
        for _ in range(2):
            kept = sorted(rng.sample(range(n), k))  # random erasures, any mix of data and parity
            requests.append(
                {
                    "op": "decode",
                    "k": k,
                    "n": n,
                    "blocks": [[j, b64(bytes(blocks[j]))] for j in kept],
                }
            )
            expected.append([b64(data[i * length : (i + 1) * length]) for i in range(k)])
        requests.append(
            {"op": "encode", "k": k, "n": n, "blocks": [b64(bytes(b)) for b in blocks[:k]]}
        )
        expected.append([b64(bytes(b)) for b in blocks])
    assert node(requests) == expected


# --- TOTP -------------------------------------------------------------------------------------


def test_totp_gives_rfc_6238_and_python_codes() -> None:
    from vault.otp.totp import OtpSettings, totp

    requests, expected = [], []
    for when, *codes in RFC6238:
        for algorithm, code in zip(RFC6238_SEEDS, codes, strict=True):
            seed = base64.b32encode(RFC6238_SEEDS[algorithm]).decode().rstrip("=")
            requests.append(
                {
                    "op": "totp",
                    "secret": seed,
                    "settings": {"algorithm": algorithm, "digits": 8, "period": 30},
                    "t": when,
                }
            )
            expected.append(code)
    rng = random.Random(6238)
    for _ in range(40):
        settings = OtpSettings(
            rng.choice(["SHA1", "SHA256", "SHA512"]), rng.choice([6, 8]), rng.randint(1, 3600)
        )
        seed = base64.b32encode(rng.randbytes(rng.choice([10, 20, 32]))).decode().rstrip("=")
        when = rng.randint(0, 2**33)
        requests.append(
            {"op": "totp", "secret": seed.lower(), "settings": settings.to_json(), "t": when}
        )
        expected.append(totp(seed, settings, when))
    answers = node(requests)
    assert [a["code"] for a in answers] == expected
    assert answers[0]["left"] == 1  # 59 s into a 30 s period: one second left


def test_totp_refuses_what_python_refuses_in_its_words() -> None:
    from vault.errors import InvalidData
    from vault.otp.totp import OtpSettings, totp

    settings = OtpSettings("SHA1", 6, 30)
    cases = [("JBSW Y3DP-ehpk\u200b3pxp==", 59), ("", 59), ("JBSWY3DP1", 59), ("JBSWY3D", 59)]
    cases += [("JBSWY3DPEHPK3PXP", -31)]
    answers = node(
        [{"op": "totp", "secret": s, "settings": settings.to_json(), "t": t} for s, t in cases]
    )
    for (secret, when), got in zip(cases, answers, strict=True):
        try:
            want = {"code": totp(secret, settings, when)}
        except InvalidData as exc:
            want = {"error": "InvalidData", "message": exc.message}
        assert {k: got[k] for k in want} == want, secret


def test_the_vendored_files_match_their_pinned_checksums(tmp_path: Path) -> None:
    import sys

    script = TESTS.parent / "vault" / "web" / "vendor" / "refresh.py"
    ok = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    # The check can fail: a copy of the vendor folder with one byte changed is refused.
    copy = tmp_path / "vendor"
    shutil.copytree(script.parent, copy)
    build = copy / "hash-wasm" / "argon2.umd.min.js"
    build.write_bytes(build.read_bytes() + b" ")
    bad = subprocess.run(
        [sys.executable, str(copy / "refresh.py"), "--check"], capture_output=True, text=True
    )
    assert bad.returncode == 1 and "does not match the manifest" in bad.stderr
