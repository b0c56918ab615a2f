"""SQLite store: registrations and call history survive a restart; writes are batched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from softphone.pbx.store import MIGRATIONS, Binding, CallRecord, Store, StoreError

NOW = 1_700_000_000.0


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def binding(aor: str = "101", contact: str = "sip:101@10.0.0.5:5062", expires: float = 3600,
            **kw: object) -> Binding:
    fields: dict[str, object] = {
        "aor": aor, "contact": contact, "expires_at": NOW + expires,
        "source": ("10.0.0.5", 5062), "transport": "udp", "call_id": "c1@10.0.0.5", "cseq": 1}
    fields.update(kw)
    return Binding(**fields)  # type: ignore[arg-type]


def call(id: str, started: float, caller: str = "101", callee: str = "102") -> CallRecord:
    return CallRecord(id, started, caller, "Vertrieb", callee, None, None, "ringing")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pbx.sqlite"


def test_bindings_survive_restart(db_path: Path) -> None:
    store = Store(db_path, clock=Clock())
    first = binding(user_agent="Softphone/0.1", instance="<urn:uuid:00000000-0000-0000-0000-1>")
    second = binding(contact="sip:101@10.0.0.6:5060;transport=tcp", transport="tcp",
                     source=("10.0.0.6", 40312))
    store.save_binding(first)
    store.save_binding(second)
    store.close()

    reopened = Store(db_path, clock=Clock())
    assert reopened.load_bindings() == [first, second]
    reopened.close()


def test_save_binding_upserts_by_aor_and_contact(db_path: Path) -> None:
    store = Store(db_path, clock=Clock())
    store.save_binding(binding(cseq=1))
    refreshed = binding(cseq=2, expires=1800, call_id="c1@10.0.0.5", source=("10.0.0.5", 5999))
    store.save_binding(refreshed)
    store.save_binding(binding(aor="102", contact="sip:102@10.0.0.7"))
    loaded = store.load_bindings()
    assert [b for b in loaded if b.aor == "101"] == [refreshed]
    assert len(loaded) == 2
    store.close()


def test_expired_bindings_are_not_loaded_and_are_removed(db_path: Path) -> None:
    clock = Clock()
    store = Store(db_path, clock=clock)
    store.save_binding(binding(contact="sip:101@a", expires=60))
    store.save_binding(binding(contact="sip:101@b", expires=600))
    store.close()

    clock.now = NOW + 61
    reopened = Store(db_path, clock=clock)
    assert [b.contact for b in reopened.load_bindings()] == ["sip:101@b"]
    reopened.close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM bindings").fetchone()[0] == 1
    raw.close()


def test_delete_binding_and_all_bindings_of_an_aor(db_path: Path) -> None:
    store = Store(db_path, clock=Clock())
    for contact in ("sip:101@a", "sip:101@b", "sip:101@c"):
        store.save_binding(binding(contact=contact))
    store.save_binding(binding(aor="102", contact="sip:102@a"))
    store.delete_binding("101", "sip:101@b")
    assert [b.contact for b in store.load_bindings()] == ["sip:101@a", "sip:101@c", "sip:102@a"]
    store.delete_bindings("101")
    store.close()
    reopened = Store(db_path, clock=Clock())
    assert [b.contact for b in reopened.load_bindings()] == ["sip:102@a"]
    reopened.close()


def test_writes_wait_for_flush_then_commit_together(db_path: Path) -> None:
    store = Store(db_path, clock=Clock())
    for i in range(10_000):
        store.save_binding(binding(aor=str(1000 + i % 100), contact=f"sip:{i}@10.0.0.5"))
    assert store.pending_writes == 10_000
    with sqlite3.connect(db_path) as other:
        # Another connection sees nothing yet: nothing was committed per message.
        assert other.execute("SELECT COUNT(*) FROM bindings").fetchone()[0] == 0
        store.flush()
        assert store.pending_writes == 0
        assert other.execute("SELECT COUNT(*) FROM bindings").fetchone()[0] == 10_000
    other.close()
    loaded = store.load_bindings()
    assert len(loaded) == 10_000
    assert {b.contact for b in loaded} == {f"sip:{i}@10.0.0.5" for i in range(10_000)}
    store.close()


def test_too_many_pending_writes_flush_by_themselves(db_path: Path) -> None:
    store = Store(db_path, clock=Clock(), max_pending=50)
    for i in range(120):
        store.save_binding(binding(contact=f"sip:{i}@h"))
    assert store.pending_writes == 20
    store.close()


def test_call_history_survives_restart_newest_first(db_path: Path) -> None:
    store = Store(db_path, clock=Clock())
    store.call_started(call("a", NOW))
    store.call_answered("a", NOW + 3)
    store.call_ended("a", NOW + 60, "answered", "bye")
    store.call_started(call("b", NOW + 100, caller="102", callee="103"))
    store.call_ended("b", NOW + 120, "no-answer")
    store.call_started(call("c", NOW + 200, caller="100", callee="101"))
    store.close()

    reopened = Store(db_path, clock=Clock())
    history = reopened.call_history()
    assert [r.id for r in history] == ["c", "b", "a"]
    a = history[2]
    assert (a.answered_at, a.ended_at, a.result, a.end_reason) == (
        NOW + 3, NOW + 60, "answered", "bye")
    b = history[1]
    assert (b.answered_at, b.ended_at, b.result, b.end_reason) == (
        None, NOW + 120, "no-answer", "")
    assert history[0] == call("c", NOW + 200, caller="100", callee="101")
    reopened.close()


def test_call_history_filters_by_extension_and_limits(db_path: Path) -> None:
    store = Store(db_path, clock=Clock())
    store.call_started(call("a", NOW, caller="101", callee="102"))
    store.call_started(call("b", NOW + 1, caller="102", callee="103"))
    store.call_started(call("c", NOW + 2, caller="103", callee="101"))
    store.call_started(call("d", NOW + 2, caller="101", callee="100"))
    # Reads flush first: the history is visible without an explicit flush.
    assert [r.id for r in store.call_history("101")] == ["d", "c", "a"]
    assert [r.id for r in store.call_history("102")] == ["b", "a"]
    assert [r.id for r in store.call_history("101", limit=2)] == ["d", "c"]
    assert store.call_history("199") == []
    store.close()


def test_schema_version_is_recorded_and_a_newer_one_refused(db_path: Path) -> None:
    Store(db_path).close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer"):
        Store(db_path)


def test_a_bad_write_is_reported_and_does_not_block_the_others(db_path: Path) -> None:
    store = Store(db_path, clock=Clock())
    store.save_binding(binding(contact="sip:101@a"))
    store.call_started(CallRecord("x", NOW, None, "", "102", None, None, ""))  # type: ignore[arg-type]
    store.save_binding(binding(contact="sip:101@b"))
    with pytest.raises(StoreError, match="1 write"):
        store.flush()
    assert store.pending_writes == 0
    assert [b.contact for b in store.load_bindings()] == ["sip:101@a", "sip:101@b"]
    store.close()


def test_closed_store_refuses_writes(db_path: Path) -> None:
    store = Store(db_path, clock=Clock())
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.save_binding(binding())
