"""Entering a PIN room: digits typed over the prompt count, # ends the entry, 10 s of
silence repeat the prompt, a wrong PIN is announced and counted, the third hangs up after
"wrong PIN, goodbye", and the moderator PIN lets the caller in as moderator."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from softphone.pbx.conferences import Room
from softphone.pbx.features.conference_entry import MAX_PROMPTS, TIMEOUT, PinEntry
from tests.helpers.fakeclock import FakeClock


class Port:
    def __init__(self) -> None:
        self.queue: list[tuple[str, Callable[[], None] | None]] = []

    def stop_prompts(self) -> None:
        self.queue.clear()

    def finish(self) -> None:
        """The queued prompts play to their end."""
        queue, self.queue = self.queue, []
        for _, then in queue:
            if then is not None:
                then()


class Room_:
    number = "300"

    def __init__(self, port: Port) -> None:
        self.settings = Room("300", "Konferenz", "pin", pin="4711", moderator_pin="9876")
        self.port = port
        self.played: list[str] = []

    def play(self, p: object, name: str, then: Callable[[], None] | None = None) -> None:
        self.played.append(name)
        self.port.queue.append((name, then))


def entry() -> tuple[PinEntry, Room_, Port, FakeClock, list[object]]:
    port, clock, log = Port(), FakeClock(), []
    room = Room_(port)
    p = SimpleNamespace(number="102", port=port, moderator=False)
    e = PinEntry(room, p, clock, lambda: log.append("wrong"),  # type: ignore[arg-type]
                 admit=lambda moderator: log.append(("admit", moderator)),
                 reject=lambda: log.append("reject"))
    e.start()
    return e, room, port, clock, log


def keys(e: PinEntry, digits: str) -> None:
    for d in digits:
        e.digit(d)


def test_the_right_pin_typed_over_the_prompt_lets_in() -> None:
    e, room, port, clock, log = entry()
    assert room.played == ["enter_pin"]
    keys(e, "47")
    assert port.queue == []                       # the prompt stopped at the first key
    keys(e, "11#")
    assert log == [("admit", False)]
    clock.advance(60)
    assert room.played == ["enter_pin"]           # no prompt after admission


def test_silence_repeats_the_prompt_then_gives_up() -> None:
    _, room, port, clock, log = entry()
    port.finish()
    for _ in range(MAX_PROMPTS - 1):
        clock.advance(TIMEOUT)
        port.finish()
    assert room.played == ["enter_pin"] * MAX_PROMPTS
    clock.advance(TIMEOUT)
    assert log == ["reject"]


def test_three_wrong_pins_are_counted_and_hung_up_after_goodbye() -> None:
    e, room, port, _, log = entry()
    keys(e, "1234#")
    assert room.played == ["enter_pin", "wrong_pin", "enter_pin"] and log == ["wrong"]
    keys(e, "#")                                  # nothing typed: wrong too
    keys(e, "47111#")
    assert log == ["wrong"] * 3
    assert room.played[-1] == "wrong_pin_goodbye"
    port.finish()
    assert log == ["wrong"] * 3 + ["reject"]
    keys(e, "4711#")
    assert ("admit", False) not in log


def test_the_moderator_pin_makes_a_moderator() -> None:
    e, _, _, _, log = entry()
    keys(e, "9876#")
    assert log == [("admit", True)]
