"""EngineClient: the engine process, spoken to over a local socket (engine_protocol).

The GUI listens on a QLocalServer and starts `python -m softphone.engine.main --socket PATH`;
the engine connects back. Everything is asynchronous (signals of QProcess/QLocalSocket), so
the GUI thread never waits for the engine. If the engine dies or the socket drops, every call
it had is reported ENDED, the engine is restarted with backoff, and the last account and audio
choice are sent again: a crash of the telephony side never takes the window down.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, QStandardPaths, QTimer
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from softphone.common import engine_protocol as proto
from softphone.common.engine_protocol import AccountConfig, CallInfo, CallState, RegState
from softphone.gui.engine_backend import ENGINE_UNAVAILABLE, EngineBackend, EngineState

log = logging.getLogger(__name__)

DEFAULT_PROGRAM = (sys.executable, "-m", "softphone.engine.main")
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)   # seconds between restarts, the last one repeats
STABLE_AFTER = 30.0        # an engine that ran this long resets the backoff
CONNECT_TIMEOUT_MS = 15000  # a started engine that does not connect is restarted
# The engine's own shutdown: up to 2 s for BYEs to be answered, up to 1 s for the
# un-REGISTER's answer, 0.25 s for pjsua2's objects to linger (softphone/engine/commands.py).
SHUTDOWN_WAIT_MS = 3500


def _socket_dir() -> Path:
    if sys.platform.startswith("linux"):
        # QStandardPaths would warn (and invent /tmp/runtime-USER) without XDG_RUNTIME_DIR.
        runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    else:
        runtime = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.RuntimeLocation)
    if runtime and Path(runtime).is_dir():
        return Path(runtime)
    return Path(tempfile.gettempdir())


class EngineClient(EngineBackend):
    def __init__(self, parent: QObject | None = None, *,
                 program: Sequence[str] = DEFAULT_PROGRAM, extra_args: Sequence[str] = (),
                 backoff: Sequence[float] = BACKOFF, socket_dir: Path | None = None) -> None:
        super().__init__(parent)
        self._program = list(program)
        self._extra_args = list(extra_args)
        self._backoff = list(backoff)
        # Unix socket paths are limited to ~100 bytes: keep the name short.
        name = f"softphone-{os.getpid()}-{uuid.uuid4().hex[:8]}.sock"
        self.socket_path = str((socket_dir or _socket_dir()) / name)
        self._server: QLocalServer | None = None
        self._process: QProcess | None = None
        self._dying: set[QProcess] = set()
        self._socket: QLocalSocket | None = None
        self._buffer = b""
        self._generation = 0
        self._next_id = 1
        self._pending: dict[int, str] = {}
        self._calls: dict[str, CallInfo] = {}
        self._account: AccountConfig | None = None
        self._audio: tuple[str | None, str | None, str | None] | None = None
        self._knock: bool | None = None          # None: the engine's default (on)
        self._attempt = 0
        self._running_since = 0.0
        self._restart_timer = QTimer(self, singleShot=True)
        self._restart_timer.timeout.connect(self._restart)
        self._connect_timer = QTimer(self, singleShot=True, interval=CONNECT_TIMEOUT_MS)
        self._connect_timer.timeout.connect(lambda: self._lost("engine did not connect"))

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        if self._server is None:
            self._server = QLocalServer(self)
            QLocalServer.removeServer(self.socket_path)
            if not self._server.listen(self.socket_path):
                raise OSError(f"cannot listen on {self.socket_path}: "
                              f"{self._server.errorString()}")
            self._server.newConnection.connect(self._on_new_connection)
        self._set_state(EngineState.STARTING)
        self._launch()

    def stop(self) -> None:
        """Ask the engine to shut down, wait briefly, then kill it (used at application exit)."""
        self._restart_timer.stop()
        self._connect_timer.stop()
        self._generation += 1          # late signals of the old process are ignored
        sock, self._socket = self._socket, None
        if sock is not None and sock.state() == QLocalSocket.LocalSocketState.ConnectedState:
            sock.write(proto.encode(proto.request(self._next_id, "shutdown")))
            sock.flush()
        proc, self._process = self._process, None
        if proc is not None:
            if not proc.waitForFinished(SHUTDOWN_WAIT_MS):
                proc.kill()
                proc.waitForFinished(SHUTDOWN_WAIT_MS)
            proc.deleteLater()
        for dying in list(self._dying):
            dying.waitForFinished(SHUTDOWN_WAIT_MS)
        if sock is not None:
            sock.abort()
            sock.deleteLater()
        if self._server is not None:
            self._server.close()
            self._server = None
        self._end_all_calls()
        self._set_state(EngineState.STOPPED)

    def process_id(self) -> int:
        """The engine's pid (0 when none runs); for diagnostics and tests."""
        return self._process.processId() if self._process is not None else 0

    def set_account(self, account: AccountConfig) -> None:
        self._account = account
        if self.state == EngineState.RUNNING:
            self._send_account()

    def request_set_audio(self, input: str | None, output: str | None,
                          ringer: str | None) -> None:
        self._audio = (input, output, ringer)
        if self.state == EngineState.RUNNING:
            self._send_audio()

    def request_set_call_waiting_tone(self, enabled: bool) -> None:
        self._knock = bool(enabled)
        if self.state == EngineState.RUNNING:
            super().request_set_call_waiting_tone(self._knock)

    # -- process -------------------------------------------------------------------------

    def _launch(self) -> None:
        self._generation += 1
        gen = self._generation
        proc = QProcess(self)
        proc.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedChannels)
        proc.finished.connect(lambda *_: self._on_process_gone(gen, proc, "exited"))
        proc.errorOccurred.connect(lambda err: self._on_process_error(gen, proc, err))
        self._process = proc
        args = [*self._program[1:], "--socket", self.socket_path, *self._extra_args]
        proc.start(self._program[0], args)
        self._connect_timer.start()

    def _on_process_error(self, gen: int, proc: QProcess, err: QProcess.ProcessError) -> None:
        # FailedToStart gives no finished() signal; Crashed is followed by finished().
        if err == QProcess.ProcessError.FailedToStart:
            self._on_process_gone(gen, proc, "failed to start")

    def _on_process_gone(self, gen: int, proc: QProcess, why: str) -> None:
        if proc in self._dying:
            self._dying.discard(proc)
            proc.deleteLater()
            return
        if gen == self._generation and self._process is proc:
            self._lost(f"engine process {why} ({proc.exitCode()})")

    def _lost(self, why: str) -> None:
        if self.state in (EngineState.LOST, EngineState.STOPPED):
            return
        log.warning("telephony engine lost: %s", why)
        self._connect_timer.stop()
        self._generation += 1
        if self._running_since and time.monotonic() - self._running_since > STABLE_AFTER:
            self._attempt = 0
        self._running_since = 0.0
        self._drop_socket()
        proc, self._process = self._process, None
        if proc is not None:
            if proc.state() != QProcess.ProcessState.NotRunning:
                self._dying.add(proc)     # deleted once finished()
                proc.kill()
            else:
                proc.deleteLater()
        self._pending.clear()
        self._set_state(EngineState.LOST)
        self._end_all_calls()
        self.registration_changed.emit(proto.RegistrationInfo(RegState.UNREGISTERED))
        delay = self._backoff[min(self._attempt, len(self._backoff) - 1)]
        self._attempt += 1
        self._restart_timer.start(int(delay * 1000))

    def _restart(self) -> None:
        self._set_state(EngineState.RESTARTING)
        self._launch()

    def _end_all_calls(self) -> None:
        """The engine's calls died with it: say so, so no window shows a dead call."""
        calls, self._calls = self._calls, {}
        now = time.time()
        for info in calls.values():
            self.call_changed.emit(replace(info, state=CallState.ENDED, ended_at=now))

    # -- socket --------------------------------------------------------------------------

    def _on_new_connection(self) -> None:
        assert self._server is not None
        while (sock := self._server.nextPendingConnection()) is not None:
            if self._socket is not None or self.state == EngineState.STOPPED:
                sock.abort()              # one engine at a time
                sock.deleteLater()
                continue
            gen = self._generation
            self._socket = sock
            self._buffer = b""
            sock.readyRead.connect(lambda g=gen: self._on_ready_read(g))
            sock.disconnected.connect(lambda g=gen: self._on_disconnected(g))
            self._connect_timer.stop()
            self._send("hello", version=proto.PROTOCOL_VERSION)

    def _drop_socket(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.abort()
            sock.deleteLater()

    def _on_disconnected(self, gen: int) -> None:
        if gen == self._generation:
            self._lost("socket closed")

    def _on_ready_read(self, gen: int) -> None:
        if gen != self._generation or self._socket is None:
            return
        self._buffer += bytes(self._socket.readAll().data())
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            if line.strip():
                self._on_line(line)
            if gen != self._generation:
                return
        if len(self._buffer) > proto.MAX_LINE:
            self._lost("line too long")

    def _on_line(self, line: bytes) -> None:
        try:
            msg = proto.decode(line)
            if msg["type"] == "response":
                self._on_response(msg)
            elif msg["type"] == "event":
                self._on_event(msg["event"], msg.get("data") or {})
        except (proto.ProtocolError, KeyError, TypeError, ValueError) as exc:
            log.warning("bad message from engine: %s: %r", exc, line[:200])

    def _on_response(self, msg: dict[str, Any]) -> None:
        cmd = self._pending.pop(msg.get("id", -1), None)
        if cmd == "hello" and msg.get("ok"):
            self._became_ready()
        elif cmd is not None and not msg.get("ok"):
            self.request_failed.emit(cmd, str(msg.get("error", "")), str(msg.get("detail", "")))

    def _on_event(self, name: str, data: dict[str, Any]) -> None:
        if name == "ready":
            self.audio_status = proto.AudioStatus(
                devices=[proto.AudioDevice(**d) for d in data.get("devices", [])],
                null_audio=bool(data.get("null_audio", False)))
            self.audio_changed.emit(self.audio_status)
            self._became_ready()
        elif name == "registration":
            self.registration_changed.emit(proto.registration_info(data))
        elif name == "call":
            info = proto.call_info(data)
            if info.state == CallState.ENDED:
                self._calls.pop(info.call_id, None)
            else:
                self._calls[info.call_id] = info
            self.call_changed.emit(info)
        elif name == "audio":
            self.audio_status = proto.audio_status(data)
            self.audio_changed.emit(self.audio_status)
        elif name == "dtmf":
            self.dtmf_received.emit(str(data["call_id"]), str(data["digit"]))
        elif name == "transfer":
            self.transfer_changed.emit(str(data["call_id"]), str(data["state"]),
                                       int(data.get("code", 0)))
        else:
            log.debug("ignoring engine event %s", name)

    def _became_ready(self) -> None:
        """The engine answered hello or said ready (whichever first): configure it."""
        if self.state == EngineState.RUNNING:
            return
        self._running_since = time.monotonic()
        self._set_state(EngineState.RUNNING)
        if self._account is not None:
            self._send_account()
        if self._audio is not None:
            self._send_audio()
        if self._knock is not None:
            super().request_set_call_waiting_tone(self._knock)

    # -- requests ------------------------------------------------------------------------

    def _send_account(self) -> None:
        assert self._account is not None
        self._send("set_account", **asdict(self._account))

    def _send_audio(self) -> None:
        assert self._audio is not None
        inp, out, ring = self._audio
        self._send("set_audio", input=inp, output=out, ringer=ring)

    def _send(self, cmd: str, **args: object) -> None:
        sock = self._socket
        if sock is None or (self.state != EngineState.RUNNING and cmd != "hello"):
            self.request_failed.emit(cmd, ENGINE_UNAVAILABLE, "")
            return
        req_id = self._next_id
        self._next_id += 1
        self._pending[req_id] = cmd
        sock.write(proto.encode(proto.request(req_id, cmd, **args)))
