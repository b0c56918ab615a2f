"""Interop fixtures: the real PBX daemon on a free port, and sipp pointed at it.

``pbx`` starts ``python -m softphone.pbx.daemon --log-format json`` with extensions 100-103
(password "pw<number>", tests/helpers/pbxproc.py) plus, with ``indirect`` parametrization
``{"bench_users": N}``, N more (2000, 2001, ...); ``{"sip_extra": "..."}`` replaces the
[sip] lines that offer MD5 before SHA-256 (sipp answers only the first challenge).
It waits for the "ready" line and, after the test, stops the daemon with SIGTERM and
requires exit status 0.

``sipp`` runs scenarios from tests/interop/scenarios against that PBX, leaving every trace
(statistics, errors, messages, ``<log>`` lines) in the test's tmp_path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.pbxproc import PbxProcess, write_config
from tests.helpers.sipp import (
    SIPP,
    Sipp,
    SippProcess,
    SippResult,
    User,
    free_port,
    start_callee,
    write_users,
)

SIPP_TIMEOUT = 10.0
# sipp 3.6 takes the first WWW-/Proxy-Authenticate only and computes MD5 only (RFC 8760
# section 2.4 has a client skip challenges it cannot answer; sipp does not), so the PBX under
# test offers MD5 first, as an admin would configure it for such phones.
SIPP_DIGEST = 'digest_algorithms = ["MD5", "SHA-256"]\n'
# baresip 1.0 gives up on a challenge set that contains SHA-256 at all (issue 11 item 7).
# Registration lifetime the scenarios ask for (within the PBX's 60-3600 s bounds).
EXPIRES = 300


def extension(number: str) -> User:
    """One of the configured extensions, with its password (pbxproc: "pw" + number)."""
    return User(number, f"pw{number}")


@dataclass
class PbxUnderTest:
    """The running daemon, as the tests see it."""

    process: PbxProcess
    realm: str
    rtp_host: str
    rtp_ports: range

    @property
    def sip_port(self) -> int:
        return self.process.sip_port

    @property
    def data_dir(self) -> Path:
        return self.process.data_dir

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.sip_port}"

    def log_lines(self) -> list[dict[str, object]]:
        """The JSON log lines written so far."""
        return list(self.process.lines)

    def events(self, name: str) -> list[dict[str, object]]:
        return [line for line in self.log_lines() if line.get("event") == name]

    def log_tail(self, count: int = 40) -> str:
        return "\n".join(json.dumps(line) for line in self.log_lines()[-count:])


@pytest.fixture
def pbx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PbxUnderTest]:
    options = getattr(request, "param", None) or {}
    port = free_port()
    # Each PBX gets its own 400 RTP ports so PBXs of parallel test workers never collide.
    rtp_base = 30000 + (port % 60) * 400
    config = write_config(tmp_path / "pbx.toml", sip_port=port, rtp_base=rtp_base,
                          extra_users=int(options.get("bench_users", 0)),
                          sip_extra=options.get("sip_extra", SIPP_DIGEST))
    process = PbxProcess(config, tmp_path / "data", sip_port=port).start()
    under_test = PbxUnderTest(process, "softphone.test", "127.0.0.1",
                              range(rtp_base, rtp_base + 400))
    try:
        yield under_test
    finally:
        code = process.stop()
    assert code == 0, f"PBX exited with {code} after SIGTERM:\n{under_test.log_tail()}"


class SippRunner:
    """sipp against the PBX under test, as extension ``user``; traces go to ``workdir``."""

    def __init__(self, pbx: PbxUnderTest, workdir: Path) -> None:
        self.pbx = pbx
        self.workdir = workdir
        self._running: list[SippProcess] = []

    def start(self, scenario: str, user: User, *, callee: str | None = None, name: str = "",
              pause_ms: int = 300) -> SippProcess:
        """Start ``scenario`` as ``user`` (calling ``callee`` if given); see ``run``."""
        name = name or Path(scenario).stem
        keys = {"domain": self.pbx.realm, "expires": str(EXPIRES)}
        # sipp signs the digest for -auth_uri, which must equal the Request-URI (see sipp.py).
        auth_uri = self.pbx.realm
        if callee is not None:
            keys["callee"] = callee
            auth_uri = f"{callee}@{self.pbx.target}"
        users = write_users(self.workdir / f"{name}.users.csv", [user])
        process = Sipp(scenario, self.pbx.target, self.workdir, name=name, users=users,
                       timeout=SIPP_TIMEOUT, pause_ms=pause_ms, keys=keys,
                       auth_uri=auth_uri).start()
        self._running.append(process)
        return process

    def run(self, scenario: str, user: User, *, callee: str | None = None, name: str = "",
            pause_ms: int = 300) -> SippResult:
        """Run ``scenario`` to its end: exit code, counters, error log and logged values."""
        return self.start(scenario, user, callee=callee, name=name, pause_ms=pause_ms).wait()

    def callee(self, scenario: str, user: User) -> SippProcess:
        """Register ``user`` and answer its calls with the UAS ``scenario``."""
        process = start_callee(scenario, self.pbx.target, self.workdir, user,
                               domain=self.pbx.realm, timeout=SIPP_TIMEOUT, expires=EXPIRES)
        self._running.append(process)
        return process

    def close(self) -> None:
        for process in self._running:
            process.stop()


@pytest.fixture
def sipp(pbx: PbxUnderTest, tmp_path: Path) -> Iterator[SippRunner]:
    if not Path(SIPP).exists():
        pytest.fail(f"sipp not found at {SIPP}: install Debian's sip-tester")
    runner = SippRunner(pbx, tmp_path / "sipp")
    runner.workdir.mkdir()
    yield runner
    runner.close()
