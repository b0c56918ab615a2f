"""Attack: one signed-in user takes resources meant for everyone (issue 15, point 9):
registers thousands of devices (thousand-way forks, oversized UDP) or places calls until
the relay's ports run out.

What must hold, driven past configured limits (security.max_contacts = 3,
security.max_calls = 2): the device past the limit gets 403 and the call past it 486, each
with a reason saying so; what was within the limit keeps working.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from softphone.pbx.sip.message import Response
from tests.helpers.pbxproc import PbxProcess, free_port, write_config
from tests.helpers.sipclient import SipClient, digest_response

SDP = (b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       b"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    port = free_port()
    config = write_config(tmp_path / "pbx.toml", sip_port=port,
                          rtp_base=24000 + (port % 40) * 200,
                          extra="[security]\nmax_contacts = 3\nmax_calls = 2\n")
    proc = PbxProcess(config, tmp_path / "data", sip_port=port).start()
    try:
        yield proc
    finally:
        assert proc.stop() == 0


def register(client: SipClient, contacts: list[str]) -> Response:
    """REGISTER 101 with ``contacts`` besides the client's own; the final response."""
    uri = f"sip:{client.server[0]}"
    call_id = uuid.uuid4().hex
    headers = [("Contact", ", ".join(f"<{c}>" for c in contacts[i:i + 100]))
               for i in range(0, len(contacts), 100)]
    client.send_raw(client.request("REGISTER", uri, "101", call_id=call_id,
                                   headers=headers).to_bytes())
    challenge = client.recv_final()
    assert challenge is not None and challenge.status == 401
    auth = digest_response(challenge.headers.get("WWW-Authenticate") or "", "REGISTER", uri,
                           "101", "pw101")
    client.send_raw(client.request("REGISTER", uri, "101", call_id=call_id, cseq=2,
                                   headers=[*headers, ("Authorization", auth)]).to_bytes())
    response = client.recv_final()
    assert response is not None
    return response


def test_devices_past_the_limit_are_refused(pbx: PbxProcess) -> None:
    client = SipClient(("127.0.0.1", pbx.sip_port))
    try:
        device = [f"sip:101@127.0.0.1:{6000 + i}" for i in range(500)]
        ok = register(client, device[:2])                     # the client's own + 2
        assert ok.status == 200 and len(ok.headers.get_all("Contact")) == 3
        refused = register(client, [device[2]])
        assert (refused.status, refused.reason) == (
            403, "Too many registered devices (at most 3 per extension)")
        assert register(client, device).status == 403     # 500 at once
        pbx.wait_for("register_limit", aor="101")
        # Refreshing what is registered still works, and shows the same three.
        again = register(client, device[:2])
        assert again.status == 200 and len(again.headers.get_all("Contact")) == 3
    finally:
        client.close()


def test_calls_past_the_limit_get_486(pbx: PbxProcess) -> None:
    server = ("127.0.0.1", pbx.sip_port)
    callee, caller = SipClient(server), SipClient(server)
    try:
        response = callee.register("102", "pw102")
        assert response is not None and response.status == 200
        for _ in range(2):                       # ringing at 102, never answered
            caller.call("101", "pw101", "102", SDP)
        third = caller.call("101", "pw101", "102", SDP)
        busy = caller.recv_final()
        # Skip what the other calls still get, and retransmitted 407s (the helper's ACK
        # for them has its own branch).
        while busy is not None and (busy.call_id != third.call_id or busy.status == 407):
            busy = caller.recv_final()
        assert busy is not None
        assert (busy.status, busy.reason) == (
            486, "Too many calls at once (at most 2 per extension)")
        # Another extension is not limited by 101's calls.
        other = SipClient(server)
        try:
            other.call("103", "pw103", "102", SDP)
            assert other.recv().status == 100       # type: ignore[union-attr]
        finally:
            other.close()
    finally:
        callee.close()
        caller.close()
