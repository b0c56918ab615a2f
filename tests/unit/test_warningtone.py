"""The barge-in warning tone's timing: none, once, or every interval until the barge ends."""

from __future__ import annotations

import pytest

from softphone.pbx.features.warningtone import WarningTone
from tests.helpers.fakeclock import FakeClock


@pytest.mark.parametrize(("mode", "played"), [("none", 0), ("once", 1), ("repeat", 4)])
def test_tones_heard_in_the_first_95_seconds(mode: str, played: int) -> None:
    clock, heard = FakeClock(), []
    tone = WarningTone(clock, mode, 30.0, lambda: heard.append(clock.now()))
    tone.start()
    clock.advance(95)
    assert len(heard) == played
    assert heard == [0.0, 30.0, 60.0, 90.0][:played]


def test_no_tone_after_the_barge_ends() -> None:
    clock, heard = FakeClock(), []
    tone = WarningTone(clock, "repeat", 30.0, lambda: heard.append(clock.now()))
    tone.start()
    clock.advance(31)
    tone.stop()
    clock.advance(120)
    assert heard == [0.0, 30.0] and clock.pending == 0
