"""The SIP core: between transport and features (RFC 3261 section 8.2, UAS behaviour).

It turns parse errors into 4xx answers, keeps banned addresses out, answers 503 when the
transaction table is near full (21.5.4), checks what every request must pass
(Max-Forwards, URI scheme, Require) and hands requests to the feature handlers: objects
with `handle_<METHOD>(request, transaction)` methods, as aiosmtpd does for SMTP verbs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from softphone.pbx.sip.address import AddressError
from softphone.pbx.sip.message import Message, Request, Response, make_response
from softphone.pbx.sip.parser import SipParseError
from softphone.pbx.sip.transaction import (
    ClientTransaction,
    ServerTransaction,
    TransactionLayer,
    new_branch,
    new_tag,
)
from softphone.pbx.sip.transport import Addr, SipTransport, response_destination

log = logging.getLogger(__name__)

ALLOW = ("INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO, PRACK, NOTIFY, REFER, "
         "SUBSCRIBE")
ALLOW_EVENTS = "presence, dialog"  # features/subscriptions.py serves these (RFC 6665 7.2.2)
SUPPORTED: frozenset[str] = frozenset({"replaces", "timer", "path", "outbound"})
RETRY_AFTER = "5"


Handler = Callable[[Request, ServerTransaction], None]


class AckHandler(Protocol):
    def __call__(self, ack: Request, source: Addr, transport: str) -> None: ...


class SipCore:
    """Receives from the transport, owns the transaction layer, dispatches to handlers."""

    def __init__(
        self,
        transactions: TransactionLayer,
        advertised_host: str,
        is_banned: Callable[[str], bool] = lambda ip: False,
    ) -> None:
        self.transactions = transactions
        self.advertised_host = advertised_host
        self.is_banned = is_banned
        self.transport: SipTransport | None = None
        self.handlers: dict[str, Handler] = {}
        self.ack_handler: AckHandler | None = None
        self.response_handler: Callable[[Response, Addr, str], None] | None = None
        self.stats = {"requests": 0, "parse_errors": 0, "overload_503": 0, "banned_dropped": 0}

    # -- wiring ---------------------------------------------------------------------------

    def attach(self, transport: SipTransport) -> None:
        self.transport = transport

    def register(self, handler: object) -> None:
        """Add every `handle_<METHOD>` of `handler`, and its `handle_ack_2xx` and
        `handle_stray_response` if it has them."""
        for name in dir(handler):
            if name == "handle_ack_2xx":
                self.ack_handler = getattr(handler, name)
            elif name == "handle_stray_response":
                self.response_handler = getattr(handler, name)
            elif name.startswith("handle_") and name[7:].isupper():
                self.handlers[name[7:]] = getattr(handler, name)

    @property
    def port(self) -> int:
        return self.transport.port if self.transport else 0

    @property
    def via_host(self) -> str:
        return f"{self.advertised_host}:{self.port}"

    def sent_by(self, transport: str) -> str:
        """host:port where this PBX takes `transport` ("udp", "tcp", "tls"): TLS has its own
        port (RFC 3261 26.2, 5061 by default), UDP and TCP share one."""
        if transport == "tls" and self.transport is not None:
            return f"{self.advertised_host}:{self.transport.tls_port}"
        return self.via_host

    def contact(self, user: str, transport: str) -> str:
        tp = f";transport={transport}" if transport in ("tcp", "tls") else ""
        return f"<sip:{user}@{self.sent_by(transport)}{tp}>"

    def via(self, transport: str) -> str:
        return (f"SIP/2.0/{transport.upper()} {self.sent_by(transport)};branch={new_branch()}"
                f";rport")

    # -- sending --------------------------------------------------------------------------

    def send(self, msg: Message, dest: Addr, transport: str) -> None:
        if self.transport is not None:
            self.transport.send(msg, dest, transport)

    def send_request(
        self, req: Request, dest: Addr, transport: str,
        on_response: Callable[[Response], None], on_timeout: Callable[[], None],
    ) -> ClientTransaction:
        return self.transactions.client(req, dest, transport, on_response, on_timeout)

    def respond(
        self, tx: ServerTransaction, status: int, reason: str | None = None, *,
        to_tag: str | None = None, extra: list[tuple[str, str]] | None = None, body: bytes = b"",
    ) -> Response:
        resp = make_response(tx.request, status, reason, to_tag=to_tag or new_tag(),
                             extra=extra, body=body)
        tx.respond(resp)
        return resp

    def _respond_stateless(self, req: Request, status: int, reason: str, source: Addr,
                           transport: str, extra: list[tuple[str, str]] | None = None) -> None:
        if req.method == "ACK":
            return  # RFC 3261 17: an ACK is never answered
        resp = make_response(req, status, reason, to_tag=new_tag(), extra=extra)
        dest = source if transport != "udp" else response_destination(resp, source)
        self.send(resp, dest, transport)

    # -- receiving ------------------------------------------------------------------------

    def on_datagram(self, data: bytes, source: Addr) -> bool:
        """Before a UDP datagram is parsed: True if it was a retransmission of a request
        whose transaction answered it (TransactionLayer.absorb_datagram)."""
        if self.is_banned(source[0]):
            return False  # on_message drops and counts it
        if self.transactions.absorb_datagram(data, source):
            self.stats["requests"] += 1
            return True
        return False

    def on_message(self, msg: Message | SipParseError, source: Addr, transport: str) -> None:
        if self.is_banned(source[0]):
            self.stats["banned_dropped"] += 1
            return
        if isinstance(msg, SipParseError):
            self.stats["parse_errors"] += 1
            log.info("malformed SIP from %s:%s: %s", source[0], source[1], msg.reason)
            if msg.request is not None:
                self._respond_stateless(msg.request, msg.status, msg.reason, source, transport)
            return
        if isinstance(msg, Response):
            if not self.transactions.handle_response(msg, source, transport) and \
                    self.response_handler is not None:
                self.response_handler(msg, source, transport)
            return
        self._on_request(msg, source, transport)

    def _on_request(self, req: Request, source: Addr, transport: str) -> None:
        self.stats["requests"] += 1
        if req.method == "ACK":
            tx = self.transactions.handle_request(req, source, transport)
            if tx is None and self.transactions.last_ack_was_2xx and self.ack_handler is not None:
                self.ack_handler(req, source, transport)
            return
        problem = self._precheck(req)
        if problem is not None:
            status, reason, extra = problem
            self._respond_stateless(req, status, reason, source, transport, extra)
            return
        tx = self.transactions.handle_request(req, source, transport)
        if tx is None:
            return  # a retransmission, answered by its transaction
        if req.raw:
            self.transactions.note_datagram(req.raw, source, tx)
        if self.transactions.overloaded and req.method not in ("BYE", "CANCEL"):
            self.stats["overload_503"] += 1
            self.respond(tx, 503, extra=[("Retry-After", RETRY_AFTER)])
            return
        handler = self.handlers.get(req.method)
        if handler is None:
            # RFC 3261 8.2.1: 405 with Allow for a method we know but do not serve here.
            self.respond(tx, 405 if req.method in ALLOW else 501, extra=[("Allow", ALLOW)])
            return
        try:
            handler(req, tx)
        except Exception:
            log.exception("handler for %s failed", req.method)
            if tx.last_response is None or tx.last_response.status < 200:
                self.respond(tx, 500)

    def _precheck(self, req: Request) -> tuple[int, str, list[tuple[str, str]]] | None:
        """8.2.2: what every request must pass before a transaction is spent on it."""
        scheme = req.uri.split(":", 1)[0].lower()
        if scheme not in ("sip", "sips", "tel"):
            return 416, "Unsupported URI Scheme", []
        mf = req.headers.get("Max-Forwards")
        if mf is not None:
            if not mf.strip().isdigit():
                return 400, "Bad Max-Forwards", []
            if int(mf) == 0 and req.method not in ("OPTIONS", "REGISTER"):
                return 483, "Too Many Hops", []
        if req.method != "CANCEL":
            unsupported = [o for o in req.headers.get_all("Require") if o.lower() not in SUPPORTED]
            if unsupported:
                return 420, "Bad Extension", [("Unsupported", ", ".join(unsupported))]
        try:
            req.from_, req.to  # noqa: B018 - validates them; the parser already should have
        except AddressError:
            return 400, "Bad From or To", []
        return None


class OptionsHandler:
    """OPTIONS (RFC 3261 section 11): what we can do, for keep-alive pings and peers."""

    def __init__(self, core: SipCore) -> None:
        self.core = core

    def handle_OPTIONS(self, req: Request, tx: ServerTransaction) -> None:
        self.core.respond(tx, 200, extra=[
            ("Allow", ALLOW),
            ("Accept", "application/sdp"),
            ("Supported", ", ".join(sorted(SUPPORTED))),
            ("Allow-Events", ALLOW_EVENTS),
        ])
