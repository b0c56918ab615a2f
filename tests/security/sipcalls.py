"""A call answered between two plain SIP clients through the PBX, for the attack tests
that need one (media timeout, in-dialog requests from strangers)."""

from __future__ import annotations

import re
import uuid

from softphone.pbx.sip.message import Request, Response, make_response
from tests.helpers.pbxproc import free_port
from tests.helpers.sipclient import SipClient


def sdp(port: int) -> bytes:
    return (f"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n").encode()


def next_request(client: SipClient, method: str) -> Request:
    while True:
        msg = client.recv()
        assert msg is not None, f"no {method} came"
        if isinstance(msg, Request) and msg.method == method:
            return msg


def in_dialog(method: str, sender: SipClient, invite: Request, ok: Response,
              cseq: int) -> bytes:
    """``method`` inside the caller's dialog (``invite`` and its 200 ``ok``), sent from
    ``sender``'s address (the caller's own, or a stranger's who learnt the dialog)."""
    contact = re.search(r"<([^>]+)>", ok.headers.get("Contact") or "")
    assert contact is not None
    return (f"{method} {contact.group(1)} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {sender.bind}:{sender.port};branch=z9hG4bK"
            f"{uuid.uuid4().hex[:12]};rport\r\nMax-Forwards: 70\r\n"
            f"From: {invite.headers.get('From')}\r\nTo: {ok.headers.get('To')}\r\n"
            f"Call-ID: {invite.call_id}\r\nCSeq: {cseq} {method}\r\n"
            f"Content-Length: 0\r\n\r\n").encode()


def answered_call(caller: SipClient, callee: SipClient, media_port: int
                  ) -> tuple[Request, Response]:
    """101 (``caller``, RTP at ``media_port``) calls 102 (``callee``, registered here),
    which answers; the caller ACKs. The caller's INVITE and the 200 it got."""
    invite, ok, _ = answered_call_with(caller, callee, media_port)
    return invite, ok


def answered_call_with(caller: SipClient, callee: SipClient, media_port: int,
                       extra: list[tuple[str, str]] | None = None
                       ) -> tuple[Request, Response, Request]:
    """answered_call with ``extra`` headers in the caller's INVITE; also returns the
    INVITE the callee got."""
    response = callee.register("102", "pw102")
    assert response is not None and response.status == 200
    invite = caller.call("101", "pw101", "102", sdp(media_port), extra=extra)
    incoming = next_request(callee, "INVITE")
    callee.send_raw(make_response(
        incoming, 200, to_tag="callee1", body=sdp(free_port()),
        extra=[("Contact", f"<sip:102@127.0.0.1:{callee.port}>"),
               ("Content-Type", "application/sdp")]).to_bytes())
    ok = caller.recv_final()
    assert ok is not None and ok.status == 200
    caller.send_raw(in_dialog("ACK", caller, invite, ok, invite.cseq[0]))
    return invite, ok, incoming
