"""Presence aggregation (features/presence.py): sequences of registration, call and DND
events as the registrar and the B2BUA report them, and what every extension's state and
dialogs are after each."""

from __future__ import annotations

import pytest

from softphone.common.directory import Presence, PresenceUpdate
from softphone.pbx.features.callinfo import CallInfo
from softphone.pbx.features.presence import DialogState, PresenceService


class World:
    """The service with its inputs: registered devices per extension, DND, a clock."""

    def __init__(self) -> None:
        self.devices: dict[str, set[str]] = {}
        self.dnd: set[str] = set()
        self.now = 1000.0
        self.service = PresenceService(lambda n: bool(self.devices.get(n)),
                                       self.dnd.__contains__, lambda: self.now)
        self.updates: list[PresenceUpdate] = []
        self.dialog_events: list[tuple[str, list[DialogState]]] = []
        self.service.subscribe(self.updates.append)
        self.service.watch_dialogs(lambda n, d: self.dialog_events.append((n, d)))

    def register(self, number: str, device: str) -> None:
        self.devices.setdefault(number, set()).add(device)
        self.service.registration_changed(number)

    def unregister(self, number: str, device: str) -> None:
        self.devices.get(number, set()).discard(device)
        self.service.registration_changed(number)

    def seen(self) -> list[tuple[str, Presence]]:
        out = [(u.number, u.presence) for u in self.updates]
        self.updates.clear()
        return out


def call(id: str, caller: str, callee: str, state: str = "ringing",
         parties: dict[str, str] | None = None) -> CallInfo:
    return CallInfo(id=id, caller=caller, caller_name=f"Name {caller}", callee=callee,
                    state=state, parties=parties or {"a": caller, "b": callee})


@pytest.fixture
def world() -> World:
    w = World()
    for number in ("100", "101", "102"):
        w.register(number, f"{number}-desk")
    w.updates.clear()
    return w


def test_unknown_extension_is_offline_and_first_registration_is_a_change() -> None:
    w = World()
    assert w.service.presence("105") == Presence.OFFLINE
    assert w.service.snapshot() == {}
    w.register("105", "desk")
    assert w.seen() == [("105", Presence.AVAILABLE)]
    assert w.updates == [] and w.service.snapshot() == {"105": Presence.AVAILABLE}


def test_update_carries_the_clock_time() -> None:
    w = World()
    w.now = 1234.5
    w.register("100", "desk")
    w.now = 2000.0
    w.service.registration_changed("100")   # no change: no update, the time is kept
    assert [u.since for u in w.updates] == [1234.5]


def test_two_devices_are_one_state(world: World) -> None:
    world.register("101", "101-mobile")
    assert world.seen() == []                      # already available: not a change
    world.unregister("101", "101-desk")
    assert world.seen() == []                      # the mobile is still there
    world.unregister("101", "101-mobile")
    assert world.seen() == [("101", Presence.OFFLINE)]


def test_call_rings_then_is_answered_then_ends(world: World) -> None:
    info = call("c1", "100", "101")
    world.service.call_changed(info)
    assert world.seen() == [("100", Presence.BUSY), ("101", Presence.RINGING)]
    (d,) = world.service.dialogs("101")
    assert (d.state, d.direction, d.local, d.remote, d.remote_name) == \
        ("early", "recipient", "101", "100", "Name 100")
    (d,) = world.service.dialogs("100")
    assert (d.state, d.direction, d.remote) == ("early", "initiator", "101")

    info.state = "answered"
    world.service.call_changed(info)
    assert world.seen() == [("101", Presence.BUSY)]   # the caller was busy already
    assert [d.state for d in world.service.dialogs("101")] == ["confirmed"]

    info.state = "ended"
    world.service.call_changed(info)
    assert sorted(world.seen()) == [("100", Presence.AVAILABLE), ("101", Presence.AVAILABLE)]
    assert world.service.dialogs("100") == world.service.dialogs("101") == []
    ended = [(n, [d.state for d in ds]) for n, ds in world.dialog_events[-2:]]
    assert sorted(ended) == [("100", ["terminated"]), ("101", ["terminated"])]


def test_dialog_ids_stay_the_same_through_a_call(world: World) -> None:
    info = call("c1", "100", "101")
    world.service.call_changed(info)
    ringing = world.service.dialogs("101")[0].id
    info.state = "answered"
    world.service.call_changed(info)
    assert world.service.dialogs("101")[0].id == ringing
    assert world.service.dialogs("100")[0].id != ringing


def test_unanswered_call_ending_returns_both_to_their_state(world: World) -> None:
    world.dnd.add("101")
    world.service.settings_changed("101")
    assert world.seen() == [("101", Presence.DND)]
    info = call("c1", "100", "101")
    world.service.call_changed(info)
    assert world.seen() == [("100", Presence.BUSY), ("101", Presence.RINGING)]
    info.state = "ended"
    world.service.call_changed(info)
    assert sorted(world.seen()) == [("100", Presence.AVAILABLE), ("101", Presence.DND)]


def test_busy_beats_ringing_and_ringing_beats_dnd(world: World) -> None:
    world.dnd.add("101")
    world.service.settings_changed("101")
    first = call("c1", "101", "102", state="answered")
    world.service.call_changed(first)
    world.seen()
    # A second call rings at 101 while it talks: still busy (call waiting), two dialogs.
    world.service.call_changed(call("c2", "100", "101"))
    assert world.seen() == [("100", Presence.BUSY)]
    assert sorted(d.state for d in world.service.dialogs("101")) == ["confirmed", "early"]
    first.state = "ended"
    world.service.call_changed(first)
    assert sorted(world.seen()) == [("101", Presence.RINGING), ("102", Presence.AVAILABLE)]


def test_call_to_an_offline_extension_is_not_ringing_after_it(world: World) -> None:
    world.unregister("102", "102-desk")
    world.seen()
    info = call("c1", "100", "102")
    world.service.call_changed(info)
    assert world.service.presence("102") == Presence.RINGING   # a call involves it
    info.state = "ended"
    world.service.call_changed(info)
    assert world.service.presence("102") == Presence.OFFLINE


def test_transfer_moves_the_dialog_to_the_new_party(world: World) -> None:
    info = call("c1", "100", "101", state="answered")
    world.service.call_changed(info)
    world.seen()
    world.dialog_events.clear()
    # 101 transfers the caller to 102: the B2BUA puts 102 on side "b" (CallInfo.parties).
    info.parties["b"] = "102"
    world.service.call_changed(info)
    assert sorted(world.seen()) == [("101", Presence.AVAILABLE), ("102", Presence.BUSY)]
    events = dict((n, [(d.state, d.remote) for d in ds]) for n, ds in world.dialog_events)
    assert events == {"101": [("terminated", "100")], "102": [("confirmed", "100")],
                      "100": [("confirmed", "102")]}
    assert [d.remote for d in world.service.dialogs("100")] == ["102"]
    assert world.service.dialogs("101") == []
    info.state = "ended"
    world.service.call_changed(info)
    assert sorted(world.seen()) == [("100", Presence.AVAILABLE), ("102", Presence.AVAILABLE)]


def test_only_real_changes_are_reported(world: World) -> None:
    info = call("c1", "100", "101", state="answered")
    world.service.call_changed(info)
    world.seen()
    world.service.call_changed(info)         # the same state again (e.g. a re-INVITE)
    world.service.registration_changed("100")
    world.service.settings_changed("100")
    assert world.seen() == []


def test_ended_call_never_seen_is_ignored(world: World) -> None:
    world.service.call_changed(call("c9", "100", "101", state="ended"))
    assert world.seen() == [] and world.dialog_events == []


def test_unsubscribe_stops_updates_and_a_failing_listener_harms_nobody(world: World) -> None:
    got: list[PresenceUpdate] = []

    def broken(update: PresenceUpdate) -> None:
        raise RuntimeError("listener bug")

    world.service.subscribe(broken)
    stop = world.service.subscribe(got.append)
    world.register("103", "desk")
    stop()
    stop()   # idempotent
    world.unregister("103", "desk")
    assert [u.presence for u in got] == [Presence.AVAILABLE]
    assert world.seen() == [("103", Presence.AVAILABLE), ("103", Presence.OFFLINE)]


def test_seed_sets_known_state_without_reporting_it() -> None:
    w = World()
    w.devices["100"] = {"desk"}             # restored from the store at start-up
    w.service.seed(["100", "101"])
    assert w.service.snapshot() == {"100": Presence.AVAILABLE, "101": Presence.OFFLINE}
    w.service.registration_changed("100")   # a refresh: no change
    assert w.seen() == []


def test_display_name_names_the_remote_party() -> None:
    names = {"100": "Empfang", "101": "Vertrieb"}
    service = PresenceService(lambda n: True, lambda n: False, lambda: 0.0,
                              display_name=lambda n: names.get(n, ""))
    service.call_changed(call("c1", "100", "101"))
    assert service.dialogs("100")[0].remote_name == "Vertrieb"
    assert service.dialogs("101")[0].remote_name == "Empfang"


def test_cost_per_change_does_not_grow_with_other_calls() -> None:
    """Many calls among other extensions: a change of one call touches only its own
    extensions (counted by what the is_registered and dnd callbacks are asked)."""
    asked: list[str] = []

    def registered(number: str) -> bool:
        asked.append(number)
        return True

    service = PresenceService(registered, lambda n: False, lambda: 0.0)
    for i in range(500):
        service.call_changed(call(f"c{i}", f"2{i:03d}", f"3{i:03d}", state="answered"))
    asked.clear()
    service.call_changed(call("x", "100", "101"))
    assert set(asked) <= {"100", "101"}
