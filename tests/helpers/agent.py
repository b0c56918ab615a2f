"""pytest-side driver of the pjsua2 test agent (tests/helpers/pjagent.py).

Each :class:`Agent` is one subprocess with its own pjsua2 Endpoint.  Commands go down as
JSON lines on its stdin; events come up as JSON lines on its stdout and are collected by
a reader thread.  :meth:`Agent.wait_for` returns the first not-yet-returned event that
matches, so a test can wait for events in any order without losing one.

Use the fixture in a conftest or test module::

    from tests.helpers.agent import make_agent  # noqa: F401  (a pytest fixture)

    def test_call(make_agent):
        alice, bob = make_agent("alice"), make_agent("bob")
        alice.send(cmd="call", uri=f"sip:bob@127.0.0.1:{bob.sip_port}")
        bob.wait_for("incoming")
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.audio import write_tone_wav

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 15.0


class Agent:
    """One pjsua2 user agent process, driven over JSON lines."""

    def __init__(
        self,
        name: str,
        *,
        transport: str = "udp",
        codecs: str | None = None,
        log_dir: Path | None = None,
        log_level: int = 4,
        srtp: str | None = None,
        srtp_cryptos: str | None = None,
        tls_cert: tuple[Path, Path] | None = None,
    ) -> None:
        self.name = name
        if log_dir is None:
            log_dir = Path(tempfile.mkdtemp(prefix="pjagent-"))
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}.log"
        argv = [sys.executable, "-m", "tests.helpers.pjagent", "--name", name]
        argv += ["--transport", transport, "--log-level", str(log_level)]
        if codecs:
            argv += ["--codecs", codecs]
        if srtp:
            argv += ["--srtp", srtp]
        if srtp_cryptos:
            argv += ["--srtp-cryptos", srtp_cryptos]
        if tls_cert:  # (certificate, key) of the agent's TLS listener
            argv += ["--tls-cert", str(tls_cert[0]), "--tls-key", str(tls_cert[1])]
        self._events: list[dict[str, Any]] = []
        self._taken: set[int] = set()
        self._cond = threading.Condition()
        self._eof = False
        self.returncode: int | None = None
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                argv,
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                bufsize=1,
            )
        self._reader = threading.Thread(target=self._read, name=f"agent-{name}", daemon=True)
        self._reader.start()
        try:
            ready = self.wait_for("ready", timeout=START_TIMEOUT)
        except AssertionError:
            self.close(timeout=2)
            raise
        self.sip_port: int = ready["sip_port"]
        self.tcp_port: int | None = ready.get("tcp_port")
        self.codecs: list[str] = ready.get("codecs", [])

    def __repr__(self) -> str:
        return f"<Agent {self.name} sip_port={getattr(self, 'sip_port', None)}>"

    @property
    def uri(self) -> str:
        """A SIP URI that reaches this agent directly (no PBX)."""
        return f"sip:{self.name}@127.0.0.1:{self.sip_port}"

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                event = {"event": "garbage", "line": line.rstrip("\n")}
            event["t"] = round(time.monotonic(), 3)
            with self._cond:
                self._events.append(event)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def send(self, **cmd: Any) -> None:
        """Send one command, e.g. ``send(cmd="dtmf", digits="123")``."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(cmd) + "\n")
        self._proc.stdin.flush()

    def events(self, event: str | None = None) -> list[dict[str, Any]]:
        """All events seen so far (optionally only those named `event`)."""
        with self._cond:
            return [e for e in self._events if event is None or e["event"] == event]

    def mark(self) -> int:
        """A position in the event log, for ``wait_for(..., since=mark)``."""
        with self._cond:
            return len(self._events)

    def wait_for(
        self, event: str, timeout: float = 10.0, *, since: int = 0, **match: Any
    ) -> dict[str, Any]:
        """The first matching event not returned before; waits up to `timeout` seconds.

        Each keyword is a field that must be equal, or a predicate, e.g.
        ``wait_for("call_state", state="DISCONNECTED", code=lambda c: c >= 400)``.
        Events before `since` (a :meth:`mark`) are not considered.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for index in range(since, len(self._events)):
                    candidate = self._events[index]
                    if index not in self._taken and _matches(candidate, event, match):
                        self._taken.add(index)
                        return candidate
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._eof:
                    break
                self._cond.wait(remaining)
        why = "exited" if self._eof else f"timed out after {timeout} s"
        raise AssertionError(
            f"{self.name}: {why} waiting for {event} {match}\n"
            f"recent events:\n{self._recent()}\nlog tail ({self.log_path}):\n{self.log_tail()}"
        )

    def _recent(self, count: int = 25) -> str:
        with self._cond:
            return "\n".join(json.dumps(e) for e in self._events[-count:])

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def register_at(self, sip_port: int, user: str, **extra: Any) -> Agent:
        """Register as `user` at the test PBX on 127.0.0.1 (test configurations give user N
        the password "pwN") and wait for the 200."""
        self.send(cmd="register", server=f"127.0.0.1:{sip_port}", user=user,
                  password=f"pw{user}", **extra)
        self.wait_for("reg_state", code=200, active=True)
        return self

    def play_tone(self, freq: int, directory: Path) -> Agent:
        """Loop a `freq` Hz tone into every call (the agent's microphone)."""
        self.send(cmd="play", wav=str(write_tone_wav(directory / f"{freq}.wav", freq, 1.0)))
        return self

    def kill(self) -> None:
        """SIGKILL, as a phone losing power: no un-REGISTER, its connections reset.
        close() afterwards still cleans up (and returns -9)."""
        self._proc.kill()
        self._proc.wait()

    def close(self, timeout: float = 10.0) -> int:
        """Quit the agent, wait for it (kill if it hangs); returns its exit code."""
        if self.returncode is not None:
            return self.returncode
        try:
            self.send(cmd="quit")
        except (BrokenPipeError, OSError, ValueError):
            pass
        try:
            self.returncode = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self.returncode = self._proc.wait()
        self._reader.join(timeout=5)
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        return self.returncode


def _matches(candidate: dict[str, Any], event: str, match: dict[str, Any]) -> bool:
    if candidate.get("event") != event:
        return False
    for key, want in match.items():
        got = candidate.get(key)
        if callable(want):
            if not want(got):
                return False
        elif got != want:
            return False
    return True


@pytest.fixture
def make_agent(tmp_path: Path) -> Iterator[Callable[..., Agent]]:
    """Factory fixture: ``make_agent(name, transport=..., codecs=...)`` starts an agent.

    Every agent is closed at teardown; an agent that does not exit with 0 (a crash
    at pjsua2 shutdown, a hang) fails the test.
    """
    agents: list[Agent] = []

    def factory(name: str, **kwargs: Any) -> Agent:
        kwargs.setdefault("log_dir", tmp_path / "agents")
        agent = Agent(name, **kwargs)
        agents.append(agent)
        return agent

    yield factory
    for agent in agents:  # all quit at once, then each is waited for
        try:
            agent.send(cmd="quit")
        except (BrokenPipeError, OSError, ValueError):
            pass
    failures = []
    for agent in agents:
        code = agent.close()
        if code != 0:
            failures.append(f"{agent.name} exited with {code}; log tail:\n{agent.log_tail()}")
    if failures:
        pytest.fail("\n".join(failures))
