"""The Python API round trip: VaultFile, Vault, Entry and BackupCode, with real files and Argon2id.

Everything here goes through real encryption and real files (cheap KDF costs from conftest);
nothing is mocked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import CHEAP_KDF, EXAMPLES, PASSPHRASE, canonical_json

import vault
from vault import BackupCode, Entry, KdfParams, UsedCode, Vault, VaultError, VaultFile
from vault.errors import (
    AlreadyExists,
    AuthenticationFailed,
    CorruptVault,
    EntryNotFound,
    InvalidData,
    NothingLeft,
    VaultLocked,
    VaultNotFound,
)

NEW_PASSPHRASE = "a different, equally long passphrase"
GITHUB_CODES = [
    line.strip()
    for line in (EXAMPLES / "github-recovery-codes.txt").read_text().splitlines()
    if line.strip()
]


def codes_entry(name: str = "GitHub", codes: list[str] | None = None, **kw: Any) -> Entry:
    """A backup-codes entry holding the given codes (GitHub's sample by default)."""
    return Entry(name, "backup-codes", codes=[BackupCode(c) for c in codes or GITHUB_CODES], **kw)


MICROSOFT_KEY = "T2CJV-YMCJ4-GJGGM-62JPK-RX447"


def key_entry(name: str = "Microsoft") -> Entry:
    """A recovery-key entry."""
    return Entry(name, "recovery-key", secret=MICROSOFT_KEY)


# --- public API ------------------------------------------------------------------------------


def test_public_api_names_are_importable() -> None:
    for name in vault.__all__:
        assert getattr(vault, name) is not None, name
    assert {"VaultFile", "Entry", "BackupCode", "Vault", "KdfParams", "VaultError"} <= set(
        vault.__all__
    )


# --- create and info -------------------------------------------------------------------------


def test_create_then_info_needs_no_passphrase(vault_path: Path) -> None:
    vf = VaultFile(vault_path)
    created = vf.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    info = VaultFile(vault_path).info()  # a fresh object, and no passphrase anywhere
    assert info == created
    assert info["path"] == str(vault_path)
    assert info["format_version"] == 1
    assert info["generation"] == 0
    assert len(info["vault_id"]) == 32
    int(info["vault_id"], 16)  # hex
    assert info["size"] == vault_path.stat().st_size
    assert info["slots"] == [
        {
            "type": "passphrase",
            "kdf": "argon2id",
            "time_cost": 1,
            "memory_kib": 1024,
            "parallelism": 1,
        }
    ]
    # The info is JSON-ready (the CLI prints it as JSON).
    assert json.loads(json.dumps(info)) == info


def test_new_vault_is_empty(vf: VaultFile) -> None:
    loaded = vf.load(PASSPHRASE)
    assert loaded.entries == []
    assert loaded.meta == {}


def test_two_vaults_get_different_ids(tmp_path: Path) -> None:
    a = VaultFile(tmp_path / "a.rvault")
    b = VaultFile(tmp_path / "b.rvault")
    a.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    b.create(PASSPHRASE, CHEAP_KDF, allow_weak=True)
    assert a.info()["vault_id"] != b.info()["vault_id"]


def test_create_refuses_existing_vault(vf: VaultFile) -> None:
    before = vf.path.read_bytes()
    with pytest.raises(AlreadyExists):
        VaultFile(vf.path).create("another passphrase entirely", CHEAP_KDF, allow_weak=True)
    assert vf.path.read_bytes() == before
    assert vf.load(PASSPHRASE).entries == []


def test_create_refuses_weak_kdf_unless_allowed(vault_path: Path) -> None:
    with pytest.raises(InvalidData, match="below the minimum"):
        VaultFile(vault_path).create(PASSPHRASE, CHEAP_KDF)
    assert not vault_path.exists()


def test_create_refuses_empty_passphrase(vault_path: Path) -> None:
    with pytest.raises(InvalidData):
        VaultFile(vault_path).create("", CHEAP_KDF, allow_weak=True)
    assert not vault_path.exists()


def test_missing_vault_is_reported(tmp_path: Path) -> None:
    vf = VaultFile(tmp_path / "nothing-here.rvault")
    with pytest.raises(VaultNotFound):
        vf.info()
    with pytest.raises(VaultNotFound):
        vf.load(PASSPHRASE)
    assert VaultNotFound.exit_code == 66


def test_wrong_passphrase_fails_and_changes_nothing(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry())
    before = vf.path.read_bytes()
    with pytest.raises(AuthenticationFailed):
        vf.load("Correct Horse Battery Staple")  # case matters
    with pytest.raises(AuthenticationFailed):
        vf.use_code("wrong", "GitHub")
    with pytest.raises(AuthenticationFailed):
        vf.add("wrong", key_entry())
    assert vf.path.read_bytes() == before
    assert issubclass(AuthenticationFailed, VaultError)
    assert AuthenticationFailed.exit_code == 3


# --- add and load ----------------------------------------------------------------------------


def test_add_and_load_round_trip(vf: VaultFile) -> None:
    github = codes_entry(
        account="alex@example.com",
        issuer="GitHub",
        url="https://github.com/login",
        notes="downloaded 2026-11-24",
        tags=["work", "dev"],
    )
    note = Entry("Bank PIN letter", "note", secret="line one\nline two")
    totp = Entry("Old phone", "totp", secret="JBSWY3DPEHPK3PXP")
    ms = key_entry()
    for e in (github, ms, note, totp):
        vf.add(PASSPHRASE, e)

    loaded = VaultFile(vf.path).load(PASSPHRASE)
    assert [e.name for e in loaded.entries] == [
        "GitHub",
        "Microsoft",
        "Bank PIN letter",
        "Old phone",
    ]
    # Every field survives encryption, the file, and decryption.
    assert [e.to_json() for e in loaded.entries] == [e.to_json() for e in (github, ms, note, totp)]
    got = loaded.get("github")
    assert [c.code for c in got.codes] == GITHUB_CODES
    assert all(not c.used and c.used_at is None for c in got.codes)
    assert got.tags == ["work", "dev"]
    assert loaded.get("MICROSOFT").secret == MICROSOFT_KEY
    assert loaded.get("bank pin letter").secret == "line one\nline two"


def test_unicode_survives(vf: VaultFile) -> None:
    vf.add(
        PASSPHRASE,
        Entry("Café ☕", "note", secret="naïve \u2013 \u201cquoted\u201d 秘密", notes="ümlaut"),
    )
    got = vf.load(PASSPHRASE).get("CAFÉ ☕")
    assert got.name == "Café ☕"
    assert got.secret == "naïve \u2013 \u201cquoted\u201d 秘密"
    assert got.notes == "ümlaut"


def test_every_save_bumps_the_generation(vf: VaultFile) -> None:
    assert vf.info()["generation"] == 0
    vf.add(PASSPHRASE, codes_entry())
    assert vf.info()["generation"] == 1
    vf.use_code(PASSPHRASE, "GitHub")
    assert vf.info()["generation"] == 2
    # A failed change is not saved.
    with pytest.raises(AlreadyExists):
        vf.add(PASSPHRASE, codes_entry("github"))
    assert vf.info()["generation"] == 2


@pytest.mark.parametrize("other", ["github", "GITHUB", "  GitHub  ", "gitHUB"])
def test_names_are_unique_ignoring_case(vf: VaultFile, other: str) -> None:
    vf.add(PASSPHRASE, codes_entry("GitHub"))
    before = vf.path.read_bytes()
    with pytest.raises(AlreadyExists):
        vf.add(PASSPHRASE, key_entry(other))
    assert vf.path.read_bytes() == before
    assert [e.name for e in vf.load(PASSPHRASE).entries] == ["GitHub"]
    assert AlreadyExists.exit_code == 73


def test_lookup_ignores_case_and_reports_missing(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry("GitHub"))
    v = vf.load(PASSPHRASE)
    assert v.get("GITHUB").name == "GitHub"
    assert v.has("github")
    assert not v.has("gitlab")
    with pytest.raises(EntryNotFound):
        v.get("gitlab")
    with pytest.raises(EntryNotFound):
        vf.use_code(PASSPHRASE, "gitlab")


@pytest.mark.parametrize("kind", ["password", "Backup-Codes", "", "totp "])
def test_kinds_are_validated(kind: str) -> None:
    with pytest.raises(InvalidData, match="unknown kind"):
        Entry("x", kind, secret="s")


@pytest.mark.parametrize("kind", ["backup-codes", "recovery-key", "totp", "note"])
def test_every_kind_is_accepted(vf: VaultFile, kind: str) -> None:
    entry = codes_entry("x") if kind == "backup-codes" else Entry("x", kind, secret="s3cret")
    vf.add(PASSPHRASE, entry)
    assert vf.load(PASSPHRASE).get("x").kind == kind


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "tab\there", "x" * 101])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidData):
        Entry(name, "note", secret="s")


def test_names_are_stripped() -> None:
    assert Entry("  GitHub \n", "note", secret="s").name == "GitHub"


def test_entries_need_a_secret(vf: VaultFile) -> None:
    with pytest.raises(InvalidData, match="at least one code"):
        vf.add(PASSPHRASE, Entry("empty", "backup-codes"))
    with pytest.raises(InvalidData, match="needs a secret"):
        vf.add(PASSPHRASE, Entry("empty", "recovery-key"))
    assert vf.load(PASSPHRASE).entries == []


def test_add_drops_duplicate_codes(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry(codes=["abcde-12345", "ABCDE12345", "fghij-67890"]))
    assert [c.code for c in vf.load(PASSPHRASE).get("GitHub").codes] == [
        "abcde-12345",
        "fghij-67890",
    ]


# --- use_code --------------------------------------------------------------------------------


def test_use_code_returns_codes_in_order_until_none_left(vf: VaultFile) -> None:
    codes = ["aaaaa-11111", "bbbbb-22222", "ccccc-33333"]
    vf.add(PASSPHRASE, codes_entry("GitHub", codes))
    results = [vf.use_code(PASSPHRASE, "github") for _ in codes]
    assert results == [
        UsedCode("GitHub", "aaaaa-11111", 2, 3),
        UsedCode("GitHub", "bbbbb-22222", 1, 3),
        UsedCode("GitHub", "ccccc-33333", 0, 3),
    ]
    stored = vf.load(PASSPHRASE).get("GitHub")
    assert all(c.used for c in stored.codes)
    assert all(c.used_at and c.used_at.endswith("Z") for c in stored.codes)
    assert stored.remaining() == 0

    before = vf.path.read_bytes()
    with pytest.raises(NothingLeft):
        vf.use_code(PASSPHRASE, "GitHub")
    assert vf.path.read_bytes() == before
    assert NothingLeft.exit_code == 1


def test_use_code_skips_codes_marked_used(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry(codes=["aaaaa-11111", "bbbbb-22222", "ccccc-33333"]))
    vf.set_used(PASSPHRASE, "GitHub", 1, True)
    vf.set_used(PASSPHRASE, "GitHub", 2, True)
    assert vf.use_code(PASSPHRASE, "GitHub").code == "ccccc-33333"
    vf.set_used(PASSPHRASE, "GitHub", 2, False)
    assert vf.use_code(PASSPHRASE, "GitHub").code == "bbbbb-22222"


def test_use_code_refuses_other_kinds(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, key_entry())
    with pytest.raises(InvalidData, match="not backup codes"):
        vf.use_code(PASSPHRASE, "Microsoft")


# --- update ----------------------------------------------------------------------------------


def test_update_rename(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry("GitHub"))
    vf.add(PASSPHRASE, key_entry("Microsoft"))
    renamed = vf.update(PASSPHRASE, "github", new_name="GitHub (work)")
    assert renamed.name == "GitHub (work)"
    v = vf.load(PASSPHRASE)
    assert v.get("github (WORK)").codes == codes_entry().codes
    assert not v.has("GitHub")
    # Changing only the case of the own name is allowed; taking another entry's name is not.
    assert vf.update(PASSPHRASE, "GitHub (work)", new_name="GITHUB (WORK)").name == "GITHUB (WORK)"
    with pytest.raises(AlreadyExists):
        vf.update(PASSPHRASE, "GITHUB (WORK)", new_name="microsoft")
    with pytest.raises(InvalidData):
        vf.update(PASSPHRASE, "GITHUB (WORK)", new_name="   ")
    assert sorted(e.name for e in vf.load(PASSPHRASE).entries) == ["GITHUB (WORK)", "Microsoft"]


def test_update_sets_and_clears_fields(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry(account="alex", issuer="GitHub", url="https://x", notes="n"))
    fields: dict[str, str | None] = {"account": "", "issuer": None, "url": "https://github.com"}
    vf.update(PASSPHRASE, "GitHub", fields=fields)
    got = vf.load(PASSPHRASE).get("GitHub")
    assert got.account is None  # "" clears
    assert got.issuer == "GitHub"  # None leaves alone
    assert got.url == "https://github.com"
    assert got.notes == "n"
    with pytest.raises(ValueError, match="not an editable field"):
        vf.update(PASSPHRASE, "GitHub", fields={"secret": "x"})


def test_update_tags(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry(tags=["work", "dev"]))
    vf.update(PASSPHRASE, "GitHub", add_tags=("2fa", "work", "2fa"), remove_tags=("dev",))
    assert vf.load(PASSPHRASE).get("GitHub").tags == ["work", "2fa"]
    vf.update(PASSPHRASE, "GitHub", remove_tags=("work", "not-there"))
    assert vf.load(PASSPHRASE).get("GitHub").tags == ["2fa"]


def test_update_appends_codes_keeping_used_state(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry(codes=["aaaaa-11111", "bbbbb-22222"]))
    vf.use_code(PASSPHRASE, "GitHub")
    vf.update(PASSPHRASE, "GitHub", add_codes=["ccccc-33333", "AAAAA11111"])
    codes = vf.load(PASSPHRASE).get("GitHub").codes
    assert [c.code for c in codes] == ["aaaaa-11111", "bbbbb-22222", "ccccc-33333"]
    assert [c.used for c in codes] == [True, False, False]


def test_update_replaces_codes(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry(codes=["aaaaa-11111", "bbbbb-22222"]))
    vf.use_code(PASSPHRASE, "GitHub")
    vf.update(PASSPHRASE, "GitHub", add_codes=["ccccc-33333", "ddddd-44444"], replace_codes=True)
    codes = vf.load(PASSPHRASE).get("GitHub").codes
    assert [c.code for c in codes] == ["ccccc-33333", "ddddd-44444"]
    assert [c.used for c in codes] == [False, False]


def test_update_secret(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, key_entry())
    vf.add(PASSPHRASE, codes_entry())
    vf.update(PASSPHRASE, "Microsoft", secret="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")
    assert vf.load(PASSPHRASE).get("Microsoft").secret == "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"
    before = vf.path.read_bytes()
    with pytest.raises(InvalidData):
        vf.update(PASSPHRASE, "Microsoft", secret="")
    with pytest.raises(InvalidData):
        vf.update(PASSPHRASE, "GitHub", secret="not for backup codes")
    with pytest.raises(InvalidData):
        vf.update(PASSPHRASE, "Microsoft", add_codes=["aaaaa-11111"])
    assert vf.path.read_bytes() == before


def test_failed_update_saves_nothing_even_after_a_rename(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry())
    before = vf.path.read_bytes()
    with pytest.raises(InvalidData):
        vf.update(PASSPHRASE, "GitHub", new_name="Renamed", secret="bad for backup codes")
    assert vf.path.read_bytes() == before
    assert vf.load(PASSPHRASE).has("GitHub")


def test_update_stamps_updated(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry())
    v = vf.load(PASSPHRASE)
    entry = v.update("GitHub", fields={"notes": "x"}, now="2030-01-02T03:04:05Z")
    assert entry.updated == "2030-01-02T03:04:05Z"
    assert entry.created != entry.updated


# --- set_used and remove ---------------------------------------------------------------------


def test_set_used_marks_and_unmarks(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry())
    vf.set_used(PASSPHRASE, "GitHub", 3, True)
    codes = vf.load(PASSPHRASE).get("GitHub").codes
    assert [i for i, c in enumerate(codes, 1) if c.used] == [3]
    assert codes[2].used_at is not None
    vf.set_used(PASSPHRASE, "GitHub", 3, False)
    codes = vf.load(PASSPHRASE).get("GitHub").codes
    assert not any(c.used for c in codes)
    assert codes[2].used_at is None


@pytest.mark.parametrize("number", [0, -1, 17])
def test_set_used_out_of_range(vf: VaultFile, number: int) -> None:
    vf.add(PASSPHRASE, codes_entry())
    with pytest.raises(InvalidData, match="no code number"):
        vf.set_used(PASSPHRASE, "GitHub", number, True)


def test_remove(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry())
    vf.add(PASSPHRASE, key_entry())
    removed = vf.remove(PASSPHRASE, "GITHUB")
    assert removed.name == "GitHub"
    assert [e.name for e in vf.load(PASSPHRASE).entries] == ["Microsoft"]
    with pytest.raises(EntryNotFound):
        vf.remove(PASSPHRASE, "GitHub")
    # The previous generation is kept in .bak and still opens with the passphrase.
    assert VaultFile(vf.bak_path).load(PASSPHRASE).has("GitHub")


# --- change_passphrase -----------------------------------------------------------------------


@pytest.mark.parametrize("new_master_key", [False, True])
def test_change_passphrase(vf: VaultFile, new_master_key: bool) -> None:
    vf.add(PASSPHRASE, codes_entry())
    before = vf.info()
    old_json = [e.to_json() for e in vf.load(PASSPHRASE).entries]

    after = vf.change_passphrase(
        PASSPHRASE, NEW_PASSPHRASE, allow_weak=True, new_master_key=new_master_key
    )
    assert after["vault_id"] == before["vault_id"]
    assert after["generation"] == before["generation"] + 1
    assert after["slots"] == before["slots"]  # kdf defaults to the current one
    with pytest.raises(AuthenticationFailed):
        vf.load(PASSPHRASE)
    assert [e.to_json() for e in vf.load(NEW_PASSPHRASE).entries] == old_json


def test_change_passphrase_with_new_kdf(vf: VaultFile) -> None:
    new_kdf = KdfParams(time_cost=2, memory_kib=2048, parallelism=1)
    info = vf.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, new_kdf, allow_weak=True)
    assert info["slots"][0]["time_cost"] == 2
    assert info["slots"][0]["memory_kib"] == 2048
    assert vf.load(NEW_PASSPHRASE).entries == []


def test_change_passphrase_refusals_change_nothing(vf: VaultFile) -> None:
    before = vf.path.read_bytes()
    with pytest.raises(AuthenticationFailed):
        vf.change_passphrase("wrong", NEW_PASSPHRASE, allow_weak=True)
    with pytest.raises(InvalidData):
        vf.change_passphrase(PASSPHRASE, "", allow_weak=True)
    with pytest.raises(InvalidData, match="below the minimum"):
        vf.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)  # the current KDF is weak
    assert vf.path.read_bytes() == before
    assert vf.load(PASSPHRASE).entries == []


# --- locking ---------------------------------------------------------------------------------


def test_a_held_lock_makes_changes_wait_then_fail(vf: VaultFile) -> None:
    vf.add(PASSPHRASE, codes_entry())
    before = vf.path.read_bytes()
    impatient = VaultFile(vf.path, lock_timeout=0.1)
    with vf._locked():
        with pytest.raises(VaultLocked):
            impatient.use_code(PASSPHRASE, "GitHub")
        # Reading needs no lock.
        assert impatient.load(PASSPHRASE).get("GitHub").remaining() == 16
    assert vf.path.read_bytes() == before
    assert impatient.use_code(PASSPHRASE, "GitHub").code == GITHUB_CODES[0]


# --- Vault payload ---------------------------------------------------------------------------


def test_vault_bytes_round_trip() -> None:
    v = Vault(meta={"created_by": "test"})
    v.add(codes_entry(tags=["a"], account="alex"))
    v.add(Entry("Note", "note", secret="multi\nline"))
    v.use_code("GitHub", now="2030-01-01T00:00:00Z")
    data = v.to_bytes()
    back = Vault.from_bytes(data)
    assert back == v
    assert back.to_bytes() == data  # canonical
    doc = json.loads(data)
    assert doc["version"] == 2
    assert doc["meta"] == {"created_by": "test"}
    assert b" " not in data.replace(b"multi\\nline", b"")  # compact separators
    assert back.get("GitHub").codes[0] == BackupCode(GITHUB_CODES[0], True, "2030-01-01T00:00:00Z")


def _payload_with(mutate: Any) -> bytes:
    v = Vault()
    v.add(codes_entry(codes=["aaaaa-11111"]))
    doc = json.loads(v.to_bytes())
    mutate(doc)
    return canonical_json(doc)


def _drop(key: str) -> Any:
    return lambda doc: doc["entries"][0].pop(key)


def _set(key: str, value: Any) -> Any:
    return lambda doc: doc["entries"][0].__setitem__(key, value)


MALFORMED_PAYLOADS = {
    "not json": b"{not json",
    "not utf-8": b"\xff\xfe{}",
    "top-level list": b"[]",
    "top-level null": b"null",
    "no version": canonical_json({"entries": [], "meta": {}}),
    "entries not a list": canonical_json({"version": 1, "entries": {}, "meta": {}}),
    "no meta": canonical_json({"version": 1, "entries": []}),
    "entry is a string": canonical_json({"version": 1, "entries": ["x"], "meta": {}}),
    "entry is null": canonical_json({"version": 1, "entries": [None], "meta": {}}),
    "entry without name": _payload_with(_drop("name")),
    "entry without codes": _payload_with(_drop("codes")),
    "entry without id": _payload_with(_drop("id")),
    "entry without notes": _payload_with(_drop("notes")),
    "name not text": _payload_with(_set("name", 42)),
    "empty name": _payload_with(_set("name", "")),
    "unknown kind": _payload_with(_set("kind", "password")),
    "codes not a list": _payload_with(_set("codes", 5)),
    "code without used": _payload_with(lambda doc: doc["entries"][0]["codes"][0].pop("used")),
    "code used not a bool": _payload_with(
        lambda doc: doc["entries"][0]["codes"][0].__setitem__("used", "yes")
    ),
    "code is a string": _payload_with(_set("codes", ["aaaaa-11111"])),
    "tags not text": _payload_with(_set("tags", [1, 2])),
    "account not text": _payload_with(_set("account", ["alex"])),
    "otp on backup codes": _payload_with(
        _set("otp", {"algorithm": "SHA1", "digits": 6, "period": 30})
    ),
    "entry without otp": _payload_with(_drop("otp")),
    "version 1 entry with otp": _payload_with(lambda doc: doc.__setitem__("version", 1)),
}


@pytest.mark.parametrize("payload", MALFORMED_PAYLOADS.values(), ids=MALFORMED_PAYLOADS.keys())
def test_malformed_payload_is_corrupt_vault(payload: bytes) -> None:
    with pytest.raises(CorruptVault) as info:
        Vault.from_bytes(payload)
    # Reported to the user as damaged data (exit 65), never as a KeyError or TypeError.
    assert isinstance(info.value, InvalidData)
    assert info.value.exit_code == 65
    assert info.value.hint


def test_unknown_payload_version_is_refused_as_data() -> None:
    with pytest.raises(InvalidData) as info:
        Vault.from_bytes(canonical_json({"version": 3, "entries": [], "meta": {}}))
    assert info.value.exit_code == 65


def test_well_formed_payload_parses() -> None:
    # The control for the table above: the unmutated payload is accepted.
    v = Vault.from_bytes(_payload_with(lambda doc: None))
    assert [c.code for c in v.get("GitHub").codes] == ["aaaaa-11111"]


def test_the_public_names_agree_everywhere() -> None:
    """__all__, the lazy-import table, the type-checking imports and README list one set."""
    import ast
    import re

    import vault as package

    source = Path(package.__file__).read_text()
    typed: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                typed |= {a.name for a in imp.names}
                for a in imp.names:  # each name is imported from where the table says
                    assert imp.module == f"vault.{package._EXPORTS[a.name]}", a.name
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    listed = section.split("The public names", 1)[1]
    in_readme = set(re.findall(r"`([A-Za-z_]\w*)`", listed))
    assert set(package.__all__) == set(package._EXPORTS) == typed == in_readme
    assert len(package.__all__) == len(set(package.__all__))
    for name in package.__all__:
        assert getattr(package, name) is not None, name
    with pytest.raises(AttributeError):
        package.__getattr__("not_a_public_name")


@pytest.mark.parametrize(
    "payload",
    [
        b'{"entries":[],"meta":{"x":"\\ud800"},"version":2}',  # a lone surrogate escaped
        b'{"entries":[],"meta":{"x":' + b"[" * 100_000 + b"]" * 100_000 + b'},"version":2}',
    ],
    ids=["lone-surrogate", "deep-nesting"],
)
def test_payloads_no_writer_makes_are_corrupt_not_a_crash(payload: bytes) -> None:
    """Found by the browser page's differential tests: both used to escape as Python errors."""
    from vault.errors import CorruptVault

    with pytest.raises(CorruptVault):
        Vault.from_bytes(payload)
