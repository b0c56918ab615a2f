"""Attack (or accident): a call is answered and then nobody sends media, a phone that died
or left the network without a BYE (issue 15, point 7). Such a call used to hold its relay
ports forever and show both users busy.

What must hold: with rtp.media_timeout configured short (1 s here; 60 s by default), a
call that has RTP keeps going past the timeout, and once media stops the PBX ends it: a
BYE to both sides, a "media_timeout" log line and the reason in the call history.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from softphone.pbx.media.rtp import build_rtp
from softphone.pbx.sip.message import make_response
from tests.helpers.pbxproc import PbxProcess, free_port, write_config
from tests.helpers.sipclient import SipClient
from tests.security.sipcalls import answered_call, next_request

TIMEOUT = 1.0


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    port = free_port()
    rtp = 24000 + (port % 40) * 200
    config = write_config(tmp_path / "pbx.toml", sip_port=port, rtp_base=rtp)
    text = config.read_text().replace(f"port_max = {rtp + 399}\n",
                                      f"port_max = {rtp + 399}\nmedia_timeout = {TIMEOUT}\n")
    config.write_text(text)
    proc = PbxProcess(config, tmp_path / "data", sip_port=port).start()
    try:
        yield proc
    finally:
        proc.stop()


def test_a_call_without_media_is_ended_and_the_history_says_why(
        pbx: PbxProcess, tmp_path: Path) -> None:
    server = ("127.0.0.1", pbx.sip_port)
    caller, callee = SipClient(server), SipClient(server)
    media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    media.bind(("127.0.0.1", 0))
    try:
        _, ok = answered_call(caller, callee, media.getsockname()[1])
        relay_port = int(re.search(rb"m=audio (\d+)", ok.body).group(1))  # type: ignore[union-attr]

        # RTP from the caller for twice the timeout: the call goes on.
        started, seq = time.monotonic(), 0
        while time.monotonic() - started < 2 * TIMEOUT:
            seq += 1
            media.sendto(build_rtp(0, seq, seq * 160, 0x1234, b"\xff" * 160),
                         ("127.0.0.1", relay_port))
            time.sleep(0.02)          # the packet clock of 20 ms audio, not a wait
        assert pbx.logged("media_timeout") is None

        # Media stops: the PBX ends the call.
        logged = pbx.wait_for("media_timeout", timeout=10)
        assert (logged["caller"], logged["callee"]) == ("101", "102")
        for client in (caller, callee):
            bye = next_request(client, "BYE")
            client.send_raw(make_response(bye, 200).to_bytes())
    finally:
        for c in (caller, callee):
            c.close()
        media.close()
    assert pbx.stop() == 0
    with sqlite3.connect(tmp_path / "data" / "pbx.sqlite3") as db:
        [(result, reason)] = db.execute("SELECT result, end_reason FROM calls").fetchall()
    assert result == "answered" and reason.startswith("no media for ")
