"""Run sipp (Debian sip-tester) against a SIP server and read back what it saw.

Used by the interop tests (tests/interop) and by bench/pbx_signalling.py. sipp is driven with
the scenarios in tests/interop/scenarios; users and their credentials come from an injection
file (``-inf``): field0 is the extension, field1 the whole ``[authentication ...]`` keyword
(sipp 3.6 expands keywords inside injected fields, but not ``[field1]`` nested inside
``[authentication password=...]``), field2 the bare password.

sipp quirks this module works around:
- it only computes MD5 (and AKAv1-MD5) digests and fails fatally ("authentication must use MD5
  or AKAv1-MD5", exit 255) when the first WWW-/Proxy-Authenticate offers SHA-256;
- the digest ``uri`` is ``sip:<remote ip>:<port>`` unless ``-auth_uri`` sets it, which would not
  match the Request-URI (RFC 2617 section 3.2.2.5), so callers pass ``auth_uri``;
- its RTP echo socket defaults to port 6000 for every instance and a busy port is fatal
  (exit 254), so every run gets a free media port of its own.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SIPP = shutil.which("sipp") or "/usr/bin/sipp"
SCENARIOS = Path(__file__).resolve().parents[1] / "interop" / "scenarios"
HOST = "127.0.0.1"

# sipp's exit codes (sipp(1), "EXIT STATUS").
EXIT_OK = 0
EXIT_CALLS_FAILED = 1
EXIT_NO_CALLS = 99
EXIT_FATAL = 255
EXIT_BIND_FAILED = 254
# What sipp 3.6 says when the first challenge is not MD5 (it never looks at the others).
MD5_ONLY = "authentication must use MD5 or AKAv1-MD5"


class Md5ChallengeMissing(AssertionError):
    """The server's first digest challenge was not MD5, the only one sipp 3.6 can answer."""


@dataclass(frozen=True)
class User:
    """A SIP account as sipp uses it: extension number and digest password."""

    number: str
    password: str


def write_users(path: Path, users: Iterable[User], order: str = "SEQUENTIAL") -> Path:
    """Write a sipp injection file; sipp cycles through the lines in ``order``."""
    lines = [order]
    for user in users:
        auth = f"[authentication username={user.number} password={user.password}]"
        lines.append(f"{user.number};{auth};{user.password}")
    path.write_text("\n".join(lines) + "\n")
    return path


def free_port(count: int = 1) -> int:
    """A port N on 127.0.0.1 with N..N+count-1 free for both UDP and TCP right now."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((HOST, 0))
            base = probe.getsockname()[1]
        if base + count < 65535 and all(_port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no block of {count} free ports on {HOST}")


def _port_free(port: int) -> bool:
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                return False
    return True


@dataclass(frozen=True)
class SippStats:
    """The cumulative counters of sipp's statistics file (``-trace_stat``), plus the periods."""

    created: int = 0
    successful: int = 0
    failed: int = 0
    retransmissions: int = 0
    failed_timeouts: int = 0
    failed_unexpected: int = 0
    periods: tuple[dict[str, str], ...] = ()

    @classmethod
    def read(cls, path: Path) -> SippStats:
        if not path.exists():
            return cls()
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter=";"))
        if not rows:
            return cls()
        last = rows[-1]

        def count(name: str) -> int:
            return int(last.get(f"{name}(C)") or 0)

        return cls(
            created=int(last.get("TotalCallCreated") or 0),
            successful=count("SuccessfulCall"),
            failed=count("FailedCall"),
            retransmissions=count("Retransmissions"),
            failed_timeouts=count("FailedTimeoutOnRecv") + count("FailedMaxUDPRetrans"),
            failed_unexpected=count("FailedUnexpectedMessage"),
            periods=tuple(rows),
        )

    def period_rates(self, column: str = "SuccessfulCall(P)") -> list[float]:
        """Per-period counts of ``column`` divided by the period's length (``-fd``)."""
        rates = []
        for row in self.periods[1:]:
            seconds = _hms(row.get("ElapsedTime(P)", ""))
            if seconds > 0:
                rates.append(int(row.get(column) or 0) / seconds)
        return rates


def _hms(text: str) -> float:
    parts = text.split(":")
    if len(parts) < 3:
        return 0.0
    hours, minutes, seconds = (float(p) for p in parts[:3])
    micros = float(parts[3]) / 1e6 if len(parts) > 3 else 0.0
    return hours * 3600 + minutes * 60 + seconds + micros


@dataclass
class SippResult:
    """What one sipp run left behind: exit code, counters, error log and ``<log>`` lines."""

    name: str
    returncode: int
    stats: SippStats
    errors: str
    log: str
    messages: str
    command: list[str]
    wall_seconds: float
    media_port: int

    @property
    def ok(self) -> bool:
        return self.returncode == EXIT_OK and self.stats.failed == 0

    @property
    def md5_refused(self) -> bool:
        """sipp gave up because the server's first challenge was not MD5 (e.g. SHA-256)."""
        return MD5_ONLY in self.errors

    def logged(self, key: str) -> list[str]:
        """Values the scenario logged as ``key=value`` (up to the next space or line end).

        A header value logged by sipp starts with the blank after the colon: it is skipped.
        """
        return re.findall(rf"(?:^|\s){re.escape(key)}=[ \t]?(\S*)", self.log, re.MULTILINE)

    def describe(self) -> str:
        """A summary for assertion messages: why did this run fail?"""
        return (
            f"sipp {self.name}: exit {self.returncode}, {self.stats.successful} ok, "
            f"{self.stats.failed} failed\n--- errors ---\n{self.errors[-4000:]}\n"
            f"--- log ---\n{self.log[-2000:]}\n--- messages ---\n{self.messages[-6000:]}"
        )


@dataclass
class Sipp:
    """One sipp invocation. ``run()`` waits for it, ``start()`` returns a running process."""

    scenario: str
    target: str | None
    workdir: Path
    name: str = ""
    users: Path | None = None
    calls: int = 1
    rate: float = 10.0
    rate_period_ms: int = 1000
    timeout: float = 10.0
    timeout_is_error: bool = True
    local_port: int | None = None
    media_port: int | None = None
    pause_ms: int = 0
    keys: Mapping[str, str] = field(default_factory=dict)
    auth_uri: str | None = None
    transport: str = "u1"
    max_open_calls: int | None = None
    stats_period_s: float | None = None
    trace_messages: bool = True
    cpu: int | None = None
    extra: Sequence[str] = ()

    def __post_init__(self) -> None:
        self.name = self.name or Path(self.scenario).stem
        if self.local_port is None:
            self.local_port = free_port()
        if self.media_port is None:
            # sipp binds media_port and the next ones for RTCP and video.
            self.media_port = free_port(4)

    def _file(self, suffix: str) -> Path:
        return self.workdir / f"{self.name}.{suffix}"

    def command(self) -> list[str]:
        scenario = self.scenario if "/" in self.scenario else str(SCENARIOS / self.scenario)
        cmd = [SIPP, "-sf", scenario]
        if self.target:
            cmd.append(self.target)
        cmd += ["-i", HOST, "-p", str(self.local_port), "-mi", HOST, "-mp", str(self.media_port)]
        cmd += ["-t", self.transport, "-m", str(self.calls), "-nostdin"]
        cmd += ["-r", f"{self.rate:g}", "-rp", str(self.rate_period_ms)]
        cmd += ["-timeout", f"{self.timeout:g}s", "-d", str(self.pause_ms)]
        if self.timeout_is_error:
            cmd.append("-timeout_error")
        if self.users is not None:
            cmd += ["-inf", str(self.users)]
        if self.auth_uri:
            cmd += ["-auth_uri", self.auth_uri]
        if self.max_open_calls:
            cmd += ["-l", str(self.max_open_calls)]
        for key, value in self.keys.items():
            cmd += ["-key", key, value]
        cmd += ["-trace_stat", "-stf", str(self._file("stat.csv"))]
        cmd += ["-fd", f"{self.stats_period_s or max(self.timeout, 1.0):g}"]
        cmd += ["-trace_err", "-error_file", str(self._file("errors.log"))]
        cmd += ["-trace_logs", "-log_file", str(self._file("log"))]
        if self.trace_messages:
            cmd += ["-trace_msg", "-message_file", str(self._file("messages.log"))]
        cmd += list(self.extra)
        if self.cpu is not None and shutil.which("taskset"):
            cmd = ["taskset", "-c", str(self.cpu), *cmd]
        return cmd

    def start(self) -> SippProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for suffix in ("stat.csv", "errors.log", "log", "messages.log"):
            self._file(suffix).unlink(missing_ok=True)
        return SippProcess(self, self.command())

    def run(self) -> SippResult:
        return self.start().wait()


class SippProcess:
    """A running sipp; ``wait()`` collects its result (killing it if it overstays)."""

    def __init__(self, sipp: Sipp, command: list[str]) -> None:
        self.sipp = sipp
        self.command = command
        self.started = time.monotonic()
        self._stderr = sipp.workdir / f"{sipp.name}.stderr"
        with self._stderr.open("wb") as stderr:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                cwd=sipp.workdir, env={**os.environ, "TERM": "dumb"},
            )

    def wait(self, grace: float = 5.0) -> SippResult:
        try:
            code = self.process.wait(self.sipp.timeout + grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        wall = time.monotonic() - self.started
        sipp = self.sipp

        def text(path: Path) -> str:
            return path.read_text(errors="replace") if path.exists() else ""

        errors = text(sipp._file("errors.log")) + text(self._stderr)
        return SippResult(
            name=sipp.name, returncode=code, stats=SippStats.read(sipp._file("stat.csv")),
            errors=errors, log=text(sipp._file("log")),
            messages=text(sipp._file("messages.log")), command=self.command, wall_seconds=wall,
            media_port=int(sipp.media_port or 0),
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start_callee(
    scenario: str, target: str, workdir: Path, user: User, *, domain: str, name: str = "",
    calls: int = 1, timeout: float = 10.0, expires: int = 300, rate: float = 10.0,
    keys: Mapping[str, str] | None = None, cpu: int | None = None, trace_messages: bool = True,
    port: int | None = None,
) -> SippProcess:
    """Register ``user`` with register.xml, then run the UAS ``scenario`` on the same port.

    A sipp client scenario drops requests of unknown calls, so one sipp cannot both register
    and answer. The registration is made from the port the UAS then listens on: the binding
    (Contact, and the source address a NAT-aware registrar may prefer) leads to the UAS.
    """
    name = name or Path(scenario).stem
    users = write_users(workdir / f"{name}.users.csv", [user])
    port = port or free_port()
    register = Sipp(
        "register.xml", target, workdir, name=f"{name}.register", users=users, local_port=port,
        keys={"domain": domain, "expires": str(expires)}, auth_uri=domain, timeout=timeout,
    ).run()
    if register.md5_refused:
        raise Md5ChallengeMissing(register.describe())
    if not register.ok:
        raise AssertionError(f"could not register {user.number}:\n{register.describe()}")
    uas = Sipp(
        scenario, None, workdir, name=name, users=users, local_port=port, calls=calls,
        rate=rate, timeout=timeout, keys={"domain": domain, **(keys or {})}, cpu=cpu,
        trace_messages=trace_messages,
    )
    return uas.start()
