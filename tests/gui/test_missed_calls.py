"""Issue 14 item 1: a call a colleague (or one's own other device) answered says who, and
missed calls carry a count on the History tab and the tray icon until the user looked at
the history. The client as app.py builds it, on the FakeEngine and the FakePbx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from softphone.common.directory import DirectoryEntry, EntryType, Presence
from softphone.common.engine_protocol import CallState, Direction
from softphone.gui.app import Client
from softphone.gui.widgets.history_view import HistoryModel
from tests.gui.clients import started_client
from tests.helpers.fake_engine import FakeEngine
from tests.helpers.fake_pbx import FakePbx, FakePbxServer

DIRECTORY = [
    DirectoryEntry(EntryType.USER, "102", "Vertrieb Zwei", "Vertrieb", Presence.AVAILABLE),
    DirectoryEntry(EntryType.USER, "110", "Anna Müller", "Vertrieb", Presence.AVAILABLE),
]


@pytest.fixture
def setup(qtbot: Any, tmp_path: Path) -> Iterator[tuple[Client, FakeEngine, FakePbx]]:
    client, engine, pbx = started_client(qtbot, tmp_path, FakePbxServer(entries=list(DIRECTORY)))
    yield client, engine, pbx
    client.shutdown()


def ring_and_stop(engine: FakeEngine, call_id: str, caller: str, *, by: str = "",
                  cause: str = "") -> None:
    engine.incoming(call_id, caller)
    engine.call(call_id, CallState.ENDED, code=487, cause=cause, answered_by=by,
                ended_at=2000.0)


def outcome_texts(client: Client) -> list[str]:
    model = client.history_view.model
    return [model.index(row, HistoryModel.DURATION).data() for row in range(model.rowCount())]


def test_the_history_names_who_answered(setup) -> None:
    client, engine, _pbx = setup
    ring_and_stop(engine, "c1", "110", by="102", cause="SIP;200")     # a colleague
    ring_and_stop(engine, "c2", "110", by="101", cause="SIP;200")     # my desk phone
    ring_and_stop(engine, "c3", "110", cause="SIP;200")               # a PBX that does not say
    texts = outcome_texts(client)
    assert sorted(texts) == sorted(["Answered by Vertrieb Zwei", "Answered on another device",
                                    "Answered elsewhere"])
    assert client.missed.count == 0 and client.history.entries(missed_only=True) == []


def test_missed_calls_count_until_the_history_is_seen(qtbot, setup) -> None:
    client, engine, _pbx = setup
    window = client.window
    window.tabs.setCurrentIndex(0)          # the keypad in front, not the history
    history_tab = window.tabs.indexOf(client.history_view)
    with qtbot.waitSignal(client.missed.changed, check_params_cb=lambda n: n == 1):
        ring_and_stop(engine, "m1", "110")
    with qtbot.waitSignal(client.missed.changed, check_params_cb=lambda n: n == 2):
        ring_and_stop(engine, "m2", "110")
    ring_and_stop(engine, "e1", "110", by="102", cause="SIP;200")    # not missed: no count
    assert client.missed.count == 2
    assert window.tabs.tabText(history_tab) == "History (2 missed)"
    assert client.tray.missed == 2 and "2 missed" in client.tray.icon.toolTip()
    assert client.tray.icon.icon().cacheKey() != client.window.windowIcon().cacheKey()

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(client.missed.changed, check_params_cb=lambda n: n == 0):
        window.tabs.setCurrentIndex(history_tab)
    assert window.tabs.tabText(history_tab) == "History"
    assert "missed" not in client.tray.icon.toolTip()
    assert client.history.unseen_missed() == 0


def test_the_count_survives_a_restart(qtbot, tmp_path: Path) -> None:
    server = FakePbxServer(entries=list(DIRECTORY))
    client, engine, _pbx = started_client(qtbot, tmp_path, server)
    client.window.tabs.setCurrentIndex(0)
    ring_and_stop(engine, "m1", "110")
    client.shutdown()
    again, _engine, _pbx = started_client(qtbot, tmp_path, server)
    try:
        assert again.missed.count == 1 and again.tray.missed == 1
    finally:
        again.shutdown()


def test_a_transferred_call_shows_the_new_party_and_says_from_whom(setup) -> None:
    """Issue 14 item 2: the engine reports the party the PBX asserted after a transfer."""
    client, engine, _pbx = setup
    engine.call("t1", CallState.ACTIVE, direction=Direction.IN, remote_number="110",
                connected_at=1000.0)
    panel = client.window.panels["t1"]
    assert panel.name_label.text() == "Anna Müller"
    engine.call("t1", CallState.ACTIVE, remote_number="102", remote_name="",
                transferred_from="110")
    assert panel.name_label.text() == "Vertrieb Zwei"
    engine.call("t1", CallState.ENDED, ended_at=1100.0)
    model = client.history_view.model
    assert model.index(0, HistoryModel.PARTY).data() == (
        "Vertrieb Zwei (102), transferred from Anna Müller")
