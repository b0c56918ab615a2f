"""Reading a Reason header (RFC 3326, RFC 6432) off a SIP message for the call history
(softphone/common/call_outcome.py); the outcomes themselves are in tests/gui/test_history.py."""

from __future__ import annotations

import pytest

from softphone.common.call_outcome import reason_cause

HEAD = "SIP/2.0 480 Not registered\r\nVia: SIP/2.0/UDP 127.0.0.1\r\nCSeq: 2 INVITE\r\n"


@pytest.mark.parametrize(("header", "cause"), [
    ('Reason: Q.850;cause=20;text="Subscriber absent"', "Q.850;20"),
    ("reason:q.850 ; cause = 19", "Q.850;19"),
    ('Reason: SIP;cause=200;text="Call completed elsewhere"', "SIP;200"),
    ('Reason: SIP;text="no cause"', ""),
    ("Reason: FOO;cause=3", ""),
    ("X-Reason: Q.850;cause=20", ""),
])
def test_reason_cause(header: str, cause: str) -> None:
    assert reason_cause(f"{HEAD}{header}\r\nContent-Length: 0\r\n\r\n") == cause


def test_a_reason_in_the_body_is_not_the_messages() -> None:
    body = "Reason: Q.850;cause=20\r\n"
    assert reason_cause(f"{HEAD}Content-Length: {len(body)}\r\n\r\n{body}") == ""
