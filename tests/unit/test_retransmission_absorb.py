"""Byte-identical retransmissions answered before parsing (TransactionLayer.absorb_datagram,
SipCore.on_datagram): what the transaction would have done, and nothing once it is gone."""

from __future__ import annotations

import pytest

from softphone.pbx.sip import transaction
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.message import Request, Response
from softphone.pbx.sip.parser import parse_message
from softphone.pbx.sip.server_tx import ServerTransaction
from softphone.pbx.sip.transaction import TransactionLayer
from tests.helpers.fakeclock import FakeClock

PEER = ("10.0.0.1", 5060)
OPTIONS = (
    b"OPTIONS sip:pbx.example SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-{n}\r\n"
    b"From: <sip:alice@pbx.example>;tag=1\r\nTo: <sip:pbx.example>\r\n"
    b"Call-ID: c{n}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
)


class Harness:
    def __init__(self, banned: set[str] | None = None) -> None:
        self.clock = FakeClock()
        self.sent: list[Response] = []
        self.layer = TransactionLayer(self._send, self.clock, max_transactions=100)
        self.core = SipCore(self.layer, "10.0.0.9", lambda ip: ip in (banned or set()))
        self.handled: list[Request] = []
        self.core.handlers["OPTIONS"] = self._handle

    def _send(self, msg: Request | Response, dest: tuple[str, int], transport: str) -> None:
        assert isinstance(msg, Response)
        self.sent.append(msg)

    def _handle(self, req: Request, tx: ServerTransaction) -> None:
        self.handled.append(req)
        self.core.respond(tx, 200)

    def receive(self, data: bytes, source: tuple[str, int] = PEER) -> bool:
        """As the UDP transport does: the pre-parse hook, then parse and deliver."""
        if self.core.on_datagram(data, source):
            return True
        msg = parse_message(data)
        msg.raw = data
        self.core.on_message(msg, source, "udp")
        return False


def test_a_retransmission_is_answered_from_its_transaction_without_parsing() -> None:
    h = Harness()
    data = OPTIONS.replace(b"{n}", b"1")
    assert h.receive(data) is False
    assert h.receive(data) is True          # absorbed before parsing
    assert len(h.handled) == 1               # the TU saw the request once
    assert [r.status for r in h.sent] == [200, 200]  # 17.2.2: Completed resends the final
    assert h.sent[1] is h.sent[0]


def test_other_bytes_or_another_source_are_new_requests() -> None:
    h = Harness()
    h.receive(OPTIONS.replace(b"{n}", b"1"))
    assert h.receive(OPTIONS.replace(b"{n}", b"2")) is False
    assert len(h.handled) == 2
    # From elsewhere: parsed, then matched by its Via as 17.2.3 says (same sent-by).
    assert h.receive(OPTIONS.replace(b"{n}", b"1"), ("10.0.0.2", 5060)) is False
    assert len(h.handled) == 2 and [r.status for r in h.sent] == [200, 200, 200]


def test_nothing_is_absorbed_once_the_transaction_ended() -> None:
    h = Harness()
    data = OPTIONS.replace(b"{n}", b"1")
    h.receive(data)
    h.clock.advance(64 * 0.5 + 1)  # timer J: the transaction is gone
    assert len(h.layer) == 0
    assert h.receive(data) is False  # parsed and handled as a new request, as before
    assert len(h.handled) == 2


def test_a_banned_source_is_left_to_on_message() -> None:
    h = Harness(banned={"10.0.0.1"})
    assert h.core.on_datagram(OPTIONS.replace(b"{n}", b"1"), PEER) is False


def test_the_memory_of_datagrams_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transaction, "MAX_DATAGRAMS", 3)
    h = Harness()
    for n in range(5):
        h.receive(OPTIONS.replace(b"{n}", str(n).encode()))
    assert len(h.layer._datagrams) == 3
    assert h.receive(OPTIONS.replace(b"{n}", b"0")) is False  # forgotten: parsed again,
    assert len(h.handled) == 5  # and still matched to its transaction as a retransmission
