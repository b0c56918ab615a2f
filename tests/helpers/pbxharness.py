"""An in-process PBX for integration tests of features not yet wired into server.py.

It composes the real pieces as server.py does (UDP transport -> SipCore -> transactions ->
registrar, B2BUA) plus the presence service and the SUBSCRIBE handler, on its own asyncio
loop in a background thread (aiosmtpd's Controller pattern), so tests can talk to it with
blocking sockets, pjsua2 agents or sipp. `run(fn)` executes `fn` on the PBX's loop and
returns its result: the way a test feeds it events (simulated calls, DND toggles).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from softphone.pbx.config import PbxConfig, load_config
from softphone.pbx.features.auth import DigestAuthenticator
from softphone.pbx.features.authgate import AuthGate
from softphone.pbx.features.b2bua import B2bua
from softphone.pbx.features.ban import BanList
from softphone.pbx.features.location import Location
from softphone.pbx.features.presence import PresenceService
from softphone.pbx.features.registrar import Registrar
from softphone.pbx.features.subscriptions import Subscriptions
from softphone.pbx.media.relay import RtpRelay
from softphone.pbx.sip.clock import LoopClock
from softphone.pbx.sip.core import OptionsHandler, SipCore
from softphone.pbx.sip.transaction import TransactionLayer
from softphone.pbx.sip.transport import SipTransport
from softphone.pbx.store import Store
from tests.helpers.pbxproc import free_port, write_config

T = TypeVar("T")
SHA256_FIRST = 'digest_algorithms = ["SHA-256", "MD5"]\n'
MD5_FIRST = 'digest_algorithms = ["MD5", "SHA-256"]\n'   # for sipp 3.6 (interop/conftest.py)


class PbxHarness:
    def __init__(self, tmp_path: Path, *, sip_extra: str = SHA256_FIRST,
                 subscription_options: dict[str, int] | None = None) -> None:
        self.tmp_path = tmp_path
        self.sip_extra = sip_extra
        self.subscription_options = subscription_options or {}
        self.dnd: set[str] = set()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._thread_main, name="pbx-harness",
                                        daemon=True)
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> PbxHarness:
        self._thread.start()
        if not self._ready.wait(15) or self._error is not None:
            raise RuntimeError(f"harness did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)
        if self._error is not None:
            raise self._error

    def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the PBX's event loop and return what it returned."""
        assert self._loop is not None
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def call() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the test thread
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(call)
        return future.result(10)

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await self._compose()
        self._ready.set()
        await self._stop.wait()
        await self._close()

    # -- the composition (as server.py will do it) ----------------------------------------

    async def _compose(self) -> None:
        loop = asyncio.get_running_loop()
        clock = LoopClock(loop)
        rtp_base = 42000 + (os.getpid() % 40) * 200
        cfg_path = write_config(self.tmp_path / "harness.toml", sip_port=free_port(),
                                rtp_base=rtp_base, sip_extra=self.sip_extra)
        self.config: PbxConfig = load_config(cfg_path)
        sip, sec = self.config.sip, self.config.security
        self.store = Store(self.tmp_path / "harness.sqlite3")
        self.transactions = TransactionLayer(self._send, clock)
        bans = BanList(sec.ban_failures, sec.ban_window, sec.ban_seconds, time.monotonic)
        self.core = core = SipCore(self.transactions, "127.0.0.1", bans.is_banned)
        authenticator = DigestAuthenticator(sip.realm, self._credentials,
                                            secrets.token_bytes(32), time.time,
                                            algorithms=sip.digest_algorithms)
        auth = AuthGate(core, authenticator, bans)
        self.location = Location(self.store, time.time)
        self.presence = PresenceService(self.location.is_registered, self.dnd.__contains__,
                                        time.time, display_name=self._name)
        self.location.on_change = self.presence.registration_changed
        self.presence.seed(self.config.extensions)
        self.relay = RtpRelay("127.0.0.1", rtp_base, rtp_base + 199)
        self.b2bua = B2bua(core, self.config, auth, self.location, self.relay, self.store,
                           clock, time.time, self._spawn, "127.0.0.1",
                           on_call_change=self.presence.call_changed)
        self.subscriptions = Subscriptions(core, self.config, auth, self.presence, clock,
                                           **self.subscription_options)
        core.register(OptionsHandler(core))
        core.register(Registrar(core, self.config, auth, self.location, time.time))
        core.register(self.b2bua)
        core.register(self.subscriptions)
        self.transport = SipTransport("127.0.0.1", 0, core.on_message)
        await self.transport.start(("udp",))
        core.attach(self.transport)
        self.port = self.transport.port

    async def _close(self) -> None:
        self.b2bua.hangup_all()
        self.subscriptions.close()
        await asyncio.sleep(0.1)
        for task in list(self._tasks):
            task.cancel()
        await self.transport.close()
        await self.relay.close()
        self.transactions.close()
        self.store.close()

    def _send(self, msg: Any, dest: tuple[str, int], transport: str) -> None:
        self.transport.send(msg, dest, transport)

    def _credentials(self, user: str) -> tuple[str | None, str | None] | None:
        ext = self.config.extension(user)
        return None if ext is None else (ext.ha1_md5, ext.ha1_sha256)

    def _name(self, number: str) -> str:
        ext = self.config.extension(number)
        return ext.display_name if ext is not None else ""

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> object:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
