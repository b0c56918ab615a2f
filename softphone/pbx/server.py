"""The PBX as one object that starts and stops: the composition root of the daemon.

Tests start it in-process exactly as the daemon does (like aiosmtpd's Controller), so
both run the same wiring: transport -> core -> transactions -> registrar / B2BUA.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from softphone.common.directory import UserSettings
from softphone.common.resources import resource
from softphone.pbx.api.app import ApiServer, create_api, tls_context
from softphone.pbx.api.userstore import UserStore
from softphone.pbx.conferencestore import ConferenceStore
from softphone.pbx.config import PbxConfig
from softphone.pbx.doorlog import DoorLog
from softphone.pbx.features.auth import DigestAuthenticator
from softphone.pbx.features.authgate import AuthGate
from softphone.pbx.features.b2bua import B2bua
from softphone.pbx.features.ban import BanList
from softphone.pbx.features.confservice import Conferences
from softphone.pbx.features.digestpolicy import DigestMemory, DigestPolicy
from softphone.pbx.features.lineevents import LineEvents
from softphone.pbx.features.location import Location
from softphone.pbx.features.mediawatch import MediaWatch
from softphone.pbx.features.presence import PresenceService
from softphone.pbx.features.prompts import Prompts
from softphone.pbx.features.registrar import Registrar
from softphone.pbx.features.sharedline import SharedLines
from softphone.pbx.features.subscriptions import Subscriptions
from softphone.pbx.features.throttle import AccountThrottle
from softphone.pbx.groupstore import GroupStore
from softphone.pbx.linelog import LineLog
from softphone.pbx.media.relay import RtpRelay
from softphone.pbx.sip.clock import LoopClock
from softphone.pbx.sip.connector import client_tls_context
from softphone.pbx.sip.core import OptionsHandler, SipCore
from softphone.pbx.sip.streamguard import StreamLimits
from softphone.pbx.sip.transaction import TransactionLayer
from softphone.pbx.sip.transport import SipTransport
from softphone.pbx.store import Store

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.1   # store.py batches writes; this is how stale the disk may be
SWEEP_INTERVAL = 1.0


class Pbx:
    def __init__(self, config: PbxConfig, data_dir: Path, sip_port: int | None = None) -> None:
        self.config = config
        self.data_dir = data_dir
        self.sip_port = config.sip.port if sip_port is None else sip_port
        self.store: Store | None = None
        self.transport: SipTransport | None = None
        self.core: SipCore | None = None
        self.b2bua: B2bua | None = None
        self.relay: RtpRelay | None = None
        self.users: UserStore | None = None
        self.subscriptions: Subscriptions | None = None
        self.api: ApiServer | None = None
        self.door_log: DoorLog | None = None
        self.groups: GroupStore | None = None
        self.digest_memory: DigestMemory | None = None
        self.rooms: ConferenceStore | None = None
        self.line_log: LineLog | None = None
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def advertised_host(self) -> str:
        sip = self.config.sip
        return sip.public_address or (sip.host if sip.host != "0.0.0.0" else "127.0.0.1")

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        clock = LoopClock(loop)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = store = Store(self.data_dir / "pbx.sqlite3")
        sip, sec = self.config.sip, self.config.security
        self.transactions = TransactionLayer(lambda m, d, t: self._send(m, d, t), clock,
                                             max_transactions=sip.max_transactions)
        # SIP and the API ban separately: a ban earned on one does not shut the other.
        bans = BanList(sec.ban_failures, sec.ban_window, sec.ban_seconds, time.monotonic,
                       exempt=self._trunk_address)
        api_bans = BanList(sec.ban_failures, sec.ban_window, sec.ban_seconds, time.monotonic)
        # One per account across SIP and the API: the password guessed is the same.
        throttle = AccountThrottle(time.monotonic, sec.account_failures, sec.account_window,
                                   max_delay=sec.account_max_delay,
                                   known=lambda user, ip: self.location.registered_from(user, ip))
        self.core = core = SipCore(self.transactions, self.advertised_host, bans.is_banned)
        authenticator = DigestAuthenticator(sip.realm, self._credentials, self._nonce_secret(),
                                            time.time, algorithms=sip.digest_algorithms)
        self.digest_memory = DigestMemory(self.data_dir / "digest.sqlite3")
        policy = DigestPolicy(sip.digest_algorithms, sip.md5_only_user_agents,
                              self.digest_memory)
        auth = AuthGate(core, authenticator, bans, policy, throttle)
        self.users = users = UserStore(self.data_dir / "users.sqlite3", self._default_settings)
        self.groups = groups = GroupStore(self.data_dir / "groups.sqlite3", self.config)
        self.location = Location(store, time.time)
        restored = self.location.load()
        # Presence: registrations, calls and DND taken together, for the API and SUBSCRIBE.
        self.presence = presence = PresenceService(
            self.location.is_registered, lambda n: users.settings(n).dnd, time.time,
            display_name=self._display_name)
        self.location.on_change = presence.registration_changed
        presence.seed(self.config.extensions)
        rtp = self.config.rtp
        self.relay = RtpRelay(rtp.host, rtp.port_min, rtp.port_max)
        media_address = self.config.sip.public_address or (
            rtp.host if rtp.host != "0.0.0.0" else self.advertised_host)
        self.rooms = rooms = ConferenceStore(self.data_dir / "conferences.sqlite3", self.config)
        self.conferences = Conferences(core, clock, self.config, self.relay.pool,
                                       rooms.room, Prompts(resource("prompts")),
                                       self._spawn, media_address, time.time, time.monotonic)
        self.lines = SharedLines(self.config.shared_lines, sip.realm, time.monotonic)
        self.line_log = LineLog(self.data_dir / "lines.sqlite3")
        self.b2bua = b2bua = B2bua(core, self.config, auth, self.location, self.relay, store,
                                   clock, time.time, self._spawn, media_address,
                                   on_call_change=presence.call_changed,
                                   settings=users.settings, ring_group=groups.group,
                                   logged_out=groups.logged_out, conferences=self.conferences,
                                   lines=self.lines, line_log=self.line_log)
        self.subscriptions = Subscriptions(core, self.config, auth, presence, clock,
                                           lines=LineEvents(self.lines))
        core.register(OptionsHandler(core))
        core.register(Registrar(core, self.config, auth, self.location, time.time))
        core.register(self.b2bua)
        core.register(self.subscriptions)
        sip_tls = tls_context(sip.tls_cert, sip.tls_key) if sip.tls_cert and sip.tls_key \
            else None
        # TLS to phones (after a restart: features/outbound.py) whenever TLS is served.
        tls_client = client_tls_context(sip.tls_verify_phones, sip.tls_ca, sip.tls_cert,
                                        sip.tls_key) if sip_tls is not None else None
        self.transport = SipTransport(sip.host, self.sip_port, core.on_message,
                                      on_datagram=core.on_datagram, tls=sip_tls,
                                      tls_port=sip.tls_port, tls_client=tls_client,
                                      stream_limits=StreamLimits(
                                          sec.tcp_max_connections, sec.tcp_max_per_address,
                                          sec.tcp_idle_timeout))
        self.transport.on_unreachable = self.transactions.transport_error
        await self.transport.start(tuple(sip.transports))
        core.attach(self.transport)
        self.sip_port = self.transport.port
        self._every(FLUSH_INTERVAL, store.flush)
        self._every(SWEEP_INTERVAL, self.location.sweep)
        self._every(SWEEP_INTERVAL, self.lines.expire)
        watch = MediaWatch(lambda: b2bua.calls.values(), self.config.rtp.media_timeout)
        self._every(watch.interval, watch.check)
        self._every(b2bua.session_timers.check_interval, b2bua.check_session_timers)
        api = self.config.api
        if api.enabled:
            self.door_log = DoorLog(self.data_dir / "doors.sqlite3",
                                    self.config.security.door_audit_days * 86400.0)
            app = create_api(self.config, presence, users, api_bans, self._nonce_secret(),
                             time.time, time.monotonic, pickup=self.b2bua.pickup_for,
                             door_log=self.door_log, groups=groups,
                             conference_store=rooms, live_rooms=self.conferences,
                             shared_lines=self.lines, line_log=self.line_log,
                             throttle=throttle)
            tls = tls_context(api.tls_cert, api.tls_key) if api.tls_cert and api.tls_key else None
            self.api = ApiServer(app, api.host, api.port, tls)
            await self.api.start()
        log.info("PBX ready on %s:%d (%s), %d registrations restored",
                 sip.host, self.sip_port, "+".join(sip.transports), restored,
                 extra={"event": "ready", "sip_port": self.sip_port,
                        "tls_port": self.transport.tls_port if "tls" in sip.transports else None,
                        "transports": list(sip.transports), "registrations": restored})

    def _send(self, msg: Any, dest: tuple[str, int], transport: str) -> None:
        if self.transport is not None:
            self.transport.send(msg, dest, transport)

    def _credentials(self, user: str) -> tuple[str | None, str | None] | None:
        ext = self.config.extension(user)
        return None if ext is None else (ext.ha1_md5, ext.ha1_sha256)

    def _default_settings(self, number: str) -> UserSettings:
        ext = self.config.extension(number)
        if ext is None:
            return UserSettings()
        return UserSettings(call_waiting=ext.call_waiting, busy_on_busy=ext.busy_on_busy)

    def _display_name(self, number: str) -> str:
        ext = self.config.extension(number)
        return ext.display_name if ext is not None else ""

    def _trunk_address(self, ip: str) -> bool:
        """Is ``ip`` one of the PBX's trunk providers (never banned)? The hook for when
        trunks are configured; there are none yet."""
        return False

    def _nonce_secret(self) -> bytes:
        """Kept in the data dir so nonces handed out before a restart stay valid."""
        path = self.data_dir / "nonce.key"
        if not path.exists():
            path.write_bytes(secrets.token_bytes(32))
            path.chmod(0o600)
        return path.read_bytes()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> object:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _every(self, interval: float, fn: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        name = getattr(fn, "__qualname__", repr(fn))

        def tick() -> None:
            try:
                fn()
            except Exception:
                log.exception("periodic task %s failed", name)
            self._timers[name] = loop.call_later(interval, tick)

        self._timers[name] = loop.call_later(interval, tick)

    async def stop(self) -> None:
        """End every call with BYE, give the BYEs a moment to leave, then close."""
        if self.api is not None:
            await self.api.stop()  # closes the event WebSockets with 1001 (going away)
        if self.subscriptions is not None and self.subscriptions.close():
            await asyncio.sleep(0.2)  # the terminating NOTIFYs (phones re-subscribe later)
        if self.b2bua is not None:
            ended = self.b2bua.hangup_all()
            if ended:
                log.info("ended %d calls for shutdown", ended, extra={"event": "shutdown_calls"})
                await asyncio.sleep(0.2)
        for t in self._timers.values():
            t.cancel()
        for task in list(self._tasks):
            task.cancel()
        if self.transport is not None:
            await self.transport.close()
        if self.relay is not None:
            await self.relay.close()
        self.transactions.close()
        if self.store is not None:
            self.store.close()
        if self.users is not None:
            self.users.close()
        if self.door_log is not None:
            self.door_log.close()
        if self.line_log is not None:
            self.line_log.close()
        if self.groups is not None:
            self.groups.close()
        if self.digest_memory is not None:
            self.digest_memory.close()
        if self.rooms is not None:
            self.rooms.close()
        log.info("PBX stopped", extra={"event": "stopped"})
