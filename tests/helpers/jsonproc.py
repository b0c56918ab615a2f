"""One of our programs as a subprocess for tests, its JSON log lines read from stderr (as
qutebrowser's end-to-end tests read their process): start it, wait for "ready", wait for
any event, stop it with SIGTERM as systemd would."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from typing import Any


class JsonLogProcess:
    name = "process"

    def __init__(self, module: str, args: list[str]) -> None:
        self.argv = [sys.executable, "-m", module, *args]
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader: threading.Thread | None = None

    def start_process(self, timeout: float) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(self.argv, stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, text=True, env=env)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self.wait_for("ready", timeout)
        except AssertionError:
            self.proc.kill()  # a process that never got ready must not outlive the test
            self._close()
            raise

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                item = {"msg": line.rstrip(), "event": "raw"}
            self.lines.append(item)
            self._queue.put(item)

    def logged(self, event: str | tuple[str, ...], since: int = 0,
               **match: Any) -> dict[str, Any] | None:
        """The first line from index ``since`` on that is ``event`` with ``match``, without
        waiting (Qt tests wait with qtbot.waitUntil so that Qt's event loop keeps running)."""
        return next((item for item in self.lines[since:] if _fits(item, event, match)), None)

    def wait_for(self, event: str | tuple[str, ...], timeout: float = 10.0, since: int = 0,
                 **match: Any) -> dict[str, Any]:
        """The first such line from index ``since`` on (``len(proc.lines)`` taken before an
        action: only what the action caused), waiting up to ``timeout`` seconds for it."""
        deadline = time.monotonic() + timeout
        while (found := self.logged(event, since, **match)) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                tail = "\n".join(json.dumps(x) for x in self.lines[-30:])
                raise AssertionError(f"{self.name} did not log {event} {match} within "
                                     f"{timeout}s:\n{tail}")
            try:
                self._queue.get(timeout=min(left, 0.5))   # wakes up on every new line
            except queue.Empty:
                pass
        return found

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM; returns the exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self._close()
                raise AssertionError(f"{self.name} did not stop within {timeout} s of "
                                     f"SIGTERM") from None
        self._close()
        return self.proc.returncode

    def _close(self) -> None:
        assert self.proc is not None
        self.proc.wait()
        if self._reader is not None:
            self._reader.join(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


def _fits(item: dict[str, Any], event: str | tuple[str, ...],
          match: dict[str, Any]) -> bool:
    """``event``: one event name, or several of which any will do."""
    events = (event,) if isinstance(event, str) else event
    return item.get("event") in events and all(item.get(k) == v for k, v in match.items())
