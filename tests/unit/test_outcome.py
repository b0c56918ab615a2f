"""Call outcomes (softphone/pbx/features/outcome.py): what the devices' answers mean for the
call history, and the Reason header that tells the caller the same (RFC 6432)."""

from __future__ import annotations

import pytest

from softphone.pbx.features.outcome import failure_result, reason_header


@pytest.mark.parametrize(("status", "rang_out", "result"), [
    (486, False, "busy"), (600, False, "busy"), (603, False, "rejected"),
    (408, False, "unreachable"), (480, False, "unavailable"), (404, False, "unavailable"),
    (487, False, "cancelled"), (503, False, "failed"), (500, False, "failed"),
    (480, True, "no-answer"),     # the PBX stopped ringing: nobody answered
])
def test_failure_result(status: int, rang_out: bool, result: str) -> None:
    assert failure_result(status, rang_out) == result


def test_reason_header_names_the_q850_cause_where_the_status_is_ambiguous() -> None:
    assert reason_header("not-registered") == [
        ("Reason", 'Q.850;cause=20;text="Subscriber absent"')]
    assert reason_header("no-answer") == [("Reason", 'Q.850;cause=19;text="No answer from user"')]
    assert reason_header("failed") == []
