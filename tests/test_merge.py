"""`rvault merge`'s rules one by one (docs/MERGE.md), on two copies of one vault in memory."""

from __future__ import annotations

import copy
import json

import pytest

from vault.entry import BackupCode, Entry
from vault.merge import events, import_entries, merge_vaults
from vault.model import LOG_CAP, Vault

CODES = ["aaaa-1111", "bbbb-2222", "cccc-3333", "dddd-4444"]


def t(minute: int) -> str:
    return f"2026-12-01T10:{minute:02d}:00Z"


def later(i: int) -> str:
    return f"2026-12-02T{i // 60:02d}:{i % 60:02d}:00Z"


@pytest.fixture
def base() -> Vault:
    v = Vault(keep_log=True)
    v.add(Entry("GitHub", "backup-codes", codes=[BackupCode(c) for c in CODES], created=t(0)))
    v.add(Entry("Mail", "note", secret="mail secret", notes="old notes", created=t(1)))
    v.add(Entry("Bank", "recovery-key", secret="bank key", created=t(2)))
    return v


def two(base: Vault) -> tuple[Vault, Vault]:
    return copy.deepcopy(base), copy.deepcopy(base)


def both_ways(a: Vault, b: Vault) -> Vault:
    """A merged into B and B into A agree on entries and codes; A-with-B is returned."""
    ab, ba = merge_vaults(a, b, "b", t(59))[0], merge_vaults(b, a, "a", t(59))[0]
    assert {e.id: e.to_json() for e in ab.entries} == {e.id: e.to_json() for e in ba.entries}
    return ab


def test_an_entry_only_one_side_has_is_kept(base: Vault) -> None:
    a, b = two(base)
    b.add(Entry("Cloud", "note", secret="cloud", created=t(10)))
    merged, report = merge_vaults(a, b, "b", t(59))
    assert merged.has("Cloud") and report.added == ["Cloud"]
    assert report.summary() == "from b: 1 entry added"
    assert both_ways(a, b).has("Cloud")


def test_an_entry_removed_there_after_the_last_change_stays_removed(base: Vault) -> None:
    a, b = two(base)
    a.update("Bank", fields={"notes": "checked"}, now=t(10))
    b.remove("Bank", now=t(20))
    merged, report = merge_vaults(a, b, "b", t(59))
    assert not merged.has("Bank") and report.removed == ["Bank"]
    assert "1 entry removed there" in report.summary()
    assert not both_ways(a, b).has("Bank")


def test_an_entry_changed_after_it_was_removed_there_is_kept(base: Vault) -> None:
    a, b = two(base)
    b.remove("Bank", now=t(10))
    a.update("Bank", fields={"notes": "still needed"}, now=t(20))
    merged, report = merge_vaults(a, b, "b", t(59))
    assert merged.get("Bank").notes == "still needed" and report.kept == ["Bank"]
    back, report_b = merge_vaults(b, a, "a", t(59))
    assert back.get("Bank").notes == "still needed" and report_b.added == ["Bank"]


def test_a_code_used_on_either_side_is_used_with_the_earlier_time(base: Vault) -> None:
    a, b = two(base)
    a.set_used("GitHub", 2, True, now=t(30))
    b.set_used("GitHub", 2, True, now=t(20))
    b.set_used("GitHub", 3, True, now=t(21))
    a.set_used("GitHub", 3, True, now=t(22))
    a.set_used("GitHub", 3, False, now=t(23))  # un-used here: still used there
    merged, report = merge_vaults(a, b, "b", t(59))
    codes = merged.get("GitHub").codes
    assert [(c.used, c.used_at) for c in codes] == [
        (False, None),
        (True, t(20)),
        (True, t(21)),
        (False, None),
    ]
    assert report.codes_used == {"GitHub": 1}
    assert "1 code marked used" in report.summary()
    both_ways(a, b)


def test_a_new_set_of_codes_wins_over_the_older_set(base: Vault) -> None:
    a, b = two(base)
    a.use_code("GitHub", now=t(10))  # the old set's first code, spent here
    b.update("GitHub", add_codes=["new1-0001", "new2-0002"], replace_codes=True, now=t(20))
    merged, report = merge_vaults(a, b, "b", t(59))
    assert [c.code for c in merged.get("GitHub").codes] == ["new1-0001", "new2-0002"]
    assert not any(c.used for c in merged.get("GitHub").codes)
    assert report.new_codes == ["GitHub"] and "with new codes (GitHub)" in report.summary()
    # The same the other way round: the newer set is kept here, nothing to report as new.
    kept, report_b = merge_vaults(b, a, "a", t(59))
    assert [c.code for c in kept.get("GitHub").codes] == ["new1-0001", "new2-0002"]
    assert report_b.new_codes == []


def test_codes_added_to_the_set_keep_the_use_of_the_old_ones(base: Vault) -> None:
    a, b = two(base)
    a.use_code("GitHub", now=t(10))
    b.update("GitHub", add_codes=["more-0005"], now=t(20))  # added, not replaced
    codes = both_ways(a, b).get("GitHub").codes
    assert [c.code for c in codes] == [*CODES, "more-0005"]
    assert codes[0].used and codes[0].used_at == t(10)


def test_fields_changed_on_one_side_are_taken_from_it(base: Vault) -> None:
    a, b = two(base)
    a.update("Mail", fields={"url": "https://mail.example"}, now=t(10))
    b.update("Mail", fields={"account": "me@example.com"}, now=t(20))
    b.rename("Mail", "Email", now=t(21))
    merged, report = merge_vaults(a, b, "b", t(59))
    mail = merged.get("Email")
    assert (mail.url, mail.account, mail.notes) == (
        "https://mail.example",
        "me@example.com",
        "old notes",
    )
    assert report.updated == {"Email": ["name", "account"]}
    assert report.conflicts == []
    both_ways(a, b)


def test_a_field_changed_on_both_sides_keeps_the_newer_and_names_it(base: Vault) -> None:
    a, b = two(base)
    a.update("Mail", fields={"notes": "notes from A"}, secret="secret A", now=t(30))
    b.update("Mail", fields={"notes": "notes from B"}, secret="secret B", now=t(20))
    b.update("Mail", secret="secret B2", now=t(40))
    merged, report = merge_vaults(a, b, "b", t(59))
    assert (merged.get("Mail").notes, merged.get("Mail").secret) == ("notes from A", "secret B2")
    [conflict] = report.conflicts
    assert conflict.entry == "Mail" and conflict.kept == {"notes": "here", "secret": "there"}
    assert "1 entry changed on both sides (Mail: notes, secret, newer kept)" in report.summary()
    # The report says the values exist, never what they are.
    said = json.dumps(report.to_json()) + report.summary() + "".join(report.details())
    for secret in ("secret A", "secret B", "notes from", "mail secret"):
        assert secret not in said
    assert "check before deleting it" in report.details()[0]
    both_ways(a, b)


def test_two_entries_added_with_one_name_are_both_kept(base: Vault) -> None:
    a, b = two(base)
    a.add(Entry("Cloud", "note", secret="from A", created=t(10)))
    b.add(Entry("cloud", "note", secret="from B", created=t(11)))
    merged = both_ways(a, b)
    assert sorted(e.name for e in merged.entries if "loud" in e.name) == ["Cloud", "cloud (2)"]
    report = merge_vaults(a, b, "b", t(59))[1]
    assert report.renamed == [("cloud", "cloud (2)")]
    # ... and merging again changes nothing: the rename is this side's newer change.
    again = merge_vaults(merged, b, "b", t(59))[1]
    assert not again.changed


def test_the_history_is_merged_in_time_order_and_capped(base: Vault) -> None:
    a, b = two(base)
    a.update("Mail", fields={"notes": "a"}, now=t(30))
    b.update("Bank", fields={"notes": "b"}, now=t(20))
    merged = merge_vaults(a, b, "b", t(59))[0]
    log = events(merged)
    assert [e["at"] for e in log] == sorted(e["at"] for e in log)
    assert [e["at"] for e in log][-2:] == [t(20), t(30)]
    assert {"at": t(30), "entry": a.get("Mail").id, "name": "Mail", "event": "changed",
            "fields": ["notes"]} in log  # fmt: skip
    for i in range(LOG_CAP):
        a.update(
            "Mail", fields={"notes": f"n{i}"}, now=f"2026-12-02T{i // 60:02d}:{i % 60:02d}:00Z"
        )
    assert len(events(merge_vaults(a, b, "b", t(59))[0])) == LOG_CAP


def test_a_full_history_there_does_not_make_old_events_here_look_new(base: Vault) -> None:
    # B did more than the history holds since the copies parted: A's old change to the notes
    # fell off B's log, so it proves nothing; the newer time decides instead of "only A".
    a, b = two(base)
    b.update("Mail", fields={"notes": "B's newer notes"}, now=t(50))
    for i in range(LOG_CAP):
        b.review("Bank", now=later(i))
    assert all(e["event"] == "reviewed" for e in events(b))
    a_old = copy.deepcopy(a)
    a_old.meta["log"] = events(base)  # what A shares with B, before B's full log
    merged = merge_vaults(a_old, b, "b", t(59))[0]
    assert merged.get("Mail").notes == "B's newer notes"


def test_merging_a_copy_into_itself_or_twice_changes_nothing(base: Vault) -> None:
    a, b = two(base)
    a.use_code("GitHub", now=t(10))
    b.add(Entry("Cloud", "note", secret="c", created=t(11)))
    same, report = merge_vaults(a, copy.deepcopy(a), "a", t(59))
    assert same.to_bytes() == a.to_bytes() and not report.changed
    assert report.summary() == "from a: nothing new"
    once = merge_vaults(a, b, "b", t(59))[0]
    twice, report = merge_vaults(once, b, "b", t(59))
    assert twice.to_bytes() == once.to_bytes() and not report.changed


def test_import_copies_another_vault_s_entries_and_numbers_clashes(base: Vault) -> None:
    other = Vault(keep_log=True)
    other.add(Entry("Mail", "note", secret="someone else's mail", created=t(5)))
    other.add(Entry("Shop", "note", secret="shop", created=t(6)))
    merged, report = import_entries(base, other, "other.rvault")
    assert [e.name for e in merged.entries][-2:] == ["Mail (2)", "Shop"]
    assert merged.get("Mail").secret == "mail secret"
    assert report.renamed == [("Mail", "Mail (2)")] and report.imported
    again, report = import_entries(merged, other, "other.rvault")
    assert not report.changed and again.entries_json() == merged.entries_json()
