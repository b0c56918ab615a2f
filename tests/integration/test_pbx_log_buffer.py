"""The daemon writes its log in blocks (softphone/pbx/logsetup.py, buffered_stderr): a line
still shows up within the flush interval, "ready" at once, and nothing is lost at exit."""

from __future__ import annotations

import time
from pathlib import Path

from softphone.pbx.logsetup import FLUSH_INTERVAL
from tests.helpers.pbxproc import PbxProcess, free_port, write_config
from tests.helpers.sipclient import SipClient


def test_log_lines_arrive_within_the_flush_interval_and_at_exit(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path / "pbx.toml", sip_port=port, rtp_base=free_port() & ~1)
    pbx = PbxProcess(config, tmp_path / "data", sip_port=port).start()
    try:
        client = SipClient(("127.0.0.1", port))
        try:
            resp = client.register("100", "pw100")
            sent = time.monotonic()
            assert resp is not None and resp.status == 200
            pbx.wait_for("register", timeout=5, aor="100")
            # Generous for a loaded test machine, but far below "only at exit".
            assert time.monotonic() - sent < FLUSH_INTERVAL + 2.0
        finally:
            client.close()
    finally:
        assert pbx.stop() == 0
    assert any(line.get("event") == "stopped" for line in pbx.lines), pbx.lines[-5:]
