"""The telephony engine as a subprocess for GUI-free tests: ``EngineProcess``.

Plays the GUI's part of softphone.common.engine_protocol: it listens on a Unix socket in a
temp dir, starts ``python -m softphone.engine.main --socket ... --test-audio DIR``,
accepts the engine's connection and collects its events on a reader thread.
:meth:`EngineProcess.request` sends a request and returns the result (raising
:class:`EngineError` with the error code on ok=false); :meth:`EngineProcess.wait_event`
waits for an event like tests/helpers/agent.py's wait_for.

DIR/mic.wav is the engine's microphone (looped), DIR/speaker.wav what it played, and
DIR/ringer.wav what its ringer played, each from engine start on (see
softphone/engine/audiodev.py).
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from softphone.common import engine_protocol as proto
from tests.helpers.audio import read_wav

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20.0


class EngineError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class EngineProcess:
    def __init__(self, audio_dir: Path | None = None, *, retry_interval: int = 2,
                 test_audio: bool = True, extra_args: list[str] | None = None) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="engine-"))
        self.audio_dir = audio_dir or self.tmp / "audio"
        self.audio_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.tmp / "engine.log"
        self.sock_path = self.tmp / "engine.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.sock_path))
        listener.listen(1)
        listener.settimeout(START_TIMEOUT)
        argv = [sys.executable, "-m", "softphone.engine.main", "--socket", str(self.sock_path),
                "--log-file", str(self.log_path),
                *(["--test-audio", str(self.audio_dir)] if test_audio else []),
                "--bind", "127.0.0.1", "--retry-interval", str(retry_interval),
                *(extra_args or [])]
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self.sock, _ = listener.accept()
        except OSError as exc:
            self.proc.kill()
            raise AssertionError(f"engine did not connect: {exc}\n{self.log_tail()}") from exc
        finally:
            listener.close()
        self.sock.settimeout(None)
        self.events: list[dict[str, Any]] = []
        self._taken: set[int] = set()
        self._responses: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._eof = False
        self._next_id = 0
        self.killed = False
        self._reader = threading.Thread(target=self._read, name="engine-reader", daemon=True)
        self._reader.start()
        self.ready = self.wait_event("ready", timeout=START_TIMEOUT)

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            with self._cond:
                for line in lines:
                    msg = proto.decode(line)
                    msg["t"] = time.monotonic()
                    if msg["type"] == "response":
                        self._responses[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def request(self, cmd: str, timeout: float = 10.0, **args: Any) -> dict[str, Any]:
        with self._cond:
            self._next_id += 1
            req_id = self._next_id
        self.sock.sendall(proto.encode(proto.request(req_id, cmd, **args)))
        deadline = time.monotonic() + timeout
        with self._cond:
            while req_id not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    raise AssertionError(f"no response to {cmd}\n{self.log_tail()}")
                self._cond.wait(left)
            msg = self._responses.pop(req_id)
        if not msg["ok"]:
            raise EngineError(msg["error"], msg.get("detail", ""))
        return dict(msg["result"])

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def wait_event(self, name: str, timeout: float = 10.0, *, since: int = 0,
                   **match: Any) -> dict[str, Any]:
        """The data of the first matching event not returned before.  Each keyword is a
        field of the event's data that must be equal, or a predicate."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for index in range(since, len(self.events)):
                    msg = self.events[index]
                    if index not in self._taken and msg["event"] == name \
                            and _matches(msg["data"], match):
                        self._taken.add(index)
                        return dict(msg["data"])
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    break
                self._cond.wait(left)
        recent = "\n".join(json.dumps(e) for e in self.events[-20:])
        why = "engine connection closed" if self._eof else f"timed out after {timeout} s"
        raise AssertionError(f"{why} waiting for {name} {match}\nrecent events:\n{recent}\n"
                             f"log tail ({self.log_path}):\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def speaker(self, last_s: float) -> tuple[np.ndarray, int]:
        """The last `last_s` seconds the engine played to its speaker."""
        samples, rate = read_wav(self.audio_dir / "speaker.wav")
        return samples[-int(last_s * rate):], rate

    def ringer(self, last_s: float) -> tuple[np.ndarray, int]:
        samples, rate = read_wav(self.audio_dir / "ringer.wav")
        return samples[-int(last_s * rate):], rate

    def kill(self) -> None:
        """SIGKILL, as a crash would end it."""
        self.killed = True
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._shutdown_socket()

    def hang_up_socket(self, timeout: float = 15.0) -> int:
        """Close our end as a dying GUI would; returns the engine's exit code."""
        self._shutdown_socket()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"engine kept running\n{self.log_tail()}") from None

    def _shutdown_socket(self) -> None:
        # shutdown() first: close() alone neither wakes our reader's recv() nor sends a FIN
        # while that recv() still holds the socket.
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
        self._reader.join(5)

    def close(self, timeout: float = 15.0) -> int:
        """Ask the engine to shut down; asserts it exits with 0 (unless it was killed)."""
        if self.killed:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return int(self.proc.returncode)
        if self.proc.poll() is None:
            try:
                self.request("shutdown")
            except (OSError, AssertionError):
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"engine did not exit\n{self.log_tail()}") from None
        self._shutdown_socket()
        code = self.proc.returncode
        assert code == 0, f"engine exited with {code}\n{self.log_tail()}"
        shutil.rmtree(self.tmp, ignore_errors=True)   # kept (with the log) when it failed
        return code


def _matches(data: dict[str, Any], match: dict[str, Any]) -> bool:
    for key, want in match.items():
        got = data.get(key)
        if not (want(got) if callable(want) else got == want):
            return False
    return True


@pytest.fixture
def make_engine(tmp_path: Path) -> Iterator[Callable[..., EngineProcess]]:
    """Factory fixture: ``make_engine(audio_dir=..., retry_interval=...)``; each engine is
    shut down at teardown and must exit with 0."""
    engines: list[EngineProcess] = []

    def factory(**kwargs: Any) -> EngineProcess:
        kwargs.setdefault("audio_dir", tmp_path / f"engine{len(engines)}")
        engine = EngineProcess(**kwargs)
        engines.append(engine)
        return engine

    yield factory
    failures = []
    for engine in engines:
        try:
            engine.close()
        except AssertionError as exc:
            failures.append(str(exc))
    if failures:
        pytest.fail("\n".join(failures))
