"""Connections the PBX opens itself, over TCP or TLS (RFC 3261 section 18.2.2, RFC 5626
section 5.3 when a phone's flow is gone, e.g. after a restart).

Messages for a destination wait in a short queue while the connection is being made. A
connection that cannot be made (refused, no answer within CONNECT_TIMEOUT_S, a failed TLS
handshake) is reported per waiting message through ``on_unreachable``, so the transaction
ends at once with a transport error (RFC 3261 8.1.3.1) instead of timer B's 32 seconds.
Everything is bounded: connects in progress, messages queued per destination, connections
opened and still open.

TLS: phones' certificates are self-signed as a rule, so by default the PBX encrypts without
verifying them, as PBXs of desk phones do; ``[sip] tls_verify_phones = true`` (with
``tls_ca``) verifies the certificate and the Contact's host name or address.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from softphone.pbx.sip.message import Message

log = logging.getLogger(__name__)

Addr = tuple[str, int]
CONNECT_TIMEOUT_S = 2.0  # connect plus TLS handshake; a caller waits this long at most
MAX_CONNECTING = 64      # destinations being connected to at once
MAX_QUEUED = 16          # messages waiting for one destination's connection
MAX_OPENED = 1024        # connections opened by the PBX and still open


class Connection(Protocol):
    def write(self, data: bytes) -> None: ...
    def is_open(self) -> bool: ...


Unreachable = Callable[[Message, Addr, str], None]


def client_tls_context(verify: bool, ca: Path | None = None, cert: Path | None = None,
                       key: Path | None = None) -> ssl.SSLContext:
    """The context the PBX connects to phones with: TLS 1.2 or newer (RFC 5630), its own
    certificate offered for phones that ask for one."""
    context = ssl.create_default_context(cafile=str(ca) if ca else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert is not None and key is not None:
        context.load_cert_chain(cert, key)
    return context


class Connector:
    def __init__(self, factory: Callable[[str], asyncio.Protocol],
                 on_unreachable: Unreachable, tls: ssl.SSLContext | None = None, *,
                 timeout: float = CONNECT_TIMEOUT_S, max_connecting: int = MAX_CONNECTING,
                 max_queued: int = MAX_QUEUED, max_opened: int = MAX_OPENED) -> None:
        """``factory(name)`` makes the protocol of a new "tcp" or "tls" connection; it
        must put itself into the transport's connection table (connection_made)."""
        self.factory = factory
        self.on_unreachable = on_unreachable
        self.tls = tls
        self.timeout = timeout
        self.max_connecting = max_connecting
        self.max_queued = max_queued
        self.max_opened = max_opened
        self._pending: dict[tuple[str, Addr], list[tuple[Message, bytes]]] = {}
        self._opened: list[Connection] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, msg: Message, data: bytes, dest: Addr, name: str) -> None:
        """Open a connection to ``dest`` and send ``data`` over it, or report ``msg``."""
        key = (name, dest)
        queue = self._pending.get(key)
        if queue is not None:
            if len(queue) < self.max_queued:
                queue.append((msg, data))
            else:
                self._fail_soon([(msg, data)], dest, name, "too many messages waiting")
            return
        why = self._refusal(name)
        if why:
            self._fail_soon([(msg, data)], dest, name, why)
            return
        self._pending[key] = [(msg, data)]
        task = asyncio.get_running_loop().create_task(self._connect(dest, name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _refusal(self, name: str) -> str:
        if name == "tls" and self.tls is None:
            return "no TLS client context"
        if len(self._pending) >= self.max_connecting:
            return "too many connects in progress"
        self._opened = [c for c in self._opened if c.is_open()]
        if len(self._opened) >= self.max_opened:
            return "too many connections opened"
        return ""

    async def _connect(self, dest: Addr, name: str) -> None:
        loop = asyncio.get_running_loop()
        tls = self.tls if name == "tls" else None
        extra: dict[str, Any] = {}
        if tls is not None:
            extra = {"ssl": tls, "server_hostname": dest[0] if tls.check_hostname else ""}
        try:
            _, proto = await asyncio.wait_for(
                loop.create_connection(lambda: self.factory(name), dest[0], dest[1], **extra),
                self.timeout)
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            self._fail(self._pending.pop((name, dest), []), dest, name,
                       str(exc) or type(exc).__name__)
            return
        conn: Connection = proto  # type: ignore[assignment]  # the factory's protocol
        self._opened.append(conn)
        log.info("%s connection opened to %s:%d", name, *dest,
                 extra={"event": "connected", "transport": name, "dest": list(dest)})
        for _, data in self._pending.pop((name, dest), []):
            conn.write(data)

    def _fail_soon(self, items: list[tuple[Message, bytes]], dest: Addr, name: str,
                   why: str) -> None:
        # Never inside the sender's own call (a transaction still being started).
        asyncio.get_running_loop().call_soon(self._fail, items, dest, name, why)

    def _fail(self, items: list[tuple[Message, bytes]], dest: Addr, name: str,
              why: str) -> None:
        log.info("cannot reach %s:%d over %s: %s", *dest, name, why,
                 extra={"event": "unreachable", "transport": name, "dest": list(dest),
                        "reason": why})
        for msg, _ in items:
            try:
                self.on_unreachable(msg, dest, name)
            except Exception:  # one failing handler must not keep the others from hearing
                log.exception("error reporting an unreachable %s", dest)

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._pending.clear()
