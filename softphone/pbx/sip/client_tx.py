"""Client transactions (RFC 3261 section 17.1, INVITE part as amended by RFC 6026 section 7.2).

A ClientTransaction is started by TransactionLayer.client: it sends the request at once,
retransmits it over unreliable transports (timers A / E), gives up after timer B / F, and
hands each response the TU must see to `on_response`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from softphone.pbx.sip.clock import Clock, TimerHandle
from softphone.pbx.sip.message import Headers, Request, Response, make_response

if TYPE_CHECKING:
    from softphone.pbx.sip.transaction import Addr, SendFn, Timers, TransactionLayer

CALLING = "Calling"
TRYING = "Trying"
PROCEEDING = "Proceeding"
COMPLETED = "Completed"
ACCEPTED = "Accepted"  # RFC 6026 section 7.2
TERMINATED = "Terminated"

# The reason phrase of the 503 a client transaction makes itself for a connection that
# could not be opened (8.1.3.1), so a TU can tell it from a 503 the far end sent.
TRANSPORT_ERROR = "Transport Error"


def build_ack(invite: Request, response: Response) -> Request:
    """The ACK for a non-2xx final response to `invite` (RFC 3261 17.1.1.3): same
    Request-URI, top Via (so the same branch), From, Call-ID and Route headers; the To
    of the response (with its tag); the CSeq number with method ACK."""
    h = Headers()
    h.add("Via", invite.headers.get_all("Via")[0])
    for name, value in invite.headers:
        if name == "Route":
            h.add(name, value)
    h.add("Max-Forwards", invite.headers.get("Max-Forwards") or "70")  # 8.1.1.6
    h.add("From", invite.headers.get("From") or "")
    h.add("To", response.headers.get("To") or invite.headers.get("To") or "")
    h.add("Call-ID", invite.call_id)
    h.add("CSeq", f"{invite.cseq[0]} ACK")
    return Request(headers=h, method="ACK", uri=invite.uri, version=invite.version)


class ClientTransaction:
    __slots__ = (
        "_ack", "_clock", "_h_retx", "_h_timeout", "_interval", "_layer", "_on_response",
        "_on_timeout", "_reliable", "_send", "_timers", "dest", "key", "request", "state",
        "transport",
    )

    def __init__(
        self,
        request: Request,
        dest: Addr,
        transport: str,
        on_response: Callable[[Response], None],
        on_timeout: Callable[[], None],
        *,
        send: SendFn,
        clock: Clock,
        timers: Timers,
        layer: TransactionLayer | None,
        key: tuple[Hashable, ...] | None = None,
    ) -> None:
        self.request = request
        self.dest = dest
        self.transport = transport
        self.key = key
        self.state = CALLING if request.method == "INVITE" else TRYING
        self._on_response = on_response
        self._on_timeout = on_timeout
        self._send = send
        self._clock = clock
        self._timers = timers
        self._layer = layer
        self._reliable = transport.lower() != "udp"
        self._ack: Request | None = None
        self._h_retx: TimerHandle | None = None
        self._h_timeout: TimerHandle | None = None
        self._interval = timers.t1

    def __repr__(self) -> str:
        return f"<ClientTransaction {self.request.method} {self.state}>"

    @property
    def is_invite(self) -> bool:
        return self.request.method == "INVITE"

    def start(self) -> None:
        """Send the request; arm A/E (unreliable transports only, 17.1.1.2 / 17.1.2.2) and B/F."""
        if self._layer is None:
            # Refused (table full): the TU hears a timeout, as for a request never answered.
            self.state = TERMINATED
            self._clock.call_later(0, self._on_timeout)
            return
        self._h_timeout = self._clock.call_later(64 * self._timers.t1, self._on_b_or_f)
        if not self._reliable:
            self._h_retx = self._clock.call_later(self._interval, self._on_a_or_e)
        self._transmit(self.request)

    def cancel_timers(self) -> None:
        for handle in (self._h_retx, self._h_timeout):
            if handle is not None:
                handle.cancel()
        self._h_retx = self._h_timeout = None

    # -- responses ------------------------------------------------------------------------

    def on_response(self, resp: Response) -> None:
        """A response matched this transaction (17.1.3)."""
        if self.is_invite:
            self._invite_response(resp)
        else:
            self._non_invite_response(resp)

    def _invite_response(self, resp: Response) -> None:
        code = resp.status
        if self.state in (CALLING, PROCEEDING):
            if code < 200:
                # 17.1.1.2: a provisional response stops retransmissions and timer B.
                self.cancel_timers()
                self.state = PROCEEDING
            elif code < 300:
                # RFC 6026 7.2: Accepted for timer M; the TU ACKs the 2xx itself.
                self._settle(ACCEPTED, 64 * self._timers.t1)
            else:
                # 17.1.1.2: ACK it ourselves; timer D absorbs retransmissions (0 if reliable).
                self._ack = build_ack(self.request, resp)
                self._transmit(self._ack)
                if self.state == TERMINATED:
                    return
                if self._reliable:
                    self._terminate()
                else:
                    self._settle(COMPLETED, max(32.0, 64 * self._timers.t1))
            self._on_response(resp)
        elif self.state == ACCEPTED and 200 <= code < 300:
            self._on_response(resp)  # RFC 6026 7.2: 2xx retransmissions go to the TU (re-ACK)
        elif self.state == COMPLETED and code >= 300 and self._ack is not None:
            self._transmit(self._ack)  # 17.1.1.2: re-ACK, not passed to the TU

    def _non_invite_response(self, resp: Response) -> None:
        if self.state not in (TRYING, PROCEEDING):
            return  # 17.1.2.2: Completed absorbs retransmitted finals
        if resp.status < 200:
            self.state = PROCEEDING
        elif self._reliable:
            self._terminate()  # timer K is zero for reliable transports
        else:
            self._settle(COMPLETED, self._timers.t4)  # timer K
        self._on_response(resp)

    def transport_error(self) -> None:
        """No connection could be opened for the request (sip/connector.py): RFC 3261
        8.1.3.1 has the TU treat it as a 503 at once, not wait for timer B."""
        if self.state in (CALLING, TRYING):
            self._terminate()
            self._on_response(make_response(self.request, 503, TRANSPORT_ERROR))

    # -- timers ---------------------------------------------------------------------------

    def _on_a_or_e(self) -> None:
        if self.state == CALLING:
            self._interval *= 2  # 17.1.1.2 timer A doubles with no cap
        elif self.state == TRYING:
            self._interval = min(2 * self._interval, self._timers.t2)  # 17.1.2.2 timer E
        elif self.state == PROCEEDING and not self.is_invite:
            self._interval = self._timers.t2  # 17.1.2.2: T2 while Proceeding
        else:
            return
        self._h_retx = self._clock.call_later(self._interval, self._on_a_or_e)
        self._transmit(self.request)

    def _on_b_or_f(self) -> None:
        if self.state in (CALLING, TRYING, PROCEEDING):
            self._terminate()
            self._on_timeout()

    # -- internals ------------------------------------------------------------------------

    def _settle(self, state: str, timeout: float) -> None:
        self.cancel_timers()
        self.state = state
        self._h_timeout = self._clock.call_later(timeout, self._terminate)
        if self._layer is not None:
            self._layer._tx_settled(self)

    def _transmit(self, msg: Request) -> None:
        try:
            self._send(msg, self.dest, self.transport)
        except OSError:
            # 17.1.4: a transport error is reported to the TU as a timeout would be; it is
            # told on the next tick so it never runs inside its own client() call.
            if self.state != TERMINATED:
                self._terminate()
                self._clock.call_later(0, self._on_timeout)

    def _terminate(self) -> None:
        self.cancel_timers()
        self.state = TERMINATED
        if self._layer is not None:
            self._layer._tx_terminated(self)
