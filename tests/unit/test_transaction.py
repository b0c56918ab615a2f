"""Transaction layer (RFC 3261 section 17, RFC 6026): what is sent when, on a fake clock."""

from __future__ import annotations

import asyncio

import pytest

from softphone.pbx.sip.clock import LoopClock
from softphone.pbx.sip.message import Headers, Request, Response, make_response
from softphone.pbx.sip.transaction import (
    ClientTransaction,
    ServerTransaction,
    Timers,
    TransactionLayer,
    new_branch,
    new_tag,
)
from tests.helpers.fakeclock import FakeClock

PEER = ("10.0.0.1", 5060)
PBX = ("10.0.0.9", 5060)


class Wire:
    """The SendFn: records (time, message, destination, transport)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, Request | Response, tuple[str, int], str]] = []

    def __call__(self, msg: Request | Response, dest: tuple[str, int], transport: str) -> None:
        self.sent.append((self.clock.now(), msg, dest, transport))

    def times(self, what: int | str) -> list[float]:
        """Send times of responses with status `what`, or of requests with method `what`."""
        out = []
        for t, msg, _, _ in self.sent:
            if (isinstance(msg, Response) and msg.status == what) or (
                isinstance(msg, Request) and msg.method == what
            ):
                out.append(round(t, 6))
        return out


def request(
    method: str = "INVITE",
    *,
    branch: str | None = "z9hG4bKaaa",
    sent_by: str = "10.0.0.1:5060",
    cseq: int = 1,
    cseq_method: str | None = None,
    to_tag: str | None = None,
    uri: str = "sip:bob@pbx.example",
    transport: str = "UDP",
) -> Request:
    via = f"SIP/2.0/{transport} {sent_by}" + (f";branch={branch}" if branch else "")
    to = "<sip:bob@pbx.example>" + (f";tag={to_tag}" if to_tag else "")
    h = Headers([
        ("Via", via), ("Max-Forwards", "70"), ("Route", "<sip:proxy.example;lr>"),
        ("From", "<sip:alice@pbx.example>;tag=ft1"), ("To", to), ("Call-ID", "call-1"),
        ("CSeq", f"{cseq} {cseq_method or method}"),
    ])
    return Request(headers=h, method=method, uri=uri)


def ack_for(req: Request, resp: Response, branch: str | None = "z9hG4bKaaa") -> Request:
    ack = request("ACK", branch=branch, cseq=req.cseq[0], to_tag=resp.to_tag, uri=req.uri)
    return ack


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wire(clock: FakeClock) -> Wire:
    return Wire(clock)


@pytest.fixture
def layer(wire: Wire, clock: FakeClock) -> TransactionLayer:
    return TransactionLayer(wire, clock)


def new_server(layer: TransactionLayer, req: Request, transport: str = "udp") -> ServerTransaction:
    tx = layer.handle_request(req, PEER, transport)
    assert isinstance(tx, ServerTransaction)
    return tx


# -- INVITE server (17.2.1, RFC 6026 7.1) -------------------------------------------------


def test_invite_server_sends_100_when_tu_silent_for_200ms(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    new_server(layer, request())
    clock.advance(0.19)
    assert wire.sent == []
    clock.advance(0.01)
    assert wire.times(100) == [0.2]


def test_invite_server_no_automatic_100_when_tu_answers(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx = new_server(layer, request())
    clock.advance(0.1)
    tx.respond(make_response(tx.request, 180, to_tag="tt"))
    clock.advance(1)
    assert [(t, m) for t, m, _, _ in wire.sent] == [(0.1, tx.last_response)]
    assert wire.times(180) == [0.1]


def test_retransmitted_invite_resends_last_provisional(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx = new_server(layer, request())
    tx.respond(make_response(tx.request, 100))
    tx.respond(make_response(tx.request, 180, to_tag="tt"))
    clock.advance(1)
    assert layer.handle_request(request(), PEER, "udp") is None
    assert wire.times(180) == [0, 1]
    assert wire.sent[-1][2] == PEER
    assert len(layer) == 1


def test_retransmitted_invite_before_any_response_gets_100_at_once(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    new_server(layer, request())
    clock.advance(0.1)
    assert layer.handle_request(request(), PEER, "udp") is None
    clock.advance(1)
    assert wire.times(100) == [0.1]


def test_non_2xx_final_retransmitted_with_timer_g_until_ack(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx = new_server(layer, request())
    busy = make_response(tx.request, 486, to_tag="tt")
    tx.respond(busy)
    assert tx.state == "Completed"
    clock.advance(16)
    # 17.2.1 timer G: T1, doubling, capped at T2.
    assert wire.times(486) == [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5]
    assert layer.handle_request(request(), PEER, "udp") is None  # retransmitted INVITE
    assert wire.times(486)[-1] == 16
    assert layer.handle_request(ack_for(tx.request, busy), PEER, "udp") is None
    assert layer.last_ack_was_2xx is False
    assert tx.state == "Confirmed"
    clock.advance(4.9)  # timer I = T4
    assert layer.handle_request(ack_for(tx.request, busy), PEER, "udp") is None
    assert layer.last_ack_was_2xx is False
    assert len(layer) == 1
    clock.advance(0.1)
    assert tx.state == "Terminated"
    assert len(layer) == 0
    clock.advance(60)
    assert len(wire.times(486)) == 8


def test_timer_h_without_ack_tells_tu(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx = new_server(layer, request())
    timeouts: list[float] = []
    tx.timeout_callback = lambda: timeouts.append(clock.now())
    tx.respond(make_response(tx.request, 486, to_tag="tt"))
    clock.advance(31.9)
    assert timeouts == []
    clock.advance(1)
    assert timeouts == [32]
    assert len(layer) == 0
    assert wire.times(486)[-1] == 31.5


def test_2xx_enters_accepted_absorbs_invites_passes_acks(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx = new_server(layer, request())
    ok = make_response(tx.request, 200, to_tag="tt")
    tx.respond(ok)
    assert tx.state == "Accepted"
    clock.advance(2)
    assert layer.handle_request(request(), PEER, "udp") is None  # absorbed, not re-sent
    assert wire.times(200) == [0]
    tx.respond(ok)  # the TU retransmits its 2xx itself (13.3.1.4)
    assert wire.times(200) == [0, 2]
    # The ACK for a 2xx has its own branch (17.1.1.3): it goes to the core.
    assert layer.handle_request(ack_for(tx.request, ok, new_branch()), PEER, "udp") is None
    assert layer.last_ack_was_2xx is True
    # RFC 6026 7.1: even one matching the transaction is passed on in Accepted.
    assert layer.handle_request(ack_for(tx.request, ok), PEER, "udp") is None
    assert layer.last_ack_was_2xx is True
    clock.advance(29.9)
    assert len(layer) == 1
    clock.advance(0.1)  # timer L = 64*T1
    assert tx.state == "Terminated"
    assert len(layer) == 0
    assert isinstance(layer.handle_request(request(), PEER, "udp"), ServerTransaction)


def test_invite_server_over_tcp_no_timer_g_but_timer_h(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx = new_server(layer, request(transport="TCP"), "tcp")
    timeouts: list[float] = []
    tx.timeout_callback = lambda: timeouts.append(clock.now())
    tx.respond(make_response(tx.request, 486, to_tag="tt"))
    clock.advance(40)
    assert wire.times(486) == [0]
    assert timeouts == [32]


def test_ack_over_tcp_terminates_at_once(layer: TransactionLayer) -> None:
    tx = new_server(layer, request(transport="TCP"), "tcp")
    busy = make_response(tx.request, 486, to_tag="tt")
    tx.respond(busy)
    layer.handle_request(ack_for(tx.request, busy), PEER, "tcp")
    assert tx.state == "Terminated"
    assert len(layer) == 0


# -- non-INVITE server (17.2.2) -----------------------------------------------------------


def test_non_invite_server_retransmission_and_timer_j(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx = new_server(layer, request("OPTIONS"))
    clock.advance(1)
    assert layer.handle_request(request("OPTIONS"), PEER, "udp") is None
    assert wire.sent == []  # Trying absorbs, and no automatic 100 for non-INVITE
    tx.respond(make_response(tx.request, 200, to_tag="tt"))
    clock.advance(1)
    assert layer.handle_request(request("OPTIONS"), PEER, "udp") is None
    assert wire.times(200) == [1, 2]
    clock.advance(30.9)
    assert len(layer) == 1
    clock.advance(0.1)  # timer J = 64*T1 after the final response
    assert len(layer) == 0
    assert tx.state == "Terminated"


def test_timer_j_ends_each_transaction_64_t1_after_its_own_final_response(
    layer: TransactionLayer, clock: FakeClock
) -> None:
    txs = [new_server(layer, request("REGISTER", branch=f"z9hG4bK{i}")) for i in range(3)]
    for tx, at in zip(txs, (0, 1, 2.5), strict=True):
        clock.advance(at - clock.now())
        tx.respond(make_response(tx.request, 200, to_tag="tt"))
    clock.advance(31.9 - clock.now())
    assert [tx.state for tx in txs] == ["Completed"] * 3
    clock.advance(0.1)
    assert [tx.state for tx in txs] == ["Terminated", "Completed", "Completed"]
    clock.advance(1)
    assert [tx.state for tx in txs] == ["Terminated", "Terminated", "Completed"]
    clock.advance(1.4)
    assert txs[2].state == "Completed"
    clock.advance(0.1)
    assert txs[2].state == "Terminated" and len(layer) == 0


def test_timer_j_of_an_evicted_transaction_spares_its_successor(
    wire: Wire, clock: FakeClock
) -> None:
    layer = TransactionLayer(wire, clock, max_transactions=3)
    first = new_server(layer, request("REGISTER", branch="z9hG4bK1"))
    first.respond(make_response(first.request, 200, to_tag="a"))
    clock.advance(5)
    other = new_server(layer, request("REGISTER", branch="z9hG4bK2"))
    new_server(layer, request("REGISTER", branch="z9hG4bK3"))  # never answered
    other.respond(make_response(other.request, 200, to_tag="b"))
    new_server(layer, request("REGISTER", branch="z9hG4bK4"))  # evicts the first
    clock.advance(5)
    again = new_server(layer, request("REGISTER", branch="z9hG4bK1"))  # same key, new one
    again.respond(make_response(again.request, 200, to_tag="c"))
    assert first.state == other.state == "Terminated"
    clock.advance(22)  # the first one's timer J has run out: not the successor's
    assert again.state == "Completed"
    assert layer.handle_request(request("REGISTER", branch="z9hG4bK1"), PEER, "udp") is None
    assert wire.times(200)[-1] == 32  # still absorbing retransmissions with its response
    clock.advance(10)
    assert again.state == "Terminated"


def test_timer_j_queue_is_no_longer_than_the_table(wire: Wire, clock: FakeClock) -> None:
    layer = TransactionLayer(wire, clock, max_transactions=3)
    for i in range(50):  # each one evicts an older one
        tx = new_server(layer, request("REGISTER", branch=f"z9hG4bK{i}"))
        tx.respond(make_response(tx.request, 200, to_tag="t"))
    assert len(layer) == 3 and len(layer._timer_j) == 3
    clock.advance(32)
    assert len(layer) == 0 and not layer._timer_j


def test_non_invite_server_provisional_resent(layer: TransactionLayer, wire: Wire) -> None:
    tx = new_server(layer, request("REGISTER"))
    tx.respond(make_response(tx.request, 100))
    assert tx.state == "Proceeding"
    layer.handle_request(request("REGISTER"), PEER, "udp")
    assert wire.times(100) == [0, 0]


def test_non_invite_server_over_tcp_terminates_with_final(
    layer: TransactionLayer, wire: Wire
) -> None:
    tx = new_server(layer, request("OPTIONS", transport="TCP"), "tcp")
    tx.respond(make_response(tx.request, 200, to_tag="tt"))
    assert len(layer) == 0
    assert tx.state == "Terminated"
    assert wire.sent[0][3] == "tcp"


# -- INVITE client (17.1.1, RFC 6026 7.2) -------------------------------------------------


class TU:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.responses: list[int] = []
        self.timeouts: list[float] = []

    def on_response(self, resp: Response) -> None:
        self.responses.append(resp.status)

    def on_timeout(self) -> None:
        self.timeouts.append(self.clock.now())


def start_client(
    layer: TransactionLayer, clock: FakeClock, req: Request, transport: str = "udp"
) -> tuple[ClientTransaction, TU]:
    tu = TU(clock)
    tx = layer.client(req, PBX, transport, tu.on_response, tu.on_timeout)
    return tx, tu


def test_invite_client_timer_a_then_timer_b(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx, tu = start_client(layer, clock, request())
    clock.advance(31.9)
    assert tu.timeouts == []
    clock.advance(10)
    assert wire.times("INVITE") == [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    assert tu.timeouts == [32]
    assert tx.state == "Terminated"
    assert len(layer) == 0
    assert all(dest == PBX and t == "udp" for _, _, dest, t in wire.sent)


def test_invite_client_provisional_stops_retransmission_and_timer_b(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx, tu = start_client(layer, clock, request())
    clock.advance(0.7)
    assert layer.handle_response(make_response(tx.request, 180, to_tag="tt"), PBX, "udp")
    clock.advance(100)
    assert wire.times("INVITE") == [0, 0.5]
    assert tu.responses == [180]
    assert tu.timeouts == []
    assert tx.state == "Proceeding"


def test_invite_client_acks_non_2xx_itself(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx, tu = start_client(layer, clock, request())
    busy = make_response(tx.request, 486, to_tag="tt")
    assert layer.handle_response(busy, PBX, "udp")
    acks = [m for _, m, _, _ in wire.sent if isinstance(m, Request) and m.method == "ACK"]
    assert len(acks) == 1
    ack = acks[0]
    # 17.1.1.3: same Request-URI, top Via/branch, From, Call-ID, Route; To of the response.
    assert ack.uri == tx.request.uri
    assert ack.top_via.branch == "z9hG4bKaaa"
    assert ack.headers.get("From") == tx.request.headers.get("From")
    assert ack.to_tag == "tt"
    assert ack.call_id == "call-1"
    assert ack.headers.get("CSeq") == "1 ACK"
    assert ack.headers.get_all("Route") == ["<sip:proxy.example;lr>"]
    assert tu.responses == [486]
    clock.advance(2)
    assert layer.handle_response(busy, PBX, "udp")  # retransmitted 486: re-ACK, absorb
    assert tu.responses == [486]
    assert wire.times("ACK") == [0, 2]
    assert wire.times("INVITE") == [0]  # no retransmission after the final response
    clock.advance(30)  # timer D = 32 s
    assert len(layer) == 0
    assert not layer.handle_response(busy, PBX, "udp")


def test_invite_client_2xx_and_its_retransmissions_reach_tu(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx, tu = start_client(layer, clock, request())
    ok = make_response(tx.request, 200, to_tag="tt")
    assert layer.handle_response(ok, PBX, "udp")
    assert tx.state == "Accepted"
    clock.advance(1)
    assert layer.handle_response(ok, PBX, "udp")
    assert tu.responses == [200, 200]
    assert wire.times("ACK") == []  # the TU ACKs a 2xx, not the transaction
    assert wire.times("INVITE") == [0]
    clock.advance(31)  # timer M = 64*T1
    assert not layer.handle_response(ok, PBX, "udp")
    assert tu.timeouts == []


def test_invite_client_over_tcp_no_retransmission_but_timeout(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    _tx, tu = start_client(layer, clock, request(transport="TCP"), "tcp")
    clock.advance(40)
    assert wire.times("INVITE") == [0]
    assert tu.timeouts == [32]


def test_connection_that_cannot_be_opened_ends_the_client_at_once_with_503(
    layer: TransactionLayer, clock: FakeClock
) -> None:
    """RFC 3261 8.1.3.1: a transport error is a 503 to the TU, now, not timer B's 408."""
    tx, tu = start_client(layer, clock, request(transport="TCP"), "tcp")
    layer.transport_error(tx.request, PBX, "tcp")
    assert tu.responses == [503] and tx.state == "Terminated" and len(layer) == 0
    clock.advance(40)
    assert tu.timeouts == []
    # After a provisional the request got through: a late error changes nothing.
    tx, tu = start_client(layer, clock, request(transport="TCP"), "tcp")
    assert layer.handle_response(make_response(tx.request, 180, to_tag="tt"), PBX, "tcp")
    layer.transport_error(tx.request, PBX, "tcp")
    assert tu.responses == [180] and tx.state == "Proceeding"
    layer.transport_error(make_response(tx.request, 180), PBX, "tcp")  # responses: ignored


def test_invite_client_over_tcp_timer_d_zero(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx, _tu = start_client(layer, clock, request(transport="TCP"), "tcp")
    layer.handle_response(make_response(tx.request, 486, to_tag="tt"), PBX, "tcp")
    assert wire.times("ACK") == [0]
    assert len(layer) == 0


# -- non-INVITE client (17.1.2) -----------------------------------------------------------


def test_non_invite_client_timer_e_capped_at_t2_then_timer_f(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    _tx, tu = start_client(layer, clock, request("OPTIONS"))
    clock.advance(40)
    assert wire.times("OPTIONS") == [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]
    assert tu.timeouts == [32]
    assert len(layer) == 0


def test_non_invite_client_proceeding_retransmits_every_t2(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx, tu = start_client(layer, clock, request("OPTIONS"))
    clock.advance(0.2)
    layer.handle_response(make_response(tx.request, 100), PBX, "udp")
    assert tx.state == "Proceeding"
    clock.advance(9)
    assert wire.times("OPTIONS") == [0, 0.5, 4.5, 8.5]
    assert tu.responses == [100]


def test_non_invite_client_final_then_timer_k(
    layer: TransactionLayer, wire: Wire, clock: FakeClock
) -> None:
    tx, tu = start_client(layer, clock, request("OPTIONS"))
    clock.advance(0.6)
    ok = make_response(tx.request, 200, to_tag="tt")
    assert layer.handle_response(ok, PBX, "udp")
    assert tx.state == "Completed"
    clock.advance(4.9)
    assert layer.handle_response(ok, PBX, "udp")  # absorbed
    assert tu.responses == [200]
    assert wire.times("OPTIONS") == [0, 0.5]
    clock.advance(0.1)  # timer K = T4
    assert len(layer) == 0
    assert tu.timeouts == []


def test_non_invite_client_over_tcp(layer: TransactionLayer, wire: Wire, clock: FakeClock) -> None:
    tx, tu = start_client(layer, clock, request("OPTIONS", transport="TCP"), "tcp")
    clock.advance(10)
    assert wire.times("OPTIONS") == [0]
    layer.handle_response(make_response(tx.request, 200, to_tag="tt"), PBX, "tcp")
    assert tu.responses == [200]
    assert len(layer) == 0  # timer K is zero over TCP


def test_client_transport_error_reported_as_timeout(clock: FakeClock) -> None:
    def broken(msg: Request | Response, dest: tuple[str, int], transport: str) -> None:
        raise ConnectionRefusedError

    layer = TransactionLayer(broken, clock)
    _tx, tu = start_client(layer, clock, request("OPTIONS", transport="TCP"), "tcp")
    assert tu.timeouts == []  # never inside the client() call itself
    clock.advance(0)
    assert tu.timeouts == [0]
    assert len(layer) == 0


# -- matching (17.1.3, 17.2.3) ------------------------------------------------------------


def test_response_matching_needs_branch_and_cseq_method(
    layer: TransactionLayer, clock: FakeClock
) -> None:
    _tx, tu = start_client(layer, clock, request())
    other_branch = make_response(request(branch="z9hG4bKbbb"), 200, to_tag="tt")
    other_method = make_response(request(cseq_method="CANCEL"), 200, to_tag="tt")
    assert not layer.handle_response(other_branch, PBX, "udp")
    assert not layer.handle_response(other_method, PBX, "udp")
    assert tu.responses == []


def test_same_branch_other_sent_by_is_another_transaction(layer: TransactionLayer) -> None:
    first = new_server(layer, request())
    second = layer.handle_request(request(sent_by="10.0.0.2:5060"), PEER, "udp")
    assert isinstance(second, ServerTransaction) and second is not first
    # a missing port is the default 5060: the same sent-by
    assert layer.handle_request(request(sent_by="10.0.0.1"), PEER, "udp") is None
    assert len(layer) == 2


def test_cancel_is_its_own_transaction_and_finds_the_invite(layer: TransactionLayer) -> None:
    invite = new_server(layer, request())
    cancel = new_server(layer, request("CANCEL"))
    assert cancel is not invite
    assert layer.find_invite_server(cancel.request) is invite
    assert layer.find_invite_server(request("CANCEL", branch="z9hG4bKzzz")) is None
    assert layer.find_invite_server(request("CANCEL", sent_by="10.0.0.7")) is None


def test_rfc2543_matching_without_magic_cookie(layer: TransactionLayer) -> None:
    tx = new_server(layer, request(branch=None))
    assert layer.handle_request(request(branch=None), PEER, "udp") is None  # retransmission
    other = layer.handle_request(request(branch=None, cseq=2), PEER, "udp")
    assert isinstance(other, ServerTransaction)
    old_style = new_server(layer, request(branch="1234"))  # a branch without the cookie
    assert old_style is not tx
    busy = make_response(tx.request, 486, to_tag="tt")
    tx.respond(busy)
    wrong_tag = request("ACK", branch=None, to_tag="other")
    assert layer.handle_request(wrong_tag, PEER, "udp") is None
    assert layer.last_ack_was_2xx is True and tx.state == "Completed"
    layer.handle_request(ack_for(tx.request, busy, branch=None), PEER, "udp")
    assert layer.last_ack_was_2xx is False
    assert tx.state == "Confirmed"


def test_rfc2543_cancel_lookup(layer: TransactionLayer) -> None:
    tx = new_server(layer, request(branch=None))
    assert layer.find_invite_server(request("CANCEL", branch=None)) is tx
    assert layer.find_invite_server(request("CANCEL", branch=None, cseq=5)) is None


# -- bounded table, overload (21.5.4) -----------------------------------------------------


def test_overloaded_above_90_percent(wire: Wire, clock: FakeClock) -> None:
    layer = TransactionLayer(wire, clock, max_transactions=10)
    for i in range(9):
        new_server(layer, request(branch=f"z9hG4bK{i}"))
    assert not layer.overloaded
    new_server(layer, request(branch="z9hG4bK9"))
    assert layer.overloaded


def test_full_table_hands_out_stateless_transactions(wire: Wire, clock: FakeClock) -> None:
    layer = TransactionLayer(wire, clock, max_transactions=3)
    for i in range(3):
        new_server(layer, request(branch=f"z9hG4bK{i}"))
    refused = new_server(layer, request(branch="z9hG4bKnew"))
    assert not refused.tracked and len(layer) == 3
    refused.respond(make_response(refused.request, 503, extra=[("Retry-After", "5")]))
    clock.advance(40)
    assert wire.times(503) == [0]  # sent once, never retransmitted
    tu = TU(clock)
    layer.client(request("OPTIONS", branch="z9hG4bKout"), PBX, "udp", tu.on_response,
                 tu.on_timeout)
    clock.advance(0)
    assert wire.times("OPTIONS") == [] and tu.timeouts == [40]
    assert len(layer) == 3


def test_eviction_takes_settled_transactions_oldest_first(wire: Wire, clock: FakeClock) -> None:
    layer = TransactionLayer(wire, clock, max_transactions=3)
    first = new_server(layer, request(branch="z9hG4bK1"))
    second = new_server(layer, request(branch="z9hG4bK2"))
    pending = new_server(layer, request(branch="z9hG4bK3"))
    second.respond(make_response(second.request, 486, to_tag="a"))  # settled first
    first.respond(make_response(first.request, 200, to_tag="b"))
    fourth = new_server(layer, request(branch="z9hG4bK4"))
    assert fourth.tracked and len(layer) == 3
    assert second.state == "Terminated" and first.state == "Accepted"
    clock.advance(5)
    assert wire.times(486) == [0]  # the evicted transaction's timer G is gone
    assert new_server(layer, request(branch="z9hG4bK5")).tracked
    assert first.state == "Terminated" and pending.state == "Proceeding"
    assert not new_server(layer, request(branch="z9hG4bK6")).tracked
    assert len(layer) == 3


def test_close_cancels_every_timer(layer: TransactionLayer, wire: Wire, clock: FakeClock) -> None:
    tx = new_server(layer, request())
    tx.respond(make_response(tx.request, 486, to_tag="tt"))
    start_client(layer, clock, request("OPTIONS", branch="z9hG4bKout"))
    layer.close()
    clock.advance(60)
    assert len(wire.sent) == 2 and len(layer) == 0


# -- identifiers and clock ----------------------------------------------------------------


def test_branches_and_tags_are_random() -> None:
    branches = {new_branch() for _ in range(100)}
    tags = {new_tag() for _ in range(100)}
    assert len(branches) == 100 and len(tags) == 100
    assert all(b.startswith("z9hG4bK") and len(b) >= 7 + 8 for b in branches)
    assert all(len(t) >= 8 for t in tags)  # >= 32 bits as hex (19.3)


def test_timers_are_configurable(wire: Wire, clock: FakeClock) -> None:
    layer = TransactionLayer(wire, clock, Timers(t1=0.1, t2=0.4, t4=1.0))
    _, tu = start_client(layer, clock, request("OPTIONS"))
    clock.advance(10)
    assert wire.times("OPTIONS")[:5] == [0, 0.1, 0.3, 0.7, 1.1]
    assert tu.timeouts == [6.4]


async def test_loop_clock_runs_callbacks_on_the_loop() -> None:
    loop = asyncio.get_running_loop()
    clock = LoopClock(loop)
    fired = asyncio.Event()
    start = clock.now()
    cancelled = clock.call_later(0.01, lambda: pytest.fail("cancelled timer fired"))
    clock.call_later(0.02, fired.set)
    cancelled.cancel()
    await asyncio.wait_for(fired.wait(), 2)
    assert clock.now() - start >= 0.02
