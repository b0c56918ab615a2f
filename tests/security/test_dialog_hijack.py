"""Attack: someone who learnt a call's Call-ID and tags (a sniffed INVITE, a leaked log)
sends a BYE inside the dialog from another address (issue 15, point 10).

What must hold: the PBX challenges it instead of hanging up (the call goes on, the other
side gets no BYE); the phone that is the dialog's peer still hangs up with a plain BYE.
"""

from __future__ import annotations

import re
import socket
import uuid

from softphone.pbx.sip.message import Request, Response, make_response
from tests.helpers.pbxproc import PbxProcess, free_port
from tests.helpers.sipclient import SipClient
from tests.security.test_media_timeout import ack, next_request, sdp


def bye(sender: SipClient, invite: Request, ok: Response) -> bytes:
    contact = re.search(r"<([^>]+)>", ok.headers.get("Contact") or "")
    assert contact is not None
    return (f"BYE {contact.group(1)} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {sender.bind}:{sender.port};branch=z9hG4bK"
            f"{uuid.uuid4().hex[:12]};rport\r\nMax-Forwards: 70\r\n"
            f"From: {invite.headers.get('From')}\r\nTo: {ok.headers.get('To')}\r\n"
            f"Call-ID: {invite.call_id}\r\nCSeq: {invite.cseq[0] + 1} BYE\r\n"
            f"Content-Length: 0\r\n\r\n").encode()


def test_a_bye_from_a_stranger_is_challenged_not_obeyed(pbx: PbxProcess) -> None:
    server = ("127.0.0.1", pbx.sip_port)
    caller, callee = SipClient(server), SipClient(server)
    stranger = SipClient(server, bind="127.0.0.2")
    media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    media.bind(("127.0.0.1", 0))
    try:
        response = callee.register("102", "pw102")
        assert response is not None and response.status == 200
        invite = caller.call("101", "pw101", "102", sdp(media.getsockname()[1]))
        incoming = next_request(callee, "INVITE")
        callee.send_raw(make_response(
            incoming, 200, to_tag="callee1", body=sdp(free_port()),
            extra=[("Contact", f"<sip:102@127.0.0.1:{callee.port}>"),
                   ("Content-Type", "application/sdp")]).to_bytes())
        ok = caller.recv_final()
        assert ok is not None and ok.status == 200
        caller.send_raw(ack(caller, invite, ok))

        stranger.send_raw(bye(stranger, invite, ok))
        answer = stranger.recv_final()
        assert answer is not None and answer.status == 407
        # The call is still up: the genuine caller's BYE finds it (200, not 481), and
        # only now does the callee get its BYE.
        caller.send_raw(bye(caller, invite, ok))
        done = caller.recv_final()
        assert done is not None and done.status == 200
        next_request(callee, "BYE")
        assert pbx.wait_for("call_end")["result"] == "answered"
    finally:
        for c in (caller, callee, stranger):
            c.close()
        media.close()
