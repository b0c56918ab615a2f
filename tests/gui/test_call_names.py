"""Who is on the line: the company directory's name (or a local contact's) for a known
number, the number beneath it; a caller's SIP display name when the directory does not know
the number; the number alone otherwise. The client as app.py builds it (real MainWindow,
panels, history view, tray), on the FakeEngine and the FakePbx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from softphone.common.directory import DirectoryEntry, EntryType, Presence
from softphone.common.engine_protocol import CallState
from softphone.gui.app import Client
from softphone.gui.widgets.call_panel import CallPanel
from softphone.gui.widgets.history_view import HistoryModel
from softphone.gui.widgets.incoming_panel import IncomingPanel
from tests.gui.clients import started_client
from tests.helpers.fake_engine import FakeEngine
from tests.helpers.fake_pbx import FakePbx, FakePbxServer

DIRECTORY = [
    DirectoryEntry(EntryType.USER, "110", "Anna Müller", "Vertrieb", Presence.AVAILABLE),
    DirectoryEntry(EntryType.USER, "120", "Bernd Mueller", "Technik", Presence.AVAILABLE),
]


@pytest.fixture
def setup(qtbot: Any, tmp_path: Path) -> Iterator[tuple[Client, FakeEngine, FakePbx]]:
    client, engine, pbx = started_client(qtbot, tmp_path, FakePbxServer(entries=list(DIRECTORY)))
    yield client, engine, pbx
    client.shutdown()


@pytest.fixture
def no_api(qtbot: Any, tmp_path: Path) -> Iterator[tuple[Client, FakeEngine, FakePbx]]:
    """A plain SIP server: no client API, so the local contacts are the directory."""
    client, engine, pbx = started_client(qtbot, tmp_path, FakePbxServer(has_api=False))
    yield client, engine, pbx
    client.shutdown()


def dial(qtbot: Any, client: Client, engine: FakeEngine, number: str,
         call_id: str = "c1") -> CallPanel:
    """Type the number and press Enter; the engine reports the call as our PBX does (the
    callee's number, no name: the PBX names the callee to nobody)."""
    window = client.window
    qtbot.keyClicks(window.number_edit, number)
    qtbot.keyClick(window.number_edit, Qt.Key.Key_Return)
    (target,) = engine.last("call")
    engine.call(call_id, CallState.RINGING_OUT, remote_number=target,
                remote_uri=f"sip:{target}@127.0.0.1", started_at=1000.0)
    panel = window.panels[call_id]
    assert isinstance(panel, CallPanel)
    qtbot.waitUntil(panel.isVisible)
    return panel


def shown(panel: CallPanel | IncomingPanel) -> tuple[str, str]:
    """(the big line, the line beneath it or "" when hidden)."""
    number = panel.number_label.text() if panel.number_label.isVisibleTo(panel) else ""
    return panel.name_label.text(), number


def hang_up(qtbot: Any, client: Client, engine: FakeEngine, call_id: str = "c1") -> None:
    with qtbot.waitSignal(client.window.call_ended):
        engine.call(call_id, CallState.ENDED, connected_at=1003.0, ended_at=1030.0, code=200)


def history_rows(client: Client) -> list[str]:
    model = client.history_view.model
    return [model.index(row, HistoryModel.PARTY).data() for row in range(model.rowCount())]


def test_outgoing_call_to_a_known_number_shows_the_directory_name(qtbot, setup) -> None:
    client, engine, _ = setup
    panel = dial(qtbot, client, engine, "110")
    assert shown(panel) == ("Anna Müller", "110")
    engine.call("c1", CallState.ACTIVE, connected_at=1003.0)
    assert shown(panel) == ("Anna Müller", "110")
    # The status line after the end says who it was, too.
    hang_up(qtbot, client, engine)
    assert client.window.status.currentMessage().startswith("Anna Müller (110): ")
    # The history keeps the name.
    assert history_rows(client) == ["Anna Müller (110)"]


def test_outgoing_call_to_an_unknown_number_shows_the_number(qtbot, setup) -> None:
    client, engine, _ = setup
    panel = dial(qtbot, client, engine, "030 1234-56")
    assert shown(panel) == ("030123456", "")
    hang_up(qtbot, client, engine)
    assert history_rows(client) == ["030123456"]


def test_incoming_call_directory_name_before_sip_display_name(qtbot, setup) -> None:
    client, engine, _ = setup
    # A known number: the directory's name, whatever the caller's phone calls itself.
    engine.incoming("c1", "120", "SIP-Phone 7")
    ringing = client.window.panels["c1"]
    assert isinstance(ringing, IncomingPanel)
    assert shown(ringing) == ("Bernd Mueller", "120")
    assert client.tray.answer_action.text() == "Answer Bernd Mueller (120)"
    # An unknown number: the caller's SIP display name, the number beneath it.
    engine.incoming("c2", "0301111", "Carol Extern")
    waiting = client.window.panels["c2"]
    assert isinstance(waiting, IncomingPanel)
    assert shown(waiting) == ("Carol Extern", "0301111")
    # No name at all: the number alone.
    engine.incoming("c3", "0302222")
    anonymous = client.window.panels["c3"]
    assert isinstance(anonymous, IncomingPanel)
    assert shown(anonymous) == ("0302222", "")
    # Answered, the call panel says the same.
    engine.call("c1", CallState.ACTIVE, connected_at=1003.0)
    panel = client.window.panels["c1"]
    assert isinstance(panel, CallPanel)
    assert shown(panel) == ("Bernd Mueller", "120")
    hang_up(qtbot, client, engine, "c1")
    with qtbot.waitSignal(client.window.call_ended):
        engine.call("c2", CallState.ENDED, code=487, ended_at=1010.0)
    assert set(history_rows(client)) == {"Bernd Mueller (120)", "Carol Extern (0301111)"}


def test_name_appears_when_the_directory_arrives_later(qtbot, setup) -> None:
    client, engine, pbx = setup
    pbx.server.entries.append(DirectoryEntry(EntryType.USER, "130", "Clara Neu", "Technik"))
    outgoing = dial(qtbot, client, engine, "130")
    engine.incoming("c2", "140", "Dieter SIP")
    ringing = client.window.panels["c2"]
    assert isinstance(ringing, IncomingPanel)
    assert shown(outgoing) == ("130", "")
    assert shown(ringing) == ("Dieter SIP", "140")

    # The directory (re)loads mid-call: the user "140" is now known as well.
    pbx.server.entries.append(DirectoryEntry(EntryType.USER, "140", "Dieter Roth", "Technik"))
    with qtbot.waitSignal(pbx.directory_changed):
        pbx.resync()
    assert shown(outgoing) == ("Clara Neu", "130")
    assert shown(ringing) == ("Dieter Roth", "140")

    # The history keeps the name of the time of the call, not a later one.
    hang_up(qtbot, client, engine)
    pbx.server.entries[-2] = DirectoryEntry(EntryType.USER, "130", "Clara Umbenannt", "Technik")
    with qtbot.waitSignal(pbx.directory_changed):
        pbx.resync()
    client.history_view.refresh()
    assert history_rows(client) == ["Clara Neu (130)"]


def test_local_contacts_name_calls_without_the_pbx_api(qtbot, no_api) -> None:
    client, engine, _ = no_api
    assert not client.contacts_view.pbx_mode
    client.local_contacts.add("Zahnarztpraxis Weiß", "+49 30 1234-56")
    client.contacts_view.rebuild()
    panel = dial(qtbot, client, engine, "+49 30 123456")
    assert shown(panel) == ("Zahnarztpraxis Weiß", "+4930123456")

    # A contact added while a call rings: its name shows at once.
    engine.incoming("c2", "0309876", "Anruferin")
    ringing = client.window.panels["c2"]
    assert isinstance(ringing, IncomingPanel)
    assert shown(ringing) == ("Anruferin", "0309876")
    client.local_contacts.add("Schwester Ilse", "030 9876")
    client.contacts_view.rebuild()
    assert shown(ringing) == ("Schwester Ilse", "0309876")

    hang_up(qtbot, client, engine)
    assert history_rows(client) == ["Zahnarztpraxis Weiß (+4930123456)"]
