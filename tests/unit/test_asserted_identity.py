"""Reading P-Asserted-Identity (RFC 3325) off a SIP message in the engine: who the PBX says
is on the line after a pickup or a transfer (softphone/engine/calls.py)."""

from __future__ import annotations

import pytest

from softphone.engine.calls import IN_DIALOG, asserted_identity, parse_remote

HEAD = "INVITE sip:101@127.0.0.1 SIP/2.0\r\nTo: <sip:101@pbx>;tag=ab\r\n"


@pytest.mark.parametrize(("header", "party"), [
    ('P-Asserted-Identity: "Empfang" <sip:100@pbx>', ("100", "Empfang", "sip:100@pbx")),
    ('p-asserted-identity:"Anna, M" <sip:110@pbx>, <tel:+4930110>',
     ("110", "Anna, M", "sip:110@pbx")),
    ("P-Asserted-Identity: <sip:102@pbx>", ("102", "", "sip:102@pbx")),
])
def test_the_first_asserted_identity_is_read(header: str, party: tuple[str, str, str]) -> None:
    message = f"{HEAD}{header}\r\nContent-Length: 0\r\n\r\n"
    assert parse_remote(asserted_identity(message)) == party


def test_none_in_the_body_or_absent() -> None:
    body = "P-Asserted-Identity: <sip:666@evil>\r\n"
    assert asserted_identity(f"{HEAD}Content-Length: {len(body)}\r\n\r\n{body}") == ""
    assert asserted_identity(f"{HEAD}\r\n") == ""


def test_only_requests_inside_a_dialog_count() -> None:
    assert IN_DIALOG.search(HEAD)
    assert not IN_DIALOG.search("INVITE sip:101@h SIP/2.0\r\nTo: <sip:101@h>\r\n")
