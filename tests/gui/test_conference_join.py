"""Joining a conference room from the client: the PIN dialog takes 4-10 digits only; the
PIN is asked for before the call (or taken from the keyring when the user let it remember
it) and keyed in as DTMF with "#" once the room answers; rooms without a PIN are just
called; double-clicking a room in the contacts asks to join it."""

from __future__ import annotations

from typing import Any

from keyring.backend import KeyringBackend
from PySide6.QtWidgets import QDialogButtonBox

from softphone.common.directory import DirectoryEntry, EntryType
from softphone.common.engine_protocol import CallInfo, CallState, Direction
from softphone.gui.conference.join import ConferenceJoiner, RoomPins
from softphone.gui.conference.pin import PinDialog
from tests.helpers.fake_engine import FakeEngine

PIN_ROOM = DirectoryEntry(EntryType.CONFERENCE, "300", "Konferenz", access="pin",
                          participant_control=True, participants=0)
OPEN_ROOM = DirectoryEntry(EntryType.CONFERENCE, "302", "Offene Runde", access="open",
                           participant_control=False, participants=0)


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def test_the_pin_dialog_takes_four_to_ten_digits_only(qtbot) -> None:
    dialog = PinDialog("Konferenz", "300")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    for typed, shown, enabled in (("471", "471", False), ("4a7b1c1", "4711", True),
                                  ("12345678901", "1234567890", True)):
        dialog.pin_edit.clear()
        qtbot.keyClicks(dialog.pin_edit, typed)
        assert (dialog.pin, ok.isEnabled()) == (shown, enabled)
    assert "Konferenz" in dialog.label.text() and not dialog.remember


def joiner(qtbot, asked: list[Any], answer: tuple[str, bool] | None,
           keys: MemoryKeyring) -> tuple[ConferenceJoiner, FakeEngine, list[str]]:
    engine, calls = FakeEngine(), []

    def ask(entry: DirectoryEntry) -> tuple[str, bool] | None:
        asked.append(entry.number)
        return answer

    return ConferenceJoiner(engine, calls.append, RoomPins(keys), ask), engine, calls


def answered(engine: FakeEngine, number: str, state: CallState = CallState.ACTIVE) -> None:
    engine.call_changed.emit(CallInfo("c1", state, Direction.OUT, remote_number=number))


def test_the_pin_is_keyed_in_once_the_room_answers(qtbot) -> None:
    asked: list[Any] = []
    keys = MemoryKeyring()
    join, engine, calls = joiner(qtbot, asked, ("4711", False), keys)
    join.join(PIN_ROOM)
    assert (asked, calls, keys.store) == (["300"], ["300"], {})   # not remembered
    answered(engine, "300", CallState.RINGING_OUT)
    assert "dtmf" not in engine.names()
    answered(engine, "300")
    assert engine.last("dtmf") == ("c1", "4711#")
    answered(engine, "300")                                        # once only
    assert engine.names().count("dtmf") == 1


def test_a_remembered_pin_is_not_asked_for_and_open_rooms_are_just_called(qtbot) -> None:
    asked: list[Any] = []
    keys = MemoryKeyring()
    join, engine, calls = joiner(qtbot, asked, ("4711", True), keys)
    join.join(PIN_ROOM)
    assert keys.store == {("softphone-conference", "300"): "4711"}
    join.join(PIN_ROOM)
    join.join(OPEN_ROOM)
    assert asked == ["300"] and calls == ["300", "300", "302"]
    answered(engine, "302")
    answered(engine, "300")
    assert engine.names().count("dtmf") == 1


def test_cancelling_the_dialog_places_no_call(qtbot) -> None:
    asked: list[Any] = []
    join, _, calls = joiner(qtbot, asked, None, MemoryKeyring())
    join.join(PIN_ROOM)
    assert asked == ["300"] and calls == []


def ended(engine: FakeEngine, number: str, code: int, connected: bool = False,
          cause: str = "") -> None:
    engine.call_changed.emit(CallInfo("c1", CallState.ENDED, Direction.OUT,
                                      remote_number=number, code=code, cause=cause,
                                      connected_at=5.0 if connected else 0.0))


def test_refusals_and_a_wrong_pin_are_explained_and_a_failed_pin_forgotten(qtbot) -> None:
    keys = MemoryKeyring()
    join, engine, _ = joiner(qtbot, [], ("4711", True), keys)
    join._me = lambda: "101"
    said: list[str] = []
    join.explained.connect(said.append)
    whitelist = DirectoryEntry(EntryType.CONFERENCE, "301", "Vorstand", access="whitelist")
    join.join(whitelist)
    ended(engine, "301", 403)
    join.join(OPEN_ROOM)
    ended(engine, "302", 486)
    join.join(PIN_ROOM)                                  # PIN asked for and remembered
    answered(engine, "300")
    ended(engine, "300", 200, connected=True)            # the user gave up: nothing said
    assert said == ["Vorstand: your number is not admitted to this conference room "
                    "(or it was withheld)", "Offene Runde: the conference room is full"]
    join.join(PIN_ROOM)
    answered(engine, "300")
    ended(engine, "300", 200, connected=True, cause="SIP;403")  # the room's BYE: wrong PIN
    assert said == ["Vorstand: your number is not admitted to this conference room "
                    "(or it was withheld)", "Offene Runde: the conference room is full",
                    "Konferenz: the PIN was not accepted"]
    assert keys.store == {}                              # the dialog asks next time
    # Admitted (its own join event came), then left: nothing to explain.
    join.join(PIN_ROOM)
    answered(engine, "300")
    join.on_conference_event({"type": "conference", "event": "join", "room": "300",
                              "participant": {"number": "101"}})
    ended(engine, "300", 200, connected=True)
    assert len(said) == 3
    # A room that filled up while the PIN was keyed says so in its BYE.
    join.join(PIN_ROOM)
    answered(engine, "300")
    ended(engine, "300", 200, connected=True, cause="SIP;486")
    assert said[-1] == "Konferenz: the conference room is full"
