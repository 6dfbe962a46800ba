"""Merge two copies of one vault: a pure function of the two contents, and what it did.

There is no common ancestor on disk, but each copy's history (meta["log"]) is append-only:
the events both copies hold are their shared past, and the events only one holds are what
that copy did since they parted. Those say which fields each side changed, which entries
it removed, and when. Where the history says nothing (it is capped), the newer time wins.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from vault.codes import normalize_code
from vault.entry import STAMP, BackupCode, Entry, name_key
from vault.model import LOG_CAP, Vault

# What one side can change of an entry; "codes" is the set of codes (use is merged apart).
FIELDS = ("name", "account", "issuer", "url", "notes", "tags", "secret", "otp", "codes")
_ALL = "*"  # an event that changed fields it does not name (older rvault)
Side = Literal["here", "there"]


@dataclass
class Conflict:
    """One entry changed on both sides: for each such field, whose (newer) change was kept."""

    entry: str
    kept: dict[str, Side]

    @property
    def fields(self) -> list[str]:
        """The fields changed on both sides."""
        return list(self.kept)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (names of fields only, never values)."""
        return {"entry": self.entry, "fields": self.fields, "kept": self.kept}


@dataclass
class MergeReport:
    """What merging another copy in changes here; names and counts, never a secret."""

    other: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # removed there, so removed here too
    kept: list[str] = field(default_factory=list)  # removed there, changed here since: kept
    codes_used: dict[str, int] = field(default_factory=dict)
    new_codes: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)  # changed there only
    conflicts: list[Conflict] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # two entries, one name
    notes: list[str] = field(default_factory=list)  # key slots and such, not merged
    imported: bool = False
    changed: bool = False  # whether the entries here change
    saved: bool = False

    def summary(self) -> str:
        """One line: 'from OTHER: 2 entries added, 3 codes marked used, ...'."""
        used = sum(self.codes_used.values())
        parts = [
            _count(len(self.added), "entry", "added"),
            _count(used, "code", "marked used"),
            _count(len(self.new_codes), "entry", f"with new codes ({', '.join(self.new_codes)})"),
            _count(len(self.updated), "entry", f"changed there ({_fields(self.updated)})"),
            _count(
                len(self.conflicts),
                "entry",
                "changed on both sides ("
                + "; ".join(f"{c.entry}: {', '.join(c.fields)}" for c in self.conflicts)
                + ", newer kept)",
            ),
            _count(len(self.removed), "entry", "removed there"),
            _count(len(self.kept), "entry", "kept (removed there, changed here since)"),
            _count(len(self.renamed), "entry", "renamed (two entries had one name)"),
        ]
        said = ", ".join(p for p in parts if p)
        return f"from {self.other}: {said or 'nothing new'}"

    def details(self) -> list[str]:
        """Lines under the summary: which entries, what to check by hand, what was not merged."""
        named = (
            ("Added", self.added),
            ("Removed, as it was removed there", self.removed),
            ("Kept, as it was changed here after it was removed there", self.kept),
        )
        out = [f"{what}: {', '.join(names)}" for what, names in named if names]
        for c in self.conflicts:
            kept = ", ".join(
                f"{name} (this vault's)" if side == "here" else f"{name} (from there)"
                for name, side in c.kept.items()
            )
            out.append(
                f"{c.entry}: changed on both copies; the newer change is kept: {kept}. "
                f"The other value is still in {self.other}: check before deleting it"
            )
        out += [f"{old} is now named {new}" for old, new in self.renamed]
        return out + self.notes

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the documented `merge --json` shape)."""
        return {
            "other": self.other,
            "added": self.added,
            "removed": self.removed,
            "kept": self.kept,
            "codes_used": self.codes_used,
            "new_codes": self.new_codes,
            "updated": self.updated,
            "conflicts": [c.to_json() for c in self.conflicts],
            "renamed": [{"from": a, "to": b} for a, b in self.renamed],
            "notes": self.notes,
            "imported": self.imported,
            "changed": self.changed,
            "saved": self.saved,
        }


def _count(n: int, noun: str, what: str) -> str:
    if not n:
        return ""
    plural = noun if n == 1 else ("entries" if noun == "entry" else noun + "s")
    return f"{n} {plural} {what}"


def _fields(by_entry: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}: {', '.join(fs)}" for name, fs in by_entry.items())


class _History:
    """What one copy did since the two parted, read from the events only it holds."""

    def __init__(self, own: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
        self.changed: dict[tuple[str, str], str] = {}  # (entry id, field) -> latest time
        self.touched: dict[str, str] = {}  # entry id -> latest event of any kind
        self.removed: dict[str, str] = {}
        shared = Counter(_key(e) for e in theirs)
        # A full history on the other side has dropped its oldest events: an event older
        # than all it still holds may be shared past that fell off there, so it proves nothing.
        horizon = min((e["at"] for e in theirs), default="") if len(theirs) >= LOG_CAP else ""
        for event in own:
            key = _key(event)
            if shared[key] > 0:
                shared[key] -= 1
                continue
            at, entry = event["at"], str(event.get("entry"))
            if at < horizon:
                continue
            self.touched[entry] = max(at, self.touched.get(entry, at))
            kind = event.get("event")
            if kind == "removed":
                self.removed[entry] = max(at, self.removed.get(entry, at))
            names = event.get("fields")
            touched = {
                "renamed": ["name"],
                "created": [_ALL],
                "changed": names if isinstance(names, list) and names else [_ALL],
            }.get(str(kind), [])
            for name in touched:
                slot = (entry, str(name))
                self.changed[slot] = max(at, self.changed.get(slot, at))

    def when(self, entry: str, name: str) -> str | None:
        """When this side last changed the field since the copies parted (None: not at all)."""
        times = [self.changed.get((entry, name)), self.changed.get((entry, _ALL))]
        return max((t for t in times if t), default=None)


def events(vault: Vault) -> list[dict[str, Any]]:
    """The vault's well-formed history events, oldest first."""
    raw = vault.meta.get("log")
    return [
        e
        for e in (raw if isinstance(raw, list) else [])
        if isinstance(e, dict) and isinstance(e.get("at"), str) and STAMP.fullmatch(e["at"])
    ]


def _key(event: dict[str, Any]) -> str:
    return json.dumps(event, sort_keys=True)


def _value(entry: Entry, name: str) -> Any:
    """A field's value in comparable form (the set of codes, normalised)."""
    if name == "codes":
        return sorted(normalize_code(c.code) for c in entry.codes)
    if name == "otp":
        return entry.otp.to_json() if entry.otp else None
    if name == "name":
        return entry.name
    return getattr(entry, name)


def _order(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def merge_vaults(here: Vault, there: Vault, other: str, now: str) -> tuple[Vault, MergeReport]:
    """here with there merged in (a new Vault; neither is changed), and the report."""
    ours, theirs = events(here), events(there)
    h, t = _History(ours, theirs), _History(theirs, ours)
    report = MergeReport(other)
    there_ids = {e.id: e for e in there.entries}
    here_ids = {e.id for e in here.entries}
    merged: list[Entry] = []
    for mine in here.entries:
        twin = there_ids.get(mine.id)
        if twin is not None:
            merged.append(_merge_entry(mine, twin, h, t, report))
        elif mine.id in t.removed and h.touched.get(mine.id, "") <= t.removed[mine.id]:
            report.removed.append(mine.name)
        else:
            if mine.id in t.removed:
                report.kept.append(mine.name)
            merged.append(_clone(mine))
    new = [e for e in there.entries if e.id not in here_ids]
    for theirs_only in sorted(new, key=lambda e: (e.created, e.id)):
        removed_here = h.removed.get(theirs_only.id)
        if removed_here is not None and t.touched.get(theirs_only.id, "") <= removed_here:
            continue
        merged.append(_clone(theirs_only))
        report.added.append(theirs_only.name)
    out = Vault(merged, copy.deepcopy(here.meta), keep_log=True)
    _rename_clashes(out, report, now)
    _merge_log(out, here, there)
    report.changed = out.entries_json() != here.entries_json()
    return out, report


def _merge_entry(mine: Entry, twin: Entry, h: _History, t: _History, report: MergeReport) -> Entry:
    """One entry both copies hold: each field from the side that changed it, else newer."""
    if mine.to_json() == twin.to_json():  # most entries: nothing to decide
        return _clone(mine)
    out = _clone(mine)
    if mine.kind != twin.kind:  # never written by rvault: keep one whole entry, say so
        winner = _newer(mine, twin, mine.updated, twin.updated, "kind")
        if winner is twin:
            out = _clone(twin)
        report.conflicts.append(Conflict(out.name, {"kind": _side(winner is mine)}))
        return out
    both: dict[str, Side] = {}
    taken = []
    for name in FIELDS:
        a, b = _value(mine, name), _value(twin, name)
        if a == b:
            continue
        when_h, when_t = h.when(mine.id, name), t.when(mine.id, name)
        if when_h and not when_t:
            winner = mine
        elif when_t and not when_h:
            winner = twin
        else:  # both changed it, or the history does not say: the newer change
            winner = _newer(mine, twin, when_h or mine.updated, when_t or twin.updated, name)
            both[name] = _side(winner is mine)
        if winner is twin:
            taken.append(name)
            _take(out, twin, name)
    if both:
        report.conflicts.append(Conflict(out.name, both))
    plain = [n for n in taken if n not in both and n != "codes"]
    if plain:
        report.updated[out.name] = plain
    if "codes" in taken:
        report.new_codes.append(out.name)
    _merge_codes(out, twin if "codes" not in taken else mine)
    unused = {normalize_code(c.code) for c in mine.codes if not c.used}
    used = sum(c.used and normalize_code(c.code) in unused for c in out.codes)
    if used:
        report.codes_used[out.name] = used
    out.created = min(mine.created, twin.created)
    out.updated = max(mine.updated, twin.updated)
    return out


def _clone(entry: Entry) -> Entry:
    """A copy sharing nothing mutable with entry (TOTP settings are frozen)."""
    codes = [BackupCode(c.code, c.used, c.used_at) for c in entry.codes]
    return dataclasses.replace(entry, codes=codes, tags=list(entry.tags))


def _side(mine: bool) -> Side:
    return "here" if mine else "there"


def _newer(a: Entry, b: Entry, when_a: str, when_b: str, name: str) -> Entry:
    """The entry whose change is newer; a tie goes by value, so both merge orders agree."""
    return a if (when_a, _order(_value(a, name))) >= (when_b, _order(_value(b, name))) else b


def _take(out: Entry, twin: Entry, name: str) -> None:
    if name == "codes":
        out.codes = _clone(twin).codes
    else:
        setattr(out, name, copy.deepcopy(getattr(twin, name)))


def _merge_codes(out: Entry, other: Entry) -> None:
    """A code used on either side is used, the earlier time kept (never silently un-used)."""
    spent = {normalize_code(c.code): c.used_at for c in other.codes if c.used and c.used_at}
    for code in out.codes:
        when = spent.get(normalize_code(code.code))
        if when is not None:
            code.used, code.used_at = True, min(filter(None, (code.used_at, when)))


def _rename_clashes(vault: Vault, report: MergeReport, now: str) -> None:
    """Two entries with one name (added on each side): the older keeps it."""
    taken = {name_key(e.name) for e in vault.entries}
    groups: dict[str, list[Entry]] = {}
    for e in vault.entries:
        groups.setdefault(name_key(e.name), []).append(e)
    for group in groups.values():
        for later in sorted(group, key=lambda e: (e.created, e.id))[1:]:
            n = 2
            while name_key(_numbered(later.name, n)) in taken:
                n += 1
            old, later.name = later.name, _numbered(later.name, n)
            taken.add(name_key(later.name))
            vault.record(later, "renamed", now)
            report.renamed.append((old, later.name))


def _numbered(name: str, n: int) -> str:
    suffix = f" ({n})"
    return name[: 100 - len(suffix)] + suffix


def _merge_log(out: Vault, here: Vault, there: Vault) -> None:
    """History: here's events plus those only there holds, in time order, capped."""
    log = out.meta.get("log")
    log = log if isinstance(log, list) else []
    mine = Counter(_key(e) for e in events(here))
    extra = []
    for event in events(there):
        key = _key(event)
        if mine[key] > 0:
            mine[key] -= 1
        else:
            extra.append(copy.deepcopy(event))
    if extra:
        # Python's sort is stable: events of one second keep the order each copy had.
        log = sorted(log + extra, key=lambda e: str(e.get("at", "")) if isinstance(e, dict) else "")
        out.meta["log"] = log[-LOG_CAP:]
    reviewed = out.meta.get("reviewed")
    theirs = there.meta.get("reviewed")
    if isinstance(theirs, dict):
        reviewed = reviewed if isinstance(reviewed, dict) else {}
        ids = {e.id for e in out.entries}
        for entry, at in theirs.items():
            if entry in ids and isinstance(at, str) and STAMP.fullmatch(at):
                reviewed[entry] = max(at, str(reviewed.get(entry, at)))
        if reviewed:
            out.meta["reviewed"] = reviewed


def import_entries(here: Vault, there: Vault, other: str) -> tuple[Vault, MergeReport]:
    """--import: another vault's entries copied in (clashing names numbered), a report."""
    out = Vault([_clone(e) for e in here.entries], copy.deepcopy(here.meta), keep_log=True)
    report = MergeReport(other, imported=True)
    ids = {e.id for e in out.entries}
    for entry in there.entries:
        if entry.id in ids:  # imported before
            continue
        new = _clone(entry)
        n = 2
        while out.has(new.name):
            new.name = _numbered(entry.name, n)
            n += 1
        if new.name != entry.name:
            report.renamed.append((entry.name, new.name))
        out.add(new)
        report.added.append(new.name)
    report.changed = bool(report.added)
    return out, report
