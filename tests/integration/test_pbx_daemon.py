"""The real daemon over loopback with a hand-written SIP client: malformed input, restart
persistence, bans, overload, SIGTERM and configuration errors."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from softphone.pbx.sip.message import Request, Response, make_response
from tests.helpers.pbxproc import PbxProcess, free_port, write_config
from tests.helpers.sipclient import SipClient, digest_response
from tests.unit.test_sip_malformed import MALFORMED_CASES

SDP = (b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       b"m=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
       b"a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n")


@pytest.fixture
def pbx_factory(tmp_path: Path) -> Iterator[callable]:  # type: ignore[valid-type]
    procs: list[PbxProcess] = []
    port = free_port()

    def start(extra: str = "", sip_extra: str = "") -> PbxProcess:
        cfg = write_config(tmp_path / "pbx.toml", sip_port=port,
                           rtp_base=30000 + (port % 50) * 400, extra=extra, sip_extra=sip_extra)
        proc = PbxProcess(cfg, tmp_path / "data", sip_port=port).start()
        procs.append(proc)
        return proc

    yield start
    for p in procs:
        p.stop()


@pytest.fixture
def client(pbx_factory) -> Iterator[tuple[PbxProcess, SipClient]]:  # type: ignore[no-untyped-def]
    pbx = pbx_factory()
    c = SipClient(("127.0.0.1", pbx.sip_port))
    yield pbx, c
    c.close()


def options_ok(c: SipClient) -> bool:
    c.send_raw(c.request("OPTIONS", f"sip:127.0.0.1:{c.server[1]}", "199").to_bytes())
    resp = c.recv_final()
    return resp is not None and resp.status == 200


def test_options_answered_with_capabilities(client) -> None:  # type: ignore[no-untyped-def]
    _, c = client
    c.send_raw(c.request("OPTIONS", f"sip:127.0.0.1:{c.server[1]}", "199").to_bytes())
    resp = c.recv_final()
    assert resp is not None and resp.status == 200
    assert "INVITE" in (resp.headers.get("Allow") or "")


@pytest.mark.parametrize("case", MALFORMED_CASES, ids=[c[0] for c in MALFORMED_CASES])
def test_malformed_gets_its_answer_and_daemon_keeps_serving(client, case) -> None:  # type: ignore[no-untyped-def]
    _, c = client
    _, data, expected = case
    c.send_raw(data)
    c.sock.settimeout(0.5 if expected is None else 3.0)
    got = c.recv_status()
    c.sock.settimeout(3.0)
    assert got == expected, f"expected {expected} (None: dropped), got {got}"
    assert options_ok(c), "the daemon stopped answering after a malformed message"


def test_via_port_out_of_range_is_400_naming_it_and_the_next_request_is_served(client) -> None:  # type: ignore[no-untyped-def]
    """Issue 11 item 4: a Via port of 99999 was answered 200."""
    _, c = client
    req = c.request("OPTIONS", f"sip:127.0.0.1:{c.server[1]}", "199")
    c.send_raw(req.to_bytes().replace(f"127.0.0.1:{c.port};".encode(), b"127.0.0.1:99999;", 1))
    data, _ = c.sock.recvfrom(65535)   # the answer comes back to the source port
    assert data.startswith(b"SIP/2.0 400 Bad Via header: port out of range (1-65535)\r\n")
    assert options_ok(c), "the daemon stopped answering after the bad Via"


def test_register_survives_restart(pbx_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pbx = pbx_factory()
    c = SipClient(("127.0.0.1", pbx.sip_port))
    resp = c.register("101", "pw101")
    assert resp is not None and resp.status == 200
    assert "expires=" in (resp.headers.get("Contact") or "")
    assert pbx.stop() == 0
    again = pbx_factory()
    assert again.wait_for("ready")["registrations"] == 1
    c.close()


def test_wrong_password_and_unknown_user_look_the_same(client) -> None:  # type: ignore[no-untyped-def]
    _, c = client
    wrong = c.register("101", "nope")
    unknown = c.register("999", "nope")
    assert wrong is not None and unknown is not None
    assert (wrong.status, wrong.reason) == (unknown.status, unknown.reason) == (
        403, "Wrong user name or password")


def test_repeated_failures_ban_the_address(pbx_factory) -> None:  # type: ignore[no-untyped-def]
    pbx = pbx_factory(extra="[security]\nban_failures = 5\nban_window = 10.0\nban_seconds = 60.0\n")
    c = SipClient(("127.0.0.1", pbx.sip_port), timeout=1.0)
    for _ in range(5):
        assert c.register("101", "wrong") is not None
    pbx.wait_for("ban", ip="127.0.0.1")
    assert not options_ok(c), "a banned address is still answered"
    c.close()


def test_overload_answers_503_with_retry_after(pbx_factory) -> None:  # type: ignore[no-untyped-def]
    """Calls ringing a device that never answers keep their transactions in progress; past
    90% of max_transactions the next request gets 503 with Retry-After. Answered requests
    (settled transactions) never count: they are evicted to make room."""
    # One caller places all the calls: lift its per-extension limit (security.max_calls).
    pbx = pbx_factory(sip_extra="max_transactions = 100\n",
                      extra="[security]\nmax_calls = 1000\n")
    callee = SipClient(("127.0.0.1", pbx.sip_port))
    assert callee.register("101", "pw101").status == 200  # type: ignore[union-attr]
    caller = SipClient(("127.0.0.1", pbx.sip_port), timeout=2.0)
    for _ in range(150):  # 150 settled OPTIONS transactions: no 503 for these
        caller.send_raw(caller.request("OPTIONS", "sip:127.0.0.1", "199").to_bytes())
        assert caller.recv_final().status == 200  # type: ignore[union-attr]
    uri = "sip:101@127.0.0.1"
    first = caller.request("INVITE", uri, "100", to_user="101", body=SDP,
                           headers=[("Content-Type", "application/sdp")])
    caller.send_raw(first.to_bytes())
    resp = caller.recv_final()
    assert resp is not None and resp.status == 407
    challenge = resp.headers.get("Proxy-Authenticate") or ""
    ack = caller.request("ACK", uri, "100", call_id=first.call_id, to_user="101")
    ack.headers.set("Via", first.headers.get("Via") or "")  # 17.1.1.3: the INVITE's branch
    ack.headers.set("To", resp.headers.get("To") or "")
    caller.send_raw(ack.to_bytes())
    statuses = []
    # Each ringing call holds one server and (once the PBX rings the device) one client
    # transaction; 91 server transactions alone pass 90% of 100.
    for nc in range(1, 100):
        auth = digest_response(challenge, "INVITE", uri, "100", "pw100", nc=nc)
        invite = caller.request("INVITE", uri, "100", to_user="101", body=SDP, headers=[
            ("Content-Type", "application/sdp"), ("Proxy-Authorization", auth)])
        caller.send_raw(invite.to_bytes())
        msg = caller.recv()  # 100 Trying: the call rings (the device never answers)
        statuses.append(msg.status if isinstance(msg, Response) else None)
        if statuses[-1] == 503:
            assert isinstance(msg, Response) and msg.reason == "Service Unavailable"
            assert msg.headers.get("Retry-After"), "503 without Retry-After"
            break
    assert statuses[0] == 100 and statuses[-1] == 503, statuses
    callee.close()
    caller.close()


def _call(caller: SipClient, callee_number: str, password: str) -> tuple[Request, Response | None]:
    uri = f"sip:{callee_number}@127.0.0.1"
    call_id = uuid.uuid4().hex
    invite = caller.request("INVITE", uri, "100", call_id=call_id, to_user=callee_number,
                            headers=[("Content-Type", "application/sdp")], body=SDP)
    caller.send_raw(invite.to_bytes())
    challenge = caller.recv_final()
    assert challenge is not None and challenge.status == 407
    ack = caller.request("ACK", uri, "100", call_id=call_id, to_user=callee_number)
    caller.send_raw(ack.to_bytes())
    auth = digest_response(challenge.headers.get("Proxy-Authenticate") or "", "INVITE", uri,
                           "100", password)
    invite = caller.request("INVITE", uri, "100", call_id=call_id, cseq=2, to_user=callee_number,
                            headers=[("Content-Type", "application/sdp"),
                                     ("Proxy-Authorization", auth)], body=SDP)
    caller.send_raw(invite.to_bytes())
    return invite, None


def _recv_request(c: SipClient, method: str) -> Request:
    seen = []
    for _ in range(10):
        msg = c.recv()
        if isinstance(msg, Request) and msg.method == method:
            return msg
        seen.append(repr(msg))
        if msg is None:
            break
    raise AssertionError(f"no {method} arrived; got {seen}")


def test_busy_call_is_in_history_after_restart(pbx_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pbx = pbx_factory()
    callee = SipClient(("127.0.0.1", pbx.sip_port))
    assert callee.register("101", "pw101").status == 200  # type: ignore[union-attr]
    caller = SipClient(("127.0.0.1", pbx.sip_port))
    _call(caller, "101", "pw100")
    invite = _recv_request(callee, "INVITE")
    assert '"Empfang" <sip:100@' in (invite.headers.get("From") or "")
    callee.send_raw(make_response(invite, 486, to_tag="b1").to_bytes())
    final = caller.recv_final()
    assert final is not None and final.status == 486
    assert pbx.stop() == 0
    pbx_factory()
    db = sqlite3.connect(tmp_path / "data" / "pbx.sqlite3")
    rows = db.execute("SELECT caller, callee, result FROM calls").fetchall()
    assert rows == [("100", "101", "busy")]
    callee.close()
    caller.close()


def test_sigterm_ends_active_calls_with_bye(pbx_factory) -> None:  # type: ignore[no-untyped-def]
    pbx = pbx_factory()
    callee = SipClient(("127.0.0.1", pbx.sip_port))
    assert callee.register("101", "pw101").status == 200  # type: ignore[union-attr]
    caller = SipClient(("127.0.0.1", pbx.sip_port))
    invite_a, _ = _call(caller, "101", "pw100")
    invite_b = _recv_request(callee, "INVITE")
    sdp_b = SDP.replace(b"40000", b"40002")
    ok_b = make_response(invite_b, 200, to_tag="b2", body=sdp_b,
                         extra=[("Contact", f"<sip:101@127.0.0.1:{callee.port}>"),
                                ("Content-Type", "application/sdp")])
    callee.send_raw(ok_b.to_bytes())
    ok_a = caller.recv_final()
    assert ok_a is not None and ok_a.status == 200
    assert b"c=IN IP4 127.0.0.1" in ok_a.body and b"m=audio 40000" not in ok_a.body
    ack = caller.request("ACK", f"sip:101@127.0.0.1:{pbx.sip_port}", "100",
                         call_id=invite_a.call_id, cseq=2, to_user="101")
    ack.headers.set("To", ok_a.headers.get("To") or "")
    caller.send_raw(ack.to_bytes())
    pbx.proc.send_signal(15)  # type: ignore[union-attr]
    assert _recv_request(caller, "BYE").call_id == invite_a.call_id
    assert _recv_request(callee, "BYE").call_id == invite_b.call_id
    assert pbx.stop() == 0
    callee.close()
    caller.close()


def test_bad_config_names_file_and_key_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text('[sip]\nport = "fivethousand"\n')
    for args in (["--check-config", str(bad)], ["--config", str(bad)]):
        res = subprocess.run([sys.executable, "-m", "softphone.pbx.daemon", *args],
                             capture_output=True, text=True, timeout=30)
        assert res.returncode == 2
        assert "broken.toml" in res.stderr and "sip.port" in res.stderr
        assert "Traceback" not in res.stderr
