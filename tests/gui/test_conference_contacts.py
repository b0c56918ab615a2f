"""Conference rooms in the contacts: the room icon, the access mode and how many are in
the room in words (tooltip, screen readers), the count beside the number, updated live
from the PBX's conference_count events (through the real PbxClient and its WebSocket)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from softphone.common.directory import DirectoryEntry, EntryType
from softphone.gui.contacts.local import LocalContacts
from softphone.gui.contacts.view import ContactsView
from tests.gui.test_door_contacts import paint_row, row
from tests.gui.test_pbx_client import connect, server  # noqa: F401  (server is a fixture)
from tests.helpers.fake_pbx import FakePbx, FakePbxServer

ROOM_COLOURS = {"#1565c0", "#1e88e5"}   # the people of conference.svg


def rooms() -> list[DirectoryEntry]:
    return [DirectoryEntry(EntryType.CONFERENCE, "300", "Konferenz", access="pin",
                           participant_control=True, participants=2),
            DirectoryEntry(EntryType.CONFERENCE, "302", "Offene Runde", access="open",
                           participant_control=False, participants=0),
            DirectoryEntry(EntryType.USER, "100", "Anna Müller")]


def test_rooms_show_icon_access_and_count_and_follow_the_pbx(qtbot, tmp_path: Path) -> None:
    pbx = FakePbx(FakePbxServer(entries=rooms()))
    local = LocalContacts(tmp_path / "contacts.sqlite3")
    view = ContactsView(pbx, local)
    qtbot.addWidget(view)
    try:
        pbx.connect_to("http://pbx", "100", "")
        icon = view.delegate.icon_rect(QImage(300, 30, QImage.Format.Format_ARGB32).rect())
        colours = {paint_row(view, "300").pixelColor(x, y).name()
                   for x in range(icon.left(), icon.right() + 1)
                   for y in range(icon.top(), icon.bottom() + 1)}
        assert colours & ROOM_COLOURS
        tip = row(view, "300").data(Qt.ItemDataRole.ToolTipRole)
        assert tip == "Konferenz, conference room, with PIN, in the room: 2, 300"
        assert "open to everyone, in the room: 0" in row(view, "302").data(
            Qt.ItemDataRole.ToolTipRole)
        pbx.conference_count_changed.emit("302", 4)
        assert "open to everyone, in the room: 4" in row(view, "302").data(
            Qt.ItemDataRole.AccessibleTextRole)
        # Activating a room asks to join it (the PIN first), not for a plain call.
        calls: list[str] = []
        view.call_requested.connect(calls.append)
        with qtbot.waitSignal(view.room_join_requested) as blocker:
            view.tree.activated.emit(row(view, "300"))
        assert blocker.args[0].number == "300" and calls == []
    finally:
        local.close()


def test_the_real_client_passes_conference_counts_on(qtbot, server, client,  # noqa: F811
                                                     tmp_path: Path) -> None:
    server.entries.append(DirectoryEntry(EntryType.CONFERENCE, "300", "Konferenz",
                                         access="pin", participant_control=True,
                                         participants=0))
    local = LocalContacts(tmp_path / "contacts.sqlite3")
    view = ContactsView(client, local)
    qtbot.addWidget(view)
    try:
        connect(qtbot, client, server.url)
        with qtbot.waitSignal(client.conference_count_changed, timeout=5000) as blocker:
            server.push({"type": "conference_count", "room": "300", "participants": 3})
        assert blocker.args == ["300", 3]
        assert "in the room: 3" in row(view, "300").data(Qt.ItemDataRole.ToolTipRole)
        event = {"type": "conference", "event": "join", "room": "300", "count": 3,
                 "participant": {"id": "0a1b2c3d4e5f", "number": "100", "name": "Anna"}}
        with qtbot.waitSignal(client.conference_event, timeout=5000) as blocker:
            server.push(event)
        assert blocker.args == [event]
    finally:
        local.close()
