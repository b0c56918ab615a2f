"""The participant panel of a conference call: it appears once a call to a room is
answered, fills in when the PBX reports the user's own join, follows join, leave, mute,
lock and talking events, mutes oneself with *6 in the call, gives administrators (whom
the PBX shows the settings) mute, remove, mute-everyone and lock, and goes with the call."""

from __future__ import annotations

from typing import Any

import pytest

from softphone.common.directory import DirectoryEntry, EntryType
from softphone.common.engine_protocol import CallInfo, CallState, Direction
from softphone.gui.conference.calls import ConferenceCalls
from softphone.gui.conference.panel import ParticipantPanel
from softphone.gui.pbx_backend import PbxError
from softphone.gui.pbx_client import PbxClient
from tests.e2e.test_conference import ROOMS
from tests.helpers.fake_engine import FakeEngine
from tests.helpers.fake_pbx import FakePbx, FakePbxServer
from tests.helpers.pbxproc import PbxProcess, free_port, write_config

ANNA = {"id": "aaaaaaaaaaaa", "number": "100", "name": "Anna", "joined_at": 1.0,
        "muted": False, "talking": False}
JOE = {"id": "bbbbbbbbbbbb", "number": "101", "name": "Joe", "joined_at": 2.0,
       "muted": False, "talking": False}


def room(admin: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"number": "300", "name": "Konferenz", "access": "pin",
                           "participant_control": True, "participant_count": 2,
                           "locked": False, "participants": [ANNA, JOE]}
    if admin:
        out["settings"] = {"pin": "4711"}
    return out


def setup(qtbot, admin: bool) -> tuple[ConferenceCalls, FakeEngine, FakePbx, list[Any]]:
    server = FakePbxServer(entries=[DirectoryEntry(EntryType.CONFERENCE, "300", "Konferenz",
                                                   access="pin")],
                           rooms={"300": room(admin)})
    pbx, engine, shown = FakePbx(server), FakeEngine(), []
    pbx.connect_to("http://pbx", "101", "")
    calls = ConferenceCalls(engine, pbx, me=lambda: "101", show=shown.append)
    return calls, engine, pbx, shown


def call(engine: FakeEngine, state: CallState) -> None:
    engine.call_changed.emit(CallInfo("c7", state, Direction.OUT, remote_number="300"))


def rows(panel: ParticipantPanel) -> list[str]:
    return [panel.list.item(i).text() for i in range(panel.list.count())]


def test_the_panel_follows_the_room_and_mutes_oneself_with_star_6(qtbot) -> None:
    calls, engine, pbx, shown = setup(qtbot, admin=False)
    call(engine, CallState.ACTIVE)
    panel = calls.panel
    assert panel is not None and shown == [panel] and rows(panel) == []
    assert "request_conference" not in pbx.names()      # not in the room yet (PIN)
    pbx.conference_event.emit({"type": "conference", "event": "join", "room": "300",
                               "participant": JOE, "count": 2})
    assert rows(panel) == ["Anna (100)", "Joe (101)"]    # the whole room, from the PBX
    assert not any(b.isVisibleTo(panel) for b in panel.admin_buttons)
    pbx.conference_event.emit({"type": "conference", "event": "talking", "room": "300",
                               "talking": {ANNA["id"]: True}})
    assert rows(panel)[0] == "Anna (100) – talking"
    panel.self_mute_button.click()
    assert engine.last("dtmf") == ("c7", "*6")
    pbx.conference_event.emit({"type": "conference", "event": "mute", "room": "300",
                               "participant": JOE["id"], "muted": True})
    assert rows(panel)[1] == "Joe (101) – muted"
    assert panel.self_mute_button.text() == "Unmute me"
    pbx.conference_event.emit({"type": "conference", "event": "leave", "room": "300",
                               "participant": ANNA["id"], "count": 1})
    pbx.conference_event.emit({"type": "conference", "event": "lock", "room": "301",
                               "locked": True})              # another room: not ours
    assert rows(panel) == ["Joe (101) – muted"] and not panel.locked
    call(engine, CallState.ENDED)
    assert shown == [panel, None] and calls.panel is None


def test_administrators_mute_remove_and_lock(qtbot) -> None:
    calls, engine, pbx, _ = setup(qtbot, admin=True)
    call(engine, CallState.ACTIVE)
    pbx.conference_event.emit({"type": "conference", "event": "join", "room": "300",
                               "participant": JOE, "count": 2})
    panel = calls.panel
    assert panel is not None and all(b.isVisibleTo(panel) for b in panel.admin_buttons)
    panel.list.setCurrentRow(0)
    panel.mute_button.click()
    panel.remove_button.click()
    panel.mute_all_button.click()
    panel.lock_button.click()
    pbx.conference_event.emit({"type": "conference", "event": "lock", "room": "300",
                               "locked": True})
    assert panel.locked and panel.lock_button.text() == "Unlock"
    panel.lock_button.click()
    actions = [args[1] for name, args in pbx.requests if name == "request_conference"]
    assert actions == [None, ("PUT", f"participants/{ANNA['id']}/mute"),
                       ("DELETE", f"participants/{ANNA['id']}"), ("PUT", "mute"),
                       ("PUT", "lock"), ("DELETE", "lock")]


@pytest.mark.e2e
def test_the_real_client_asks_the_real_pbx_for_a_room(qtbot, tmp_path) -> None:
    """PbxClient -> the daemon's API: an administrator's view of room 302 (with its
    settings), and a refused action (nobody to lock) reported as a failed request."""
    port = free_port()
    config = write_config(tmp_path / "pbx.toml", sip_port=port,
                          rtp_base=24000 + (port % 40) * 200, extra=ROOMS)
    daemon = PbxProcess(config, tmp_path / "data", sip_port=port).start()
    client = PbxClient(backoff=(0.05, 0.1, 0.2))
    try:
        with qtbot.waitSignal(client.connection_state_changed, timeout=10000,
                              check_params_cb=lambda s: s == "connected"):
            client.connect_to(daemon.api_url(), "100", "pw100")
        assert client.entry("302").type == EntryType.CONFERENCE
        with qtbot.waitSignal(client.conference_room, timeout=10000) as blocker:
            client.request_conference("302")
        assert blocker.args[0]["name"] == "Offene Runde"
        assert blocker.args[0]["participants"] == [] and "settings" in blocker.args[0]
        with qtbot.waitSignal(client.error, timeout=10000) as blocker:
            client.request_conference("302", ("PUT", "lock"))
        assert blocker.args[0] == PbxError.REQUEST_FAILED and "not_in_room" in blocker.args[1]
    finally:
        client.disconnect()
        assert daemon.stop() == 0


def test_a_moderator_gets_the_controls_too(qtbot) -> None:
    panel = ParticipantPanel(me="101")
    qtbot.addWidget(panel)
    panel.set_room({**room(admin=False), "participants": [ANNA, {**JOE, "moderator": True}]})
    assert all(b.isVisibleTo(panel) for b in panel.admin_buttons)
    panel.set_room(room(admin=False))
    assert not any(b.isVisibleTo(panel) for b in panel.admin_buttons)
