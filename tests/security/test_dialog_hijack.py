"""Attack: someone who learnt a call's Call-ID and tags (a sniffed INVITE, a leaked log)
sends a BYE inside the dialog from another address (issue 15, point 10).

What must hold: the PBX challenges it instead of hanging up (the call goes on, the other
side gets no BYE); the phone that is the dialog's peer still hangs up with a plain BYE.
"""

from __future__ import annotations

import socket

from tests.helpers.pbxproc import PbxProcess
from tests.helpers.sipclient import SipClient
from tests.security.sipcalls import answered_call, in_dialog, next_request


def test_a_bye_from_a_stranger_is_challenged_not_obeyed(pbx: PbxProcess) -> None:
    server = ("127.0.0.1", pbx.sip_port)
    caller, callee = SipClient(server), SipClient(server)
    stranger = SipClient(server, bind="127.0.0.2")
    media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    media.bind(("127.0.0.1", 0))
    try:
        invite, ok = answered_call(caller, callee, media.getsockname()[1])

        stranger.send_raw(in_dialog("BYE", stranger, invite, ok, invite.cseq[0] + 1))
        answer = stranger.recv_final()
        assert answer is not None and answer.status == 407
        # The call is still up: the genuine caller's BYE finds it (200, not 481), and
        # only now does the callee get its BYE.
        caller.send_raw(in_dialog("BYE", caller, invite, ok, invite.cseq[0] + 1))
        done = caller.recv_final()
        assert done is not None and done.status == 200
        next_request(callee, "BYE")
        assert pbx.wait_for("call_end")["result"] == "answered"
    finally:
        for c in (caller, callee, stranger):
            c.close()
        media.close()
