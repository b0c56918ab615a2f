"""CallHistory (SQLite) and the HistoryView that lists it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from softphone.common.call_outcome import Outcome
from softphone.common.engine_protocol import CallInfo, CallState, Direction
from softphone.gui.history import CallHistory, HistoryEntry
from softphone.gui.widgets.history_view import HistoryModel, HistoryView, format_duration

T0 = 1_700_000_000.0


def ended(call_id: str, direction: Direction, number: str, *, start: float,
          connected: float = 0.0, end: float = 0.0, name: str = "", code: int = 0,
          cause: str = "") -> CallInfo:
    return CallInfo(call_id=call_id, state=CallState.ENDED, direction=direction,
                    remote_number=number, remote_name=name,
                    remote_uri=f"sip:{number}@pbx.example.com", code=code, cause=cause,
                    started_at=start, connected_at=connected, ended_at=end or start + 5)


@pytest.fixture
def history(tmp_path: Path):
    h = CallHistory(tmp_path / "history.sqlite")
    yield h
    h.close()


def fill(history: CallHistory) -> None:
    # outgoing, answered, 65 s
    history.record(ended("1", Direction.OUT, "201", name="Anna", start=T0, connected=T0 + 3,
                         end=T0 + 68))
    # incoming, answered, 30 s
    history.record(ended("2", Direction.IN, "202", name="Bernd", start=T0 + 100,
                         connected=T0 + 104, end=T0 + 134))
    # incoming, never answered, not rejected by us: missed
    history.record(ended("3", Direction.IN, "203", start=T0 + 200, code=487))
    # incoming, rejected by us
    history.record(ended("4", Direction.IN, "204", start=T0 + 300, code=486), rejected=True)
    # outgoing, not answered (busy)
    history.record(ended("5", Direction.OUT, "205", start=T0 + 400, code=486))


def test_record_kinds_and_durations(history: CallHistory) -> None:
    fill(history)
    entries = history.entries()
    assert [e.number for e in entries] == ["205", "204", "203", "202", "201"]   # newest first
    by_number = {e.number: e for e in entries}
    assert by_number["201"] == HistoryEntry(
        id=by_number["201"].id, direction=Direction.OUT, number="201", name="Anna",
        started_at=T0, duration=65.0, missed=False, rejected=False)
    assert by_number["202"].direction == Direction.IN
    assert by_number["202"].duration == 30.0
    assert not by_number["202"].missed
    assert by_number["203"].missed and not by_number["203"].rejected
    assert by_number["203"].duration == 0.0
    assert by_number["204"].rejected and not by_number["204"].missed
    assert not by_number["205"].missed and by_number["205"].duration == 0.0


def test_missed_filter_and_limit(history: CallHistory) -> None:
    fill(history)
    assert [e.number for e in history.entries(missed_only=True)] == ["203"]
    assert [e.number for e in history.entries(limit=2)] == ["205", "204"]


def test_same_call_recorded_once_and_only_when_ended(history: CallHistory) -> None:
    info = ended("9", Direction.IN, "209", start=T0)
    history.record(info)
    history.record(info)
    assert len(history.entries()) == 1
    info.state = CallState.ACTIVE
    with pytest.raises(ValueError):
        history.record(info)


def test_number_falls_back_to_uri(history: CallHistory) -> None:
    info = ended("7", Direction.IN, "", start=T0)
    info.remote_uri = "sip:anonymous@anonymous.invalid"
    history.record(info)
    assert history.entries()[0].number == "sip:anonymous@anonymous.invalid"


def test_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "history.sqlite"
    first = CallHistory(path)
    fill(first)
    first.close()
    second = CallHistory(path)
    try:
        assert [e.number for e in second.entries()] == ["205", "204", "203", "202", "201"]
        assert [e.number for e in second.entries(missed_only=True)] == ["203"]
    finally:
        second.close()


def test_format_duration() -> None:
    assert format_duration(0) == "0:00"
    assert format_duration(65) == "1:05"
    assert format_duration(3725) == "1:02:05"


# -- HistoryView ------------------------------------------------------------------------------

@pytest.fixture
def view(qtbot, history: CallHistory) -> HistoryView:
    fill(history)
    widget = HistoryView(history)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def cell(view: HistoryView, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return view.model.index(row, column).data(role)


def test_view_shows_entries(view: HistoryView) -> None:
    assert view.model.rowCount() == 5
    assert not view.empty_label.isVisible()
    # newest first: 205 (outgoing, not answered) ... 201 (Anna, 1:05)
    assert cell(view, 4, HistoryModel.PARTY) == "Anna (201)"
    assert cell(view, 4, HistoryModel.DURATION) == "1:05"
    assert cell(view, 4, HistoryModel.KIND) == "↗"
    assert cell(view, 4, HistoryModel.KIND, Qt.ItemDataRole.ToolTipRole) == "Outgoing call"
    assert cell(view, 3, HistoryModel.KIND, Qt.ItemDataRole.ToolTipRole) == "Incoming call"
    assert cell(view, 2, HistoryModel.KIND, Qt.ItemDataRole.ToolTipRole) == "Missed call"
    assert cell(view, 2, HistoryModel.DURATION) == "Missed"
    assert cell(view, 2, HistoryModel.KIND, Qt.ItemDataRole.ForegroundRole) is not None
    assert cell(view, 1, HistoryModel.DURATION) == "Rejected"
    assert cell(view, 0, HistoryModel.DURATION) == "Busy"
    assert cell(view, 0, HistoryModel.WHEN)   # locale-formatted date and time
    assert view.model.headerData(
        HistoryModel.DURATION, Qt.Orientation.Horizontal) == "Duration"


def test_missed_only_toggle(qtbot, view: HistoryView, history: CallHistory) -> None:
    qtbot.mouseClick(view.missed_only, Qt.MouseButton.LeftButton)
    assert view.missed_only.isChecked()
    assert view.model.rowCount() == 1
    assert cell(view, 0, HistoryModel.PARTY) == "203"
    qtbot.mouseClick(view.missed_only, Qt.MouseButton.LeftButton)
    assert view.model.rowCount() == 5


def test_call_back_button(qtbot, view: HistoryView) -> None:
    assert not view.call_back.isEnabled()          # nothing selected yet
    view.view.setCurrentIndex(view.model.index(2, 0))
    assert view.call_back.isEnabled()
    with qtbot.waitSignal(view.call_requested) as blocker:
        qtbot.mouseClick(view.call_back, Qt.MouseButton.LeftButton)
    assert blocker.args == ["203"]


def test_enter_calls_back(qtbot, view: HistoryView) -> None:
    view.view.setFocus()
    view.view.setCurrentIndex(view.model.index(4, 1))
    with qtbot.waitSignal(view.call_requested) as blocker:
        qtbot.keyClick(view.view, Qt.Key.Key_Return)
    assert blocker.args == ["201"]


def test_refresh_shows_new_call_and_keeps_selection(qtbot, view: HistoryView,
                                                    history: CallHistory) -> None:
    view.view.setCurrentIndex(view.model.index(0, 0))    # 205
    history.record(ended("6", Direction.IN, "206", start=T0 + 500))
    view.refresh()
    assert view.model.rowCount() == 6
    assert cell(view, 0, HistoryModel.PARTY) == "206"
    assert view.view.currentIndex().row() == 1
    with qtbot.waitSignal(view.call_requested) as blocker:
        qtbot.mouseClick(view.call_back, Qt.MouseButton.LeftButton)
    assert blocker.args == ["205"]


def test_empty_history(qtbot, history: CallHistory) -> None:
    widget = HistoryView(history)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.empty_label.isVisible()
    assert widget.empty_label.text() == "No calls yet."
    assert not widget.call_back.isEnabled()


# -- outcomes (issue 11 item 11: undelivered calls were all "no answer") ----------------------

# (code, Reason cause as the engine reports it, what the history shows) for outgoing calls
# through our PBX (tests/interop/test_sipp_undelivered.py) and through other servers.
OUTGOING = [
    (480, "Q.850;20", Outcome.NOT_REGISTERED, "Not registered"),
    (480, "Q.850;19", Outcome.NO_ANSWER, "No answer"),
    (408, "Q.850;18", Outcome.UNREACHABLE, "Not reachable"),
    (480, "", Outcome.UNAVAILABLE, "Unavailable"),
    (408, "", Outcome.NO_ANSWER, "No answer"),
    (503, "", Outcome.FAILED, "Failed"),
    (500, "", Outcome.FAILED, "Failed"),
    (0, "", Outcome.FAILED, "Failed"),          # no response at all (network)
    (486, "Q.850;17", Outcome.BUSY, "Busy"),
    (603, "Q.850;21", Outcome.DECLINED, "Declined"),
    (404, "Q.850;1", Outcome.NOT_FOUND, "Number not found"),
    (487, "", Outcome.CANCELLED, "Cancelled"),
]


@pytest.mark.parametrize(("code", "cause", "outcome", "text"), OUTGOING,
                         ids=[f"{c}-{r or 'none'}" for c, r, _, _ in OUTGOING])
def test_undelivered_outgoing_call_says_what_happened(
    qtbot, history: CallHistory, code: int, cause: str, outcome: Outcome, text: str,
) -> None:
    history.record(ended("o", Direction.OUT, "103", start=T0, code=code, cause=cause))
    (entry,) = history.entries()
    assert entry.outcome == outcome and not entry.missed
    model = HistoryModel()
    model.set_entries([entry])
    assert model.index(0, HistoryModel.DURATION).data() == text


def test_incoming_answered_elsewhere_is_not_missed(history: CallHistory) -> None:
    history.record(ended("e", Direction.IN, "210", start=T0, code=487, cause="SIP;200"))
    history.record(ended("m", Direction.IN, "211", start=T0 + 1, code=487))
    assert [(e.number, e.outcome, e.missed) for e in history.entries()] == [
        ("211", Outcome.MISSED, True), ("210", Outcome.ANSWERED_ELSEWHERE, False)]
    assert [e.number for e in history.entries(missed_only=True)] == ["211"]


def test_a_version_1_history_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE calls (id INTEGER PRIMARY KEY, call_id TEXT NOT NULL, direction TEXT NOT"
        " NULL, number TEXT NOT NULL, name TEXT NOT NULL, uri TEXT NOT NULL, started_at REAL"
        " NOT NULL, connected_at REAL NOT NULL, ended_at REAL NOT NULL, duration REAL NOT"
        " NULL, missed INTEGER NOT NULL, rejected INTEGER NOT NULL, code INTEGER NOT NULL,"
        " UNIQUE (call_id, started_at));"
        "INSERT INTO calls VALUES (1, 'x', 'out', '205', '', '', 1, 0, 2, 0, 0, 0, 486);"
        "PRAGMA user_version = 1;")
    old.close()
    migrated = CallHistory(path)
    try:
        assert [(e.number, e.outcome) for e in migrated.entries()] == [("205", Outcome.BUSY)]
        migrated.record(ended("n", Direction.OUT, "103", start=T0, code=480, cause="Q.850;20"))
        assert migrated.entries()[0].outcome == Outcome.NOT_REGISTERED
    finally:
        migrated.close()
