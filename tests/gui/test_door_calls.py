"""A door calls: the incoming panel shows the live video (frames from the real door
simulator) before answering; the call panel keeps it with the open button; it stops when
the call ends. A person calling looks as before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from softphone.common.engine_protocol import CallState
from softphone.gui.door.view import DoorView, door_view_for
from softphone.gui.main_window import MainWindow
from softphone.gui.widgets.call_panel import CallPanel
from softphone.gui.widgets.incoming_panel import IncomingPanel
from tests.gui.doors import DOOR, GATE, marker, shown
from tests.helpers.fake_pbx import FakePbx


@pytest.fixture
def pbx(doors_pbx: FakePbx) -> FakePbx:
    return doors_pbx


@pytest.fixture
def window(qtbot, engine, pbx: FakePbx) -> Iterator[MainWindow]:
    win = MainWindow(engine, door_views=lambda number, parent: door_view_for(pbx, number,
                                                                            parent))
    with shown(qtbot, win, 420, 700, win.stop_door_videos):
        yield win


def playing(view: DoorView) -> bool:
    return view.stream.state == "playing" and not view.video.image.isNull()


def test_door_call_shows_video_before_answering_and_keeps_it(qtbot, window, engine,
                                                             pbx: FakePbx) -> None:
    engine.incoming("d1", DOOR, "Haustür")
    panel = window.panels["d1"]
    assert isinstance(panel, IncomingPanel)
    view = panel.door_view
    assert isinstance(view, DoorView) and view.isVisibleTo(panel)
    assert not view.open_row.isVisibleTo(view)          # answer first, then open
    qtbot.waitUntil(lambda: playing(view), timeout=8000)
    count, _ = marker(view.video.image)
    qtbot.waitUntil(lambda: marker(view.video.image)[0] > count, timeout=5000)
    assert engine.names().count("answer") == 0          # all this before answering

    qtbot.mouseClick(panel.answer_button, Qt.MouseButton.LeftButton)
    assert engine.last("answer") == ("d1",)
    engine.call("d1", CallState.ACTIVE, connected_at=1000.0)
    call = window.panels["d1"]
    assert isinstance(call, CallPanel)
    assert call.door_view is view                       # the same video, not restarted
    assert view.open_row.isVisibleTo(view) and view.open_button.isEnabled()
    assert pbx.server.link_requests == {DOOR: 1}
    count, _ = marker(view.video.image)
    qtbot.waitUntil(lambda: marker(view.video.image)[0] > count, timeout=5000)

    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    assert pbx.server.opened == [("101", DOOR)]
    assert view.feedback() == "Door opened"

    qtbot.mouseClick(call.hangup_button, Qt.MouseButton.LeftButton)
    assert engine.last("hangup") == ("d1",)
    engine.call("d1", CallState.ENDED, code=200)
    assert "d1" not in window.panels
    assert view.stream.state == "stopped"               # no video after the call


def test_door_call_rejected_stops_the_video(qtbot, window, engine) -> None:
    engine.incoming("d2", GATE, "Hoftor")
    view = window.panels["d2"].door_view
    assert isinstance(view, DoorView)
    qtbot.waitUntil(lambda: playing(view), timeout=8000)
    window.reject("d2")
    engine.call("d2", CallState.ENDED, code=486)
    assert view.stream.state == "stopped"


def test_call_panel_of_a_forbidden_door_says_why(qtbot, window, engine) -> None:
    engine.incoming("d3", GATE, "Hoftor")
    engine.call("d3", CallState.ACTIVE, connected_at=1000.0)
    view = window.panels["d3"].door_view
    assert isinstance(view, DoorView)
    assert view.open_button.isVisibleTo(view) and not view.open_button.isEnabled()
    assert view.reason_label.text() == "Your role may not open this door"


def test_a_person_calling_looks_as_before(qtbot, window, engine, pbx: FakePbx) -> None:
    engine.incoming("p1", "100", "Empfang")
    panel = window.panels["p1"]
    assert panel.door_view is None and panel.findChildren(DoorView) == []
    engine.call("p1", CallState.ACTIVE, connected_at=1000.0)
    assert window.panels["p1"].door_view is None
    assert pbx.server.link_requests == {}


def test_calling_the_door_shows_its_video(qtbot, window, engine) -> None:
    window.call(DOOR)
    assert engine.last("call") == (DOOR,)
    engine.call("o1", CallState.CALLING, remote_number=DOOR)
    view = window.panels["o1"].door_view
    assert isinstance(view, DoorView)
    qtbot.waitUntil(lambda: playing(view), timeout=8000)
