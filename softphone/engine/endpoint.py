"""pjsua2's lifecycle in the engine: the Endpoint, its transports, codecs, and teardown.

The rules come from DESIGN.md ("Why the telephony engine is its own process") and were
measured with pjsua2-python 2.15.1:
- ``threadCnt=0`` and ``mainThreadOnly=True``: pjsip runs only when our loop calls
  libHandleEvents (RTP is only read then too), so every pjsua2 call and callback is on
  one thread (pjsua2 docs, "Threading").
- pjsip writes its log to fd 1 from libCreate on: main.py points fd 1 at the log file
  before this class exists.
- No sound device: the wheel has none; setNullDev() gives the conference bridge a clock,
  and real audio goes through softphone.engine.audio's AudioMediaPort.
- Transports and media are bound to the configured address; codec priorities are set
  explicitly: G722 first, then PCMA, then PCMU (the rest stay available, lower).
- pj objects (calls, ports, accounts) live >= 200 ms after their last use before they
  are deleted (:class:`Graveyard`), and are all gone, plus gc.collect(), before
  libDestroy; libDestroy gets PJSUA_DESTROY_NO_RX_MSG so it does not busy-wait ~1 s
  for responses our own loop already waited for.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from softphone.engine.audio import CLOCK_RATE

log = logging.getLogger(__name__)

LINGER_S = 0.3
CODEC_ORDER = ("G722", "PCMA", "PCMU")
KINDS = {
    "udp": pj.PJSIP_TRANSPORT_UDP,
    "tcp": pj.PJSIP_TRANSPORT_TCP,
    "tls": pj.PJSIP_TRANSPORT_TLS,
}


class Graveyard:
    """pj objects waiting out LINGER_S before their last reference is dropped.

    Deleting an AudioMediaPort or Call right after hangup crashed pjsua2 (DESIGN.md), and
    an object must never be deleted inside its own callback."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._items: list[tuple[float, Any]] = []

    def bury(self, obj: Any) -> None:
        if obj is not None:
            self._items.append((self.clock() + LINGER_S, obj))

    def reap(self, everything: bool = False) -> None:
        now = self.clock()
        if any(everything or due <= now for due, _ in self._items):
            self._items = [] if everything else [(d, o) for d, o in self._items if d > now]

    def __len__(self) -> int:
        return len(self._items)


class EngineEndpoint:
    """Owns pj.Endpoint: create, transports, codecs, the event pump, destroy."""

    def __init__(self, bind: str = "", log_level: int = 4, user_agent: str = "softphone") -> None:
        self.bind = bind
        self.transports: dict[str, int] = {}      # kind -> pjsua transport id
        self.transport_errors: dict[str, str] = {}
        self.ep = pj.Endpoint()
        self.ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.userAgent = user_agent
        cfg.logConfig.level = log_level
        cfg.logConfig.consoleLevel = log_level
        cfg.medConfig.clockRate = CLOCK_RATE
        cfg.medConfig.sndClockRate = CLOCK_RATE
        # pjmedia's echo canceller sits on its own sound port, which we do not use: the
        # devices are behind our AudioMediaPort, so it would cancel nothing.
        cfg.medConfig.ecTailLen = 0
        self.ep.libInit(cfg)
        for kind in KINDS:
            self._create_transport(kind)
        self.ep.libStart()
        self._clocked = True
        self.ep.audDevManager().setNullDev()
        self.clock_bridge(False)
        self.codecs = self._set_codecs()

    def clock_bridge(self, on: bool) -> None:
        """The conference bridge needs a clock only while there is a call: the null device
        ticks every 20 ms, which was most of the engine's idle CPU (bench/client.py)."""
        if on == self._clocked:
            return
        self._clocked = on
        manager = self.ep.audDevManager()
        if on:
            manager.setNullDev()
        else:
            manager.setNoDev()

    def _create_transport(self, kind: str) -> None:
        """A transport on an ephemeral port at the bind address.  TLS without a client
        certificate is enough to reach a server (RFC 5630 leaves client certs optional);
        a failure is remembered and reported when an account asks for that transport."""
        cfg = pj.TransportConfig()
        cfg.port = 0
        if self.bind:
            cfg.boundAddress = self.bind
            cfg.publicAddress = self.bind
        try:
            self.transports[kind] = self.ep.transportCreate(KINDS[kind], cfg)
        except pj.Error as exc:
            self.transport_errors[kind] = f"{exc.title}: {exc.reason}"
            log.warning("no %s transport: %s", kind, exc.reason)

    def transport_id(self, kind: str) -> int:
        """The pjsua transport id for "udp"/"tcp"/"tls"; KeyError if it could not be made."""
        if kind not in self.transports:
            raise KeyError(self.transport_errors.get(kind, f"unknown transport {kind!r}"))
        return self.transports[kind]

    def _set_codecs(self) -> list[str]:
        enabled: list[tuple[int, str]] = []
        for info in self.ep.codecEnum2():
            name = info.codecId.split("/", 1)[0].upper()
            prio = 255 - CODEC_ORDER.index(name) if name in CODEC_ORDER else min(info.priority,
                                                                                  100)
            self.ep.codecSetPriority(info.codecId, prio)
            if prio:
                enabled.append((prio, info.codecId))
        return [codec for _, codec in sorted(enabled, reverse=True)]

    def version(self) -> str:
        return str(self.ep.libVersion().full)

    def handle_events(self, msec: int) -> None:
        self.ep.libHandleEvents(msec)

    def hangup_all(self) -> None:
        self.ep.hangupAllCalls()

    def destroy(self) -> None:
        """The caller has hung up, unregistered, waited >= LINGER_S and dropped its
        objects; what is left is collected before the library goes."""
        gc.collect()
        self.ep.libDestroy(pj.PJSUA_DESTROY_NO_RX_MSG)
