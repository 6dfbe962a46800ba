"""Regenerate the committed rvault v1 test vectors, deterministically.

Usage::

    python tests/vectors/generate.py [OUTPUT_DIR]

OUTPUT_DIR defaults to the folder of this script. Every random byte comes from a SHA-256
counter-mode generator seeded with SEED (one independent stream per vector), every timestamp is
fixed, and Argon2id, HKDF, AES-GCM and zlib are deterministic, so running this twice gives
byte-identical files. The vaults are built in a temporary folder (saves write `.bak` and
`.lock` side files) and only the final `.rvault` bytes and `vectors.json` are written to
OUTPUT_DIR.

The vaults are made with the library (`vault.store.VaultFile`) wherever the library can make
them; damaged, tampered and forged files are derived from those by editing bytes at the
offsets docs/FORMAT.md gives, with the trailing SHA-256 checksum recomputed where the vector
is meant to get past the envelope checks.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
import tempfile
import unicodedata
import zlib
from pathlib import Path
from typing import Any

from vault.crypto import KdfParams, hkdf, seal
from vault.entry import BackupCode, Entry
from vault.format import Container, parse
from vault.keyslots import PAYLOAD_INFO, PAYLOAD_NONCE, wrap_passphrase
from vault.model import Vault
from vault.otp.totp import OtpSettings
from vault.store import VaultFile

SEED = b"rvault test vectors v1"
MANIFEST = "vectors.json"

# Real Argon2id, just cheap: 2 passes over 1 MiB, 1 lane.
CHEAP = KdfParams(time_cost=2, memory_kib=1024, parallelism=1)
# Exactly the writer policy floor (RFC 9106 second recommended option) with the default lanes.
FLOOR = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=4)

PASSPHRASE = "correct horse battery staple"
# "Crème brûlée à l'école ☕" in NFC (precomposed); the manifest gives it in NFD.
UNICODE_PASSPHRASE = "Cr\u00e8me br\u00fbl\u00e9e \u00e0 l'\u00e9cole \u2615"
OLD_PASSPHRASE = "old passphrase, replaced"
NEW_PASSPHRASE = "new passphrase after rotation"
SECOND_SLOT_PASSPHRASE = "the second slot's passphrase"

# FORMAT.md section 1 and 2 offsets for a vault with one passphrase slot.
OFF_VERSION = 8
OFF_FLAGS = 10
OFF_VAULT_ID = 12
OFF_GENERATION = 28
OFF_SLOT_COUNT = 36
OFF_SLOT = 37  # slot_type u8, body_len u16, body
OFF_SLOT_BODY = OFF_SLOT + 3
OFF_TIME_COST = OFF_SLOT_BODY + 16
OFF_MEMORY = OFF_SLOT_BODY + 20
OFF_PARALLELISM = OFF_SLOT_BODY + 24
SLOT_LEN = 3 + 88
OFF_CT_LEN = OFF_SLOT + SLOT_LEN + 32
OFF_CIPHERTEXT = OFF_CT_LEN + 4
CHECKSUM_LEN = 32


class SeededRng:
    """SHA-256 in counter mode over (SEED, label): a deterministic `Callable[[int], bytes]`."""

    def __init__(self, label: str) -> None:
        self._key = hashlib.sha256(SEED + b"\x00" + label.encode()).digest()
        self._counter = 0
        self._buffer = b""

    def __call__(self, n: int) -> bytes:
        while len(self._buffer) < n:
            block = self._key + self._counter.to_bytes(8, "big")
            self._buffer += hashlib.sha256(block).digest()
            self._counter += 1
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out


# --- byte surgery -------------------------------------------------------------------------------


def with_checksum(body: bytes) -> bytes:
    """body followed by its SHA-256, as the envelope requires."""
    return body + hashlib.sha256(body).digest()


def patch(data: bytes, offset: int, new: bytes, *, rechecksum: bool) -> bytes:
    """Replace bytes at offset; optionally recompute the trailing checksum."""
    body = data[:-CHECKSUM_LEN]
    body = body[:offset] + new + body[offset + len(new) :]
    return with_checksum(body) if rechecksum else body + data[-CHECKSUM_LEN:]


def flip_bit(data: bytes, offset: int, bit: int = 0) -> bytes:
    out = bytearray(data)
    out[offset] ^= 1 << bit
    return bytes(out)


# --- vault builders -----------------------------------------------------------------------------


Built = tuple[bytes, bytes]
"""A vault file and the canonical payload its writer meant to save."""


def make_empty(work: Path) -> Built:
    vf = VaultFile(work / "empty.rvault", rng=SeededRng("empty"))
    vf.create(PASSPHRASE, CHEAP, allow_weak=True)
    return vf.path.read_bytes(), Vault().to_bytes()


def four_kinds_entries() -> list[Entry]:
    return [
        Entry(
            name="GitHub",
            kind="backup-codes",
            codes=[
                BackupCode("a1b2c-3d4e5"),
                BackupCode("f6g7h-8i9j0"),
                BackupCode("k1l2m-3n4o5"),
                BackupCode("p6q7r-8s9t0"),
                BackupCode("u1v2w-3x4y5"),
            ],
            account="octocat@example.com",
            issuer="GitHub",
            url="https://github.com/settings/security",
            tags=["dev", "work"],
            id="00000000000000000000000000000001",
            created="2024-01-02T03:04:05Z",
            updated="2024-01-02T03:04:05Z",
        ),
        Entry(
            name="Proton Mail",
            kind="recovery-key",
            secret="ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567",
            account="someone@example.org",
            issuer="Proton",
            id="00000000000000000000000000000002",
            created="2024-02-03T04:05:06Z",
            updated="2024-02-03T04:05:06Z",
        ),
        Entry(
            name="Example Bank",
            kind="totp",
            secret="JBSWY3DPEHPK3PXP",
            account="12345678",
            issuer="Example Bank",
            url="https://bank.example.com/login",
            notes="seed shown once at enrolment",
            tags=["money"],
            id="00000000000000000000000000000003",
            created="2024-03-04T05:06:07Z",
            updated="2024-03-04T05:06:07Z",
        ),
        Entry(
            name="Example Cloud",
            kind="totp",
            secret="GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA",
            otp=OtpSettings("SHA256", 8, 60),
            issuer="Example Cloud",
            id="00000000000000000000000000000005",
            created="2024-03-05T05:06:07Z",
            updated="2024-03-05T05:06:07Z",
        ),
        Entry(
            name="Caf\u00e9 notes",
            kind="note",
            secret=(
                "caf\u00e9 \u2615 \u2014 na\u00efve r\u00e9sum\u00e9, "
                "\u65e5\u672c\u8a9e, \U0001f511"
            ),
            notes="non-ASCII text: \u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9",
            tags=["caf\u00e9"],
            id="00000000000000000000000000000004",
            created="2024-04-05T06:07:08Z",
            updated="2024-04-05T06:07:08Z",
        ),
    ]


def make_four_kinds(work: Path) -> Built:
    vf = VaultFile(work / "four-kinds.rvault", rng=SeededRng("four-kinds"))
    vf.create(PASSPHRASE, CHEAP, allow_weak=True)
    with vf.edit(PASSPHRASE) as v:
        for entry in four_kinds_entries():
            v.add(entry)
    with vf.edit(PASSPHRASE) as v:
        v.use_code("github", now="2024-05-06T07:08:09Z")
        v.use_code("GitHub", now="2024-05-07T08:09:10Z")
    intended = v.to_bytes()  # after the save: the store stamps meta.content_generation
    return vf.path.read_bytes(), intended


def make_unicode_passphrase(work: Path) -> Built:
    vf = VaultFile(work / "unicode-passphrase.rvault", rng=SeededRng("unicode-passphrase"))
    vf.create(UNICODE_PASSPHRASE, CHEAP, allow_weak=True)
    return vf.path.read_bytes(), Vault().to_bytes()


def make_policy_floor(work: Path) -> Built:
    vf = VaultFile(work / "policy-floor.rvault", rng=SeededRng("policy-floor"))
    vf.create(PASSPHRASE, FLOOR)  # no allow_weak: exactly the floor is accepted
    with vf.edit(PASSPHRASE) as v:
        v.add(four_kinds_entries()[1])
    intended = v.to_bytes()
    return vf.path.read_bytes(), intended


def make_changed_passphrase(work: Path) -> Built:
    vf = VaultFile(work / "changed-passphrase.rvault", rng=SeededRng("changed-passphrase"))
    vf.create(OLD_PASSPHRASE, CHEAP, allow_weak=True)
    with vf.edit(OLD_PASSPHRASE) as v:
        v.add(four_kinds_entries()[2])
    vf.change_passphrase(OLD_PASSPHRASE, NEW_PASSPHRASE, allow_weak=True)
    # A passphrase change makes earlier kits stale: it is stamped as a change (generation 2).
    v.meta["content_generation"] = 2
    intended = v.to_bytes()
    return vf.path.read_bytes(), intended


def build_raw(
    label: str,
    passphrases: list[str],
    compressed_payload: bytes,
    generation: int = 0,
) -> bytes:
    """A vault sealed around arbitrary compressed bytes, one passphrase slot per passphrase.

    Uses the library's primitives (wrap_passphrase, hkdf, seal, Container) but not its
    payload sealing, so payloads the library would never write can be made.
    """
    rng = SeededRng(label)
    vault_id, master_key = rng(16), rng(32)
    slots = tuple(wrap_passphrase(master_key, p, CHEAP, vault_id, rng) for p in passphrases)
    payload_salt = rng(32)
    draft = Container(
        vault_id, generation, slots, payload_salt, b"\x00" * (len(compressed_payload) + 16)
    )
    key = hkdf(master_key, payload_salt, PAYLOAD_INFO)
    ciphertext = seal(key, PAYLOAD_NONCE, compressed_payload, draft.header_bytes())
    return Container(vault_id, generation, slots, payload_salt, ciphertext).to_bytes()


def version_1_payload() -> bytes:
    """The four kinds as a payload version 1 document (before entries had `otp`)."""
    v = Vault()
    for entry in four_kinds_entries():
        if entry.otp is None or entry.otp.is_default():
            v.add(entry)
    doc = json.loads(v.to_bytes())
    doc["version"] = 1
    for entry in doc["entries"]:
        del entry["otp"]
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def one_entry_payload() -> bytes:
    v = Vault()
    v.add(four_kinds_entries()[3])
    return v.to_bytes()


# --- the vectors ----------------------------------------------------------------------------------


def _success(vector: bytes, payload_of: bytes) -> dict[str, Any]:
    """Manifest facts for a success case whose payload is `payload_of` (canonical JSON)."""
    doc = json.loads(payload_of)
    container = parse(vector)
    return {
        "outcome": "success",
        "generation": container.generation,
        "slots": [
            {
                "time_cost": s.kdf.time_cost,
                "memory_kib": s.kdf.memory_kib,
                "parallelism": s.kdf.parallelism,
            }
            for s in container.slots
        ],
        "entry_names": [e["name"] for e in doc["entries"]],
        "payload_sha256": hashlib.sha256(payload_of).hexdigest(),
        "payload": doc,
    }


def _check_readback(data: bytes, passphrase: str, intended: bytes, work: Path, name: str) -> None:
    """Refuse to write a success vector the library does not read back as intended."""
    path = work / f"readback-{name}"
    path.write_bytes(data)
    got = VaultFile(path).load(passphrase).to_bytes()
    if got != intended:
        raise RuntimeError(f"{name}: the library reads back a different payload than was saved")


def build(work: Path) -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    """All vector files (name -> bytes) and the manifest cases, built under work."""
    files: dict[str, bytes] = {}
    cases: list[dict[str, Any]] = []

    def add(file: str, data: bytes | None, passphrase: str, description: str, **facts: Any) -> None:
        if data is not None and files.setdefault(file, data) != data:
            raise RuntimeError(f"two different vectors named {file}")
        cases.append({"file": file, "passphrase": passphrase, "description": description, **facts})

    def success(file: str, built: Built, passphrase: str, description: str) -> None:
        data, intended = built
        _check_readback(data, passphrase, intended, work, file)
        add(file, data, passphrase, description, **_success(data, intended))

    # --- success --------------------------------------------------------------------------
    empty_built = make_empty(work)
    empty = empty_built[0]
    success("empty.rvault", empty_built, PASSPHRASE, "freshly created empty vault (generation 0)")

    four_built = make_four_kinds(work)
    four = four_built[0]
    success(
        "four-kinds.rvault",
        four_built,
        PASSPHRASE,
        "one entry of each kind: backup-codes with 2 of 5 codes used, recovery-key, two totp "
        "(one SHA256, 8 digits, 60 s) and a note with non-ASCII text; saved twice after "
        "creation (generation 2)",
    )

    uni = make_unicode_passphrase(work)
    nfd = unicodedata.normalize("NFD", UNICODE_PASSPHRASE)
    if nfd == UNICODE_PASSPHRASE:
        raise RuntimeError("the Unicode passphrase must differ between NFC and NFD")
    success(
        "unicode-passphrase.rvault",
        uni,
        nfd,
        "created with a non-ASCII passphrase in NFC; the manifest gives it in NFD, so "
        "opening it proves the passphrase is NFC-normalized before Argon2id",
    )

    floor = make_policy_floor(work)
    success(
        "policy-floor.rvault",
        floor,
        PASSPHRASE,
        "slot at exactly the writer policy floor: Argon2id t=3, 64 MiB, p=4 "
        "(created without allow_weak)",
    )

    changed = make_changed_passphrase(work)
    success(
        "changed-passphrase.rvault",
        changed,
        NEW_PASSPHRASE,
        "after change_passphrase (new master key, one new slot); generation 2",
    )

    note = one_entry_payload()
    two_slots = (
        build_raw("two-slots", [PASSPHRASE, SECOND_SLOT_PASSPHRASE], zlib.compress(note, 9)),
        note,
    )
    success(
        "two-slots.rvault",
        two_slots,
        SECOND_SLOT_PASSPHRASE,
        "two passphrase slots wrapping one master key; this passphrase opens the second "
        "slot only, so readers must try every slot in order",
    )
    success(
        "two-slots.rvault",
        two_slots,
        PASSPHRASE,
        "the same two-slot vault opened through its first slot",
    )

    level1 = (build_raw("zlib-level-1", [PASSPHRASE], zlib.compress(note, 1)), note)
    success(
        "zlib-level-1.rvault",
        level1,
        PASSPHRASE,
        "payload compressed at zlib level 1 instead of 9: readers accept any level",
    )

    old = version_1_payload()
    v1_data = build_raw("payload-v1", [PASSPHRASE], zlib.compress(old, 9))
    read_as = Vault.from_bytes(old).to_bytes()
    _check_readback(v1_data, PASSPHRASE, read_as, work, "payload-v1.rvault")
    add(
        "payload-v1.rvault",
        v1_data,
        PASSPHRASE,
        "payload document version 1 (entries without `otp`), as rvault wrote before TOTP "
        "settings; `read_as` is the version 2 document a current reader holds after reading "
        "it (its totp entry gets SHA1, 6 digits, 30 s)",
        **_success(v1_data, old),
        read_as=json.loads(read_as),
    )

    # --- wrong passphrase -------------------------------------------------------------------
    add(
        "four-kinds.rvault",
        None,
        PASSPHRASE + " ",
        "valid vault, passphrase with a trailing space (no trimming is applied)",
        outcome="wrong_passphrase",
        refused_before_kdf=False,
    )
    add(
        "changed-passphrase.rvault",
        None,
        OLD_PASSPHRASE,
        "valid vault, the passphrase it had before change_passphrase",
        outcome="wrong_passphrase",
        refused_before_kdf=False,
    )
    add(
        "empty.rvault",
        None,
        "Correct horse battery staple",
        "valid vault, passphrase differs in case only",
        outcome="wrong_passphrase",
        refused_before_kdf=False,
    )

    # --- corrupt ------------------------------------------------------------------------------
    def corrupt(file: str, data: bytes, description: str, before_kdf: bool = True) -> None:
        add(
            file,
            data,
            PASSPHRASE,
            description,
            outcome="corrupt",
            refused_before_kdf=before_kdf,
        )

    corrupt(
        "corrupt-bitflip.rvault",
        flip_bit(four, OFF_CIPHERTEXT + 20, 3),
        "one bit flipped in the ciphertext, checksum not recomputed (checksum mismatch)",
    )
    corrupt(
        "corrupt-version-bitflip.rvault",
        flip_bit(four, OFF_VERSION + 1, 1),
        "version field damaged to 3, checksum not recomputed: reported as damage, "
        "not as an unsupported version, because the checksum is checked first",
    )
    corrupt(
        "corrupt-truncated.rvault",
        four[:-100],
        "last 100 bytes missing (checksum mismatch)",
    )
    corrupt(
        "corrupt-truncated-short.rvault",
        four[:100],
        "only the first 100 bytes: under the 121-byte minimum",
    )
    corrupt(
        "corrupt-appended.rvault",
        four + b"\x00rvault",
        "7 bytes appended after the checksum",
    )
    corrupt(
        "corrupt-appended-rechecksummed.rvault",
        with_checksum(four[:-CHECKSUM_LEN] + b"\x00rvault"),
        "7 bytes appended to the ciphertext with the checksum recomputed: the file is "
        "longer than header + ciphertext_len + 32",
    )
    corrupt(
        "corrupt-magic.rvault",
        patch(four, 0, b"\x89RVAULX\n", rechecksum=True),
        "bad magic (checksum recomputed)",
    )
    corrupt(
        "corrupt-slot-count-zero.rvault",
        patch(empty, OFF_SLOT_COUNT, b"\x00", rechecksum=True),
        "slot_count 0 (checksum recomputed)",
    )
    corrupt(
        "corrupt-slot-body-len.rvault",
        patch(empty, OFF_SLOT + 1, struct.pack(">H", 87), rechecksum=True),
        "passphrase slot body_len 87 instead of 88 (checksum recomputed)",
    )
    ct_len = struct.unpack_from(">I", empty, OFF_CT_LEN)[0]
    corrupt(
        "corrupt-ciphertext-len.rvault",
        patch(empty, OFF_CT_LEN, struct.pack(">I", ct_len - 1), rechecksum=True),
        "ciphertext_len one less than the ciphertext present (checksum recomputed)",
    )
    corrupt(
        "corrupt-payload-not-json.rvault",
        build_raw("payload-not-json", [PASSPHRASE], zlib.compress(b"not json {", 9)),
        "authentic payload that is a valid zlib stream but not JSON",
        before_kdf=False,
    )
    add(
        "unsupported-payload-version.rvault",
        build_raw(
            "payload-not-document",
            [PASSPHRASE],
            zlib.compress(b'{"entries":[],"meta":{},"version":3}', 9),
        ),
        PASSPHRASE,
        "authentic payload: JSON, but the document version is 3 (a newer rvault)",
        outcome="unsupported",
        refused_before_kdf=False,
    )
    good_stream = zlib.compress(one_entry_payload(), 9)
    corrupt(
        "corrupt-zlib-trailing.rvault",
        build_raw("zlib-trailing", [PASSPHRASE], good_stream + b"\x00"),
        "authentic payload: a complete zlib stream followed by one extra byte",
        before_kdf=False,
    )
    corrupt(
        "corrupt-zlib-truncated.rvault",
        build_raw("zlib-truncated", [PASSPHRASE], good_stream[:-4]),
        "authentic payload: a zlib stream missing its Adler-32 trailer",
        before_kdf=False,
    )

    # --- unsupported ----------------------------------------------------------------------------
    def unsupported(file: str, data: bytes, description: str) -> None:
        add(file, data, PASSPHRASE, description, outcome="unsupported", refused_before_kdf=True)

    unsupported(
        "unsupported-version-2.rvault",
        patch(four, OFF_VERSION, struct.pack(">H", 2), rechecksum=True),
        "version 2 with a valid checksum",
    )
    unsupported(
        "unsupported-flags.rvault",
        patch(four, OFF_FLAGS, struct.pack(">H", 1), rechecksum=True),
        "flags = 1 with a valid checksum",
    )
    unsupported(
        "unsupported-slot-type-3.rvault",
        patch(four, OFF_SLOT, b"\x03", rechecksum=True),
        "slot type 3 (unknown) with a valid checksum",
    )

    # --- limit exceeded -------------------------------------------------------------------------
    def limit(file: str, data: bytes, description: str, before_kdf: bool = True) -> None:
        add(
            file,
            data,
            PASSPHRASE,
            description,
            outcome="limit_exceeded",
            refused_before_kdf=before_kdf,
        )

    limit(
        "limit-memory-8gib.rvault",
        patch(four, OFF_MEMORY, struct.pack(">I", 8 * 1024 * 1024), rechecksum=True),
        "slot asks for 8 GiB of Argon2 memory (valid checksum): refused before Argon2 runs",
    )
    limit(
        "limit-work.rvault",
        patch(four, OFF_TIME_COST, struct.pack(">II", 17, 4 * 1024 * 1024), rechecksum=True),
        "slot asks for t=17 over 4 GiB: each within its cap, m*t over 64 GiB-passes",
    )
    limit(
        "limit-parallelism-17.rvault",
        patch(four, OFF_PARALLELISM, struct.pack(">I", 17), rechecksum=True),
        "slot asks for 17 Argon2 lanes (cap 16)",
    )
    limit(
        "limit-slot-count-9.rvault",
        patch(four, OFF_SLOT_COUNT, b"\x09", rechecksum=True),
        "slot_count 9 (cap 8), valid checksum",
    )
    body = empty[:-CHECKSUM_LEN]
    slot = body[OFF_SLOT : OFF_SLOT + SLOT_LEN]
    forged_slot = slot[:23] + struct.pack(">I", 8 * 1024 * 1024) + slot[27:]
    limit(
        "limit-second-slot.rvault",
        with_checksum(
            body[:OFF_SLOT_COUNT] + b"\x02" + slot + forged_slot + body[OFF_SLOT + SLOT_LEN :]
        ),
        "first slot valid for the passphrase, second slot asks for 8 GiB: every slot's "
        "caps are checked at parse time, before the first derivation",
    )
    limit(
        "limit-zlib-bomb.rvault",
        build_raw("zlib-bomb", [PASSPHRASE], zlib.compress(b"\x00" * (64 * 1024 * 1024 + 1), 9)),
        "authentic payload that decompresses to 64 MiB + 1 byte",
        before_kdf=False,
    )

    # --- tampered (authentication fails: reported as a wrong passphrase) --------------------------
    def tampered(file: str, data: bytes, description: str) -> None:
        add(
            file,
            data,
            PASSPHRASE,
            description,
            outcome="wrong_passphrase",
            tampered=True,
            refused_before_kdf=False,
        )

    tampered(
        "tampered-ciphertext.rvault",
        with_checksum(flip_bit(four[:-CHECKSUM_LEN], OFF_CIPHERTEXT + 20, 3)),
        "ciphertext bit flipped, checksum recomputed: the payload tag fails",
    )
    tampered(
        "tampered-generation.rvault",
        patch(four, OFF_GENERATION, struct.pack(">Q", 1), rechecksum=True),
        "generation rolled back from 2 to 1, checksum recomputed: the header is the "
        "payload's associated data",
    )
    tampered(
        "tampered-time-cost.rvault",
        patch(four, OFF_TIME_COST, struct.pack(">I", 1), rechecksum=True),
        "slot time_cost lowered from 2 to 1, checksum recomputed: the slot's associated "
        "data binds its cost parameters",
    )
    tampered(
        "tampered-vault-id.rvault",
        patch(four, OFF_VAULT_ID, b"\xff" * 16, rechecksum=True),
        "vault_id replaced, checksum recomputed: the slot no longer unwraps (a slot moved "
        "into another vault)",
    )
    return files, cases


def zlib_fingerprint() -> str:
    """SHA-256 of a level-9 compression, to tell whether this zlib reproduces the vectors.

    The sample is a constant (not built from the library) so a change in the library's output
    can never make the regeneration test skip: only a different zlib can.
    """
    sample = b"".join(
        b'{"code":"%05d-%05d","used":false,"used_at":null},'
        % (i * 7919 % 99991, i * 104729 % 99991)
        for i in range(200)
    )
    return hashlib.sha256(zlib.compress(sample, 9)).hexdigest()


def generate(out_dir: str | Path, work_dir: str | Path | None = None) -> list[Path]:
    """Write every vector and vectors.json into out_dir; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rvault-vectors-", dir=work_dir) as tmp:
        files, cases = build(Path(tmp))
    written = []
    for name, data in sorted(files.items()):
        path = out / name
        path.write_bytes(data)
        written.append(path)
    manifest = {
        "format": "rvault v1 test vectors; see README.md",
        "seed": SEED.decode(),
        "zlib_fingerprint": zlib_fingerprint(),
        "outcomes": ["success", "wrong_passphrase", "corrupt", "unsupported", "limit_exceeded"],
        "cases": cases,
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=True) + "\n"
    path = out / MANIFEST
    path.write_bytes(text.encode("ascii"))
    written.append(path)
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    for path in generate(out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
