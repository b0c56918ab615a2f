"""The appearances of a shared line: free ones are taken lowest first, a race for the last
one has one winner, a line-seize holds one for its member for 15 s."""

from __future__ import annotations

from softphone.pbx.features.appearances import SEIZE_SECONDS, LineState
from softphone.pbx.sharedlines import SharedLine

LINE = SharedLine("250", "Geschäftsführung", ("100", "102"), appearances=2)


class Clock:
    t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_calls_take_the_lowest_free_appearance_until_none_is_left() -> None:
    state = LineState(LINE, Clock())
    first = state.take("c1", "alerting", None, "101")
    second = state.take("c2", "progressing", "102", "103")
    assert (first and first.index, second and second.index) == (1, 2)
    assert state.take("c3", "alerting", None, "104") is None   # the loser of the race
    assert first is not None
    state.release(first)
    again = state.take("c3", "alerting", None, "104")
    assert again is not None and again.index == 1 and state.by_call("c3") is again


def test_a_seize_has_one_winner_and_is_used_by_its_members_next_call() -> None:
    clock = Clock()
    state = LineState(LINE, clock)
    won = state.seize("100", 2)
    assert won is not None and won.state == "seized"
    assert state.seize("102", 2) is None               # the same appearance: refused
    assert state.take("c1", "alerting", None, "101", index=2) is None
    call = state.take("c2", "progressing", "100", "103")
    assert call is won and call.state == "progressing" and call.call == "c2"


def test_a_seize_without_a_call_runs_out_after_15_seconds() -> None:
    clock = Clock()
    state = LineState(LINE, clock)
    state.seize("100", 1)
    clock.t += SEIZE_SECONDS - 1
    assert state.expire() == []
    clock.t += 1
    assert [a.index for a in state.expire()] == [1]
    assert state.snapshot()["appearances"] == [
        {"index": 1, "state": "idle", "member": None, "party": None},
        {"index": 2, "state": "idle", "member": None, "party": None}]


def test_an_appearance_outside_the_line_is_never_given() -> None:
    state = LineState(LINE, Clock())
    assert state.take("c1", "alerting", None, "101", index=3) is None
    assert state.take("c1", "alerting", None, "101", index=0) is None
