"""The transaction layer (RFC 3261 section 17, with RFC 6026's Accepted states).

It matches received requests and responses to transactions (17.1.3, 17.2.3), runs their
timers on an injected Clock and keeps its table bounded: when full it evicts transactions
whose outcome is already decided (Completed, Confirmed, Accepted), oldest first, and hands
out stateless transactions when nothing can be evicted, so memory never grows with load.

Contract with the SIP core:
- handle_request(req) returns a new ServerTransaction for a new request, or None when the
  request was a retransmission (answered by its transaction) or an ACK. For an ACK, read
  `last_ack_was_2xx` right after: True means no transaction absorbed it (an ACK for a 2xx,
  RFC 6026 7.1, or a stray one) and the core must pass it to the dialog layer / B2BUA.
- When `overloaded` is True the core answers new requests 503 + Retry-After (21.5.4)
  through the returned transaction. A transaction with `tracked == False` came from a full
  table: it sends what it is given and keeps no state.
- handle_response(resp) returns False for responses matching no client transaction (e.g.
  a 2xx retransmission after timer M): the core hands those to the dialog layer.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from softphone.pbx.sip.address import AddressError, Via
from softphone.pbx.sip.client_tx import ClientTransaction, build_ack
from softphone.pbx.sip.clock import Clock, TimerHandle
from softphone.pbx.sip.message import Request, Response
from softphone.pbx.sip.server_tx import ServerTransaction

__all__ = [
    "MAGIC_COOKIE", "Addr", "ClientTransaction", "SendFn", "ServerTransaction", "Timers",
    "TransactionLayer", "build_ack", "new_branch", "new_tag",
]

Addr = tuple[str, int]
# (message, destination, transport "udp"/"tcp"/"tls"); provided by the transport layer.
SendFn = Callable[[Request | Response, Addr, str], None]

MAGIC_COOKIE = "z9hG4bK"  # 8.1.1.7
OVERLOAD_RATIO = 0.9
# Datagrams remembered for absorb_datagram: ~1.4 s of new requests at 3,000 REGISTER/s,
# which covers the first two retransmissions (T1 = 0.5 s, then 1 s), ~6 MB at most.
MAX_DATAGRAMS = 8192
# Timer J may end this much early: loops round their timers (uvloop to 1 ms), and waiting
# for the rounded rest again could come round to the same instant.
TIMER_J_SLACK = 0.001


@dataclass(frozen=True, slots=True)
class Timers:
    """RFC 3261 table 4 base values; B, F, H, J, L and M are 64*T1, D is max(32 s, 64*T1)."""

    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0


DEFAULT_TIMERS = Timers()


def new_branch() -> str:
    """A branch unique in space and time (8.1.1.7), with 64 random bits."""
    return MAGIC_COOKIE + secrets.token_hex(8)


def new_tag() -> str:
    """A From/To tag (19.3): at least 32 random bits; these have 64."""
    return secrets.token_hex(8)


Transaction = ServerTransaction | ClientTransaction
Key = tuple[Hashable, ...]


def _sent_by(via: Via) -> tuple[str, int]:
    default = 5061 if via.transport == "TLS" else 5060  # 18.2.2 / 19.1.2 default ports
    return via.host.lower(), via.port if via.port is not None else default


def _server_keys(req: Request, method: str, *, is_ack: bool = False) -> list[Key]:
    """Candidate table keys for a request matched as `method` (17.2.3).

    With the magic cookie: branch + sent-by + method (ACK and CANCEL lookups pass INVITE).
    Without it (RFC 2543 peers): Request-URI, To tag, From tag, Call-ID, CSeq number, top Via;
    an ACK carries the response's To tag, which may differ from the INVITE's (none for an
    initial INVITE), so both are candidates. Headers beyond the top Via are parsed only then.
    """
    via = req.top_via
    branch = via.branch
    if branch is not None and branch.startswith(MAGIC_COOKIE):
        return [("s", branch, *_sent_by(via), method)]
    base = ("s2543", method, req.uri.strip(), req.call_id, req.cseq[0], req.from_tag, str(via))
    if is_ack:
        return [(*base, None), (*base, req.to_tag)]
    return [(*base, req.to_tag)]


class TransactionLayer:
    def __init__(
        self,
        send: SendFn,
        clock: Clock,
        timers: Timers = DEFAULT_TIMERS,
        max_transactions: int = 20_000,
    ) -> None:
        if max_transactions < 1:
            raise ValueError("max_transactions must be at least 1")
        self._send = send
        self._clock = clock
        self._timers = timers
        self._max = max_transactions
        self._table: dict[Key, Transaction] = {}
        # Keys of transactions whose outcome is decided, in the order they got there:
        # the eviction queue (popitem(last=False) is O(1)).
        self._settled: OrderedDict[Key, None] = OrderedDict()
        # (source, datagram) -> the server transaction that datagram created; oldest first.
        # An OrderedDict: next(iter(dict)) after many deletions at the front rescans them.
        self._datagrams: OrderedDict[tuple[Addr, bytes], ServerTransaction] = OrderedDict()
        # Timer J of Completed non-INVITE server transactions (17.2.2): (end, key), oldest
        # first, with one timer for the oldest (see start_timer_j).
        self._timer_j: deque[tuple[float, Key]] = deque()
        self._timer_j_handle: TimerHandle | None = None
        self.last_ack_was_2xx = False
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._table)

    @property
    def max_transactions(self) -> int:
        return self._max

    @property
    def in_progress(self) -> int:
        """Transactions whose outcome is still open (settled ones are evicted on demand)."""
        return len(self._table) - len(self._settled)

    @property
    def overloaded(self) -> bool:
        """More than 90% of the table taken by transactions still in progress: new requests
        get 503 + Retry-After (21.5.4). Settled ones do not count, since they make room."""
        return self.in_progress > OVERLOAD_RATIO * self._max

    # -- server side ----------------------------------------------------------------------

    def handle_request(
        self, req: Request, source: Addr, transport: str
    ) -> ServerTransaction | None:
        """Match a received request (17.2.3); see the module docstring for the contract."""
        if req.method == "ACK":
            self.last_ack_was_2xx = not self._absorb_ack(req)
            return None
        try:
            key = _server_keys(req, req.method)[0]
        except (IndexError, AddressError):
            # No usable top Via (the parser should have refused it): nothing to match on.
            return self._stateless(req, source, transport)
        tx = self._table.get(key)
        if isinstance(tx, ServerTransaction):
            tx.on_retransmission()
            return None
        if not self._make_room():
            return self._stateless(req, source, transport)
        tx = ServerTransaction(
            req, source, transport, send=self._send, clock=self._clock, timers=self._timers,
            layer=self, key=key,
        )
        self._table[key] = tx
        return tx

    def _absorb_ack(self, ack: Request) -> bool:
        """True if an INVITE server transaction absorbed this ACK (17.2.1)."""
        try:
            keys = _server_keys(ack, "INVITE", is_ack=True)
        except (IndexError, AddressError):
            return False
        for key in keys:
            tx = self._table.get(key)
            if not isinstance(tx, ServerTransaction):
                continue
            if key[0] == "s2543":
                # 17.2.3: the ACK's To tag must be the one of the response we sent.
                last = tx.last_response
                if last is None or last.to_tag != ack.to_tag:
                    continue
            return tx.on_ack()
        return False

    def note_datagram(self, data: bytes, source: Addr, tx: ServerTransaction) -> None:
        """Remember that ``data`` from ``source`` created ``tx`` (see absorb_datagram)."""
        if tx.key is None or not data:
            return
        datagrams = self._datagrams
        datagrams[(source, data)] = tx
        if len(datagrams) > MAX_DATAGRAMS:
            datagrams.popitem(last=False)

    def absorb_datagram(self, data: bytes, source: Addr) -> bool:
        """Handle a byte-identical copy of a datagram that created a server transaction still
        in the table: a retransmission, which 17.2.3 would match to that transaction. True
        if handled. Cheaper than parsing it again (~5 us instead of ~90 us), which is what
        keeps the retransmissions of an overload from collapsing throughput: at 2,000
        REGISTER/s offered to a PBX that kept up with 1,000/s, 34,000 of them brought it
        down to 836/s."""
        key = (source, data)
        tx = self._datagrams.get(key)
        if tx is None:
            return False
        if tx.key is None or self._table.get(tx.key) is not tx:
            del self._datagrams[key]  # terminated or evicted: parse it as a new request
            return False
        tx.on_retransmission()
        return True

    def find_invite_server(self, cancel: Request) -> ServerTransaction | None:
        """The INVITE server transaction a CANCEL refers to (9.2): matched as the INVITE
        would be (17.2.3), so same branch and sent-by, or for RFC 2543 the same URI, tags,
        Call-ID, CSeq number and top Via."""
        try:
            key = _server_keys(cancel, "INVITE")[0]
        except (IndexError, AddressError):
            return None
        tx = self._table.get(key)
        return tx if isinstance(tx, ServerTransaction) else None

    def _stateless(self, req: Request, source: Addr, transport: str) -> ServerTransaction:
        return ServerTransaction(
            req, source, transport, send=self._send, clock=self._clock, timers=self._timers
        )

    # -- client side ----------------------------------------------------------------------

    def client(
        self,
        req: Request,
        dest: Addr,
        transport: str,
        on_response: Callable[[Response], None],
        on_timeout: Callable[[], None],
    ) -> ClientTransaction:
        """Start a client transaction: send `req` now; on_timeout after timer B / F or on a
        transport error. `req` must carry a top Via with a fresh branch (new_branch()).
        If the table is full and nothing can be evicted, nothing is sent and on_timeout
        runs on the next clock tick (the TU treats it as 408, 8.1.3.1)."""
        if req.method == "ACK":
            raise ValueError("ACK is not a transaction (17.1.1.3): send it with send_ack()")
        branch = req.top_via.branch
        if not branch or not branch.startswith(MAGIC_COOKIE):
            raise ValueError("client request needs a top Via branch from new_branch()")
        key: Key = ("c", branch, req.method)
        if key in self._table:
            raise ValueError(f"branch {branch} already in use for {req.method}")
        layer = self if self._make_room() else None
        tx = ClientTransaction(
            req, dest, transport, on_response, on_timeout, send=self._send, clock=self._clock,
            timers=self._timers, layer=layer, key=key,
        )
        if layer is not None:
            self._table[key] = tx
        tx.start()
        return tx

    def send_ack(self, ack: Request, dest: Addr, transport: str) -> None:
        """Send an ACK for a 2xx: it is its own transaction-less request (13.2.2.4, 17.1.1.3)."""
        self._send(ack, dest, transport)

    def handle_response(self, resp: Response, source: Addr, transport: str) -> bool:
        """Match a response to a client transaction by top Via branch + CSeq method (17.1.3).
        True if it matched (delivered to the TU or absorbed as a retransmission)."""
        try:
            branch = resp.top_via.branch
        except (IndexError, AddressError):
            return False
        tx = self._table.get(("c", branch, resp.cseq[1]))
        if not isinstance(tx, ClientTransaction):
            return False
        tx.on_response(resp)
        return True

    def transport_error(self, msg: object, dest: Addr, transport: str) -> None:
        """A message could not be sent (SipTransport.on_unreachable): the client
        transaction of a request hears of it at once (RFC 3261 17.1.4)."""
        if not isinstance(msg, Request) or msg.method == "ACK":
            return
        try:
            branch = msg.top_via.branch
        except (IndexError, AddressError):
            return
        tx = self._table.get(("c", branch, msg.method))
        if isinstance(tx, ClientTransaction):
            tx.transport_error()

    # -- table ----------------------------------------------------------------------------

    def _make_room(self) -> bool:
        """Ensure one free slot, evicting the oldest settled transaction if needed."""
        if len(self._table) < self._max:
            return True
        while self._settled:
            key, _ = self._settled.popitem(last=False)
            tx = self._table.pop(key, None)
            if tx is not None:
                tx.cancel_timers()
                tx.state = "Terminated"
                self.evicted += 1
                return True
        return False

    def _tx_settled(self, tx: Transaction) -> None:
        """Called by a transaction entering Completed / Accepted: now evictable."""
        if tx.key is not None and self._table.get(tx.key) is tx:
            self._settled.setdefault(tx.key, None)

    def start_timer_j(self, tx: ServerTransaction) -> float:
        """Start timer J (64*T1, 17.2.2) for ``tx``, just Completed; returns when it ends.

        Every such timer has the same length, so they end in the order they start: a queue
        and one timer for its head do what a timer per transaction did, without its four
        objects for the GC and its call_later and cancel (6,000 a second at 3,000
        REGISTER/s). The queue is no longer than the table: it is in the order transactions
        settled, which is the order _make_room evicts them in, so only its newest
        ``max_transactions`` entries can still be in the table.
        """
        delay = 64 * self._timers.t1
        end = self._clock.now() + delay
        queue = self._timer_j
        assert tx.key is not None  # a tracked transaction (only those get here)
        queue.append((end, tx.key))
        if len(queue) > self._max:
            queue.popleft()
        if self._timer_j_handle is None:
            self._timer_j_handle = self._clock.call_later(delay, self._on_timer_j)
        return end

    def _on_timer_j(self) -> None:
        self._timer_j_handle = None
        now = self._clock.now()
        queue = self._timer_j
        while queue and queue[0][0] <= now + TIMER_J_SLACK:
            end, key = queue.popleft()
            tx = self._table.get(key)
            if isinstance(tx, ServerTransaction):
                tx.on_timer_j(end)
        if queue:
            self._timer_j_handle = self._clock.call_later(queue[0][0] - now, self._on_timer_j)

    def _tx_terminated(self, tx: Transaction) -> None:
        if tx.key is not None and self._table.get(tx.key) is tx:
            del self._table[tx.key]
            self._settled.pop(tx.key, None)

    def close(self) -> None:
        """Cancel every timer and forget every transaction (shutdown)."""
        for tx in self._table.values():
            tx.cancel_timers()
        self._table.clear()
        self._settled.clear()
        self._datagrams.clear()
        self._timer_j.clear()
        if self._timer_j_handle is not None:
            self._timer_j_handle.cancel()
            self._timer_j_handle = None
