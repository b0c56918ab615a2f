"""Issue 14 item 5: the colleague panel (busy-lamp field). A tile per favorite colleague with
its live state; a click calls, a click on a ringing tile picks the call up; a call dropped
on a tile is transferred there (with Ctrl: consulted first); grey while the PBX is away.
The client as app.py builds it, on the FakeEngine and the FakePbx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent

from softphone.common.directory import DirectoryEntry, EntryType, Presence, PresenceUpdate
from softphone.common.engine_protocol import CallState, Direction
from softphone.gui.app import Client
from softphone.gui.colleagues.drag import call_mime
from softphone.gui.contacts.model import UNKNOWN
from softphone.gui.pbx_backend import PbxState
from tests.gui.clients import started_client
from tests.helpers.fake_engine import FakeEngine
from tests.helpers.fake_pbx import FakePbx, FakePbxServer

PEOPLE = [DirectoryEntry(EntryType.USER, str(200 + n), f"Kollegin {n}", "Vertrieb",
                         Presence.AVAILABLE) for n in range(20)]
ROOM = DirectoryEntry(EntryType.CONFERENCE, "800", "Besprechung", "", None)


@pytest.fixture
def setup(qtbot: Any, tmp_path: Path) -> Iterator[tuple[Client, FakeEngine, FakePbx]]:
    server = FakePbxServer(entries=[*PEOPLE, ROOM],
                           favorites={"101": [e.number for e in PEOPLE] + ["800"]})
    client, engine, pbx = started_client(qtbot, tmp_path, server)
    yield client, engine, pbx
    client.shutdown()


def calls_to(engine: FakeEngine) -> list[str]:
    return [args[0] for name, args in engine.requests if name == "call"]


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def drop(tile, call_id: str, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    data = call_mime(call_id)       # kept alive: the event does not own it
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.MoveAction, data,
                       Qt.MouseButton.LeftButton, modifiers)
    tile.dropEvent(event)           # what Qt calls when the drag is released on it


def test_a_tile_per_favorite_colleague_that_calls_and_picks_up(qtbot, setup) -> None:
    client, engine, pbx = setup
    panel = client.colleagues
    assert list(panel.tiles) == [e.number for e in PEOPLE]      # people only, in order
    tile = panel.tiles["200"]
    assert tile.name_label.text() == "Kollegin 0"
    assert tile.state_label.text() == "200 · available"
    click(qtbot, tile)
    assert calls_to(engine) == ["200"]
    pbx._apply_presence(PresenceUpdate("201", Presence.RINGING, 0.0))
    assert panel.tiles["201"].state_label.text() == "201 · ringing"
    click(qtbot, panel.tiles["201"])
    assert calls_to(engine) == ["200", "**201"]         # directed pickup


def test_a_call_dropped_on_a_tile_is_transferred(qtbot, setup) -> None:
    client, engine, _pbx = setup
    engine.call("c1", CallState.ACTIVE, direction=Direction.IN, remote_number="555",
                connected_at=1000.0)
    drop(client.colleagues.tiles["203"], "c1")
    assert engine.last("transfer_blind") == ("c1", "203")
    drop(client.colleagues.tiles["204"], "c1", Qt.KeyboardModifier.ControlModifier)
    assert engine.last("hold") == ("c1",) and calls_to(engine) == ["204"]   # consult first


def test_tiles_turn_unknown_without_the_pbx_and_twenty_fit(qtbot, setup) -> None:
    client, _engine, pbx = setup
    window = client.window
    window.tabs.setCurrentWidget(client.colleagues)
    assert client.colleagues.sizeHint().height() <= window.height()
    assert client.colleagues.sizeHint().width() <= 360
    pbx._set_state(PbxState.CONNECTING)
    assert {t.state for t in client.colleagues.tiles.values()} == {UNKNOWN}
    pbx.resync()
    assert client.colleagues.tiles["200"].state == Presence.AVAILABLE
