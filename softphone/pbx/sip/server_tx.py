"""Server transactions (RFC 3261 section 17.2, INVITE part as amended by RFC 6026 section 7.1).

A ServerTransaction is created by TransactionLayer.handle_request for each new request. The
TU answers through respond(); the transaction retransmits and absorbs what RFC 3261 says it
must. A transaction built with `layer=None` is stateless (used when the table is full): it
only sends what the TU hands it, with no timers and no retransmission handling.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from softphone.pbx.sip.clock import Clock, TimerHandle
from softphone.pbx.sip.message import Request, Response, make_response

if TYPE_CHECKING:
    from softphone.pbx.sip.transaction import Addr, SendFn, Timers, TransactionLayer

TRYING = "Trying"
PROCEEDING = "Proceeding"
COMPLETED = "Completed"
CONFIRMED = "Confirmed"
ACCEPTED = "Accepted"  # RFC 6026 section 7.1
TERMINATED = "Terminated"
STATELESS = "Stateless"

# 17.2.1: send 100 Trying unless the TU answers within 200 ms.
AUTO_TRYING_DELAY = 0.2


class ServerTransaction:
    __slots__ = (
        "_clock", "_g_interval", "_h_retx", "_h_timeout", "_h_trying", "_j_deadline", "_last",
        "_layer", "_reliable", "_send", "_timers", "key", "request", "source", "state",
        "timeout_callback", "transport",
    )

    def __init__(
        self,
        request: Request,
        source: Addr,
        transport: str,
        *,
        send: SendFn,
        clock: Clock,
        timers: Timers,
        layer: TransactionLayer | None = None,
        key: tuple[Hashable, ...] | None = None,
    ) -> None:
        self.request = request
        self.source = source
        self.transport = transport
        self.key = key
        # Told when timer H fires (no ACK for a non-2xx final) or the transport fails (17.2.4).
        self.timeout_callback: Callable[[], None] | None = None
        self._send = send
        self._clock = clock
        self._timers = timers
        self._layer = layer
        self._reliable = transport.lower() != "udp"
        self._last: Response | None = None
        self._h_retx: TimerHandle | None = None
        self._h_timeout: TimerHandle | None = None
        self._h_trying: TimerHandle | None = None
        self._g_interval = timers.t1
        self._j_deadline = 0.0
        if layer is None:
            self.state = STATELESS
        elif request.method == "INVITE":
            self.state = PROCEEDING
            self._h_trying = clock.call_later(AUTO_TRYING_DELAY, self._auto_trying)
        else:
            self.state = TRYING

    def __repr__(self) -> str:
        return f"<ServerTransaction {self.request.method} {self.state}>"

    @property
    def tracked(self) -> bool:
        """False for a stateless transaction (the table was full when the request came)."""
        return self._layer is not None

    @property
    def last_response(self) -> Response | None:
        return self._last

    @property
    def is_invite(self) -> bool:
        return self.request.method == "INVITE"

    # -- from the TU ----------------------------------------------------------------------

    def respond(self, resp: Response) -> None:
        """Send `resp` and drive the state machine (17.2.1 / 17.2.2, RFC 6026 7.1).

        Responses the state machine does not allow (a second final response, anything after
        Terminated) are dropped: the TU may legitimately race timer H or a transport error.
        """
        if self._layer is None:
            self._last = resp
            self._transmit(resp)
            return
        if self._h_trying is not None:
            self._h_trying.cancel()
            self._h_trying = None
        code = resp.status
        if self.is_invite:
            if self.state == PROCEEDING:
                self._last = resp
                if code < 200:
                    self._transmit(resp)
                elif code < 300:
                    # RFC 6026 7.1: Accepted for timer L, absorbing retransmitted INVITEs.
                    self._enter_settled(ACCEPTED, 64 * self._timers.t1)
                    self._transmit(resp)
                else:
                    # 17.2.1: Completed; timer G only over unreliable transports, H always.
                    self._enter_settled(COMPLETED, 64 * self._timers.t1, on_timeout=self._on_h)
                    if not self._reliable:
                        self._g_interval = self._timers.t1
                        self._h_retx = self._clock.call_later(self._g_interval, self._on_g)
                    self._transmit(resp)
            elif self.state == ACCEPTED and 200 <= code < 300:
                # RFC 6026 7.1: the TU's own 2xx retransmissions (13.3.1.4) go out as given.
                self._last = resp
                self._transmit(resp)
        elif self.state in (TRYING, PROCEEDING):
            self._last = resp
            if code < 200:
                self.state = PROCEEDING
                self._transmit(resp)
            else:
                # 17.2.2: timer J is 64*T1 for unreliable transports, zero for reliable ones.
                self._transmit(resp)
                if self._reliable:
                    self._terminate()
                elif self.state != TERMINATED:
                    self._complete_non_invite()

    # -- from the transaction layer -------------------------------------------------------

    def on_retransmission(self) -> None:
        """The request came again (17.2.1 / 17.2.2): re-send the last response, or absorb."""
        if self.state in (CONFIRMED, ACCEPTED, TERMINATED, STATELESS, TRYING):
            return  # RFC 6026 7.1: Accepted absorbs INVITEs; 17.2.2: Trying absorbs
        if self._last is not None:
            self._transmit(self._last)
        elif self.is_invite and self.state == PROCEEDING:
            self.respond(make_response(self.request, 100))

    def on_ack(self) -> bool:
        """An ACK matched this INVITE transaction. True if absorbed (17.2.1); False if it
        must go to the TU (RFC 6026 7.1: ACKs in Accepted belong to the 2xx, not to us)."""
        if self.state == ACCEPTED:
            return False
        if self.state == COMPLETED:
            self._cancel_timer_handles()
            self.state = CONFIRMED
            # 17.2.1: timer I is T4 for unreliable transports, zero for reliable ones.
            if self._reliable:
                self._terminate()
            else:
                self._h_timeout = self._clock.call_later(self._timers.t4, self._terminate)
        return True

    def cancel_timers(self) -> None:
        self._cancel_timer_handles()
        if self._h_trying is not None:
            self._h_trying.cancel()
            self._h_trying = None

    # -- internals ------------------------------------------------------------------------

    def _enter_settled(
        self, state: str, timeout: float, on_timeout: Callable[[], None] | None = None
    ) -> None:
        self.state = state
        self._h_timeout = self._clock.call_later(timeout, on_timeout or self._terminate)
        if self._layer is not None:
            self._layer._tx_settled(self)

    def _complete_non_invite(self) -> None:
        """17.2.2 Completed over UDP: re-send the final response to retransmissions, which
        the layer matches by key, until timer J (64*T1) ends.

        Timer J comes from the layer's queue (TransactionLayer.start_timer_j), not a timer of
        its own, and only the method and Request-URI of the request are kept: the parsed
        request (headers, From, To, Via, URIs: ~15 objects) and a timer (handle, libuv
        timer, context, bound method) per transaction, held by 20,000 of them, were what
        the cyclic GC walked most at 3,000 REGISTER/s; its collections stalled the loop
        long enough for sipp to retransmit.
        """
        layer = self._layer
        assert layer is not None
        self.state = COMPLETED
        self._j_deadline = layer.start_timer_j(self)
        layer._tx_settled(self)
        self.request = Request(method=self.request.method, uri=self.request.uri)

    def on_timer_j(self, deadline: float) -> None:
        """The layer's timer J that ends at ``deadline`` ran out (it may be a predecessor's
        with the same key: then the deadline differs and this one stays)."""
        if self.state == COMPLETED and deadline == self._j_deadline:
            self._terminate()

    def _cancel_timer_handles(self) -> None:
        for handle in (self._h_retx, self._h_timeout):
            if handle is not None:
                handle.cancel()
        self._h_retx = self._h_timeout = None

    def _transmit(self, resp: Response) -> None:
        try:
            self._send(resp, self.source, self.transport)
        except OSError:
            # 17.2.4: a transport failure terminates the transaction and informs the TU.
            if self._layer is not None and self.state != TERMINATED:
                self._terminate()
                self._tell_timeout()

    def _auto_trying(self) -> None:
        self._h_trying = None
        if self.state == PROCEEDING and self._last is None:
            self.respond(make_response(self.request, 100))

    def _on_g(self) -> None:
        """17.2.1 timer G: re-send the final response, doubling up to T2."""
        if self.state != COMPLETED or self._last is None:
            return
        self._g_interval = min(2 * self._g_interval, self._timers.t2)
        self._h_retx = self._clock.call_later(self._g_interval, self._on_g)
        self._transmit(self._last)

    def _on_h(self) -> None:
        """17.2.1 timer H: no ACK came; the TU is told (it should end the dialog)."""
        if self.state != COMPLETED:
            return
        self._terminate()
        self._tell_timeout()

    def _tell_timeout(self) -> None:
        if self.timeout_callback is not None:
            self.timeout_callback()

    def _terminate(self) -> None:
        self.cancel_timers()
        self.state = TERMINATED
        if self._layer is not None:
            self._layer._tx_terminated(self)
