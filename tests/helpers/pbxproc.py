"""The real PBX daemon as a subprocess for tests: writes a config, starts
`python -m softphone.pbx.daemon --log-format json`, waits for its "ready" line and reads
its JSON log (as qutebrowser's end-to-end tests do with their process)."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

DEMO_USERS = {"100": "Empfang", "101": "Vertrieb", "102": "Buchhaltung", "103": "Homeoffice"}


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
        with socket.socket(socket.AF_INET, other) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def write_config(path: Path, *, sip_port: int, rtp_base: int, extra_users: int = 0,
                 extra: str = "", sip_extra: str = "") -> Path:
    """A PBX config with the demo extensions 100-103 (password "pw<number>") and, for
    benchmarks, `extra_users` more (2000, 2001, ...)."""
    users = dict(DEMO_USERS)
    users.update({str(2000 + i): f"Bench {i}" for i in range(extra_users)})
    ext = "\n".join(
        f'[[extensions]]\nnumber = "{n}"\nname = "{name}"\npassword = "pw{n}"\n'
        f'role = "{"admin" if n == "100" else "user"}"\n'
        for n, name in users.items()
    )
    # The client API on any free port (its "api_ready" log line says which), so that
    # daemons of parallel tests do not collide on 8080.
    api = "" if "[api]" in extra else "[api]\nport = 0\n"
    path.write_text(
        f'[sip]\nhost = "127.0.0.1"\nport = {sip_port}\ntransports = ["udp", "tcp"]\n'
        f'realm = "softphone.test"\n{sip_extra}\n'
        f'[rtp]\nhost = "127.0.0.1"\nport_min = {rtp_base}\nport_max = {rtp_base + 399}\n\n'
        f"{api}{extra}\n{ext}"
    )
    return path


class PbxProcess:
    def __init__(self, config: Path, data_dir: Path, *, sip_port: int) -> None:
        self.config = config
        self.data_dir = data_dir
        self.sip_port = sip_port
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[dict[str, object]] = []
        self._queue: queue.Queue[dict[str, object]] = queue.Queue()

    def start(self, timeout: float = 15.0) -> PbxProcess:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "softphone.pbx.daemon", "--config", str(self.config),
             "--data-dir", str(self.data_dir), "--log-format", "json"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self.wait_for("ready", timeout)
        except AssertionError:
            self.proc.kill()  # a daemon that never got ready must not outlive the test
            self.proc.wait()
            self._reader.join(5)
            if self.proc.stderr is not None:
                self.proc.stderr.close()
            raise
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                item = {"msg": line.rstrip(), "event": "raw"}
            self.lines.append(item)
            self._queue.put(item)

    def wait_for(self, event: str, timeout: float = 10.0, **match: object) -> dict[str, object]:
        for item in self.lines:
            if item.get("event") == event and all(item.get(k) == v for k, v in match.items()):
                return item
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if item.get("event") == event and all(item.get(k) == v for k, v in match.items()):
                return item
        tail = "\n".join(json.dumps(x) for x in self.lines[-30:])
        raise AssertionError(f"PBX did not log {event} {match} within {timeout}s:\n{tail}")

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, as systemd does; returns the exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("PBX did not stop within 10 s of SIGTERM") from None
        self._reader.join(timeout)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return self.proc.returncode
