"""Reading a Reason header (RFC 3326, RFC 6432) off a SIP message for the call history
(softphone/common/call_outcome.py); the outcomes themselves are in tests/gui/test_history.py."""

from __future__ import annotations

import pytest

from softphone.common.call_outcome import answered_by, reason_cause
from softphone.pbx.features.dialer import completed_elsewhere

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


@pytest.mark.parametrize("by", ["201", "*8", "+4930123"])
def test_the_pbx_names_who_answered_elsewhere(by: str) -> None:
    """What the PBX's dialer sends to the devices it stops is what the phone reads back."""
    header = f"Reason: {completed_elsewhere(by)}"
    message = f"CANCEL sip:101@127.0.0.1 SIP/2.0\r\n{header}\r\nContent-Length: 0\r\n\r\n"
    assert (reason_cause(message), answered_by(message)) == ("SIP;200", by)


def test_no_answering_party_without_the_parameter() -> None:
    header = 'Reason: SIP;cause=200;text="Call completed elsewhere"'
    assert answered_by(f"{HEAD}{header}\r\nContent-Length: 0\r\n\r\n") == ""


def test_a_forged_party_cannot_break_the_header() -> None:
    """An extension is digits and a few signs: quotes and semicolons never reach the wire."""
    assert completed_elsewhere('20"1;x=y') == (
        'SIP;cause=200;text="Call completed elsewhere";answered-by="201xy"')
    assert completed_elsewhere('";') == 'SIP;cause=200;text="Call completed elsewhere"'
