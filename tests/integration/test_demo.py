"""`make demo` without a display: the PBX comes up on the demo configuration, says how to
reach it, serves the listed demo accounts, and Ctrl+C stops it cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.pbxproc import free_port
from tests.helpers.sipclient import SipClient


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`make demo`'s program without a display, on free ports; whatever happens in the test,
    the demo and everything it started (PBX, door simulator) end with it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "softphone.demo", "--data-dir", str(tmp_path), "--sip-port",
         str(port), "--api-port", str(free_port()), "--door-port", str(free_port())],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        start_new_session=True)
    try:
        yield proc, port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_demo_serves_the_accounts_it_lists(demo: tuple[subprocess.Popen[str], int],
                                           tmp_path: Path) -> None:
    proc, port = demo
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Ctrl+C"):
            break
    text = "".join(lines)
    assert f"127.0.0.1:{port}" in text and "No display here" in text
    accounts = re.findall(r"^\s+(\d{3})\s+(\S+)\s+(\S+)$", text, re.M)
    assert [a[:2] for a in accounts] == [("100", "Empfang"), ("101", "Vertrieb"),
                                         ("102", "Buchhaltung"), ("103", "Homeoffice")]
    client = SipClient(("127.0.0.1", port))
    number, _, password = accounts[0]
    resp = client.register(number, password)
    client.close()
    assert resp is not None and resp.status == 200
    ini = (tmp_path / "client-100" / "softphone.ini").read_text()   # the printed command's
    api = re.search(r"Client API .*http://127\.0\.0\.1:(\d+)/", text)
    assert api is not None and f"api_port={api.group(1)}" in ini   # ... on the demo's API
    camera = re.search(r"camera (http://\S+/video.mjpg), snapshot (http://\S+\.jpg)", text)
    assert camera is not None
    with urllib.request.urlopen(camera.group(2), timeout=10) as snapshot:
        assert snapshot.headers["Content-Type"] == "image/jpeg" and snapshot.read(2) == b"\xff\xd8"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0
