"""The door station's SIP user agent, as IP door stations (2N, DoorBird) behave: it
registers as an extension, and the bell calls the configured number (a user or a ring
group). During the call it sends the visitor's audio (a steady 700 Hz tone, or a WAV
looped) and opens the door when the far end keys the DTMF door code (RFC 4733).

pjsua2 runs on ONE thread of its own (:class:`DoorSip`) that owns every pj object and
pumps libHandleEvents(10), with the engine's rules (softphone.engine.endpoint:
threadCnt=0, mainThreadOnly, null audio device as the bridge's clock while a call
exists, deferred deletion, everything gone before libDestroy). The asyncio side sends
commands through a queue; events and door openings come back with
loop.call_soon_threadsafe.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pjsua2 as pj

from softphone.common.engine_protocol import AccountConfig
from softphone.doorsim.dtmf import CodeMatcher, Outcome
from softphone.doorsim.sipcall import DoorCall, asserted_number, end_reason
from softphone.engine.account import AccountManager, split_host
from softphone.engine.calls import op, parse_remote
from softphone.engine.endpoint import LINGER_S, EngineEndpoint, Graveyard

TONE_HZ = 700
Emit = Callable[..., object]         # emit(event, **fields), thread-safe
OpenDoor = Callable[[str], object]   # open_door(by), thread-safe


@dataclass(frozen=True)
class SipConfig:
    server: str                      # host or host:port of the registrar
    user: str
    password: str
    transport: str = "udp"
    target: str = "210"              # what the bell calls
    ring_timeout: float = 30.0
    dtmf_code: str = "*1"
    dtmf_reset: float = 3.0
    visitor_audio: Path | None = None
    bind: str = ""                   # address for SIP and RTP ("" = all; see bind_address)
    retry_interval: int = 30
    log_level: int = 0               # pjsip's log level (its log goes to fd 1)
    answer_calls: bool = True        # calls to the door are answered at once


def bind_address(config: SipConfig) -> str:
    """The configured address, else loopback for a registrar on loopback (a Contact with
    the machine's LAN address would not be reachable from it), else all addresses."""
    if config.bind:
        return config.bind
    host = split_host(config.server).strip("[]")
    return "127.0.0.1" if host in ("127.0.0.1", "localhost") else ""


def write_tone(path: Path, freq: int = TONE_HZ, rate: int = 16000) -> Path:
    """One second of a sine tone (a whole number of cycles, so it loops without a click)."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        t = np.arange(rate) / rate
        wav.writeframes((np.sin(2 * np.pi * freq * t) * 16000).astype("<i2").tobytes())
    return path


def register_message(code: int, reason: str) -> str:
    """What a failed REGISTER means, for a person reading the log."""
    if code in (401, 403, 407):
        return "the SIP server refused the user name or password"
    if code == 404:
        return "the SIP server does not know this user"
    if code in (0, 408, 503) or code >= 700:
        return "the SIP server did not answer"
    return f"the SIP server refused the registration ({code} {reason})".strip()


class DoorPhone:
    """Everything on the pjsua2 thread: endpoint, account, the one call, audio, DTMF."""

    def __init__(self, config: SipConfig, emit: Emit, open_door: OpenDoor,
                 audio_dir: Path) -> None:
        self.config = config
        self.emit = emit
        self.open_door = open_door
        self.graveyard = Graveyard()
        self.endpoint = EngineEndpoint(bind=bind_address(config), log_level=config.log_level,
                                       user_agent="softphone-doorsim")
        self.accounts = AccountManager(self.endpoint, self._on_account, self.graveyard,
                                       self._incoming, retry_interval=config.retry_interval)
        wav = config.visitor_audio or write_tone(audio_dir / "visitor.wav")
        self.player = pj.AudioMediaPlayer()
        self.player.createPlayer(str(wav), 0)   # options 0: loop at the end
        self.call: DoorCall | None = None
        self.reg_state = "none"
        self.matcher = CodeMatcher(config.dtmf_code, config.dtmf_reset)
        self.accounts.configure(AccountConfig(config.user, config.password, config.server,
                                              config.transport))

    # -- registration ------------------------------------------------------------------

    def _on_account(self, kind: str, data: dict[str, Any]) -> None:
        if kind != "registration":
            return
        state, code, reason = data["state"], int(data["code"]), str(data["reason"])
        self.reg_state = state
        where = {"server": self.config.server, "user": self.config.user}
        if state == "registered":
            self.emit("sip_registered", **where, expires=data["expires"])
        elif state in ("failed", "retrying"):
            self.emit("sip_register_failed", **where, code=code, reason=reason,
                      message=register_message(code, reason), retry_in=data["retry_in"])
        elif state == "registering":
            self.emit("sip_registering", **where)
        elif state == "unregistered":
            self.emit("sip_unregistered", **where)

    def _incoming(self, acc: pj.Account, pj_id: int) -> None:
        """Someone calls the door (to look and talk before opening): answered at once, as
        door stations do, unless busy or told to decline."""
        if self.call is not None or not self.config.answer_calls:
            call = pj.Call(acc, pj_id)
            number, _, _ = parse_remote(call.getInfo().remoteUri)
            call.hangup(op(486 if self.call is not None else 603))
            self.graveyard.bury(call)
            self.emit("incoming_call_declined", caller=number,
                      reason="busy" if self.call is not None else "declining calls")
            return
        call = DoorCall(self, acc, "", pj_id)
        number, _, _ = parse_remote(call.getInfo().remoteUri)
        call.target = call.asserted = number
        self.call = call
        self.endpoint.clock_bridge(True)
        self.matcher.reset()
        self.emit("incoming_call", caller=number)
        call.answer(op(200))

    # -- the bell's call ---------------------------------------------------------------

    def ring(self) -> None:
        if self.call is not None:
            self.emit("bell_ignored", reason="call in progress", target=self.call.target)
            return
        target = self.config.target
        try:
            account, _ = self.accounts.require()
            uri = self.accounts.target_uri(target)
            call = DoorCall(self, account, target)
            self.endpoint.clock_bridge(True)
            self.call = call
            call.makeCall(uri, op())
        except (pj.Error, LookupError, ValueError) as exc:
            message = f"{exc.title}: {exc.reason}" if isinstance(exc, pj.Error) else str(exc)
            if self.call is not None:
                self.graveyard.bury(self.call)
            self.call = None
            self.endpoint.clock_bridge(False)
            self.emit("call_failed", target=target, message=message)
            return
        self.matcher.reset()
        self.emit("calling", target=target, uri=uri)

    def on_call_state(self, call: DoorCall, response: str) -> None:
        if call is not self.call or call.ended:
            return
        info = call.getInfo()
        if response.startswith("SIP/2.0 2"):      # the answer (CONNECTING), before the ACK
            call.asserted = asserted_number(response) or call.asserted
        if info.state == pj.PJSIP_INV_STATE_EARLY and not call.rang and \
                info.lastStatusCode in (180, 183):
            call.rang = True
            self.emit("call_ringing", target=call.target, code=info.lastStatusCode)
        elif info.state == pj.PJSIP_INV_STATE_CONFIRMED and call.answered_at is None:
            call.answered_at = time.monotonic()
            number, name, _ = parse_remote(info.remoteUri)
            call.answered_by = call.asserted or number or call.target
            self.emit("call_answered", target=call.target, by=call.answered_by,
                      name=name, after=round(call.answered_at - call.started, 3))
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self._ended(call, info.lastStatusCode, info.lastReason)

    def _ended(self, call: DoorCall, code: int, sip_reason: str) -> None:
        call.ended = True
        answered = call.answered_at is not None
        self._unlink(call)
        self.call = None
        self.endpoint.clock_bridge(False)
        self.graveyard.bury(call)   # never deleted inside its own callback
        talked = round(time.monotonic() - call.answered_at, 3) if call.answered_at else 0.0
        self.emit("call_ended", target=call.target, reason=end_reason(code, answered,
                                                                       call.our_reason),
                  code=code, sip_reason=sip_reason, answered=answered,
                  by=call.answered_by or None, duration=talked)

    def on_call_media(self, call: DoorCall) -> None:
        if call is not self.call or call.ended:
            return
        info = call.getInfo()
        audio = [m for m in info.media if m.type == pj.PJMEDIA_TYPE_AUDIO]
        if audio and audio[0].status == pj.PJSUA_CALL_MEDIA_ACTIVE:
            self._unlink(call)
            call.media = call.getAudioMedia(-1)   # a re-INVITE may give a new conf port
            self.player.startTransmit(call.media)

    def _unlink(self, call: DoorCall) -> None:
        if call.media is not None:
            try:
                self.player.stopTransmit(call.media)
            except pj.Error:
                pass
            call.media = None

    def on_dtmf(self, call: DoorCall, digit: str) -> None:
        if call is not self.call or call.answered_at is None:
            return
        by = call.answered_by or call.target
        outcome = self.matcher.feed(digit, time.monotonic())
        self.emit("dtmf_digit", digit=digit, by=by)
        if outcome is Outcome.OPEN:
            self.emit("dtmf_code_ok", by=by)
            self.open_door(f"dtmf:{by}")
        elif outcome is Outcome.WRONG:
            self.emit("dtmf_code_wrong", by=by, reason="wrong code")

    def hangup(self, reason: str) -> None:
        if self.call is not None and not self.call.ended:
            self.call.our_reason = self.call.our_reason or reason
            try:
                self.call.hangup(op())   # CANCEL before the answer, BYE after
            except pj.Error as exc:
                self.emit("call_failed", target=self.call.target, message=exc.reason)

    # -- the loop ------------------------------------------------------------------------

    def tick(self) -> None:
        self.endpoint.handle_events(10)
        self.accounts.poll()
        self.graveyard.reap()
        now = time.monotonic()
        call = self.call
        if call is not None and call.answered_at is None and not call.our_reason and \
                now - call.started > self.config.ring_timeout:
            self.hangup("no answer")
        if call is not None and (dropped := self.matcher.expire(now)):
            self.emit("dtmf_code_wrong", by=call.answered_by or call.target,
                      reason="pause", keys=len(dropped))

    def pump(self, seconds: float, until: Callable[[], bool] = lambda: False) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not until():
            self.tick()

    def shutdown(self) -> None:
        """Hang up, unregister, let objects linger, drop them all, then libDestroy."""
        if self.call is not None:
            self.hangup("door shut down")
            self.pump(2.0, until=lambda: self.call is None)
        if self.call is not None:   # the far end never confirmed: forget it anyway
            self.graveyard.bury(self.call)
            self.call = None
        if self.accounts.is_registered():
            self.accounts.unregister()
            self.pump(2.0, until=lambda: not self.accounts.unregistering())
        self.graveyard.bury(self.player)
        self.player = None
        self.accounts.shutdown()
        self.pump(LINGER_S + 0.05)
        self.graveyard.reap(everything=True)
        self.endpoint.destroy()


class _EventLog(logging.Handler):
    """The engine modules' log records as station events (stderr stays JSON lines)."""

    def __init__(self, emit: Emit) -> None:
        super().__init__(logging.INFO)
        self._emit = emit

    def emit(self, record: logging.LogRecord) -> None:
        self._emit("sip_log", level=record.levelname.lower(), message=record.getMessage())


class DoorSip:
    """The pjsua2 thread and its mailbox. `emit` and `open_door` are called on the asyncio
    loop that called :meth:`start`."""

    def __init__(self, config: SipConfig, emit: Emit, open_door: OpenDoor) -> None:
        self.config = config
        self._emit = emit
        self._open_door = open_door
        self._commands: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _post(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(lambda: func(*args, **kwargs))
        except RuntimeError:   # the loop is closed: nobody is listening any more
            pass

    def emit(self, event: str, **fields: Any) -> None:
        self._post(self._emit, event, **fields)

    def open_door(self, by: str) -> None:
        self._post(self._open_door, by)

    async def start(self) -> None:
        """Start the thread; RuntimeError when pjsua2 could not be set up."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="doorsim-sip", daemon=True)
        self._thread.start()
        await asyncio.to_thread(self._started.wait, 15)
        if self._error is not None:
            raise RuntimeError(f"SIP: {self._error}") from self._error

    def ring(self) -> None:
        """The bell: call the target (ignored during a call). Safe from any thread."""
        self._commands.put("ring")

    async def stop(self) -> None:
        if self._thread is None:
            return
        self._commands.put("stop")
        await asyncio.to_thread(self._thread.join, 15)

    def _run(self) -> None:
        handler = _EventLog(self.emit)
        engine_log = logging.getLogger("softphone.engine")
        engine_log.addHandler(handler)
        engine_log.propagate = False
        phone: DoorPhone | None = None
        try:
            with tempfile.TemporaryDirectory(prefix="doorsim-") as audio_dir:
                try:
                    phone = DoorPhone(self.config, self.emit, self.open_door, Path(audio_dir))
                except (pj.Error, KeyError, ValueError) as exc:
                    self._error = exc
                    if isinstance(exc, pj.Error):
                        self._error = RuntimeError(f"{exc.title}: {exc.reason}")
                    return
                finally:
                    self._started.set()
                self._serve(phone)
        finally:
            engine_log.removeHandler(handler)

    def _serve(self, phone: DoorPhone) -> None:
        try:
            while True:
                try:
                    command = self._commands.get_nowait()
                except queue.Empty:
                    command = ""
                if command == "stop":
                    break
                if command == "ring":
                    phone.ring()
                phone.tick()
        finally:
            phone.shutdown()
