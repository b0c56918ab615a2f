"""Dialogs left behind by a transfer (softphone/pbx/features/leftover.py): one BYE each,
the transferor's if it comes within the grace, else the PBX's."""

from __future__ import annotations

from typing import Any

from softphone.pbx.features.leftover import Leftovers
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import Request
from softphone.pbx.sip.parser import parse_message
from tests.helpers.fakeclock import FakeClock

INVITE = (
    b"INVITE sip:101@pbx.test SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-lo1\r\n"
    b"From: <sip:101@pbx.test>;tag=phone\r\nTo: <sip:100@pbx.test>\r\n"
    b"Call-ID: left@test\r\nCSeq: 1 INVITE\r\nContact: <sip:101@127.0.0.1:5070>\r\n"
    b"Content-Length: 0\r\n\r\n"
)


class FakeCore:
    def __init__(self) -> None:
        self.responses: list[int] = []
        self.sent: list[Request] = []

    def respond(self, tx: Any, status: int, reason: str | None = None, **kw: Any) -> None:
        self.responses.append(status)

    def send_request(self, req: Request, dest: Any, transport: str, *callbacks: Any) -> None:
        self.sent.append(req)


def setup() -> tuple[FakeCore, FakeClock, Leftovers, Dialog]:
    core, clock = FakeCore(), FakeClock()
    invite = parse_message(INVITE)
    assert isinstance(invite, Request)
    dialog = Dialog.as_uas(invite, "pbxtag", ("127.0.0.1", 5070), "udp",
                           "<sip:100@127.0.0.1:5060>", "127.0.0.1:5060")
    leftovers = Leftovers(core, clock, grace=4.0)  # type: ignore[arg-type]
    leftovers.leave(dialog)
    return core, clock, leftovers, dialog


def in_dialog(method: str) -> Request:
    req = parse_message(
        f"{method} sip:100@127.0.0.1:5060 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-lo2\r\n"
        "From: <sip:101@pbx.test>;tag=phone\r\nTo: <sip:100@pbx.test>;tag=pbxtag\r\n"
        f"Call-ID: left@test\r\nCSeq: 2 {method}\r\nContact: <sip:101@127.0.0.1:5070>\r\n"
        "Content-Length: 0\r\n\r\n".encode())
    assert isinstance(req, Request)
    return req


def test_the_transferors_bye_is_answered_and_the_pbx_sends_none() -> None:
    core, clock, leftovers, _ = setup()
    assert leftovers.handle(in_dialog("BYE"), tx=None)  # type: ignore[arg-type]
    assert core.responses == [200]
    clock.advance(60)
    assert core.sent == [] and len(leftovers) == 0
    assert not leftovers.handle(in_dialog("BYE"), tx=None)  # type: ignore[arg-type]


def test_without_the_transferors_bye_the_pbx_sends_one_after_the_grace() -> None:
    core, clock, leftovers, _ = setup()
    assert leftovers.handle(in_dialog("INVITE"), tx=None)  # type: ignore[arg-type]
    assert core.responses == [481]       # the call is gone from this dialog
    clock.advance(3.9)
    assert core.sent == []
    clock.advance(0.2)
    assert [r.method for r in core.sent] == ["BYE"] and len(leftovers) == 0
    clock.advance(60)
    assert len(core.sent) == 1


def test_shutdown_ends_every_leftover_at_once() -> None:
    core, clock, leftovers, _ = setup()
    leftovers.hang_up_all()
    assert [r.method for r in core.sent] == ["BYE"]
    clock.advance(60)
    assert len(core.sent) == 1
