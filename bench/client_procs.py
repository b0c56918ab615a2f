"""bench/client.py's view of the real GUI process and of /proc.

:class:`GuiProcess` starts ``softphone --log-format json`` on the offscreen platform with a
config dir made by :func:`write_client_config` (account and password in the plaintext
password file, as the account dialog's "file" choice leaves them), reads its JSON log lines
on a thread and notes when each arrived (CLOCK_MONOTONIC), as tests/helpers/pbxproc.py does
for the PBX.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def write_client_config(config_dir: Path, sip_port: int, user: str) -> Path:
    """softphone.ini and passwords.json as softphone.gui.settings/credentials write them."""
    config_dir.mkdir(parents=True, exist_ok=True)
    server = f"127.0.0.1:{sip_port}"
    (config_dir / "softphone.ini").write_text(
        f"[account]\ndisplay_name=Bench {user}\nuser={user}\nserver={server}\n"
        "transport=udp\npassword_storage=file\n")
    passwords = config_dir / "passwords.json"
    passwords.write_text(json.dumps({f"{user}@{server}": f"pw{user}"}))
    passwords.chmod(0o600)
    return config_dir


def softphone_command() -> list[str]:
    script = Path(sys.executable).with_name("softphone")   # the installed entry point
    return [str(script)] if script.exists() else [sys.executable, "-m", "softphone.gui.app"]


class GuiProcess:
    def __init__(self, config_dir: Path) -> None:
        self.config_dir = config_dir
        self.lines: list[tuple[float, dict[str, Any]]] = []
        self._queue: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self.started_at = 0.0

    def start(self) -> GuiProcess:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
        argv = [*softphone_command(), "--config-dir", str(self.config_dir),
                "--log-format", "json", "--engine-arg=--bind=127.0.0.1"]
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            now = time.monotonic()
            try:
                item = json.loads(line)
            except json.JSONDecodeError:   # Qt's own messages are not ours to format
                item = {"event": "raw", "msg": line.rstrip()}
            self.lines.append((now, item))
            self._queue.put((now, item))

    @staticmethod
    def _matches(item: dict[str, Any], event: str, match: dict[str, Any]) -> bool:
        return item.get("event") == event and all(item.get(k) == v for k, v in match.items())

    def wait_for(self, event: str, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            for _, item in self.lines:
                if self._matches(item, event, match):
                    return item
            try:
                self._queue.get(timeout=min(left, 0.5))
            except queue.Empty:
                pass
        tail = "\n".join(json.dumps(x) for _, x in self.lines[-20:])
        raise RuntimeError(f"softphone did not log {event} {match} in {timeout} s:\n{tail}")

    def event_time(self, event: str, **match: Any) -> float:
        """When the first matching line arrived (CLOCK_MONOTONIC)."""
        return next(t for t, item in self.lines if self._matches(item, event, match))

    def engine_pid(self) -> int:
        """The engine the GUI started: its child running softphone.engine.main."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid and b"softphone.engine.main" in cmdline:
                return int(entry.name)
        raise RuntimeError("the GUI has no engine process")

    def stop(self, timeout: float = 10.0) -> int:
        """Ctrl+C, as in a terminal: the GUI quits and shuts its engine down."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return self.proc.returncode


def _status_kb(pid: int, path: str, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    return _status_kb(pid, "status", "VmRSS:")


def pss_kb(pid: int) -> int:
    """Proportional set size: shared pages counted once over the processes sharing them."""
    return _status_kb(pid, "smaps_rollup", "Pss:")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS
