"""A conference room's talking events: gathered and sent at most five times a second per
room, each carrying every change since the last, so the last state always arrives."""

from __future__ import annotations

import itertools
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from softphone.pbx.conferences import Room
from softphone.pbx.features.conference import ConferenceRoom
from softphone.pbx.features.prompts import Prompts


class Loop:
    now = 0.0

    def time(self) -> float:
        return self.now


def test_talking_events_are_at_most_five_a_second_and_lose_nothing() -> None:
    loop = Loop()
    sent: list[tuple[float, dict[str, Any]]] = []
    room = ConferenceRoom(Room("300", "Konferenz"), Prompts(Path("/nonexistent")),
                          loop,  # type: ignore[arg-type]
                          lambda n, event, fields: sent.append((loop.now, fields)),
                          wall_clock=lambda: 0.0)
    a, b = SimpleNamespace(id="a"), SimpleNamespace(id="b")
    for tick in range(100):                      # two seconds of ticks
        loop.now = 10.0 + tick * 0.02
        room._talking(a, tick % 2 == 0)          # type: ignore[arg-type]  # flickers
        if tick == 60:
            room._talking(b, True)               # type: ignore[arg-type]
        room._tick()
    times = [t for t, _ in sent]
    assert len(sent) <= 10
    assert all(t2 - t1 >= 0.2 - 1e-9 for t1, t2 in itertools.pairwise(times))
    assert any(f["talking"].get("b") is True for _, f in sent)      # b's start arrived
    assert sent[-1][1]["talking"]["a"] is False                     # the last state of a


def test_prompts_are_read_per_language_and_rate() -> None:
    from softphone.common.resources import resource

    prompts = Prompts(resource("prompts"))
    de, en = prompts.get("enter_pin", "de", 8000), prompts.get("enter_pin", "en", 8000)
    assert len(de) > 8000 and len(en) > 8000 and len(de) != len(en)
    assert abs(len(prompts.get("enter_pin", "de", 16000)) - 2 * len(de)) <= 1
    assert prompts.get("join", "de", 8000) is prompts.get("join", "de", 8000)   # cached


def test_every_prompt_exists_in_both_languages() -> None:
    from softphone.common.resources import resource
    from softphone.pbx.features.prompts import NAMES

    for language in ("de", "en"):
        for name in NAMES:
            assert (resource("prompts") / language / f"{name}.wav").is_file(), (language, name)


def test_a_participant_silent_for_a_minute_is_hung_up_unless_holding() -> None:
    from softphone.pbx.features.conference import CHECK_EVERY, RTP_TIMEOUT

    now = [100.0]
    gone: list[str] = []
    room = ConferenceRoom(Room("302", "Offen"), Prompts(Path("/nonexistent")),
                          Loop(),  # type: ignore[arg-type]
                          lambda n, event, fields: None, wall_clock=lambda: 0.0,
                          on_gone=lambda p: gone.append(p.number),
                          monotonic=lambda: now[0])

    def member(number: str, sending: bool) -> SimpleNamespace:
        return SimpleNamespace(number=number, in_room=True,
                               endpoint=SimpleNamespace(sending=sending, last_rx=100.0))

    room.participants = {n: member(n, n != "103") for n in ("101", "102", "103")}
    room.participants["102"].endpoint.last_rx = 100.0 + RTP_TIMEOUT    # still talking
    now[0] = 100.0 + RTP_TIMEOUT + 1
    for _ in range(CHECK_EVERY):
        room._tick()
    assert gone == ["101"]             # 102 sent lately, 103 holds the call


def test_keypad_mutes_oneself_and_moderators_lock_and_mute_the_others() -> None:
    from softphone.common.resources import resource
    from softphone.pbx.features.conference import Participant
    from softphone.pbx.media.codecs import Codec
    from softphone.pbx.media.mixer import MixPort

    events: list[tuple[str, dict[str, Any]]] = []
    room = ConferenceRoom(Room("300", "Konferenz"), Prompts(resource("prompts")),
                          Loop(),  # type: ignore[arg-type]
                          lambda n, event, fields: events.append((event, fields)),
                          wall_clock=lambda: 0.0)

    def person(number: str, moderator: bool = False) -> Participant:
        p = Participant(id=number, number=number, name=number, leg=None,  # type: ignore[arg-type]
                        endpoint=None, port=MixPort(Codec(0), lambda b: None),  # type: ignore[arg-type]
                        origin=None, moderator=moderator)  # type: ignore[arg-type]
        p.port.in_mix = True
        room.participants[number] = p
        return p

    boss, guest, other = person("100", moderator=True), person("101"), person("102")
    for key in "*6":
        room.keypad(guest, key)
    assert guest.port.muted and guest.port.playing          # "you are muted", to it alone
    for key in "*7":
        room.keypad(guest, key)                              # not a moderator: nothing
    assert not other.port.muted
    for key in "*7":
        room.keypad(boss, key)
    assert other.port.muted and not boss.port.muted
    for key in "*8*5":
        room.keypad(boss, key)
    assert not other.port.muted and not guest.port.muted and room.locked
    assert [(e, f.get("number"), f.get("muted", f.get("locked"))) for e, f in events] == [
        ("mute", "101", True), ("mute", "102", True),
        ("mute", "101", False), ("mute", "102", False), ("lock", None, True)]
