"""Entries and their JSON payload: the decrypted contents of a vault, with no I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from vault.entry import (
    PAYLOAD_VERSION,
    READABLE_VERSIONS,
    STAMP,
    TEXT_FIELDS,
    BackupCode,
    Entry,
    UsedCode,
    check_name,
    check_text,
    name_key,
    require_text,
    utc_now,
)
from vault.errors import (
    AlreadyExists,
    CorruptVault,
    EntryNotFound,
    InvalidData,
    NothingLeft,
    Unsupported,
)
from vault.otp.totp import OtpSettings

# The history lives in meta (readers ignore unknown meta keys), capped so it cannot grow
# the vault without bound: it rides along in every paper kit, and 200 events compress to a
# few KB (a fraction of a codes sheet).
LOG_CAP = 200
LOG_EVENTS = ("created", "changed", "renamed", "removed", "code-used", "code-unused", "reviewed")
KitStatus = Literal["none", "current", "stale"]


@dataclass
class Vault:
    """The decrypted contents of a vault: entries plus vault-level metadata."""

    entries: list[Entry] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    # History is bookkeeping of the stored vault: VaultFile.edit turns it on, so a bare
    # Vault (built in memory, converted, compared) keeps exactly the meta it was given.
    keep_log: bool = field(default=False, compare=False, repr=False)

    def get(self, name: str) -> Entry:
        """The entry with this name (case-insensitive)."""
        key = name_key(name)
        for e in self.entries:
            if name_key(e.name) == key:
                return e
        raise EntryNotFound(f"no entry named {name!r}")

    def has(self, name: str) -> bool:
        """Whether an entry with this name exists (case-insensitive)."""
        key = name_key(name)
        return any(name_key(e.name) == key for e in self.entries)

    def add(self, entry: Entry) -> Entry:
        """Add a new entry; names are unique ignoring case."""
        if self.has(entry.name):
            raise AlreadyExists(
                f"an entry named {entry.name!r} already exists",
                hint="choose another name, or change it with 'rvault edit'",
            )
        if entry.kind == "backup-codes":
            entry.codes = _dedupe(entry.codes)
            if not entry.codes:
                raise InvalidData("a backup-codes entry needs at least one code")
        elif not entry.secret:
            raise InvalidData(f"a {entry.kind} entry needs a secret value")
        check_text(entry)
        self.entries.append(entry)
        self.record(entry, "created", entry.created)
        return entry

    def remove(self, name: str, now: str | None = None) -> Entry:
        """Remove and return the named entry."""
        entry = self.get(name)
        self.entries.remove(entry)
        self.record(entry, "removed", now or utc_now())
        return entry

    def rename(self, name: str, new_name: str, now: str | None = None) -> Entry:
        """Give an entry a new unique name."""
        entry = self.get(name)
        new_name = check_name(new_name)
        if name_key(new_name) != name_key(entry.name) and self.has(new_name):
            raise AlreadyExists(f"an entry named {new_name!r} already exists")
        renamed = new_name != entry.name
        entry.name = new_name
        entry.updated = now or utc_now()
        if renamed:
            self.record(entry, "renamed", entry.updated)
        return entry

    def update(
        self,
        name: str,
        *,
        new_name: str | None = None,
        fields: dict[str, str | None] | None = None,
        add_tags: tuple[str, ...] = (),
        remove_tags: tuple[str, ...] = (),
        secret: str | None = None,
        add_codes: list[str] | None = None,
        replace_codes: bool = False,
        otp: OtpSettings | None = None,
        otp_changes: tuple[str | None, str | None, int | None] = (None, None, None),
        now: str | None = None,
    ) -> Entry:
        """Change an entry's metadata, secret, TOTP settings or codes; empty text clears a field.

        secret is the text as pasted or typed: for a totp entry a bare base32 seed or an
        otpauth:// link (whose settings then apply). otp_changes (algorithm, digits, period)
        adjust a totp entry's settings one by one, as command-line options do.
        """
        entry = self.get(name)
        if entry.kind == "totp" and (secret is not None or any(v is not None for v in otp_changes)):
            secret, otp = _totp_change(entry, secret, otp, otp_changes)
        elif any(v is not None for v in otp_changes):
            raise InvalidData(f"{entry.name!r} is a {entry.kind} entry, not totp")
        elif secret is not None:
            secret = secret.strip("\n")
        require_text([*(fields or {}).items(), *(("tag", t) for t in add_tags)])
        require_text([("secret", secret)] + [("secret", c) for c in add_codes or []])
        stamp = now or utc_now()
        before = _content(entry.to_json())
        if new_name is not None:
            self.rename(entry.name, new_name, stamp)
        for key, value in (fields or {}).items():
            if key not in TEXT_FIELDS:
                raise ValueError(f"not an editable field: {key}")
            if value is not None:
                setattr(entry, key, value.strip() or None)
        tags = list(dict.fromkeys([*entry.tags, *add_tags]))
        entry.tags = [t for t in tags if t not in remove_tags]
        if secret is not None:
            if entry.kind == "backup-codes":
                raise InvalidData("backup-codes entries take new codes, not a secret")
            if not secret:
                raise InvalidData("the new secret is empty")
            entry.secret = secret
        if otp is not None:
            if entry.kind != "totp":
                raise InvalidData(f"{entry.name!r} is a {entry.kind} entry, not totp")
            entry.otp = otp
        if add_codes:
            if entry.kind != "backup-codes":
                raise InvalidData(f"{entry.name!r} is a {entry.kind} entry, not backup codes")
            # A service that issues new codes usually revokes the old set: replace by default.
            kept = [] if replace_codes else entry.codes
            entry.codes = _dedupe(kept + [BackupCode(c) for c in add_codes])
        entry.updated = stamp
        after = _content(entry.to_json())
        if after != before:
            # Which fields changed (never their values): `rvault merge` needs it to tell a
            # field changed on one copy from one changed on both.
            changed = sorted(k for k in after if after[k] != before.get(k))
            self.record(entry, "changed", stamp, changed)
        return entry

    def use_code(self, name: str, now: str | None = None) -> UsedCode:
        """Mark the next unused backup code of an entry used and return it."""
        entry = self.get(name)
        if entry.kind != "backup-codes":
            raise InvalidData(f"{entry.name!r} is a {entry.kind} entry, not backup codes")
        for code in entry.codes:
            if not code.used:
                code.used, code.used_at = True, now or utc_now()
                entry.updated = code.used_at
                self.record(entry, "code-used", code.used_at)
                return UsedCode(entry.name, code.code, entry.remaining(), len(entry.codes))
        raise NothingLeft(f"{entry.name!r} has no unused backup codes left")

    def set_used(self, name: str, number: int, used: bool, now: str | None = None) -> Entry:
        """Mark backup code number `number` (1-based, as `show` lists them) used or unused."""
        entry = self.get(name)
        if not 1 <= number <= len(entry.codes):
            raise InvalidData(f"{entry.name!r} has no code number {number}")
        code = entry.codes[number - 1]
        stamp = now or utc_now()
        if code.used != used:
            self.record(entry, "code-used" if used else "code-unused", stamp)
        code.used, code.used_at = used, (stamp if used else None)
        entry.updated = stamp
        return entry

    def entries_json(self) -> list[dict[str, Any]]:
        """The entries as the payload holds them: compare two to see whether any changed."""
        return [e.to_json() for e in self.entries]

    def latest_time(self) -> str | None:
        """The newest timestamp the vault records (a clock set earlier than it is wrong)."""
        times = [t for e in self.entries for t in (e.created, e.updated)]
        times += [c.used_at for e in self.entries for c in e.codes if c.used_at]
        raw = self.meta.get("log")
        times += [
            str(e.get("at"))
            for e in (raw if isinstance(raw, list) else [])
            if isinstance(e, dict) and STAMP.fullmatch(str(e.get("at")))
        ]
        return max(times, default=None)

    def review(self, name: str, now: str | None = None) -> Entry:
        """Mark an entry reviewed (meta only: the entries and a printed kit stay as they are)."""
        entry = self.get(name)
        stamp = now or utc_now()
        reviewed = self.meta.get("reviewed")
        if not isinstance(reviewed, dict):
            reviewed = self.meta["reviewed"] = {}
        reviewed[entry.id] = stamp
        self.record(entry, "reviewed", stamp)
        return entry

    def reviewed_at(self, entry: Entry) -> str | None:
        """When the entry was last marked reviewed, if ever."""
        reviewed = self.meta.get("reviewed")
        value = reviewed.get(entry.id) if isinstance(reviewed, dict) else None
        return value if isinstance(value, str) else None

    def record(self, entry: Entry, event: str, at: str, fields: list[str] | None = None) -> None:
        """Append a history event (never a secret value) to meta["log"] when keep_log."""
        if event not in LOG_EVENTS:
            raise ValueError(f"unknown log event {event!r}")
        if not self.keep_log:
            return
        log = self.meta.get("log")
        if not isinstance(log, list):
            log = self.meta["log"] = []
        item = {"at": at, "entry": entry.id, "name": entry.name, "event": event}
        log.append({**item, "fields": fields} if fields else item)
        del log[:-LOG_CAP]

    def log(self, name: str | None = None) -> list[dict[str, str]]:
        """History events, oldest first; with a name, those of that entry (or removed ones)."""
        raw = self.meta.get("log")
        events = [
            {k: str(e.get(k, "")) for k in ("at", "entry", "name", "event")}
            # Which fields a change touched (names only), as "notes, url": "" when unknown.
            | {
                "fields": ", ".join(map(str, e["fields"]))
                if isinstance(e.get("fields"), list)
                else ""
            }
            for e in (raw if isinstance(raw, list) else [])
            if isinstance(e, dict)
        ]
        if name is None:
            return events
        ids = {e.id for e in self.entries if name_key(e.name) == name_key(name)}
        # A removed entry is found by any name it had; a live one by its id (across renames).
        ids |= {e["entry"] for e in events if name_key(e["name"]) == name_key(name)}
        return [e for e in events if e["entry"] in ids]

    def kit_record(self) -> dict[str, Any] | None:
        """The kit this vault last recorded as printed (id, generation, printed, n, k)."""
        kit = self.meta.get("kit")
        return kit if isinstance(kit, dict) else None

    def record_kit(self, record: dict[str, Any] | None) -> None:
        """Record the kit about to be printed; None (or an earlier record) puts back the old."""
        if record is None:
            self.meta.pop("kit", None)
        else:
            self.meta["kit"] = record

    @property
    def content_generation(self) -> int:
        """The generation of the last save that a kit printed before it cannot restore."""
        return int(self.meta.get("content_generation", 0))

    def mark_content_changed(self, generation: int) -> None:
        """An entry changes in the save of this generation: earlier kits are out of date."""
        self.meta["content_generation"] = generation

    def mark_slots_changed(self, generation: int) -> None:
        """The ways in change at this generation: a kit printed before opens only the old way."""
        self.meta["content_generation"] = generation

    def kit_status(self) -> KitStatus:
        """'none', 'current' or 'stale': whether the last verified kit holds today's entries."""
        kit = self.kit_record()
        if kit is None:
            return "none"
        return "current" if kit.get("generation", -1) >= self.content_generation else "stale"

    def to_bytes(self, entries: list[dict[str, Any]] | None = None) -> bytes:
        """Canonical JSON payload (sorted keys, no spaces, UTF-8); entries: entries_json()."""
        doc = {
            "version": PAYLOAD_VERSION,
            "entries": self.entries_json() if entries is None else entries,
            "meta": self.meta,
        }
        return _dumps(doc)

    @classmethod
    def from_bytes(cls, data: bytes) -> Vault:
        """Parse a decrypted payload, which must be exactly what to_bytes would write."""
        try:
            doc = json.loads(data.decode("utf-8"), parse_constant=_no_constants)
        except (UnicodeDecodeError, ValueError, RecursionError):
            # RecursionError: thousands of nested brackets, which no vault has.
            raise CorruptVault("vault payload is not valid JSON") from None
        if not isinstance(doc, dict) or set(doc) != {"version", "entries", "meta"}:
            raise CorruptVault("vault payload has an unknown layout")
        version = doc["version"]
        if type(version) is not int or version not in READABLE_VERSIONS:
            raise Unsupported(f"vault payload version {version!r} is not supported")
        entries, meta = doc["entries"], doc["meta"]
        if not isinstance(entries, list) or not isinstance(meta, dict):
            raise CorruptVault("vault payload has an unknown layout")
        vault = cls([Entry.from_json(e, version) for e in entries], meta)
        if len({name_key(e.name) for e in vault.entries}) != len(vault.entries):
            raise CorruptVault("vault payload has two entries with the same name")
        # Canonical form: anything a reader would silently change (stripped names, dropped
        # keys, duplicate keys, escapes) is refused instead of being rewritten on next save.
        # Re-dumping the parsed document is enough: the key sets are checked exactly above.
        try:
            canonical = _dumps(doc)
        except UnicodeEncodeError:  # a lone surrogate ("\\ud800"): never written, never text
            raise CorruptVault("vault payload is not in canonical form") from None
        if canonical != data:
            raise CorruptVault("vault payload is not in canonical form")
        return vault


def _totp_change(
    entry: Entry,
    text: str | None,
    otp: OtpSettings | None,
    changes: tuple[str | None, str | None, int | None],
) -> tuple[str | None, OtpSettings | None]:
    """A totp entry's new seed and settings from pasted text and option-like changes."""
    from vault.otp.links import parse_input

    secret, base = None, otp or entry.otp or OtpSettings()
    if text is not None:
        found = parse_input(text)
        secret = found.secret
        if text.strip().lower().startswith("otpauth"):
            base = found.settings  # a link brings its own settings
    return secret, base.with_changes(*changes)


def _content(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry's JSON without what renames and code use change (those have own events)."""
    out = {k: v for k, v in entry.items() if k not in ("name", "updated")}
    out["codes"] = sorted(c["code"] for c in entry["codes"])
    return out


def _dumps(doc: Any) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a vault payload")


def _dedupe(codes: list[BackupCode]) -> list[BackupCode]:
    """Drop repeated codes (comparing case- and separator-insensitively), keeping the first."""
    from vault.codes import normalize_code

    seen: set[str] = set()
    out = []
    for c in codes:
        key = normalize_code(c.code)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
