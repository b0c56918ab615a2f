"""DoorView: the real door simulator's camera through (fake-PBX) video links, decoded frames
checked by the marker the simulator drew, the open button per can_open with its reason,
what the view says after opening, and a fresh link for every reconnect."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager

import pytest

from softphone.gui.door.view import DoorView, door_view_for
from tests.gui.doors import DOOR, GATE, door_pbx, marker, shown
from tests.helpers.doorsim import DoorsimProcess
from tests.helpers.fake_pbx import FakePbx


@pytest.fixture
def pbx(doors_pbx: FakePbx) -> FakePbx:
    return doors_pbx


def shown_view(qtbot, pbx: FakePbx, number: str = DOOR) -> AbstractContextManager[DoorView]:
    view = DoorView(pbx, number)
    return shown(qtbot, view, 480, 420, view.stop)


@pytest.fixture
def view(qtbot, pbx: FakePbx) -> Iterator[DoorView]:
    with shown_view(qtbot, pbx) as door_view:
        yield door_view


def wait_playing(qtbot, view: DoorView, timeout: int = 8000) -> None:
    qtbot.waitUntil(lambda: view.stream.state == "playing" and not view.video.image.isNull(),
                    timeout=timeout)


def test_video_shows_the_frames_the_door_draws(qtbot, view: DoorView, pbx: FakePbx) -> None:
    view.start()
    assert view.video.overlay_text() == "Connecting to the camera…"
    wait_playing(qtbot, view)
    first_count, drawn_ms = marker(view.video.image)
    # drawn by the simulator just now (the marker holds Unix ms mod 2**32)
    assert abs((int(time.time() * 1000) & 0xFFFFFFFF) - drawn_ms) < 5000
    qtbot.waitUntil(lambda: marker(view.video.image)[0] > first_count, timeout=5000)
    assert view.video.image.width() == 640 and view.video.image.height() == 480
    assert view.video.overlay_text() == ""
    assert pbx.server.link_requests == {DOOR: 1}
    view.stop()
    assert view.stream.state == "stopped"


def test_open_button_enabled_and_door_opened_shown(qtbot, view: DoorView,
                                                   pbx: FakePbx) -> None:
    assert view.open_button.isEnabled()
    assert view.open_button.text() == "Open door"
    assert not view.reason_label.isVisibleTo(view)
    view.open_button.click()
    assert pbx.server.opened == [("101", DOOR)]
    assert view.feedback() == "Door opened"
    assert view.feedback_label.isVisibleTo(view)

    pbx.server.open_errors[DOOR] = ("door_unreachable", "relay timed out")
    view.open_button.click()
    assert view.feedback() == "The door does not answer. Try again or use the key code."
    assert view.open_button.isEnabled()            # trying again is possible
    assert pbx.server.opened == [("101", DOOR)]


def test_open_button_disabled_with_its_reason(qtbot, pbx: FakePbx) -> None:
    with shown_view(qtbot, pbx, GATE) as view:
        assert not view.open_button.isEnabled()
        assert view.open_button.isVisibleTo(view)           # shown, not hidden
        assert view.reason_label.isVisibleTo(view)
        assert view.reason_label.text() == "Your role may not open this door"
        assert view.open_button.toolTip() == "Your role may not open this door"
        view.open_door()                                    # a shortcut would not get past
        assert "open_door" not in pbx.names()


def test_forbidden_by_the_pbx_is_said_in_the_window(qtbot, view: DoorView,
                                                    pbx: FakePbx) -> None:
    """The directory said yes, the PBX says no (rights changed meanwhile)."""
    pbx.server.open_errors[DOOR] = ("door_forbidden", "role user may not open door 150")
    view.open_button.click()
    assert view.feedback() == ("You may not open this door. "
                               "The PBX says: role user may not open door 150")
    assert "c62828" in view.feedback_label.styleSheet()       # red, an error


def test_no_pbx_connection_disables_opening(qtbot, view: DoorView, pbx: FakePbx) -> None:
    pbx.lose_connection()
    assert not view.open_button.isEnabled()
    assert view.reason_label.text() == "No connection to the PBX."
    pbx.resync()
    assert view.open_button.isEnabled()


def test_refused_link_then_reconnect_with_a_fresh_link(qtbot, view: DoorView,
                                                       pbx: FakePbx) -> None:
    pbx.server.video_refusals.append(("door_unreachable", "camera did not answer"))
    view.start()
    qtbot.waitUntil(lambda: view.stream.state == "reconnecting", timeout=5000)
    assert view.video.overlay_text() == "The door's camera does not answer.\nReconnecting…"
    wait_playing(qtbot, view)
    assert pbx.server.link_requests == {DOOR: 2}
    assert view.video.overlay_text() == ""


def test_door_restart_reconnects_with_a_new_link(qtbot) -> None:
    door = DoorsimProcess("--fps", "15").start()
    pbx = door_pbx(door.url + "/video.mjpg")
    try:
        with shown_view(qtbot, pbx) as view:
            view.start()
            wait_playing(qtbot, view)
            assert pbx.server.link_requests == {DOOR: 1}
            door.stop()
            qtbot.waitUntil(lambda: view.stream.state == "reconnecting", timeout=10000)
            assert view.video.overlay_text().endswith("Reconnecting…")
            door = DoorsimProcess("--fps", "15", port=door.port).start()
            wait_playing(qtbot, view, timeout=15000)
            assert pbx.server.link_requests[DOOR] >= 2      # every attempt asked anew
            count, _ = marker(view.video.image)
            assert count < 100              # the restarted camera counts from zero again
    finally:
        door.stop()


def test_door_without_camera_says_so(qtbot, pbx: FakePbx) -> None:
    pbx.server.entries[2].has_video = False
    pbx.resync()
    with shown_view(qtbot, pbx) as view:
        view.start()
        assert view.stream.state == "stopped"
        assert view.video.overlay_text() == "This door has no camera."
        assert pbx.server.link_requests == {}


def test_door_view_only_for_doors(qtbot, pbx: FakePbx) -> None:
    assert door_view_for(pbx, "101") is None
    assert door_view_for(pbx, "") is None
    view = door_view_for(pbx, DOOR)
    assert isinstance(view, DoorView)
    qtbot.addWidget(view)
