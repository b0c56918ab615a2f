"""Third-party phones watching extensions: sipp subscribes as a desk phone's presence and
busy-lamp keys do (RFC 6665; RFC 3856 presence, RFC 4235 dialog), authenticates with MD5
digest (all sipp 3.6 can do) and answers the NOTIFYs.

The first two tests run against the in-process PBX (tests/helpers/pbxharness.py, which
composes the SUBSCRIBE handler as the daemon will); the last two against the real daemon
(fixture ``pbx``), expected to fail until the handler is wired into server.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from softphone.pbx.features.callinfo import CallInfo
from tests.helpers.pbxharness import MD5_FIRST, PbxHarness
from tests.helpers.sipclient import SipClient
from tests.helpers.sipp import SIPP, Sipp, SippProcess, SippResult, write_users
from tests.interop.conftest import EXPIRES, SIPP_TIMEOUT, PbxUnderTest, SippRunner, extension

pytestmark = pytest.mark.interop



def wait_until(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def states(result: SippResult) -> list[str]:
    """The Subscription-State values the scenario logged ("state=active;expires=300")."""
    import re

    return [m.strip() for m in re.findall(r"state=\s?(\S+)", result.log)]


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[PbxHarness]:
    if not Path(SIPP).exists():
        pytest.fail(f"sipp not found at {SIPP}: install Debian's sip-tester")
    (tmp_path / "pbx").mkdir()
    h = PbxHarness(tmp_path / "pbx", sip_extra=MD5_FIRST).start()
    yield h
    h.stop()


def start_sipp(harness: PbxHarness, tmp_path: Path, scenario: str, watcher: str,
               callee: str) -> SippProcess:
    workdir = tmp_path / "sipp"
    workdir.mkdir(exist_ok=True)
    name = Path(scenario).stem
    users = write_users(workdir / f"{name}.users.csv", [extension(watcher)])
    target = f"127.0.0.1:{harness.port}"
    return Sipp(scenario, target, workdir, name=name, users=users, timeout=SIPP_TIMEOUT,
                keys={"domain": harness.config.sip.realm, "expires": str(EXPIRES),
                      "callee": callee},
                auth_uri=f"{callee}@{target}").start()


def test_sipp_watches_presence_through_a_registration(
    harness: PbxHarness, tmp_path: Path,
) -> None:
    process = start_sipp(harness, tmp_path, "subscribe_presence.xml", "100", "103")
    try:
        wait_until(lambda: harness.run(lambda: len(harness.subscriptions)) == 1,
                   "the subscription")
        phone = SipClient(("127.0.0.1", harness.port))
        try:
            resp = phone.register("103", "pw103")
            assert resp is not None and resp.status == 200
        finally:
            phone.close()
        result = process.wait()
    finally:
        process.stop()
    assert result.ok, result.describe()
    assert result.logged("expires") == [str(EXPIRES)]
    assert result.logged("basic") == ["closed", "open"]
    assert states(result)[0].startswith("active;expires=")
    assert states(result)[-1] == "terminated;reason=timeout"
    assert harness.run(lambda: len(harness.subscriptions)) == 0


def test_sipp_busy_lamp_follows_a_call(harness: PbxHarness, tmp_path: Path) -> None:
    process = start_sipp(harness, tmp_path, "subscribe_dialog.xml", "102", "101")
    try:
        wait_until(lambda: harness.run(lambda: len(harness.subscriptions)) == 1,
                   "the subscription")
        info = CallInfo(id="c1", caller="100", caller_name="Empfang", callee="101")
        info.parties = {"a": "100", "b": "101"}
        for state in ("ringing", "answered", "ended"):
            info.state = state
            harness.run(lambda: harness.presence.call_changed(info))
            time.sleep(0.2)   # a human's pace: each state gets its own NOTIFY
        result = process.wait()
    finally:
        process.stop()
    assert result.ok, result.describe()
    assert result.logged("dialog") == ["early", "confirmed", "terminated"]
    assert result.logged("version") == ["1", "2", "3"]
    assert states(result)[-1] == "terminated;reason=timeout"


def test_daemon_presence_subscription(pbx: PbxUnderTest, sipp: SippRunner) -> None:
    process = sipp.start("subscribe_presence.xml", extension("100"), callee="103")
    wait_until(lambda: bool(pbx.events("subscribe")), "the subscription")
    registered = sipp.run("register.xml", extension("103"))
    assert registered.ok, registered.describe()
    result = process.wait()
    assert result.ok, result.describe()
    assert result.logged("basic") == ["closed", "open"]
    assert states(result)[-1] == "terminated;reason=timeout"


def test_daemon_busy_lamp_follows_a_real_call(pbx: PbxUnderTest, sipp: SippRunner) -> None:
    process = sipp.start("subscribe_dialog.xml", extension("102"), callee="101")
    wait_until(lambda: bool(pbx.events("subscribe")), "the subscription")
    uas = sipp.callee("uas_answer.xml", extension("101"))
    call = sipp.run("uac_call.xml", extension("100"), callee="101")
    assert call.ok, call.describe()
    assert uas.wait().ok
    result = process.wait()
    assert result.ok, result.describe()
    dialogs = result.logged("dialog")
    # Ringing and answer may come within one NOTIFY round trip: "early" can be folded
    # into "confirmed" (every body is full state), but the lamp ends idle.
    assert "confirmed" in dialogs and dialogs[-1] == "terminated", dialogs
    assert states(result)[-1] == "terminated;reason=timeout"
