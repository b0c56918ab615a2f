"""RFC 4028 session timers against the real PBX daemon (features/sessiontimer.py, issue 15
point 7): a too short interval gets 422 with the PBX's Min-SE; a call whose refresher
stops refreshing is ended with BYE to both sides, the log and the call history saying why;
while the refresher re-INVITEs, the call stays up."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from softphone.pbx.sip.message import Request, Response, make_response
from tests.helpers.pbxproc import PbxProcess, free_port, write_config
from tests.helpers.sipclient import SipClient
from tests.security.sipcalls import answered_call_with, in_dialog, next_request, sdp

INTERVAL = 2     # [sip] session_expires of the short-interval PBX
TIMER = [("Supported", "timer")]


def start_pbx(tmp_path: Path, sip_extra: str = "") -> PbxProcess:
    port = free_port()
    config = write_config(tmp_path / "pbx.toml", sip_port=port,
                          rtp_base=24000 + (port % 40) * 200, sip_extra=sip_extra)
    return PbxProcess(config, tmp_path / "data", sip_port=port).start()


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    proc = start_pbx(tmp_path)
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def short_pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    proc = start_pbx(tmp_path, f"session_expires = {INTERVAL}\nmin_se = 1\n")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def clients(short_pbx: PbxProcess) -> Iterator[tuple[SipClient, SipClient]]:
    server = ("127.0.0.1", short_pbx.sip_port)
    caller, callee = SipClient(server), SipClient(server)
    yield caller, callee
    caller.close()
    callee.close()


def answered(caller: SipClient, callee: SipClient, extra: list[tuple[str, str]] = TIMER
             ) -> tuple[Request, Response, Request]:
    """101 (supporting timer) calls 102, which answers without taking part in session
    timers. The caller's INVITE, the 200 it got and the INVITE the callee got."""
    return answered_call_with(caller, callee, free_port(), extra)


def hung_up_both(caller: SipClient, callee: SipClient) -> None:
    for client in (caller, callee):
        bye = next_request(client, "BYE")
        client.send_raw(make_response(bye, 200).to_bytes())


def history(tmp_path: Path) -> tuple[str, str]:
    with sqlite3.connect(tmp_path / "data" / "pbx.sqlite3") as db:
        [(result, reason)] = db.execute("SELECT result, end_reason FROM calls").fetchall()
    return result, reason


def test_interval_below_min_se_gets_422(pbx: PbxProcess) -> None:
    caller = SipClient(("127.0.0.1", pbx.sip_port))
    try:
        caller.call("101", "pw101", "102", sdp(free_port()),
                    extra=[*TIMER, ("Session-Expires", "30")])
        refused = caller.recv_final()
    finally:
        caller.close()
    assert refused is not None and refused.status == 422
    assert refused.headers.get("Min-SE") == "90"


def test_call_without_refresh_ends_and_history_says_why(
        short_pbx: PbxProcess, clients: tuple[SipClient, SipClient], tmp_path: Path) -> None:
    caller, callee = clients
    _, ok, incoming = answered(caller, callee)
    # The caller is made the refresher; the callee was offered that role (RFC 4028 7.1).
    assert ok.headers.get("Session-Expires") == f"{INTERVAL};refresher=uac"
    assert ok.headers.get("Require") == "timer"
    assert incoming.headers.get("Session-Expires") == f"{INTERVAL};refresher=uas"
    logged = short_pbx.wait_for("session_expired", timeout=10)
    hung_up_both(caller, callee)
    assert short_pbx.stop() == 0
    assert logged["call"].startswith(ok.call_id)
    assert history(tmp_path) == (
        "answered", f"session timer expired: no refresh from the caller in {INTERVAL} s")


def reinvite(caller: SipClient, invite: Request, ok: Response, cseq: int) -> bytes:
    """A session refresh: re-INVITE with the same offer (RFC 4028 section 7.4)."""
    body = invite.body
    head = in_dialog("INVITE", caller, invite, ok, cseq).decode()
    head = head.replace("Content-Length: 0\r\n\r\n",
                        f"Supported: timer\r\nSession-Expires: {INTERVAL};refresher=uac\r\n"
                        f"Contact: <sip:101@127.0.0.1:{caller.port}>\r\n"
                        f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def test_refreshed_call_stays_up(short_pbx: PbxProcess, clients: tuple[SipClient, SipClient],
                                 tmp_path: Path) -> None:
    caller, callee = clients
    invite, ok, _ = answered(caller, callee)
    started = time.monotonic()
    cseq = invite.cseq[0]
    while time.monotonic() - started < 3 * INTERVAL:
        cseq += 1
        caller.send_raw(reinvite(caller, invite, ok, cseq))
        relayed = next_request(callee, "INVITE")
        callee.send_raw(make_response(
            relayed, 200, body=sdp(free_port()),
            extra=[("Contact", f"<sip:102@127.0.0.1:{callee.port}>"),
                   ("Content-Type", "application/sdp")]).to_bytes())
        refreshed = caller.recv_final()
        assert refreshed is not None and refreshed.status == 200, refreshed
        assert refreshed.headers.get("Session-Expires") == f"{INTERVAL};refresher=uac"
        ack = in_dialog("ACK", caller, invite, ok, cseq)
        caller.send_raw(ack)
        time.sleep(INTERVAL / 2)   # the refresher's schedule (section 10), not a wait
    assert short_pbx.logged("session_expired") is None
    # The caller hangs up itself: the call was never cut.
    caller.send_raw(in_dialog("BYE", caller, invite, ok, cseq + 1))
    bye = next_request(callee, "BYE")
    callee.send_raw(make_response(bye, 200).to_bytes())
    assert short_pbx.wait_for("call_end", timeout=5)["result"] == "answered"
    assert short_pbx.stop() == 0
    assert history(tmp_path) == ("answered", "")


def test_pbx_refreshes_a_caller_that_asks_it_to(
        short_pbx: PbxProcess, clients: tuple[SipClient, SipClient]) -> None:
    """A caller asking refresher=uas gets it (section 9) and the PBX's UPDATEs at half the
    interval (section 10); the call outlives two intervals."""
    caller, callee = clients
    _, ok, _ = answered(
        caller, callee, [*TIMER, ("Session-Expires", f"{INTERVAL};refresher=uas")])
    assert ok.headers.get("Session-Expires") == f"{INTERVAL};refresher=uas"
    started = time.monotonic()
    for _ in range(4):
        update = next_request(caller, "UPDATE")
        assert update.headers.get("Session-Expires") == f"{INTERVAL};refresher=uac"
        caller.send_raw(make_response(update, 200).to_bytes())
    assert time.monotonic() - started >= INTERVAL
    assert short_pbx.logged("session_expired") is None
