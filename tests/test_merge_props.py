"""Property tests of `rvault merge`: random histories on two copies of one ancestor.

Each copy gets a random run of what people do (add, edit a field, rename, remove, use a code,
un-use one, paste a new set of codes), at interleaved times. The test keeps its own record
of what each side did, independent of the vault's history log, and checks the merge both
ways against it: no used code becomes unused, no entry is lost unless the other side removed
it after the last change here, a field only one side changed comes from that side, merging
is idempotent, and A into B equals B into A in entries and codes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault.codes import normalize_code
from vault.entry import STAMP_FORMAT, BackupCode, Entry
from vault.errors import VaultError
from vault.merge import events, merge_vaults
from vault.model import Vault

PROPS = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
NAMES = ["GitHub", "Mail", "Bank", "Cloud", "github", "Work"]
FIELD_OPS = ("notes", "url", "account", "secret", "tags", "otp")


def stamp(t: int) -> str:
    return (START + timedelta(seconds=t)).strftime(STAMP_FORMAT)


@dataclass
class Did:
    """What the test saw one side do, by entry id (times are the ops' own)."""

    fields: dict[str, set[str]] = field(default_factory=dict)  # id -> fields changed
    touched: dict[str, int] = field(default_factory=dict)  # id -> last effective op
    removed: dict[str, int] = field(default_factory=dict)


op = st.tuples(
    st.sampled_from(["add", "edit", "rename", "remove", "use", "unuse", "newcodes"]),
    st.integers(0, 5),  # which entry (modulo how many there are) or which name
    st.sampled_from(FIELD_OPS),
    st.integers(0, 3),  # which value
)


def apply(vault: Vault, did: Did, action: tuple[str, int, str, int], t: int, side: str) -> None:
    """One person's action at time t; actions the vault refuses are skipped."""
    kind, pick, what, value = action
    now = stamp(t)
    before = len(events(vault))
    target = vault.entries[pick % len(vault.entries)] if vault.entries else None
    try:
        if kind == "add":
            name = NAMES[pick]
            if pick % 2:
                entry = Entry(name, "note", secret=f"{side}{t}", created=now)
            else:
                codes = [BackupCode(f"{side}{t}-{i:04d}") for i in range(4)]
                entry = Entry(name, "backup-codes", codes=codes, created=now)
            vault.add(entry)
            target = entry
            did.fields.setdefault(entry.id, set()).update({"*"})
        elif target is None:
            return
        elif kind == "edit":
            if what == "secret":
                if target.kind == "backup-codes":
                    return
                vault.update(target.name, secret=f"s{side}{value}", now=now)
            elif what == "otp":  # TOTP settings (refused for other kinds)
                vault.update(target.name, otp_changes=(None, None, 30 * (value + 1)), now=now)
            elif what == "tags":
                vault.update(target.name, add_tags=(f"t{value}",), now=now)
            else:
                vault.update(target.name, fields={what: f"{what}{side}{value}"}, now=now)
            did.fields.setdefault(target.id, set()).add(what)
        elif kind == "rename":
            vault.rename(target.name, f"{NAMES[value]} {side}", now=now)
            did.fields.setdefault(target.id, set()).add("name")
        elif kind == "remove":
            vault.remove(target.name, now=now)
            did.removed[target.id] = t
        elif kind == "use":
            vault.use_code(target.name, now=now)
        elif kind == "unuse":
            vault.set_used(target.name, 1 + value % max(1, len(target.codes)), False, now=now)
        elif kind == "newcodes":
            codes = [f"{side}{t}-n{i:03d}" for i in range(3)]
            vault.update(target.name, add_codes=codes, replace_codes=True, now=now)
            did.fields.setdefault(target.id, set()).add("codes")
    except VaultError:
        return
    if len(events(vault)) > before:  # the action changed something
        did.touched[target.id] = t


def ancestor() -> Vault:
    v = Vault(keep_log=True)
    v.add(
        Entry(
            "GitHub",
            "backup-codes",
            codes=[BackupCode(f"base-{i:04d}") for i in range(5)],
            created=stamp(0),
        )
    )
    v.add(Entry("Mail", "note", secret="base", notes="n0", created=stamp(1)))
    v.add(Entry("Bank", "totp", secret="JBSWY3DPEHPK3PXP", created=stamp(2)))
    return v


@st.composite
def histories(draw: Any) -> tuple[Vault, Vault, Vault, Did, Did]:
    base = ancestor()
    a, b = copy.deepcopy(base), copy.deepcopy(base)
    did_a, did_b = Did(), Did()
    steps = draw(st.lists(st.tuples(st.booleans(), op), max_size=24))
    for t, (on_a, action) in enumerate(steps, start=10):
        if on_a:
            apply(a, did_a, action, t, "A")
        else:
            apply(b, did_b, action, t, "B")
    return base, a, b, did_a, did_b


def content(v: Vault) -> dict[str, dict[str, Any]]:
    """Entries by id, as the payload holds them (what "the same entries and codes" means)."""
    return {e.id: e.to_json() for e in v.entries}


@PROPS
@given(histories())
def test_merging_random_histories_keeps_every_rule(h: tuple[Vault, Vault, Vault, Did, Did]) -> None:
    base, a, b, did_a, did_b = h
    ab, _ = merge_vaults(a, b, "b", stamp(10_000))
    ba, _ = merge_vaults(b, a, "a", stamp(10_000))
    # Symmetric in content, and a valid vault (unique names, canonical payload).
    assert content(ab) == content(ba)
    Vault.from_bytes(ab.to_bytes())
    merged = {e.id: e for e in ab.entries}
    for mine, other, did_mine, did_other in ((a, b, did_a, did_b), (b, a, did_b, did_a)):
        theirs = {e.id: e for e in other.entries}
        for e in mine.entries:
            # No entry lost unless the other side removed it after this side's last change.
            removed = did_other.removed.get(e.id)
            gone = removed is not None and did_mine.touched.get(e.id, -1) <= removed
            assert (e.id not in merged) == gone, (e.name, removed, did_mine.touched.get(e.id))
            if gone:
                continue
            m = merged[e.id]
            # No used code becomes unused, and a code used here keeps its earliest time.
            spent = {normalize_code(c.code): c.used_at for c in e.codes if c.used}
            for c in m.codes:
                if normalize_code(c.code) in spent:
                    assert c.used and c.used_at is not None
                    assert c.used_at <= str(spent[normalize_code(c.code)])
            # A field only this side changed comes from this side.
            twin = theirs.get(e.id)
            if twin is None:
                continue
            changed_there = did_other.fields.get(e.id, set())
            for name in did_mine.fields.get(e.id, set()) - changed_there - {"*", "name"}:
                if name == "codes":
                    assert {normalize_code(c.code) for c in m.codes} == {
                        normalize_code(c.code) for c in e.codes
                    }
                else:
                    assert getattr(m, name) == getattr(e, name), name
    # Idempotent: merging either copy (or itself) again changes nothing.
    for again in (a, b, ab):
        twice, report = merge_vaults(ab, again, "again", stamp(20_000))
        assert content(twice) == content(ab)
        assert not report.changed
    # Merging a copy that never diverged (the ancestor itself) changes nothing.
    assert not merge_vaults(a, base, "base", stamp(20_000))[1].changed


@PROPS
@given(histories())
def test_codes_come_as_one_side_s_set_never_a_mix(h: tuple[Vault, Vault, Vault, Did, Did]) -> None:
    _, a, b, _, _ = h
    sets = [{e.id: {normalize_code(c.code) for c in e.codes} for e in v.entries} for v in (a, b)]
    for e in merge_vaults(a, b, "b", stamp(10_000))[0].entries:
        held = {normalize_code(c.code) for c in e.codes}
        assert held in [s[e.id] for s in sets if e.id in s]
