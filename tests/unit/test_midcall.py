"""In-call requests passed across the B2BUA (softphone/pbx/features/midcall.py): an SDP offer
moves the media only once the other side answered it, and what the other side does not
allow is never sent to it. Fakes stand in for the SIP core and the relay ports."""

from __future__ import annotations

from typing import Any

import pytest

from softphone.pbx.features.anchor import SDP, MediaAnchor
from softphone.pbx.features.call import Call
from softphone.pbx.features.callinfo import CallInfo
from softphone.pbx.features.midcall import relay
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import Headers, Request, Response
from softphone.pbx.sip.parser import parse_message
from tests.helpers.fakeclock import FakeClock


def sdp(port: int, direction: str = "sendrecv") -> bytes:
    return (f"v=0\r\no=- 1 {port} IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na={direction}\r\n").encode()


class FakeLeg:
    def __init__(self, port: int) -> None:
        self.local_port, self.remote, self.receiving, self.srtp = port, None, True, False

    def set_remote(self, endpoint: Any) -> None:
        self.remote = endpoint

    def set_srtp(self, inbound: Any, outbound: Any) -> None:
        self.srtp = inbound is not None


class FakeSession:
    def __init__(self) -> None:
        self.leg_a, self.leg_b = FakeLeg(40000), FakeLeg(40002)

    def close(self) -> None:
        pass


class FakeCore:
    via_host = "127.0.0.1:5060"

    def __init__(self) -> None:
        self.sent: list[tuple[Request, Any]] = []
        self.responses: list[int] = []

    def contact(self, user: str, transport: str) -> str:
        return f"<sip:{user}@127.0.0.1:5060>"

    def sent_by(self, transport: str) -> str:
        return "127.0.0.1:5060"

    def send_request(self, req: Request, dest: Any, transport: str, on_response: Any,
                     on_timeout: Any) -> None:
        self.sent.append((req, on_response))

    def send(self, msg: Any, dest: Any, transport: str) -> None:
        pass

    def respond(self, tx: Any, status: int, reason: str | None = None, **kw: Any) -> None:
        self.responses.append(status)


class FakeTx:
    source, transport = ("192.0.2.1", 5062), "udp"

    def __init__(self, core: FakeCore) -> None:
        self.core = core
        self.last_response: Response | None = None

    def respond(self, resp: Response) -> None:
        self.last_response = resp
        self.core.responses.append(resp.status)


class Registry:
    def bind(self, dialog: Dialog, call: Call) -> None: ...
    def unbind(self, dialog: Dialog) -> None: ...
    def changed(self, call: Call) -> None: ...


def request(method: str, cseq: int, to_tag: str = "", body: bytes = b"",
            extra: str = "") -> Request:
    ctype = f"Content-Type: {SDP}\r\n" if body else ""
    msg = parse_message((
        f"{method} sip:101@127.0.0.1:5060 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK-mc{cseq}\r\n"
        f"From: <sip:100@pbx.test>;tag=caller\r\nTo: <sip:101@pbx.test>{to_tag}\r\n"
        f"Call-ID: mid@test\r\nCSeq: {cseq} {method}\r\nContact: <sip:100@192.0.2.1:5062>\r\n"
        f"{extra}{ctype}Content-Length: {len(body)}\r\n\r\n").encode() + body)
    assert isinstance(msg, Request)
    return msg


def connected_call(callee_allow: str) -> tuple[Call, FakeCore, FakeSession]:
    core, session = FakeCore(), FakeSession()
    anchor = MediaAnchor(session, "127.0.0.1")  # type: ignore[arg-type]
    invite = request("INVITE", 1, body=sdp(5000))
    call = Call(core, FakeClock(), anchor, invite, FakeTx(core),  # type: ignore[arg-type]
                CallInfo(id="c", caller="100", caller_name="A", callee="101"), Registry())
    anchor.take("a", invite.body)
    out = Request(headers=Headers([("From", "<sip:100@pbx.test>;tag=pbx"),
                                   ("To", "<sip:101@pbx.test>"), ("Call-ID", "b@pbx"),
                                   ("CSeq", "1 INVITE"), ("Contact", "<sip:100@127.0.0.1>")]),
                  method="INVITE", uri="sip:101@192.0.2.2:5064")
    ok = Response(headers=Headers([("To", "<sip:101@pbx.test>;tag=callee"),
                                   ("Contact", "<sip:101@192.0.2.2:5064>"),
                                   ("Allow", callee_allow)]), status=200)
    call.legs["b"] = Dialog.as_uac(out, ok, ("192.0.2.2", 5064), "udp", "127.0.0.1:5060")
    anchor.take("b", sdp(6000))
    return call, core, session


def answer_last(core: FakeCore, status: int, body: bytes = b"") -> None:
    headers = Headers([("Content-Type", SDP)] if body else [])
    core.sent[-1][1](Response(headers=headers, status=status, body=body))


@pytest.mark.parametrize("allow", ["INVITE, ACK, BYE, CANCEL, UPDATE", "INVITE, ACK, BYE"])
def test_an_offer_moves_the_media_only_once_answered(allow: str) -> None:
    call, core, session = connected_call(allow)
    update = request("UPDATE", 2, ";tag=" + call.a.local_tag, sdp(5100))
    relay(call, "a", update, FakeTx(core))  # type: ignore[arg-type]
    sent = core.sent[-1][0]
    assert sent.method == ("UPDATE" if "UPDATE" in allow else "INVITE")
    assert session.leg_a.remote == ("192.0.2.9", 5000), "applied before the callee answered"
    answer_last(core, 200, sdp(6000))
    assert session.leg_a.remote == ("192.0.2.9", 5100)
    assert core.responses[-1] == 200


def test_a_refused_offer_keeps_the_media_as_it_was() -> None:
    call, core, session = connected_call("INVITE, ACK, BYE")
    relay(call, "a", request("UPDATE", 2, ";tag=" + call.a.local_tag, sdp(5100, "sendonly")),
          FakeTx(core))  # type: ignore[arg-type]
    answer_last(core, 488)
    assert core.responses[-1] == 488
    assert session.leg_a.remote == ("192.0.2.9", 5000) and session.leg_a.receiving
    assert not call.pending, "a refused re-INVITE leaves no offer outstanding"


def test_a_refresh_without_body_is_answered_by_the_pbx_when_update_is_not_allowed() -> None:
    call, core, _ = connected_call("INVITE, ACK, BYE")
    relay(call, "a", request("UPDATE", 2, ";tag=" + call.a.local_tag,
                             extra="Session-Expires: 1800\r\n"), FakeTx(core))  # type: ignore[arg-type]
    assert core.sent == [] and core.responses == [200]


def test_update_while_an_offer_is_outstanding_is_491() -> None:
    call, core, _ = connected_call("INVITE, ACK, BYE")
    relay(call, "b", request("INVITE", 2, ";tag=" + call.a.local_tag, sdp(6100)),
          FakeTx(core))  # type: ignore[arg-type]
    sent = len(core.sent)
    relay(call, "a", request("UPDATE", 2, ";tag=" + call.a.local_tag, sdp(5100)),
          FakeTx(core))  # type: ignore[arg-type]
    assert core.responses[-1] == 491 and len(core.sent) == sent


def test_other_methods_the_peer_does_not_allow_are_501() -> None:
    call, core, _ = connected_call("INVITE, ACK, BYE")
    relay(call, "a", request("INFO", 2, ";tag=" + call.a.local_tag), FakeTx(core))  # type: ignore[arg-type]
    assert core.sent == [] and core.responses == [501]
